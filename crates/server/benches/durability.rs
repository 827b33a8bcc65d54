//! Durability of zkserver against Apache ZooKeeper 3.8, in one run, both
//! with forceSync on and their data directories side by side on one disk:
//!
//! - the disk's fdatasync baseline: 100-byte appends to a preallocated file,
//!   each followed by fdatasync;
//! - sequential create latency (one session, create and await, repeatedly):
//!   target median at most the baseline plus 100 microseconds;
//! - write throughput of many concurrent writers (one session each, one
//!   create outstanding each): target at least 3x Apache's;
//! - restart with 1,000,000 znodes: the time from spawning the server on a
//!   filled data directory to its first `ruok` answer and to a successful
//!   getData of the last node created: target at most 2 seconds.
//!
//! Two more peers take their turns (see null_server.rs): the null server,
//! which answers at once and keeps nothing, so what it reaches is the most
//! any server could on this machine with this client; and the synced null
//! server, which answers a write only once its request is in a log file
//! and synced, so what it reaches is the most a durable server could.
//!
//!   cargo bench -p zkrs-server --bench durability
//!
//! Other work on a shared machine moves fdatasync times a lot from one
//! second to the next, so both servers run at once: sequential creates on
//! each and fdatasync probes take turns one by one, concurrent runs take
//! turns in rounds.
//!
//! Environment: BENCH_DIR (parent of the data directories, default the
//! system temp dir), BENCH_PEERS (default "zkserver,apache,null,nullsync"),
//! BENCH_ROUNDS (of the concurrent runs, 10), BENCH_SEQ (sequential
//! creates, and fdatasync probes, 2000), BENCH_WRITERS (64),
//! BENCH_WRITE_SECS (per server, 10), BENCH_WARMUP_SECS (5), BENCH_ZNODES
//! (1000000), BENCH_APACHE_HEAP (JVM -Xmx, default 4g), BENCH_BASELINE
//! (another zkserver binary, run as one more peer in the write runs, to
//! compare a change with), BENCH_KEEP (1: leave the data directories in
//! place), BENCH_SNAPCOUNT (both servers' snapCount, 100000).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};
use testkit::raw::RawSession;
use testkit::{free_port, process_cpu, TempDir};
use zkrs_proto::consts::op;
use zkrs_proto::frame::{begin_frame, finish_frame, FrameDecoder};
use zkrs_proto::jute::{Decode, Encode, Reader};
use zkrs_proto::records::*;

#[path = "durability/null_server.rs"]
mod null_server;

const ZKSERVER: &str = env!("CARGO_BIN_EXE_zkserver");
/// Children per parent when filling the tree.
const FANOUT: usize = 1000;
/// Sessions filling the tree at once, and the requests each has in flight.
const FILL_SESSIONS: usize = 8;
const FILL_WINDOW: usize = 250;
/// Bytes of data in each node the write runs create.
const NODE_DATA: usize = 32;
/// Bytes of data in each node of the filled tree.
const FILL_DATA: usize = 16;
const RESTART_TARGET: Duration = Duration::from_secs(2);
const SYNC_MARGIN: Duration = Duration::from_micros(100);
const THROUGHPUT_FACTOR: f64 = 3.0;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn create_request(path: String, data_len: usize) -> CreateRequest {
    CreateRequest {
        path,
        data: Some(vec![b'd'; data_len]),
        acl: open_acl_unsafe(),
        flags: 0,
    }
}

// ---------------------------------------------------------------- disk

/// The mount holding `dir` (the longest mount point that prefixes it), as
/// `device type on mountpoint (options)`.
fn filesystem_of(dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() >= 4 && dir.starts_with(f[1]))
        .max_by_key(|f| f[1].len())
        .map(|f| format!("{} {} on {} ({})", f[0], f[2], f[1], f[3]))
        .unwrap_or_else(|| "an unknown filesystem".into())
}

/// The machine's load average and CPU and I/O pressure (share of the last
/// minute in which some task waited), for judging how noisy a run was.
fn machine_load() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let pressure = |what: &str| {
        std::fs::read_to_string(format!("/proc/pressure/{what}"))
            .ok()
            .and_then(|t| {
                t.lines()
                    .find(|l| l.starts_with("some"))
                    .and_then(|l| l.split_whitespace().find(|f| f.starts_with("avg60=")))
                    .map(|f| format!("{}%", &f[6..]))
            })
            .unwrap_or_else(|| "?".into())
    };
    format!(
        "load average {}, cpu pressure {}, io pressure {}",
        load.join(" "),
        pressure("cpu"),
        pressure("io")
    )
}

/// How the probe file's blocks exist before the appends.
#[derive(Clone, Copy)]
enum Prealloc {
    /// Zeros written and synced: appends change no metadata.
    Written,
    /// fallocate (as zkserver's log does): appends turn unwritten extents
    /// into written ones.
    Fallocated,
}

/// A file to which each sample appends 100 bytes and then calls fdatasync.
/// The synced null server appends its log the same way.
struct SyncProbe {
    file: File,
    path: PathBuf,
    at: u64,
    size: u64,
}

