//! The values that cross the engine's public API: session states, client
//! ids, watch events and watchers, operations and their results.

use std::fmt;
use std::sync::Arc;

use zkrs_proto::records::{Acl, Stat};
use zkrs_proto::request::{MultiOp, MultiResult};

/// Session states, with the values of the C client's `ZOO_*_STATE` constants.
pub mod state {
    /// The handle is closed, or a connection attempt just failed and the
    /// next one has not started yet (Apache reports 0 then as well).
    pub const CLOSED: i32 = 0;
    pub const CONNECTING: i32 = 1;
    pub const ASSOCIATING: i32 = 2;
    pub const CONNECTED: i32 = 3;
    pub const READONLY: i32 = 5;
    pub const NOTCONNECTED: i32 = 999;
    pub const EXPIRED_SESSION: i32 = -112;
    pub const AUTH_FAILED: i32 = -113;

    /// True for the states a session never leaves (`is_unrecoverable`).
    pub fn is_unrecoverable(state: i32) -> bool {
        state == EXPIRED_SESSION || state == AUTH_FAILED
    }

    /// True when requests can be answered (`ZOO_CONNECTED_STATE` or `ZOO_READONLY_STATE`).
    pub fn is_connected(state: i32) -> bool {
        state == CONNECTED || state == READONLY
    }
}

/// The event type of session events (`ZOO_SESSION_EVENT`).
pub const SESSION_EVENT: i32 = -1;

/// Length of a session password.
pub const PASSWD_LEN: usize = 16;

/// A session's identity: what `zoo_client_id` returns and what
/// `zookeeper_init` accepts to resume a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientId {
    pub session_id: i64,
    pub passwd: [u8; PASSWD_LEN],
}

/// A watch notification or a session event, with the path already relative
/// to the chroot. Session events have type [`SESSION_EVENT`] and path "".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEvent {
    pub event_type: i32,
    pub state: i32,
    pub path: String,
}

/// Identifies a watcher the way the C client does: by its function pointer
/// and context pointer. Two registrations with the same id are one watcher
/// (it is called once per event), and `remove_watches` matches by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WatcherId(pub usize, pub usize);

/// Called with each event a watcher receives, on the handle's callback thread.
pub type WatchFn = dyn Fn(&WatchEvent) + Send + Sync;

/// A watcher: an identity and the function to call.
#[derive(Clone)]
pub struct Watcher {
    id: WatcherId,
    func: Arc<WatchFn>,
}

impl Watcher {
    /// A watcher with an explicit identity (the C layer passes `(fn, ctx)`).
    pub fn new(id: WatcherId, func: impl Fn(&WatchEvent) + Send + Sync + 'static) -> Watcher {
        Watcher {
            id,
            func: Arc::new(func),
        }
    }

    /// A watcher whose identity is its own allocation: distinct from every
    /// other watcher, equal to its clones.
    pub fn from_fn(func: impl Fn(&WatchEvent) + Send + Sync + 'static) -> Watcher {
        let func: Arc<WatchFn> = Arc::new(func);
        let id = WatcherId(Arc::as_ptr(&func) as *const () as usize, 0);
        Watcher { id, func }
    }

    pub fn id(&self) -> WatcherId {
        self.id
    }

    pub fn notify(&self, event: &WatchEvent) {
        (self.func)(event)
    }
}

impl fmt::Debug for Watcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Watcher({:#x}, {:#x})", self.id.0, self.id.1)
    }
}

/// An operation, with paths as the application sees them (relative to the
/// chroot). Whether a read sets a watch is decided by the watcher passed
/// along with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `mode` is a `ZOO_*` create mode; `ttl` is used only by the TTL modes
    /// (Apache passes -1 otherwise). `with_stat` selects create2 (the reply
    /// carries the node's stat).
    Create {
        path: String,
        data: Option<Vec<u8>>,
        acl: Vec<Acl>,
        mode: i32,
        ttl: i64,
        with_stat: bool,
    },
    Delete {
        path: String,
        version: i32,
    },
    Exists {
        path: String,
    },
    GetData {
        path: String,
    },
    SetData {
        path: String,
        data: Option<Vec<u8>>,
        version: i32,
    },
    GetAcl {
        path: String,
    },
    SetAcl {
        path: String,
        version: i32,
        acl: Vec<Acl>,
    },
    /// getChildren, or getChildren2 when `with_stat`.
    GetChildren {
        path: String,
        with_stat: bool,
    },
    /// `zoo_async`: flushes the leader channel for `path`.
    Sync {
        path: String,
    },
    /// The ops' paths are relative to the chroot too.
    Multi(Vec<MultiOp>),
    /// Reads `/zookeeper/config` (never chrooted, as in Apache).
    GetConfig,
    /// `None` sends an empty string, as Apache does for NULL arguments.
    Reconfig {
        joining: Option<String>,
        leaving: Option<String>,
        members: Option<String>,
        version: i64,
    },
    /// `zoo_remove_watches` (`all == false`: only the watcher `watcher`,
    /// CHECK_WATCHES on the wire) or `zoo_remove_all_watches` (`all`,
    /// REMOVE_WATCHES). `local` removes them here without asking the server.
    RemoveWatches {
        path: String,
        watcher_type: i32,
        watcher: Option<WatcherId>,
        local: bool,
        all: bool,
    },
}

/// What a successful (or, for multi, failed) operation returns. Paths are
/// relative to the chroot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Response {
    /// Errors, delete, remove_watches, auth.
    #[default]
    Empty,
    /// exists, set, set_acl.
    Stat(Stat),
    /// get, getconfig.
    Data {
        data: Option<Vec<u8>>,
        stat: Stat,
    },
    /// get_children (`stat` is `None`) and get_children2.
    Children {
        children: Vec<String>,
        stat: Option<Stat>,
    },
    /// create (`stat` is `None`), create2, and sync (the synced path).
    Path {
        path: String,
        stat: Option<Stat>,
    },
    Acl {
        acl: Vec<Acl>,
        stat: Stat,
    },
    /// One result per op; present when the multi failed as well.
    Multi(Vec<MultiResult>),
}

/// The outcome of an operation: a `Z*` error code (`ZOK` on success) and
/// what came back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpResult {
    pub err: i32,
    pub response: Response,
}

impl OpResult {
    pub fn error(err: i32) -> OpResult {
        OpResult {
            err,
            response: Response::Empty,
        }
    }
}

/// An asynchronous completion: runs on the handle's callback thread, in
/// request order, interleaved with watch events in wire order.
pub type Completion = Box<dyn FnOnce(OpResult) + Send>;

/// Log levels, numbered as `ZooLogLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

/// Receives the engine's log messages: level, the function they come
/// from, the message. The C layer formats and filters them.
pub type Logger = Arc<dyn Fn(LogLevel, &'static str, &fmt::Arguments<'_>) + Send + Sync>;
