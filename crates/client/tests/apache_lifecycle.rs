//! Auth, callbacks, close and threads against Debian's Apache ZooKeeper 3.8.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::*;
use crossbeam_channel::unbounded;
use zkrs_client::*;
use zkrs_proto::consts::perms;
use zkrs_proto::errors::*;

#[test]
fn digest_auth_grants_access_and_bad_scheme_fails_the_session() {
    let zk = shared_apache();
    let (c, _g) = connect(&zk.connect_string());
    let (tx, rx) = unbounded();
    c.add_auth(
        "digest",
        b"alice:secret",
        Some(Box::new(move |rc| tx.send(rc).unwrap())),
    )
    .unwrap();
    assert_eq!(rx.recv_timeout(TIMEOUT).unwrap(), ZOK);
    let p = unique("auth");
    let creator_all = vec![Acl::new(perms::ALL, "auth", "")];
    let r = c.call(
        Op::Create {
            path: p.clone(),
            data: Some(b"s".to_vec()),
            acl: creator_all,
            mode: 0,
            ttl: -1,
            with_stat: false,
        },
        None,
    );
    assert_eq!(r.err, ZOK, "{r:?}");
    assert_eq!(get(&c, &p, None).err, ZOK);
    let (other, _g2) = connect(&zk.connect_string());
    assert_eq!(get(&other, &p, None).err, ZNOAUTH);
    other.add_auth("digest", b"alice:secret", None).unwrap();
    // Auth is answered before the request that follows it.
    assert_eq!(get(&other, &p, None).err, ZOK);
    other.close();

    let (bad, events) = connect(&zk.connect_string());
    let (tx, rx) = unbounded();
    bad.add_auth(
        "nosuchscheme",
        b"x",
        Some(Box::new(move |rc| tx.send(rc).unwrap())),
    )
    .unwrap();
    assert_eq!(rx.recv_timeout(TIMEOUT).unwrap(), ZAUTHFAILED);
    let ev = events.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(
        (ev.event_type, ev.state),
        (SESSION_EVENT, state::AUTH_FAILED)
    );
    assert_eq!(bad.state(), state::AUTH_FAILED);
    assert!(bad.is_unrecoverable());
    assert_eq!(get(&bad, "/", None).err, ZINVALIDSTATE);
    assert_eq!(bad.add_auth("digest", b"a:b", None), Err(ZINVALIDSTATE));
    bad.close();
    c.close();
}

#[test]
fn sync_calls_work_inside_watchers_and_completions() {
    let zk = shared_apache();
    let (c, _g) = connect(&zk.connect_string());
    let p = unique("nested");
    create_ok(&c, &p, b"first");
    let (tx, rx) = unbounded();
    let c2 = c.clone();
    let p2 = p.clone();
    let tx2 = tx.clone();
    let w = Watcher::from_fn(move |_| {
        // A blocking call on the callback thread.
        let r = get(&c2, &p2, None);
        tx2.send(("watcher", r)).unwrap();
    });
    get(&c, &p, Some(w));
    let c3 = c.clone();
    let p3 = p.clone();
    c.submit(
        Op::SetData {
            path: p.clone(),
            data: Some(b"second".to_vec()),
            version: -1,
        },
        None,
        Box::new(move |_| {
            let r = get(&c3, &p3, None);
            tx.send(("completion", r)).unwrap();
        }),
    )
    .unwrap();
    for _ in 0..2 {
        let (who, r) = rx.recv_timeout(TIMEOUT).unwrap();
        assert!(
            matches!(&r.response, Response::Data { data: Some(d), .. } if d == b"second"),
            "{who}: {r:?}"
        );
    }
    c.close();
}

#[test]
fn close_fails_pending_requests_with_zclosing_or_answers_them() {
    let zk = shared_apache();
    let (c, _g) = connect(&zk.connect_string());
    let results = Arc::new(std::sync::Mutex::new(Vec::new()));
    for _ in 0..200 {
        let r = results.clone();
        c.submit(
            Op::Exists { path: "/".into() },
            None,
            Box::new(move |res| r.lock().unwrap().push(res.err)),
        )
        .unwrap();
    }
    assert_eq!(c.close(), ZOK);
    let results = results.lock().unwrap();
    assert_eq!(
        results.len(),
        200,
        "every completion ran before close returned"
    );
    assert!(
        results.iter().all(|&e| e == ZOK || e == ZCLOSING),
        "{results:?}"
    );
    assert_eq!(
        c.submit(Op::Exists { path: "/".into() }, None, Box::new(|_| {})),
        Err(ZINVALIDSTATE)
    );
    assert_eq!(c.close(), ZOK);
}

