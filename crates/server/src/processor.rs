//! The request processor: ZooKeeper 3.8's PrepRequestProcessor and
//! FinalRequestProcessor folded into one single-threaded step. Each write is
//! checked in Apache's order (the first failing check decides the error),
//! takes a zxid whether it succeeds or not, is applied to the tree, handed
//! to the storage, and fires watches; reads answer from the tree.
//!
//! Interface notes for the network layer:
//! - `now_ms` is wall-clock milliseconds since the epoch: it stamps ctime and
//!   mtime and drives TTL expiry, as Apache's wall time does.
//! - `Output::Close` asks to close the session's connection (after sending
//!   what precedes it), as Apache does after an auth failure or an unknown
//!   opcode. `close_session` itself emits no `Close`.
//! - `connection_lost(session)` drops the session's watches: in ZooKeeper
//!   watches belong to a connection, and a reconnecting client re-registers
//!   them with setWatches.
//! - A request body longer than `max_buffer` gets `Close` (Apache refuses
//!   such a frame with "Len error" and drops the connection).
//! - PING and CLOSE_SESSION are answered here too if passed in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use zkrs_proto::consts::{add_watch_mode, event_type, keeper_state, op, perms, watcher_type};
use zkrs_proto::errors::*;
use zkrs_proto::jute::{Encode, Reader};
use zkrs_proto::path::{self, validate_path};
use zkrs_proto::records::*;
use zkrs_proto::request::{encode_multi_results, MultiOp, MultiResult, Request};

use crate::acl;
use crate::storage::{MemoryStorage, Storage, Txn, TxnRecord};
use crate::tree::{DataTree, NodeKind, Saved, CONTAINER_OWNER, MAX_TTL};
use crate::watches::{Event, WatchMode, Watches};

#[derive(Debug, Clone)]
pub struct ProcessorOptions {
    /// "super:<base64 sha1>", Apache's
    /// zookeeper.DigestAuthenticationProvider.superDigest.
    pub super_digest: Option<String>,
    /// jute.maxbuffer.
    pub max_buffer: usize,
}

impl Default for ProcessorOptions {
    fn default() -> Self {
        ProcessorOptions {
            super_digest: None,
            max_buffer: zkrs_proto::consts::DEFAULT_MAX_BUFFER,
        }
    }
}

/// What the processor asks the network layer to do. `frame` is a complete
/// payload without the length prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Reply { session: i64, frame: Vec<u8> },
    Notify { session: i64, frame: Vec<u8> },
    Close { session: i64 },
}

/// Figures for the four-letter words.
#[derive(Debug, Clone, Default)]
pub struct ProcessorStats {
    pub last_zxid: i64,
    pub node_count: usize,
    pub approximate_data_size: u64,
    pub ephemeral_count: usize,
    pub session_count: usize,
    /// Total watches (data and child tables, as `wchs` counts).
    pub watch_count: usize,
    pub watched_paths: usize,
    pub watching_sessions: usize,
    /// `wchc`: session -> watched paths, sessions ascending.
    pub watches_by_session: Vec<(i64, Vec<String>)>,
    /// `wchp`: path -> watching sessions, paths ascending.
    pub sessions_by_path: Vec<(String, Vec<i64>)>,
    /// `dump`: session -> its ephemeral paths.
    pub ephemerals_by_session: Vec<(i64, Vec<String>)>,
}

#[derive(Debug, Default)]
struct Session {
    timeout_ms: i32,
    ip: Option<IpAddr>,
    /// Ids added by auth packets, in order.
    auth: Vec<Id>,
}

/// A tree change whose watches fire once the transaction has committed.
enum Change {
    Created(String),
    Deleted(String),
    DataChanged(String),
}

pub struct Processor {
    opts: ProcessorOptions,
    tree: DataTree,
    watches: Watches,
    sessions: HashMap<i64, Session>,
    zxid: i64,
    storage: Box<dyn Storage>,
}

fn reply_frame(xid: i32, zxid: i64, err: i32, body: Option<&dyn Encode>) -> Vec<u8> {
    let mut f = Vec::with_capacity(16);
    ReplyHeader { xid, zxid, err }.encode(&mut f);
    if let Some(b) = body {
        b.encode(&mut f);
    }
    f
}

fn is_write(opcode: i32) -> bool {
    matches!(
        opcode,
        op::CREATE
            | op::CREATE2
            | op::CREATE_CONTAINER
            | op::CREATE_TTL
            | op::DELETE
            | op::DELETE_CONTAINER
            | op::SET_DATA
            | op::SET_ACL
            | op::CHECK
            | op::MULTI
            | op::RECONFIG
    )
}

fn check_version(current: i32, expected: i32) -> Result<i32, i32> {
    if expected != -1 && expected != current {
        return Err(ZBADVERSION);
    }
    Ok(current.wrapping_add(1))
}

