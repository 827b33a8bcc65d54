//! `zkserver --dump-log` and `--dump-snapshot` on files written through the
//! storage module.

use std::process::{Command, Output};

use testkit::TempDir;
use zkrs_proto::records::{open_acl_unsafe, Stat};
use zkrs_server::core::storage::{Storage, Txn, TxnRecord};
use zkrs_server::storage::{write_snapshot_file, DataDirs, LogOptions, SnapshotWriter, TxnLog};

fn zkserver(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkserver"))
        .args(args)
        .output()
        .expect("run zkserver")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn create(zxid: i64, path: &str) -> TxnRecord {
    TxnRecord {
        session: 0x1000a3f00000001,
        xid: zxid as i32,
        zxid,
        time_ms: 1_795_453_262_345,
        txn: Txn::Create {
            path: path.into(),
            data: Some(b"abc".to_vec()),
            acl: open_acl_unsafe(),
            ephemeral_owner: 0,
        },
    }
}

/// Three chunks in one log file: zxids 1, 2..=3, 4.
fn write_log(dirs: &DataDirs) {
    let mut log = TxnLog::open(dirs, LogOptions::default()).unwrap();
    log.append(&TxnRecord {
        txn: Txn::CreateSession { timeout_ms: 30_000 },
        ..create(1, "")
    });
    log.sync().unwrap();
    log.append(&create(2, "/a"));
    log.append(&create(3, "/a/b"));
    log.sync().unwrap();
    log.append(&TxnRecord {
        txn: Txn::Delete {
            path: "/a/b".into(),
        },
        ..create(4, "")
    });
    log.sync().unwrap();
}

#[test]
fn dump_log_prints_every_record_and_fails_on_corruption() {
    let tmp = TempDir::new("dump-tool-log");
    let dirs = DataDirs::open(tmp.path(), None).unwrap();
    write_log(&dirs);
    let data_dir = tmp.path().to_str().unwrap();
    let out = zkserver(&["--dump-log", data_dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("version-2/log.1 ("), "{stdout}");
    assert!(
        stdout.contains(
            "0x3 2026-11-23T17:01:02.345Z session 0x1000a3f00000001 cxid 3 create /a/b \
             data=3 bytes \"abc\" acl=[world:anyone:cdrwa] owner=0x0"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("0x1 2026-11-23T17:01:02.345Z session 0x1000a3f00000001 cxid 1 createSession timeout=30000ms"), "{stdout}");
    assert!(stdout.contains("0x4 "), "{stdout}");

    // Flip a byte inside the second chunk's body.
    let file = dirs.log_dir().join("log.1");
    let mut bytes = std::fs::read(&file).unwrap();
    let offsets: Vec<u64> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("chunk at offset "))
        .map(|l| l.split(':').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(offsets.len(), 3, "{stdout}");
    bytes[offsets[1] as usize + 40] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    let out = zkserver(&["--dump-log", data_dir]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("log.1: corrupt record at offset {}", offsets[1])),
        "{stderr}"
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("0x1 "), "{stdout}");
    assert!(!stdout.contains("0x2 "), "{stdout}");
}

#[test]
fn dump_snapshot_prints_sessions_and_nodes() {
    let tmp = TempDir::new("dump-tool-snap");
    let dirs = DataDirs::open(tmp.path(), None).unwrap();
    let mut w = SnapshotWriter::new(0x1a3);
    w.session(0x1000a3f00000001, 30_000);
    let acl = w.acl_list(&open_acl_unsafe());
    let stat = Stat {
        czxid: 0x1a0,
        mzxid: 0x1a1,
        pzxid: 0x1a0,
        data_length: 3,
        ..Stat::default()
    };
    w.node("/", Some(b""), acl, &Stat::default(), 0);
    w.node("/a", Some(b"abc"), acl, &stat, 0);
    let file = write_snapshot_file(&dirs, 0x1a3, &w.finish()).unwrap();
    assert!(file.ends_with("version-2/snapshot.1a3"));
    let out = zkserver(&["--dump-snapshot", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("snapshot at zxid 0x1a3"), "{stdout}");
    assert!(
        stdout.contains("session 0x1000a3f00000001 timeout=30000ms"),
        "{stdout}"
    );
    assert!(
        stdout.contains("/a data=3 bytes \"abc\" acl=#0 seq=0 czxid=0x1a0 mzxid=0x1a1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 sessions, 1 ACL lists, 2 nodes"),
        "{stdout}"
    );

    std::fs::write(&file, b"not a snapshot at all, just some text").unwrap();
    let out = zkserver(&["--dump-snapshot", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("snapshot.1a3"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn dump_modes_reject_bad_arguments() {
    let out = zkserver(&["--dump-log"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("usage"), "{}", text(&out.stderr));
    let out = zkserver(&["--dump-snapshot", "/nonexistent/snapshot.1"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("/nonexistent/snapshot.1"),
        "{}",
        text(&out.stderr)
    );
}
