//! The I/O thread of a handle: a mio loop around the session state
//! machine. It opens and reads the connection, runs timers, and hands
//! completions and events to the callback thread, or straight to a blocked
//! synchronous caller.
//!
//! The session and the socket live in a [`Core`] behind a mutex. A thread
//! that submits a request queues it in the session and, if nothing is in
//! flight, writes it to the socket itself, so a request costs no wake-up
//! of the I/O thread; requests queued behind others are written by
//! whoever next handles replies, many to a write. A thread waiting in a
//! synchronous call may read replies itself ([`Core::read_replies`]).
//! Everything else (timers, connection changes, close) happens on the I/O
//! thread, which is woken through a mio `Waker` for the few commands that
//! need it.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;

use crossbeam_channel::Receiver;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use valgrind_annotate::Arc;

use crate::client::{lock, Shared};
use crate::dispatch::{Dispatch, DispatchSender};
use crate::reply::ReplySender;
use crate::session::{Output, Session, Status};
use crate::types::{Completion, LogLevel, OpResult};

pub(crate) const WAKER: Token = Token(0);
const SOCKET: Token = Token(1);

/// Who gets a request's result.
pub(crate) enum Done {
    /// The callback thread runs it.
    Async(Completion),
    /// A thread blocked in `Client::call` receives it directly, so a
    /// synchronous call works on the callback thread too.
    Sync(ReplySender),
}

/// Requests for the I/O thread.
pub(crate) enum Command {
    /// The new addresses and the host list they came from.
    SetServers(Vec<SocketAddr>, Vec<(String, u16)>),
    /// `zoo_set_servers_resolution_delay`.
    SetResolutionDelay(i32),
    CycleNextServer,
    Close,
}

pub(crate) struct Conn {
    stream: TcpStream,
    addr: SocketAddr,
    established: bool,
}

/// The session and its connection, shared by the I/O thread and the
/// threads that submit requests or wait for a synchronous reply.
pub(crate) struct Core {
    pub session: Session<Done>,
    conn: Option<Conn>,
    /// Items for the callback thread, handed over once per burst of
    /// replies so a burst costs one channel operation and one wake-up.
    batch: Vec<Dispatch>,
    /// Taken by the I/O thread when it ends, which ends the callback thread.
    dispatch: Option<DispatchSender>,
    /// The status last published to `Shared`.
    published: Option<Status>,
    read_buf: Box<[u8]>,
}

impl Core {
    pub fn new(session: Session<Done>, dispatch: DispatchSender) -> Core {
        Core {
            session,
            conn: None,
            batch: Vec::new(),
            dispatch: Some(dispatch),
            published: None,
            read_buf: vec![0u8; 64 * 1024].into_boxed_slice(),
        }
    }

    fn complete(&mut self, done: Done, result: OpResult) {
        match done {
            Done::Async(c) => self.batch.push(Dispatch::Complete(c, result)),
            Done::Sync(tx) => tx.send(result),
        }
    }

    fn hand_over(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        if let Some(d) = &self.dispatch {
            d.send(batch);
        }
    }

    /// Reads the replies the socket holds, for a thread waiting in a
    /// synchronous call: its result then needs no wake-up of the I/O
    /// thread and no second one of the caller. Only replies and watch
    /// events are delivered here; true when the session produced
    /// something else (a lost connection, a state change), which is left,
    /// in order, for the I/O thread.
    pub fn read_replies(&mut self, shared: &Shared) -> bool {
        let Core {
            session,
            conn,
            read_buf,
            ..
        } = self;
        if let Some(c) = conn.as_mut().filter(|c| c.established) {
            read_all(c, read_buf, session, shared);
        }
        if self.published != Some(self.session.status()) {
            return true;
        }
        loop {
            let next = self
                .session
                .poll_output_if(|o| matches!(o, Output::Complete(..) | Output::Watch(..)));
            match next {
                Some(Output::Complete(done, result)) => self.complete(done, result),
                Some(Output::Watch(watchers, event)) => {
                    self.batch.push(Dispatch::Watch(watchers, event))
                }
                _ => break,
            }
        }
        self.hand_over();
        // Requests queued behind these replies go out now.
        let _ = self.write_ready();
        self.session.has_output()
    }