/// Apache's getParentPathAndValidate for deletes.
fn delete_parent(p: &str) -> Result<&str, i32> {
    match p.rfind('/') {
        Some(_) if !p.contains('\0') && !DataTree::is_special(p) => Ok(path::parent(p)),
        _ => Err(ZBADARGUMENTS),
    }
}

/// A create as decoded, whatever its opcode.
struct CreateArgs<'a> {
    opcode: i32,
    path: &'a str,
    data: &'a Option<Vec<u8>>,
    acl: &'a [Acl],
    flags: i32,
    ttl: i64,
}

impl Processor {
    pub fn new(opts: ProcessorOptions) -> Processor {
        Processor::with_storage(opts, Box::new(MemoryStorage::default()))
    }

    /// A processor whose tree is rebuilt from what `storage` kept.
    pub fn with_storage(opts: ProcessorOptions, mut storage: Box<dyn Storage>) -> Processor {
        let records = storage.load().unwrap_or_default();
        let mut p = Processor {
            opts,
            tree: DataTree::new(),
            watches: Watches::default(),
            sessions: HashMap::new(),
            zxid: 0,
            storage,
        };
        for r in records {
            let mut changes = Vec::new();
            p.apply(&r, &mut changes);
            p.zxid = p.zxid.max(r.zxid);
        }
        p
    }

    pub fn last_zxid(&self) -> i64 {
        self.zxid
    }

    pub fn tree(&self) -> &DataTree {
        &self.tree
    }

    pub fn session_timeout(&self, session_id: i64) -> Option<i32> {
        self.sessions.get(&session_id).map(|s| s.timeout_ms)
    }

    pub fn open_session(&mut self, session_id: i64, timeout_ms: i32, now_ms: i64) {
        self.commit(
            session_id,
            now_ms,
            Txn::CreateSession { timeout_ms },
            &mut Vec::new(),
        );
    }

    pub fn close_session(&mut self, session_id: i64, now_ms: i64, out: &mut Vec<Output>) {
        // The closing session gets no more events.
        self.watches.remove_session(session_id);
        let ephemerals = self.tree.ephemerals_of(session_id);
        let mut events = Vec::new();
        self.commit(
            session_id,
            now_ms,
            Txn::CloseSession { ephemerals },
            &mut events,
        );
        self.notify(events, out);
    }

    pub fn set_session_address(&mut self, session_id: i64, ip: IpAddr) {
        self.sessions.entry(session_id).or_default().ip = Some(ip);
    }

    /// The session's connection went away: its watches go with it.
    pub fn connection_lost(&mut self, session_id: i64) {
        self.watches.remove_session(session_id);
    }

    pub fn stats(&self) -> ProcessorStats {
        let mut by_session: Vec<(i64, Vec<String>)> = Vec::new();
        let mut sessions: Vec<i64> = self
            .watches
            .data
            .sessions()
            .chain(self.watches.child.sessions())
            .copied()
            .collect();
        sessions.sort();
        sessions.dedup();
        for s in &sessions {
            let mut paths = self.watches.data.paths_of(*s);
            paths.extend(self.watches.child.paths_of(*s));
            paths.sort();
            paths.dedup();
            by_session.push((*s, paths));
        }
        let mut paths: Vec<&String> = self
            .watches
            .data
            .paths()
            .chain(self.watches.child.paths())
            .collect();
        paths.sort();
        paths.dedup();
        let by_path: Vec<(String, Vec<i64>)> = paths
            .iter()
            .map(|p| {
                let mut s = self.watches.data.sessions_of(p);
                s.extend(self.watches.child.sessions_of(p));
                s.sort();
                s.dedup();
                ((*p).clone(), s)
            })
            .collect();
        ProcessorStats {
            last_zxid: self.zxid,
            node_count: self.tree.node_count(),
            approximate_data_size: self.tree.approximate_data_size(),
            ephemeral_count: self.tree.ephemeral_count(),
            session_count: self.sessions.len(),
            watch_count: self.watches.total(),
            watched_paths: by_path.len(),
            watching_sessions: by_session.len(),
            watches_by_session: by_session,
            sessions_by_path: by_path,
            ephemerals_by_session: self.tree.all_ephemerals(),
        }
    }

    /// Removes empty containers that have had children and TTL nodes whose
    /// TTL has passed since their last change, each as a deleteContainer.
    pub fn tick(&mut self, now_ms: i64, out: &mut Vec<Output>) {
        let mut doomed = Vec::new();
        for p in self.tree.containers() {
            if let Some(n) = self.tree.get(p) {
                if n.children.is_empty() && n.stat.cversion > 0 {
                    doomed.push(p.clone());
                }
            }
        }
        for p in self.tree.ttls() {
            if let Some(n) = self.tree.get(p) {
                if let NodeKind::Ttl(ttl) = n.kind() {
                    if n.children.is_empty() && ttl != 0 && now_ms - n.stat.mtime > ttl {
                        doomed.push(p.clone());
                    }
                }
            }
        }
        for p in doomed {
            let mut events = Vec::new();
            let txn = self
                .prep_delete_container(&p)
                .unwrap_or_else(|err| Txn::Error { err });
            self.commit(0, now_ms, txn, &mut events);
            self.notify(events, out);
        }
    }

