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
    /// Writes the queued group and starts making it durable without
    /// waiting: the serving thread goes on applying requests (whose answers
    /// wait) while the disk syncs. `finish_sync` tells when it is done.
    /// One sync at a time: not called again before that. By default the
    /// group is synced at once.
    ///
    /// `after` runs exactly once, whatever happens, on the thread that
    /// finishes the sync, told whether the group became durable: if it
    /// did, once `finish_sync` can tell (so the next group may start
    /// meanwhile); if not, before `finish_sync` can tell (so what `after`
    /// does is done when the failure is seen).
    fn start_sync(&mut self, after: Option<AfterSync>) -> io::Result<SyncStarted> {
        let result = self.sync();
        run_after(after, result.is_ok());
        result.map(|()| SyncStarted::Done)
    }
    /// The outcome of the sync in flight, once there is one. On error the
    /// group is not kept, nor anything queued since, and the caller rolls
    /// its state back to the last success.
    fn finish_sync(&mut self) -> Option<io::Result<()>> {
        None
    }
    /// Something to call when a sync in flight finishes (it wakes the
    /// serving thread).
    fn set_notify(&mut self, _notify: Box<dyn Fn() + Send + Sync>) {}
    /// Whether transactions outlive the process: only then does the
    /// processor keep what it needs to roll a failed group back.
    fn is_durable(&self) -> bool;
    /// Starts a new log file with the next group (a snapshot was taken).
    fn roll(&mut self) {}
}

/// Work for the end of one sync, told whether its group became durable:
/// the network layer sends that group's answers this way, from the thread
/// that synced, without waiting for the serving thread.
pub type AfterSync = Box<dyn FnOnce(bool) + Send>;

/// Runs `after`, if any, with the sync's outcome.
pub fn run_after(after: Option<AfterSync>, durable: bool) {
    if let Some(after) = after {
        after(durable);
    }
}

/// What `Storage::start_sync` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStarted {
    /// Durable already (or nothing to do).
    Done,
    /// Written; `finish_sync` will tell.
    InFlight,
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