    /// Writes what the session has queued, as far as the socket takes it
    /// now. Errors are left for the I/O thread, which sees them too.
    pub fn write_ready(&mut self) -> io::Result<()> {
        let Some(c) = self.conn.as_mut() else {
            return Ok(());
        };
        if !c.established {
            return Ok(());
        }
        loop {
            let pending = self.session.transmit();
            if pending.is_empty() {
                return Ok(());
            }
            match (&c.stream).write(pending) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.session.advance_transmit(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// What is needed to look the hosts up again.
pub(crate) struct Resolver {
    pub hosts: Vec<(String, u16)>,
    /// Apache's resolution delay: -1 never, 0 before every attempt, else
    /// at most once per that many milliseconds.
    pub delay_ms: i32,
    pub last: Option<Instant>,
}

pub(crate) struct Driver {
    pub core: Arc<Mutex<Core>>,
    pub poll: Poll,
    pub commands: Receiver<Command>,
    pub shared: Arc<Shared>,
    pub resolver: Resolver,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ends the callback thread once it has run what is queued, even if
        // this thread ends by a panic.
        lock(&self.core).dispatch = None;
    }
}

impl Driver {
    pub fn run(mut self) {
        let core_lock = self.core.clone();
        let mut events = Events::with_capacity(64);
        loop {
            let timeout = {
                let mut core = lock(&core_lock);
                self.shared.wake_pending.store(false, Ordering::SeqCst);
                while let Ok(cmd) = self.commands.try_recv() {
                    valgrind_annotate::happens_after(&self.shared.wake_pending);
                    self.command(&mut core, cmd);
                }
                self.re_resolve(&mut core);
                core.session.handle_timeout(Instant::now());
                let mut closed = self.outputs(&mut core);
                self.flush(&mut core);
                // Flushing can fail the connection, which produces outputs.
                closed |= self.outputs(&mut core);
                if closed {
                    return;
                }
                core.session
                    .next_timeout()
                    .map(|t| t.saturating_duration_since(Instant::now()))
            };
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.shared.log(
                        LogLevel::Error,
                        "zookeeper_interest",
                        &format_args!("poll failed: {e}"),
                    );
                }
                continue;
            }
            let mut core = lock(&core_lock);
            for ev in events.iter() {
                if ev.token() == SOCKET {
                    self.socket_ready(&mut core, ev);
                }
            }
        }
    }

    fn socket_ready(&mut self, core: &mut Core, ev: &mio::event::Event) {
        let Core {
            session,
            conn,
            read_buf,
            ..
        } = core;
        let Some(c) = conn.as_mut() else { return };
        let now = Instant::now();
        if !c.established {
            match connect_result(&c.stream) {
                Ok(true) => {
                    c.established = true;
                    let _ = c.stream.set_nodelay(true);
                    self.shared.log(
                        LogLevel::Info,
                        "check_events",
                        &format_args!("initiated connection to server {}", c.addr),
                    );
                    session.handle_connected(now);
                }
                Ok(false) => return,
                Err(e) => {
                    self.shared.log(
                        LogLevel::Error,
                        "handle_socket_error_msg",
                        &format_args!("server {} refused to accept the client: {e}", c.addr),
                    );
                    session.handle_connection_lost(now);
                    return;
                }
            }
        }
        if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
            read_all(c, read_buf, session, &self.shared);
        }
    }

    fn command(&mut self, core: &mut Core, cmd: Command) {
        let now = Instant::now();
        match cmd {
            Command::SetServers(addrs, hosts) => {
                core.session.set_servers(addrs, now);
                self.resolver.hosts = hosts;
                self.resolver.last = Some(now);
            }
            Command::SetResolutionDelay(ms) => self.resolver.delay_ms = ms,
            Command::CycleNextServer => core.session.cycle_next_server(),
            Command::Close => core.session.close(now),
        }
    }

    /// Looks the host names up again between connections when the
    /// resolution delay says so, so that a DNS change is seen by the next
    /// connection attempt.
    fn re_resolve(&mut self, core: &mut Core) {
        if !core.session.is_between_connections() {
            return;
        }
        let now = Instant::now();
        let due = match (self.resolver.delay_ms, self.resolver.last) {
            (-1, _) => false,
            (_, None) => true,
            (ms, Some(last)) => now.duration_since(last).as_millis() > ms.max(0) as u128,
        };
        if !due || self.resolver.hosts.is_empty() {
            return;
        }
        self.resolver.last = Some(now);
        let Ok(mut addrs) = crate::hosts::resolve(&self.resolver.hosts) else {
            return;
        };
        let mut old = core.session.addrs().to_vec();
        let mut new = addrs.clone();
        old.sort();
        new.sort();
        if old != new {
            crate::hosts::permute(&mut addrs);
            core.session.set_servers(addrs, now);
        }
    }