    fn auth_ids(&self, session: i64) -> Vec<Id> {
        let mut ids = Vec::new();
        if let Some(s) = self.sessions.get(&session) {
            if let Some(ip) = s.ip {
                ids.push(Id {
                    scheme: "ip".into(),
                    id: acl::host_address(ip),
                });
            }
            ids.extend(s.auth.iter().cloned());
        }
        ids
    }

    fn notify(&self, events: Vec<Event>, out: &mut Vec<Output>) {
        for (session, kind, path) in events {
            let mut frame = Vec::with_capacity(32 + path.len());
            ReplyHeader {
                xid: zkrs_proto::consts::xid::NOTIFICATION,
                zxid: -1,
                err: 0,
            }
            .encode(&mut frame);
            WatcherEvent {
                event_type: kind,
                state: keeper_state::SYNC_CONNECTED,
                path,
            }
            .encode(&mut frame);
            out.push(Output::Notify { session, frame });
        }
    }

    /// Takes the next zxid, applies the transaction, stores it, and turns
    /// its changes into watch events.
    fn commit(&mut self, session: i64, now_ms: i64, txn: Txn, events: &mut Vec<Event>) {
        self.zxid += 1;
        let record = TxnRecord {
            zxid: self.zxid,
            time_ms: now_ms,
            session,
            txn,
        };
        let mut changes = Vec::new();
        self.apply(&record, &mut changes);
        // A storage failure cannot be reported to the client after the tree
        // changed; the durable implementation decides how to surface it.
        let _ = self.storage.commit(&record);
        self.fire(changes, events);
    }

    fn fire(&mut self, changes: Vec<Change>, events: &mut Vec<Event>) {
        for c in changes {
            match c {
                Change::Created(p) => self.watches.node_created(&p, events),
                Change::Deleted(p) => self.watches.node_deleted(&p, events),
                Change::DataChanged(p) => self.watches.data_changed(&p, events),
            }
        }
    }

    fn apply(&mut self, r: &TxnRecord, changes: &mut Vec<Change>) {
        self.apply_txn(&r.txn, r.zxid, r.time_ms, r.session, changes);
    }

    fn apply_txn(
        &mut self,
        txn: &Txn,
        zxid: i64,
        time: i64,
        session: i64,
        changes: &mut Vec<Change>,
    ) {
        match txn {
            Txn::CreateSession { timeout_ms } => {
                self.sessions.entry(session).or_default().timeout_ms = *timeout_ms;
            }
            Txn::CloseSession { ephemerals } => {
                for p in ephemerals {
                    if self.tree.delete(p, zxid) {
                        changes.push(Change::Deleted(p.clone()));
                    }
                }
                self.sessions.remove(&session);
            }
            Txn::Create {
                path,
                data,
                acl,
                ephemeral_owner,
                parent_cversion,
            } => {
                let acl = Arc::new(acl.clone());
                if self
                    .tree
                    .create(
                        path,
                        data.clone(),
                        acl,
                        *ephemeral_owner,
                        *parent_cversion,
                        zxid,
                        time,
                    )
                    .is_some()
                {
                    changes.push(Change::Created(path.clone()));
                }
            }
            Txn::Delete { path } => {
                if self.tree.delete(path, zxid) {
                    changes.push(Change::Deleted(path.clone()));
                }
            }
            Txn::SetData {
                path,
                data,
                version,
            } => {
                if self
                    .tree
                    .set_data(path, data.clone(), *version, zxid, time)
                    .is_some()
                {
                    changes.push(Change::DataChanged(path.clone()));
                }
            }
            Txn::SetAcl { path, acl, version } => {
                self.tree.set_acl(path, Arc::new(acl.clone()), *version);
            }
            Txn::Check { .. } | Txn::Error { .. } => {}
            Txn::Multi(txns) => {
                if txns.iter().all(|t| !matches!(t, Txn::Error { .. })) {
                    for t in txns {
                        self.apply_txn(t, zxid, time, session, changes);
                    }
                }
            }
        }
    }

    // ----- write preparation: Apache's checks, in Apache's order -----

