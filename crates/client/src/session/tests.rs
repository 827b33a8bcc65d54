//! The state machine driven by hand: no sockets, no clock.

use super::*;
use crate::ops::prepare;
use crate::types::{Op, WatcherId};
use zkrs_proto::consts::{event_type, op};
use zkrs_proto::frame::write_frame;
use zkrs_proto::jute::to_vec;
use zkrs_proto::request::Request;

type S = Session<u32>;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn config(ports: &[u16], chroot: Option<&str>) -> SessionConfig {
    SessionConfig {
        addrs: ports.iter().map(|p| addr(*p)).collect(),
        chroot: Chroot::new(chroot.map(str::to_string)),
        timeout_ms: 6000,
        client_id: None,
        read_only: false,
    }
}

fn outputs(s: &mut S) -> Vec<Output<u32>> {
    std::iter::from_fn(|| s.poll_output()).collect()
}

/// Client frames written so far, each split into header and body.
fn sent_frames(s: &mut S) -> Vec<Vec<u8>> {
    let bytes = s.transmit().to_vec();
    s.advance_transmit(bytes.len());
    let mut d = FrameDecoder::new(1 << 24);
    d.extend(&bytes);
    let mut v = Vec::new();
    while let Some(f) = d.next_frame().unwrap() {
        v.push(f.to_vec());
    }
    v
}

fn request_of(frame: &[u8]) -> (RequestHeader, Request) {
    let mut r = Reader::new(frame);
    let h = RequestHeader::decode(&mut r).unwrap();
    let body = Request::decode_body(h.op, &mut r).unwrap();
    (h, body)
}

fn server_frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_frame(&mut out, payload);
    out
}

fn reply(xid: i32, zxid: i64, err: i32, body: &[u8]) -> Vec<u8> {
    let mut p = to_vec(&ReplyHeader { xid, zxid, err });
    p.extend_from_slice(body);
    server_frame(&p)
}

fn connect_response(session_id: i64, timeout: i32, read_only: bool) -> Vec<u8> {
    server_frame(&to_vec(&ConnectResponse {
        protocol_version: 0,
        time_out: timeout,
        session_id,
        passwd: vec![7; 16],
        read_only,
    }))
}

/// Runs a session to CONNECTED with session id 0x55 and returns it.
fn connected(ports: &[u16], chroot: Option<&str>, t0: Instant) -> S {
    let mut s = S::new(config(ports, chroot), t0);
    s.handle_timeout(t0);
    assert!(matches!(outputs(&mut s)[..], [Output::Connect(_)]));
    s.handle_connected(t0);
    sent_frames(&mut s);
    s.handle_data(&connect_response(0x55, 6000, false), t0);
    let outs = outputs(&mut s);
    assert!(matches!(&outs[..], [Output::Session(_, e)] if e.state == state::CONNECTED));
    s
}

fn submit(s: &mut S, op: Op, watcher: Option<Watcher>, token: u32, now: Instant) -> i32 {
    let req = prepare(op, watcher, &s.chroot.clone()).unwrap();
    assert!(matches!(s.submit(req, token, now), Submitted::Queued));
    let frames = sent_frames(s);
    frames.last().map(|f| request_of(f).0.xid).unwrap_or(0)
}

fn completions(outs: &[Output<u32>]) -> Vec<(u32, i32)> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Complete(t, r) => Some((*t, r.err)),
            _ => None,
        })
        .collect()
}

