use std::path::{Path, PathBuf};

use testkit::TempDir;
use zkrs_proto::jute::Reader;
use zkrs_proto::records::{Acl, Id, Stat};

use super::codec::{decode_txn, encode_txn};
use super::log::scan;
use super::*;
use crate::core::storage::{Storage, Txn, TxnRecord};

/// A snapshot node: path, data, ACL list index, stat, seq.
type NodeEntry = (String, Option<Vec<u8>>, u32, Stat, i32);

/// Everything recovery handed over, in order.
#[derive(Debug, Default, PartialEq)]
struct Collected {
    resets: u32,
    sessions: Vec<(i64, i32)>,
    acl_lists: Vec<(u32, Vec<Acl>)>,
    nodes: Vec<NodeEntry>,
    txns: Vec<TxnRecord>,
    /// A node path the sink refuses, to make a snapshot fail half-way.
    reject: Option<String>,
}

impl RecoverySink for Collected {
    fn reset(&mut self) {
        self.resets += 1;
        self.sessions.clear();
        self.acl_lists.clear();
        self.nodes.clear();
        self.txns.clear();
    }

    fn session(&mut self, id: i64, timeout_ms: i32) {
        self.sessions.push((id, timeout_ms));
    }

    fn acl_list(&mut self, index: u32, acl: Vec<Acl>) {
        self.acl_lists.push((index, acl));
    }

    fn node(
        &mut self,
        path: &str,
        data: Option<&[u8]>,
        acl_index: u32,
        stat: Stat,
        seq: i32,
    ) -> Result<(), String> {
        if self.reject.as_deref() == Some(path) {
            return Err("refused".into());
        }
        self.nodes
            .push((path.into(), data.map(<[u8]>::to_vec), acl_index, stat, seq));
        Ok(())
    }

    fn txn(&mut self, record: TxnRecord) -> Result<(), String> {
        self.txns.push(record);
        Ok(())
    }
}

fn world_acl() -> Vec<Acl> {
    vec![Acl {
        perms: 31,
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }]
}

fn digest_acl() -> Vec<Acl> {
    vec![
        Acl {
            perms: 1,
            id: Id {
                scheme: "digest".into(),
                id: "bob:YjTP0O6Xk8n7DKXw6ZqCoHMMAGc=".into(),
            },
        },
        Acl {
            perms: 17,
            id: Id {
                scheme: "ip".into(),
                id: "127.0.0.1".into(),
            },
        },
    ]
}

/// One of every kind of change, in turn.
fn txn_for(zxid: i64) -> Txn {
    match zxid % 9 {
        0 => Txn::CreateSession { timeout_ms: 30_000 },
        1 => Txn::CloseSession {
            deleted: vec!["/e1".into(), format!("/e/{zxid}")],
        },
        2 => Txn::Create {
            path: format!("/n{zxid}"),
            data: Some(vec![zxid as u8; (zxid % 50) as usize]),
            acl: world_acl(),
            ephemeral_owner: 0x1000_0000_0000_0001,
        },
        3 => Txn::Delete {
            path: format!("/n{zxid}"),
        },
        4 => Txn::SetData {
            path: "/a".into(),
            data: None,
        },
        5 => Txn::SetAcl {
            path: "/a".into(),
            acl: digest_acl(),
        },
        6 => Txn::Check { path: "/a".into() },
        7 => Txn::Multi(vec![
            Txn::Create {
                path: "/m".into(),
                data: Some(vec![]),
                acl: world_acl(),
                ephemeral_owner: 0,
            },
            Txn::SetData {
                path: "/m".into(),
                data: Some(b"x".to_vec()),
            },
            Txn::Check { path: "/m".into() },
            Txn::Delete { path: "/m".into() },
            Txn::Error(-101),
        ]),
        _ => Txn::Error(-110),
    }
}

fn record(zxid: i64) -> TxnRecord {
    TxnRecord {
        session: 0x1000_0000_0000_0000 | zxid,
        xid: zxid as i32 * 3,
        zxid,
        time_ms: 1_795_453_262_345 + zxid,
        txn: txn_for(zxid),
    }
}

fn records(zxids: std::ops::RangeInclusive<i64>) -> Vec<TxnRecord> {
    zxids.map(record).collect()
}

fn open_dirs(tmp: &TempDir) -> DataDirs {
    DataDirs::open(tmp.path(), None).expect("open data dirs")
}

fn small_log(dirs: &DataDirs) -> TxnLog {
    TxnLog::open(
        dirs,
        LogOptions {
            force_sync: true,
            prealloc_bytes: 64 * 1024,
        },
    )
    .unwrap()
}

/// Writes each group with one sync, rolling to a new file before the
/// groups whose index is in `roll_before`.
fn write_groups(dirs: &DataDirs, groups: &[std::ops::RangeInclusive<i64>], roll_before: &[usize]) {
    let mut log = small_log(dirs);
    for (i, g) in groups.iter().enumerate() {
        if roll_before.contains(&i) {
            // Through the trait, as the server calls it.
            Storage::roll(&mut log);
        }
        for r in records(g.clone()) {
            log.append(&r);
        }
        log.sync().unwrap();
    }
}

fn recover_all(dirs: &DataDirs) -> (Recovered, Collected) {
    let mut sink = Collected::default();
    let rec = recover(dirs, &mut sink).expect("recover");
    (rec, sink)
}

