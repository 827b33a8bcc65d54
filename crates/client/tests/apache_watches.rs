//! Watches, ordering and chroot against Debian's Apache ZooKeeper 3.8.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use crossbeam_channel::unbounded;
use zkrs_client::*;
use zkrs_proto::consts::{event_type, watcher_type};
use zkrs_proto::errors::*;
use zkrs_proto::records::*;

fn recorder(n: usize) -> (Watcher, crossbeam_channel::Receiver<WatchEvent>) {
    let (tx, rx) = unbounded();
    let w = Watcher::new(WatcherId(n, 7), move |e| {
        let _ = tx.send(e.clone());
    });
    (w, rx)
}

#[test]
fn data_watch_fires_once() {
    let zk = shared_apache();
    let (c, global) = connect(&zk.connect_string());
    let p = unique("once");
    create_ok(&c, &p, b"a");
    let (w, rx) = recorder(1);
    assert_eq!(get(&c, &p, Some(w.clone())).err, ZOK);
    assert_eq!(set(&c, &p, b"b").err, ZOK);
    let ev = rx.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(
        ev,
        WatchEvent {
            event_type: event_type::NODE_DATA_CHANGED,
            state: state::CONNECTED,
            path: p.clone()
        }
    );
    assert_eq!(set(&c, &p, b"c").err, ZOK);
    assert!(
        drain(&rx, Duration::from_millis(200)).is_empty(),
        "watch fired twice"
    );
    assert!(
        drain(&global, Duration::from_millis(10)).is_empty(),
        "per-call event went to the global watcher"
    );
    c.close();
}

#[test]
fn exists_watch_on_missing_node_and_child_watch() {
    let zk = shared_apache();
    let (c, _g) = connect(&zk.connect_string());
    let p = unique("exist");
    let (w, rx) = recorder(2);
    assert_eq!(
        c.call(Op::Exists { path: p.clone() }, Some(w.clone())).err,
        ZNONODE
    );
    create_ok(&c, &p, b"");
    assert_eq!(
        rx.recv_timeout(TIMEOUT).unwrap().event_type,
        event_type::NODE_CREATED
    );
    let r = c.call(
        Op::GetChildren {
            path: p.clone(),
            with_stat: false,
        },
        Some(w.clone()),
    );
    assert_eq!(r.err, ZOK);
    // The same watcher also watches the data: one deletion, one call.
    assert_eq!(get(&c, &p, Some(w.clone())).err, ZOK);
    create_ok(&c, &format!("{p}/kid"), b"");
    let ev = rx.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (event_type::NODE_CHILDREN_CHANGED, p.as_str())
    );
    assert_eq!(delete(&c, &format!("{p}/kid")).err, ZOK);
    assert_eq!(delete(&c, &p).err, ZOK);
    let ev = rx.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(ev.event_type, event_type::NODE_DELETED);
    assert!(drain(&rx, Duration::from_millis(200)).is_empty());
    // A failed get sets no watch.
    assert_eq!(get(&c, &p, Some(w)).err, ZNONODE);
    create_ok(&c, &p, b"");
    assert!(drain(&rx, Duration::from_millis(200)).is_empty());
    c.close();
}

#[test]
fn global_watcher_gets_watch_true_events_and_set_watcher_replaces_it() {
    let zk = shared_apache();
    let (c, global) = connect(&zk.connect_string());
    let p = unique("global");
    create_ok(&c, &p, b"");
    assert_eq!(get(&c, &p, c.watcher()).err, ZOK);
    set(&c, &p, b"1");
    let ev = global.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(
        (ev.event_type, ev.path),
        (event_type::NODE_DATA_CHANGED, p.clone())
    );
    let (w, rx) = channel_watcher();
    let old = c.set_watcher(Some(w));
    assert!(old.is_some());
    c.close();
    assert!(
        drain(&rx, Duration::from_millis(100)).is_empty(),
        "close sends no session event"
    );
}

#[test]
fn remove_watches_local_and_remote() {
    let zk = shared_apache();
    let (c, _g) = connect(&zk.connect_string());
    let p = unique("rm");
    create_ok(&c, &p, b"");
    let (w1, rx1) = recorder(11);
    let (w2, rx2) = recorder(12);
    get(&c, &p, Some(w1.clone()));
    get(&c, &p, Some(w2.clone()));
    let rm = |w: Option<WatcherId>, local, all| Op::RemoveWatches {
        path: p.clone(),
        watcher_type: watcher_type::DATA,
        watcher: w,
        local,
        all,
    };
    assert_eq!(
        c.call(rm(Some(WatcherId(99, 0)), true, false), None).err,
        ZNOWATCHER
    );
    assert_eq!(c.call(rm(Some(w1.id()), true, false), None).err, ZOK);
    assert_eq!(c.call(rm(Some(w1.id()), true, false), None).err, ZNOWATCHER);
    // The server still holds its watch; ask it to drop it and ours.
    assert_eq!(c.call(rm(Some(w2.id()), false, false), None).err, ZOK);
    set(&c, &p, b"x");
    assert!(drain(&rx1, Duration::from_millis(200)).is_empty());
    assert!(drain(&rx2, Duration::from_millis(10)).is_empty());
    // Nothing left anywhere: the server answers ZNOWATCHER for remove-all.
    assert_eq!(c.call(rm(None, false, true), None).err, ZNOWATCHER);
    let r = c.submit(
        rm(Some(w1.id()), false, false),
        None,
        Box::new(|_| panic!("called")),
    );
    assert_eq!(r, Err(ZNOWATCHER));
    c.close();
}

