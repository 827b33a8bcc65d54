//! Bad input on the wire: garbage before the handshake, oversize and negative
//! lengths, truncated frames, unknown opcodes. Each costs at most the
//! offending connection; the server keeps serving everyone else.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use testkit::raw::{connect_frame, is_closed, read_frame, request_frame};
use testkit::{four_letter, ZkServerProcess};
use zkrs_proto::frame::write_frame;
use zkrs_proto::jute::{from_slice, to_vec, Reader};
use zkrs_proto::records::{ConnectRequest, ConnectResponse, ReplyHeader};
use zkrs_proto::Decode;

fn server() -> ZkServerProcess {
    ZkServerProcess::start(env!("CARGO_BIN_EXE_zkserver"), &[])
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// A request for a new session with this timeout.
fn new_session(timeout_ms: i32) -> ConnectRequest {
    ConnectRequest {
        time_out: timeout_ms,
        passwd: vec![0; 16],
        ..Default::default()
    }
}

/// Connects and sends `req`: the connection and the server's answer.
fn attach(port: u16, req: &ConnectRequest) -> (TcpStream, ConnectResponse) {
    let mut s = connect(port);
    s.write_all(&connect_frame(req)).unwrap();
    let resp = from_slice::<ConnectResponse>(&read_frame(&mut s).unwrap()).unwrap();
    (s, resp)
}

fn handshake(port: u16) -> (TcpStream, ConnectResponse) {
    attach(port, &new_session(10000))
}

fn still_serves(port: u16) {
    let (_s, resp) = handshake(port);
    assert_ne!(resp.session_id, 0);
}

#[test]
fn garbage_before_the_handshake_closes_that_connection_only() {
    let srv = server();
    let mut s = connect(srv.port());
    s.write_all(&[0, 0, 0, 8, 1, 2]).unwrap();
    s.write_all(&[3, 4, 5, 6, 7, 8]).unwrap();
    assert!(is_closed(&mut s));
    still_serves(srv.port());
}

#[test]
fn oversize_and_negative_lengths_close_the_connection() {
    let srv = server();
    for len in [i32::MAX, 0x100000 + 1, -5] {
        let mut s = connect(srv.port());
        s.write_all(&len.to_be_bytes()).unwrap();
        assert!(is_closed(&mut s), "length {len}");
    }
    let (mut s, _) = handshake(srv.port());
    s.write_all(&(64i32 << 20).to_be_bytes()).unwrap();
    assert!(is_closed(&mut s));
    still_serves(srv.port());
}

#[test]
fn truncated_frames_and_abrupt_closes_are_harmless() {
    let srv = server();
    for _ in 0..20 {
        let mut s = connect(srv.port());
        s.write_all(&[0, 0, 0, 40, 0, 0]).unwrap();
        drop(s);
    }
    still_serves(srv.port());
}

#[test]
fn unknown_opcode_gets_unimplemented_and_a_closed_connection_as_apache_does() {
    let srv = server();
    let (mut s, first) = handshake(srv.port());
    s.write_all(&request_frame(7, 999, b"whatever")).unwrap();
    let f = read_frame(&mut s).expect("a reply to the unknown opcode");
    let h = ReplyHeader::decode(&mut Reader::new(&f)).unwrap();
    assert_eq!(
        (h.xid, h.zxid, h.err),
        (7, -1, zkrs_proto::errors::ZUNIMPLEMENTED)
    );
    assert!(is_closed(&mut s));
    // The session itself survives: the client may reconnect to it.
    let mut s = connect(srv.port());
    let req = ConnectRequest {
        time_out: 10000,
        session_id: first.session_id,
        passwd: first.passwd.clone(),
        ..Default::default()
    };
    let mut out = connect_frame(&req);
    out.extend(request_frame(-2, 11, &[]));
    s.write_all(&out).unwrap();
    let resp = from_slice::<ConnectResponse>(&read_frame(&mut s).unwrap()).unwrap();
    assert_eq!(resp.session_id, first.session_id);
    let f = read_frame(&mut s).expect("a ping reply");
    let h = ReplyHeader::decode(&mut Reader::new(&f)).unwrap();
    assert_eq!(h.xid, -2);
}

#[test]
fn wrong_password_gets_an_expired_session() {
    let srv = server();
    let (_s, first) = handshake(srv.port());
    let req = ConnectRequest {
        session_id: first.session_id,
        passwd: vec![1; 16],
        ..new_session(10000)
    };
    let (mut s, resp) = attach(srv.port(), &req);
    assert_eq!(resp.time_out, 0);
    assert_eq!(resp.session_id, 0);
    assert!(is_closed(&mut s));
}

#[test]
fn timeouts_are_negotiated_into_the_configured_range() {
    let srv = server();
    for (asked, got) in [(100, 4000), (10_000, 10_000), (1_000_000, 40_000)] {
        let (_s, resp) = attach(srv.port(), &new_session(asked));
        assert_eq!(resp.time_out, got, "asked {asked}");
    }
}

#[test]
fn four_letter_words_obey_the_whitelist() {
    let srv = server();
    let srvr = four_letter(srv.port(), "srvr").unwrap();
    assert!(srvr.contains("Mode: standalone"), "{srvr}");
    let ruok = four_letter(srv.port(), "ruok").unwrap();
    assert_eq!(
        ruok,
        "ruok is not executed because it is not in the whitelist.\n"
    );
}

/// Clients before 3.3 send no read-only byte and get none back; a client
/// asking for read-only mode gets a read-write session from this server, as
/// from a standalone Apache server.
#[test]
fn the_read_only_byte_is_answered_as_apache_answers_it() {
    let srv = server();
    for (sent, expected_len) in [(None, 36), (Some(0u8), 37), (Some(1u8), 37)] {
        let mut s = connect(srv.port());
        let mut payload = to_vec(&new_session(10000));
        payload.pop();
        payload.extend(sent);
        let mut out = Vec::new();
        write_frame(&mut out, &payload);
        s.write_all(&out).unwrap();
        let resp = read_frame(&mut s).unwrap();
        assert_eq!(resp.len(), expected_len, "read-only byte sent: {sent:?}");
        if expected_len == 37 {
            assert_eq!(resp[36], 0);
        }
        assert_ne!(from_slice::<ConnectResponse>(&resp).unwrap().session_id, 0);
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A client that sends many requests and reads no answers makes the server
/// stop reading from it (bounded memory) while it keeps serving others;
/// once the client reads, every answer arrives in order.
#[test]
fn a_client_that_does_not_read_is_paused_not_buffered_without_bound() {
    use zkrs_proto::records::{open_acl_unsafe, CreateRequest, GetDataRequest};
    const REQUESTS: i32 = 400;
    const SIZE: usize = 100_000;
    let srv = server();
    let (mut s, _) = handshake(srv.port());
    let create = CreateRequest {
        path: "/big".into(),
        data: Some(vec![7; SIZE]),
        acl: open_acl_unsafe(),
        flags: 0,
    };
    s.write_all(&request_frame(1, 1, &to_vec(&create))).unwrap();
    read_frame(&mut s).unwrap();
    let before = rss_kib(srv.pid().unwrap());

    // 40 MB of answers asked for; a writer thread, since the server stops
    // reading and the socket fills up.
    let mut requests = Vec::new();
    for xid in 0..REQUESTS {
        let get = GetDataRequest {
            path: "/big".into(),
            watch: false,
        };
        requests.extend(request_frame(xid + 2, 4, &to_vec(&get)));
    }
    let mut writer = s.try_clone().unwrap();
    let sender = std::thread::spawn(move || writer.write_all(&requests).is_ok());
    std::thread::sleep(Duration::from_millis(500));
    let grown = rss_kib(srv.pid().unwrap()).saturating_sub(before);
    assert!(grown < 16 * 1024, "server grew by {grown} KiB");
    // Others are still served meanwhile.
    still_serves(srv.port());

    for xid in 0..REQUESTS {
        let f = read_frame(&mut s).expect("every answer arrives");
        let h = ReplyHeader::decode(&mut Reader::new(&f)).unwrap();
        assert_eq!((h.xid, h.err), (xid + 2, 0));
        assert!(f.len() > SIZE);
    }
    assert!(sender.join().unwrap());
}

/// A connection that never says anything is closed once the sessionless
/// connection timeout has passed.
#[test]
fn silent_connections_without_a_session_are_closed() {
    let dir = testkit::TempDir::new("sessionless");
    let cfg = dir.path().join("zoo.cfg");
    std::fs::write(
        &cfg,
        "tickTime=100\nzookeeper.nio.sessionlessCnxnTimeout=300\n",
    )
    .unwrap();
    let srv = ZkServerProcess::start(env!("CARGO_BIN_EXE_zkserver"), &[cfg.to_str().unwrap()]);
    let started = std::time::Instant::now();
    let mut s = connect(srv.port());
    assert!(is_closed(&mut s));
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    still_serves(srv.port());
}

/// The server stops reading a socket once a read comes back short of its
/// buffer; these are the cases where more is there or the peer has gone.
#[test]
fn frames_longer_than_a_read_and_a_close_right_after_a_request_are_handled() {
    use std::net::Shutdown;
    use testkit::raw::RawSession;
    use zkrs_proto::consts::op;
    use zkrs_proto::records::{open_acl_unsafe, CreateRequest, ExistsRequest, GetDataRequest};

    let srv = server();
    let port = srv.port();
    let create = |path: &str, data: Vec<u8>| CreateRequest {
        path: path.into(),
        data: Some(data),
        acl: open_acl_unsafe(),
        flags: 0,
    };
    let mut a = RawSession::connect(port, 10_000).unwrap();
    // Close to the 1 MiB frame limit: many reads of the server's buffer.
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let r = a.call(op::CREATE, &create("/big", big.clone())).unwrap();
    assert_eq!(r.header.err, 0);
    let got = a
        .call(
            op::GET_DATA,
            &GetDataRequest {
                path: "/big".into(),
                watch: false,
            },
        )
        .unwrap();
    assert_eq!(got.header.err, 0);
    assert_eq!(&got.body[4..4 + big.len()], &big[..]);

    // A request and the close in one go: the request is applied and the
    // close is seen, though no further data follows it.
    let b = RawSession::connect(port, 10_000).unwrap();
    let (mut stream, _) = b.into_parts();
    let body = zkrs_proto::jute::to_vec(&create("/last-words", vec![1]));
    stream
        .write_all(&request_frame(1, op::CREATE, &body))
        .unwrap();
    stream.shutdown(Shutdown::Both).unwrap();
    drop(stream);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let srvr = four_letter(port, "srvr").unwrap();
        // `a` and the connection asking.
        if srvr.contains("Connections: 2\n") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the closed connection is still counted: {srvr}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let exists = ExistsRequest {
        path: "/last-words".into(),
        watch: false,
    };
    assert_eq!(a.call(op::EXISTS, &exists).unwrap().header.err, 0);
}