fn log_files(dirs: &DataDirs) -> Vec<PathBuf> {
    list_files(dirs.log_dir(), LOG_PREFIX)
        .unwrap()
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

/// Offsets of the chunks of a log file.
fn chunk_offsets(path: &Path) -> Vec<(u64, u64)> {
    let buf = std::fs::read(path).unwrap();
    scan(&buf)
        .unwrap()
        .chunks
        .iter()
        .map(|c| (c.offset, c.end()))
        .collect()
}

fn patch(path: &Path, at: u64, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.write_all_at(bytes, at).unwrap();
}

fn flip_bit(path: &Path, at: u64) {
    let buf = std::fs::read(path).unwrap();
    patch(path, at, &[buf[at as usize] ^ 0x10]);
}

#[test]
fn every_txn_variant_round_trips_through_the_codec() {
    for zxid in 0..9 {
        let txn = txn_for(zxid);
        let mut buf = Vec::new();
        encode_txn(&txn, &mut buf);
        let mut r = Reader::new(&buf);
        assert_eq!(decode_txn(&mut r, false).unwrap(), txn);
        assert!(r.is_empty());
        let rec = record(zxid);
        let mut buf = Vec::new();
        encode_record(&rec, &mut buf);
        assert_eq!(decode_record(&mut Reader::new(&buf), zxid).unwrap(), rec);
    }
    // Null data stays apart from empty data.
    for data in [None, Some(vec![])] {
        let txn = Txn::SetData {
            path: "/x".into(),
            data: data.clone(),
        };
        let mut buf = Vec::new();
        encode_txn(&txn, &mut buf);
        assert_eq!(decode_txn(&mut Reader::new(&buf), false).unwrap(), txn);
    }
}

#[test]
fn malformed_txns_are_decode_errors() {
    assert!(decode_txn(&mut Reader::new(&[42]), false).is_err());
    assert!(decode_txn(&mut Reader::new(&[]), false).is_err());
    let mut nested = Vec::new();
    encode_txn(&Txn::Multi(vec![Txn::Multi(vec![])]), &mut nested);
    assert!(decode_txn(&mut Reader::new(&nested), false).is_err());
    // A multi claiming more ops than bytes left.
    let hostile = [8u8, 0x7f, 0xff, 0xff, 0xff];
    assert!(decode_txn(&mut Reader::new(&hostile), false).is_err());
    let mut cut = Vec::new();
    encode_txn(&txn_for(2), &mut cut);
    cut.truncate(cut.len() - 3);
    assert!(decode_txn(&mut Reader::new(&cut), false).is_err());
}

#[test]
fn groups_across_rolled_files_recover_in_order() {
    let tmp = TempDir::new("storage-roll");
    let dirs = open_dirs(&tmp);
    let groups: Vec<_> = (0..12).map(|i| (i * 10 + 1)..=(i * 10 + 10)).collect();
    write_groups(&dirs, &groups, &[4, 8]);
    let names: Vec<_> = log_files(&dirs)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["log.1", "log.29", "log.51"]);
    assert_eq!(chunk_offsets(&dirs.log_dir().join("log.29")).len(), 4);
    // Closing the log gave back its preallocated tail; recovery does the
    // same for a log that was not closed.
    let last = dirs.log_dir().join("log.51");
    let end = chunk_offsets(&last).last().unwrap().1;
    assert_eq!(std::fs::metadata(&last).unwrap().len(), end);
    patch(&last, end, &[0; 8192]);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(std::fs::metadata(&last).unwrap().len(), end);
    assert_eq!(sink.txns, records(1..=120));
    assert_eq!(rec.last_zxid, 120);
    assert_eq!(rec.replayed, 120);
    assert!(rec.snapshot.is_none());
    assert!(rec.torn_tail.is_none());
}

#[test]
fn zeros_written_ahead_of_the_log_never_reach_its_records() {
    let tmp = TempDir::new("storage-zero-ahead");
    let dirs = open_dirs(&tmp);
    let mut log = small_log(&dirs);
    let big = |zxid: i64| TxnRecord {
        txn: Txn::SetData {
            path: "/big".into(),
            data: Some(vec![b'x'; 3000]),
        },
        ..record(zxid)
    };
    // Groups of one to five records, about 300 KB in all: the zeros run
    // ahead of the end in several steps of the 64 KiB preallocation.
    let mut next = 1;
    for g in 0..40 {
        for _ in 0..1 + g % 5 {
            log.append(&big(next));
            next += 1;
        }
        log.sync().unwrap();
        let file = log.current_file().unwrap().to_path_buf();
        let end = chunk_offsets(&file).last().unwrap().1;
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            bytes.len() as u64 >= end + 64 * 1024,
            "zeros ahead of the end"
        );
        assert!(bytes[end as usize..].iter().all(|&b| b == 0));
    }
    drop(log);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(sink.txns, (1..next).map(big).collect::<Vec<_>>());
    assert!(rec.torn_tail.is_none());
}

