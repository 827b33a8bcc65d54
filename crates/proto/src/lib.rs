//! The ZooKeeper wire protocol, shared by the client and the server: jute
//! encoding, the records, opcodes and other protocol numbers, error codes,
//! framing and Apache's path rules. Pure: no I/O.

pub mod consts;
pub mod errors;
pub mod frame;
pub mod jute;
pub mod path;
pub mod records;
pub mod request;

pub use jute::{Decode, DecodeError, Encode, Reader};
