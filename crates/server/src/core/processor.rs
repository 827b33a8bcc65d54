//! The request processor: applies client requests to the data tree, checks
//! ACLs, keeps watches and produces the reply and notification frames.
//!
//! The network layer owns connections, sessions' timers, pings and the
//! handshake; it calls `open_session`, `set_session_address`, `process` for
//! every other request, `close_session` on close or expiry, and `tick`.
//! Frames in [`Output`] carry no length prefix.
//!
//! Beyond the interface first agreed: `connection_lost` (drops a session's
//! watches when its connection goes), `with_storage`, and `ProcessorStats`
//! carries the figures `mntr`, `wchs`, `wchc`, `wchp` and `dump` print.
//!
//! Semantics follow Apache ZooKeeper 3.8 standalone with extended types
//! enabled (TTL nodes accepted). Every write, failed or not, takes a zxid;
//! reads are answered with the last zxid. Connection-scoped state (auth
//! identities, watches) is reset when a connection (re)attaches to a session,
//! as Apache keeps both per connection.

use std::collections::HashMap;
use std::net::IpAddr;

use zkrs_proto::consts::{event_type, keeper_state, op};
use zkrs_proto::errors::*;
use zkrs_proto::jute::{Encode, Reader};
use zkrs_proto::records::{AuthPacket, Id, ReplyHeader, RequestHeader, WatcherEvent};
use zkrs_proto::Decode;

use super::acl;
use super::storage::{run_after, AfterSync, MemoryStorage, Storage, SyncStarted, Txn, TxnRecord};
use super::tree::{DataTree, Undo};
use super::watches::WatchTable;

/// Settings of the processor.
#[derive(Debug, Clone, Default)]
pub struct ProcessorOptions {
    /// `super:<base64 sha1>`, as Apache's
    /// `zookeeper.DigestAuthenticationProvider.superDigest`.
    pub super_digest: Option<String>,
    /// `jute.maxbuffer`.
    pub max_buffer: usize,
}

/// What the processor asks the network layer to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A reply: `ReplyHeader` then the body.
    Reply { session: i64, frame: Vec<u8> },
    /// A watch notification: `ReplyHeader{-1, -1, 0}` then a `WatcherEvent`.
    Notify { session: i64, frame: Vec<u8> },
    /// Close the session's connection after sending what precedes; the
    /// session itself lives on (as when Apache drops a connection).
    Close { session: i64 },
}

/// Figures for the four-letter words. As in Apache, `wchs`, `wchc` and
/// `wchp` see only data (and exist) watches, while `mntr`'s
/// `zk_watch_count` counts child watches too.
#[derive(Debug, Clone, Default)]
pub struct ProcessorStats {
    pub last_zxid: i64,
    /// Counted as Apache counts it (its map holds the root twice).
    pub node_count: usize,
    pub approximate_data_size: u64,
    pub ephemeral_count: usize,
    pub session_count: usize,
    /// Data and child watches (`mntr`'s `zk_watch_count`).
    pub watch_count: usize,
    /// Data watches (`wchs`' "Total watches").
    pub data_watch_count: usize,
    /// Paths with data watches (`wchs`).
    pub watched_paths: usize,
    /// Sessions with data watches (`wchs`).
    pub watching_sessions: usize,
    /// `wchc`: session -> data-watched paths, sessions ascending.
    pub watches_by_session: Vec<(i64, Vec<String>)>,
    /// `wchp`: data-watched path -> sessions, paths ascending.
    pub sessions_by_path: Vec<(String, Vec<i64>)>,
    /// `dump`: session -> its ephemeral paths, sessions ascending.
    pub ephemerals_by_session: Vec<(i64, Vec<String>)>,
}

#[derive(Debug, Default)]
pub(super) struct Session {
    pub(super) timeout_ms: i32,
    pub(super) auth: Vec<Id>,
    pub(super) peer: Option<IpAddr>,
}

/// How to undo a transaction that is not durable yet, should its group fail
/// to reach the disk.
#[derive(Debug)]
struct Unsynced {
    zxid: i64,
    journal: Vec<Undo>,
    session: Option<SessionChange>,
}

#[derive(Debug)]
enum SessionChange {
    Opened(i64),
    Closed(i64, Session),
}