#[test]
fn groups_synced_in_the_background_recover_and_the_next_group_waits_its_turn() {
    use crate::core::storage::{AfterSync, SyncStarted};
    let tmp = TempDir::new("storage-async");
    let dirs = open_dirs(&tmp);
    let mut log = small_log(&dirs);
    let (after_tx, after_rx) = std::sync::mpsc::channel();
    let (tx, rx) = std::sync::mpsc::channel();
    log.set_notify(Box::new(move || {
        let _ = tx.send(());
    }));
    let mut next = 1;
    for round in 0..20 {
        for r in records(next..=next + 2) {
            log.append(&r);
        }
        next += 3;
        let ran = after_tx.clone();
        let after: AfterSync = Box::new(move |durable| {
            let thread = std::thread::current().name().map(str::to_string);
            let _ = ran.send((durable, thread));
        });
        assert_eq!(log.start_sync(Some(after)).unwrap(), SyncStarted::InFlight);
        // Applied while the disk syncs: it goes with the next group.
        log.append(&record(next));
        next += 1;
        // One sync at a time: a second is refused, its work told no.
        let refused: AfterSync = Box::new(|durable| assert!(!durable));
        assert!(log.start_sync(Some(refused)).is_err());
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the sync thread tells when it is done");
        assert!(log.finish_sync().expect("done").is_ok(), "round {round}");
        // What was to follow the sync runs on the sync thread.
        assert_eq!(
            after_rx
                .recv_timeout(std::time::Duration::from_secs(10))
                .unwrap(),
            (true, Some("zkserver-log-sync".to_string()))
        );
        assert!(log.finish_sync().is_none(), "nothing in flight");
        if round % 7 == 6 {
            Storage::roll(&mut log);
        }
    }
    log.sync().unwrap();
    drop(log);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(sink.txns, records(1..=next - 1));
    assert_eq!(rec.last_zxid, next - 1);
}

#[test]
fn an_empty_directory_recovers_to_nothing() {
    let tmp = TempDir::new("storage-empty");
    let dirs = open_dirs(&tmp);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(rec.last_zxid, 0);
    assert_eq!(sink, Collected::default());
}

/// Recovery of a log whose last chunk was damaged by `damage` cuts the
/// chunk off, and the log goes on after it.
fn torn_tail_case(tag: &str, damage: impl FnOnce(&Path, u64, u64)) {
    let tmp = TempDir::new(tag);
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=5, 6..=9, 10..=12], &[]);
    let file = dirs.log_dir().join("log.1");
    let (last_start, last_end) = *chunk_offsets(&file).last().unwrap();
    damage(&file, last_start, last_end);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(sink.txns, records(1..=9));
    assert_eq!(rec.last_zxid, 9);
    let (torn_file, offset, cut) = rec.torn_tail.expect("torn tail reported");
    assert_eq!((torn_file, offset), (file.clone(), last_start));
    assert!(cut > 0);
    assert_eq!(std::fs::metadata(&file).unwrap().len(), last_start);
    drop(dirs);

    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[10..=15], &[]);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(sink.txns, records(1..=15));
    assert!(rec.torn_tail.is_none());
}

#[test]
fn a_file_cut_inside_the_last_chunk_is_a_torn_tail() {
    torn_tail_case("storage-torn-cut", |file, start, end| {
        let f = std::fs::OpenOptions::new().write(true).open(file).unwrap();
        f.set_len(start + (end - start) / 2).unwrap();
    });
}

#[test]
fn a_zeroed_last_chunk_header_with_its_body_is_a_torn_tail() {
    torn_tail_case("storage-torn-header", |file, start, _| {
        patch(file, start, &[0; 32]);
    });
}

#[test]
fn garbage_after_the_last_chunk_is_a_torn_tail() {
    let tmp = TempDir::new("storage-torn-garbage");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=3, 4..=6], &[]);
    let file = dirs.log_dir().join("log.1");
    let end = chunk_offsets(&file)[1].1;
    let mut garbage = b"ZKCH\x00\x00\x00\x10not a chunk".to_vec();
    garbage.extend((0..300u32).map(|i| (i * 7 + 3) as u8));
    patch(&file, end, &garbage);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(sink.txns, records(1..=6));
    assert_eq!(
        rec.torn_tail,
        Some((file.clone(), end, garbage.len() as u64))
    );
    assert_eq!(std::fs::metadata(&file).unwrap().len(), end);
    drop(dirs);
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[7..=8], &[]);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(sink.txns, records(1..=8));
    assert!(rec.torn_tail.is_none());
}

#[test]
fn an_all_zero_log_file_is_removed_and_its_name_reused() {
    let tmp = TempDir::new("storage-zero-file");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=3], &[]);
    // A crash right after preallocating the next file.
    let zeros = dirs.log_dir().join("log.4");
    std::fs::write(&zeros, vec![0u8; 4096]).unwrap();
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(sink.txns, records(1..=3));
    assert!(rec.torn_tail.is_none());
    assert!(!zeros.exists());
    // And when recovery did not run, the log replaces such a file itself.
    std::fs::write(&zeros, vec![0u8; 4096]).unwrap();
    write_groups(&dirs, &[4..=5], &[]);
    assert_eq!(recover_all(&dirs).1.txns, records(1..=5));
}

