//! Diagnostics for people: the per-rule trace of one request ([`explain`]), pitfall
//! warnings for a whole configuration ([`lint`]), and the access changes between two
//! policies ([`diff`]).

pub mod diff;
pub(crate) mod explain;
pub mod lint;