/// A group of transactions that could not be made durable and was undone.
#[derive(Debug)]
pub struct RolledBack {
    pub error: std::io::Error,
    /// The zxid the state went back to: the last durable one.
    pub zxid: i64,
    /// Sessions whose creation was undone: they do not exist.
    pub opened: Vec<i64>,
    /// Sessions whose closing was undone, with their timeouts: they live on.
    pub closed: Vec<(i64, i32)>,
}

/// A change that fires watches once its transaction commits.
#[derive(Debug, Clone)]
pub(super) enum Change {
    Created(String),
    Deleted(String),
    DataChanged(String),
}

pub struct Processor {
    pub(super) opts: ProcessorOptions,
    pub(super) tree: DataTree,
    /// Data and exist watches (and persistent ones).
    pub(super) data_watches: WatchTable,
    /// Child watches (and non-recursive persistent ones).
    pub(super) child_watches: WatchTable,
    pub(super) sessions: HashMap<i64, Session>,
    pub(super) zxid: i64,
    /// The last zxid the storage has made durable.
    durable_zxid: i64,
    pub(super) storage: Box<dyn Storage>,
    /// Undo records of the transactions after `durable_zxid`, kept only
    /// when the storage is durable.
    unsynced: Vec<Unsynced>,
    /// The last zxid the sync in flight covers.
    sync_in_flight: Option<i64>,
}

pub(super) fn body<T: Encode>(r: &T) -> Vec<u8> {
    let mut b = Vec::new();
    r.encode(&mut b);
    b
}

impl Processor {
    pub fn new(opts: ProcessorOptions) -> Processor {
        Processor::with_storage(opts, Box::new(MemoryStorage::default()))
    }

    pub fn with_storage(opts: ProcessorOptions, storage: Box<dyn Storage>) -> Processor {
        Processor {
            opts,
            tree: DataTree::new(),
            data_watches: WatchTable::default(),
            child_watches: WatchTable::default(),
            sessions: HashMap::new(),
            zxid: 0,
            durable_zxid: 0,
            storage,
            unsynced: Vec::new(),
            sync_in_flight: None,
        }
    }

    /// Takes the next zxid and hands the transaction to storage.
    pub(super) fn commit(&mut self, session: i64, xid: i32, now_ms: i64, txn: Txn) -> i64 {
        self.zxid += 1;
        let rec = TxnRecord {
            session,
            xid,
            zxid: self.zxid,
            time_ms: now_ms,
            txn,
        };
        self.storage.append(&rec);
        if !self.storage.is_durable() {
            // Nothing to wait for: answers go out as they are produced.
            self.durable_zxid = self.zxid;
        }
        self.zxid
    }

    /// Keeps what undoes the transaction just committed, until it is durable.
    pub(super) fn keep_undo(&mut self, journal: Vec<Undo>) {
        self.keep(journal, None);
    }

    fn keep(&mut self, journal: Vec<Undo>, session: Option<SessionChange>) {
        if self.storage.is_durable() {
            self.unsynced.push(Unsynced {
                zxid: self.zxid,
                journal,
                session,
            });
        }
    }

    /// Whether some transaction is not durable yet: anything that reflects
    /// it must wait for `sync_storage`.
    pub fn has_unsynced(&self) -> bool {
        self.zxid > self.durable_zxid
    }

    /// Replaces the storage (after recovery has filled the processor).
    pub fn set_storage(&mut self, storage: Box<dyn Storage>) {
        self.storage = storage;
    }

    /// The next group goes to a new log file (a snapshot is taken now).
    pub fn roll_log(&mut self) {
        self.storage.roll();
    }

    pub(super) fn mark_durable(&mut self) {
        self.durable_zxid = self.zxid;
        self.unsynced.clear();
    }

    pub fn durable_zxid(&self) -> i64 {
        self.durable_zxid
    }

    /// Makes the transactions since the last call durable, as one group. If
    /// the storage fails, they are undone: the tree, the sessions and the
    /// zxid go back to the last durable state (watches fired meanwhile stay
    /// fired; the network layer drops the connections that were told).
    pub fn sync_storage(&mut self) -> Result<(), RolledBack> {
        if !self.has_unsynced() {
            return Ok(());
        }
        // A sync in flight is waited for by the storage.
        self.sync_in_flight = None;
        match self.storage.sync() {
            Ok(()) => {
                self.mark_durable();
                Ok(())
            }
            Err(error) => Err(self.roll_back(error)),
        }
    }