impl SyncProbe {
    const RECORD: usize = 100;

    /// A file in `dir` with room for `samples` appends, preallocated as `how`.
    fn new(dir: &Path, name: &str, samples: usize, how: Prealloc) -> SyncProbe {
        Self::with_size(dir, name, samples * Self::RECORD, how)
    }

    /// A file in `dir` of at least `size` bytes, preallocated as `how`.
    fn with_size(dir: &Path, name: &str, size: usize, how: Prealloc) -> SyncProbe {
        let path = dir.join(name);
        let _ = std::fs::remove_file(&path);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .expect("create an fdatasync probe file");
        let size = size.next_multiple_of(1 << 20);
        match how {
            Prealloc::Written => file
                .write_all_at(&vec![0u8; size], 0)
                .expect("fill the probe file"),
            Prealloc::Fallocated => zkrs_server::sys::fallocate(&file, 0, size as u64)
                .expect("fallocate the probe file"),
        }
        file.sync_all().expect("sync the probe file");
        SyncProbe {
            file,
            path,
            at: 0,
            size: size as u64,
        }
    }

    fn sample(&mut self) -> Duration {
        const RECORD: [u8; SyncProbe::RECORD] = [0x5a; SyncProbe::RECORD];
        let t0 = Instant::now();
        self.append(&RECORD).expect("append and fdatasync");
        t0.elapsed()
    }

    /// Writes `bytes` after the last append (from the start again when
    /// they do not fit) and fdatasyncs.
    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.at + bytes.len() as u64 > self.size {
            self.at = 0;
        }
        self.file.write_all_at(bytes, self.at)?;
        self.at += bytes.len() as u64;
        self.file.sync_data()
    }
}

impl Drop for SyncProbe {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The snapshot and log files under a data directory: how many, how large.
fn data_files(dir: &Path) -> String {
    let mut snaps = (0, 0u64);
    let mut logs = (0, 0u64);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                stack.push(e.path());
            } else if name.starts_with("snapshot.") {
                snaps = (snaps.0 + 1, snaps.1 + meta.len());
            } else if name.starts_with("log.") {
                logs = (logs.0 + 1, logs.1 + meta.len());
            }
        }
    }
    format!(
        "{} snapshots {:.1} MB, {} logs {:.1} MB",
        snaps.0,
        snaps.1 as f64 / 1e6,
        logs.0,
        logs.1 as f64 / 1e6
    )
}

// ---------------------------------------------------------------- servers

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    ZkServer,
    Apache,
    /// The null server: answers everything at once and keeps nothing.
    Null,
    /// The null server, except that it answers a write only once its
    /// request is written to a log and synced.
    NullSync,
    /// Another build of zkserver (BENCH_BASELINE), to compare a change
    /// with in one run.
    Baseline,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::ZkServer => "zkserver",
            Kind::Apache => "apache",
            Kind::Null => "null",
            Kind::NullSync => "nullsync",
            Kind::Baseline => "baseline",
        }
    }

    /// Whether it is a real server, with a tree to read back.
    fn keeps_nodes(self) -> bool {
        !matches!(self, Kind::Null | Kind::NullSync)
    }
}

