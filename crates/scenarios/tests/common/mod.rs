//! Shared harness of the scenario tests: which C client the C sources are
//! built against, which server they run against, building them with `cc`,
//! and running them as child processes.

#![allow(dead_code)]

pub mod cluster;
pub mod proxy;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// The C client library and headers the C sources are built against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CClient {
    /// Debian's Apache libzookeeper_mt (/usr/include/zookeeper, -lzookeeper_mt).
    Apache,
    /// This project's: include/zookeeper and target/release/libzookeeper_mt.so.
    Zkrs,
}

/// The server the scenarios run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// Debian's Apache ZooKeeper 3.8 (Java).
    Apache,
    /// This project's bundled zkserver (target/release/zkserver).
    ZkServer,
}

/// Switch the C client here (or set ZKRS_SCENARIO_CLIENT=apache|zkrs).
pub const C_CLIENT: CClient = CClient::Zkrs;
/// Switch the server here (or set ZKRS_SCENARIO_SERVER=apache|zkserver).
pub const SERVER: ServerKind = ServerKind::ZkServer;

/// Tick of the test server (either kind): sessions expire in tick-sized
/// buckets, so a short tick keeps the crash scenarios short.
pub const APACHE_TICK_MS: u64 = 500;

pub fn c_client() -> CClient {
    match std::env::var("ZKRS_SCENARIO_CLIENT").as_deref() {
        Ok("apache") => CClient::Apache,
        Ok("zkrs") => CClient::Zkrs,
        Ok(other) => panic!("ZKRS_SCENARIO_CLIENT={other}: expected apache or zkrs"),
        Err(_) => C_CLIENT,
    }
}

pub fn server_kind() -> ServerKind {
    match std::env::var("ZKRS_SCENARIO_SERVER").as_deref() {
        Ok("apache") => ServerKind::Apache,
        Ok("zkserver") => ServerKind::ZkServer,
        Ok(other) => panic!("ZKRS_SCENARIO_SERVER={other}: expected apache or zkserver"),
        Err(_) => SERVER,
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Where the project's release artefacts are (libzookeeper_mt.so, zkserver).
fn release_dir() -> PathBuf {
    std::env::var_os("ZKRS_RELEASE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/release"))
}

/// `-I`, `-L` and link flags for the chosen client.
fn client_flags(client: CClient) -> Vec<String> {
    match client {
        CClient::Apache => vec!["-I/usr/include/zookeeper".into(), "-lzookeeper_mt".into()],
        CClient::Zkrs => {
            let inc = workspace_root().join("include/zookeeper");
            let lib = project_lib_dir();
            vec![
                format!("-I{}", inc.display()),
                format!("-L{}", lib.display()),
                format!("-Wl,-rpath,{}", lib.display()),
                "-lzookeeper_mt".into(),
            ]
        }
    }
}

/// A directory holding the project's libzookeeper_mt.so under its own name
/// and under its soname (libzookeeper_mt.so.2, as Apache's): programs find
/// it through their rpath instead of the system's copy of that soname.
fn project_lib_dir() -> PathBuf {
    let so = release_dir().join("libzookeeper_mt.so");
    assert!(
        so.exists(),
        "{} missing: run `cargo build --release` first",
        so.display()
    );
    let so = so.canonicalize().expect("canonical library path");
    testkit::link_zookeeper_library(&lib_dir_path(), &so)
}

/// Where project_lib_dir puts the library links.
fn lib_dir_path() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("zkrs-libdir")
}

/// Asserts that `exe` loads libzookeeper_mt from the chosen client.
fn assert_linked_to(exe: &Path, client: CClient) {
    let out = Command::new("ldd").arg(exe).output().expect("run ldd");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("libzookeeper_mt"))
        .unwrap_or_else(|| panic!("{} does not load libzookeeper_mt:\n{text}", exe.display()));
    let resolved = line.split("=>").nth(1).unwrap_or("").trim();
    let ours = resolved.starts_with(&*lib_dir_path().display().to_string());
    match client {
        CClient::Zkrs => assert!(
            ours,
            "{} loads {resolved}, not this project's library",
            exe.display()
        ),
        CClient::Apache => assert!(!ours, "{} loads {resolved}", exe.display()),
    }
}

/// The `-I` flag of the chosen client's headers.
pub fn client_include_flag() -> String {
    client_flags(c_client()).remove(0)
}

/// The C programs of the scenarios, built once per test binary.
pub struct Programs {
    pub master_standby: PathBuf,
    pub recipe_driver: PathBuf,
}

pub fn programs() -> &'static Programs {
    static P: OnceLock<Programs> = OnceLock::new();
    P.get_or_init(|| {
        testkit::ensure_packages();
        let client = c_client();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("scenarios-{client:?}").to_lowercase());
        std::fs::create_dir_all(&out).expect("build dir");
        let root = workspace_root();
        let recipes: Vec<PathBuf> = std::fs::read_dir(root.join("recipes/src"))
            .expect("recipes/src")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "c"))
            .collect();
        let master_standby = out.join("master_standby");
        compile(
            &[root.join("examples/c/master_standby.c")],
            &[],
            client,
            &master_standby,
        );
        let recipe_driver = out.join("recipe_driver");
        let mut sources = recipes;
        sources.push(root.join("crates/scenarios/c/recipe_driver.c"));
        compile(
            &sources,
            &[root.join("recipes/include")],
            client,
            &recipe_driver,
        );
        Programs {
            master_standby,
            recipe_driver,
        }
    })
}

