//! Starting and stopping: the embedding API, the zkserver binary's
//! configuration handling and its graceful stop on SIGTERM, and many
//! concurrent sessions on the one event loop.

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use testkit::raw::{connect_frame, is_closed, read_frame, request_frame};
use testkit::{four_letter, TempDir, ZkServerProcess};
use zkrs_proto::jute::{from_slice, to_vec};
use zkrs_proto::jute::{Decode, Encode, Reader};
use zkrs_proto::records::{
    open_acl_unsafe, ConnectRequest, ConnectResponse, CreateRequest, ExistsRequest, ReplyHeader,
    WatcherEvent,
};
use zkrs_server::config::Whitelist;
use zkrs_server::{Server, ServerConfig};

/// The handshake of a new session asking for this timeout.
fn hello(timeout_ms: i32) -> Vec<u8> {
    connect_frame(&ConnectRequest {
        time_out: timeout_ms,
        passwd: vec![0; 16],
        ..Default::default()
    })
}

fn open_session(port: u16) -> (TcpStream, ConnectResponse) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(&hello(30_000)).unwrap();
    let resp = from_slice::<ConnectResponse>(&read_frame(&mut s).unwrap()).unwrap();
    (s, resp)
}

fn run_zkserver(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zkserver"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn embedded_server_starts_serves_and_stops() {
    let mut config = ServerConfig {
        client_port: 0,
        four_letter_whitelist: Whitelist::All,
        ..Default::default()
    };
    config.set_session_timeouts(Some(1000), Some(5000));
    let handle = Server::start(config).unwrap();
    let addr = handle.local_addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert_eq!(four_letter(addr.port(), "ruok").unwrap(), "imok");
    let (mut s, resp) = open_session(addr.port());
    assert_ne!(resp.session_id, 0);
    assert_eq!(resp.time_out, 5000);
    handle.stop().unwrap();
    // The session's connection is closed and nobody listens any more.
    assert!(is_closed(&mut s));
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn embedded_server_refuses_a_busy_port() {
    let first = Server::start(ServerConfig {
        client_port: 0,
        ..Default::default()
    })
    .unwrap();
    let err = Server::start(ServerConfig {
        client_port: first.local_addr().port(),
        ..Default::default()
    });
    assert!(err.is_err());
    drop(first);
}

#[test]
fn sigterm_stops_the_binary_gracefully() {
    let mut srv = ZkServerProcess::start(env!("CARGO_BIN_EXE_zkserver"), &[]);
    let (mut s, _) = open_session(srv.port());
    let status = srv.terminate().expect("it was running");
    assert!(status.success(), "{status:?}");
    assert!(is_closed(&mut s));
}

#[test]
fn binary_reads_zoo_cfg_and_flags_override_it() {
    let dir = TempDir::new("zkserver-cfg");
    let cfg = dir.path().join("zoo.cfg");
    std::fs::write(
        &cfg,
        format!(
            "tickTime=500\nclientPort=1\ndataDir={}\n4lw.commands.whitelist=conf,ruok\nsomeFutureKey=1\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    // --port 0 (given by ZkServerProcess) wins over clientPort=1.
    let srv = ZkServerProcess::start(env!("CARGO_BIN_EXE_zkserver"), &[cfg.to_str().unwrap()]);
    let conf = four_letter(srv.port(), "conf").unwrap();
    assert!(conf.contains("tickTime=500\n"), "{conf}");
    assert!(
        conf.contains("minSessionTimeout=1000\nmaxSessionTimeout=10000\n"),
        "{conf}"
    );
    assert!(dir.path().join("data").is_dir());
    let refused = four_letter(srv.port(), "stat").unwrap();
    assert_eq!(
        refused,
        "stat is not executed because it is not in the whitelist.\n"
    );
}

#[test]
fn binary_refuses_ensembles_and_bad_values_clearly() {
    let dir = TempDir::new("zkserver-badcfg");
    let cases = [
        (
            "ensemble.cfg",
            "tickTime=2000\nserver.1=host1:2888:3888\n",
            "Apache ZooKeeper",
        ),
        ("badtick.cfg", "tickTime=soon\n", "tickTime"),
        ("noequals.cfg", "clientPort\n", "line 1"),
    ];
    for (name, text, needle) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = run_zkserver(&[path.to_str().unwrap(), "--port", "0"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(needle), "{name}: {stderr}");
    }
    let out = run_zkserver(&["/nonexistent/zoo.cfg"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    let out = run_zkserver(&["--port", "http"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--port"));
    let out = run_zkserver(&["--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
}

/// Ten thousand sessions, each on its own connection, all answered by the one
/// event loop; then every one of them still answers a ping.
#[test]
fn ten_thousand_concurrent_sessions() {
    const N: usize = 10_000;
    zkrs_server::sys::raise_open_file_limit();
    let dir = TempDir::new("zkserver-many");
    let cfg = dir.path().join("zoo.cfg");
    std::fs::write(&cfg, "maxClientCnxns=0\nmaxSessionTimeout=120000\n").unwrap();
    let srv = ZkServerProcess::start(env!("CARGO_BIN_EXE_zkserver"), &[cfg.to_str().unwrap()]);
    let started = Instant::now();
    let handshake = hello(30_000);
    let mut conns = Vec::with_capacity(N);
    // Connect in batches: write every handshake of a batch, then read them.
    for _ in 0..N / 500 {
        let batch: Vec<TcpStream> = (0..500)
            .map(|_| {
                let mut s = TcpStream::connect(("127.0.0.1", srv.port())).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                s.write_all(&handshake).unwrap();
                s
            })
            .collect();
        for mut s in batch {
            let resp = from_slice::<ConnectResponse>(&read_frame(&mut s).unwrap()).unwrap();
            assert_ne!(resp.session_id, 0);
            conns.push(s);
        }
    }
    let ping = request_frame(-2, 11, &[]);
    for s in conns.iter_mut() {
        s.write_all(&ping).unwrap();
    }
    for s in conns.iter_mut() {
        let reply = read_frame(s).unwrap();
        assert_eq!(&reply[..4], &(-2i32).to_be_bytes());
    }
    let mntr = four_letter(srv.port(), "srvr").unwrap();
    assert!(
        mntr.contains(&format!("Connections: {}\n", N + 1)),
        "{mntr}"
    );
    eprintln!("{N} sessions opened and pinged in {:?}", started.elapsed());
}

/// maxClientCnxns limits the connections from one address: the next one is
/// closed at once, as Apache closes it; a freed slot can be used again.
#[test]
fn max_client_cnxns_is_enforced_per_address() {
    let handle = Server::start(ServerConfig {
        client_port: 0,
        max_client_cnxns: 2,
        ..Default::default()
    })
    .unwrap();
    let port = handle.local_addr().port();
    let (first, _) = open_session(port);
    let (_second, _) = open_session(port);
    let mut third = TcpStream::connect(("127.0.0.1", port)).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = third.write_all(&hello(30_000));
    assert!(is_closed(&mut third));
    drop(first);
    // The server notices the close on its next loop turn.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.write_all(&hello(30_000));
        if let Ok(frame) = read_frame(&mut s) {
            assert_ne!(from_slice::<ConnectResponse>(&frame).unwrap().session_id, 0);
            break;
        }
        assert!(Instant::now() < deadline, "the freed slot was never reused");
        std::thread::sleep(Duration::from_millis(20));
    }
    handle.stop().unwrap();
}

fn request(s: &mut TcpStream, xid: i32, op: i32, body: &impl Encode) {
    s.write_all(&request_frame(xid, op, &to_vec(body))).unwrap();
}

/// A session whose client goes silent expires on the tick after its timeout:
/// its ephemeral node goes, a watcher hears it, and reattaching fails.
#[test]
fn silent_sessions_expire_on_tick_buckets() {
    let config = ServerConfig {
        client_port: 0,
        tick_time_ms: 100,
        ..Default::default()
    };
    // Negotiated to the minimum, two ticks.
    let handle = Server::start(config).unwrap();
    let port = handle.local_addr().port();
    let mut quiet = TcpStream::connect(("127.0.0.1", port)).unwrap();
    quiet
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    quiet.write_all(&hello(1)).unwrap();
    let session = from_slice::<ConnectResponse>(&read_frame(&mut quiet).unwrap()).unwrap();
    assert_eq!(session.time_out, 200);
    let create = CreateRequest {
        path: "/eph".into(),
        data: None,
        acl: open_acl_unsafe(),
        flags: 1,
    };
    request(&mut quiet, 1, 1, &create);
    let reply = read_frame(&mut quiet).unwrap();
    assert_eq!(
        ReplyHeader::decode(&mut Reader::new(&reply)).unwrap().err,
        0
    );
    let started = Instant::now();

    // The watcher keeps its own, longer session alive with pings.
    let mut watcher = TcpStream::connect(("127.0.0.1", port)).unwrap();
    watcher.write_all(&hello(2000)).unwrap();
    watcher
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    read_frame(&mut watcher).unwrap();
    let exists = ExistsRequest {
        path: "/eph".into(),
        watch: true,
    };
    request(&mut watcher, 1, 3, &exists);
    let reply = read_frame(&mut watcher).unwrap();
    assert_eq!(
        ReplyHeader::decode(&mut Reader::new(&reply)).unwrap().err,
        0
    );
    let frame = read_frame(&mut watcher).expect("a NodeDeleted event");
    let waited = started.elapsed();
    let mut r = Reader::new(&frame);
    assert_eq!(ReplyHeader::decode(&mut r).unwrap().xid, -1);
    let event = WatcherEvent::decode(&mut r).unwrap();
    assert_eq!((event.event_type, event.path.as_str()), (2, "/eph"));
    // 200 ms of silence, rounded up to a tick, plus at most a tick of slack.
    assert!(waited >= Duration::from_millis(150), "{waited:?}");
    assert!(waited < Duration::from_millis(1500), "{waited:?}");
    // The quiet connection was closed; reattaching finds the session expired.
    assert!(is_closed(&mut quiet));
    let mut again = TcpStream::connect(("127.0.0.1", port)).unwrap();
    again
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let resume = connect_frame(&ConnectRequest {
        time_out: 200,
        session_id: session.session_id,
        passwd: session.passwd.clone(),
        ..Default::default()
    });
    again.write_all(&resume).unwrap();
    let resp = from_slice::<ConnectResponse>(&read_frame(&mut again).unwrap()).unwrap();
    assert_eq!((resp.session_id, resp.time_out), (0, 0));
    handle.stop().unwrap();
}
