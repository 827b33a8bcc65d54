//! Requests in flight together against Debian's Apache ZooKeeper 3.8:
//! requests queued behind others go out with the next burst of replies,
//! and synchronous callers read replies themselves for a while; neither
//! may lose, stall or reorder anything.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use common::*;
use crossbeam_channel::unbounded;
use testkit::ApacheZk;
use zkrs_client::*;
use zkrs_proto::errors::*;

#[test]
fn sync_calls_interleave_with_a_pipeline_of_async_requests() {
    let zk = ApacheZk::start();
    let (c, _events) = connect(&zk.connect_string());
    let p = "/pipelined";
    create_ok(&c, p, b"v");
    const ASYNC: usize = 5000;
    let order = Arc::new(Mutex::new(Vec::with_capacity(ASYNC)));
    let (done_tx, done_rx) = unbounded();
    let callers: Vec<_> = (0..3)
        .map(|_| {
            let c = c.clone();
            thread::spawn(move || {
                for _ in 0..300 {
                    let r = get(&c, p, None);
                    assert_eq!(r.err, ZOK);
                    assert!(
                        matches!(&r.response, Response::Data { data: Some(d), .. } if d == b"v"),
                        "{r:?}"
                    );
                }
            })
        })
        .collect();
    for i in 0..ASYNC {
        let order = order.clone();
        let tx = done_tx.clone();
        c.submit(
            Op::GetData { path: p.into() },
            None,
            Box::new(move |r| {
                assert_eq!(r.err, ZOK);
                order.lock().unwrap().push(i);
                if i == ASYNC - 1 {
                    tx.send(()).unwrap();
                }
            }),
        )
        .unwrap();
    }
    done_rx.recv_timeout(TIMEOUT).expect("pipeline stalled");
    for t in callers {
        t.join().unwrap();
    }
    let order = order.lock().unwrap();
    assert_eq!(order.len(), ASYNC);
    assert!(order.iter().enumerate().all(|(i, &n)| i == n));
    assert_eq!(c.close(), ZOK);
}

#[test]
fn sync_calls_under_way_when_the_connection_drops_all_return() {
    let mut zk = ApacheZk::start();
    let (c, events) = connect(&zk.connect_string());
    let p = "/lossy";
    create_ok(&c, p, b"");
    // Keep callers busy until the server goes away: whichever of them is
    // reading replies itself when the connection drops must hand the loss
    // to the I/O thread, and every call must still return.
    let failed = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..2)
        .map(|_| {
            let c = c.clone();
            let failed = failed.clone();
            thread::spawn(move || loop {
                match get(&c, p, None).err {
                    ZOK => {}
                    ZCONNECTIONLOSS | ZOPERATIONTIMEOUT => {
                        failed.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                    rc => panic!("unexpected {rc}"),
                }
            })
        })
        .collect();
    thread::sleep(std::time::Duration::from_millis(300));
    zk.stop();
    for t in callers {
        t.join().unwrap();
    }
    assert_eq!(failed.load(Ordering::SeqCst), 2);
    let ev = events.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(
        (ev.event_type, ev.state),
        (SESSION_EVENT, state::CONNECTING)
    );
    zk.restart();
    let ev = events.recv_timeout(TIMEOUT).unwrap();
    assert_eq!((ev.event_type, ev.state), (SESSION_EVENT, state::CONNECTED));
    assert_eq!(get(&c, p, None).err, ZOK);
    assert_eq!(c.close(), ZOK);
}