#[test]
fn a_flipped_bit_in_a_middle_chunk_is_corruption_naming_file_and_offset() {
    for (tag, within) in [("body", 40u64), ("header", 9u64)] {
        let tmp = TempDir::new(&format!("storage-flip-{tag}"));
        let dirs = open_dirs(&tmp);
        write_groups(&dirs, &[1..=4, 5..=8, 9..=12], &[]);
        let file = dirs.log_dir().join("log.1");
        let middle = chunk_offsets(&file)[1].0;
        flip_bit(&file, middle + within);
        let err = recover(&dirs, &mut Collected::default()).unwrap_err();
        match &err {
            StorageError::Corrupt { path, offset, .. } => {
                assert_eq!((path, *offset), (&file, middle), "{err}");
            }
            other => panic!("expected corruption, got {other}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("log.1: corrupt record at offset") && msg.contains(&middle.to_string()),
            "{msg}"
        );
        // Nothing was cut.
        assert_eq!(chunk_offsets(&file).len(), 1);
        assert!(std::fs::metadata(&file).unwrap().len() > chunk_offsets(&file)[0].1);
    }
}

#[test]
fn a_damaged_last_chunk_of_a_rolled_file_is_corruption_when_the_next_file_goes_on_after_it() {
    let tmp = TempDir::new("storage-flip-rolled");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=4, 5..=8, 9..=12], &[2]);
    let file = dirs.log_dir().join("log.1");
    let last = chunk_offsets(&file)[1].0;
    flip_bit(&file, last + 40);
    let err = recover(&dirs, &mut Collected::default()).unwrap_err();
    assert!(
        matches!(&err, StorageError::Corrupt { path, offset, .. } if path == &file && *offset == last),
        "{err}"
    );
}

#[test]
fn a_torn_tail_before_a_file_that_goes_on_at_the_next_zxid_is_cut() {
    let tmp = TempDir::new("storage-torn-rolled");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=4, 5..=8], &[]);
    let first = dirs.log_dir().join("log.1");
    let (start, end) = chunk_offsets(&first)[1];
    // The group 5..=8 half-written, then the log went on in a new file
    // with the same zxids.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&first)
        .unwrap();
    f.set_len(start + (end - start) / 2).unwrap();
    write_groups(&dirs, &[5..=8, 9..=10], &[]);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(sink.txns, records(1..=10));
    assert_eq!(rec.torn_tail.map(|t| (t.0, t.1)), Some((first, start)));
}

#[test]
fn a_missing_middle_log_file_is_a_gap() {
    let tmp = TempDir::new("storage-gap");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=4, 5..=8, 9..=12], &[1, 2]);
    std::fs::remove_file(dirs.log_dir().join("log.5")).unwrap();
    let err = recover(&dirs, &mut Collected::default()).unwrap_err();
    match &err {
        StorageError::Gap {
            path,
            expected,
            found,
            ..
        } => {
            assert_eq!(path, &dirs.log_dir().join("log.9"));
            assert_eq!((*expected, *found), (5, 9));
        }
        other => panic!("expected a gap, got {other}"),
    }
    assert!(err.to_string().contains("log.9"), "{err}");
}

#[test]
fn the_log_refuses_non_consecutive_zxids_without_writing() {
    let tmp = TempDir::new("storage-refuse-gap");
    let dirs = open_dirs(&tmp);
    let mut log = small_log(&dirs);
    log.append(&record(1));
    log.append(&record(3));
    assert!(log.sync().is_err());
    assert!(log_files(&dirs).is_empty());
    log.append(&record(1));
    log.sync().unwrap();
    log.append(&record(5));
    assert!(log.sync().is_err());
    log.append(&record(2));
    log.sync().unwrap();
    assert_eq!(recover_all(&dirs).1.txns, records(1..=2));
}

/// A snapshot with everything a tree can hold.
struct SampleSnapshot {
    sessions: Vec<(i64, i32)>,
    acl_lists: Vec<Vec<Acl>>,
    nodes: Vec<NodeEntry>,
}

fn sample_snapshot(zxid: i64) -> SampleSnapshot {
    let stat = |czxid: i64, owner: i64, len: i32, children: i32| Stat {
        czxid,
        mzxid: czxid + 1,
        ctime: 1_795_453_262_000 + czxid,
        mtime: 1_795_453_263_000 + czxid,
        version: 2,
        cversion: children * 2,
        aversion: 1,
        ephemeral_owner: owner,
        data_length: len,
        num_children: children,
        pzxid: czxid + 3,
    };
    let container = i64::MIN;
    let ttl = 0xFF00_0000_0000_0000u64 as i64 | 60_000;
    SampleSnapshot {
        sessions: vec![
            (0x1000_0000_0000_0001, 30_000),
            (0x1000_0000_0000_0002, 4_000),
        ],
        acl_lists: vec![world_acl(), digest_acl()],
        nodes: vec![
            ("/".into(), Some(vec![]), 0, stat(0, 0, 0, 2), 3),
            (
                "/a".into(),
                Some(b"abc".to_vec()),
                0,
                stat(zxid - 5, 0, 3, 3),
                7,
            ),
            (
                "/a/eph".into(),
                None,
                1,
                stat(zxid - 4, 0x1000_0000_0000_0001, 0, 0),
                0,
            ),
            (
                "/a/container".into(),
                Some(vec![1; 300]),
                1,
                stat(zxid - 3, container, 300, 0),
                0,
            ),
            (
                "/a/ttl".into(),
                Some(vec![0]),
                0,
                stat(zxid - 2, ttl, 1, 0),
                0,
            ),
            ("/zookeeper".into(), Some(vec![]), 0, stat(0, 0, 0, 0), 0),
        ],
    }
}

