//! Durability of zkserver with a data directory: acknowledged writes survive
//! SIGKILL at random moments, sessions and their ephemerals survive a
//! restart, a torn log tail is cut, corruption is refused with the file and
//! offset, a corrupt snapshot falls back to an older one, and a failing disk
//! fails writes without losing what was acknowledged.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use testkit::raw::RawSession;
use testkit::TempDir;
use zkrs_proto::consts::op;
use zkrs_proto::errors::{ZNONODE, ZOK, ZSYSTEMERROR};
use zkrs_proto::records::*;
use zkrs_proto::request::{encode_multi, MultiOp};

const ZKSERVER: &str = env!("CARGO_BIN_EXE_zkserver");

fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let data = dir.join("data");
    let cfg = dir.join("zoo.cfg");
    fs::write(
        &cfg,
        format!(
            "tickTime=500\ndataDir={}\nclientPort=0\n4lw.commands.whitelist=*\n{extra}",
            data.display()
        ),
    )
    .unwrap();
    cfg
}

/// A zkserver child whose stderr we keep.
struct Server {
    child: Option<Child>,
    stderr: mpsc::Receiver<String>,
}

impl Server {
    fn start(cfg: &Path, port: u16) -> Server {
        Server::start_with(Command::new(ZKSERVER), cfg, port).expect("zkserver starts")
    }

