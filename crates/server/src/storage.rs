//! Where committed transactions go. The processor hands every transaction
//! it applies to a `Storage`; at start it asks the storage to replay what it
//! kept. `MemoryStorage` keeps nothing: the tree lives only in memory.

use std::io;
use zkrs_proto::records::Acl;

/// A committed change, in the form it is applied to the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Txn {
    CreateSession {
        timeout_ms: i32,
    },
    /// Deletes the session's ephemerals (listed) in one transaction.
    CloseSession {
        ephemerals: Vec<String>,
    },
    Create {
        path: String,
        data: Vec<u8>,
        acl: Vec<Acl>,
        ephemeral_owner: i64,
        parent_cversion: i32,
    },
    Delete {
        path: String,
    },
    SetData {
        path: String,
        data: Vec<u8>,
        version: i32,
    },
    SetAcl {
        path: String,
        acl: Vec<Acl>,
        version: i32,
    },
    Check {
        path: String,
        version: i32,
    },
    /// A failed write still takes a zxid in ZooKeeper.
    Error {
        err: i32,
    },
    Multi(Vec<Txn>),
}

/// One transaction with its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnRecord {
    pub zxid: i64,
    pub time_ms: i64,
    pub session: i64,
    pub txn: Txn,
}

pub trait Storage: Send {
    /// Records a transaction that has been applied.
    fn commit(&mut self, record: &TxnRecord) -> io::Result<()>;
    /// Transactions kept from earlier runs, oldest first.
    fn load(&mut self) -> io::Result<Vec<TxnRecord>>;
}

/// Keeps nothing across restarts; counts what it was given.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    pub committed: u64,
    pub last_zxid: i64,
}

impl Storage for MemoryStorage {
    fn commit(&mut self, record: &TxnRecord) -> io::Result<()> {
        self.committed += 1;
        self.last_zxid = record.zxid;
        Ok(())
    }

    fn load(&mut self) -> io::Result<Vec<TxnRecord>> {
        Ok(Vec::new())
    }
}
