//! Handles: creation and closing, the handle table, and the accessors of
//! `zookeeper.h` (state, client id, context, watcher, servers).
//!
//! A `zhandle_t *` is a token naming an entry of a process-wide table, not
//! an address. Every call looks its token up, so a closed handle gives
//! `ZINVALIDSTATE` instead of a use-after-free, and a handle stays alive
//! while a call on another thread is using it.

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use once_cell::sync::Lazy;
use valgrind_annotate::Annotated;
use zkrs_client::{
    set_deterministic_conn_order, Client, ClientId, ConnectOptions, LogLevel, Logger, WatchEvent,
    Watcher, WatcherId, PASSWD_LEN,
};
use zkrs_proto::errors::*;

use super::async_ops::try_rc;
use super::consts::{ZOO_NO_LOG_CLIENTENV, ZOO_READONLY};
use super::guard::{ffi_int, ffi_or, ffi_void};
use super::libc_extra::set_errno;
use super::log;
use super::types::{clientid_t, log_callback_fn, watcher_fn, zhandle_t};

/// What callbacks need of a handle; shared with the engine's closures, so
/// it must not own the engine's `Client` (that would be a cycle).
pub(crate) struct HandleCtx {
    pub(crate) token: usize,
    context: AtomicPtr<c_void>,
    /// The global watcher's function pointer (0: none).
    watcher: AtomicUsize,
    /// The handle's log callback's function pointer (0: none).
    log_callback: AtomicUsize,
    /// Set once zookeeper_init has entered the handle in the table.
    published: AtomicBool,
}

impl HandleCtx {
    fn new(
        token: usize,
        context: *mut c_void,
        watcher: watcher_fn,
        log: log_callback_fn,
    ) -> Arc<HandleCtx> {
        let ctx = Arc::new(HandleCtx {
            token,
            context: AtomicPtr::new(context),
            watcher: AtomicUsize::new(watcher.map_or(0, |f| f as usize)),
            log_callback: AtomicUsize::new(log.map_or(0, |f| f as usize)),
            published: AtomicBool::new(false),
        });
        // Where they end up, not before the move into the Arc.
        valgrind_annotate::atomic_var(&ctx.context);
        valgrind_annotate::atomic_var(&ctx.watcher);
        valgrind_annotate::atomic_var(&ctx.log_callback);
        valgrind_annotate::atomic_var(&ctx.published);
        ctx
    }

    fn publish(&self) {
        valgrind_annotate::happens_before(&self.published);
        self.published.store(true, Ordering::Release);
    }

    /// Session events may reach the global watcher before zookeeper_init
    /// has entered the handle in the table, and the watcher may use the
    /// handle it is given at once (Apache's handle is valid from the
    /// start), so delivery waits for that, which takes microseconds.
    fn wait_published(&self) {
        while !self.published.load(Ordering::Acquire) {
            std::thread::yield_now();
        }
        valgrind_annotate::happens_after(&self.published);
    }

    pub(crate) fn zh(&self) -> *mut zhandle_t {
        self.token as *mut zhandle_t
    }

    pub(crate) fn context(&self) -> *mut c_void {
        self.context.load(Ordering::Acquire)
    }

    pub(crate) fn watcher(&self) -> watcher_fn {
        let f = self.watcher.load(Ordering::Acquire);
        // SAFETY: only ever stored from a `watcher_fn`.
        unsafe { std::mem::transmute::<usize, watcher_fn>(f) }
    }

    fn set_watcher(&self, f: watcher_fn) -> watcher_fn {
        let old = self
            .watcher
            .swap(f.map_or(0, |f| f as usize), Ordering::AcqRel);
        // SAFETY: only ever stored from a `watcher_fn`.
        unsafe { std::mem::transmute::<usize, watcher_fn>(old) }
    }

    pub(crate) fn log_callback(&self) -> log_callback_fn {
        let f = self.log_callback.load(Ordering::Acquire);
        // SAFETY: only ever stored from a `log_callback_fn`.
        unsafe { std::mem::transmute::<usize, log_callback_fn>(f) }
    }

    pub(crate) fn set_log_callback(&self, f: log_callback_fn) {
        self.log_callback
            .store(f.map_or(0, |f| f as usize), Ordering::Release);
    }