fn encode_snapshot(zxid: i64, s: &SampleSnapshot) -> Vec<u8> {
    let mut w = SnapshotWriter::new(zxid);
    for (id, t) in &s.sessions {
        w.session(*id, *t);
    }
    for (i, acl) in s.acl_lists.iter().enumerate() {
        assert_eq!(w.acl_list(acl), i as u32);
    }
    for (path, data, acl, stat, seq) in &s.nodes {
        w.node(path, data.as_deref(), *acl, stat, *seq);
    }
    w.finish()
}

#[test]
fn a_snapshot_written_piece_by_piece_is_the_file_written_whole() {
    let tmp = TempDir::new("storage-pieces");
    let dirs = open_dirs(&tmp);
    let sample = sample_snapshot(15);
    let whole = encode_snapshot(15, &sample);
    let path = write_snapshot_file(&dirs, 15, &whole).unwrap();
    std::fs::remove_file(&path).unwrap();

    let mut w = SnapshotWriter::new(15);
    let mut file = SnapshotFile::create(&dirs, 15).unwrap();
    for (id, t) in &sample.sessions {
        w.session(*id, *t);
    }
    file.write(&w.take_bytes()).unwrap();
    for acl in &sample.acl_lists {
        w.acl_list(acl);
    }
    for (path, data, acl, stat, seq) in &sample.nodes {
        w.node(path, data.as_deref(), *acl, stat, *seq);
        file.write(&w.take_bytes()).unwrap();
    }
    file.write(&w.finish_streamed()).unwrap();
    assert_eq!(file.finish().unwrap(), path);
    assert_eq!(std::fs::read(&path).unwrap(), whole);

    // One left unfinished (its write failed) leaves nothing behind.
    let file = SnapshotFile::create(&dirs, 16).unwrap();
    drop(file);
    let names: Vec<_> = std::fs::read_dir(dirs.snap_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("snapshot"))
        .collect();
    assert_eq!(names, ["snapshot.f"]);
}

#[test]
fn a_snapshot_round_trips_and_the_log_after_it_replays() {
    let tmp = TempDir::new("storage-snap");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=10, 11..=20], &[]);
    let sample = sample_snapshot(15);
    let path = write_snapshot_file(&dirs, 15, &encode_snapshot(15, &sample)).unwrap();
    assert_eq!(path, dirs.snap_dir().join("snapshot.f"));
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(rec.snapshot, Some((path, 15)));
    assert_eq!(sink.sessions, sample.sessions);
    let acls: Vec<_> = sample
        .acl_lists
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, a)| (i as u32, a))
        .collect();
    assert_eq!(sink.acl_lists, acls);
    assert_eq!(sink.nodes, sample.nodes);
    assert_eq!(sink.txns, records(16..=20));
    assert_eq!((rec.last_zxid, rec.replayed), (20, 5));
}

#[test]
fn a_snapshot_ahead_of_the_log_is_the_state() {
    let tmp = TempDir::new("storage-snap-ahead");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=10], &[]);
    write_snapshot_file(&dirs, 12, &encode_snapshot(12, &sample_snapshot(12))).unwrap();
    let (rec, sink) = recover_all(&dirs);
    assert_eq!((rec.last_zxid, rec.replayed), (12, 0));
    assert!(sink.txns.is_empty());
    drop(dirs);
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[13..=14], &[]);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(sink.txns, records(13..=14));
    assert_eq!(rec.last_zxid, 14);
}

#[test]
fn a_corrupt_newest_snapshot_falls_back_to_the_older_one_with_its_logs() {
    let tmp = TempDir::new("storage-snap-fallback");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=10, 11..=20, 21..=30], &[1, 2]);
    write_snapshot_file(&dirs, 10, &encode_snapshot(10, &sample_snapshot(10))).unwrap();
    let newest =
        write_snapshot_file(&dirs, 20, &encode_snapshot(20, &sample_snapshot(20))).unwrap();
    flip_bit(&newest, 100);
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(rec.snapshot.as_ref().map(|s| s.1), Some(10));
    assert_eq!(sink.txns, records(11..=30));
    assert_eq!(sink.nodes, sample_snapshot(10).nodes);
    assert_eq!(rec.skipped_snapshots.len(), 1);
    assert_eq!(rec.skipped_snapshots[0].0, newest);
    assert!(rec.skipped_snapshots[0].1.to_string().contains("checksum"));

    // Without the logs between the two, falling back would lose data.
    std::fs::remove_file(dirs.log_dir().join("log.b")).unwrap();
    std::fs::remove_file(dirs.log_dir().join("log.15")).unwrap();
    let err = recover(&dirs, &mut Collected::default()).unwrap_err();
    assert!(err.to_string().contains("snapshot.14"), "{err}");
}

#[test]
fn a_snapshot_the_sink_refuses_half_way_resets_and_falls_back() {
    let tmp = TempDir::new("storage-snap-reset");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=10, 11..=20], &[1]);
    write_snapshot_file(&dirs, 10, &encode_snapshot(10, &sample_snapshot(10))).unwrap();
    let mut newer = sample_snapshot(20);
    newer.nodes[2].0 = "/a/refused".into();
    write_snapshot_file(&dirs, 20, &encode_snapshot(20, &newer)).unwrap();
    let mut sink = Collected {
        reject: Some("/a/refused".into()),
        ..Collected::default()
    };
    let rec = recover(&dirs, &mut sink).unwrap();
    assert_eq!(sink.resets, 1);
    assert_eq!(sink.nodes, sample_snapshot(10).nodes);
    assert_eq!(sink.txns, records(11..=20));
    assert!(matches!(
        rec.skipped_snapshots[0].1,
        StorageError::Rejected { .. }
    ));
}