#[test]
fn completions_run_in_request_order_with_events_in_wire_order() {
    let zk = shared_apache();
    let (c, _g) = connect(&zk.connect_string());
    let p = unique("order");
    create_ok(&c, &p, b"");
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let (done_tx, done_rx) = unbounded();
    let l = log.clone();
    let w = Watcher::from_fn(move |e| l.lock().unwrap().push(format!("event {}", e.event_type)));
    let l = log.clone();
    c.submit(
        Op::GetData { path: p.clone() },
        Some(w),
        Box::new(move |r| l.lock().unwrap().push(format!("get {}", r.err))),
    )
    .unwrap();
    let l = log.clone();
    c.submit(
        Op::SetData {
            path: p.clone(),
            data: Some(b"z".to_vec()),
            version: -1,
        },
        None,
        Box::new(move |r| l.lock().unwrap().push(format!("set {}", r.err))),
    )
    .unwrap();
    const N: usize = 2000;
    for i in 0..N {
        let l = log.clone();
        let tx = done_tx.clone();
        c.submit(
            Op::Exists { path: p.clone() },
            None,
            Box::new(move |_| {
                l.lock().unwrap().push(format!("n {i}"));
                if i == N - 1 {
                    tx.send(()).unwrap();
                }
            }),
        )
        .unwrap();
    }
    done_rx.recv_timeout(TIMEOUT).unwrap();
    let log = log.lock().unwrap();
    // The server sends the watch event before the reply to the write.
    assert_eq!(
        &log[..3],
        &["get 0".to_string(), "event 3".into(), "set 0".into()]
    );
    for (i, line) in log[3..].iter().enumerate() {
        assert_eq!(line, &format!("n {i}"));
    }
    c.close();
}

#[test]
fn chroot_prefixes_requests_and_strips_replies_and_events() {
    let zk = shared_apache();
    let (plain, _g) = connect(&zk.connect_string());
    let root = unique("chroot");
    create_ok(&plain, &root, b"");
    let (c, _g2) = connect(&format!("{}{root}", zk.connect_string()));
    assert_eq!(c.chroot(), Some(root.as_str()));
    let r = c.call(
        Op::Create {
            path: "/n-".into(),
            data: None,
            acl: open_acl_unsafe(),
            mode: 2,
            ttl: -1,
            with_stat: false,
        },
        None,
    );
    assert_eq!(
        r.response,
        Response::Path {
            path: "/n-0000000000".into(),
            stat: None
        }
    );
    assert_eq!(
        plain
            .call(
                Op::Exists {
                    path: format!("{root}/n-0000000000")
                },
                None
            )
            .err,
        ZOK
    );
    let (w, rx) = recorder(3);
    let r = c.call(
        Op::GetChildren {
            path: "/".into(),
            with_stat: false,
        },
        Some(w.clone()),
    );
    assert_eq!(
        r.response,
        Response::Children {
            children: vec!["n-0000000000".into()],
            stat: None
        }
    );
    get(&c, "/n-0000000000", Some(w));
    create_ok(&plain, &format!("{root}/other"), b"");
    assert_eq!(rx.recv_timeout(TIMEOUT).unwrap().path, "/");
    set(&plain, &format!("{root}/n-0000000000"), b"x");
    assert_eq!(rx.recv_timeout(TIMEOUT).unwrap().path, "/n-0000000000");
    let ops = vec![MultiOp::Create(CreateRequest {
        path: "/m".into(),
        data: None,
        acl: open_acl_unsafe(),
        flags: 0,
    })];
    let r = c.call(Op::Multi(ops), None);
    assert_eq!(
        r.response,
        Response::Multi(vec![MultiResult::Create(CreateResponse {
            path: "/m".into()
        })])
    );
    assert_eq!(
        plain
            .call(
                Op::Exists {
                    path: format!("{root}/m")
                },
                None
            )
            .err,
        ZOK
    );
    assert_eq!(
        c.call(Op::Sync { path: "/m".into() }, None).response,
        Response::Path {
            path: "/m".into(),
            stat: None
        }
    );
    c.close();
    plain.close();
}

#[test]
fn server_info() {
    let zk = shared_apache();
    let (c, _g) = connect(&format!("localhost:1,{}", zk.connect_string()));
    let host = c.connected_host().unwrap();
    assert_eq!(host.port(), zk.port());
    assert_eq!(c.current_server().unwrap(), host.to_string());
    assert!(c.recv_timeout() > 0 && c.recv_timeout() <= 10_000);
    assert_ne!(c.client_id().session_id, 0);
    assert_eq!(c.set_servers_resolution_delay(-2), Err(ZBADARGUMENTS));
    for ms in [-1, 0, 100] {
        assert_eq!(c.set_servers_resolution_delay(ms), Ok(()));
    }
    c.cycle_next_server();
    assert!(c.current_server().is_some());
    assert_eq!(
        c.state(),
        state::CONNECTED,
        "cycling does not drop the connection"
    );
    c.close();
    assert_eq!(
        c.call(Op::Exists { path: "/".into() }, None).err,
        ZINVALIDSTATE
    );
}