    /// Logs a line at `level` through the handle's callback or the stream,
    /// when `logLevel` lets it through.
    pub(crate) fn log(&self, level: LogLevel, func: &str, msg: &str) {
        log_line(self.log_callback(), level, func, msg);
    }

    /// A watcher calling `f` with `ctx`, identified by both as in Apache.
    pub(crate) fn c_watcher(self: &Arc<Self>, f: watcher_fn, ctx: *mut c_void) -> Watcher {
        let me = self.clone();
        let ctx = ctx as usize;
        Watcher::new(
            WatcherId(f.map_or(0, |f| f as usize), ctx),
            move |ev: &WatchEvent| {
                if let Some(f) = f {
                    deliver(f, me.zh(), ev, ctx as *mut c_void);
                }
            },
        )
    }

    /// The engine's global watcher: calls the current global watcher
    /// function with the current context. Its identity is that pair, so a
    /// session event reaches it once even where `watch = 1` calls
    /// registered the same pair, as in Apache; `zoo_set_watcher` and
    /// `zoo_set_context` therefore install a fresh one.
    pub(crate) fn global_watcher(self: &Arc<Self>) -> Watcher {
        let me = self.clone();
        let id = WatcherId(
            self.watcher().map_or(0, |f| f as usize),
            self.context() as usize,
        );
        Watcher::new(id, move |ev: &WatchEvent| {
            me.wait_published();
            if let Some(f) = me.watcher() {
                deliver(f, me.zh(), ev, me.context());
            }
        })
    }

    /// The watcher a `watch = 1` call registers: the global watcher and the
    /// context as they are now.
    pub(crate) fn default_watcher(self: &Arc<Self>) -> Watcher {
        self.c_watcher(self.watcher(), self.context())
    }
}

/// Calls a C watcher with an event.
fn deliver(
    f: unsafe extern "C" fn(*mut zhandle_t, c_int, c_int, *const c_char, *mut c_void),
    zh: *mut zhandle_t,
    ev: &WatchEvent,
    ctx: *mut c_void,
) {
    let path = CString::new(ev.path.as_str()).unwrap_or_default();
    // SAFETY: a watcher the application registered, called as documented.
    unsafe { f(zh, ev.event_type, ev.state, path.as_ptr(), ctx) }
}

fn log_line(cb: log_callback_fn, level: LogLevel, func: &str, msg: &str) {
    if (level as i32) <= log::level() {
        log::emit(cb, level as c_int, func, 0, msg.as_bytes());
    }
}

pub(crate) struct Handle {
    pub(crate) ctx: Arc<HandleCtx>,
    pub(crate) client: Client,
    /// What `zoo_client_id` points to; refreshed on each call.
    client_id: Mutex<Box<clientid_t>>,
}

/// A shared reference to a handle. Calls on other threads may hold one
/// while the handle is closed, so the last owner, which frees it, may be
/// any thread: its reference count is shown to valgrind's thread checkers.
pub(crate) type HandleRef = valgrind_annotate::Arc<Handle>;

struct Table {
    handles: HashMap<usize, HandleRef>,
}

static TABLE: Lazy<RwLock<Table>> = Lazy::new(|| {
    RwLock::new(Table {
        handles: HashMap::new(),
    })
});

// The table's and the client id slot's locks, shown to valgrind's thread
// checkers, which cannot see futex-based locks on their own.
fn table_read() -> Annotated<RwLockReadGuard<'static, Table>> {
    Annotated::acquire(&*TABLE, || TABLE.read().unwrap_or_else(|e| e.into_inner()))
}

fn table_write() -> Annotated<RwLockWriteGuard<'static, Table>> {
    Annotated::acquire(&*TABLE, || TABLE.write().unwrap_or_else(|e| e.into_inner()))
}

