//! Diagnostics for people: the per-rule trace of one request ([`explain`]) and pitfall
//! warnings for a whole configuration ([`lint`]).

pub(crate) mod explain;
pub mod lint;