    /// Starts making the transactions applied so far durable, unless a
    /// sync is in flight (they go with the next one). Anything that
    /// reflects them waits for `finish_sync`. `after` runs once the sync
    /// ends, told whether it made them durable; when no sync starts it runs
    /// at once, told no.
    pub fn start_sync(&mut self, after: Option<AfterSync>) -> Result<(), RolledBack> {
        if self.sync_in_flight.is_some() || !self.has_unsynced() {
            run_after(after, false);
            return Ok(());
        }
        match self.storage.start_sync(after) {
            Ok(SyncStarted::Done) => {
                self.mark_durable();
                Ok(())
            }
            Ok(SyncStarted::InFlight) => {
                self.sync_in_flight = Some(self.zxid);
                Ok(())
            }
            Err(error) => Err(self.roll_back(error)),
        }
    }

    /// Whether a sync started by `start_sync` has not finished yet.
    pub fn sync_in_flight(&self) -> bool {
        self.sync_in_flight.is_some()
    }

    /// Collects a finished sync: Ok(true) when it made more durable.
    pub fn finish_sync(&mut self) -> Result<bool, RolledBack> {
        let Some(zxid) = self.sync_in_flight else {
            return Ok(false);
        };
        match self.storage.finish_sync() {
            None => Ok(false),
            Some(Ok(())) => {
                self.sync_in_flight = None;
                self.durable_zxid = zxid;
                self.unsynced.retain(|u| u.zxid > zxid);
                Ok(true)
            }
            Some(Err(error)) => {
                self.sync_in_flight = None;
                Err(self.roll_back(error))
            }
        }
    }

    /// Something to call when a sync in flight finishes.
    pub fn set_sync_notify(&mut self, notify: Box<dyn Fn() + Send + Sync>) {
        self.storage.set_notify(notify);
    }

    /// Undoes every transaction after the last durable one.
    fn roll_back(&mut self, error: std::io::Error) -> RolledBack {
        let mut opened = Vec::new();
        let mut closed = Vec::new();
        for u in std::mem::take(&mut self.unsynced).into_iter().rev() {
            self.tree.rollback(u.journal);
            match u.session {
                Some(SessionChange::Opened(id)) => {
                    self.sessions.remove(&id);
                    self.data_watches.remove_session(id);
                    self.child_watches.remove_session(id);
                    opened.push(id);
                }
                Some(SessionChange::Closed(id, s)) => {
                    closed.push((id, s.timeout_ms));
                    self.sessions.insert(id, s);
                }
                None => {}
            }
        }
        self.zxid = self.durable_zxid;
        RolledBack {
            error,
            zxid: self.zxid,
            opened,
            closed,
        }
    }

    /// Records a new session (a createSession transaction: takes a zxid).
    pub fn open_session(&mut self, session_id: i64, timeout_ms: i32, now_ms: i64) {
        self.sessions.insert(
            session_id,
            Session {
                timeout_ms,
                ..Session::default()
            },
        );
        self.commit(session_id, 0, now_ms, Txn::CreateSession { timeout_ms });
        self.keep(Vec::new(), Some(SessionChange::Opened(session_id)));
    }

    /// closeSession or expiry: deletes the session's ephemerals in one
    /// transaction, fires their watches, drops the session's watches and
    /// auth info.
    pub fn close_session(&mut self, session_id: i64, now_ms: i64, out: &mut Vec<Output>) {
        self.data_watches.remove_session(session_id);
        self.child_watches.remove_session(session_id);
        let removed = self.sessions.remove(&session_id);
        let paths = self.tree.ephemerals_of(session_id);
        if removed.is_none() && paths.is_empty() {
            // Closed already: a second close changes nothing.
            return;
        }
        let zxid = self.commit(
            session_id,
            0,
            now_ms,
            Txn::CloseSession {
                deleted: paths.clone(),
            },
        );
        let mut changes = Vec::with_capacity(paths.len());
        let mut journal = Vec::new();
        for p in paths {
            self.tree.delete(&p, zxid, &mut journal);
            changes.push(Change::Deleted(p));
        }
        let change = removed.map(|s| SessionChange::Closed(session_id, s));
        self.keep(journal, change);
        self.fire(&changes, out);
    }

