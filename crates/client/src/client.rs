//! The public handle: starts a handle's I/O and callback threads and turns
//! API calls into commands for them.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Sender};
use mio::{Poll, Waker};
use thiserror::Error;
use valgrind_annotate::{Annotated, Arc};
use zkrs_proto::errors::*;

use crate::chroot::Chroot;
use crate::dispatch::{self, Dispatch};
use crate::driver::{Command, Core, Done, Driver, Resolver, WAKER};
use crate::hosts::{self, HostsError};
use crate::ops::prepare;
use crate::ops::Prepared;
use crate::reply::{reply_slot, ReplyReceiver};
use crate::session::{Session, SessionConfig, Status, Submitted};
use crate::types::{state, ClientId, Completion, LogLevel, Logger, Op, OpResult, Watcher};

/// How long a synchronous call reads replies itself before it sleeps. It
/// only does so while replies typically come sooner than that.
const SYNC_SPIN: Duration = Duration::from_micros(200);

/// What `Client::connect` needs.
#[derive(Clone, Default)]
pub struct ConnectOptions {
    /// `host:port[,host:port...][/chroot]`.
    pub hosts: String,
    /// Requested session timeout in milliseconds (the server may change it).
    pub timeout_ms: i32,
    /// A session to resume (`clientid_t` of zookeeper_init).
    pub client_id: Option<ClientId>,
    /// Accept read-only servers (`ZOO_READONLY` flag).
    pub read_only: bool,
    /// Where the handle's log messages go. It is called with the session
    /// locked (on the handle's I/O thread, or on a thread in a synchronous
    /// call that is reading replies), so it must not call the handle.
    pub logger: Option<Logger>,
}

/// Why a handle could not be created.
#[derive(Debug, Error)]
pub enum ConnectError {
    #[error(transparent)]
    Hosts(#[from] HostsError),
    #[error("cannot start the client: {0}")]
    Io(#[from] std::io::Error),
}

impl ConnectError {
    /// The errno zookeeper_init leaves when it returns NULL.
    pub fn errno(&self) -> i32 {
        match self {
            ConnectError::Hosts(h) => h.errno(),
            ConnectError::Io(e) => e.raw_os_error().unwrap_or(libc::ENOMEM),
        }
    }
}

/// State shared by a handle's API, I/O thread and callback thread.
pub(crate) struct Shared {
    state: AtomicI32,
    status: Mutex<Status>,
    global_watcher: Mutex<Option<Watcher>>,
    pub(crate) wake_pending: AtomicBool,
    logger: Option<Logger>,
    /// Set while a synchronous caller reads replies itself: one at a time,
    /// so waiting threads cannot crowd out the ones doing the work.
    sync_spinner: AtomicBool,
    /// Moving average of the latency of synchronous calls that were alone
    /// in flight, in microseconds.
    sync_latency_us: AtomicU32,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> Annotated<MutexGuard<'_, T>> {
    // A panic while holding these locks cannot leave their plain data
    // inconsistent, so a poisoned lock is still usable.
    // Shows valgrind's thread checkers the futex-based lock.
    Annotated::acquire(m, || m.lock().unwrap_or_else(|e| e.into_inner()))
}

impl Shared {
    pub(crate) fn publish(&self, status: Status) {
        *lock(&self.status) = status;
        self.state.store(status.state, Ordering::SeqCst);
    }

    pub(crate) fn global_watcher(&self) -> Option<Watcher> {
        lock(&self.global_watcher).clone()
    }

    pub(crate) fn take_global_watcher(&self) -> Option<Watcher> {
        lock(&self.global_watcher).take()
    }

    pub(crate) fn log(&self, level: LogLevel, func: &'static str, msg: &std::fmt::Arguments<'_>) {
        if let Some(l) = &self.logger {
            l(level, func, msg);
        }
    }
}

struct Threads {
    io: Option<JoinHandle<()>>,
    callbacks: Option<JoinHandle<()>>,
}

struct Inner {
    core: Arc<Mutex<Core>>,
    shared: Arc<Shared>,
    commands: Sender<Command>,
    waker: Waker,
    chroot: Chroot,
    callback_thread: ThreadId,
    threads: Mutex<Threads>,
    closed: AtomicBool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropped without close: end the session without waiting.
        if !self.closed.swap(true, Ordering::SeqCst) {
            valgrind_annotate::happens_before(&self.shared.wake_pending);
            let _ = self.commands.send(Command::Close);
            let _ = self.waker.wake();
        }
    }
}

/// A ZooKeeper handle. Clones share the handle; every method may be called
/// from any thread, including from inside completions and watchers.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.status();
        f.debug_struct("Client")
            .field("state", &st.state)
            .field(
                "session_id",
                &format_args!("{:#x}", st.client_id.session_id),
            )
            .finish()
    }
}