    /// Starts `cmd cfg --port N`; Err(stderr) when it exits instead.
    fn start_with(mut cmd: Command, cfg: &Path, port: u16) -> Result<Server, String> {
        let mut child = cmd
            .arg(cfg)
            .arg("--port")
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn zkserver");
        let (port_tx, port_rx) = mpsc::channel();
        let mut out = child.stdout.take().unwrap();
        thread::spawn(move || {
            let mut s = String::new();
            let mut buf = [0u8; 256];
            let mut sent = false;
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                s.push_str(&String::from_utf8_lossy(&buf[..n]));
                if !sent {
                    if let Some(p) = s
                        .split("listening on ")
                        .nth(1)
                        .and_then(|r| r.lines().next())
                        .and_then(|l| l.trim().rsplit(':').next()?.parse::<u16>().ok())
                    {
                        let _ = port_tx.send(p);
                        sent = true;
                    }
                }
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        let mut err = child.stderr.take().unwrap();
        thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            let _ = err_tx.send(s);
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(p) = port_rx.try_recv() {
                assert_eq!(p, port);
                return Ok(Server {
                    child: Some(child),
                    stderr: err_rx,
                });
            }
            if let Ok(Some(_)) = child.try_wait() {
                let text = err_rx
                    .recv_timeout(Duration::from_secs(5))
                    .unwrap_or_default();
                return Err(text);
            }
            assert!(
                Instant::now() < deadline,
                "zkserver neither served nor exited"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn kill(&mut self) -> String {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.stderr
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn create(s: &mut RawSession, path: &str, data: &[u8], flags: i32) -> (i32, i64) {
    let r = s
        .call(
            op::CREATE,
            &CreateRequest {
                path: path.into(),
                data: Some(data.to_vec()),
                acl: open_acl_unsafe(),
                flags,
            },
        )
        .unwrap();
    (r.header.err, r.header.zxid)
}

fn get(s: &mut RawSession, path: &str) -> Result<(Vec<u8>, Stat), i32> {
    let r = s
        .call(
            op::GET_DATA,
            &GetDataRequest {
                path: path.into(),
                watch: false,
            },
        )
        .unwrap();
    if r.header.err != ZOK {
        return Err(r.header.err);
    }
    let resp: GetDataResponse = r.decode().unwrap();
    Ok((resp.data.unwrap_or_default(), resp.stat))
}

/// What a writer was told: each path's last acknowledged state.
#[derive(Debug, Clone, PartialEq)]
struct Known {
    data: Vec<u8>,
    version: i32,
    czxid: i64,
    mzxid: i64,
}

#[derive(Default)]
struct Acked {
    nodes: BTreeMap<String, Option<Known>>,
    /// Paths of the operation in flight when the server died: either
    /// applied whole or not at all.
    in_flight: Vec<String>,
    /// Pairs created by one multi: both or neither.
    pairs: Vec<(String, String)>,
    ops: usize,
}

/// Writes until the connection dies, recording every acknowledgement.
fn writer(port: u16, prefix: String) -> Acked {
    let mut acked = Acked::default();
    let Ok(mut s) = RawSession::connect(port, 30000) else {
        return acked;
    };
    acked.in_flight = vec![prefix.clone()];
    let parent = CreateRequest {
        path: prefix.clone(),
        data: Some(Vec::new()),
        acl: open_acl_unsafe(),
        flags: 0,
    };
    match s
        .call(op::CREATE, &parent)
        .map(|r| (r.header.err, r.header.zxid))
    {
        Ok((ZOK, zxid)) => {
            acked.nodes.insert(
                prefix.clone(),
                Some(Known {
                    data: Vec::new(),
                    version: 0,
                    czxid: zxid,
                    mzxid: zxid,
                }),
            );
        }
        _ => return acked,
    }
    for k in 0.. {
        let n = |i: usize| format!("{prefix}/n{i}");
        let (paths, result) = match k % 4 {
            0 => {
                let p = n(k);
                acked.in_flight = vec![p.clone()];
                let body = CreateRequest {
                    path: p.clone(),
                    data: Some(k.to_string().into_bytes()),
                    acl: open_acl_unsafe(),
                    flags: 0,
                };
                (vec![p], s.call(op::CREATE, &body))
            }
            1 => {
                let p = n(k - 1);
                acked.in_flight = vec![p.clone()];
                let body = SetDataRequest {
                    path: p.clone(),
                    data: Some(format!("{k}+").into_bytes()),
                    version: 0,
                };
                (vec![p], s.call(op::SET_DATA, &body))
            }
            2 => {
                let p = n(k - 2);
                acked.in_flight = vec![p.clone()];
                let body = DeleteRequest {
                    path: p.clone(),
                    version: -1,
                };
                (vec![p], s.call(op::DELETE, &body))
            }
            _ => {
                let a = format!("{prefix}/m{k}a");
                let b = format!("{prefix}/m{k}b");
                acked.in_flight = vec![a.clone(), b.clone()];
                acked.pairs.push((a.clone(), b.clone()));
                let ops: Vec<MultiOp> = [&a, &b]
                    .iter()
                    .map(|p| {
                        MultiOp::Create(CreateRequest {
                            path: (*p).clone(),
                            data: Some(b"m".to_vec()),
                            acl: open_acl_unsafe(),
                            flags: 0,
                        })
                    })
                    .collect();
                let mut body = Vec::new();
                encode_multi(&ops, &mut body);
                (vec![a, b], s.call_raw(op::MULTI, &body))
            }
        };
        let Ok(reply) = result else {
            return acked;
        };
        assert_eq!(reply.header.err, ZOK, "{paths:?} failed");
        let zxid = reply.header.zxid;
        match k % 4 {
            0 | 3 => {
                let data = if k % 4 == 0 {
                    k.to_string().into_bytes()
                } else {
                    b"m".to_vec()
                };
                for p in &paths {
                    acked.nodes.insert(
                        p.clone(),
                        Some(Known {
                            data: data.clone(),
                            version: 0,
                            czxid: zxid,
                            mzxid: zxid,
                        }),
                    );
                }
            }
            1 => {
                let known = acked.nodes.get_mut(&paths[0]).unwrap().as_mut().unwrap();
                known.data = format!("{k}+").into_bytes();
                known.version = 1;
                known.mzxid = zxid;
            }
            _ => {
                acked.nodes.insert(paths[0].clone(), None);
            }
        }
        acked.in_flight.clear();
        acked.ops += 1;
    }
    acked
}

fn verify(port: u16, all: &[Acked]) {
    let mut s = RawSession::connect(port, 30000).expect("connect after restart");
    for acked in all {
        for (path, want) in &acked.nodes {
            if acked.in_flight.contains(path) {
                continue;
            }
            let got = get(&mut s, path);
            match want {
                None => assert_eq!(got.map(|_| ()), Err(ZNONODE), "{path} was deleted"),
                Some(k) => {
                    let (data, stat) = got.unwrap_or_else(|e| panic!("{path} lost: error {e}"));
                    assert_eq!(
                        Known {
                            data,
                            version: stat.version,
                            czxid: stat.czxid,
                            mzxid: stat.mzxid,
                        },
                        *k,
                        "{path}"
                    );
                }
            }
        }
        for (a, b) in &acked.pairs {
            let ea = get(&mut s, a).is_ok();
            let eb = get(&mut s, b).is_ok();
            assert_eq!(ea, eb, "multi half-applied: {a} {eb} {b}");
        }
    }
}

/// A pseudo-random number from the clock, for kill moments.
fn jitter(max: u64) -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    (t ^ (t >> 7)) % max
}

#[test]
fn acknowledged_writes_survive_sigkill_at_random_moments() {
    let dir = TempDir::new("durable-crash");
    // Small snapCount and preallocation: snapshots, rolls and log growth
    // all happen while the writers run.
    let cfg = write_config(dir.path(), "snapCount=120\npreAllocSize=16\n");
    let port = testkit::free_port();
    let mut all: Vec<Acked> = Vec::new();
    let mut server = Server::start(&cfg, port);
    for round in 0..6 {
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let prefix = format!("/r{round}w{w}");
                thread::spawn(move || writer(port, prefix))
            })
            .collect();
        thread::sleep(Duration::from_millis(150 + jitter(400)));
        server.kill();
        let mut ops = 0;
        for w in writers {
            let a = w.join().unwrap();
            ops += a.ops;
            all.push(a);
        }
        assert!(ops > 0, "round {round}: nothing was acknowledged");
        server = Server::start(&cfg, port);
        verify(port, &all);
    }
    drop(server);
    let files: Vec<String> = fs::read_dir(dir.path().join("data/version-2"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().filter(|f| f.starts_with("snapshot.")).count() > 1,
        "snapshots were taken: {files:?}"
    );
    assert!(
        files.iter().filter(|f| f.starts_with("log.")).count() > 1,
        "logs were rolled: {files:?}"
    );
}

#[test]
fn sessions_and_their_ephemerals_survive_a_restart() {
    let dir = TempDir::new("durable-sessions");
    let cfg = write_config(dir.path(), "");
    let port = testkit::free_port();
    let mut server = Server::start(&cfg, port);
    let mut kept = RawSession::connect(port, 4000).unwrap();
    assert_eq!(create(&mut kept, "/kept", b"k", 1).0, ZOK);
    let mut gone = RawSession::connect(port, 2000).unwrap();
    assert_eq!(create(&mut gone, "/gone", b"g", 1).0, ZOK);
    let (kept_id, kept_pw) = (kept.session_id, kept.passwd.clone());
    server.kill();
    server = Server::start(&cfg, port);
    // The session's owner comes back within its timeout: same session,
    // same ephemeral.
    let mut back = RawSession::attach(port, kept_id, &kept_pw, 4000).expect("session restored");
    assert_eq!(back.session_id, kept_id);
    let (_, stat) = get(&mut back, "/kept").expect("ephemeral restored");
    assert_eq!(stat.ephemeral_owner, kept_id);
    // The other one never comes back: its session expires after its
    // timeout and takes its ephemeral along.
    let (_, stat) = get(&mut back, "/gone").expect("ephemeral restored");
    assert_eq!(stat.ephemeral_owner, gone.session_id);
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&mut back, "/gone").is_ok() {
        assert!(
            Instant::now() < deadline,
            "expired session's ephemeral stayed"
        );
        thread::sleep(Duration::from_millis(100));
    }
    // A wrong password does not reattach a restored session.
    assert!(RawSession::attach(port, kept_id, &[7; 16], 4000).is_err());
    drop(server);
}

/// The files named `<prefix><hex zxid>` in `dir`, oldest first.
fn files_by_zxid(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<(i64, PathBuf)> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name()?.to_str()?.to_string();
            let hex = name.strip_prefix(prefix)?;
            Some((i64::from_str_radix(hex, 16).ok()?, p))
        })
        .collect();
    v.sort();
    v.into_iter().map(|(_, p)| p).collect()
}

fn log_files(dir: &Path) -> Vec<PathBuf> {
    files_by_zxid(dir, "log.")
}

/// Where the last chunk of a log file ends. The format (storage/log.rs):
/// a 16-byte file header, then chunks of a 32-byte header (magic `ZKCH`,
/// body length, ...) and a body; preallocated space after them is zeros.
fn data_end(file: &Path) -> usize {
    let bytes = fs::read(file).unwrap();
    let mut at = 16;
    while bytes.len() >= at + 32 && &bytes[at..at + 4] == b"ZKCH" {
        let len = u32::from_be_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        at += 32 + len;
    }
    at
}

/// Writes `n` nodes through one session, each acknowledged.
fn write_nodes(port: u16, prefix: &str, n: usize) {
    let mut s = RawSession::connect(port, 30000).unwrap();
    assert_eq!(create(&mut s, prefix, b"", 0).0, ZOK);
    for i in 0..n {
        assert_eq!(create(&mut s, &format!("{prefix}/{i}"), b"x", 0).0, ZOK);
    }
}

fn count_present(port: u16, prefix: &str, n: usize) -> usize {
    let mut s = RawSession::connect(port, 30000).unwrap();
    (0..n)
        .filter(|i| get(&mut s, &format!("{prefix}/{i}")).is_ok())
        .count()
}

#[test]
fn a_torn_tail_is_cut_and_everything_acknowledged_stays() {
    let dir = TempDir::new("durable-torn");
    let cfg = write_config(dir.path(), "");
    let port = testkit::free_port();
    let mut server = Server::start(&cfg, port);
    write_nodes(port, "/t", 50);
    server.kill();
    // A crash in the middle of writing the next group: part of a record
    // reached the disk after the last acknowledged one.
    let logs = log_files(&dir.path().join("data/version-2"));
    let last = logs.last().expect("a log file");
    let end = data_end(last);
    let mut bytes = fs::read(last).unwrap();
    let garbage: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37) | 1).collect();
    if bytes.len() < end + garbage.len() {
        bytes.resize(end + garbage.len(), 0);
    }
    bytes[end..end + garbage.len()].copy_from_slice(&garbage);
    fs::write(last, &bytes).unwrap();
    let mut server = Server::start(&cfg, port);
    assert_eq!(count_present(port, "/t", 50), 50);
    // New writes after the cut land and survive another crash.
    write_nodes(port, "/t2", 5);
    let stderr = server.kill();
    assert!(stderr.contains("torn"), "the cut is reported: {stderr}");
    let _server = Server::start(&cfg, port);
    assert_eq!(count_present(port, "/t", 50), 50);
    assert_eq!(count_present(port, "/t2", 5), 5);
}

