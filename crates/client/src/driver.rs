//! The I/O thread of a handle: a mio loop around the session state
//! machine. It opens and reads the connection, runs timers, and hands
//! completions and events to the callback thread, or straight to a blocked
//! synchronous caller.
//!
//! The session and the socket live in a [`Core`] behind a mutex. A thread
//! that submits a request queues it in the session and writes it to the
//! socket itself, as Apache's mt client does, so a request costs no
//! wake-up of the I/O thread. Everything else (replies, timers, connection
//! changes, close) happens on the I/O thread, which is woken through a mio
//! `Waker` for the few commands that need it.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::client::{lock, Shared};
use crate::dispatch::{Dispatch, DispatchSender};
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
    Sync(Sender<OpResult>),
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
/// threads that submit requests.
pub(crate) struct Core {
    pub session: Session<Done>,
    conn: Option<Conn>,
}

impl Core {
    pub fn new(session: Session<Done>) -> Core {
        Core {
            session,
            conn: None,
        }
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
    pub dispatch: DispatchSender,
    pub shared: Arc<Shared>,
    pub published: Option<Status>,
    /// Items for the callback thread, handed over once per loop turn so a
    /// burst of replies costs one channel operation and one wake-up.
    pub batch: Vec<Dispatch>,
    pub resolver: Resolver,
}

impl Driver {
    pub fn run(mut self) {
        let core_lock = self.core.clone();
        let mut events = Events::with_capacity(64);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let timeout = {
                let mut core = lock(&core_lock);
                self.shared.wake_pending.store(false, Ordering::SeqCst);
                while let Ok(cmd) = self.commands.try_recv() {
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
                    self.socket_ready(&mut core, ev, &mut buf);
                }
            }
        }
    }

    fn socket_ready(&mut self, core: &mut Core, ev: &mio::event::Event, buf: &mut [u8]) {
        let Core { session, conn } = core;
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
            read_all(c, buf, session, &self.shared);
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

    fn complete(&mut self, done: Done, result: OpResult) {
        match done {
            Done::Async(c) => self.batch.push(Dispatch::Complete(c, result)),
            Done::Sync(tx) => {
                let _ = tx.send(result);
            }
        }
    }

    /// Carries out the session's outputs; true once the handle is closed.
    fn outputs(&mut self, core: &mut Core) -> bool {
        let mut closed = false;
        // Callbacks must see the state their events announce.
        self.publish(&core.session);
        while let Some(out) = core.session.poll_output() {
            self.publish(&core.session);
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
                Output::Complete(done, result) => self.complete(done, result),
                Output::Watch(watchers, event) => self.batch.push(Dispatch::Watch(watchers, event)),
                Output::Session(watchers, event) => {
                    self.shared.log(
                        LogLevel::Debug,
                        "process_completions",
                        &format_args!("session event, state={}", event.state),
                    );
                    self.batch.push(Dispatch::Session(watchers, event));
                }
                Output::Closed => closed = true,
            }
        }
        if !self.batch.is_empty() {
            self.dispatch.send(std::mem::take(&mut self.batch));
        }
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

    fn publish(&mut self, session: &Session<Done>) {
        let now = session.status();
        if self.published.as_ref() == Some(&now) {
            return;
        }
        if let Some(prev) = &self.published {
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
        self.published = Some(now);
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