impl Client {
    /// `zookeeper_init`: parses and resolves the hosts, then starts
    /// connecting in the background. `watcher` is the global watcher: it
    /// receives every session event.
    pub fn connect(opts: ConnectOptions, watcher: Option<Watcher>) -> Result<Client, ConnectError> {
        let cs = hosts::parse(&opts.hosts)?;
        let mut addrs = hosts::resolve(&cs.hosts)?;
        hosts::permute(&mut addrs);
        let chroot = Chroot::new(cs.chroot);
        let cfg = SessionConfig {
            addrs,
            chroot: chroot.clone(),
            timeout_ms: opts.timeout_ms,
            client_id: opts.client_id.filter(|c| c.session_id != 0),
            read_only: opts.read_only,
        };
        let session: Session<Done> = Session::new(cfg, Instant::now());
        let shared = Arc::new(Shared {
            state: AtomicI32::new(session.state()),
            status: Mutex::new(session.status()),
            global_watcher: Mutex::new(watcher),
            wake_pending: AtomicBool::new(false),
            logger: opts.logger,
            sync_spinner: AtomicBool::new(false),
            sync_latency_us: AtomicU32::new(0),
        });
        // Statistics and a flag, written with plain atomic stores.
        valgrind_annotate::atomic_var(&shared.sync_spinner);
        valgrind_annotate::atomic_var(&shared.sync_latency_us);
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKER)?;
        let (cmd_tx, cmd_rx) = unbounded();
        let (disp_tx, disp_rx) = unbounded::<Vec<Dispatch>>();
        let sleeping = Arc::new(AtomicBool::new(false));
        let cb_shared = shared.clone();
        let cb_rx = dispatch::receiver(disp_rx.clone(), sleeping.clone());
        let callbacks = thread::Builder::new()
            .name("zk-callbacks".into())
            .spawn(move || dispatch::run(cb_rx, cb_shared))?;
        let callback_thread = callbacks.thread().id();
        let disp_tx = dispatch::queue_to(callbacks.thread().clone(), disp_rx, disp_tx, sleeping);
        let core = Arc::new(Mutex::new(Core::new(session, disp_tx)));
        let driver = Driver {
            core: core.clone(),
            poll,
            commands: cmd_rx,
            shared: shared.clone(),
            resolver: Resolver {
                hosts: cs.hosts.clone(),
                delay_ms: 0,
                last: Some(Instant::now()),
            },
        };
        let io = thread::Builder::new()
            .name("zk-io".into())
            .spawn(move || driver.run())?;
        Ok(Client {
            inner: Arc::new(Inner {
                core,
                shared,
                commands: cmd_tx,
                waker,
                chroot,
                callback_thread,
                threads: Mutex::new(Threads {
                    io: Some(io),
                    callbacks: Some(callbacks),
                }),
                closed: AtomicBool::new(false),
            }),
        })
    }

    fn send(&self, cmd: Command) -> Result<(), i32> {
        valgrind_annotate::happens_before(&self.inner.shared.wake_pending);
        self.inner.commands.send(cmd).map_err(|_| ZCLOSING)?;
        self.wake_io()
    }

    fn wake_io(&self) -> Result<(), i32> {
        // One wake-up per batch: the I/O thread clears the flag before it
        // drains the queue, so a command is never left unseen.
        if !self.inner.shared.wake_pending.swap(true, Ordering::SeqCst) {
            self.inner.waker.wake().map_err(|_| ZSYSTEMERROR)?;
        }
        Ok(())
    }

    fn check_usable(&self) -> Result<(), i32> {
        if self.inner.closed.load(Ordering::SeqCst) {
            return Err(ZINVALIDSTATE);
        }
        if state::is_unrecoverable(self.state()) {
            return Err(ZINVALIDSTATE);
        }
        Ok(())
    }

    /// Queues a request in the session and writes it out from this
    /// thread, unless the session holds it back for the thread that
    /// handles the next burst of replies, which writes whatever is queued:
    /// one write then carries every request queued meanwhile instead of
    /// one system call each. Returns whether the request is alone in
    /// flight.
    fn enqueue(&self, req: Prepared, done: Done) -> Result<bool, (i32, Done)> {
        let mut core = lock(&self.inner.core);
        let alone = core.session.pending_requests() == 0;
        let hold_back = core.session.holds_back_requests();
        match core.session.submit(req, done, Instant::now()) {
            Submitted::Queued => {
                if !hold_back {
                    // A write error also reaches the I/O thread, which
                    // handles it.
                    let _ = core.write_ready();
                }
                Ok(alone)
            }
            Submitted::Done(rc, done) => Err((rc, done)),
        }
    }

    /// Starts an operation; `completion` runs on the callback thread with
    /// its result. `watcher` makes exists/get/get_children/getconfig set a
    /// watch for it. Errors found before sending (bad path, bad state,
    /// closed handle, no such watcher to remove) are returned and the
    /// completion is not called.
    ///
    /// A local `RemoveWatches` finishes here: `Ok` means the watchers were
    /// removed and, as in Apache, the completion is not called.
    pub fn submit(
        &self,
        op: Op,
        watcher: Option<Watcher>,
        completion: Completion,
    ) -> Result<(), i32> {
        self.check_usable()?;
        let req = prepare(op, watcher, &self.inner.chroot)?;
        match self.enqueue(req, Done::Async(completion)) {
            Ok(_) => Ok(()),
            Err((ZOK, _)) => Ok(()),
            Err((rc, _)) => Err(rc),
        }
    }

    /// Runs an operation and waits for its result. The result does not go
    /// through the callback thread, so this works inside callbacks.
    pub fn call(&self, op: Op, watcher: Option<Watcher>) -> OpResult {
        if let Err(rc) = self.check_usable() {
            return OpResult::error(rc);
        }
        let req = match prepare(op, watcher, &self.inner.chroot) {
            Ok(r) => r,
            Err(rc) => return OpResult::error(rc),
        };
        let (tx, rx) = reply_slot();
        match self.enqueue(req, Done::Sync(tx)) {
            Ok(alone) => self.await_reply(rx, alone),
            Err((rc, _)) => OpResult::error(rc),
        }
    }

    /// Waits for a synchronous call's result. A reply from a nearby server
    /// comes sooner than a sleeping thread can be woken twice (the I/O
    /// thread by the socket, then this one by it), so for a short while a
    /// request that went out `alone` has its caller read the socket itself
    /// before it goes to sleep. Behind other requests the wait is longer
    /// and spinning would only take the processor from those doing work.
    fn await_reply(&self, rx: ReplyReceiver, alone: bool) -> OpResult {
        let shared = &self.inner.shared;
        let start = Instant::now();
        let spun = if alone {
            self.spin_for_reply(&rx, start)
        } else {
            None
        };
        // Every queued request is answered, if only with ZCLOSING.
        let result = spun.unwrap_or_else(|| rx.wait());
        if alone {
            let sample = start.elapsed().as_micros().min(u32::MAX as u128) as u32;
            let avg = shared.sync_latency_us.load(Ordering::Relaxed);
            let avg = (avg as u64 * 7 + sample as u64) / 8;
            shared.sync_latency_us.store(avg as u32, Ordering::Relaxed);
        }
        result
    }

    /// Reads replies on this thread until the result comes or `SYNC_SPIN`
    /// has passed; `None` at once when another caller is doing it or
    /// lone requests have lately been answered too slowly for it to pay.
    fn spin_for_reply(&self, rx: &ReplyReceiver, start: Instant) -> Option<OpResult> {
        let shared = &self.inner.shared;
        if shared.sync_latency_us.load(Ordering::Relaxed) as u128 >= SYNC_SPIN.as_micros()
            || shared.sync_spinner.swap(true, Ordering::Acquire)
        {
            return None;
        }
        let mut result = None;
        while start.elapsed() < SYNC_SPIN {
            result = rx.try_take();
            if result.is_some() {
                break;
            }
            let taken =
                Annotated::try_acquire(&*self.inner.core, || match self.inner.core.try_lock() {
                    Ok(core) => Some(core),
                    Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
                    Err(TryLockError::WouldBlock) => None,
                });
            let Some(mut core) = taken else {
                std::hint::spin_loop();
                continue;
            };
            let for_io_thread = core.read_replies(shared);
            drop(core);
            if for_io_thread {
                let _ = self.wake_io();
            }
            // On a busy machine the server may need this processor.
            thread::yield_now();
        }
        shared.sync_spinner.store(false, Ordering::Release);
        result.or_else(|| rx.try_take())
    }

    /// `zoo_add_auth`: sends `scheme`/`cert` now if connected and after
    /// every reconnect. `completion` gets the server's answer (or the error
    /// that ended the connection first). A rejected auth moves the session
    /// to AUTH_FAILED.
    pub fn add_auth(
        &self,
        scheme: &str,
        cert: &[u8],
        completion: Option<Box<dyn FnOnce(i32) + Send>>,
    ) -> Result<(), i32> {
        self.check_usable()?;
        let done =
            completion.map(|c| Done::Async(Box::new(move |r: OpResult| c(r.err)) as Completion));
        let mut core = lock(&self.inner.core);
        match core.session.add_auth(scheme, cert, done, Instant::now()) {
            ZOK => {
                let _ = core.write_ready();
                Ok(())
            }
            rc => Err(rc),
        }
    }

    /// `zoo_state`.
    pub fn state(&self) -> i32 {
        self.inner.shared.state.load(Ordering::SeqCst)
    }

    fn status(&self) -> Status {
        *lock(&self.inner.shared.status)
    }

    /// `zoo_client_id`: session id and password (zero before the first
    /// connection, unless one was given to resume).
    pub fn client_id(&self) -> ClientId {
        self.status().client_id
    }

    /// `zoo_recv_timeout`: the negotiated session timeout once connected,
    /// the requested one before.
    pub fn recv_timeout(&self) -> i32 {
        self.status().recv_timeout
    }

    /// `zoo_get_current_server`: the address in use or about to be tried,
    /// formatted as Apache does (`127.0.0.1:2181`, `[::1]:2181`).
    pub fn current_server(&self) -> Option<String> {
        self.status().current.map(|a| a.to_string())
    }

    /// `zookeeper_get_connected_host`: the server's address while connected.
    pub fn connected_host(&self) -> Option<SocketAddr> {
        self.status().connected
    }

    /// `is_unrecoverable`.
    pub fn is_unrecoverable(&self) -> bool {
        state::is_unrecoverable(self.state())
    }

    /// The chroot of the connection string, if any.
    pub fn chroot(&self) -> Option<&str> {
        self.inner.chroot.as_str()
    }

    /// The global watcher (`zoo_set_watcher` returns the previous one).
    pub fn watcher(&self) -> Option<Watcher> {
        self.inner.shared.global_watcher()
    }

    /// `zoo_set_watcher`: replaces the global watcher; returns the old one.
    pub fn set_watcher(&self, watcher: Option<Watcher>) -> Option<Watcher> {
        std::mem::replace(&mut *lock(&self.inner.shared.global_watcher), watcher)
    }

    /// `zoo_set_servers`: a new host list (no chroot part is used). A
    /// connection to a server no longer listed is dropped. A malformed list
    /// is ZBADARGUMENTS, one where no host resolves ZSYSTEMERROR.
    pub fn set_servers(&self, hosts: &str) -> Result<(), i32> {
        self.check_usable()?;
        let cs = hosts::parse(hosts).map_err(|_| ZBADARGUMENTS)?;
        let mut addrs = hosts::resolve(&cs.hosts).map_err(|_| ZSYSTEMERROR)?;
        hosts::permute(&mut addrs);
        self.send(Command::SetServers(addrs, cs.hosts))
    }

    /// `zoo_set_servers_resolution_delay`: host names are looked up again
    /// before a connection attempt at most once per `delay_ms` (0: every
    /// time, the default; -1: never). Less than -1 is ZBADARGUMENTS.
    pub fn set_servers_resolution_delay(&self, delay_ms: i32) -> Result<(), i32> {
        if delay_ms < -1 {
            return Err(ZBADARGUMENTS);
        }
        self.check_usable()?;
        self.send(Command::SetResolutionDelay(delay_ms))
    }

    /// `zoo_cycle_next_server`.
    pub fn cycle_next_server(&self) {
        let _ = self.send(Command::CycleNextServer);
    }

    /// `zookeeper_close`: ends the session on the server (waiting up to
    /// three seconds for it to confirm), fails what is still pending with
    /// ZCLOSING, and runs the remaining callbacks. From any other thread it
    /// returns once the handle's threads are gone; from the handle's own
    /// callback thread it returns at once and the threads finish on their
    /// own after the current callback. Later calls on the handle return
    /// ZINVALIDSTATE. Closing twice is harmless.
    pub fn close(&self) -> i32 {
        if self.inner.closed.swap(true, Ordering::SeqCst) {
            return ZOK;
        }
        let _ = self.send(Command::Close);
        let (io, callbacks) = {
            let mut t = lock(&self.inner.threads);
            (t.io.take(), t.callbacks.take())
        };
        if thread::current().id() == self.inner.callback_thread {
            // Joining ourselves would deadlock: let the threads detach.
            return ZOK;
        }
        if let Some(h) = io {
            let _ = h.join();
        }
        if let Some(h) = callbacks {
            let _ = h.join();
        }
        ZOK
    }

    /// True once `close` was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }
}