    fn prep_create(&self, session: i64, auth: &[Id], a: &CreateArgs<'_>) -> Result<Txn, i32> {
        if !(0..=6).contains(&a.flags) {
            return Err(ZBADARGUMENTS);
        }
        let is_ttl_mode = a.flags == 5 || a.flags == 6;
        let sequential = matches!(a.flags, 2 | 3 | 6);
        if is_ttl_mode {
            if a.ttl <= 0 || a.ttl > MAX_TTL {
                return Err(ZBADARGUMENTS);
            }
        } else if a.ttl >= 0 {
            return Err(ZBADARGUMENTS);
        }
        if !a.path.contains('/') || a.path.contains('\0') {
            return Err(ZBADARGUMENTS);
        }
        let parent_path = path::parent(a.path);
        let acl = acl::fixup_acl(a.acl, auth)?;
        let parent = self.tree.get(parent_path).ok_or(ZNONODE)?;
        acl::check_acl(&parent.acl, perms::CREATE, auth)?;
        let mut full = a.path.to_string();
        if sequential {
            full.push_str(&format!("{:010}", parent.stat.cversion));
        }
        validate_path(&full, false).map_err(|_| ZBADARGUMENTS)?;
        if self.tree.get(&full).is_some() {
            return Err(ZNODEEXISTS);
        }
        if matches!(parent.kind(), NodeKind::Ephemeral(_)) {
            return Err(ZNOCHILDRENFOREPHEMERALS);
        }
        let ephemeral_owner = match a.opcode {
            op::CREATE_CONTAINER => CONTAINER_OWNER,
            op::CREATE_TTL => NodeKind::ttl_owner(a.ttl),
            _ if a.flags == 1 || a.flags == 3 => session,
            _ => 0,
        };
        Ok(Txn::Create {
            path: full,
            data: a.data.clone().unwrap_or_default(),
            acl,
            ephemeral_owner,
            parent_cversion: parent.stat.cversion.wrapping_add(1),
        })
    }

    fn prep_delete(&self, auth: &[Id], p: &str, version: i32) -> Result<Txn, i32> {
        let parent_path = delete_parent(p)?;
        let parent = self.tree.get(parent_path).ok_or(ZNONODE)?;
        acl::check_acl(&parent.acl, perms::DELETE, auth)?;
        let node = self.tree.get(p).ok_or(ZNONODE)?;
        check_version(node.stat.version, version)?;
        if !node.children.is_empty() {
            return Err(ZNOTEMPTY);
        }
        Ok(Txn::Delete {
            path: p.to_string(),
        })
    }

    fn prep_delete_container(&self, p: &str) -> Result<Txn, i32> {
        let parent_path = delete_parent(p)?;
        let node = self.tree.get(p).ok_or(ZNONODE)?;
        if !node.children.is_empty() {
            return Err(ZNOTEMPTY);
        }
        if matches!(node.kind(), NodeKind::Ephemeral(_)) {
            return Err(ZBADVERSION);
        }
        self.tree.get(parent_path).ok_or(ZNONODE)?;
        Ok(Txn::Delete {
            path: p.to_string(),
        })
    }

    fn prep_set_data(&self, auth: &[Id], r: &SetDataRequest) -> Result<Txn, i32> {
        validate_path(&r.path, false).map_err(|_| ZBADARGUMENTS)?;
        let node = self.tree.get(&r.path).ok_or(ZNONODE)?;
        acl::check_acl(&node.acl, perms::WRITE, auth)?;
        let version = check_version(node.stat.version, r.version)?;
        Ok(Txn::SetData {
            path: r.path.clone(),
            data: r.data.clone().unwrap_or_default(),
            version,
        })
    }

    fn prep_set_acl(&self, auth: &[Id], r: &SetAclRequest) -> Result<Txn, i32> {
        validate_path(&r.path, false).map_err(|_| ZBADARGUMENTS)?;
        let acl = acl::fixup_acl(&r.acl, auth)?;
        let node = self.tree.get(&r.path).ok_or(ZNONODE)?;
        acl::check_acl(&node.acl, perms::ADMIN, auth)?;
        let version = check_version(node.stat.aversion, r.version)?;
        Ok(Txn::SetAcl {
            path: r.path.clone(),
            acl,
            version,
        })
    }

    fn prep_check(&self, auth: &[Id], r: &CheckVersionRequest) -> Result<Txn, i32> {
        validate_path(&r.path, false).map_err(|_| ZBADARGUMENTS)?;
        let node = self.tree.get(&r.path).ok_or(ZNONODE)?;
        acl::check_acl(&node.acl, perms::READ, auth)?;
        let version = check_version(node.stat.version, r.version)?;
        Ok(Txn::Check {
            path: r.path.clone(),
            version,
        })
    }