#[test]
fn handshake_sends_connect_request_and_reports_connected() {
    let t0 = Instant::now();
    let mut cfg = config(&[1], None);
    cfg.read_only = true;
    let mut s = S::new(cfg, t0);
    assert_eq!(s.state(), state::NOTCONNECTED);
    s.handle_timeout(t0);
    assert!(matches!(outputs(&mut s)[..], [Output::Connect(a)] if a == addr(1)));
    assert_eq!(s.state(), state::CONNECTING);
    s.handle_connected(t0);
    assert_eq!(s.state(), state::ASSOCIATING);
    let frames = sent_frames(&mut s);
    let req: ConnectRequest = from_slice(&frames[0]).unwrap();
    assert_eq!(
        req,
        ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: 0,
            time_out: 6000,
            session_id: 0,
            passwd: vec![0; 16],
            read_only: true
        }
    );
    // The answer may arrive in pieces.
    let resp = connect_response(0x99, 4000, true);
    s.handle_data(&resp[..5], t0);
    assert!(outputs(&mut s).is_empty());
    s.handle_data(&resp[5..], t0);
    assert_eq!(s.state(), state::READONLY);
    let st = s.status();
    assert_eq!(st.client_id.session_id, 0x99);
    assert_eq!(st.client_id.passwd, [7; 16]);
    assert_eq!(st.recv_timeout, 4000);
    assert_eq!(st.connected, Some(addr(1)));
    let outs = outputs(&mut s);
    assert!(matches!(&outs[..], [Output::Session(w, e)]
        if w.is_empty() && e.state == state::READONLY && e.event_type == SESSION_EVENT && e.path.is_empty()));
    // The next attempt asks for the negotiated timeout and, having seen a
    // read-only server only, does not claim the session yet.
    s.handle_connection_lost(t0);
    outputs(&mut s);
    let t1 = s.next_timeout().unwrap();
    s.handle_timeout(t1);
    s.handle_connected(t1);
    let req: ConnectRequest = from_slice(&sent_frames(&mut s)[0]).unwrap();
    assert_eq!((req.time_out, req.session_id), (4000, 0));
}

#[test]
fn requests_before_the_handshake_follow_auth_after_it() {
    let t0 = Instant::now();
    let mut s = S::new(config(&[1], None), t0);
    let req = prepare(Op::Exists { path: "/x".into() }, None, &Chroot::default()).unwrap();
    assert!(matches!(s.submit(req, 1, t0), Submitted::Queued));
    assert_eq!(s.add_auth("digest", b"u:p", Some(2), t0), ZOK);
    s.handle_timeout(t0);
    s.handle_connected(t0);
    sent_frames(&mut s);
    s.handle_data(&connect_response(0x55, 6000, false), t0);
    let frames = sent_frames(&mut s);
    assert_eq!(frames.len(), 2);
    let (h, body) = request_of(&frames[0]);
    assert_eq!((h.xid, h.op), (xid::AUTH, op::AUTH));
    assert!(matches!(body, Request::Auth(a) if a.scheme == "digest" && a.auth == b"u:p"));
    let (h, _) = request_of(&frames[1]);
    assert_eq!(h.op, op::EXISTS);
    outputs(&mut s);
    s.handle_data(&reply(xid::AUTH, 0, 0, &[]), t0);
    s.handle_data(&reply(h.xid, 10, ZNONODE, &[]), t0);
    assert_eq!(completions(&outputs(&mut s)), vec![(2, ZOK), (1, ZNONODE)]);
    assert_eq!(s.last_zxid(), 10);
}

#[test]
fn replies_complete_in_order_and_register_watches() {
    let t0 = Instant::now();
    let mut s = connected(&[1], Some("/app"), t0);
    let w = Watcher::new(WatcherId(1, 1), |_| {});
    let x1 = submit(
        &mut s,
        Op::GetData { path: "/a".into() },
        Some(w.clone()),
        1,
        t0,
    );
    let x2 = submit(
        &mut s,
        Op::Exists { path: "/b".into() },
        Some(w.clone()),
        2,
        t0,
    );
    let body = to_vec(&GetDataResponse {
        data: Some(b"d".to_vec()),
        stat: Stat::default(),
    });
    s.handle_data(
        &[reply(x1, 5, 0, &body), reply(x2, 6, ZNONODE, &[])].concat(),
        t0,
    );
    let outs = outputs(&mut s);
    assert!(matches!(&outs[0], Output::Complete(1, r)
        if r.response == Response::Data { data: Some(b"d".to_vec()), stat: Stat::default() }));
    assert_eq!(completions(&outs), vec![(1, ZOK), (2, ZNONODE)]);
    assert_eq!(
        s.watches().paths(),
        (
            vec!["/app/a".to_string()],
            vec!["/app/b".to_string()],
            vec![]
        )
    );
    let ev = to_vec(&WatcherEvent {
        event_type: event_type::NODE_DATA_CHANGED,
        state: 3,
        path: "/app/a".into(),
    });
    s.handle_data(&reply(xid::NOTIFICATION, -1, 0, &ev), t0);
    let outs = outputs(&mut s);
    assert!(matches!(&outs[..], [Output::Watch(ws, e)]
        if ws.len() == 1 && e.path == "/a" && e.event_type == event_type::NODE_DATA_CHANGED));
    assert_eq!(s.last_zxid(), 6, "notifications do not move the last zxid");
    // An event nobody watches produces nothing.
    s.handle_data(&reply(xid::NOTIFICATION, -1, 0, &ev), t0);
    assert!(outputs(&mut s).is_empty());
}

