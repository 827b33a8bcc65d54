//! Where committed transactions go. The processor hands every transaction
//! it applies to a `Storage`; a durable implementation writes them to a log
//! (and snapshots) and gives them back at start. The in-memory one keeps
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
    /// Records a transaction the processor has applied.
    fn commit(&mut self, record: &TxnRecord) -> io::Result<()>;
    /// The transactions to replay at start, oldest first.
    fn recover(&mut self) -> io::Result<Vec<TxnRecord>>;
}

/// Keeps nothing; counts what it was given.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    pub committed: u64,
}

impl Storage for MemoryStorage {
    fn commit(&mut self, _record: &TxnRecord) -> io::Result<()> {
        self.committed += 1;
        Ok(())
    }

    fn recover(&mut self) -> io::Result<Vec<TxnRecord>> {
        Ok(Vec::new())
    }
}