fn lock<T>(m: &Mutex<T>) -> Annotated<MutexGuard<'_, T>> {
    Annotated::acquire(m, || m.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Tokens are spaced and aligned like allocations so that they look like
/// the pointers C code expects, and are never reused.
const TOKEN_BASE: usize = 0x5a4b_0000_0000;
const TOKEN_STEP: usize = 0x40;
static NEXT_TOKEN: AtomicUsize = AtomicUsize::new(0);

fn was_issued(token: usize) -> bool {
    token >= TOKEN_BASE
        && (token - TOKEN_BASE).is_multiple_of(TOKEN_STEP)
        && (token - TOKEN_BASE) / TOKEN_STEP < NEXT_TOKEN.load(Ordering::Acquire)
}

/// The live handle behind `zh`, or the error Apache gives for it: NULL is
/// `ZBADARGUMENTS`, a closed handle `ZINVALIDSTATE`.
pub(crate) fn lookup(zh: *const zhandle_t) -> Result<HandleRef, c_int> {
    if zh.is_null() {
        return Err(ZBADARGUMENTS);
    }
    let token = zh as usize;
    let table = table_read();
    match table.handles.get(&token) {
        Some(h) => Ok(h.clone()),
        None => Err(absent(token)),
    }
}

/// Apache's error for a handle that is not open: `ZINVALIDSTATE` for one
/// that was (it has been closed), `ZBADARGUMENTS` for anything else.
fn absent(token: usize) -> c_int {
    if was_issued(token) {
        ZINVALIDSTATE
    } else {
        ZBADARGUMENTS
    }
}

/// Runs `f` on the live handle `zh`.
pub(crate) fn with_handle<R>(
    zh: *const zhandle_t,
    f: impl FnOnce(&Handle) -> R,
) -> Result<R, c_int> {
    lookup(zh).map(|h| f(&h))
}

/// Reads a C string argument; NULL or invalid UTF-8 is `None`.
pub(crate) fn c_str<'a>(s: *const c_char) -> Option<&'a str> {
    if s.is_null() {
        return None;
    }
    // SAFETY: the caller passes a NUL-terminated string, as the API requires.
    unsafe { CStr::from_ptr(s) }.to_str().ok()
}

fn log_env(cb: log_callback_fn) {
    let info = |k: &str, v: &str| {
        log_line(
            cb,
            LogLevel::Info,
            "log_env",
            &format!("Client environment:{k}={v}"),
        )
    };
    info("zookeeper.version", "zookeeper C client 3.8.0");
    // SAFETY: uname fills a local struct.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } == 0 {
        let field = |f: &[c_char]| {
            // SAFETY: uname NUL-terminates its fields.
            unsafe { CStr::from_ptr(f.as_ptr()) }
                .to_string_lossy()
                .into_owned()
        };
        info("host.name", &field(&u.nodename));
        info("os.name", &field(&u.sysname));
        info("os.arch", &field(&u.release));
        info("os.version", &field(&u.version));
    }
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| "(null)".into());
    info("user.name", &env("USER"));
    info("user.home", &env("HOME"));
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "(null)".into());
    info("user.dir", &cwd);
}

/// A pointer as C's `%p` prints it.
fn c_pointer(p: usize) -> String {
    if p == 0 {
        "(nil)".into()
    } else {
        format!("{p:#x}")
    }
}

/// A number as C's `%#llx` prints it (no prefix for 0).
fn c_hex(v: i64) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

