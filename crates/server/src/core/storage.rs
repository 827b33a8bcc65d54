//! Where committed transactions go. The processor hands every transaction
//! it applies to a `Storage`; the network layer has the queued group synced
//! before it sends any answer that depends on it. The durable implementation
//! (the `storage` module) writes a log and snapshots; the in-memory one keeps
//! nothing, so a restart begins with an empty tree.

use std::io;

use zkrs_proto::records::Acl;

/// One change to the tree or the session table, as applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Txn {
    CreateSession {
        timeout_ms: i32,
    },
    /// The session's ephemerals, deleted in this order.
    CloseSession {
        deleted: Vec<String>,
    },
    Create {
        path: String,
        data: Option<Vec<u8>>,
        acl: Vec<Acl>,
        ephemeral_owner: i64,
    },
    Delete {
        path: String,
    },
    SetData {
        path: String,
        data: Option<Vec<u8>>,
    },
    SetAcl {
        path: String,
        acl: Vec<Acl>,
    },
    Check {
        path: String,
    },
    Multi(Vec<Txn>),
    /// A write that failed: it still takes a zxid.
    Error(i32),
}

/// A transaction with the header Apache logs with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnRecord {
    pub session: i64,
    pub xid: i32,
    pub zxid: i64,
    pub time_ms: i64,
    pub txn: Txn,
}

pub trait Storage: Send {
    /// Queues a transaction the processor has applied; nothing is written
    /// until `sync`.
    fn append(&mut self, record: &TxnRecord);
    /// Writes everything queued since the last call as one group and, unless
    /// syncing is turned off, makes it durable. On error nothing of the group
    /// is kept and the caller rolls its state back to the last success.
    fn sync(&mut self) -> io::Result<()>;
    /// Whether transactions outlive the process: only then does the
    /// processor keep what it needs to roll a failed group back.
    fn is_durable(&self) -> bool;
    /// Starts a new log file with the next group (a snapshot was taken).
    fn roll(&mut self) {}
}

/// Keeps nothing; counts what it was given.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    pub committed: u64,
}

impl Storage for MemoryStorage {
    fn append(&mut self, _record: &TxnRecord) {
        self.committed += 1;
    }

    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn is_durable(&self) -> bool {
        false
    }
}