#[test]
fn a_corrupt_record_in_the_middle_is_refused_naming_file_and_offset() {
    let dir = TempDir::new("durable-bitflip");
    let cfg = write_config(dir.path(), "");
    let port = testkit::free_port();
    let mut server = Server::start(&cfg, port);
    write_nodes(port, "/b", 60);
    server.kill();
    let logs = log_files(&dir.path().join("data/version-2"));
    let last = logs.last().unwrap();
    let end = data_end(last);
    let mut bytes = fs::read(last).unwrap();
    // Flip a bit in the middle of the written data.
    let at = end / 2;
    bytes[at] ^= 0x10;
    fs::write(last, &bytes).unwrap();
    let err = match Server::start_with(Command::new(ZKSERVER), &cfg, port) {
        Ok(_) => panic!("zkserver started on a corrupt log"),
        Err(e) => e,
    };
    let name = last.file_name().unwrap().to_string_lossy().into_owned();
    assert!(err.contains(&name), "the error names {name}: {err}");
    assert!(err.contains("offset"), "the error names the offset: {err}");
}

fn snapshots(dir: &Path) -> Vec<PathBuf> {
    files_by_zxid(dir, "snapshot.")
}

fn corrupt_middle(file: &Path) {
    let mut bytes = fs::read(file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    fs::write(file, &bytes).unwrap();
}

#[test]
fn a_corrupt_snapshot_falls_back_to_an_older_one_or_is_refused() {
    let dir = TempDir::new("durable-snap");
    let cfg = write_config(dir.path(), "snapCount=20\n");
    let port = testkit::free_port();
    let mut server = Server::start(&cfg, port);
    write_nodes(port, "/s", 80);
    // Let the snapshot thread finish what it writes.
    thread::sleep(Duration::from_millis(300));
    server.kill();
    let v2 = dir.path().join("data/version-2");
    let snaps = snapshots(&v2);
    assert!(snaps.len() >= 2, "several snapshots: {snaps:?}");
    corrupt_middle(snaps.last().unwrap());
    let mut server = Server::start(&cfg, port);
    assert_eq!(count_present(port, "/s", 80), 80);
    let stderr = server.kill();
    assert!(stderr.contains("skipped snapshot"), "{stderr}");

    // With every snapshot corrupt there is nothing to fall back on. (Cut
    // in half: flipping the same byte again would repair the first one.)
    for s in snapshots(&v2) {
        let len = fs::metadata(&s).unwrap().len();
        fs::OpenOptions::new()
            .write(true)
            .open(&s)
            .unwrap()
            .set_len(len / 2)
            .unwrap();
    }
    let err = match Server::start_with(Command::new(ZKSERVER), &cfg, port) {
        Ok(mut s) => panic!(
            "zkserver started with only corrupt snapshots: {:?} {}",
            snapshots(&v2),
            s.kill()
        ),
        Err(e) => e,
    };
    assert!(
        err.contains("snapshot."),
        "the error names the snapshot: {err}"
    );
}

#[test]
fn a_failing_disk_fails_writes_keeps_serving_and_loses_nothing() {
    let dir = TempDir::new("durable-full");
    // No file may grow past 256 KiB: the log hits the limit after a few
    // hundred 1 KiB nodes, as on a full disk.
    let cfg = write_config(dir.path(), "preAllocSize=16\nsnapCount=1000000\n");
    let port = testkit::free_port();
    let mut limited = Command::new("prlimit");
    limited.arg("--fsize=262144").arg(ZKSERVER);
    let mut server = Server::start_with(limited, &cfg, port).expect("zkserver starts");
    let mut s = RawSession::connect(port, 30000).unwrap();
    let data = vec![b'd'; 1024];
    let mut acknowledged = 0;
    let mut failed = None;
    for i in 0..1000 {
        match create(&mut s, &format!("/f{i}"), &data, 0) {
            (ZOK, _) => acknowledged += 1,
            (err, _) => {
                assert_eq!(err, ZSYSTEMERROR, "a failed write gets ZSYSTEMERROR");
                failed = Some(i);
                break;
            }
        }
    }
    let failed = failed.expect("the size limit was hit");
    assert!(acknowledged > 50, "only {acknowledged} writes fit");
    // Still up: reads answer, and the failed write left nothing behind.
    assert!(get(&mut s, "/f0").is_ok());
    assert_eq!(
        get(&mut s, &format!("/f{failed}")).map(|_| ()),
        Err(ZNONODE)
    );
    // Writes keep failing cleanly while the disk is full.
    assert_eq!(create(&mut s, "/again", b"", 0).0, ZSYSTEMERROR);
    let mut other = RawSession::connect(port, 30000);
    if let Ok(o) = other.as_mut() {
        assert!(get(o, "/f1").is_ok());
    }
    drop(s);
    let stderr = server.kill();
    assert!(stderr.contains("could not be written"), "{stderr}");
    // Restarted with room: every acknowledged node is there, the failed
    // ones are not, and writing works again.
    let _server = Server::start(&cfg, port);
    let mut s = RawSession::connect(port, 30000).unwrap();
    for i in 0..acknowledged {
        assert!(get(&mut s, &format!("/f{i}")).is_ok(), "/f{i} lost");
    }
    assert_eq!(
        get(&mut s, &format!("/f{failed}")).map(|_| ()),
        Err(ZNONODE)
    );
    assert_eq!(get(&mut s, "/again").map(|_| ()), Err(ZNONODE));
    assert_eq!(create(&mut s, "/after", b"", 0).0, ZOK);
}

#[test]
fn autopurge_keeps_the_newest_snapshots_and_the_logs_they_need() {
    let dir = TempDir::new("durable-purge");
    let cfg = write_config(dir.path(), "snapCount=20\n");
    let port = testkit::free_port();
    let mut server = Server::start(&cfg, port);
    write_nodes(port, "/p", 120);
    thread::sleep(Duration::from_millis(300));
    server.kill();
    let v2 = dir.path().join("data/version-2");
    let before = snapshots(&v2);
    assert!(before.len() > 4, "{before:?}");
    // Apache's purge task runs at start, then every purgeInterval hours.
    let cfg = write_config(
        dir.path(),
        "snapCount=20\nautopurge.purgeInterval=1\nautopurge.snapRetainCount=3\n",
    );
    let mut server = Server::start(&cfg, port);
    let deadline = Instant::now() + Duration::from_secs(10);
    while snapshots(&v2).len() > 3 {
        assert!(
            Instant::now() < deadline,
            "not purged: {:?}",
            snapshots(&v2)
        );
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(count_present(port, "/p", 120), 120);
    server.kill();
    // What is left is enough: a restart recovers everything.
    let oldest_kept = snapshots(&v2)[0].clone();
    assert!(!before[..before.len() - 3].contains(&oldest_kept));
    let _server = Server::start(&cfg, port);
    assert_eq!(count_present(port, "/p", 120), 120);
}