#[test]
fn connection_loss_fails_pending_and_reconnects_with_session_and_watches() {
    let t0 = Instant::now();
    let mut s = connected(&[1], None, t0);
    let w = Watcher::new(WatcherId(1, 1), |_| {});
    let x = submit(
        &mut s,
        Op::GetChildren {
            path: "/c".into(),
            with_stat: false,
        },
        Some(w),
        1,
        t0,
    );
    s.handle_data(
        &reply(x, 42, 0, &to_vec(&GetChildrenResponse { children: vec![] })),
        t0,
    );
    outputs(&mut s);
    submit(&mut s, Op::Sync { path: "/".into() }, None, 2, t0);
    s.handle_connection_lost(t0);
    let outs = outputs(&mut s);
    assert!(
        matches!(&outs[0], Output::Session(ws, e) if ws.len() == 1 && e.state == state::CONNECTING)
    );
    assert_eq!(completions(&outs), vec![(2, ZCONNECTIONLOSS)]);
    assert!(matches!(outs.last(), Some(Output::Disconnect)));
    assert_eq!(s.state(), state::CLOSED);
    // One address, all tried: wait a sixtieth of the timeout.
    let retry = s.next_timeout().unwrap();
    assert_eq!(retry, t0 + Duration::from_millis(100));
    s.handle_timeout(retry - Duration::from_millis(1));
    assert!(outputs(&mut s).is_empty());
    s.handle_timeout(retry);
    assert!(matches!(outputs(&mut s)[..], [Output::Connect(_)]));
    s.handle_connected(retry);
    let req: ConnectRequest = from_slice(&sent_frames(&mut s)[0]).unwrap();
    assert_eq!((req.session_id, req.last_zxid_seen), (0x55, 42));
    assert_eq!(
        req.time_out, 6000,
        "the negotiated timeout is asked for again"
    );
    assert_eq!(req.passwd, vec![7; 16]);
    s.handle_data(&connect_response(0x55, 6000, false), retry);
    let frames = sent_frames(&mut s);
    let (h, body) = request_of(&frames[0]);
    assert_eq!((h.xid, h.op), (xid::SET_WATCHES, op::SET_WATCHES));
    let Request::SetWatches(sw) = body else {
        panic!()
    };
    assert_eq!(sw.relative_zxid, 42);
    assert_eq!(sw.child_watches, vec!["/c".to_string()]);
    assert!(sw.data_watches.is_empty() && sw.exist_watches.is_empty());
}

#[test]
fn addresses_are_tried_in_turn_before_pausing() {
    let t0 = Instant::now();
    let mut s = S::new(config(&[1, 2, 3], None), t0);
    let mut tried = Vec::new();
    let mut now = t0;
    for _ in 0..4 {
        s.handle_timeout(now);
        let outs = outputs(&mut s);
        let Some(Output::Connect(a)) = outs.last() else {
            panic!("{outs:?}")
        };
        tried.push(a.port());
        s.handle_connection_lost(now);
        outputs(&mut s);
        now = s.next_timeout().unwrap();
    }
    assert_eq!(tried, vec![1, 2, 3, 1]);
    // Only the wrap-around paused.
    // Only the wrap-around paused (a sixtieth of 6 s).
    assert_eq!(now, t0 + Duration::from_millis(100));
}