#[test]
fn a_corrupt_only_snapshot_is_an_error_naming_it() {
    let tmp = TempDir::new("storage-snap-only");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=10, 11..=20], &[1]);
    let snap = write_snapshot_file(&dirs, 10, &encode_snapshot(10, &sample_snapshot(10))).unwrap();
    std::fs::remove_file(dirs.log_dir().join("log.1")).unwrap();
    flip_bit(&snap, 30);
    let err = recover(&dirs, &mut Collected::default()).unwrap_err();
    assert!(
        matches!(&err, StorageError::Corrupt { path, .. } if path == &snap),
        "{err}"
    );
    // A truncated one too, and one whose name disagrees with its content.
    std::fs::write(&snap, b"ZKRSSNAP").unwrap();
    assert!(recover(&dirs, &mut Collected::default()).is_err());
    std::fs::write(&snap, encode_snapshot(9, &sample_snapshot(9))).unwrap();
    let err = recover(&dirs, &mut Collected::default()).unwrap_err();
    assert!(err.to_string().contains("its name says"), "{err}");
}

#[test]
fn logs_that_start_after_the_snapshot_are_missing_logs() {
    let tmp = TempDir::new("storage-missing");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=10, 11..=20], &[1]);
    std::fs::remove_file(dirs.log_dir().join("log.1")).unwrap();
    let err = recover(&dirs, &mut Collected::default()).unwrap_err();
    assert!(
        matches!(err, StorageError::MissingLog { expected: 1, .. }),
        "{err}"
    );
}

#[test]
fn stale_snapshot_temp_files_are_removed() {
    let tmp = TempDir::new("storage-tmp");
    let dirs = open_dirs(&tmp);
    let stale = dirs.snap_dir().join("snapshot.5.tmp");
    std::fs::write(&stale, b"half").unwrap();
    recover_all(&dirs);
    assert!(!stale.exists());
}

#[test]
fn purge_keeps_the_newest_snapshots_and_the_logs_they_need() {
    let tmp = TempDir::new("storage-purge");
    let dirs = open_dirs(&tmp);
    // Snapshots at 10, 20, 30, 40, 50; the log rolls after each.
    let groups: Vec<_> = (0..6).map(|i| (i * 10 + 1)..=(i * 10 + 10)).collect();
    write_groups(&dirs, &groups, &[1, 2, 3, 4, 5]);
    for z in [10, 20, 30, 40, 50] {
        write_snapshot_file(&dirs, z, &encode_snapshot(z, &sample_snapshot(z))).unwrap();
    }
    assert!(purge(&dirs, 2).is_err());
    let mut removed = purge(&dirs, 3).unwrap();
    removed.sort();
    let mut expected = vec![
        dirs.log_dir().join("log.1"),
        dirs.log_dir().join("log.b"),
        // Snapshot 0x1e holds everything up to it: its log starts after.
        dirs.log_dir().join("log.15"),
        dirs.snap_dir().join("snapshot.a"),
        dirs.snap_dir().join("snapshot.14"),
    ];
    expected.sort();
    assert_eq!(removed, expected);
    assert_eq!(
        log_files(&dirs),
        ["log.1f", "log.29", "log.33"].map(|n| dirs.log_dir().join(n))
    );
    // Recovery from the oldest kept snapshot still has its logs.
    for z in [40, 50] {
        std::fs::remove_file(dirs.snap_dir().join(snapshot_name(z))).unwrap();
    }
    let (rec, sink) = recover_all(&dirs);
    assert_eq!(rec.snapshot.map(|s| s.1), Some(30));
    assert_eq!(sink.txns, records(31..=60));
    assert!(purge(&dirs, 3).unwrap().is_empty());
}

#[test]
fn a_second_open_of_the_same_directory_is_refused() {
    let tmp = TempDir::new("storage-lock");
    let logs = TempDir::new("storage-lock-logs");
    let first = DataDirs::open(tmp.path(), Some(logs.path())).unwrap();
    let err = DataDirs::open(tmp.path(), None).unwrap_err();
    assert!(matches!(err, StorageError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("zkserver.lock"), "{err}");
    // The log directory is locked too.
    let other = TempDir::new("storage-lock-other");
    let err = DataDirs::open(other.path(), Some(logs.path())).unwrap_err();
    assert!(matches!(err, StorageError::Locked { .. }), "{err}");
    drop(first);
    DataDirs::open(tmp.path(), Some(logs.path())).unwrap();
}

#[test]
fn the_secret_persists_across_opens() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new("storage-secret");
    let a = open_dirs(&tmp).secret();
    let b = open_dirs(&tmp).secret();
    assert_eq!(a, b);
    assert_ne!(a, [0; 16]);
    let other = TempDir::new("storage-secret-other");
    assert_ne!(open_dirs(&other).secret(), a);
    let file = tmp.path().join("version-2/secret");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::write(&file, b"short").unwrap();
    let err = DataDirs::open(tmp.path(), None).unwrap_err();
    assert!(err.to_string().contains("secret"), "{err}");
}

