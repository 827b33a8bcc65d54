//! Rebuilding the processor's state at start (a snapshot's nodes and
//! sessions, then the logged transactions after it) and reading it out for
//! a snapshot.

use zkrs_proto::records::{Acl, Stat};

use super::processor::{Processor, Session};
use super::storage::{Txn, TxnRecord};
use super::tree::{AclList, DataTree, Node};

impl Processor {
    /// Forgets everything before a snapshot is loaded: no nodes at all, not
    /// even the root, which the snapshot brings.
    pub fn restore_begin(&mut self) {
        self.tree = DataTree::empty();
        self.sessions.clear();
        self.set_restored_zxid(0);
    }

    /// Back to a fresh server's state (an empty data directory, or a
    /// snapshot that failed half-way).
    pub fn restore_reset(&mut self) {
        self.tree = DataTree::new();
        self.sessions.clear();
        self.set_restored_zxid(0);
    }

    pub fn reserve_nodes(&mut self, nodes: usize) {
        self.tree.reserve(nodes);
    }

    pub fn restore_acl(&mut self, acl: Vec<Acl>) -> AclList {
        self.tree.intern_acl(&acl)
    }

    pub fn restore_node(
        &mut self,
        path: &str,
        data: Option<&[u8]>,
        acl: AclList,
        stat: Stat,
        seq: i32,
    ) -> Result<(), String> {
        self.tree.restore(path, data, acl, stat, seq)
    }

    /// The snapshot's nodes are all in: links those that came before
    /// their parent.
    pub fn restore_finish(&mut self) -> Result<(), String> {
        self.tree.finish_restore()
    }

    pub fn restore_session(&mut self, id: i64, timeout_ms: i32) {
        self.sessions.insert(
            id,
            Session {
                timeout_ms,
                ..Session::default()
            },
        );
    }

    /// The zxid a snapshot was taken at: durable by definition.
    pub fn set_restored_zxid(&mut self, zxid: i64) {
        self.zxid = zxid;
        self.mark_durable();
    }

    /// Applies a logged transaction again. The log holds only what was
    /// applied (the storage checks that zxids follow each other), so
    /// nothing is checked but what replay itself needs; a record that does
    /// not fit the tree means the files do not belong together.
    pub fn replay(&mut self, rec: &TxnRecord) -> Result<(), String> {
        self.replay_txn(rec, &rec.txn)?;
        self.set_restored_zxid(rec.zxid);
        Ok(())
    }

    fn replay_txn(&mut self, rec: &TxnRecord, txn: &Txn) -> Result<(), String> {
        let mut journal = Vec::new();
        match txn {
            Txn::CreateSession { timeout_ms } => self.restore_session(rec.session, *timeout_ms),
            Txn::CloseSession { deleted } => {
                self.sessions.remove(&rec.session);
                for path in deleted {
                    self.tree.delete(path, rec.zxid, &mut journal);
                }
            }
            Txn::Create {
                path,
                data,
                acl,
                ephemeral_owner,
            } => {
                let parent = zkrs_proto::path::parent(path);
                if self.tree.get(parent).is_none() || self.tree.get(path).is_some() {
                    return Err(format!(
                        "zxid 0x{:x} creates {path}, which does not fit the tree",
                        rec.zxid
                    ));
                }
                let acl = self.tree.intern_acl(acl);
                self.tree.create(
                    path,
                    data.clone(),
                    acl,
                    *ephemeral_owner,
                    rec.zxid,
                    rec.time_ms,
                    &mut journal,
                );
            }
            Txn::Delete { path } => {
                if self.tree.get(path).is_none_or(|n| !n.children.is_empty()) {
                    return Err(format!(
                        "zxid 0x{:x} deletes {path}, which does not fit the tree",
                        rec.zxid
                    ));
                }
                self.tree.delete(path, rec.zxid, &mut journal);
            }
            Txn::SetData { path, data } => {
                self.tree
                    .set_data(path, data.clone(), rec.zxid, rec.time_ms, &mut journal)
                    .ok_or_else(|| format!("zxid 0x{:x} sets missing {path}", rec.zxid))?;
            }
            Txn::SetAcl { path, acl } => {
                let acl = self.tree.intern_acl(acl);
                self.tree.set_acl(path, acl, &mut journal).ok_or_else(|| {
                    format!("zxid 0x{:x} sets the ACL of missing {path}", rec.zxid)
                })?;
            }
            Txn::Multi(txns) => {
                for t in txns {
                    self.replay_txn(rec, t)?;
                }
            }
            Txn::Check { .. } | Txn::Error(_) => {}
        }
        Ok(())
    }

    /// Starts a snapshot of the tree at the last zxid, which must be
    /// durable; `snapshot_step` hands it out while requests go on.
    pub fn begin_snapshot(&mut self) {
        debug_assert!(!self.has_unsynced());
        self.tree.begin_capture();
    }

    /// About `budget` nodes of the snapshot under way, in no particular
    /// order; true once it is complete.
    pub fn snapshot_step(&mut self, budget: usize, f: impl FnMut(&str, &Node)) -> bool {
        self.tree.capture_step(budget, f)
    }

    pub fn snapshot_in_progress(&self) -> bool {
        self.tree.capturing()
    }

    /// The live sessions and their timeouts, ids ascending.
    pub fn session_timeouts(&self) -> Vec<(i64, i32)> {
        let mut v: Vec<(i64, i32)> = self
            .sessions
            .iter()
            .map(|(id, s)| (*id, s.timeout_ms))
            .collect();
        v.sort_unstable();
        v
    }
}