#[allow(clippy::too_many_arguments)]
fn init(
    host: *const c_char,
    watcher: watcher_fn,
    recv_timeout: c_int,
    clientid: *const clientid_t,
    context: *mut c_void,
    flags: c_int,
    log_callback: log_callback_fn,
) -> *mut zhandle_t {
    if flags & ZOO_NO_LOG_CLIENTENV == 0 {
        log_env(log_callback);
    }
    // SAFETY: a non-NULL clientid points to a clientid_t, as documented.
    let resume = unsafe { clientid.as_ref() }.copied();
    log_line(
        log_callback,
        LogLevel::Info,
        "zookeeper_init_internal",
        &format!(
            "Initiating client connection, host={} sessionTimeout={} watcher={} sessionId={} sessionPasswd={} context={} flags={}",
            c_str(host).unwrap_or("(null)"),
            recv_timeout,
            c_pointer(watcher.map_or(0, |f| f as usize)),
            c_hex(resume.map_or(0, |c| c.client_id)),
            if resume.is_some_and(|c| c.passwd[0] != 0) { "<hidden>" } else { "<null>" },
            c_pointer(context as usize),
            flags
        ),
    );
    let hosts = match c_str(host) {
        Some(h) if !h.is_empty() => h.to_string(),
        _ => {
            set_errno(libc::EINVAL);
            return std::ptr::null_mut();
        }
    };
    let token = TOKEN_BASE + NEXT_TOKEN.fetch_add(1, Ordering::AcqRel) * TOKEN_STEP;
    let ctx = HandleCtx::new(token, context, watcher, log_callback);
    let global = ctx.global_watcher();
    let logger: Logger = {
        let ctx = ctx.clone();
        Arc::new(move |level, func, args| {
            if (level as i32) <= log::level() {
                ctx.log(level, func, &args.to_string());
            }
        })
    };
    let client_id = resume.map(|c| {
        let mut passwd = [0u8; PASSWD_LEN];
        for (d, s) in passwd.iter_mut().zip(c.passwd.iter()) {
            *d = *s as u8;
        }
        ClientId {
            session_id: c.client_id,
            passwd,
        }
    });
    let opts = ConnectOptions {
        hosts,
        timeout_ms: recv_timeout,
        client_id,
        read_only: flags & ZOO_READONLY != 0,
        logger: Some(logger),
    };
    let client = match Client::connect(opts, Some(global)) {
        Ok(c) => c,
        Err(e) => {
            ctx.log(
                LogLevel::Error,
                "zookeeper_init_internal",
                &format!("cannot start the client: {e}"),
            );
            set_errno(e.errno());
            return std::ptr::null_mut();
        }
    };
    let handle = HandleRef::new(Handle {
        ctx,
        client,
        client_id: Mutex::new(Box::new(resume.unwrap_or_default())),
    });
    let ctx = handle.ctx.clone();
    table_write().handles.insert(token, handle);
    ctx.publish();
    token as *mut zhandle_t
}