#[test]
fn expired_session_is_final() {
    let t0 = Instant::now();
    let mut s = connected(&[1], None, t0);
    submit(&mut s, Op::Sync { path: "/".into() }, None, 1, t0);
    s.handle_connection_lost(t0);
    outputs(&mut s);
    let t1 = s.next_timeout().unwrap();
    s.handle_timeout(t1);
    s.handle_connected(t1);
    outputs(&mut s);
    let req = prepare(Op::Sync { path: "/".into() }, None, &Chroot::default()).unwrap();
    assert!(matches!(s.submit(req, 2, t1), Submitted::Queued));
    // Apache's server answers an expired session with id 0 and timeout 0.
    s.handle_data(&connect_response(0, 0, false), t1);
    let outs = outputs(&mut s);
    assert!(matches!(&outs[0], Output::Session(_, e) if e.state == state::EXPIRED_SESSION));
    assert_eq!(completions(&outs), vec![(2, ZSESSIONEXPIRED)]);
    assert_eq!(s.state(), state::EXPIRED_SESSION);
    assert_eq!(s.next_timeout(), None);
    s.handle_timeout(t1 + Duration::from_secs(60));
    assert!(outputs(&mut s).is_empty(), "no reconnection after expiry");
    let req = prepare(Op::Sync { path: "/".into() }, None, &Chroot::default()).unwrap();
    assert!(matches!(
        s.submit(req, 3, t1),
        Submitted::Done(ZINVALIDSTATE, 3)
    ));
    s.close(t1);
    assert!(matches!(outputs(&mut s).last(), Some(Output::Closed)));
    assert_eq!(s.state(), state::EXPIRED_SESSION);
}

#[test]
fn rejected_auth_fails_the_session() {
    let t0 = Instant::now();
    let mut s = connected(&[1], None, t0);
    assert_eq!(s.add_auth("bogus", b"x", Some(9), t0), ZOK);
    let (h, _) = request_of(&sent_frames(&mut s)[0]);
    assert_eq!(h.xid, xid::AUTH);
    submit(&mut s, Op::Sync { path: "/".into() }, None, 1, t0);
    s.handle_data(&reply(xid::AUTH, 0, ZAUTHFAILED, &[]), t0);
    let outs = outputs(&mut s);
    assert_eq!(completions(&outs), vec![(9, ZAUTHFAILED), (1, ZAUTHFAILED)]);
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Session(_, e) if e.state == state::AUTH_FAILED)));
    assert_eq!(s.state(), state::AUTH_FAILED);
    assert_eq!(s.add_auth("digest", b"a:b", None, t0), ZINVALIDSTATE);
}

#[test]
fn pings_after_a_third_and_gives_up_after_two_thirds() {
    let t0 = Instant::now();
    let mut s = connected(&[1], None, t0);
    assert_eq!(s.next_timeout(), Some(t0 + Duration::from_millis(2000)));
    s.handle_timeout(t0 + Duration::from_millis(2000));
    let frames = sent_frames(&mut s);
    assert_eq!(
        request_of(&frames[0]).0,
        RequestHeader {
            xid: xid::PING,
            op: op::PING
        }
    );
    // No ping while a request is outstanding.
    let t1 = t0 + Duration::from_millis(2000);
    submit(&mut s, Op::Sync { path: "/".into() }, None, 1, t1);
    s.handle_timeout(t1 + Duration::from_millis(2000));
    assert!(sent_frames(&mut s).is_empty());
    s.handle_timeout(t0 + Duration::from_millis(4000));
    let outs = outputs(&mut s);
    assert_eq!(completions(&outs), vec![(1, ZOPERATIONTIMEOUT)]);
    assert_eq!(s.state(), state::CLOSED);
}