#[test]
fn close_from_inside_a_callback() {
    let zk = shared_apache();
    let (c, _g) = connect(&zk.connect_string());
    let eph = unique("eph");
    let r = c.call(
        Op::Create {
            path: eph.clone(),
            data: None,
            acl: open_acl_unsafe(),
            mode: 1,
            ttl: -1,
            with_stat: false,
        },
        None,
    );
    assert_eq!(r.err, ZOK);
    let (tx, rx) = unbounded();
    let c2 = c.clone();
    c.submit(
        Op::Exists { path: "/".into() },
        None,
        Box::new(move |_| {
            tx.send(c2.close()).unwrap();
            // Still usable as a value: calls now fail cleanly.
            tx.send(c2.call(Op::Exists { path: "/".into() }, None).err)
                .unwrap();
        }),
    )
    .unwrap();
    assert_eq!(rx.recv_timeout(TIMEOUT).unwrap(), ZOK);
    assert_eq!(rx.recv_timeout(TIMEOUT).unwrap(), ZINVALIDSTATE);
    assert!(c.is_closed());
    // The session really ended on the server: its ephemeral node is gone.
    let (probe, _g) = connect(&zk.connect_string());
    let mut gone = false;
    for _ in 0..100 {
        if probe.call(Op::Exists { path: eph.clone() }, None).err == ZNONODE {
            gone = true;
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    assert!(gone, "ephemeral node outlived the closed session");
    assert_eq!(probe.close(), ZOK);
}

#[test]
fn close_from_another_thread_while_a_call_blocks() {
    let zk = shared_apache();
    let (c, _g) = connect(&zk.connect_string());
    let c2 = c.clone();
    let closer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        c2.close()
    });
    let mut last = ZOK;
    for _ in 0..100_000 {
        last = c.call(Op::Exists { path: "/".into() }, None).err;
        if last != ZOK {
            break;
        }
    }
    assert!(last == ZCLOSING || last == ZINVALIDSTATE, "{last}");
    assert_eq!(closer.join().unwrap(), ZOK);
}

#[test]
fn many_threads_share_one_handle() {
    let zk = shared_apache();
    let (c, _g) = connect(&zk.connect_string());
    let root = unique("threads");
    create_ok(&c, &root, b"");
    let count = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let c = c.clone();
            let root = root.clone();
            let count = count.clone();
            thread::spawn(move || {
                for i in 0..100 {
                    let p = format!("{root}/{t}-{i}");
                    assert_eq!(create(&c, &p, b"x").err, ZOK);
                    let (tx, rx) = unbounded();
                    let count = count.clone();
                    c.submit(
                        Op::GetData { path: p.clone() },
                        None,
                        Box::new(move |r| {
                            assert_eq!(r.err, ZOK);
                            count.fetch_add(1, Ordering::SeqCst);
                            tx.send(()).unwrap();
                        }),
                    )
                    .unwrap();
                    rx.recv_timeout(TIMEOUT).unwrap();
                    assert_eq!(delete(&c, &p).err, ZOK);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(count.load(Ordering::SeqCst), 800);
    c.close();
}

#[test]
fn resumes_a_session_by_client_id() {
    let zk = shared_apache();
    let (a, _g) = connect(&zk.connect_string());
    let id = a.client_id();
    let mut opts = options(&zk.connect_string());
    opts.client_id = Some(id);
    let (b, _g2) = connect_with(opts);
    assert_eq!(b.client_id(), id);
    b.close();
    a.close();
}

#[test]
fn read_only_flag_connects_to_a_read_write_server() {
    let zk = shared_apache();
    let mut opts = options(&zk.connect_string());
    opts.read_only = true;
    let (c, _g) = connect_with(opts);
    assert_eq!(c.state(), state::CONNECTED);
    c.close();
}

#[test]
fn bad_connection_strings_are_refused() {
    for s in [
        "",
        "nohostport",
        "127.0.0.1:2181/bad/",
        "no-such-host.invalid:2181",
    ] {
        let e = Client::connect(options(s), None).unwrap_err();
        let want = if s.contains("invalid") {
            libc::ENOENT
        } else {
            libc::EINVAL
        };
        assert_eq!(e.errno(), want, "{s}: {e}");
    }
}

#[test]
fn oversized_request_costs_the_connection_but_not_the_session() {
    let zk = shared_apache();
    let (c, events) = connect(&zk.connect_string());
    let id = c.client_id();
    let p = unique("big");
    create_ok(&c, &p, b"");
    // Over the server's 1 MiB jute.maxbuffer: it drops the connection.
    let r = set(&c, &p, &vec![7u8; 1_100_000]);
    assert_eq!(r.err, ZCONNECTIONLOSS, "{r:?}");
    assert_eq!(
        events.recv_timeout(TIMEOUT).unwrap().state,
        state::CONNECTING
    );
    assert_eq!(
        events.recv_timeout(TIMEOUT).unwrap().state,
        state::CONNECTED
    );
    assert_eq!(c.client_id(), id);
    assert_eq!(set(&c, &p, b"small").err, ZOK);
    c.close();
}