/// A server with its config, data directory and console log in a directory
/// of its own; killed and its directory removed when dropped.
struct Server {
    kind: Kind,
    dir: PathBuf,
    cfg: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Server {
    fn new(kind: Kind, parent: &Path, tag: &str) -> Server {
        let dir = parent.join(format!("{}-{tag}", kind.name()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).expect("create the data directory");
        let port = free_port();
        // Both fsync every write before answering (forceSync=yes, the
        // default, said explicitly) and snapshot every 100,000 transactions
        // (the default too) unless BENCH_SNAPCOUNT says otherwise.
        let mut text = format!(
            "tickTime=2000\ndataDir={}\nclientPort={port}\nclientPortAddress=127.0.0.1\n\
             4lw.commands.whitelist=*\nmaxClientCnxns=0\nforceSync=yes\nsnapCount={}\n",
            dir.join("data").display(),
            env_num("BENCH_SNAPCOUNT", 100_000)
        );
        if kind == Kind::Apache {
            text.push_str("admin.enableServer=false\n");
        }
        let cfg = dir.join("zoo.cfg");
        std::fs::write(&cfg, text).expect("write zoo.cfg");
        Server {
            kind,
            dir,
            cfg,
            port,
            child: None,
        }
    }

    fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// Spawns the server process, without waiting for anything.
    fn launch(&mut self) {
        let log = File::create(self.dir.join("console.log")).expect("console log");
        let mut cmd = match self.kind {
            Kind::ZkServer => {
                let mut c = Command::new(ZKSERVER);
                c.arg(&self.cfg);
                c
            }
            Kind::Apache => {
                let heap = std::env::var("BENCH_APACHE_HEAP").unwrap_or_else(|_| "4g".into());
                let mut c = Command::new("java");
                c.arg(format!("-Xmx{heap}"))
                    .arg("-Dzookeeper.root.logger=WARN,CONSOLE")
                    .arg("-Dzookeeper.console.threshold=WARN")
                    .arg("-cp")
                    .arg("/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/*")
                    .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
                    .arg(&self.cfg);
                c
            }
            Kind::Baseline => {
                let mut c =
                    Command::new(std::env::var_os("BENCH_BASELINE").expect("BENCH_BASELINE"));
                c.arg(&self.cfg);
                c
            }
            Kind::Null | Kind::NullSync => {
                let mut c = Command::new(std::env::current_exe().expect("the bench binary"));
                c.arg(null_server::FLAG).arg(self.port.to_string());
                if self.kind == Kind::NullSync {
                    c.arg(null_server::SYNC_FLAG).arg(self.dir.join("data"));
                }
                c
            }
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("console log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", self.name()));
        self.child = Some(child);
    }

    /// Spawns the server and waits until it serves sessions.
    fn start(&mut self) {
        self.launch();
        let deadline = Instant::now() + Duration::from_secs(120);
        match self.wait_for_session(deadline) {
            Ok(s) => close_session(s),
            Err(e) => self.fail(&format!("did not start: {e}")),
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |c| c.id())
    }

    fn console(&self) -> String {
        std::fs::read_to_string(self.dir.join("console.log")).unwrap_or_default()
    }

    fn fail(&mut self, what: &str) -> ! {
        self.kill();
        panic!("{} {what}\n{}", self.name(), self.console());
    }

    /// Polls `ruok` every millisecond until `imok`. Each try gives up after
    /// 100 ms: a starting JVM may accept a connection and never answer it.
    fn wait_for_ruok(&mut self, deadline: Instant) -> Result<(), String> {
        loop {
            let answer = testkit::four_letter_within(self.port, "ruok", Duration::from_millis(100));
            if matches!(answer, Ok(ref s) if s == "imok") {
                return Ok(());
            }
            self.check_alive(deadline)?;
        }
    }

    /// Polls session establishment every millisecond until one succeeds.
    /// Apache accepts connections (and answers `ruok`) while its database
    /// is still loading, and closes session requests until it serves.
    fn wait_for_session(&mut self, deadline: Instant) -> Result<RawSession, String> {
        loop {
            if let Ok(s) = RawSession::connect_within(self.port, 30_000, Duration::from_secs(1)) {
                return Ok(s);
            }
            self.check_alive(deadline)?;
        }
    }

    fn check_alive(&mut self, deadline: Instant) -> Result<(), String> {
        if matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(Some(_)))) {
            return Err("the server exited".into());
        }
        if Instant::now() > deadline {
            return Err("timed out".into());
        }
        std::thread::sleep(Duration::from_millis(1));
        Ok(())
    }