    fn prep_op(&self, session: i64, auth: &[Id], o: &MultiOp) -> Result<Txn, i32> {
        fn create(opcode: i32, r: &CreateRequest) -> CreateArgs<'_> {
            CreateArgs {
                opcode,
                path: &r.path,
                data: &r.data,
                acl: &r.acl,
                flags: r.flags,
                ttl: -1,
            }
        }
        match o {
            MultiOp::Create(r) => self.prep_create(session, auth, &create(op::CREATE, r)),
            MultiOp::Create2(r) => self.prep_create(session, auth, &create(op::CREATE2, r)),
            MultiOp::CreateContainer(r) => {
                self.prep_create(session, auth, &create(op::CREATE_CONTAINER, r))
            }
            MultiOp::CreateTtl(r) => self.prep_create(
                session,
                auth,
                &CreateArgs {
                    opcode: op::CREATE_TTL,
                    path: &r.path,
                    data: &r.data,
                    acl: &r.acl,
                    flags: r.flags,
                    ttl: r.ttl,
                },
            ),
            MultiOp::Delete(r) => self.prep_delete(auth, &r.path, r.version),
            MultiOp::SetData(r) => self.prep_set_data(auth, r),
            MultiOp::Check(r) => self.prep_check(auth, r),
            MultiOp::GetChildren(_) | MultiOp::GetData(_) => Err(ZMARSHALLINGERROR),
        }
    }

    /// Runs a multi: each op is checked against the tree as changed by the
    /// ops before it; on the first failure everything is put back. Results
    /// as Apache gives them: ops before the failure report ZOK, the failing
    /// op its error, the ops after ZRUNTIMEINCONSISTENCY.
    fn run_multi(
        &mut self,
        session: i64,
        ops: &[MultiOp],
        now_ms: i64,
        events: &mut Vec<Event>,
    ) -> Vec<MultiResult> {
        let auth = self.auth_ids(session);
        let zxid = self.zxid + 1;
        let mut saved: Vec<Saved> = Vec::new();
        let mut txns = Vec::with_capacity(ops.len());
        let mut results = Vec::with_capacity(ops.len());
        let mut changes = Vec::new();
        let mut failed_at = None;
        for (i, o) in ops.iter().enumerate() {
            match self.prep_op(session, &auth, o) {
                Ok(txn) => {
                    let target = match &txn {
                        Txn::Create { path, .. } => path.clone(),
                        _ => o.path().to_string(),
                    };
                    self.tree.save(&target, &mut saved);
                    self.apply_txn(&txn, zxid, now_ms, session, &mut changes);
                    results.push(self.multi_result(o, &txn));
                    txns.push(txn);
                }
                Err(err) => {
                    failed_at = Some((i, err));
                    break;
                }
            }
        }
        if let Some((i, err)) = failed_at {
            self.tree.restore(saved);
            let results: Vec<MultiResult> = (0..ops.len())
                .map(|j| {
                    MultiResult::Error(match j.cmp(&i) {
                        std::cmp::Ordering::Less => ZOK,
                        std::cmp::Ordering::Equal => err,
                        std::cmp::Ordering::Greater => ZRUNTIMEINCONSISTENCY,
                    })
                })
                .collect();
            let txns = results
                .iter()
                .map(|r| Txn::Error { err: r.err() })
                .collect();
            self.commit(session, now_ms, Txn::Multi(txns), events);
            return results;
        }
        // Already applied op by op; record the transaction and fire watches.
        self.zxid = zxid;
        let record = TxnRecord {
            zxid,
            time_ms: now_ms,
            session,
            txn: Txn::Multi(txns),
        };
        let _ = self.storage.commit(&record);
        self.fire(changes, events);
        results
    }

    fn multi_result(&self, o: &MultiOp, txn: &Txn) -> MultiResult {
        match (o, txn) {
            (MultiOp::Create(_), Txn::Create { path, .. }) => {
                MultiResult::Create(CreateResponse { path: path.clone() })
            }
            (_, Txn::Create { path, .. }) => MultiResult::Create2(Create2Response {
                path: path.clone(),
                stat: self.stat_of(path),
            }),
            (_, Txn::Delete { .. }) => MultiResult::Delete,
            (_, Txn::SetData { path, .. }) => MultiResult::SetData(SetDataResponse {
                stat: self.stat_of(path),
            }),
            _ => MultiResult::Check,
        }
    }

    fn stat_of(&self, p: &str) -> Stat {
        self.tree.get(p).map(|n| n.stat()).unwrap_or_default()
    }

    // ----- reads -----

    fn get_data(
        &mut self,
        session: i64,
        auth: &[Id],
        p: &str,
        watch: bool,
    ) -> Result<GetDataResponse, i32> {
        let node = self.tree.get(p).ok_or(ZNONODE)?;
        acl::check_acl(&node.acl, perms::READ, auth)?;
        let rsp = GetDataResponse {
            data: Some(node.data.clone()),
            stat: node.stat(),
        };
        if watch {
            self.watches.data.add(p, session, WatchMode::Standard);
        }
        Ok(rsp)
    }

    fn get_children(
        &mut self,
        session: i64,
        auth: &[Id],
        p: &str,
        watch: bool,
    ) -> Result<(Vec<String>, Stat), i32> {
        let node = self.tree.get(p).ok_or(ZNONODE)?;
        acl::check_acl(&node.acl, perms::READ, auth)?;
        let rsp = (node.children.iter().cloned().collect(), node.stat());
        if watch {
            self.watches.child.add(p, session, WatchMode::Standard);
        }
        Ok(rsp)
    }

    fn set_watches(&mut self, session: i64, w: SetWatches2, events: &mut Vec<Event>) {
        let rel = w.relative_zxid;
        for p in w.data_watches {
            match self.tree.get(&p) {
                None => events.push((session, event_type::NODE_DELETED, p)),
                Some(n) if n.stat.mzxid > rel => {
                    events.push((session, event_type::NODE_DATA_CHANGED, p))
                }
                Some(_) => self.watches.data.add(&p, session, WatchMode::Standard),
            }
        }
        for p in w.exist_watches {
            if self.tree.get(&p).is_some() {
                events.push((session, event_type::NODE_CREATED, p));
            } else {
                self.watches.data.add(&p, session, WatchMode::Standard);
            }
        }
        for p in w.child_watches {
            match self.tree.get(&p) {
                None => events.push((session, event_type::NODE_DELETED, p)),
                Some(n) if n.stat.pzxid > rel => {
                    events.push((session, event_type::NODE_CHILDREN_CHANGED, p))
                }
                Some(_) => self.watches.child.add(&p, session, WatchMode::Standard),
            }
        }
        for p in w.persistent_watches {
            self.watches.add_persistent(&p, session, false);
        }
        for p in w.persistent_recursive_watches {
            self.watches.add_persistent(&p, session, true);
        }
    }

    // ----- the entry point -----

    pub fn process(
        &mut self,
        session_id: i64,
        header: &RequestHeader,
        body: &[u8],
        now_ms: i64,
        out: &mut Vec<Output>,
    ) {
        let xid = header.xid;
        if body.len() > self.opts.max_buffer {
            out.push(Output::Close {
                session: session_id,
            });
            return;
        }
        let request = match Request::decode_body(header.op, &mut Reader::new(body)) {
            Ok(r) => r,
            Err(zkrs_proto::DecodeError::UnknownOpCode(_)) => {
                let frame = reply_frame(xid, -1, ZUNIMPLEMENTED, None);
                out.push(Output::Reply {
                    session: session_id,
                    frame,
                });
                out.push(Output::Close {
                    session: session_id,
                });
                return;
            }
            Err(_) => {
                if is_write(header.op) {
                    self.commit(
                        session_id,
                        now_ms,
                        Txn::Error {
                            err: ZMARSHALLINGERROR,
                        },
                        &mut Vec::new(),
                    );
                }
                let frame = reply_frame(xid, self.zxid, ZMARSHALLINGERROR, None);
                out.push(Output::Reply {
                    session: session_id,
                    frame,
                });
                return;
            }
        };
        let mut events = Vec::new();
        let auth = self.auth_ids(session_id);
        // (err, body) of the reply; `None` body means header only.
        let result: Result<Option<Box<dyn Encode>>, i32> = match request {
            Request::Auth(a) => {
                let peer = self.sessions.get(&session_id).and_then(|s| s.ip);
                match acl::authenticate(&a.scheme, &a.auth, peer, self.opts.super_digest.as_deref())
                {
                    Some(ids) => {
                        let s = self.sessions.entry(session_id).or_default();
                        for id in ids {
                            if !s.auth.contains(&id) {
                                s.auth.push(id);
                            }
                        }
                        let frame = reply_frame(xid, 0, ZOK, None);
                        out.push(Output::Reply {
                            session: session_id,
                            frame,
                        });
                    }
                    None => {
                        let frame = reply_frame(xid, 0, ZAUTHFAILED, None);
                        out.push(Output::Reply {
                            session: session_id,
                            frame,
                        });
                        out.push(Output::Close {
                            session: session_id,
                        });
                    }
                }
                return;
            }
            Request::Ping => Ok(None),
            Request::CloseSession => {
                self.close_session(session_id, now_ms, out);
                let frame = reply_frame(xid, self.zxid, ZOK, None);
                out.push(Output::Reply {
                    session: session_id,
                    frame,
                });
                out.push(Output::Close {
                    session: session_id,
                });
                return;
            }
            Request::Sasl(_) => {
                // No SASL mechanism is configured. Apache 3.8 then answers
                // with zxid 0, no error and a null token.
                let mut frame = reply_frame(xid, 0, ZOK, None);
                zkrs_proto::jute::write_i32(&mut frame, -1);
                out.push(Output::Reply {
                    session: session_id,
                    frame,
                });
                return;
            }
            Request::Create(r) | Request::Create2(r) | Request::CreateContainer(r) => {
                let args = CreateArgs {
                    opcode: header.op,
                    path: &r.path,
                    data: &r.data,
                    acl: &r.acl,
                    flags: r.flags,
                    ttl: -1,
                };
                self.write_create(session_id, &auth, &args, now_ms, &mut events)
            }
            Request::CreateTtl(r) => {
                let args = CreateArgs {
                    opcode: header.op,
                    path: &r.path,
                    data: &r.data,
                    acl: &r.acl,
                    flags: r.flags,
                    ttl: r.ttl,
                };
                self.write_create(session_id, &auth, &args, now_ms, &mut events)
            }
            Request::Delete(r) => {
                let t = self.prep_delete(&auth, &r.path, r.version);
                self.write(session_id, t, now_ms, &mut events).map(|_| None)
            }
            Request::DeleteContainer(p) => {
                let t = self.prep_delete_container(&p);
                self.write(session_id, t, now_ms, &mut events).map(|_| None)
            }
            Request::SetData(r) => {
                let t = self.prep_set_data(&auth, &r);
                self.write(session_id, t, now_ms, &mut events).map(|_| {
                    Some(Box::new(SetDataResponse {
                        stat: self.stat_of(&r.path),
                    }) as Box<dyn Encode>)
                })
            }
            Request::SetAcl(r) => {
                let t = self.prep_set_acl(&auth, &r);
                self.write(session_id, t, now_ms, &mut events).map(|_| {
                    Some(Box::new(SetAclResponse {
                        stat: self.stat_of(&r.path),
                    }) as Box<dyn Encode>)
                })
            }
            Request::Check(r) => {
                let t = self.prep_check(&auth, &r);
                self.write(session_id, t, now_ms, &mut events).map(|_| None)
            }
            Request::Reconfig(_) => self
                .write(session_id, Err(ZRECONFIGDISABLED), now_ms, &mut events)
                .map(|_| None),
            Request::Multi(ops) => {
                if ops
                    .iter()
                    .any(|o| matches!(o, MultiOp::GetChildren(_) | MultiOp::GetData(_)))
                {
                    self.write(session_id, Err(ZMARSHALLINGERROR), now_ms, &mut events)
                        .map(|_| None)
                } else {
                    let results = self.run_multi(session_id, &ops, now_ms, &mut events);
                    Ok(Some(Box::new(MultiResults(results)) as Box<dyn Encode>))
                }
            }
            Request::MultiRead(ops) => self.multi_read(session_id, &auth, &ops),
            Request::Exists(r) => {
                if r.path.contains('\0') {
                    Err(ZBADARGUMENTS)
                } else {
                    if r.watch {
                        self.watches
                            .data
                            .add(&r.path, session_id, WatchMode::Standard);
                    }
                    match self.tree.get(&r.path) {
                        Some(n) => Ok(Some(
                            Box::new(ExistsResponse { stat: n.stat() }) as Box<dyn Encode>
                        )),
                        None => Err(ZNONODE),
                    }
                }
            }
            Request::GetData(r) => self
                .get_data(session_id, &auth, &r.path, r.watch)
                .map(|d| Some(Box::new(d) as Box<dyn Encode>)),
            Request::GetChildren(r) => {
                self.get_children(session_id, &auth, &r.path, r.watch)
                    .map(|(children, _)| {
                        Some(Box::new(GetChildrenResponse { children }) as Box<dyn Encode>)
                    })
            }
            Request::GetChildren2(r) => {
                self.get_children(session_id, &auth, &r.path, r.watch)
                    .map(|(children, stat)| {
                        Some(Box::new(GetChildren2Response { children, stat }) as Box<dyn Encode>)
                    })
            }
            Request::GetAcl(r) => self.get_acl(&auth, &r.path),
            Request::GetAllChildrenNumber(r) => match self.tree.get(&r.path) {
                None => Err(ZNONODE),
                Some(n) => acl::check_acl(&n.acl, perms::READ, &auth).map(|_| {
                    let total_number = self.tree.descendant_count(&r.path) as i32;
                    Some(Box::new(GetAllChildrenNumberResponse { total_number }) as Box<dyn Encode>)
                }),
            },
            Request::GetEphemerals(r) => {
                let prefix = r.prefix_path.trim();
                let ephemerals = self
                    .tree
                    .ephemerals_of(session_id)
                    .into_iter()
                    .filter(|p| prefix.is_empty() || prefix == "/" || p.starts_with(&r.prefix_path))
                    .collect();
                Ok(Some(
                    Box::new(GetEphemeralsResponse { ephemerals }) as Box<dyn Encode>
                ))
            }
            Request::Sync(r) => Ok(Some(
                Box::new(SyncResponse { path: r.path }) as Box<dyn Encode>
            )),
            Request::WhoAmI => {
                let client_info = auth
                    .iter()
                    .map(|id| ClientInfo {
                        auth_scheme: id.scheme.clone(),
                        user: acl::user_name(id),
                    })
                    .collect();
                Ok(Some(
                    Box::new(WhoAmIResponse { client_info }) as Box<dyn Encode>
                ))
            }
            Request::CheckWatches(r) => match r.watcher_type {
                watcher_type::CHILDREN => Ok(self.watches.child.contains(&r.path, session_id)),
                watcher_type::DATA => Ok(self.watches.data.contains(&r.path, session_id)),
                watcher_type::ANY => Ok(self.watches.child.contains(&r.path, session_id)
                    || self.watches.data.contains(&r.path, session_id)),
                _ => Err(ZMARSHALLINGERROR),
            }
            .and_then(|found| if found { Ok(None) } else { Err(ZNOWATCHER) }),
            Request::RemoveWatches(r) => match r.watcher_type {
                watcher_type::CHILDREN => Ok(self.watches.child.remove(&r.path, session_id)),
                watcher_type::DATA => Ok(self.watches.data.remove(&r.path, session_id)),
                watcher_type::ANY => {
                    let c = self.watches.child.remove(&r.path, session_id);
                    let d = self.watches.data.remove(&r.path, session_id);
                    Ok(c || d)
                }
                _ => Err(ZMARSHALLINGERROR),
            }
            .and_then(|found| if found { Ok(None) } else { Err(ZNOWATCHER) }),
            Request::AddWatch(r) => match r.mode {
                add_watch_mode::PERSISTENT | add_watch_mode::PERSISTENT_RECURSIVE => {
                    let recursive = r.mode == add_watch_mode::PERSISTENT_RECURSIVE;
                    self.watches.add_persistent(&r.path, session_id, recursive);
                    Ok(Some(Box::new(ErrorResponse { err: 0 }) as Box<dyn Encode>))
                }
                _ => Err(ZMARSHALLINGERROR),
            },
            Request::SetWatches(w) => {
                let w2 = SetWatches2 {
                    relative_zxid: w.relative_zxid,
                    data_watches: w.data_watches,
                    exist_watches: w.exist_watches,
                    child_watches: w.child_watches,
                    persistent_watches: Vec::new(),
                    persistent_recursive_watches: Vec::new(),
                };
                self.set_watches(session_id, w2, &mut events);
                Ok(None)
            }
            Request::SetWatches2(w) => {
                self.set_watches(session_id, w, &mut events);
                Ok(None)
            }
        };
        self.notify(events, out);
        let frame = match result {
            Ok(body) => reply_frame(xid, self.zxid, ZOK, body.as_deref()),
            Err(err) => reply_frame(xid, self.zxid, err, None),
        };
        out.push(Output::Reply {
            session: session_id,
            frame,
        });
    }

    fn write(
        &mut self,
        session: i64,
        prepared: Result<Txn, i32>,
        now_ms: i64,
        events: &mut Vec<Event>,
    ) -> Result<(), i32> {
        match prepared {
            Ok(txn) => {
                self.commit(session, now_ms, txn, events);
                Ok(())
            }
            Err(err) => {
                self.commit(session, now_ms, Txn::Error { err }, events);
                Err(err)
            }
        }
    }

    fn write_create(
        &mut self,
        session: i64,
        auth: &[Id],
        args: &CreateArgs<'_>,
        now_ms: i64,
        events: &mut Vec<Event>,
    ) -> Result<Option<Box<dyn Encode>>, i32> {
        let prepared = self.prep_create(session, auth, args);
        let created = match &prepared {
            Ok(Txn::Create { path, .. }) => path.clone(),
            _ => String::new(),
        };
        self.write(session, prepared, now_ms, events)?;
        if args.opcode == op::CREATE {
            Ok(Some(Box::new(CreateResponse { path: created })))
        } else {
            let stat = self.stat_of(&created);
            Ok(Some(Box::new(Create2Response {
                path: created,
                stat,
            })))
        }
    }

    fn get_acl(&self, auth: &[Id], p: &str) -> Result<Option<Box<dyn Encode>>, i32> {
        let node = self.tree.get(p).ok_or(ZNONODE)?;
        acl::check_acl(&node.acl, perms::READ | perms::ADMIN, auth)?;
        let acl = if acl::check_acl(&node.acl, perms::ADMIN, auth).is_ok() {
            node.acl.as_ref().clone()
        } else {
            acl::redact_digests(&node.acl)
        };
        Ok(Some(Box::new(GetAclResponse {
            acl,
            stat: node.stat(),
        })))
    }

    fn multi_read(
        &mut self,
        session: i64,
        auth: &[Id],
        ops: &[MultiOp],
    ) -> Result<Option<Box<dyn Encode>>, i32> {
        let mut results = Vec::with_capacity(ops.len());
        for o in ops {
            results.push(match o {
                MultiOp::GetChildren(r) => match self.get_children(session, auth, &r.path, r.watch)
                {
                    Ok((children, _)) => MultiResult::GetChildren(GetChildrenResponse { children }),
                    Err(e) => MultiResult::Error(e),
                },
                MultiOp::GetData(r) => match self.get_data(session, auth, &r.path, r.watch) {
                    Ok(d) => MultiResult::GetData(d),
                    Err(e) => MultiResult::Error(e),
                },
                _ => return Err(ZMARSHALLINGERROR),
            });
        }
        Ok(Some(Box::new(MultiResults(results))))
    }
}

/// Multi results as one encodable body.
struct MultiResults(Vec<MultiResult>);

impl Encode for MultiResults {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_multi_results(&self.0, out)
    }
}

#[cfg(test)]
#[path = "processor/tests.rs"]
mod tests;
