//! The session state machine. It does no I/O and reads no clock: the
//! driver feeds it events (connected, bytes received, connection lost, time
//! passed, requests, close) with the current instant, and collects what it
//! must do: bytes to send ([`Session::transmit`]), connections to open or
//! drop, completions and watch events to deliver ([`Session::poll_output`])
//! and when to call back ([`Session::next_timeout`]).
//!
//! Behaviour follows Apache's C client 3.8: connect to the hosts in turn,
//! resume the session with its id, password and last zxid seen, re-send
//! auth and watches after a reconnect, ping after a third of the timeout of
//! silence on our side, give up on a server after two thirds of it without
//! a byte from it, fail pending requests with the error that ended the
//! connection.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[cfg(test)]
use frames::SET_WATCHES_MAX_BYTES;
use zkrs_proto::consts::{op, xid};
use zkrs_proto::errors::*;
use zkrs_proto::frame::{begin_frame, finish_frame, FrameDecoder};
use zkrs_proto::jute::{from_slice, Decode, Encode, Reader};
use zkrs_proto::records::*;

use crate::chroot::Chroot;
use crate::ops::{decode_response, multi_error, Expect, Prepared, WatchRegistration, WatchRemoval};
use crate::types::{state, ClientId, OpResult, Response, WatchEvent, Watcher, SESSION_EVENT};
use crate::watches::WatchTables;

/// Largest reply accepted: well above any jute.maxbuffer a server uses,
/// low enough that a corrupt length cannot make us buffer without bound.
const MAX_REPLY: usize = 256 << 20;

/// The shortest pause after every address failed, so that a tiny session
/// timeout cannot turn reconnecting into a busy loop.
const MIN_RETRY_PAUSE: Duration = Duration::from_millis(10);

/// How long close waits for the server to confirm the session's end.
const CLOSE_WAIT: Duration = Duration::from_millis(3000);

/// Requests queued behind unanswered ones are held back for the next
/// burst of replies (to go out many to a write) only while that burst
/// typically comes sooner than this.
const HOLD_BACK_LIMIT: Duration = Duration::from_millis(1);

/// What the session was configured with.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Addresses in the order they are tried (already shuffled if wanted).
    pub addrs: Vec<SocketAddr>,
    pub chroot: Chroot,
    /// Requested session timeout in milliseconds.
    pub timeout_ms: i32,
    /// A session to resume.
    pub client_id: Option<ClientId>,
    /// Accept read-only servers (`ZOO_READONLY`).
    pub read_only: bool,
}

/// Something the driver must do, in order.
#[derive(Debug)]
pub enum Output<C> {
    /// Open a TCP connection; report with `handle_connected` or
    /// `handle_connection_lost`.
    Connect(SocketAddr),
    /// Drop the current connection.
    Disconnect,
    /// Run a request's completion.
    Complete(C, OpResult),
    /// Deliver a node event to these watchers (already unregistered).
    Watch(Vec<Watcher>, WatchEvent),
    /// Deliver a session event to the global watcher and these watchers.
    Session(Vec<Watcher>, WatchEvent),
    /// The handle is closed: nothing more will come.
    Closed,
}

/// What became of a submitted request.
#[derive(Debug)]
pub enum Submitted<C> {
    Queued,
    /// Finished at once with this code; the completion was not used.
    Done(i32, C),
}

/// The externally visible status, for `zoo_state`, `zoo_client_id`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub state: i32,
    pub client_id: ClientId,
    pub recv_timeout: i32,
    pub current: Option<SocketAddr>,
    pub connected: Option<SocketAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No connection; the next attempt starts at the instant.
    Idle(Instant),
    /// TCP connect in progress.
    Connecting,
    /// ConnectRequest sent, waiting for the answer.
    Associating,
    Connected,
    /// CloseSession sent; give up at the instant.
    Closing(Instant),
    /// Closed, expired or auth failed: no more connections.
    Done,
}

struct Pending<C> {
    xid: i32,
    expect: Expect,
    registration: Option<WatchRegistration>,
    removal: Option<WatchRemoval>,
    completion: C,
}

struct Auth<C> {
    scheme: String,
    data: Vec<u8>,
    completion: Option<C>,
}

