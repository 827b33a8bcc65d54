//! The network layer: one mio event loop that accepts connections, does the
//! connect handshake, answers pings and four-letter words, hands requests to
//! the processor and routes its replies and notifications back.

mod conn;
mod sync_policy;

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mio::net::TcpListener;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token, Waker};
use zkrs_proto::consts::{op, xid};
use zkrs_proto::jute::{Decode, Reader};
use zkrs_proto::records::{ConnectRequest, ConnectResponse, ReplyHeader, RequestHeader};

pub use conn::Latency;
use conn::{Conn, LentOutput, Phase, ReadOutcome, OUTPUT_HIGH_WATER};
use sync_policy::SyncPolicy;

use crate::config::ServerConfig;
use crate::core::storage::AfterSync;
use crate::durable::{Durability, SnapshotProgress};
use crate::fourlw::{self, ConnView, ServerView};
use crate::sessions::{negotiate_timeout, SessionTracker, PASSWD_LEN};
use crate::{Output, Processor};

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
const FIRST_CONN: usize = 2;

/// The opcodes Apache's `Request.isValid` accepts, plus auth and sasl, which
/// it handles before that check.
fn is_valid_opcode(code: i32) -> bool {
    matches!(
        code,
        op::NOTIFICATION
            | op::CREATE..=op::SYNC
            | op::PING..=op::MULTI_READ
            | op::AUTH..=op::WHO_AM_I
    )
}