/// Builds `sources` into `exe` with warnings as errors.
pub fn compile(sources: &[PathBuf], includes: &[PathBuf], client: CClient, exe: &Path) {
    let mut cmd = Command::new("cc");
    cmd.args([
        "-std=gnu11",
        "-O1",
        "-g",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pthread",
        "-o",
    ])
    .arg(exe);
    for i in includes {
        cmd.arg(format!("-I{}", i.display()));
    }
    cmd.args(sources);
    cmd.args(client_flags(client));
    let out = cmd.output().expect("run cc");
    assert!(
        out.status.success(),
        "cc failed building {}:\n{}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_linked_to(exe, client);
}

/// A running server of the chosen kind.
pub enum Server {
    Apache(testkit::ApacheZk),
    /// The server and the directory holding its zoo.cfg.
    ZkServer(testkit::ZkServerProcess, testkit::TempDir),
}

impl Server {
    pub fn start() -> Server {
        match server_kind() {
            ServerKind::Apache => {
                Server::Apache(testkit::ApacheZk::start_with(testkit::ApacheOptions {
                    cfg_lines: vec![format!("tickTime={APACHE_TICK_MS}")],
                    properties: vec![],
                }))
            }
            ServerKind::ZkServer => {
                let bin = release_dir().join("zkserver");
                assert!(
                    bin.exists(),
                    "{} missing: run `cargo build --release` first",
                    bin.display()
                );
                // The same tick as the Apache peer, and the four-letter
                // words the tests read watches with.
                let dir = testkit::TempDir::new("scenario-zkserver");
                let cfg = dir.path().join("zoo.cfg");
                std::fs::write(
                    &cfg,
                    format!(
                        "tickTime={APACHE_TICK_MS}\n4lw.commands.whitelist=*\nmaxClientCnxns=0\n"
                    ),
                )
                .expect("write zoo.cfg");
                let cfg = cfg.to_str().expect("utf-8 temp path").to_string();
                Server::ZkServer(testkit::ZkServerProcess::start(bin, &[&cfg]), dir)
            }
        }
    }

    pub fn port(&self) -> u16 {
        match self {
            Server::Apache(s) => s.port(),
            Server::ZkServer(s, _) => s.port(),
        }
    }

    pub fn hosts(&self) -> String {
        format!("127.0.0.1:{}", self.port())
    }

    pub fn tick(&self) -> Duration {
        Duration::from_millis(APACHE_TICK_MS)
    }
}

/// What a test needs to know of the shared server.
#[derive(Debug, Clone, Copy)]
pub struct ServerInfo {
    pub port: u16,
    pub tick: Duration,
}

impl ServerInfo {
    pub fn hosts(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// One server for all tests of a test binary, stopped (and its data
/// removed) when the binary exits.
pub fn shared_server() -> ServerInfo {
    static S: Mutex<Option<Server>> = Mutex::new(None);
    static INFO: OnceLock<ServerInfo> = OnceLock::new();
    extern "C" fn stop_at_exit() {
        if let Ok(mut s) = S.lock() {
            drop(s.take());
        }
    }
    *INFO.get_or_init(|| {
        let s = Server::start();
        let info = ServerInfo {
            port: s.port(),
            tick: s.tick(),
        };
        *S.lock().unwrap_or_else(|e| e.into_inner()) = Some(s);
        // SAFETY: registering a plain extern "C" function.
        unsafe { libc::atexit(stop_at_exit) };
        info
    })
}

/// A child process whose stdout lines arrive on a channel with the instant
/// they were read. Killed when dropped.
pub struct Proc {
    pub child: Option<Child>,
    pub pid: u32,
    pub lines: Receiver<(Instant, String)>,
    pub seen: Vec<String>,
}

impl Proc {
    pub fn spawn(exe: &Path, args: &[&str], env: &[(&str, &str)]) -> Proc {
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", exe.display()));
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        Proc {
            pid: child.id(),
            child: Some(child),
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Waits for a line matching `pred`; returns it with its arrival time.
    pub fn wait_line(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Option<(Instant, String)> {
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((t, l)) => {
                    self.seen.push(l.clone());
                    if pred(&l) {
                        return Some((t, l));
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return None
                }
            }
        }
    }

    /// Lines that arrived so far without waiting.
    pub fn drain(&mut self) -> Vec<(Instant, String)> {
        let mut v = Vec::new();
        while let Ok((t, l)) = self.lines.try_recv() {
            self.seen.push(l.clone());
            v.push((t, l));
        }
        v
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.pid as i32, sig) };
    }

    /// Waits for the exit; None when it is still running after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let end = Instant::now() + timeout;
        let child = self.child.as_mut()?;
        loop {
            if let Ok(Some(st)) = child.try_wait() {
                self.child = None;
                return Some(st);
            }
            if Instant::now() > end {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs a program to completion, failing the test on a non-zero exit.
pub fn run_ok(exe: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", exe.display()));
    assert!(
        out.status.success(),
        "{} {args:?} failed ({}):\n{}\n{}",
        exe.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // the client library's own log (shown by libtest only on failure or with --nocapture)
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A unique znode path for one test.
pub fn unique_path(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "/scenarios/{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// CLOCK_MONOTONIC now, in ns: the clock of the driver logs.
pub fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