#[test]
fn out_of_order_reply_drops_the_connection() {
    let t0 = Instant::now();
    let mut s = connected(&[1], None, t0);
    let x = submit(&mut s, Op::Sync { path: "/".into() }, None, 1, t0);
    s.handle_data(&reply(x + 5, 1, 0, &[]), t0);
    let outs = outputs(&mut s);
    assert_eq!(completions(&outs), vec![(1, ZRUNTIMEINCONSISTENCY)]);
    assert!(outs.iter().any(|o| matches!(o, Output::Disconnect)));
    // A corrupt length does the same.
    let mut s = connected(&[1], None, t0);
    s.handle_data(&(-5i32).to_be_bytes(), t0);
    assert!(outputs(&mut s)
        .iter()
        .any(|o| matches!(o, Output::Disconnect)));
    assert_eq!(s.state(), state::CLOSED);
}

#[test]
fn close_ends_the_session_then_fails_the_rest() {
    let t0 = Instant::now();
    let mut s = connected(&[1], None, t0);
    let x1 = submit(&mut s, Op::Sync { path: "/".into() }, None, 1, t0);
    submit(&mut s, Op::Sync { path: "/".into() }, None, 2, t0);
    s.close(t0);
    let frames = sent_frames(&mut s);
    let (h, _) = request_of(frames.last().unwrap());
    assert_eq!(h.op, op::CLOSE_SESSION);
    let req = prepare(Op::Sync { path: "/".into() }, None, &Chroot::default()).unwrap();
    assert!(matches!(s.submit(req, 3, t0), Submitted::Done(ZCLOSING, 3)));
    s.handle_data(
        &reply(x1, 1, 0, &to_vec(&SyncResponse { path: "/".into() })),
        t0,
    );
    s.handle_data(&reply(h.xid, 2, 0, &[]), t0);
    let outs = outputs(&mut s);
    assert_eq!(completions(&outs), vec![(1, ZOK), (2, ZCLOSING)]);
    assert!(matches!(outs.last(), Some(Output::Closed)));
    assert!(s.is_closed());
    // Not connected: closes at once, without a frame.
    let mut s = S::new(config(&[1], None), t0);
    let req = prepare(Op::Sync { path: "/".into() }, None, &Chroot::default()).unwrap();
    assert!(matches!(s.submit(req, 1, t0), Submitted::Queued));
    s.close(t0);
    let outs = outputs(&mut s);
    assert_eq!(completions(&outs), vec![(1, ZCLOSING)]);
    assert!(matches!(outs.last(), Some(Output::Closed)));
    assert!(s.transmit().is_empty());
}

#[test]
fn close_gives_up_waiting_after_its_deadline() {
    let t0 = Instant::now();
    let mut s = connected(&[1], None, t0);
    s.close(t0);
    sent_frames(&mut s);
    s.handle_timeout(t0 + CLOSE_WAIT);
    assert!(matches!(outputs(&mut s).last(), Some(Output::Closed)));
}

#[test]
fn large_watch_sets_are_split_across_set_watches_frames() {
    let t0 = Instant::now();
    let mut s = connected(&[1], None, t0);
    let w = Watcher::new(WatcherId(1, 1), |_| {});
    let long = "x".repeat(1000);
    for i in 0..300 {
        let x = submit(
            &mut s,
            Op::Exists {
                path: format!("/{long}{i}"),
            },
            Some(w.clone()),
            i,
            t0,
        );
        s.handle_data(&reply(x, 1, ZNONODE, &[]), t0);
    }
    outputs(&mut s);
    s.handle_connection_lost(t0);
    outputs(&mut s);
    let t1 = s.next_timeout().unwrap();
    s.handle_timeout(t1);
    s.handle_connected(t1);
    sent_frames(&mut s);
    s.handle_data(&connect_response(0x55, 6000, false), t1);
    let frames = sent_frames(&mut s);
    assert_eq!(frames.len(), 3);
    let mut total = 0;
    for f in &frames {
        let (h, body) = request_of(f);
        assert_eq!(h.xid, xid::SET_WATCHES);
        let Request::SetWatches(sw) = body else {
            panic!()
        };
        let bytes: usize = sw.exist_watches.iter().map(String::len).sum();
        assert!(bytes <= SET_WATCHES_MAX_BYTES);
        total += sw.exist_watches.len();
    }
    assert_eq!(total, 300);
}