#[test]
fn the_log_goes_to_the_data_log_dir() {
    let tmp = TempDir::new("storage-logdir");
    let logs = TempDir::new("storage-logdir-logs");
    let dirs = DataDirs::open(tmp.path(), Some(logs.path())).unwrap();
    assert_eq!(dirs.log_dir(), logs.path().join("version-2"));
    assert_eq!(dirs.snap_dir(), tmp.path().join("version-2"));
    write_groups(&dirs, &[1..=3], &[]);
    assert!(logs.path().join("version-2/log.1").exists());
    assert_eq!(recover_all(&dirs).1.txns, records(1..=3));
}

#[test]
fn dump_log_prints_files_chunks_and_records() {
    let tmp = TempDir::new("storage-dump");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=9, 10..=12], &[1]);
    let mut out = Vec::new();
    dump_log(tmp.path(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("/version-2/log.1 ("), "{text}");
    assert!(
        text.contains("chunk at offset 16: zxid 0x1..0x9, 9 records"),
        "{text}"
    );
    assert!(
        text.contains("0x2 2026-11-23T17:01:02.347Z session 0x1000000000000002 cxid 6 create /n2 data=2 bytes acl=[world:anyone:cdrwa] owner=0x1000000000000001"),
        "{text}"
    );
    assert!(
        text.contains("multi (5 ops)\n    create /m data=0 bytes"),
        "{text}"
    );
    assert!(
        text.contains("setAcl /a acl=[digest:bob:YjTP0O6Xk8n7DKXw6ZqCoHMMAGc=:r, ip:127.0.0.1:ra]"),
        "{text}"
    );
    assert!(text.contains("0xa "), "{text}");

    // Corruption: what verified, then the error.
    let file = dirs.log_dir().join("log.a");
    std::fs::remove_file(&file).unwrap();
    write_groups(&dirs, &[10..=11, 12..=13, 14..=15], &[]);
    let second = chunk_offsets(&file)[1].0;
    flip_bit(&file, second + 40);
    let mut out = Vec::new();
    let err = dump_log(&file, &mut out).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("log.a: corrupt record at offset {second}")),
        "{err}"
    );
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("0xb "), "{text}");
    assert!(!text.contains("0xc "), "{text}");
}

#[test]
fn dump_snapshot_prints_header_sessions_and_nodes() {
    let tmp = TempDir::new("storage-dump-snap");
    let dirs = open_dirs(&tmp);
    let path =
        write_snapshot_file(&dirs, 0x20, &encode_snapshot(0x20, &sample_snapshot(0x20))).unwrap();
    let mut out = Vec::new();
    dump_snapshot(&path, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("snapshot at zxid 0x20"), "{text}");
    assert!(
        text.contains("session 0x1000000000000001 timeout=30000ms"),
        "{text}"
    );
    assert!(text.contains("acl list #1 [digest:bob"), "{text}");
    assert!(
        text.contains("/a data=3 bytes \"abc\" acl=#0 seq=7 czxid=0x1b"),
        "{text}"
    );
    assert!(text.contains("ephemeralOwner=0x8000000000000000"), "{text}");
    assert!(text.contains("2 sessions, 2 ACL lists, 6 nodes"), "{text}");

    flip_bit(&path, 40);
    let mut out = Vec::new();
    let err = dump_snapshot(&path, &mut out).unwrap_err();
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
    assert!(String::from_utf8(out).unwrap().contains("not verified"));
}

/// Runs `failed_write_child` in a process of its own with a file size
/// limit, so that a log write fails part-way.
#[test]
fn a_failed_write_leaves_the_log_cut_back_and_readable() {
    let tmp = TempDir::new("storage-fsize");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "storage::tests::failed_write_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ZKRS_FSIZE_TEST_DIR", tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let acked: i64 = stdout
        .lines()
        .find_map(|l| l.split("acked through ").nth(1))
        .unwrap_or_else(|| panic!("child did not report what it acknowledged: {stdout}"))
        .trim()
        .parse()
        .unwrap();
    let dirs = open_dirs(&tmp);
    let (rec, sink) = recover_all(&dirs);
    assert!(rec.torn_tail.is_none(), "the failed write was not cut back");
    assert_eq!(rec.last_zxid, acked);
    assert_eq!(sink.txns.len() as i64, acked);
    assert_eq!(
        sink.txns.last().unwrap().txn,
        Txn::Check {
            path: "/after".into()
        }
    );
}

#[test]
#[ignore = "run by a_failed_write_leaves_the_log_cut_back_and_readable"]
fn failed_write_child() {
    let dir = std::env::var_os("ZKRS_FSIZE_TEST_DIR").expect("run by its parent test");
    let dirs = DataDirs::open(Path::new(&dir), None).unwrap();
    let limit = 60_000u64;
    // Opening the log makes a write past the limit fail with EFBIG instead
    // of killing the process with SIGXFSZ.
    crate::sys::set_file_size_limit(limit).unwrap();
    let mut log = TxnLog::open(
        &dirs,
        LogOptions {
            force_sync: true,
            prealloc_bytes: 1 << 20,
        },
    )
    .unwrap();
    let big = |zxid: i64| TxnRecord {
        txn: Txn::Create {
            path: format!("/big{zxid}"),
            data: Some(vec![7; 5000]),
            acl: world_acl(),
            ephemeral_owner: 0,
        },
        ..record(zxid)
    };
    let mut zxid = 1;
    let err = loop {
        log.append(&big(zxid));
        match log.sync() {
            Ok(()) => zxid += 1,
            Err(e) => break e,
        }
        assert!(zxid < 100, "the file size limit never struck");
    };
    assert_eq!(err.raw_os_error(), Some(libc::EFBIG), "{err}");
    let file = log.current_file().unwrap().to_path_buf();
    let buf = std::fs::read(&file).unwrap();
    let scanned = scan(&buf).unwrap();
    assert!(scanned.bad.is_none(), "cut back to the last good chunk");
    assert_eq!(scanned.chunks.last().unwrap().last_zxid(), zxid - 1);
    // The failed zxid is used again, by a group that fits.
    log.append(&TxnRecord {
        txn: Txn::Check {
            path: "/after".into(),
        },
        ..record(zxid)
    });
    log.sync().unwrap();
    // The harness prints the test name on the same line.
    println!("acked through {zxid}");
}

