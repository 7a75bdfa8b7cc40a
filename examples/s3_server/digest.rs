//! Request-body integrity: `Content-MD5`, the `x-amz-checksum-*` headers and trailers, and
//! the `aws-chunked` encoding newer AWS SDKs use to send a checksum after the body.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};

use crate::wire::S3Error;

/// The checksum headers S3 knows. Any one of them satisfies PutBucketCors's integrity rule.
pub const CHECKSUM_HEADERS: [&str; 5] = [
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
];

/// The hex MD5 of a body, which S3 uses as the `ETag` of a single-part object.
pub fn md5_hex(body: &[u8]) -> String {
    format!("{:x}", Md5::digest(body))
}

/// The integrity values a request carries, from its headers or its `aws-chunked` trailer.
#[derive(Debug, Default, Clone)]
pub struct Integrity {
    /// `Content-MD5`.
    pub content_md5: Option<String>,
    /// `(header name, value)` for each `x-amz-checksum-*` present.
    pub checksums: Vec<(&'static str, String)>,
}

impl Integrity {
    /// True when the request carries `Content-MD5` or any checksum.
    pub fn is_present(&self) -> bool {
        self.content_md5.is_some() || !self.checksums.is_empty()
    }

    /// Checks every value the example can compute (`Content-MD5` and CRC32) against the body;
    /// the other algorithms are accepted on presence.
    ///
    /// # Errors
    ///
    /// S3's `InvalidDigest` for a `Content-MD5` that is not base64 of 16 bytes, `BadDigest`
    /// for a value that does not match, `InvalidRequest` for a CRC32 that is not base64 of
    /// four bytes.
    pub fn verify(&self, body: &[u8]) -> Result<(), S3Error> {
        if let Some(value) = &self.content_md5 {
            let expected = STANDARD
                .decode(value.trim())
                .ok()
                .filter(|d| d.len() == 16)
                .ok_or_else(|| {
                    S3Error::new(
                        400,
                        "InvalidDigest",
                        "The Content-MD5 you specified was not valid.",
                    )
                })?;
            if Md5::digest(body).as_slice() != expected.as_slice() {
                return Err(S3Error::new(
                    400,
                    "BadDigest",
                    "The Content-MD5 you specified did not match what we received.",
                ));
            }
        }
        for (name, value) in &self.checksums {
            if *name != "x-amz-checksum-crc32" {
                continue;
            }
            let expected = STANDARD
                .decode(value.trim())
                .ok()
                .and_then(|d| <[u8; 4]>::try_from(d).ok())
                .ok_or_else(|| {
                    S3Error::new(
                        400,
                        "InvalidRequest",
                        "Value for x-amz-checksum-crc32 header is invalid.",
                    )
                })?;
            if crc32fast::hash(body).to_be_bytes() != expected {
                return Err(S3Error::new(
                    400,
                    "BadDigest",
                    "The CRC32 you specified did not match the calculated checksum.",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_known_values() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn verify_accepts_matching_and_refuses_wrong_values() {
        let body = b"hello";
        let good = Integrity {
            content_md5: Some(STANDARD.encode(Md5::digest(body))),
            checksums: vec![(
                "x-amz-checksum-crc32",
                STANDARD.encode(crc32fast::hash(body).to_be_bytes()),
            )],
        };
        assert!(good.verify(body).is_ok());
        let err = good.verify(b"other").unwrap_err();
        assert_eq!((err.status, err.code), (400, "BadDigest"));

        let bad_md5 = Integrity {
            content_md5: Some("not base64!".into()),
            checksums: vec![],
        };
        assert_eq!(bad_md5.verify(body).unwrap_err().code, "InvalidDigest");

        let wrong_crc = Integrity {
            content_md5: None,
            checksums: vec![("x-amz-checksum-crc32", "AAAAAA==".into())],
        };
        let err = wrong_crc.verify(body).unwrap_err();
        assert_eq!(err.code, "BadDigest");
        assert!(err.message.contains("CRC32"));

        let other = Integrity {
            content_md5: None,
            checksums: vec![("x-amz-checksum-sha256", "anything".into())],
        };
        assert!(other.is_present());
        assert!(other.verify(body).is_ok());
        assert!(!Integrity::default().is_present());
    }
}