#[test]
fn local_watch_removal_needs_no_server() {
    let t0 = Instant::now();
    let mut s = connected(&[1], None, t0);
    let w = Watcher::new(WatcherId(4, 4), |_| {});
    let x = submit(&mut s, Op::Exists { path: "/r".into() }, Some(w), 1, t0);
    s.handle_data(&reply(x, 1, 0, &to_vec(&Stat::default())), t0);
    outputs(&mut s);
    let rm = |id| Op::RemoveWatches {
        path: "/r".into(),
        watcher_type: 3,
        watcher: Some(WatcherId(id, 4)),
        local: true,
        all: false,
    };
    let req = prepare(rm(5), None, &Chroot::default()).unwrap();
    assert!(matches!(
        s.submit(req, 2, t0),
        Submitted::Done(ZNOWATCHER, 2)
    ));
    let req = prepare(rm(4), None, &Chroot::default()).unwrap();
    assert!(matches!(s.submit(req, 3, t0), Submitted::Done(ZOK, 3)));
    assert!(s.watches().is_empty());
    assert!(sent_frames(&mut s).is_empty());
}

#[test]
fn set_servers_moves_off_a_removed_server() {
    let t0 = Instant::now();
    let mut s = connected(&[1], None, t0);
    s.set_servers(vec![addr(1), addr(2)], t0);
    assert!(outputs(&mut s).is_empty(), "current server still listed");
    s.set_servers(vec![addr(3)], t0);
    let outs = outputs(&mut s);
    assert!(outs.iter().any(|o| matches!(o, Output::Disconnect)));
    assert_eq!(s.status().current, Some(addr(3)));
    s.handle_timeout(t0);
    assert!(matches!(outputs(&mut s)[..], [Output::Connect(a)] if a == addr(3)));
    s.cycle_next_server();
    assert_eq!(s.status().current, Some(addr(3)));
}

#[test]
fn extreme_timeouts_neither_overflow_nor_spin() {
    let t0 = Instant::now();
    let mut cfg = config(&[1], None);
    cfg.timeout_ms = i32::MAX;
    let mut s = S::new(cfg, t0);
    s.handle_timeout(t0);
    s.handle_connected(t0);
    assert!(s.next_timeout().unwrap() > t0 + Duration::from_secs(86400));
    let mut cfg = config(&[1], None);
    cfg.timeout_ms = 0;
    let mut s = S::new(cfg, t0);
    s.handle_timeout(t0);
    s.handle_connected(t0);
    // No time to wait for an answer at all, as in Apache...
    s.handle_timeout(t0);
    assert!(outputs(&mut s)
        .iter()
        .any(|o| matches!(o, Output::Disconnect)));
    // ...but the retries are paced.
    assert_eq!(s.next_timeout(), Some(t0 + MIN_RETRY_PAUSE));
}

#[test]
fn requests_are_held_back_only_while_replies_come_quickly() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut s = connected(&[1], None, t0);
    let exists = || Op::Exists { path: "/q".into() };
    let stat = to_vec(&Stat::default());
    // Nothing in flight: a request goes out at once.
    assert!(!s.holds_back_requests());
    let mut first = submit(&mut s, exists(), None, 1, t0);
    // Behind it, with no slow reply seen yet, the next one waits.
    assert!(s.holds_back_requests());
    // Each round: one request behind another, answered `wait` later.
    let mut at = t0;
    let mut round = |s: &mut S, wait: Duration| {
        let behind = submit(s, exists(), None, 2, at);
        at += wait;
        s.handle_data(&reply(first, 1, 0, &stat), at);
        first = behind;
        completions(&outputs(s))
    };
    assert_eq!(round(&mut s, ms(5)), vec![(1, ZOK)]);
    // 5 ms once, averaged with nothing slower: still quick enough.
    assert!(s.holds_back_requests());
    round(&mut s, ms(10));
    // Replies now keep it waiting too long: requests go out at once.
    assert!(!s.holds_back_requests());
    for _ in 0..30 {
        round(&mut s, Duration::ZERO);
    }
    assert!(s.holds_back_requests());
}
