//! zkrs: a drop-in replacement for Apache ZooKeeper's C client library
//! `libzookeeper_mt`. The C API lives in [`capi`]; the session engine in the
//! `zkrs-client` crate.

pub mod capi;