    /// The peer's remote IP for ip-scheme ACLs; called when a connection
    /// (re)attaches to a session. Apache keeps identities and watches per
    /// connection, so both start afresh here (clients re-send them).
    pub fn set_session_address(&mut self, session_id: i64, ip: IpAddr) {
        self.data_watches.remove_session(session_id);
        self.child_watches.remove_session(session_id);
        let s = self.sessions.entry(session_id).or_default();
        s.peer = Some(ip);
        s.auth = vec![Id {
            scheme: "ip".into(),
            id: ip.to_string(),
        }];
    }

    pub fn last_zxid(&self) -> i64 {
        self.zxid
    }

    pub fn stats(&self) -> ProcessorStats {
        let by_session: Vec<(i64, Vec<String>)> =
            self.data_watches.paths_by_session().into_iter().collect();
        let by_path: Vec<(String, Vec<i64>)> =
            self.data_watches.sessions_by_path().into_iter().collect();
        ProcessorStats {
            last_zxid: self.zxid,
            node_count: self.tree.node_count() + 1,
            approximate_data_size: self.tree.approximate_data_size() as u64,
            ephemeral_count: self.tree.ephemeral_count(),
            session_count: self.sessions.len(),
            watch_count: self.data_watches.len() + self.child_watches.len(),
            data_watch_count: self.data_watches.len(),
            watched_paths: by_path.len(),
            watching_sessions: by_session.len(),
            watches_by_session: by_session,
            sessions_by_path: by_path,
            ephemerals_by_session: self.tree.ephemerals().into_iter().collect(),
        }
    }

    /// The session's connection went away: its watches go with it (Apache
    /// keeps watches per connection; clients re-send them on reconnect).
    pub fn connection_lost(&mut self, session_id: i64) {
        self.data_watches.remove_session(session_id);
        self.child_watches.remove_session(session_id);
    }

    pub(super) fn auth_of(&self, session: i64) -> &[Id] {
        self.sessions
            .get(&session)
            .map(|s| s.auth.as_slice())
            .unwrap_or(&[])
    }

    /// One request frame body (after the RequestHeader) from a session.
    /// Notifications for the requesting session come before its reply.
    pub fn process(
        &mut self,
        session_id: i64,
        header: &RequestHeader,
        body: &[u8],
        now_ms: i64,
        out: &mut Vec<Output>,
    ) {
        let xid = header.xid;
        let mut r = Reader::new(body);
        match header.op {
            op::AUTH => self.auth(session_id, xid, &mut r, out),
            op::SASL => {
                // No SASL mechanism is configured. Apache then answers every
                // token with an empty (null) challenge and zxid 0, and the
                // connection goes on unauthenticated.
                let mut b = Vec::new();
                zkrs_proto::jute::write_opt_buffer(&mut b, None);
                reply(out, session_id, xid, 0, ZOK, &b);
            }
            op::PING => reply(out, session_id, xid, self.zxid, ZOK, &[]),
            op::CLOSE_SESSION => {
                self.close_session(session_id, now_ms, out);
                reply(out, session_id, xid, self.zxid, ZOK, &[]);
                out.push(Output::Close {
                    session: session_id,
                });
            }
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
            | op::RECONFIG => self.write(session_id, xid, header.op, &mut r, now_ms, out),
            op::EXISTS
            | op::GET_DATA
            | op::GET_ACL
            | op::GET_CHILDREN
            | op::GET_CHILDREN2
            | op::SYNC
            | op::CHECK_WATCHES
            | op::REMOVE_WATCHES
            | op::MULTI_READ
            | op::SET_WATCHES
            | op::SET_WATCHES2
            | op::GET_EPHEMERALS
            | op::GET_ALL_CHILDREN_NUMBER
            | op::ADD_WATCH
            | op::WHO_AM_I => {
                // The body is encoded straight after the header.
                let mut frame = Vec::with_capacity(128);
                let zxid = self.zxid;
                ReplyHeader {
                    xid,
                    zxid,
                    err: ZOK,
                }
                .encode(&mut frame);
                let res = self.read(session_id, header.op, &mut r, out, &mut frame);
                if let Err(e) = res {
                    frame.clear();
                    ReplyHeader { xid, zxid, err: e }.encode(&mut frame);
                }
                out.push(Output::Reply {
                    session: session_id,
                    frame,
                });
            }
            _ => {
                // Apache's UnimplementedRequestProcessor: an error reply,
                // then the connection goes.
                reply(out, session_id, xid, -1, ZUNIMPLEMENTED, &[]);
                out.push(Output::Close {
                    session: session_id,
                });
            }
        }
    }

