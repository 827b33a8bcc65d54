//! Helpers shared by the client's integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver};
use testkit::ApacheZk;
use zkrs_client::*;
use zkrs_proto::errors::ZOK;

/// One Apache server shared by the tests of a binary that run at the same
/// time; it stops when the last of them drops its handle.
pub fn shared_apache() -> Arc<ApacheZk> {
    static SHARED: Mutex<Weak<ApacheZk>> = Mutex::new(Weak::new());
    let mut g = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = g.upgrade() {
        return s;
    }
    let s = Arc::new(ApacheZk::start());
    *g = Arc::downgrade(&s);
    s
}

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub use zkrs_proto::records::open_acl_unsafe;

/// A global watcher that forwards every event to the returned channel.
pub fn channel_watcher() -> (Watcher, Receiver<WatchEvent>) {
    let (tx, rx) = unbounded();
    let w = Watcher::from_fn(move |e| {
        let _ = tx.send(e.clone());
    });
    (w, rx)
}

pub fn options(hosts: &str) -> ConnectOptions {
    ConnectOptions {
        hosts: hosts.to_string(),
        timeout_ms: 10_000,
        ..Default::default()
    }
}

/// Connects and waits for the CONNECTED session event.
pub fn connect_with(opts: ConnectOptions) -> (Client, Receiver<WatchEvent>) {
    let (w, rx) = channel_watcher();
    let c = Client::connect(opts, Some(w)).expect("connect");
    let ev = rx.recv_timeout(TIMEOUT).expect("no session event");
    assert_eq!(ev.event_type, SESSION_EVENT);
    assert_eq!(ev.state, state::CONNECTED, "{ev:?}");
    assert_eq!(c.state(), state::CONNECTED);
    (c, rx)
}

pub fn connect(hosts: &str) -> (Client, Receiver<WatchEvent>) {
    connect_with(options(hosts))
}

pub fn wait_for_state(c: &Client, want: i32, within: Duration) -> bool {
    let end = Instant::now() + within;
    while Instant::now() < end {
        if c.state() == want {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

pub fn create(c: &Client, path: &str, data: &[u8]) -> OpResult {
    c.call(
        Op::Create {
            path: path.into(),
            data: Some(data.to_vec()),
            acl: open_acl_unsafe(),
            mode: 0,
            ttl: -1,
            with_stat: false,
        },
        None,
    )
}

pub fn create_ok(c: &Client, path: &str, data: &[u8]) {
    let r = create(c, path, data);
    assert_eq!(r.err, ZOK, "create {path}: {r:?}");
}

pub fn get(c: &Client, path: &str, watcher: Option<Watcher>) -> OpResult {
    c.call(Op::GetData { path: path.into() }, watcher)
}

pub fn set(c: &Client, path: &str, data: &[u8]) -> OpResult {
    c.call(
        Op::SetData {
            path: path.into(),
            data: Some(data.to_vec()),
            version: -1,
        },
        None,
    )
}

pub fn delete(c: &Client, path: &str) -> OpResult {
    c.call(
        Op::Delete {
            path: path.into(),
            version: -1,
        },
        None,
    )
}

/// A unique node name for a test.
pub fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "/t-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Drains events that arrive within `d`.
pub fn drain(rx: &Receiver<WatchEvent>, d: Duration) -> Vec<WatchEvent> {
    let end = Instant::now() + d;
    let mut v = Vec::new();
    while let Ok(e) = rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
        v.push(e);
    }
    v
}
