//! Reconnection and expiry against Debian's Apache ZooKeeper 3.8, each test
//! with a server of its own (they stop and restart it).

mod common;

use std::time::Duration;

use common::*;
use crossbeam_channel::unbounded;
use testkit::ApacheZk;
use zkrs_client::*;
use zkrs_proto::consts::event_type;
use zkrs_proto::errors::*;

#[test]
fn reconnects_to_the_same_session_and_keeps_watches_and_auth() {
    let mut zk = ApacheZk::start();
    let (c, events) = connect(&zk.connect_string());
    let (auth_tx, auth_rx) = unbounded();
    c.add_auth(
        "digest",
        b"bob:pw",
        Some(Box::new(move |rc| auth_tx.send(rc).unwrap())),
    )
    .unwrap();
    assert_eq!(auth_rx.recv_timeout(TIMEOUT).unwrap(), ZOK);
    let p = "/restart";
    create_ok(&c, p, b"");
    let id = c.client_id();
    let (w, wrx) = channel_watcher();
    assert_eq!(get(&c, p, Some(w.clone())).err, ZOK);
    assert_eq!(
        c.call(
            Op::Exists {
                path: "/later".into()
            },
            Some(w)
        )
        .err,
        ZNONODE
    );

    zk.stop();
    let ev = events.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(
        (ev.event_type, ev.state),
        (SESSION_EVENT, state::CONNECTING)
    );
    // Per-call watchers hear about the session too, as in Apache.
    assert_eq!(wrx.recv_timeout(TIMEOUT).unwrap().state, state::CONNECTING);
    // Requests made while disconnected fail once the attempt fails.
    let r = c.call(Op::Exists { path: "/".into() }, None);
    assert!(
        r.err == ZCONNECTIONLOSS || r.err == ZOPERATIONTIMEOUT,
        "{r:?}"
    );
    zk.restart();
    let ev = events.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!((ev.event_type, ev.state), (SESSION_EVENT, state::CONNECTED));
    assert_eq!(wrx.recv_timeout(TIMEOUT).unwrap().state, state::CONNECTED);
    assert_eq!(c.client_id(), id, "same session after reconnect");

    // Both watches were re-registered with setWatches.
    let (plain, _g) = connect(&zk.connect_string());
    set(&plain, p, b"changed");
    let ev = wrx.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (event_type::NODE_DATA_CHANGED, p)
    );
    create_ok(&plain, "/later", b"");
    let ev = wrx.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (event_type::NODE_CREATED, "/later")
    );

    // Auth was re-sent: a node only bob may read stays readable.
    let bob_only = vec![Acl::new(31, "auth", "")];
    let r = c.call(
        Op::Create {
            path: "/bob".into(),
            data: None,
            acl: bob_only,
            mode: 0,
            ttl: -1,
            with_stat: false,
        },
        None,
    );
    assert_eq!(r.err, ZOK);
    assert_eq!(get(&plain, "/bob", None).err, ZNOAUTH);
    assert_eq!(get(&c, "/bob", None).err, ZOK);
    plain.close();
    c.close();
}

#[test]
fn change_made_while_disconnected_fires_the_watch_on_reconnect() {
    let zk = ApacheZk::start();
    let (c, events) = connect(&zk.connect_string());
    create_ok(&c, "/w", b"");
    let (w, wrx) = channel_watcher();
    get(&c, "/w", Some(w));
    // Point the handle at a dead port: it drops its connection.
    let dead = format!("127.0.0.1:{}", testkit::free_port());
    c.set_servers(&dead).unwrap();
    assert_eq!(
        events.recv_timeout(TIMEOUT).unwrap().state,
        state::CONNECTING
    );
    assert_eq!(wrx.recv_timeout(TIMEOUT).unwrap().state, state::CONNECTING);
    assert_eq!(c.current_server().unwrap(), dead);
    let (other, _g) = connect(&zk.connect_string());
    set(&other, "/w", b"new");
    // Back to the real server: setWatches carries the last zxid seen, so
    // the server reports the change that happened in between.
    c.set_servers(&zk.connect_string()).unwrap();
    assert_eq!(
        events.recv_timeout(TIMEOUT).unwrap().state,
        state::CONNECTED
    );
    let evs = drain(&wrx, Duration::from_millis(500));
    assert!(
        evs.iter()
            .any(|e| e.event_type == event_type::NODE_DATA_CHANGED && e.path == "/w"),
        "{evs:?}"
    );
    assert_eq!(c.set_servers("bad"), Err(ZBADARGUMENTS));
    assert_eq!(c.set_servers("no-such-host.invalid:1"), Err(ZSYSTEMERROR));
    other.close();
    c.close();
}