pub struct Session<C> {
    addrs: Vec<SocketAddr>,
    next_addr: usize,
    current: Option<SocketAddr>,
    chroot: Chroot,
    recv_timeout: i32,
    read_only: bool,
    client_id: ClientId,
    seen_rw_server_before: bool,
    last_zxid: i64,
    next_xid: i32,
    state: i32,
    phase: Phase,
    close_requested: bool,
    close_xid: Option<i32>,
    out: Vec<u8>,
    out_pos: usize,
    /// Requests submitted before the handshake completed.
    backlog: Vec<u8>,
    pending: VecDeque<Pending<C>>,
    auths: Vec<Auth<C>>,
    watches: WatchTables,
    decoder: FrameDecoder,
    handshake_done: bool,
    last_recv: Instant,
    last_send: Instant,
    outputs: VecDeque<Output<C>>,
    /// Counts connections opened and dropped, so a driver can tell that
    /// the connection it is reading from is no longer the session's.
    epoch: u64,
    /// When the first request sent behind unanswered ones was submitted,
    /// until the next reply.
    behind_since: Option<Instant>,
    /// Moving average of how long such a request waited for the next
    /// reply, in microseconds.
    reply_wait_us: u64,
}

impl<C> Session<C> {
    pub fn new(cfg: SessionConfig, now: Instant) -> Session<C> {
        let client_id = cfg.client_id.unwrap_or_default();
        Session {
            current: cfg.addrs.first().copied(),
            addrs: cfg.addrs,
            next_addr: 0,
            chroot: cfg.chroot,
            recv_timeout: cfg.timeout_ms,
            read_only: cfg.read_only,
            seen_rw_server_before: client_id.session_id != 0,
            client_id,
            last_zxid: 0,
            next_xid: 1,
            state: state::NOTCONNECTED,
            phase: Phase::Idle(now),
            close_requested: false,
            close_xid: None,
            out: Vec::new(),
            out_pos: 0,
            backlog: Vec::new(),
            pending: VecDeque::new(),
            auths: Vec::new(),
            watches: WatchTables::default(),
            decoder: FrameDecoder::new(MAX_REPLY),
            handshake_done: false,
            last_recv: now,
            last_send: now,
            outputs: VecDeque::new(),
            epoch: 0,
            behind_since: None,
            reply_wait_us: 0,
        }
    }

    // ---- status -------------------------------------------------------

    pub fn state(&self) -> i32 {
        self.state
    }

    pub fn status(&self) -> Status {
        Status {
            state: self.state,
            client_id: self.client_id,
            recv_timeout: self.recv_timeout,
            current: self.current,
            connected: if state::is_connected(self.state) {
                self.current
            } else {
                None
            },
        }
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn last_zxid(&self) -> i64 {
        self.last_zxid
    }

    /// True between connections, when a new address list can be swapped
    /// in without disturbing anything.
    pub fn is_between_connections(&self) -> bool {
        matches!(self.phase, Phase::Idle(_))
    }

    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Done && self.close_requested
    }

    /// Requests sent or queued and not yet answered.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// Whether a request submitted now had better wait in the outgoing
    /// buffer for whoever handles the next burst of replies: true behind
    /// unanswered requests while replies come quickly. The server answers
    /// a session's requests in order, so such a request is hardly later.
    pub fn holds_back_requests(&self) -> bool {
        !self.pending.is_empty() && (self.reply_wait_us as u128) < HOLD_BACK_LIMIT.as_micros()
    }

    pub fn watches(&self) -> &WatchTables {
        &self.watches
    }

    // ---- outputs ------------------------------------------------------

    pub fn poll_output(&mut self) -> Option<Output<C>> {
        self.outputs.pop_front()
    }

    /// The next output, if `wanted` accepts it; otherwise it stays first.
    pub fn poll_output_if(&mut self, wanted: impl FnOnce(&Output<C>) -> bool) -> Option<Output<C>> {
        if wanted(self.outputs.front()?) {
            self.outputs.pop_front()
        } else {
            None
        }
    }

    /// Whether outputs are waiting to be collected.
    pub fn has_output(&self) -> bool {
        !self.outputs.is_empty()
    }