    /// SIGTERM, then waits for the exit (SIGKILL after a minute).
    fn terminate(&mut self) {
        let Some(mut c) = self.child.take() else {
            return;
        };
        // SAFETY: signalling our own child.
        unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
        let end = Instant::now() + Duration::from_secs(60);
        while !matches!(c.try_wait(), Ok(Some(_))) {
            if Instant::now() > end {
                eprintln!("{} ignored SIGTERM for a minute; killing it", self.name());
                let _ = c.kill();
                let _ = c.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Whether BENCH_KEEP asks to keep the data directories for a look
/// afterwards.
fn keep_data() -> bool {
    std::env::var_os("BENCH_KEEP").is_some_and(|v| !v.is_empty() && v != "0")
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if !keep_data() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The `Node count` of a `srvr` answer.
fn node_count(port: u16) -> Option<u64> {
    let srvr = testkit::four_letter(port, "srvr").ok()?;
    srvr.lines()
        .find_map(|l| l.strip_prefix("Node count:"))
        .and_then(|v| v.trim().parse().ok())
}

// ---------------------------------------------------------------- workloads

/// Ends a session and waits for the server to confirm.
fn close_session(mut s: RawSession) {
    s.call_raw(op::CLOSE_SESSION, &[]).expect("close a session");
}

fn create(s: &mut RawSession, path: String, data_len: usize) {
    let reply = s
        .call(op::CREATE, &create_request(path.clone(), data_len))
        .unwrap_or_else(|e| panic!("create {path}: {e}"));
    assert_eq!(reply.header.err, 0, "create {path}");
}

/// One session creating children of `root`, each after the previous one's
/// answer.
struct SequentialWriter {
    session: RawSession,
    root: String,
    next: usize,
}

impl SequentialWriter {
    fn new(port: u16, root: &str) -> SequentialWriter {
        let mut session = RawSession::connect(port, 30_000).expect("connect");
        create(&mut session, root.to_string(), 0);
        SequentialWriter {
            session,
            root: root.to_string(),
            next: 0,
        }
    }

    fn close(self) {
        close_session(self.session);
    }

    /// The latencies of `n` more creates.
    fn run(&mut self, n: usize) -> Vec<Duration> {
        (0..n)
            .map(|_| {
                let path = format!("{}/n{:08}", self.root, self.next);
                self.next += 1;
                let t0 = Instant::now();
                create(&mut self.session, path, NODE_DATA);
                t0.elapsed()
            })
            .collect()
    }
}

/// What a concurrent write run measured.
#[derive(Default)]
struct WriteRun {
    creates: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// CPU time over the run: the server's and this client's.
    server_cpu: Duration,
    client_cpu: Duration,
}

impl WriteRun {
    fn per_sec(&self) -> f64 {
        self.creates as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// CPU time per acknowledged create.
    fn per_create(&self, cpu: Duration) -> Duration {
        cpu / self.creates.max(1) as u32
    }

    fn add(&mut self, other: WriteRun) {
        self.creates += other.creates;
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
        self.server_cpu += other.server_cpu;
        self.client_cpu += other.client_cpu;
    }
}

/// Reads what has arrived on a non-blocking socket into `frames`;
/// Ok(true) once the peer has closed. A short read emptied the socket and
/// ends it: what comes later raises a new event. This keeps the share of
/// the cores of the client (and of the null server) small.
fn read_arrived(
    stream: &mut impl Read,
    chunk: &mut [u8],
    frames: &mut FrameDecoder,
) -> io::Result<bool> {
    loop {
        match stream.read(chunk) {
            Ok(0) => return Ok(true),
            Ok(n) => {
                frames.extend(&chunk[..n]);
                if n < chunk.len() {
                    return Ok(false);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes a few frames to a non-blocking socket. Its send buffer is
/// nearly empty (one request or answer outstanding per session), so
/// waiting for room means yielding a moment at most.
fn write_small(stream: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    let mut from = 0;
    while from < bytes.len() {
        match stream.write(&bytes[from..]) {
            Ok(n) => from += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A session of a concurrent run, driven by the run's event loop.
struct Writer {
    stream: mio::net::TcpStream,
    frames: FrameDecoder,
    out: Vec<u8>,
    sent_at: Instant,
    xid: i32,
    created: usize,
}

impl Writer {
    fn send_create(&mut self, path: String) {
        self.send(op::CREATE, Some(create_request(path, NODE_DATA)));
    }

    fn send(&mut self, opcode: i32, body: Option<CreateRequest>) {
        self.xid += 1;
        self.out.clear();
        let at = begin_frame(&mut self.out);
        RequestHeader {
            xid: self.xid,
            op: opcode,
        }
        .encode(&mut self.out);
        if let Some(body) = body {
            body.encode(&mut self.out);
        }
        finish_frame(&mut self.out, at);
        self.sent_at = Instant::now();
        write_small(&mut self.stream, &self.out).unwrap_or_else(|e| panic!("send a create: {e}"));
    }

    /// Reads what has arrived; returns the answers (their error codes)
    /// and whether the server closed the connection.
    fn receive(&mut self, chunk: &mut [u8]) -> (Vec<i32>, bool) {
        let closed = read_arrived(&mut self.stream, chunk, &mut self.frames)
            .unwrap_or_else(|e| panic!("read an answer: {e}"));
        let mut answers = Vec::new();
        while let Some(frame) = self.frames.next_frame().expect("a valid frame") {
            let header = ReplyHeader::decode(&mut Reader::new(frame)).expect("a reply header");
            if header.xid != -1 {
                answers.push(header.err);
            }
        }
        self.frames.compact();
        (answers, closed)
    }
}

/// `writers` sessions under one event loop, each with one create
/// outstanding, for `run`. One thread for all of them keeps the client's
/// share of the two cores small.
fn concurrent_writers(server: &Server, root: &str, writers: usize, run: Duration) -> WriteRun {
    let mut setup = RawSession::connect(server.port, 30_000).expect("connect");
    create(&mut setup, root.to_string(), 0);
    // Closed now: it sends no pings, so a run longer than its timeout
    // would see it expire.
    close_session(setup);
    let mut poll = Poll::new().expect("poll");
    let mut conns: Vec<Writer> = (0..writers)
        .map(|w| {
            let session = RawSession::connect(server.port, 30_000).expect("connect a writer");
            let (stream, buffered) = session.into_parts();
            stream.set_nonblocking(true).expect("non-blocking socket");
            let mut stream = mio::net::TcpStream::from_std(stream);
            poll.registry()
                .register(&mut stream, Token(w), Interest::READABLE)
                .expect("register a writer");
            let mut frames = FrameDecoder::new(1 << 20);
            frames.extend(&buffered);
            Writer {
                stream,
                frames,
                out: Vec::with_capacity(256),
                sent_at: Instant::now(),
                xid: 0,
                created: 0,
            }
        })
        .collect();
    let path = |w: usize, i: usize| format!("{root}/w{w:03}-{i:08}");
    let (server0, client0) = (process_cpu(server.pid()), process_cpu(std::process::id()));
    let t0 = Instant::now();
    let end = t0 + run;
    for (w, c) in conns.iter_mut().enumerate() {
        c.send_create(path(w, 0));
    }
    let mut outstanding = writers;
    let mut latencies = Vec::new();
    let mut events = Events::with_capacity(1024);
    let mut chunk = vec![0u8; 64 * 1024];
    while outstanding > 0 {
        poll.poll(&mut events, Some(Duration::from_secs(30)))
            .expect("poll");
        assert!(
            !events.is_empty(),
            "no answer from {} for 30 s",
            server.name()
        );
        for ev in events.iter() {
            let w = ev.token().0;
            let c = &mut conns[w];
            let (answers, closed) = c.receive(&mut chunk);
            assert!(!closed, "{} closed a writer's connection", server.name());
            for err in answers {
                assert_eq!(err, 0, "{}: a create failed", server.name());
                latencies.push(c.sent_at.elapsed());
                c.created += 1;
                outstanding -= 1;
                if Instant::now() < end {
                    c.send_create(path(w, c.created));
                    outstanding += 1;
                }
            }
        }
    }
    let measured = WriteRun {
        creates: latencies.len(),
        elapsed: t0.elapsed(),
        server_cpu: process_cpu(server.pid()).saturating_sub(server0),
        client_cpu: process_cpu(std::process::id()).saturating_sub(client0),
        latencies,
    };
    // Close the sessions now rather than leave them to expire (and be
    // closed by the server) during a later run.
    for c in &mut conns {
        c.send(op::CLOSE_SESSION, None);
    }
    let mut open = writers;
    let mut done = vec![false; writers];
    while open > 0 {
        poll.poll(&mut events, Some(Duration::from_secs(30)))
            .expect("poll");
        assert!(
            !events.is_empty(),
            "{} did not close sessions",
            server.name()
        );
        for ev in events.iter() {
            let w = ev.token().0;
            let (answers, closed) = conns[w].receive(&mut chunk);
            if (closed || !answers.is_empty()) && !done[w] {
                done[w] = true;
                open -= 1;
            }
        }
    }
    measured
}

/// Creates `znodes` nodes, FANOUT children under each parent, FILL_DATA
/// bytes each, from FILL_SESSIONS sessions with up to FILL_WINDOW requests
/// in flight each, then one more node, `/last`, whose path it returns.
fn fill(port: u16, znodes: usize) -> String {
    let parents = znodes.div_ceil(FANOUT);
    let threads: Vec<_> = (0..FILL_SESSIONS)
        .map(|t| {
            std::thread::spawn(move || {
                let mut requests = Vec::new();
                for p in (t..parents).step_by(FILL_SESSIONS) {
                    requests.push(create_request(format!("/p{p:04}"), 0));
                    for c in 0..FANOUT.min(znodes - p * FANOUT) {
                        requests.push(create_request(format!("/p{p:04}/c{c:04}"), FILL_DATA));
                    }
                }
                pipeline_creates(port, &requests);
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a fill session");
    }
    let mut s = RawSession::connect(port, 30_000).expect("connect");
    create(&mut s, "/last".into(), FILL_DATA);
    close_session(s);
    "/last".into()
}

/// Sends `requests` on one session, FILL_WINDOW at most in flight.
fn pipeline_creates(port: u16, requests: &[CreateRequest]) {
    let mut s = RawSession::connect(port, 30_000).expect("connect");
    let (mut sent, mut done) = (0, 0);
    while done < requests.len() {
        while sent < requests.len() && sent - done < FILL_WINDOW {
            s.send(op::CREATE, &requests[sent]).expect("send a create");
            sent += 1;
        }
        let reply = s.receive().expect("a create's answer");
        assert_eq!(reply.header.err, 0, "create {} failed", requests[done].path);
        done += 1;
    }
    close_session(s);
}

// ---------------------------------------------------------------- statistics

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut v = samples.to_vec();
    v.sort_unstable();
    v.get(((v.len().max(1) - 1) as f64 * p).round() as usize)
        .copied()
        .unwrap_or_default()
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

// ---------------------------------------------------------------- phases

#[derive(Default, Clone, Copy)]
struct Figures {
    seq_median: Duration,
    seq_p99: Duration,
    throughput: f64,
    writers_median: Duration,
    writers_p99: Duration,
    server_cpu: Duration,
    client_cpu: Duration,
    fill_secs: f64,
    restart_ruok: Duration,
    restart_get: Duration,
    /// The server's CPU time from spawn to that getData answer: what the
    /// restart costs whatever else runs on the machine.
    restart_cpu: Duration,
}

/// fdatasync samples taken alongside the sequential creates.
struct Probes {
    zeroed: Vec<Duration>,
    fallocated: Vec<Duration>,
}

/// Sequential latency and concurrent throughput, all servers running at
/// once on fresh data directories. The sequential creates take turns one
/// by one with fdatasync probes on the same disk; the concurrent runs take
/// turns in rounds.
fn measure_writes(kinds: &[Kind], parent: &Path) -> (Vec<Figures>, Probes) {
    let rounds = env_num("BENCH_ROUNDS", 10).max(1);
    let seq = env_num("BENCH_SEQ", 2000).max(1);
    let writers = env_num("BENCH_WRITERS", 64).max(1);
    let run = Duration::from_secs(env_num("BENCH_WRITE_SECS", 10) as u64) / rounds as u32;
    let warmup = Duration::from_secs(env_num("BENCH_WARMUP_SECS", 5) as u64);
    let mut servers: Vec<Server> = kinds
        .iter()
        .map(|&k| Server::new(k, parent, "writes"))
        .collect();
    for s in &mut servers {
        s.start();
    }
    // Warm up (the JVM's JIT above all) with the same requests as the runs.
    for s in &servers {
        let mut warm = SequentialWriter::new(s.port, "/warm-seq");
        warm.run(seq.min(1000));
        warm.close();
        concurrent_writers(s, "/warm-writers", writers, warmup);
    }
    // The null server has no sync to wait for: its sequential latency
    // says nothing, and taking turns with it would only change the others'.
    let mut seq_writers: Vec<Option<SequentialWriter>> = servers
        .iter()
        .map(|s| (s.kind != Kind::Null).then(|| SequentialWriter::new(s.port, "/seq")))
        .collect();
    let mut seq_latencies = vec![Vec::new(); servers.len()];
    let mut zeroed = SyncProbe::new(parent, "probe-zeroed", seq, Prealloc::Written);
    let mut fallocated = SyncProbe::new(parent, "probe-fallocated", seq, Prealloc::Fallocated);
    let mut probes = Probes {
        zeroed: Vec::with_capacity(seq),
        fallocated: Vec::with_capacity(seq),
    };
    for i in 0..seq {
        // Alternately first: a sync right after a create's waits for more.
        if i % 2 == 0 {
            probes.zeroed.push(zeroed.sample());
            probes.fallocated.push(fallocated.sample());
        } else {
            probes.fallocated.push(fallocated.sample());
            probes.zeroed.push(zeroed.sample());
        }
        for (w, lat) in seq_writers.iter_mut().zip(&mut seq_latencies) {
            if let Some(w) = w {
                lat.extend(w.run(1));
            }
        }
    }
    for w in seq_writers.into_iter().flatten() {
        w.close();
    }
    let mut runs: Vec<WriteRun> = servers.iter().map(|_| WriteRun::default()).collect();
    // What each server used while the others had their rounds: a server
    // busy in the background takes CPU from the one being measured.
    let mut idle_cpu = vec![Duration::ZERO; servers.len()];
    let mut idle_time = vec![Duration::ZERO; servers.len()];
    for r in 0..rounds {
        for i in 0..servers.len() {
            let before: Vec<Duration> = servers.iter().map(|o| process_cpu(o.pid())).collect();
            let t0 = Instant::now();
            let one = concurrent_writers(&servers[i], &format!("/writers{r}"), writers, run);
            for (j, o) in servers.iter().enumerate().filter(|(j, _)| *j != i) {
                idle_cpu[j] += process_cpu(o.pid()).saturating_sub(before[j]);
                idle_time[j] += t0.elapsed();
            }
            print!("{} {:.0}/s  ", servers[i].name(), one.per_sec());
            runs[i].add(one);
        }
        println!("(round {} of {writers} writers)", r + 1);
    }
    for ((s, cpu), time) in servers.iter().zip(&idle_cpu).zip(&idle_time) {
        if !time.is_zero() {
            println!(
                "{} used {:.0} ms of cpu during the others' rounds ({:.2} of a core)",
                s.name(),
                ms(*cpu),
                cpu.as_secs_f64() / time.as_secs_f64()
            );
        }
    }
    let mut figures = Vec::new();
    for ((s, lat), w) in servers.iter().zip(&seq_latencies).zip(&runs) {
        let f = Figures {
            seq_median: percentile(lat, 0.5),
            seq_p99: percentile(lat, 0.99),
            throughput: w.per_sec(),
            writers_median: percentile(&w.latencies, 0.5),
            writers_p99: percentile(&w.latencies, 0.99),
            server_cpu: w.per_create(w.server_cpu),
            client_cpu: w.per_create(w.client_cpu),
            ..Figures::default()
        };
        let sequential = if lat.is_empty() {
            String::new()
        } else {
            format!(
                "sequential create median {:7.1} us  p99 {:7.1} us | ",
                us(f.seq_median),
                us(f.seq_p99)
            )
        };
        println!(
            "{:9} {sequential}{writers} writers {:8.0} creates/s  median {:7.1} us  p99 {:7.1} \
             us  cpu per create: server {:5.1} us, client {:5.1} us",
            s.name(),
            f.throughput,
            us(f.writers_median),
            us(f.writers_p99),
            us(f.server_cpu),
            us(f.client_cpu),
        );
        figures.push(f);
    }
    for s in &mut servers {
        s.terminate();
    }
    (figures, probes)
}

/// Fills a data directory, stops the server with SIGTERM and times its
/// restart on that directory.
fn measure_restart(kind: Kind, parent: &Path, znodes: usize, figures: &mut Figures) {
    let mut server = Server::new(kind, parent, "restart");
    server.start();
    let t0 = Instant::now();
    let last = fill(server.port, znodes);
    figures.fill_secs = t0.elapsed().as_secs_f64();
    server.terminate();
    let files = data_files(&server.dir.join("data"));

    let t0 = Instant::now();
    server.launch();
    let deadline = t0 + Duration::from_secs(300);
    let outcome = server.wait_for_ruok(deadline).and_then(|()| {
        let ruok = t0.elapsed();
        let mut s = server.wait_for_session(deadline)?;
        // The session exists; the data must be there too.
        let get = GetDataRequest {
            path: last.clone(),
            watch: false,
        };
        let reply = s
            .call(op::GET_DATA, &get)
            .map_err(|e| format!("getData {last}: {e}"))?;
        let answered = t0.elapsed();
        let cpu = process_cpu(server.pid());
        if reply.header.err != 0 {
            return Err(format!("getData {last}: error {}", reply.header.err));
        }
        let data: GetDataResponse = reply.decode().map_err(|e| e.to_string())?;
        if data.data.as_deref() != Some(&[b'd'; FILL_DATA][..]) {
            return Err(format!("getData {last}: unexpected data {:?}", data.data));
        }
        Ok((ruok, answered, cpu))
    });
    let (ruok, get, cpu) = outcome.unwrap_or_else(|e| server.fail(&format!("restart: {e}")));
    figures.restart_ruok = ruok;
    figures.restart_get = get;
    figures.restart_cpu = cpu;
    let nodes = node_count(server.port).map_or_else(|| "?".into(), |n| n.to_string());
    println!(
        "{:9} filled {znodes} znodes in {:.1} s ({:.0} creates/s), then {files}; restart: \
         ruok {:.1} ms, getData {last} {:.1} ms (server cpu {:.1} ms), node count {nodes}",
        kind.name(),
        figures.fill_secs,
        (znodes + znodes.div_ceil(FANOUT) + 1) as f64 / figures.fill_secs,
        ms(ruok),
        ms(get),
        ms(cpu),
    );
    server.terminate();
}

// ---------------------------------------------------------------- report

/// One table row: a figure for each server, its target, ratio and verdict.
struct Table {
    z: Option<Figures>,
    a: Option<Figures>,
}

impl Table {
    fn header(&self) {
        println!(
            "\n{:36} {:>12} {:>12} {:>18} {:>8} {:>7}",
            "figure", "zkserver", "apache", "target", "ratio", ""
        );
    }

    fn line(name: &str, z: &str, a: &str, target: &str, ratio: &str, verdict: &str) {
        println!("{name:36} {z:>12} {a:>12} {target:>18} {ratio:>8} {verdict:>7}");
    }

    /// A figure of both servers, formatted by `show`.
    fn row(&self, name: &str, show: impl Fn(&Figures) -> String) {
        let col = |f: Option<Figures>| f.as_ref().map_or_else(|| "-".into(), &show);
        Table::line(name, &col(self.z), &col(self.a), "", "", "");
    }

    /// A row whose zkserver figure has a target: `ratio` is ours over the
    /// target, `ok` says whether it is met.
    fn target_row(
        &self,
        name: &str,
        show: impl Fn(&Figures) -> String,
        target: &str,
        ratio: Option<(f64, bool)>,
    ) {
        let col = |f: Option<Figures>| f.as_ref().map_or_else(|| "-".into(), &show);
        let (r, v) = match ratio {
            Some((r, ok)) => (format!("{r:.2}"), if ok { "ok" } else { "MISSED" }),
            None => (String::new(), ""),
        };
        Table::line(name, &col(self.z), &col(self.a), target, &r, v);
    }
}

fn print_table(baseline: Duration, fallocated: Duration, table: &Table, writers: usize) {
    table.header();
    Table::line(
        "fdatasync median (zeroed file)",
        &format!("{:.1} us", us(baseline)),
        "",
        "",
        "",
        "",
    );
    Table::line(
        "fdatasync median (fallocated file)",
        &format!("{:.1} us", us(fallocated)),
        "",
        "",
        "",
        "",
    );
    let seq_target = baseline + SYNC_MARGIN;
    table.target_row(
        "sequential create median",
        |f| format!("{:.1} us", us(f.seq_median)),
        &format!("<= {:.1} us", us(seq_target)),
        table.z.map(|z| {
            let r = z.seq_median.as_secs_f64() / seq_target.as_secs_f64();
            (r, r <= 1.0)
        }),
    );
    table.row("sequential create p99", |f| {
        format!("{:.1} us", us(f.seq_p99))
    });
    table.target_row(
        &format!("{writers} writers: creates/s"),
        |f| format!("{:.0}", f.throughput),
        &format!(">= {THROUGHPUT_FACTOR:.0}x apache"),
        table.z.zip(table.a).map(|(z, a)| {
            let r = z.throughput / a.throughput;
            (r, r >= THROUGHPUT_FACTOR)
        }),
    );
    table.row(&format!("{writers} writers: create median"), |f| {
        format!("{:.1} us", us(f.writers_median))
    });
    table.row(&format!("{writers} writers: create p99"), |f| {
        format!("{:.1} us", us(f.writers_p99))
    });
    table.row(&format!("{writers} writers: server cpu/create"), |f| {
        format!("{:.1} us", us(f.server_cpu))
    });
    table.row(&format!("{writers} writers: client cpu/create"), |f| {
        format!("{:.1} us", us(f.client_cpu))
    });
    table.row("fill (pipelined creates)", |f| {
        format!("{:.1} s", f.fill_secs)
    });
    table.row("restart: first ruok", |f| {
        format!("{:.1} ms", ms(f.restart_ruok))
    });
    table.target_row(
        "restart: first getData",
        |f| format!("{:.1} ms", ms(f.restart_get)),
        &format!("<= {:.0} ms", ms(RESTART_TARGET)),
        table.z.map(|z| {
            let r = z.restart_get.as_secs_f64() / RESTART_TARGET.as_secs_f64();
            (r, r <= 1.0)
        }),
    );
    table.row("restart: server cpu until getData", |f| {
        format!("{:.1} ms", ms(f.restart_cpu))
    });
    if let (Some(z), Some(a)) = (table.z, table.a) {
        println!(
            "ratios (zkserver vs apache): sequential median {:.2}x  throughput {:.2}x  \
             restart {:.2}x",
            z.seq_median.as_secs_f64() / a.seq_median.as_secs_f64(),
            z.throughput / a.throughput,
            z.restart_get.as_secs_f64() / a.restart_get.as_secs_f64()
        );
    }
}

/// What the null servers reached, and so what any server, and any
/// durable one, could on this machine with this client.
fn print_ceilings(ceilings: &[(Kind, Figures)], table: &Table, writers: usize) {
    for (kind, c) in ceilings {
        let (what, keeps) = match kind {
            Kind::NullSync => (
                "the synced null server",
                "logs and syncs each write, keeps nothing",
            ),
            _ => ("the null server", "answers at once, keeps nothing"),
        };
        println!(
            "ceiling: {what} ({keeps}) took {:.0} creates/s from {writers} writers, \
             server cpu {:.1} us and client cpu {:.1} us per create",
            c.throughput,
            us(c.server_cpu),
            us(c.client_cpu)
        );
        let share = |f: &Figures| f.throughput / c.throughput;
        if let Some(a) = table.a {
            println!(
                "  apache reached {:.2} of it; {THROUGHPUT_FACTOR:.0}x apache would be {:.2} of it",
                share(&a),
                THROUGHPUT_FACTOR * share(&a)
            );
        }
        if let Some(z) = table.z {
            println!("  zkserver reached {:.2} of it", share(&z));
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mut args = std::env::args()
        .skip_while(|a| a != null_server::FLAG)
        .skip(1);
    if let Some(port) = args.next() {
        let port = port.parse().expect("a port after --null-server");
        let dir = (args.next().as_deref() == Some(null_server::SYNC_FLAG))
            .then(|| PathBuf::from(args.next().expect("a directory after --sync-dir")));
        null_server::serve(port, dir.as_deref()).expect("the null server");
        return;
    }
    let peers =
        std::env::var("BENCH_PEERS").unwrap_or_else(|_| "zkserver,apache,null,nullsync".into());
    let mut kinds: Vec<Kind> = [Kind::ZkServer, Kind::Apache, Kind::Null, Kind::NullSync]
        .into_iter()
        .filter(|k| peers.split(',').any(|p| p.trim() == k.name()))
        .collect();
    if std::env::var_os("BENCH_BASELINE").is_some() {
        kinds.push(Kind::Baseline);
    }
    assert!(
        kinds.iter().any(|&k| k.keeps_nodes()),
        "BENCH_PEERS={peers:?} names neither zkserver nor apache"
    );
    if kinds.contains(&Kind::Apache) {
        testkit::ensure_packages();
    }
    let home = std::env::var_os("BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let base = TempDir::new_in(&home, "durability-bench");
    let parent = base.path().to_path_buf();
    if keep_data() {
        std::mem::forget(base);
    }
    let parent = parent.as_path();
    let znodes = env_num("BENCH_ZNODES", 1_000_000).max(1);
    let writers = env_num("BENCH_WRITERS", 64).max(1);
    println!(
        "data directories under {} on {}",
        parent.display(),
        filesystem_of(parent)
    );
    println!("machine at the start: {}", machine_load());
    // Flush what other work left dirty (this bench's own build, say): a
    // disk busy writing it back slows every fdatasync.
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
    let (mut figures, probes) = measure_writes(&kinds, parent);
    let baseline = percentile(&probes.zeroed, 0.5);
    let fallocated = percentile(&probes.fallocated, 0.5);
    println!(
        "fdatasync after a 100-byte append, taking turns with the sequential creates: median \
         {:.1} us (zeroed file), {:.1} us (fallocated file), of {} each",
        us(baseline),
        us(fallocated),
        probes.zeroed.len()
    );
    for (kind, f) in kinds.iter().zip(&mut figures) {
        if *kind == Kind::ZkServer || *kind == Kind::Apache {
            measure_restart(*kind, parent, znodes, f);
        }
    }
    let find = |k: Kind| kinds.iter().position(|&x| x == k).map(|i| figures[i]);
    let table = Table {
        z: find(Kind::ZkServer),
        a: find(Kind::Apache),
    };
    print_table(baseline, fallocated, &table, writers);
    let ceilings: Vec<(Kind, Figures)> = [Kind::Null, Kind::NullSync]
        .into_iter()
        .filter_map(|k| find(k).map(|f| (k, f)))
        .collect();
    print_ceilings(&ceilings, &table, writers);
    println!("machine at the end: {}", machine_load());
}
