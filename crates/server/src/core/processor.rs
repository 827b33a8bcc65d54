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
use super::storage::{MemoryStorage, Storage, Txn, TxnRecord};
use super::tree::DataTree;
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
    pub(super) auth: Vec<Id>,
    pub(super) peer: Option<IpAddr>,
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
    pub(super) storage: Box<dyn Storage>,
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
            storage,
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
        // A storage failure must not lose the in-memory state; the durable
        // implementation reports its own errors.
        let _ = self.storage.commit(&rec);
        self.zxid
    }

    /// Records a new session (a createSession transaction: takes a zxid).
    pub fn open_session(&mut self, session_id: i64, timeout_ms: i32, now_ms: i64) {
        self.sessions.insert(session_id, Session::default());
        self.commit(session_id, 0, now_ms, Txn::CreateSession { timeout_ms });
    }

    /// closeSession or expiry: deletes the session's ephemerals in one
    /// transaction, fires their watches, drops the session's watches and
    /// auth info.
    pub fn close_session(&mut self, session_id: i64, now_ms: i64, out: &mut Vec<Output>) {
        self.data_watches.remove_session(session_id);
        self.child_watches.remove_session(session_id);
        let known = self.sessions.remove(&session_id).is_some();
        let paths = self.tree.ephemerals_of(session_id);
        if !known && paths.is_empty() {
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
        for p in paths {
            self.tree.delete(&p, zxid, &mut Vec::new());
            changes.push(Change::Deleted(p));
        }
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

pub(super) fn notify(out: &mut Vec<Output>, sessions: &[i64], event: i32, path: &str) {
    for &session in sessions {
        out.push(Output::Notify {
            session,
            frame: notification(event, path),
        });
    }
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
