//! The server's state machine: the data tree, ACLs, watches and the request
//! processor that applies client requests to them. Pure: no I/O.

pub mod acl;
mod capture;
pub mod child_name;
mod node_table;
pub mod processor;
mod reads;
mod restore;
pub mod storage;
#[cfg(test)]
mod tests;
pub mod tree;
pub mod watches;
mod writes;