/// Reads `buf` as a log file the way recovery and the dump do.
fn read_log_bytes(buf: &[u8]) -> usize {
    let Ok(scanned) = scan(buf) else { return 0 };
    let mut n = 0;
    for chunk in &scanned.chunks {
        let _ = chunk.for_each_record(Path::new("log.1"), |_| {
            n += 1;
            Ok(())
        });
    }
    n
}

#[test]
fn damaged_log_bytes_are_errors_never_panics() {
    let tmp = TempDir::new("storage-fuzz-log");
    let dirs = open_dirs(&tmp);
    write_groups(&dirs, &[1..=3, 4..=9, 10..=10], &[]);
    let file = dirs.log_dir().join("log.1");
    let end = chunk_offsets(&file).last().unwrap().1 as usize;
    let good = std::fs::read(&file).unwrap()[..end].to_vec();
    assert_eq!(read_log_bytes(&good), 10);
    for at in 0..good.len() {
        for mask in [0x01, 0x80, 0xff] {
            let mut bad = good.clone();
            bad[at] ^= mask;
            assert!(read_log_bytes(&bad) < 10, "damage at {at} went unnoticed");
        }
        read_log_bytes(&good[..at]);
    }
}

#[test]
fn damaged_snapshot_bytes_are_errors_never_panics() {
    let good = encode_snapshot(20, &sample_snapshot(20));
    let path = Path::new("snapshot.14");
    // Read a megabyte at a time (all of it at once here) and 5 bytes at a
    // time (every entry across windows).
    for window in [1 << 20, 5] {
        let decode = |buf: &[u8]| -> bool {
            let Ok(reader) = snapshot::SnapshotReader::open(buf, path) else {
                return false;
            };
            let reader = reader.with_window(window);
            let crc = reader.check_crc().is_ok();
            // Decoding unverified bytes, as the dump does, must not panic
            // either.
            let entries = reader.decode_entries(&mut Collected::default()).is_ok();
            crc && entries
        };
        assert!(decode(&good));
        for at in 0..good.len() {
            for mask in [0x01, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[at] ^= mask;
                assert!(!decode(&bad), "damage at {at} went unnoticed ({window})");
            }
            assert!(!decode(&good[..at]));
        }
    }
}

#[test]
fn a_snapshot_read_a_few_bytes_at_a_time_gives_what_it_gives_read_at_once() {
    let sample = sample_snapshot(20);
    let bytes = encode_snapshot(20, &sample);
    let path = Path::new("snapshot.14");
    let read = |window: usize| {
        let reader = snapshot::SnapshotReader::open(&bytes[..], path)
            .unwrap()
            .with_window(window);
        reader.check_crc().unwrap();
        let mut got = Collected::default();
        let counts = reader.decode_entries(&mut got).unwrap();
        (counts, got.sessions, got.acl_lists, got.nodes)
    };
    let whole = read(1 << 20);
    assert_eq!(whole.3.len(), sample.nodes.len());
    for window in [1, 2, 3, 7, 64, 100] {
        assert!(read(window) == whole, "read {window} bytes at a time");
    }
}

/// A writer killed with SIGKILL at an arbitrary moment loses nothing it had
/// acknowledged, and its log recovers to a contiguous prefix.
#[test]
fn a_killed_writer_loses_nothing_it_acknowledged() {
    use std::io::{BufRead, BufReader};
    let tmp = TempDir::new("storage-kill");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "storage::tests::endless_writer_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ZKRS_WRITER_TEST_DIR", tmp.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut acked = 0i64;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while acked < 300 {
        let line = lines.next().expect("the writer runs").unwrap();
        if let Some(z) = line.split("acked ").nth(1) {
            acked = z.trim().parse().unwrap();
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let dirs = open_dirs(&tmp);
    let (rec, sink) = recover_all(&dirs);
    assert!(rec.last_zxid >= acked, "{} < {acked}", rec.last_zxid);
    assert_eq!(sink.txns, records(1..=rec.last_zxid));
}

#[test]
#[ignore = "run by a_killed_writer_loses_nothing_it_acknowledged"]
fn endless_writer_child() {
    let dir = std::env::var_os("ZKRS_WRITER_TEST_DIR").expect("run by its parent test");
    let dirs = DataDirs::open(Path::new(&dir), None).unwrap();
    let mut log = small_log(&dirs);
    let mut zxid = 1;
    loop {
        for _ in 0..(zxid % 7 + 1) {
            log.append(&record(zxid));
            zxid += 1;
        }
        log.sync().unwrap();
        if zxid % 50 < 7 {
            Storage::roll(&mut log);
        }
        println!("acked {}", zxid - 1);
    }
}
