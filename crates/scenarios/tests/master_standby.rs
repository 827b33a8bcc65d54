//! examples/c/master_standby.c end to end: several instances against one
//! server, the master killed in each way, exactly one master afterwards
//! within the takeover bounds. Built against the chosen C client and run
//! against the chosen server (tests/common/mod.rs).

mod common;

use common::cluster::{Cluster, SESSION_MS};
use common::{programs, shared_server, unique_path, Proc};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zkrs_scenarios::{field, parse_status};

/// Scheduling allowance on a loaded two-core machine.
const SLACK: Duration = Duration::from_millis(500);

/// Failover timings would be skewed by a second cluster on the same cores.
static SERIAL: Mutex<()> = Mutex::new(());

#[test]
fn sigkill_of_the_master_gives_one_new_master_within_timeout_plus_tick() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = shared_server();
    let mut c = Cluster::start(server, 3);
    let old = c.masters()[0];
    let i = c.index_of(old);
    let killed_at = Instant::now();
    c.procs[i].kill(); // SIGKILL
    c.is_master.insert(old, false);
    let bound = c.timeout + server.tick + SLACK;
    let (t, s) = c
        .wait_for(bound + Duration::from_secs(5), |s| s.word == "MASTER")
        .unwrap_or_else(|| panic!("no new master: {:?}", c.all_seen()));
    let took = t - killed_at;
    eprintln!(
        "SIGKILL failover: {took:?} (session timeout {:?}, tick {:?})",
        c.timeout, server.tick
    );
    assert_ne!(s.pid, old);
    assert!(took <= bound, "takeover took {took:?}, bound {bound:?}");
    assert!(
        took >= c.timeout / 2,
        "a standby took over before the session could end ({took:?})"
    );
    c.pump(Duration::from_millis(500));
    assert_eq!(
        c.masters(),
        vec![s.pid],
        "exactly one master: {:?}",
        c.all_seen()
    );
}

#[test]
fn sigterm_of_the_master_hands_over_at_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = shared_server();
    let mut c = Cluster::start(server, 3);
    let old = c.masters()[0];
    let i = c.index_of(old);
    let asked_at = Instant::now();
    c.procs[i].signal(libc::SIGTERM);
    let (t, s) = c
        .wait_for(Duration::from_secs(5), |s| s.word == "MASTER")
        .unwrap_or_else(|| panic!("no new master: {:?}", c.all_seen()));
    let took = t - asked_at;
    eprintln!("graceful handover: {took:?}");
    assert_ne!(s.pid, old);
    assert!(
        took < Duration::from_millis(500),
        "graceful handover took {took:?}"
    );
    let st = c.procs[i]
        .wait_exit(Duration::from_secs(5))
        .expect("stopped on SIGTERM");
    assert!(st.success(), "exit status {st}");
    c.pump(Duration::from_millis(300));
    let words: Vec<String> = c.procs[i]
        .seen
        .iter()
        .filter_map(|l| parse_status(l))
        .map(|s| s.word)
        .collect();
    assert!(
        words.ends_with(&["STOPPING".into(), "STOPPED".into()]),
        "{words:?}"
    );
    assert_eq!(
        c.masters(),
        vec![s.pid],
        "exactly one master: {:?}",
        c.all_seen()
    );

    // and once more, down to the last instance
    let j = c.index_of(s.pid);
    c.procs[j].signal(libc::SIGTERM);
    let (_, last) = c
        .wait_for(Duration::from_secs(5), |s| s.word == "MASTER")
        .expect("the last takes over");
    assert!(last.pid != old && last.pid != s.pid);
    c.pump(Duration::from_millis(300));
    assert_eq!(c.masters(), vec![last.pid]);
}

#[test]
fn an_expired_master_steps_down_and_comes_back_as_standby() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = shared_server();
    let mut c = Cluster::start(server, 2);
    let old = c.masters()[0];
    let i = c.index_of(old);
    let old_session = c.procs[i]
        .seen
        .iter()
        .filter_map(|l| parse_status(l))
        .find(|s| s.word == "CONNECTED")
        .and_then(|s| field(&s.rest, "session").map(str::to_string))
        .expect("session id");
    // Frozen past its session timeout: the server expires it, the node
    // goes and the standby takes over while the old master cannot know.
    c.procs[i].signal(libc::SIGSTOP);
    let (_, new) = c
        .wait_for(c.timeout + server.tick * 2 + Duration::from_secs(5), |s| {
            s.word == "MASTER"
        })
        .unwrap_or_else(|| panic!("no takeover: {:?}", c.all_seen()));
    assert_ne!(new.pid, old);
    c.procs[i].signal(libc::SIGCONT);
    // It learns of the expiry, steps down, re-inits with the old client id
    // and ends up a standby in a fresh session.
    c.wait_for(Duration::from_secs(10), |s| {
        s.pid == old && s.word == "EXPIRED"
    })
    .unwrap_or_else(|| panic!("no EXPIRED: {:?}", c.all_seen()));
    c.wait_for(Duration::from_secs(10), |s| {
        s.pid == old
            && s.word == "REINIT"
            && field(&s.rest, "session") == Some(old_session.as_str())
    })
    .unwrap_or_else(|| panic!("no re-init with the previous client id: {:?}", c.all_seen()));
    c.wait_for(Duration::from_secs(10), |s| {
        s.pid == old
            && s.word == "CONNECTED"
            && field(&s.rest, "session") != Some(old_session.as_str())
    })
    .unwrap_or_else(|| panic!("no fresh session: {:?}", c.all_seen()));
    c.wait_for(Duration::from_secs(10), |s| {
        s.pid == old && s.word == "STANDBY"
    })
    .unwrap_or_else(|| panic!("not standing by: {:?}", c.all_seen()));
    c.pump(Duration::from_millis(500));
    assert_eq!(
        c.masters(),
        vec![new.pid],
        "exactly one master: {:?}",
        c.all_seen()
    );
    // one expiry of the old session, one more for the resume attempt
    let expiries = c
        .events
        .iter()
        .filter(|(_, s)| s.pid == old && s.word == "EXPIRED")
        .count();
    assert!(
        (1..=2).contains(&expiries),
        "{expiries} EXPIRED lines: {:?}",
        c.all_seen()
    );
}