    /// Bytes waiting to be written to the current connection.
    pub fn transmit(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// `n` bytes of [`Session::transmit`] were written.
    pub fn advance_transmit(&mut self, n: usize) {
        self.out_pos += n;
        if self.out_pos >= self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        } else if self.out_pos > 1 << 20 {
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
    }

    /// When [`Session::handle_timeout`] must be called next.
    pub fn next_timeout(&self) -> Option<Instant> {
        let dead = self.last_recv + self.fraction(2, 3);
        match self.phase {
            Phase::Idle(at) => Some(at),
            Phase::Connecting | Phase::Associating => Some(dead),
            Phase::Connected => {
                let ping = self.last_send + self.fraction(1, 3);
                Some(dead.min(ping))
            }
            Phase::Closing(deadline) => Some(dead.min(deadline)),
            Phase::Done => None,
        }
    }

    /// `num/den` of the session timeout (a negative timeout counts as 0).
    fn fraction(&self, num: u64, den: u64) -> Duration {
        Duration::from_millis(self.recv_timeout.max(0) as u64 * num / den)
    }

    // ---- events -------------------------------------------------------

    /// Time passed: start connection attempts, send pings, detect a
    /// silent server, give up waiting for a close.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Idle(at) if now >= at => self.start_connect(now),
            Phase::Idle(_) | Phase::Done => {}
            Phase::Closing(deadline) if now >= deadline => self.finish_close(),
            Phase::Connecting | Phase::Associating | Phase::Connected | Phase::Closing(_) => {
                let dead = self.last_recv + self.fraction(2, 3);
                if now >= dead {
                    self.connection_error(ZOPERATIONTIMEOUT, now);
                    return;
                }
                if self.phase == Phase::Connected && now >= self.last_send + self.fraction(1, 3) {
                    if self.pending.is_empty() {
                        frames::header_only(&mut self.out, xid::PING, op::PING);
                    }
                    self.last_send = now;
                }
            }
        }
    }

    fn start_connect(&mut self, now: Instant) {
        if self.addrs.is_empty() {
            self.phase = Phase::Idle(now + Duration::from_secs(1));
            return;
        }
        let addr = self.addrs[self.next_addr % self.addrs.len()];
        self.next_addr = (self.next_addr + 1) % self.addrs.len();
        self.current = Some(addr);
        self.state = state::CONNECTING;
        self.phase = Phase::Connecting;
        self.last_recv = now;
        self.last_send = now;
        self.epoch += 1;
        self.outputs.push_back(Output::Connect(addr));
    }

    /// The TCP connection is up: send the ConnectRequest.
    pub fn handle_connected(&mut self, now: Instant) {
        if self.phase != Phase::Connecting {
            return;
        }
        self.out.clear();
        self.out_pos = 0;
        self.decoder = FrameDecoder::new(MAX_REPLY);
        self.handshake_done = false;
        let req = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: self.last_zxid,
            // Apache asks for the timeout last negotiated, not the first one.
            time_out: self.recv_timeout,
            session_id: if self.seen_rw_server_before {
                self.client_id.session_id
            } else {
                0
            },
            passwd: self.client_id.passwd.to_vec(),
            read_only: self.read_only,
        };
        let at = begin_frame(&mut self.out);
        req.encode(&mut self.out);
        finish_frame(&mut self.out, at);
        self.state = state::ASSOCIATING;
        self.phase = Phase::Associating;
        self.last_send = now;
        self.last_recv = now;
    }

    /// The connection failed or was closed by the peer.
    pub fn handle_connection_lost(&mut self, now: Instant) {
        match self.phase {
            Phase::Connecting | Phase::Associating | Phase::Connected => {
                self.connection_error(ZCONNECTIONLOSS, now)
            }
            Phase::Closing(_) => self.finish_close(),
            Phase::Idle(_) | Phase::Done => {}
        }
    }

    /// Bytes arrived on the current connection.
    pub fn handle_data(&mut self, data: &[u8], now: Instant) {
        if !matches!(
            self.phase,
            Phase::Associating | Phase::Connected | Phase::Closing(_)
        ) {
            return;
        }
        self.last_recv = now;
        // Frames are handled straight from the decoder's buffer; it is
        // taken out of `self` meanwhile, and put back unless the
        // connection was replaced while handling them.
        let epoch = self.epoch;
        let mut decoder = std::mem::replace(&mut self.decoder, FrameDecoder::new(MAX_REPLY));
        decoder.extend(data);
        loop {
            let frame = match decoder.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(_) => {
                    self.connection_error(ZMARSHALLINGERROR, now);
                    return;
                }
            };
            let keep_going = if self.handshake_done {
                self.process_reply(frame, now)
            } else {
                self.process_handshake(frame, now)
            };
            if !keep_going {
                return;
            }
        }
        decoder.compact();
        if self.epoch == epoch {
            self.decoder = decoder;
        }
    }

    /// Returns false when the connection was dropped.
    fn process_handshake(&mut self, frame: &[u8], now: Instant) -> bool {
        let Ok(resp) = from_slice::<ConnectResponse>(frame) else {
            self.connection_error(ZMARSHALLINGERROR, now);
            return false;
        };
        let old_id = if self.seen_rw_server_before {
            self.client_id.session_id
        } else {
            0
        };
        self.seen_rw_server_before |= !resp.read_only;
        if old_id != 0 && old_id != resp.session_id {
            self.state = state::EXPIRED_SESSION;
            self.connection_error(ZSESSIONEXPIRED, now);
            return false;
        }
        self.handshake_done = true;
        self.recv_timeout = resp.time_out;
        self.client_id.session_id = resp.session_id;
        let n = resp.passwd.len().min(self.client_id.passwd.len());
        self.client_id.passwd = Default::default();
        self.client_id.passwd[..n].copy_from_slice(&resp.passwd[..n]);
        self.state = if resp.read_only {
            state::READONLY
        } else {
            state::CONNECTED
        };
        self.phase = Phase::Connected;
        // Auth first, then watches, then what was submitted meanwhile.
        for a in &self.auths {
            frames::auth(&mut self.out, &a.scheme, &a.data);
        }
        let (data, exist, child) = self.watches.paths();
        frames::set_watches(&mut self.out, self.last_zxid, data, exist, child);
        let backlog = std::mem::take(&mut self.backlog);
        self.out.extend_from_slice(&backlog);
        self.last_send = now;
        self.session_event(self.state);
        true
    }

    /// Returns false when the connection was dropped.
    fn process_reply(&mut self, frame: &[u8], now: Instant) -> bool {
        let mut r = Reader::new(frame);
        let Ok(hdr) = ReplyHeader::decode(&mut r) else {
            self.connection_error(ZMARSHALLINGERROR, now);
            return false;
        };
        match hdr.xid {
            xid::PING | xid::SET_WATCHES => true,
            xid::NOTIFICATION => {
                let Ok(ev) = WatcherEvent::decode(&mut r) else {
                    self.connection_error(ZMARSHALLINGERROR, now);
                    return false;
                };
                let watchers = self.watches.take_for_event(ev.event_type, &ev.path);
                if !watchers.is_empty() {
                    let event = WatchEvent {
                        event_type: ev.event_type,
                        state: ev.state,
                        path: self.chroot.strip(ev.path),
                    };
                    self.outputs.push_back(Output::Watch(watchers, event));
                }
                true
            }
            xid::AUTH => {
                for a in &mut self.auths {
                    if let Some(c) = a.completion.take() {
                        self.outputs
                            .push_back(Output::Complete(c, OpResult::error(hdr.err)));
                    }
                }
                if hdr.err != ZOK {
                    self.state = state::AUTH_FAILED;
                    self.connection_error(ZAUTHFAILED, now);
                    return false;
                }
                true
            }
            x if Some(x) == self.close_xid => {
                self.finish_close();
                false
            }
            x => {
                let Some(p) = self.pending.pop_front() else {
                    self.connection_error(ZRUNTIMEINCONSISTENCY, now);
                    return false;
                };
                if p.xid != x {
                    self.pending.push_front(p);
                    self.connection_error(ZRUNTIMEINCONSISTENCY, now);
                    return false;
                }
                if hdr.zxid > 0 {
                    self.last_zxid = hdr.zxid;
                }
                if let Some(since) = self.behind_since.take() {
                    let waited = now.saturating_duration_since(since).as_micros();
                    let waited = waited.min(u64::MAX as u128 / 8) as u64;
                    self.reply_wait_us = (self.reply_wait_us * 7 + waited) / 8;
                }
                let result = self.reply_result(&p, hdr.err, r.rest());
                if let Some(reg) = &p.registration {
                    self.watches.activate(reg, hdr.err);
                }
                if let (Some(rm), ZOK) = (&p.removal, hdr.err) {
                    self.watches.remove(&rm.path, rm.watcher_type, rm.watcher);
                }
                self.outputs
                    .push_back(Output::Complete(p.completion, result));
                true
            }
        }
    }

    fn reply_result(&self, p: &Pending<C>, err: i32, body: &[u8]) -> OpResult {
        if err != ZOK {
            return OpResult::error(err);
        }
        match decode_response(p.expect, body, &self.chroot) {
            Ok(Response::Multi(results)) => OpResult {
                err: multi_error(&results),
                response: Response::Multi(results),
            },
            Ok(response) => OpResult { err, response },
            Err(_) => OpResult::error(ZMARSHALLINGERROR),
        }
    }

    // ---- requests -----------------------------------------------------

    fn take_xid(&mut self) -> i32 {
        let x = self.next_xid;
        self.next_xid = if x == i32::MAX { 1 } else { x + 1 };
        x
    }

    fn can_send(&self) -> bool {
        self.handshake_done && matches!(self.phase, Phase::Connected | Phase::Closing(_))
    }

    /// Queues a request. Local watch removals and requests on a dead or
    /// closing handle finish at once.
    pub fn submit(&mut self, mut req: Prepared, completion: C, now: Instant) -> Submitted<C> {
        if state::is_unrecoverable(self.state) {
            return Submitted::Done(ZINVALIDSTATE, completion);
        }
        if self.close_requested || self.phase == Phase::Done {
            return Submitted::Done(ZCLOSING, completion);
        }
        if let Some(rm) = &req.removal {
            if !self.watches.has(&rm.path, rm.watcher_type, rm.watcher) {
                return Submitted::Done(ZNOWATCHER, completion);
            }
            if req.local_only {
                self.watches.remove(&rm.path, rm.watcher_type, rm.watcher);
                return Submitted::Done(ZOK, completion);
            }
        }
        let xid = self.take_xid();
        req.set_xid(xid);
        if self.can_send() {
            if !self.pending.is_empty() && self.behind_since.is_none() {
                self.behind_since = Some(now);
            }
            self.out.extend_from_slice(&req.frame);
            self.last_send = now;
        } else {
            self.backlog.extend_from_slice(&req.frame);
        }
        self.pending.push_back(Pending {
            xid,
            expect: req.expect,
            registration: req.registration,
            removal: req.removal,
            completion,
        });
        Queued
    }

    /// `zoo_add_auth`: remembered for every later connection, sent now if
    /// connected. The completion runs when the server answers.
    pub fn add_auth(
        &mut self,
        scheme: &str,
        data: &[u8],
        completion: Option<C>,
        now: Instant,
    ) -> i32 {
        if state::is_unrecoverable(self.state) {
            return ZINVALIDSTATE;
        }
        if self.close_requested || self.phase == Phase::Done {
            return ZCLOSING;
        }
        self.auths.push(Auth {
            scheme: scheme.to_string(),
            data: data.to_vec(),
            completion,
        });
        if self.can_send() {
            frames::auth(&mut self.out, scheme, data);
            self.last_send = now;
        }
        ZOK
    }

    /// Starts closing: a connected session is ended on the server first.
    pub fn close(&mut self, now: Instant) {
        if self.close_requested {
            return;
        }
        self.close_requested = true;
        match self.phase {
            Phase::Connected => {
                let x = self.take_xid();
                self.close_xid = Some(x);
                frames::header_only(&mut self.out, x, op::CLOSE_SESSION);
                self.last_send = now;
                self.phase = Phase::Closing(now + CLOSE_WAIT);
            }
            Phase::Done => {
                // Expired or auth failed: nothing to tell the server.
                self.finish_close();
            }
            _ => self.finish_close(),
        }
    }

    fn finish_close(&mut self) {
        let had_connection = !matches!(self.phase, Phase::Idle(_) | Phase::Done);
        self.fail_all(ZCLOSING);
        if had_connection {
            self.epoch += 1;
            self.outputs.push_back(Output::Disconnect);
        }
        self.out.clear();
        self.out_pos = 0;
        self.backlog.clear();
        self.watches.clear();
        self.auths.clear();
        self.close_requested = true;
        self.close_xid = None;
        if !state::is_unrecoverable(self.state) {
            self.state = state::CLOSED;
        }
        self.phase = Phase::Done;
        self.outputs.push_back(Output::Closed);
    }

    /// `zoo_set_servers`: a new address list. A connection to an address
    /// no longer listed is dropped and the session moves on.
    pub fn set_servers(&mut self, addrs: Vec<SocketAddr>, now: Instant) {
        if addrs.is_empty() {
            return;
        }
        let keep = self.current.is_some_and(|c| addrs.contains(&c));
        self.addrs = addrs;
        self.next_addr = 0;
        if !keep {
            if matches!(
                self.phase,
                Phase::Connecting | Phase::Associating | Phase::Connected
            ) {
                self.connection_error(ZCONNECTIONLOSS, now);
                if let Phase::Idle(_) = self.phase {
                    // A new list is no reason to pause before trying it.
                    self.phase = Phase::Idle(now);
                }
            }
            self.current = self.addrs.first().copied();
        } else if let Some(i) = self
            .current
            .and_then(|c| self.addrs.iter().position(|a| *a == c))
        {
            self.next_addr = (i + 1) % self.addrs.len();
        }
    }

    /// `zoo_cycle_next_server`: the next address becomes the current one.
    pub fn cycle_next_server(&mut self) {
        if self.addrs.is_empty() {
            return;
        }
        let i = self.next_addr % self.addrs.len();
        self.current = Some(self.addrs[i]);
        self.next_addr = (i + 1) % self.addrs.len();
    }

    // ---- internals ----------------------------------------------------

    fn session_event(&mut self, st: i32) {
        let event = WatchEvent {
            event_type: SESSION_EVENT,
            state: st,
            path: String::new(),
        };
        self.outputs
            .push_back(Output::Session(self.watches.all(), event));
    }

    fn fail_all(&mut self, rc: i32) {
        self.behind_since = None;
        for p in std::mem::take(&mut self.pending) {
            self.outputs
                .push_back(Output::Complete(p.completion, OpResult::error(rc)));
        }
        for a in &mut self.auths {
            if let Some(c) = a.completion.take() {
                self.outputs
                    .push_back(Output::Complete(c, OpResult::error(rc)));
            }
        }
    }

    /// Apache's handle_error: report the loss, fail what is pending with
    /// `rc`, drop the connection and (unless the session is dead) schedule
    /// the next attempt, after a pause once every address was tried.
    fn connection_error(&mut self, rc: i32, now: Instant) {
        if let Phase::Closing(_) = self.phase {
            self.finish_close();
            return;
        }
        if state::is_unrecoverable(self.state) {
            self.session_event(self.state);
        } else if state::is_connected(self.state) {
            self.session_event(state::CONNECTING);
        }
        self.fail_all(rc);
        self.epoch += 1;
        self.outputs.push_back(Output::Disconnect);
        self.out.clear();
        self.out_pos = 0;
        self.backlog.clear();
        self.decoder = FrameDecoder::new(MAX_REPLY);
        self.handshake_done = false;
        if state::is_unrecoverable(self.state) {
            self.phase = Phase::Done;
            return;
        }
        self.state = state::CLOSED;
        let tried_all = self.next_addr == 0;
        let at = if tried_all {
            now + self.fraction(1, 60).max(MIN_RETRY_PAUSE)
        } else {
            now
        };
        self.phase = Phase::Idle(at);
    }
}

use Submitted::Queued;

mod frames;
#[cfg(test)]
mod tests;
