//! Adapters from the engine to the HTTP stacks servers are built on. The core (model, codecs,
//! validation, engine, request view and decision) never names an adapter.

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;

#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;

#[cfg(feature = "s3s")]
#[cfg_attr(docsrs, doc(cfg(feature = "s3s")))]
pub mod s3s;
