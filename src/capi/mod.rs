//! The C API of `libzookeeper_mt`: the only place with `extern "C"`, raw
//! pointers and `unsafe`. Each module maps to the header it generates
//! (see build.rs); exported functions convert their arguments, delegate to
//! the `zkrs-client` engine and never let a panic cross the boundary.

#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]
// Exported functions check their pointers themselves; their contract is
// Apache's documentation, so per-function safety sections would repeat it.
#![allow(clippy::missing_safety_doc)]

mod alloc;
pub mod async_ops;
mod completions;
pub mod consts;
pub mod errors;
pub mod event_loop;
mod guard;
pub mod handle;
pub mod jute;
mod libc_extra;
pub mod log;
pub mod logging;
pub mod multi;
pub mod proto;
pub mod recordio;
pub mod server;
pub mod strings;
pub mod sync_ops;
pub mod types;
pub mod watches;