#[test]
fn session_expiry_fails_pending_work_and_notifies_watchers() {
    let zk = ApacheZk::start();
    let (c, events) = connect(&zk.connect_string());
    create_ok(&c, "/exp", b"");
    let (w, wrx) = channel_watcher();
    get(&c, "/exp", Some(w));
    // Another handle on the same session ends it; `c` is then told on
    // its next connection that the session expired.
    let mut opts = options(&zk.connect_string());
    opts.client_id = Some(c.client_id());
    let (twin, _g) = connect_with(opts);
    twin.close();
    let mut seen = Vec::new();
    while let Ok(ev) = events.recv_timeout(Duration::from_secs(20)) {
        seen.push(ev.state);
        if ev.state == state::EXPIRED_SESSION {
            break;
        }
    }
    assert_eq!(seen.last(), Some(&state::EXPIRED_SESSION), "{seen:?}");
    assert_eq!(c.state(), state::EXPIRED_SESSION);
    let wseen: Vec<i32> = drain(&wrx, Duration::from_millis(200))
        .iter()
        .map(|e| e.state)
        .collect();
    assert_eq!(wseen.last(), Some(&state::EXPIRED_SESSION), "{wseen:?}");
    assert_eq!(
        c.call(Op::Exists { path: "/".into() }, None).err,
        ZINVALIDSTATE
    );
    assert!(c.is_unrecoverable());
    assert_eq!(c.close(), ZOK);
}

#[test]
fn unreachable_servers_are_retried_until_one_answers() {
    let port = testkit::free_port();
    let (w, events) = channel_watcher();
    let mut opts = options(&format!("127.0.0.1:{port}"));
    opts.timeout_ms = 6000;
    let c = Client::connect(opts, Some(w)).unwrap();
    // Requests queued while nobody answers fail with ZCONNECTIONLOSS.
    let r = c.call(Op::Exists { path: "/".into() }, None);
    assert_eq!(r.err, ZCONNECTIONLOSS);
    assert!(
        c.state() == 0 || c.state() == state::CONNECTING,
        "{}",
        c.state()
    );
    assert!(
        events.try_recv().is_err(),
        "no session event before connecting"
    );
    c.close();
}

#[test]
fn silent_server_times_out_and_the_session_survives() {
    let zk = ApacheZk::start();
    let mut opts = options(&zk.connect_string());
    opts.timeout_ms = 6000;
    let (c, events) = connect_with(opts);
    let id = c.client_id();
    let pid = zk.pid().unwrap() as i32;
    // A paused server keeps the connection open but answers nothing.
    // SAFETY: signals to the test's own child process.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let (tx, rx) = unbounded();
    c.submit(
        Op::Exists { path: "/".into() },
        None,
        Box::new(move |r| tx.send(r.err).unwrap()),
    )
    .unwrap();
    // Two thirds of the timeout without a byte from the server.
    let rc = rx.recv_timeout(TIMEOUT);
    let ev = events.recv_timeout(TIMEOUT);
    unsafe { libc::kill(pid, libc::SIGCONT) };
    assert_eq!(rc.unwrap(), ZOPERATIONTIMEOUT);
    let ev = ev.unwrap();
    assert_eq!(
        (ev.event_type, ev.state),
        (SESSION_EVENT, state::CONNECTING)
    );
    let ev = events.recv_timeout(Duration::from_secs(15)).unwrap();
    assert_eq!(ev.state, state::CONNECTED);
    assert_eq!(c.client_id(), id);
    c.close();
}