/// Creates a handle and starts connecting to `host`
/// (`host:port[,host:port...][/chroot]`). Returns NULL with errno set when
/// the host string is unusable.
#[no_mangle]
pub unsafe extern "C" fn zookeeper_init(
    host: *const c_char,
    r#fn: watcher_fn,
    recv_timeout: c_int,
    clientid: *const clientid_t,
    context: *mut c_void,
    flags: c_int,
) -> *mut zhandle_t {
    ffi_or(std::ptr::null_mut(), || {
        init(host, r#fn, recv_timeout, clientid, context, flags, None)
    })
}

/// `zookeeper_init` with a log callback for the handle.
#[no_mangle]
pub unsafe extern "C" fn zookeeper_init2(
    host: *const c_char,
    r#fn: watcher_fn,
    recv_timeout: c_int,
    clientid: *const clientid_t,
    context: *mut c_void,
    flags: c_int,
    log_callback: log_callback_fn,
) -> *mut zhandle_t {
    ffi_or(std::ptr::null_mut(), || {
        init(
            host,
            r#fn,
            recv_timeout,
            clientid,
            context,
            flags,
            log_callback,
        )
    })
}

/// Ends the session and frees the handle. Pending requests complete with
/// ZCLOSING. Safe from any thread, including inside a callback.
#[no_mangle]
pub unsafe extern "C" fn zookeeper_close(zh: *mut zhandle_t) -> c_int {
    ffi_int(|| {
        if zh.is_null() {
            return ZBADARGUMENTS;
        }
        let handle = {
            let mut table = table_write();
            match table.handles.remove(&(zh as usize)) {
                Some(h) => h,
                None => return absent(zh as usize),
            }
        };
        let session = handle.client.client_id().session_id;
        let rc = handle.client.close();
        handle.ctx.log(
            LogLevel::Info,
            "zookeeper_close",
            &format!(
                "Freeing zookeeper resources for sessionId={}",
                c_hex(session)
            ),
        );
        rc
    })
}

/// The session state (`ZOO_CONNECTED_STATE`, ...); 0 for NULL or closed.
#[no_mangle]
pub unsafe extern "C" fn zoo_state(zh: *mut zhandle_t) -> c_int {
    ffi_or(0, || with_handle(zh, |h| h.client.state()).unwrap_or(0))
}

/// The session's id and password; valid while the handle is open.
#[no_mangle]
pub unsafe extern "C" fn zoo_client_id(zh: *mut zhandle_t) -> *const clientid_t {
    ffi_or(std::ptr::null(), || {
        with_handle(zh, |h| {
            let id = h.client.client_id();
            let mut fresh = clientid_t {
                client_id: id.session_id,
                ..Default::default()
            };
            for (d, s) in fresh.passwd.iter_mut().zip(id.passwd.iter()) {
                *d = *s as c_char;
            }
            let mut slot = lock(&h.client_id);
            // Other threads may be reading the slot through pointers this
            // function returned: write it only when the session changed.
            if slot.client_id != fresh.client_id || slot.passwd != fresh.passwd {
                **slot = fresh;
            }
            &**slot as *const clientid_t
        })
        .unwrap_or(std::ptr::null())
    })
}

/// The negotiated session timeout (the requested one before connecting).
#[no_mangle]
pub unsafe extern "C" fn zoo_recv_timeout(zh: *mut zhandle_t) -> c_int {
    ffi_or(0, || {
        with_handle(zh, |h| h.client.recv_timeout()).unwrap_or(0)
    })
}

/// The context given to zookeeper_init or zoo_set_context.
#[no_mangle]
pub unsafe extern "C" fn zoo_get_context(zh: *mut zhandle_t) -> *const c_void {
    ffi_or(std::ptr::null(), || {
        with_handle(zh, |h| h.ctx.context() as *const c_void).unwrap_or(std::ptr::null())
    })
}

/// Sets the context passed to the global watcher.
#[no_mangle]
pub unsafe extern "C" fn zoo_set_context(zh: *mut zhandle_t, context: *mut c_void) {
    ffi_void(|| {
        let _ = with_handle(zh, |h| {
            h.ctx.context.store(context, Ordering::Release);
            h.client.set_watcher(Some(h.ctx.global_watcher()));
        });
    })
}

/// Replaces the global watcher; returns the previous one.
#[no_mangle]
pub unsafe extern "C" fn zoo_set_watcher(zh: *mut zhandle_t, newFn: watcher_fn) -> watcher_fn {
    ffi_or(None, || {
        with_handle(zh, |h| {
            let old = h.ctx.set_watcher(newFn);
            h.client.set_watcher(Some(h.ctx.global_watcher()));
            old
        })
        .unwrap_or(None)
    })
}

/// Copies the connected server's address into `addr`; NULL when not
/// connected or when `addr`/`addr_len` are unusable.
#[no_mangle]
pub unsafe extern "C" fn zookeeper_get_connected_host(
    zh: *mut zhandle_t,
    addr: *mut libc::sockaddr,
    addr_len: *mut libc::socklen_t,
) -> *mut libc::sockaddr {
    ffi_or(std::ptr::null_mut(), || {
        if addr.is_null() || addr_len.is_null() {
            return std::ptr::null_mut();
        }
        let Ok(Some(sa)) = with_handle(zh, |h| {
            if h.client.state() == zkrs_client::state::CONNECTED {
                h.client.connected_host()
            } else {
                None
            }
        }) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `addr` has room for `*addr_len` bytes, as documented.
        unsafe { super::alloc::write_sockaddr(sa, addr, addr_len) }
    })
}

thread_local! {
    static CURRENT_SERVER: std::cell::RefCell<CString> = std::cell::RefCell::new(CString::default());
}

/// The server in use or about to be tried (`host:port`), in a buffer of
/// the calling thread that the next call on it overwrites.
#[no_mangle]
pub unsafe extern "C" fn zoo_get_current_server(zh: *mut zhandle_t) -> *const c_char {
    ffi_or(std::ptr::null(), || {
        let text = with_handle(zh, |h| h.client.current_server())
            .ok()
            .flatten()
            .unwrap_or_else(|| "unknown".to_string());
        CURRENT_SERVER.with(|c| {
            *c.borrow_mut() = CString::new(text).unwrap_or_default();
            c.borrow().as_ptr()
        })
    })
}

/// Replaces the server list (`host:port,...`).
#[no_mangle]
pub unsafe extern "C" fn zoo_set_servers(zh: *mut zhandle_t, hosts: *const c_char) -> c_int {
    ffi_int(|| {
        let h = try_rc!(lookup(zh));
        let Some(hosts) = c_str(hosts) else {
            h.ctx.log(
                LogLevel::Error,
                "zoo_set_servers",
                "New server list cannot be empty",
            );
            return ZBADARGUMENTS;
        };
        match h.client.set_servers(hosts) {
            Ok(()) => ZOK,
            Err(rc) => rc,
        }
    })
}

/// How often host names are resolved again (ms; 0 every time, -1 never).
#[no_mangle]
pub unsafe extern "C" fn zoo_set_servers_resolution_delay(
    zh: *mut zhandle_t,
    delay_ms: c_int,
) -> c_int {
    ffi_int(|| {
        let h = try_rc!(lookup(zh));
        if delay_ms < -1 {
            h.ctx.log(
                LogLevel::Error,
                "zoo_set_servers_resolution_delay",
                &format!("Resolution delay cannot be {delay_ms}"),
            );
            return ZBADARGUMENTS;
        }
        match h.client.set_servers_resolution_delay(delay_ms) {
            Ok(()) => ZOK,
            Err(rc) => rc,
        }
    })
}

/// Moves on to the next server of the list.
#[no_mangle]
pub unsafe extern "C" fn zoo_cycle_next_server(zh: *mut zhandle_t) {
    ffi_void(|| {
        let _ = with_handle(zh, |h| h.client.cycle_next_server());
    })
}

/// Non-zero: try servers in the order given instead of shuffled.
#[no_mangle]
pub extern "C" fn zoo_deterministic_conn_order(yesOrNo: c_int) {
    ffi_void(|| set_deterministic_conn_order(yesOrNo != 0))
}

/// `ZINVALIDSTATE` when the session expired or failed authentication,
/// `ZOK` otherwise (and for NULL or closed handles, `ZINVALIDSTATE`).
#[no_mangle]
pub unsafe extern "C" fn is_unrecoverable(zh: *mut zhandle_t) -> c_int {
    ffi_int(|| match lookup(zh) {
        Ok(h) if h.client.is_unrecoverable() => ZINVALIDSTATE,
        Ok(_) => ZOK,
        Err(_) => ZINVALIDSTATE,
    })
}

/// Adds an authentication (`scheme`, `cert`) to the session, now and after
/// every reconnect; `completion` gets the server's answer.
#[no_mangle]
pub unsafe extern "C" fn zoo_add_auth(
    zh: *mut zhandle_t,
    scheme: *const c_char,
    cert: *const c_char,
    certLen: c_int,
    completion: super::types::void_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let h = try_rc!(lookup(zh));
        let Some(scheme) = c_str(scheme) else {
            return ZBADARGUMENTS;
        };
        if h.client.is_unrecoverable() || h.client.state() == 0 {
            return ZINVALIDSTATE;
        }
        // As in Apache, a NULL cert or a zero length is an empty one.
        let cert = if cert.is_null() || certLen == 0 {
            Vec::new()
        } else {
            match super::alloc::bytes_arg(cert, certLen) {
                Ok(b) => b.unwrap_or_default(),
                Err(rc) => return rc,
            }
        };
        let done = completion.map(|f| {
            let data = super::completions::SendPtr(data as usize);
            Box::new(move |rc: i32| {
                // SAFETY: the application's completion, called once.
                unsafe { f(rc, data.get()) }
            }) as Box<dyn FnOnce(i32) + Send>
        });
        match h.client.add_auth(scheme, &cert, done) {
            Ok(()) => ZOK,
            Err(rc) => rc,
        }
    })
}

/// Kept for compatibility: the auth list is internally synchronised, so
/// there is nothing for callers to lock.
#[no_mangle]
pub unsafe extern "C" fn zoo_lock_auth(zh: *mut zhandle_t) -> c_int {
    ffi_int(|| lookup(zh).map_or_else(|rc| rc, |_| ZOK))
}

/// Counterpart of [`zoo_lock_auth`].
#[no_mangle]
pub unsafe extern "C" fn zoo_unlock_auth(zh: *mut zhandle_t) -> c_int {
    ffi_int(|| lookup(zh).map_or_else(|rc| rc, |_| ZOK))
}
