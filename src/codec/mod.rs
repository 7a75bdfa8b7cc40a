//! Codecs: the document formats people hand to storage, read into and written from the model.
//!
//! Each format lives in its own module with the inherent methods it adds to
//! [`CorsConfiguration`] (`from_s3_xml`, `to_json`, ...). This module holds what they share:
//! the [`Format`] names and detection, and the size limit decided before any parsing.

mod azure;
mod b2;
pub(crate) mod convert;
mod format;
mod gcs;
mod json;
mod r2;
mod xml;

pub use format::Format;

use crate::error::ConfigError;
use crate::model::CorsConfiguration;
use crate::s3::MAX_DOCUMENT_BYTES;

impl CorsConfiguration {
    /// Reads a document in the format [`Format::detect`] finds.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] of kind [`TooLarge`](crate::ConfigErrorKind::TooLarge) for a document
    /// over 64 KB, decided before parsing, or [`Malformed`](crate::ConfigErrorKind::Malformed)
    /// when the format cannot be told or the document cannot be read.
    pub fn parse(bytes: &[u8]) -> Result<(Format, CorsConfiguration), ConfigError> {
        check_size(bytes)?;
        let format = Format::detect(bytes).ok_or_else(|| {
            // Read as S3 XML, S3's own format, which it is not either.
            ConfigError::malformed(Format::S3Xml, "not xml (nor any json shape it could be)")
                .with_offset(0)
        })?;
        Self::parse_as(bytes, format).map(|config| (format, config))
    }

    /// Reads a document in the given format.
    ///
    /// # Errors
    ///
    /// As [`CorsConfiguration::parse`].
    pub fn parse_as(bytes: &[u8], format: Format) -> Result<CorsConfiguration, ConfigError> {
        check_size(bytes)?;
        match format {
            Format::S3Xml => xml::parse(bytes, xml::Dialect::S3),
            Format::OssXml => xml::parse(bytes, xml::Dialect::Oss),
            Format::Json => json::parse(bytes),
            Format::GcsJson | Format::AzureXml | Format::R2Json | Format::B2Json => {
                Self::from_format(bytes, format).map(|(config, _)| config)
            }
        }
    }

    /// Writes the configuration in the given format. For the formats of other providers
    /// (GCS, Azure, R2, B2) what the format cannot hold is left out, even past the
    /// provider's limits; [`CorsConfiguration::to_format`] says what and refuses what cannot
    /// be expressed.
    #[must_use]
    pub fn write(&self, format: Format) -> String {
        match format {
            Format::S3Xml => xml::write(self, xml::Dialect::S3),
            Format::OssXml => xml::write(self, xml::Dialect::Oss),
            Format::Json => json::write(self),
            Format::GcsJson => gcs::write_lossy(self),
            Format::AzureXml => azure::write_lossy(self),
            Format::R2Json => r2::write_lossy(self),
            Format::B2Json => b2::write_lossy(self),
        }
    }
}

fn check_size(bytes: &[u8]) -> Result<(), ConfigError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ConfigError::too_large(bytes.len(), MAX_DOCUMENT_BYTES));
    }
    Ok(())
}