/// The encoded ConnectResponse, without the trailing read-only byte for a
/// client that sent none.
fn connect_response(resp: &ConnectResponse, old_client: bool) -> Vec<u8> {
    let mut bytes = zkrs_proto::jute::to_vec(resp);
    if old_client {
        bytes.pop();
    }
    bytes
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Counters the four-letter words report, reset by `srst`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServerCounters {
    pub received: u64,
    pub sent: u64,
    pub latency: Latency,
}

/// What the loop starts from: the sessions (restored ones included) and,
/// with a data directory, what takes snapshots.
pub struct Restored {
    pub sessions: SessionTracker,
    pub durability: Option<Durability>,
}

pub struct EventLoop {
    poll: Poll,
    listener: TcpListener,
    config: ServerConfig,
    processor: Processor,
    sessions: SessionTracker,
    conns: HashMap<Token, Conn>,
    next_token: usize,
    session_conn: HashMap<i64, Token>,
    per_ip: HashMap<IpAddr, u32>,
    counters: ServerCounters,
    started_ms: i64,
    stop: Arc<AtomicBool>,
    outputs: Vec<Output>,
    /// When the request being processed arrived, for latency counters.
    request_started_ms: i64,
    dirty: Vec<Token>,
    /// Connections holding output that waits for a sync.
    unsynced: Vec<Token>,
    /// The durable zxid whose output has been released.
    released_zxid: i64,
    /// Set while a snapshot waits for a moment with nothing unsynced:
    /// readable connections wait in `deferred` meanwhile.
    quiescing: bool,
    deferred: Vec<Token>,
    /// A snapshot is being encoded: the loop does not sleep, or sleeps
    /// briefly while the disk catches up.
    snapshot: SnapshotProgress,
    durability: Option<Durability>,
    sync_policy: SyncPolicy,
    /// Output lent to the log's sync thread comes back here (see
    /// `start_sync_on_log_thread`).
    lent_back: mpsc::Receiver<Vec<LentOutput>>,
    lend_return: mpsc::Sender<Vec<LentOutput>>,
    waker: Arc<Waker>,
    scratch: Vec<u8>,
    frame: Vec<u8>,
}

impl EventLoop {
    pub fn new(
        config: ServerConfig,
        processor: Processor,
        listener: TcpListener,
        stop: Arc<AtomicBool>,
        restored: Restored,
    ) -> io::Result<(EventLoop, Arc<Waker>)> {
        let Restored {
            sessions,
            durability,
        } = restored;
        let snapshot = match &durability {
            Some(d) if d.busy() => SnapshotProgress::Encoding,
            _ => SnapshotProgress::Idle,
        };
        let poll = Poll::new()?;
        let mut listener = listener;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let mut processor = processor;
        let sync_done = waker.clone();
        processor.set_sync_notify(Box::new(move || {
            let _ = sync_done.wake();
        }));
        let now = now_ms();
        let (lend_return, lent_back) = mpsc::channel();
        Ok((
            EventLoop {
                poll,
                listener,
                sessions,
                config,
                processor,
                conns: HashMap::new(),
                next_token: FIRST_CONN,
                session_conn: HashMap::new(),
                per_ip: HashMap::new(),
                counters: ServerCounters::default(),
                started_ms: now,
                stop,
                outputs: Vec::new(),
                request_started_ms: now,
                dirty: Vec::new(),
                unsynced: Vec::new(),
                released_zxid: 0,
                quiescing: false,
                deferred: Vec::new(),
                snapshot,
                durability,
                sync_policy: SyncPolicy::default(),
                lent_back,
                lend_return,
                waker: waker.clone(),
                scratch: vec![0u8; 64 * 1024],
                frame: Vec::new(),
            },
            waker,
        ))
    }

    /// Runs until the stop flag is set.
    pub fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let tick = self.config.tick_time_ms.max(1) as i64;
        let mut next_tick = now_ms() + tick;
        while !self.stop.load(Ordering::Acquire) {
            let now = now_ms();
            let mut wait = (next_tick - now).max(0);
            if let Some(t) = self.sessions.next_expiry() {
                wait = wait.min((t - now).max(0));
            }
            match self.snapshot {
                SnapshotProgress::Idle => {}
                SnapshotProgress::Encoding => wait = 0,
                SnapshotProgress::WaitingForDisk => wait = wait.min(1),
            }
            let sync_here = self.syncs_inline()
                && self.processor.has_unsynced()
                && !self.processor.sync_in_flight();
            if sync_here {
                wait = 0;
            }
            match self
                .poll
                .poll(&mut events, Some(Duration::from_millis(wait as u64)))
            {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            if sync_here {
                if events.is_empty() {
                    // Nothing else to do: sync here rather than wake the
                    // log thread and be woken by it.
                    self.sync_inline();
                    self.flush_dirty();
                    continue;
                }
                // Requests wait: the log thread syncs while they are read.
                self.start_sync_on_log_thread();
            }
            for ev in events.iter() {
                match ev.token() {
                    LISTENER => self.accept_all(),
                    WAKER => {}
                    t => {
                        if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                            if self.quiescing {
                                self.deferred.push(t);
                            } else {
                                self.on_readable(t, ev.is_read_closed() || ev.is_error());
                            }
                        }
                        if ev.is_writable() {
                            self.mark_dirty(t);
                        }
                    }
                }
            }
            let now = now_ms();
            if !self.quiescing {
                self.expire_sessions(now);
            }
            if now >= next_tick && !self.quiescing {
                self.close_sessionless(now);
                self.processor.tick(now, &mut self.outputs);
                self.route_outputs();
                next_tick = now + tick;
            }
            self.flush_dirty();
            if let Some(d) = self.durability.as_mut() {
                // A snapshot under way is encoded a slice per turn while
                // requests go on.
                self.snapshot = d.advance(&mut self.processor);
            }
        }
        // What was applied but is not durable yet was never answered; make
        // it durable anyway, then leave a snapshot of the last state.
        let _ = self.processor.sync_storage();
        if let Some(d) = self.durability.as_mut() {
            d.final_snapshot(&mut self.processor);
        }
        Ok(())
    }

    fn accept_all(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, peer)) => self.add_conn(stream, peer),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Out of descriptors or similar: keep serving who we have.
                Err(_) => return,
            }
        }
    }

    fn add_conn(&mut self, mut stream: mio::net::TcpStream, peer: SocketAddr) {
        let ip = peer.ip();
        let count = self.per_ip.get(&ip).copied().unwrap_or(0);
        if self.config.max_client_cnxns > 0 && count >= self.config.max_client_cnxns {
            // Apache closes the connection at once, without an answer.
            return;
        }
        let _ = stream.set_nodelay(true);
        let token = Token(self.next_token);
        self.next_token += 1;
        if self
            .poll
            .registry()
            .register(&mut stream, token, Interest::READABLE)
            .is_err()
        {
            return;
        }
        *self.per_ip.entry(ip).or_insert(0) += 1;
        let max_frame = self.config.max_buffer;
        self.conns
            .insert(token, Conn::new(stream, peer, max_frame, now_ms()));
    }

    /// Unties a connection from its session (if it is the session's current
    /// connection) before it closes.
    fn detach(&mut self, token: Token) {
        let Some(id) = self.conns.get(&token).and_then(|c| c.session()) else {
            return;
        };
        if self.session_conn.get(&id) == Some(&token) {
            self.session_conn.remove(&id);
            // Watches belong to the connection; a client that comes
            // back registers them again with setWatches.
            self.processor.connection_lost(id);
        }
    }

    fn close_conn(&mut self, token: Token) {
        self.detach(token);
        let Some(c) = self.conns.remove(&token) else {
            return;
        };
        let _ = self.poll.registry().deregister(&mut SourceFd(&c.fd()));
        let ip = c.peer.ip();
        if let Some(n) = self.per_ip.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&ip);
            }
        }
    }

    fn mark_dirty(&mut self, token: Token) {
        self.dirty.push(token);
    }

    /// Reads what a connection sent and handles it; `drain` reads until
    /// the socket says it is empty (see `Conn::read_available`).
    fn on_readable(&mut self, token: Token, drain: bool) {
        let outcome = match self.conns.get_mut(&token) {
            Some(c) if c.phase == Phase::Closing => {
                // Drain and ignore whatever it still sends.
                c.read_available(&mut self.scratch, true)
            }
            Some(c) => c.read_available(&mut self.scratch, drain),
            None => return,
        };
        self.process_frames(token);
        if let ReadOutcome::Closed = outcome {
            // Whatever it sent before closing has been handled; a closed
            // socket cannot take answers.
            self.close_conn(token);
        }
    }

    fn process_frames(&mut self, token: Token) {
        loop {
            let Some(c) = self.conns.get_mut(&token) else {
                return;
            };
            if c.phase == Phase::Closing {
                return;
            }
            if c.phase == Phase::Handshake && c.decoder.buffered() >= 4 {
                let word = c.decoder.peek_len().unwrap_or(0).to_be_bytes();
                if let Some(w) = fourlw::word(&word) {
                    self.answer_four_letter(token, w);
                    return;
                }
            }
            // The frame is copied out of the decoder (handling it needs the
            // whole loop mutably) into one buffer reused for every request.
            let mut frame = std::mem::take(&mut self.frame);
            frame.clear();
            match c.decoder.next_frame() {
                Ok(Some(f)) => frame.extend_from_slice(f),
                Ok(None) => {
                    c.decoder.compact();
                    self.frame = frame;
                    return;
                }
                Err(_) => {
                    // Oversize or negative length: Apache drops the connection.
                    self.close_conn(token);
                    return;
                }
            }
            c.received += 1;
            self.counters.received += 1;
            match c.phase {
                Phase::Handshake => self.handshake(token, &frame),
                Phase::Session(id) => self.request(token, id, &frame),
                Phase::Closing => {}
            }
            self.frame = frame;
            // Stop reading a connection whose answers pile up; the frames
            // it already sent wait in its decoder.
            if let Some(c) = self.conns.get_mut(&token) {
                if c.pending_output() > OUTPUT_HIGH_WATER {
                    c.paused = true;
                    self.mark_dirty(token);
                    return;
                }
            }
        }
    }

    fn handshake(&mut self, token: Token, frame: &[u8]) {
        let now = now_ms();
        let Ok(req) = ConnectRequest::decode(&mut Reader::new(frame)) else {
            self.close_conn(token);
            return;
        };
        // Clients older than 3.3 send no read-only byte and expect none back.
        let old_client = frame.len() == 28 + req.passwd.len();
        let last_zxid = self.processor.last_zxid();
        if req.last_zxid_seen > last_zxid {
            // The client has seen a newer state than ours: Apache refuses it
            // so it goes to another server (or retries) rather than go back
            // in time.
            self.close_conn(token);
            return;
        }
        let timeout = negotiate_timeout(
            req.time_out,
            self.config.min_session_timeout_ms(),
            self.config.max_session_timeout_ms(),
        );
        let peer_ip = self.conns.get(&token).map(|c| c.peer.ip());
        let (session_id, passwd, timeout) = if req.session_id != 0 {
            let valid = self.sessions.contains(req.session_id)
                && self.sessions.check_password(req.session_id, &req.passwd);
            if !valid {
                // An expired, unknown or wrongly authenticated session: the
                // client sees timeout 0 and treats its session as expired.
                let resp = ConnectResponse {
                    protocol_version: 0,
                    time_out: 0,
                    session_id: 0,
                    passwd: vec![0; PASSWD_LEN],
                    read_only: false,
                };
                self.send_and_close(token, &connect_response(&resp, old_client));
                return;
            }
            let id = req.session_id;
            self.sessions.touch(id, now);
            // A session lives on one connection: an older one is dropped.
            if let Some(old) = self.session_conn.get(&id).copied() {
                if old != token {
                    self.close_conn(old);
                }
            }
            let timeout = self
                .sessions
                .get(id)
                .map(|s| s.timeout_ms)
                .unwrap_or(timeout);
            (id, self.sessions.password(id), timeout)
        } else {
            let (id, pw) = self.sessions.create(timeout, now);
            self.processor.open_session(id, timeout, now);
            (id, pw, timeout)
        };
        if let Some(ip) = peer_ip {
            self.processor.set_session_address(session_id, ip);
        }
        self.session_conn.insert(session_id, token);
        let resp = ConnectResponse {
            protocol_version: 0,
            time_out: timeout,
            session_id,
            passwd: passwd.to_vec(),
            read_only: false,
        };
        if let Some(c) = self.conns.get_mut(&token) {
            c.phase = Phase::Session(session_id);
            c.timeout_ms = timeout;
        }
        self.queue(token, &connect_response(&resp, old_client));
        self.counters.sent += 1;
        self.mark_dirty(token);
    }

    fn request(&mut self, token: Token, session: i64, frame: &[u8]) {
        let now = now_ms();
        let mut r = Reader::new(frame);
        let Ok(header) = RequestHeader::decode(&mut r) else {
            self.close_conn(token);
            return;
        };
        if !self.sessions.touch(session, now) {
            // Expired while the request was in flight.
            self.close_conn(token);
            return;
        }
        if let Some(c) = self.conns.get_mut(&token) {
            c.last_op = fourlw::op_abbrev(header.op);
            c.last_cxid = header.xid;
        }
        match header.op {
            op::PING => {
                let reply = ReplyHeader {
                    xid: xid::PING,
                    zxid: self.processor.last_zxid(),
                    err: 0,
                };
                self.send(token, &zkrs_proto::jute::to_vec(&reply), Some(now));
            }
            op::CLOSE_SESSION => {
                self.processor
                    .close_session(session, now, &mut self.outputs);
                self.sessions.remove(session);
                self.route_outputs();
                let reply = ReplyHeader {
                    xid: header.xid,
                    zxid: self.processor.last_zxid(),
                    err: 0,
                };
                self.session_conn.remove(&session);
                self.send_and_close(token, &zkrs_proto::jute::to_vec(&reply));
            }
            code if !is_valid_opcode(code) => {
                // Apache answers an opcode it does not know with
                // ZUNIMPLEMENTED and drops the connection; the session lives
                // on and the client may reconnect to it.
                let reply = ReplyHeader {
                    xid: header.xid,
                    zxid: -1,
                    err: zkrs_proto::errors::ZUNIMPLEMENTED,
                };
                self.send_and_close(token, &zkrs_proto::jute::to_vec(&reply));
            }
            _ => {
                let before = self.processor.last_zxid();
                self.processor
                    .process(session, &header, r.rest(), now, &mut self.outputs);
                self.request_started_ms = now;
                self.route_outputs();
                if self.processor.last_zxid() != before {
                    // A write: should its transaction not reach the disk,
                    // the client gets an error for it.
                    if let Some(c) = self.conns.get_mut(&token) {
                        if let Some(h) = c.held.back_mut() {
                            h.write_xids.push(header.xid);
                        }
                    }
                }
            }
        }
    }

    /// Queues a frame; `started_ms` is when the request it answers arrived
    /// (None for notifications, which count as sent but have no latency).
    fn send(&mut self, token: Token, payload: &[u8], started_ms: Option<i64>) {
        let zxid = self.processor.last_zxid();
        self.queue(token, payload);
        if let Some(c) = self.conns.get_mut(&token) {
            if let Some(started) = started_ms {
                let now = now_ms();
                c.last_response_ms = now;
                c.last_zxid = zxid;
                c.latency.record(now - started);
                self.counters.latency.record(now - started);
            }
            self.counters.sent += 1;
            self.mark_dirty(token);
        }
    }

    /// Queues a frame; while transactions wait for their sync, the frame
    /// waits with them (it may reflect them).
    fn queue(&mut self, token: Token, payload: &[u8]) {
        let unsynced = self.processor.has_unsynced();
        let zxid = self.processor.last_zxid();
        let Some(c) = self.conns.get_mut(&token) else {
            return;
        };
        if unsynced {
            if c.held.is_empty() {
                self.unsynced.push(token);
            }
            c.hold(zxid).frames += 1;
        }
        c.queue_frame(payload);
    }

    /// Moves the log along: collects a finished sync (releasing the output
    /// that waited for it) and starts the next one with whatever was
    /// applied meanwhile. While the disk syncs, requests keep being applied
    /// and their answers wait: that is the group commit.
    fn drive_storage(&mut self) {
        // Before the sync's outcome: a failed group's lent output is back
        // by the time the failure can be seen, and must be in place for
        // `rolled_back` to take it back. (A durable group's comes back
        // after its outcome, once the sync thread has sent it.)
        self.take_back_lent();
        if let Err(rb) = self.processor.finish_sync() {
            self.rolled_back(rb);
        }
        // When syncs run inline the group waits for the loop to run out of
        // work (see `run`).
        if !self.syncs_inline() {
            self.start_sync_on_log_thread();
        }
        let durable = self.processor.durable_zxid();
        if durable != self.released_zxid {
            self.released_zxid = durable;
            // In place: the list keeps its room from one group to the next.
            let (conns, dirty) = (&mut self.conns, &mut self.dirty);
            self.unsynced.sort_unstable();
            self.unsynced.dedup();
            self.unsynced.retain(|t| {
                let Some(c) = conns.get_mut(t) else {
                    return false;
                };
                dirty.push(*t);
                c.release_through(durable)
            });
        }
        if let Some(d) = self.durability.as_mut() {
            // A snapshot begins at a durable state: until then requests
            // wait unread so that one comes.
            self.quiescing = d.after_sync(&mut self.processor);
        }
    }

    /// Whether a group is synced on this thread once the loop runs out of
    /// work. Not while a snapshot is encoded: the loop has that to do
    /// during a sync, so the log thread syncs.
    fn syncs_inline(&self) -> bool {
        self.snapshot == SnapshotProgress::Idle && self.sync_policy.may_sync_inline()
    }

    /// Writes the applied group and hands its sync to the log thread,
    /// lending it the answers that wait for the group: it writes them as
    /// soon as the group is durable, while this thread goes on reading and
    /// applying, and gives back what the sockets did not take.
    fn start_sync_on_log_thread(&mut self) {
        let before = self.processor.sync_in_flight();
        let mut after: Option<AfterSync> = None;
        if !before && self.processor.has_unsynced() {
            let mut lent = Vec::new();
            for &t in &self.unsynced {
                if let Some(l) = self.conns.get_mut(&t).and_then(|c| c.lend(t)) {
                    lent.push(l);
                }
            }
            if !lent.is_empty() {
                let back = self.lend_return.clone();
                let waker = self.waker.clone();
                after = Some(Box::new(move |durable| {
                    let mut unwritten = false;
                    for l in &mut lent {
                        l.sync_ended(durable);
                        unwritten |= !l.all_written();
                    }
                    let _ = back.send(lent);
                    // The loop takes the output back when it next wakes,
                    // as the answers' clients write again. What a full
                    // socket did not take must not wait for that.
                    if durable && unwritten {
                        let _ = waker.wake();
                    }
                }));
            }
        }
        if let Err(rb) = self.processor.start_sync(after) {
            self.rolled_back(rb);
        }
        if !before && self.processor.sync_in_flight() {
            self.sync_policy.handed_off();
        }
    }

    /// Puts output the sync thread was lent back in its connections: what
    /// the sockets did not take is written from here, and a group that did
    /// not become durable has its answers taken back by `rolled_back`.
    fn take_back_lent(&mut self) {
        while let Ok(batch) = self.lent_back.try_recv() {
            for l in batch {
                let t = l.token;
                // A connection closed meanwhile drops its output.
                let Some(c) = self.conns.get_mut(&t) else {
                    continue;
                };
                c.take_back(l);
                if !c.held.is_empty() {
                    self.unsynced.push(t);
                }
                self.dirty.push(t);
            }
        }
    }

    /// Writes and syncs the applied group on this thread.
    fn sync_inline(&mut self) {
        let started = Instant::now();
        let result = self.processor.sync_storage();
        self.sync_policy.synced_inline(started.elapsed());
        if let Err(rb) = result {
            self.rolled_back(rb);
        }
    }

    /// The storage failed: the processor has undone every transaction
    /// after the last durable one. The output they produced is taken back:
    /// each write is answered with ZSYSTEMERROR, and a connection that was
    /// also told something else (an event, a read of the undone state) is
    /// closed, so its client reconnects and registers its watches again.
    fn rolled_back(&mut self, rb: crate::core::processor::RolledBack) {
        // The failed group's answers, if lent, are back in the channel.
        self.take_back_lent();
        let now = now_ms();
        eprintln!(
            "zkserver: the transaction log could not be written ({}); \
             the transactions after zxid 0x{:x} were undone and their writes failed",
            rb.error, rb.zxid
        );
        for (id, timeout) in &rb.closed {
            self.sessions.add(*id, *timeout, now);
        }
        let mut doomed = Vec::new();
        for id in &rb.opened {
            self.sessions.remove(*id);
            if let Some(t) = self.session_conn.remove(id) {
                doomed.push(t);
            }
        }
        for t in std::mem::take(&mut self.unsynced) {
            let Some(c) = self.conns.get_mut(&t) else {
                continue;
            };
            let held = c.take_back_held();
            let frames: usize = held.iter().map(|h| h.frames).sum();
            let writes: Vec<i32> = held
                .iter()
                .flat_map(|h| h.write_xids.iter().copied())
                .collect();
            for xid in &writes {
                let reply = ReplyHeader {
                    xid: *xid,
                    zxid: rb.zxid,
                    err: zkrs_proto::errors::ZSYSTEMERROR,
                };
                c.queue_frame(&zkrs_proto::jute::to_vec(&reply));
            }
            if frames > writes.len() {
                doomed.push(t);
            }
            self.dirty.push(t);
        }
        for t in doomed {
            self.detach(t);
            if let Some(c) = self.conns.get_mut(&t) {
                c.phase = Phase::Closing;
            }
            self.dirty.push(t);
        }
    }

    fn send_and_close(&mut self, token: Token, payload: &[u8]) {
        self.detach(token);
        self.queue(token, payload);
        if let Some(c) = self.conns.get_mut(&token) {
            c.phase = Phase::Closing;
            self.counters.sent += 1;
            self.mark_dirty(token);
        }
    }

    fn route_outputs(&mut self) {
        let outputs = std::mem::take(&mut self.outputs);
        for o in outputs {
            match o {
                Output::Reply { session, frame } => {
                    if let Some(t) = self.session_conn.get(&session).copied() {
                        self.send(t, &frame, Some(self.request_started_ms));
                    }
                }
                // A session without a connection misses its notifications,
                // as with Apache.
                Output::Notify { session, frame } => {
                    if let Some(t) = self.session_conn.get(&session).copied() {
                        self.send(t, &frame, None);
                    }
                }
                Output::Close { session } => {
                    if let Some(t) = self.session_conn.get(&session).copied() {
                        self.detach(t);
                        if let Some(c) = self.conns.get_mut(&t) {
                            c.phase = Phase::Closing;
                        }
                        self.mark_dirty(t);
                    }
                }
            }
        }
    }

    /// Connections that never completed a handshake are closed after a
    /// while, as Apache closes them, so idle sockets cannot pile up.
    fn close_sessionless(&mut self, now: i64) {
        let limit = self.config.sessionless_cnxn_timeout_ms;
        let stale: Vec<Token> = self
            .conns
            .iter()
            .filter(|(_, c)| c.phase == Phase::Handshake && now - c.established_ms > limit)
            .map(|(t, _)| *t)
            .collect();
        for t in stale {
            self.close_conn(t);
        }
    }

    fn expire_sessions(&mut self, now: i64) {
        for id in self.sessions.take_expired(now) {
            self.processor.close_session(id, now, &mut self.outputs);
            self.route_outputs();
            if let Some(t) = self.session_conn.remove(&id) {
                self.close_conn(t);
            }
        }
    }

    /// Writes what each touched connection has queued and sets what it is
    /// polled for: not readable while its output is over the high-water mark,
    /// writable while output is left.
    fn flush_dirty(&mut self) {
        loop {
            self.drive_storage();
            if !self.quiescing && !self.deferred.is_empty() {
                // Their events' flags were not kept: drain each.
                for t in std::mem::take(&mut self.deferred) {
                    self.on_readable(t, true);
                }
                continue;
            }
            if self.dirty.is_empty() {
                break;
            }
            let mut dirty = std::mem::take(&mut self.dirty);
            dirty.sort_unstable();
            dirty.dedup();
            let mut resumed = Vec::new();
            for token in dirty {
                let Some(c) = self.conns.get_mut(&token) else {
                    continue;
                };
                if c.flush().is_err() {
                    self.close_conn(token);
                    continue;
                }
                let pending = c.pending_output();
                if pending == 0 && c.phase == Phase::Closing {
                    self.close_conn(token);
                    continue;
                }
                let want_read = pending <= OUTPUT_HIGH_WATER && c.phase != Phase::Closing;
                // Output held for a sync cannot be written yet.
                let want_write = c.flushable() > 0;
                if want_read != c.readable_registered || want_write != c.writable_registered {
                    let interest = match (want_read, want_write) {
                        (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
                        (true, false) => Some(Interest::READABLE),
                        (false, true) => Some(Interest::WRITABLE),
                        (false, false) => None,
                    };
                    let registry = self.poll.registry();
                    let fd = c.fd();
                    let _ = match interest {
                        Some(i) => registry.reregister(&mut SourceFd(&fd), token, i),
                        None => registry.deregister(&mut SourceFd(&fd)),
                    };
                    c.readable_registered = want_read;
                    c.writable_registered = want_write;
                }
                if want_read && c.paused {
                    c.paused = false;
                    resumed.push(token);
                }
            }
            // Frames buffered while a connection was paused are handled now;
            // that may queue more output, hence the loop.
            for t in resumed {
                if self.quiescing {
                    self.deferred.push(t);
                } else {
                    self.process_frames(t);
                }
            }
        }
    }

    fn answer_four_letter(&mut self, token: Token, word: &'static str) {
        let text = if !self.config.four_letter_whitelist.allows(word) {
            format!("{word} is not executed because it is not in the whitelist.\n")
        } else {
            match word {
                "crst" => {
                    for c in self.conns.values_mut() {
                        c.received = 0;
                        c.sent = 0;
                        c.latency = Latency::default();
                    }
                    "Connection stats reset.\n".to_string()
                }
                "srst" => {
                    self.counters = ServerCounters::default();
                    "Server stats reset.\n".to_string()
                }
                _ => {
                    let view = self.view(token);
                    fourlw::answer(word, &view)
                }
            }
        };
        if let Some(c) = self.conns.get_mut(&token) {
            c.queue_raw(text.as_bytes());
            c.phase = Phase::Closing;
        }
        self.mark_dirty(token);
    }

    fn view(&self, asking: Token) -> ServerView<'_> {
        let mut conns: Vec<ConnView> = self
            .conns
            .iter()
            .filter(|(t, _)| **t != asking)
            .map(|(_, c)| ConnView {
                peer: c.peer,
                queued: 0,
                received: c.received,
                sent: c.sent,
                session: c.session(),
                last_op: c.last_op,
                established_ms: c.established_ms,
                timeout_ms: c.timeout_ms,
                last_cxid: c.last_cxid,
                last_zxid: c.last_zxid,
                last_response_ms: c.last_response_ms,
                latency: c.latency,
            })
            .collect();
        // The asking connection is listed too, as Apache lists it.
        if let Some(c) = self.conns.get(&asking) {
            conns.push(ConnView {
                peer: c.peer,
                queued: 0,
                received: 1,
                sent: 0,
                session: None,
                last_op: "NA",
                established_ms: c.established_ms,
                timeout_ms: 0,
                last_cxid: 0,
                last_zxid: -1,
                last_response_ms: 0,
                latency: Latency::default(),
            });
        }
        ServerView {
            config: &self.config,
            conns,
            counters: self.counters,
            zxid: self.processor.last_zxid(),
            stats: self.processor.stats(),
            sessions: &self.sessions,
            started_ms: self.started_ms,
            now_ms: now_ms(),
        }
    }
}
