//! The bundled standalone ZooKeeper server: a data tree with Apache
//! ZooKeeper 3.8's semantics behind its client wire protocol, served by one
//! mio event loop. Standalone only: ensembles are Apache ZooKeeper's job.

pub mod calendar;
pub mod config;
pub mod core;
pub mod durable;
pub mod fourlw;
pub mod network;
pub mod server;
pub mod sessions;
pub mod storage;
pub mod sys;

pub use config::{ConfigError, ServerConfig};
pub use core::processor::{Output, Processor, ProcessorOptions, ProcessorStats};
pub use server::{Server, ServerHandle};
