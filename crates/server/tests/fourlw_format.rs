//! Four-letter words answer in Apache ZooKeeper's formats: the same lines and
//! keys as Apache's answer to the same word, values aside.

use std::io::Write;

use testkit::raw::RawSession;
use testkit::{four_letter, ApacheOptions, ApacheZk, TempDir, ZkServerProcess};
use zkrs_proto::consts::op;
use zkrs_proto::records::ExistsRequest;

/// A session that has set an exist watch on `/nothere`; returns it (keep it
/// open) and its id.
fn watching_session(port: u16) -> (RawSession, i64) {
    let mut s = RawSession::connect(port, 30_000).unwrap();
    let exists = ExistsRequest {
        path: "/nothere".into(),
        watch: true,
    };
    s.call(op::EXISTS, &exists).unwrap();
    let id = s.session_id;
    (s, id)
}

/// The keys of `key: value`, `key=value` or `key\tvalue` lines.
fn keys(text: &str, sep: char) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_once(sep).map(|(k, _)| k.trim().to_string()))
        .collect()
}

#[test]
fn formats_match_apache() {
    let apache = ApacheZk::start_with(ApacheOptions::default());
    let dir = TempDir::new("fourlw");
    let cfg = dir.path().join("zoo.cfg");
    let mut f = std::fs::File::create(&cfg).unwrap();
    writeln!(
        f,
        "tickTime=2000\n4lw.commands.whitelist=*\ndataDir={}",
        dir.path().display()
    )
    .unwrap();
    let ours = ZkServerProcess::start(env!("CARGO_BIN_EXE_zkserver"), &[cfg.to_str().unwrap()]);
    let get = |port, w| four_letter(port, w).unwrap();
    let (a, o) = (apache.port(), ours.port());

    assert_eq!(get(o, "ruok"), "imok");
    assert_eq!(get(o, "isro"), get(a, "isro"));
    assert_eq!(keys(&get(o, "srvr"), ':'), keys(&get(a, "srvr"), ':'));
    let conf_keys = |t: &str| keys(t, '=');
    assert_eq!(conf_keys(&get(o, "conf")), conf_keys(&get(a, "conf")));
    let wchs = get(o, "wchs");
    assert!(wchs.ends_with(" paths\nTotal watches:0\n"), "{wchs}");
    let stat = get(o, "stat");
    assert!(stat.contains("\nClients:\n /127.0.0.1:"), "{stat}");
    assert!(stat.contains("Mode: standalone\nNode count: "), "{stat}");
    let mntr = get(o, "mntr");
    let apache_keys = keys(&get(a, "mntr"), '\t');
    for k in keys(&mntr, '\t') {
        assert!(apache_keys.contains(&k), "mntr key {k} is not Apache's");
    }
    for k in [
        "zk_version",
        "zk_server_state",
        "zk_znode_count",
        "zk_watch_count",
        "zk_num_alive_connections",
    ] {
        assert!(
            mntr.contains(&format!("{k}\t")),
            "{k} missing from mntr:\n{mntr}"
        );
    }
    // With a session watching a path: the per-session and per-path listings.
    let (_oc, osid) = watching_session(o);
    let (_ac, asid) = watching_session(a);
    for (port, sid) in [(o, osid), (a, asid)] {
        assert_eq!(get(port, "wchc"), format!("0x{sid:x}\n\t/nothere\n\n"));
        assert_eq!(get(port, "wchp"), format!("/nothere\n\t0x{sid:x}\n\n"));
        assert_eq!(
            get(port, "wchs"),
            "1 connections watching 1 paths\nTotal watches:1\n"
        );
        let cons = get(port, "cons");
        assert!(
            cons.contains(&format!(",sid=0x{sid:x},lop=EXIS,est=")),
            "{cons}"
        );
        assert!(cons.ends_with(")\n\n"), "{cons}");
        let dump = get(port, "dump");
        assert!(dump.contains("\tip: /127.0.0.1:"), "{dump}");
        assert!(dump.contains(&format!(" sessionId: 0x{sid:x}\n")), "{dump}");
    }
    let dump = get(o, "dump");
    assert!(
        dump.starts_with("SessionTracker dump:\nSession Sets ("),
        "{dump}"
    );
    assert!(
        dump.contains("ephemeral nodes dump:\nSessions with Ephemerals ("),
        "{dump}"
    );
    let envi = get(o, "envi");
    assert!(
        envi.starts_with("Environment:\nzookeeper.version="),
        "{envi}"
    );
    // No JVM, so no java.* lines; every other key is one Apache prints.
    let apache_envi = keys(&get(a, "envi"), '=');
    for k in keys(&envi, '=') {
        assert!(apache_envi.contains(&k), "envi key {k} is not Apache's");
    }
    assert_eq!(get(o, "srst"), "Server stats reset.\n");
    assert_eq!(get(o, "crst"), "Connection stats reset.\n");
}