#[test]
fn client_logging_goes_where_the_host_program_sets_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = shared_server();
    let log = std::env::temp_dir().join(format!("zkrs-ms-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let service = unique_path("log")
        .trim_start_matches("/scenarios/")
        .to_string();
    let mut p = Proc::spawn(
        &programs().master_standby,
        &[
            "-l",
            log.to_str().unwrap(),
            "-L",
            "debug",
            "-d",
            "0",
            &server.hosts(),
            &service,
            SESSION_MS,
        ],
        &[],
    );
    p.wait_line(Duration::from_secs(20), |l| {
        parse_status(l).is_some_and(|s| s.word == "WORKING")
    })
    .unwrap_or_else(|| panic!("never master: {:?}", p.seen));
    p.signal(libc::SIGTERM);
    assert!(p
        .wait_exit(Duration::from_secs(5))
        .is_some_and(|s| s.success()));
    p.wait_line(Duration::from_secs(2), |l| l.contains("STOPPED"));
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    assert!(
        text.contains("ZOO_DEBUG"),
        "debug output in the log file: {text}"
    );
    // stdout carries only status lines
    assert!(
        p.seen.iter().all(|l| parse_status(l).is_some()),
        "{:?}",
        p.seen
    );
}

#[test]
fn bad_command_lines_are_refused() {
    let exe = &programs().master_standby;
    for args in [
        &[][..],
        &["127.0.0.1:1"][..],
        &["127.0.0.1:1", "a/b"][..],
        &["127.0.0.1:1", ""][..],
        &["127.0.0.1:1", "svc", "0"][..],
        &["127.0.0.1:1", "svc", "soon"][..],
        &["-L", "loud", "127.0.0.1:1", "svc"][..],
        &["-d", "-5", "127.0.0.1:1", "svc"][..],
        &["127.0.0.1:1", "svc", "2000", "extra"][..],
    ] {
        let out = std::process::Command::new(exe)
            .args(args)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "an explanation for {args:?}");
        assert!(out.stdout.is_empty(), "no status for {args:?}");
    }
    // a host string the client library refuses: a status line says why
    for hosts in ["nonsense", "127.0.0.1:notaport", ""] {
        let out = std::process::Command::new(exe)
            .args([hosts, "svc"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{hosts:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout
                .lines()
                .filter_map(parse_status)
                .any(|s| s.word == "ERROR" && s.rest.starts_with("zookeeper_init")),
            "{hosts:?}: {stdout}"
        );
    }
}

#[test]
fn connection_losses_alone_change_no_master() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = shared_server();
    let proxy = common::proxy::Proxy::start(server.port);
    let mut c = Cluster::start_on(&proxy.hosts(), 3);
    let master = c.masters()[0];
    // Cut every connection again and again, each time reconnecting well
    // within the session timeout: the sessions live, so the master stays.
    let mut cuts = 0;
    for _ in 0..8 {
        cuts += usize::from(proxy.sever() > 0);
        c.pump(Duration::from_millis(300));
    }
    c.pump(Duration::from_millis(1500));
    assert!(cuts >= 4, "cut only {cuts} times");
    let disconnects = c
        .events
        .iter()
        .filter(|(_, s)| s.word == "DISCONNECTED")
        .count();
    assert!(
        disconnects >= 3,
        "the instances noticed {disconnects} disconnections"
    );
    let takeovers: Vec<_> = c.events[c.cursor..]
        .iter()
        .filter(|(_, s)| s.word == "MASTER")
        .collect();
    assert!(takeovers.is_empty(), "mastership moved: {takeovers:?}");
    assert_eq!(c.masters(), vec![master], "{:?}", c.all_seen());
}

#[test]
fn builds_unchanged_against_apaches_client_and_ours() {
    // The same source, no changes, against both headers and libraries; each
    // build is checked (by ldd) to load the library it was built for.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("both-ways");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let src = common::workspace_root().join("examples/c/master_standby.c");
    let on_apache = dir.join("master_standby_apache");
    let on_ours = dir.join("master_standby_zkrs");
    common::compile(
        std::slice::from_ref(&src),
        &[],
        common::CClient::Apache,
        &on_apache,
    );
    common::compile(&[src], &[], common::CClient::Zkrs, &on_ours);
    // Both builds become master of their own service on the shared server.
    let server = shared_server();
    for (exe, tag) in [(&on_apache, "apache"), (&on_ours, "zkrs")] {
        let service = format!("both-{tag}-{}", std::process::id());
        let mut p = Proc::spawn(exe, &["-d", "0", &server.hosts(), &service, "4000"], &[]);
        let got = p.wait_line(Duration::from_secs(20), |l| {
            parse_status(l).is_some_and(|s| s.word == "MASTER")
        });
        assert!(
            got.is_some(),
            "{tag} build never became master: {:?}",
            p.seen
        );
        p.signal(libc::SIGTERM);
        assert!(
            p.wait_exit(Duration::from_secs(10)).is_some(),
            "{tag} build did not stop"
        );
    }
}
