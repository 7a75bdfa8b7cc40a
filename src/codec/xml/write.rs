//! Writing S3 and OSS XML: the element order of the botocore model, values escaped.

use std::fmt::Write as _;

use crate::model::CorsConfiguration;
use crate::s3::{S3_NAMESPACE, escape_into};
use crate::validate::Dialect;

pub(crate) fn write(config: &CorsConfiguration, dialect: Dialect) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    match dialect {
        Dialect::S3 => {
            let _ = writeln!(out, "<CORSConfiguration xmlns=\"{S3_NAMESPACE}\">");
        }
        Dialect::Oss => out.push_str("<CORSConfiguration>\n"),
    }
    for rule in &config.rules {
        out.push_str("  <CORSRule>\n");
        if dialect == Dialect::S3 {
            if let Some(id) = &rule.id {
                leaf(&mut out, "ID", id);
            }
        }
        for value in &rule.allowed_headers {
            leaf(&mut out, "AllowedHeader", value);
        }
        for value in &rule.allowed_methods {
            leaf(&mut out, "AllowedMethod", value);
        }
        for value in &rule.allowed_origins {
            leaf(&mut out, "AllowedOrigin", value);
        }
        for value in &rule.expose_headers {
            leaf(&mut out, "ExposeHeader", value);
        }
        if let Some(seconds) = rule.max_age_seconds {
            let _ = writeln!(out, "    <MaxAgeSeconds>{seconds}</MaxAgeSeconds>");
        }
        out.push_str("  </CORSRule>\n");
    }
    if dialect == Dialect::Oss {
        if let Some(vary) = config.response_vary {
            let _ = writeln!(out, "  <ResponseVary>{vary}</ResponseVary>");
        }
    }
    out.push_str("</CORSConfiguration>\n");
    out
}

fn leaf(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, "    <{name}>");
    escape_into(out, value);
    let _ = writeln!(out, "</{name}>");
}