    /// Carries out the session's outputs; true once the handle is closed.
    fn outputs(&mut self, core: &mut Core) -> bool {
        let mut closed = false;
        // Callbacks must see the state their events announce.
        self.publish(core);
        while let Some(out) = core.session.poll_output() {
            self.publish(core);
            match out {
                Output::Connect(addr) => {
                    drop_conn(&self.poll, &mut core.conn);
                    match open(&self.poll, addr) {
                        Ok(c) => core.conn = Some(c),
                        Err(e) => {
                            self.shared.log(
                                LogLevel::Error,
                                "zookeeper_interest",
                                &format_args!("connect() to {addr} failed: {e}"),
                            );
                            core.session.handle_connection_lost(Instant::now());
                        }
                    }
                }
                Output::Disconnect => drop_conn(&self.poll, &mut core.conn),
                Output::Complete(done, result) => core.complete(done, result),
                Output::Watch(watchers, event) => core.batch.push(Dispatch::Watch(watchers, event)),
                Output::Session(watchers, event) => {
                    self.shared.log(
                        LogLevel::Debug,
                        "process_completions",
                        &format_args!("session event, state={}", event.state),
                    );
                    core.batch.push(Dispatch::Session(watchers, event));
                }
                Output::Closed => closed = true,
            }
        }
        core.hand_over();
        closed
    }

    fn flush(&mut self, core: &mut Core) {
        if let Err(e) = core.write_ready() {
            let addr = core.conn.as_ref().map(|c| c.addr.to_string());
            self.shared.log(
                LogLevel::Error,
                "handle_socket_error_msg",
                &format_args!(
                    "failed while flushing send queue to {}: {e}",
                    addr.unwrap_or_default()
                ),
            );
            core.session.handle_connection_lost(Instant::now());
        }
    }

    fn publish(&mut self, core: &mut Core) {
        let now = core.session.status();
        if core.published.as_ref() == Some(&now) {
            return;
        }
        if let Some(prev) = &core.published {
            if prev.state != now.state && now.state == crate::types::state::CONNECTED {
                self.shared.log(
                    LogLevel::Info,
                    "check_events",
                    &format_args!(
                        "session establishment complete on server {}, sessionId={:#x}, negotiated timeout={}",
                        now.current.map(|a| a.to_string()).unwrap_or_default(),
                        now.client_id.session_id,
                        now.recv_timeout
                    ),
                );
            }
        }
        self.shared.publish(now);
        core.published = Some(now);
    }
}

fn open(poll: &Poll, addr: SocketAddr) -> io::Result<Conn> {
    let mut stream = TcpStream::connect(addr)?;
    poll.registry()
        .register(&mut stream, SOCKET, Interest::READABLE | Interest::WRITABLE)?;
    Ok(Conn {
        stream,
        addr,
        established: false,
    })
}

fn drop_conn(poll: &Poll, conn: &mut Option<Conn>) {
    if let Some(mut c) = conn.take() {
        let _ = poll.registry().deregister(&mut c.stream);
    }
}

/// Whether a non-blocking connect has finished: `Ok(false)` while in progress.
fn connect_result(stream: &TcpStream) -> io::Result<bool> {
    if let Some(e) = stream.take_error()? {
        return Err(e);
    }
    match stream.peer_addr() {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
        Err(e) => Err(e),
    }
}

fn read_all(c: &mut Conn, buf: &mut [u8], session: &mut Session<Done>, shared: &Shared) {
    let epoch = session.epoch();
    while session.epoch() == epoch {
        match c.stream.read(buf) {
            Ok(0) => {
                shared.log(
                    LogLevel::Error,
                    "handle_socket_error_msg",
                    &format_args!("connection to {} closed by server", c.addr),
                );
                session.handle_connection_lost(Instant::now());
                return;
            }
            Ok(n) => {
                session.handle_data(&buf[..n], Instant::now());
                if n < buf.len() {
                    // A short read drained the socket: new data will bring a
                    // new edge, so the read that would say EAGAIN is skipped.
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                shared.log(
                    LogLevel::Error,
                    "handle_socket_error_msg",
                    &format_args!(
                        "failed while receiving a server response from {}: {e}",
                        c.addr
                    ),
                );
                session.handle_connection_lost(Instant::now());
                return;
            }
        }
    }
}