    fn auth(&mut self, session: i64, xid: i32, r: &mut Reader<'_>, out: &mut Vec<Output>) {
        let ids = AuthPacket::decode(r).ok().and_then(|p| {
            let peer = self.sessions.get(&session).and_then(|s| s.peer);
            acl::authenticate(&p.scheme, &p.auth, peer, self.opts.super_digest.as_deref())
        });
        match ids {
            Some(ids) => {
                let s = self.sessions.entry(session).or_default();
                for id in ids {
                    if !s.auth.contains(&id) {
                        s.auth.push(id);
                    }
                }
                reply(out, session, xid, 0, ZOK, &[]);
            }
            None => {
                reply(out, session, xid, 0, ZAUTHFAILED, &[]);
                out.push(Output::Close { session });
            }
        }
    }

    /// Periodic work: removes empty containers that once had children and
    /// childless TTL nodes not modified within their TTL, each in its own
    /// transaction as Apache's ContainerManager does.
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
                if let super::tree::NodeKind::Ttl(ttl) =
                    super::tree::NodeKind::from_owner(n.owner())
                {
                    if n.children.is_empty() && ttl != 0 && now_ms - n.stat.mtime > ttl {
                        doomed.push(p.clone());
                    }
                }
            }
        }
        for p in doomed {
            self.delete_container(&p, 0, now_ms, out);
        }
    }

    /// Sends the events of committed changes, in order.
    pub(super) fn fire(&mut self, changes: &[Change], out: &mut Vec<Output>) {
        for c in changes {
            match c {
                Change::Created(p) => {
                    let s = self.data_watches.trigger(p, false);
                    notify(out, &s, event_type::NODE_CREATED, p);
                    let parent = zkrs_proto::path::parent(p);
                    let s = self.child_watches.trigger(parent, true);
                    notify(out, &s, event_type::NODE_CHILDREN_CHANGED, parent);
                }
                Change::Deleted(p) => {
                    let data = self.data_watches.trigger(p, false);
                    notify(out, &data, event_type::NODE_DELETED, p);
                    let mut child = self.child_watches.trigger(p, false);
                    child.retain(|s| !data.contains(s));
                    notify(out, &child, event_type::NODE_DELETED, p);
                    let parent = zkrs_proto::path::parent(p);
                    let s = self.child_watches.trigger(parent, true);
                    notify(out, &s, event_type::NODE_CHILDREN_CHANGED, parent);
                }
                Change::DataChanged(p) => {
                    let s = self.data_watches.trigger(p, false);
                    notify(out, &s, event_type::NODE_DATA_CHANGED, p);
                }
            }
        }
    }
}

/// Appends a reply frame: the header, and the body when the request succeeded.
pub(super) fn reply(out: &mut Vec<Output>, session: i64, xid: i32, zxid: i64, err: i32, b: &[u8]) {
    let mut frame = Vec::with_capacity(16 + b.len());
    ReplyHeader { xid, zxid, err }.encode(&mut frame);
    frame.extend_from_slice(b);
    out.push(Output::Reply { session, frame });
}

/// The same event to each of `sessions`, encoded once.
pub(super) fn notify(out: &mut Vec<Output>, sessions: &[i64], event: i32, path: &str) {
    let Some((&last, others)) = sessions.split_last() else {
        return;
    };
    let frame = notification(event, path);
    for &session in others {
        out.push(Output::Notify {
            session,
            frame: frame.clone(),
        });
    }
    out.push(Output::Notify {
        session: last,
        frame,
    });
}

pub(super) fn notification(event: i32, path: &str) -> Vec<u8> {
    let mut frame = Vec::with_capacity(32 + path.len());
    ReplyHeader {
        xid: -1,
        zxid: -1,
        err: 0,
    }
    .encode(&mut frame);
    WatcherEvent {
        event_type: event,
        state: keeper_state::SYNC_CONNECTED,
        path: path.to_string(),
    }
    .encode(&mut frame);
    frame
}
