//! Test support shared by the crates' integration tests: starts real peers
//! (Debian's Apache ZooKeeper, our zkserver, kazoo scripts) on free loopback
//! ports and stops them when dropped.

pub mod raw;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

/// Debian packages the tests use as real peers.
pub const PACKAGES: &[&str] = &[
    "zookeeper",
    "libzookeeper-mt-dev",
    "zookeeper-bin",
    "python3-kazoo",
    "php-dev",
    "php-cli",
    "valgrind",
];

/// The interpreter that has Debian's kazoo (not a pyenv one on PATH).
pub const PYTHON: &str = "/usr/bin/python3";

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

/// CPU time (user and system, all threads) a process has used so far,
/// from /proc; zero if it cannot be read.
pub fn process_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which may hold spaces: utime and stime
    // are the 12th and 13th.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Duration::from_secs_f64((ticks(11) + ticks(12)) as f64 / hz)
}

/// Installs the Debian packages the tests need when any is missing.
pub fn ensure_packages() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let missing: Vec<&str> = PACKAGES
            .iter()
            .copied()
            .filter(|p| !package_installed(p))
            .collect();
        if missing.is_empty() {
            return;
        }
        // Several test binaries may get here at once: serialise apt.
        let _lock = FileLock::acquire("/tmp/zkrs-apt.lock");
        let still: Vec<&str> = missing
            .into_iter()
            .filter(|p| !package_installed(p))
            .collect();
        if still.is_empty() {
            return;
        }
        let ok = Command::new("apt-get")
            .arg("update")
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "apt-get update failed");
        let ok = Command::new("apt-get")
            .args(["install", "-y", "-q"])
            .args(&still)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "apt-get install {still:?} failed");
    });
}

fn package_installed(name: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", name])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Holds an exclusive flock until dropped (closing the file releases it).
struct FileLock(#[allow(dead_code)] fs::File);

impl FileLock {
    fn acquire(path: &str) -> FileLock {
        use std::os::fd::AsRawFd;
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .expect("lock file");
        // SAFETY: flock on a descriptor we own.
        unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        FileLock(f)
    }
}

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        TempDir::new_in(&std::env::temp_dir(), tag)
    }

    /// A new directory under `parent`.
    pub fn new_in(parent: &Path, tag: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let p = parent.join(format!(
            "zkrs-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Sends a four-letter word and returns the whole answer.
pub fn four_letter(port: u16, word: &str) -> std::io::Result<String> {
    four_letter_within(port, word, Duration::from_secs(10))
}

/// Sends a four-letter word and returns the whole answer; a read that waits
/// longer than `timeout` fails (a starting JVM may accept a connection and
/// never answer it).
pub fn four_letter_within(port: u16, word: &str, timeout: Duration) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(timeout))?;
    s.write_all(word.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// Waits until a four-letter word's answer on `port` satisfies `ok`.
fn wait_for_answer(port: u16, word: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if matches!(four_letter(port, word), Ok(ref s) if ok(s)) {
            return true;
        }
        thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Waits until a server on `port` answers `ruok` with `imok`.
pub fn wait_for_ruok(port: u16, timeout: Duration) -> bool {
    wait_for_answer(port, "ruok", timeout, |s| s == "imok")
}

/// Waits until a server on `port` is serving requests: Apache answers `ruok`
/// before its database is loaded, `srvr` only once it serves.
pub fn wait_until_serving(port: u16, timeout: Duration) -> bool {
    wait_for_answer(port, "srvr", timeout, |s| s.contains("Mode:"))
}

/// Makes `dir` hold `lib` as `libzookeeper_mt.so` and under its soname
/// `libzookeeper_mt.so.2`, so that `-L dir -lzookeeper_mt` and a program's
/// rpath both resolve to that library rather than the system's copy.
pub fn link_zookeeper_library(dir: &Path, lib: &Path) -> PathBuf {
    fs::create_dir_all(dir).expect("library dir");
    for name in ["libzookeeper_mt.so", "libzookeeper_mt.so.2"] {
        let link = dir.join(name);
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(lib, &link).expect("symlink the library");
    }
    dir.to_path_buf()
}

/// Options for an Apache ZooKeeper test server.
#[derive(Debug, Clone, Default)]
pub struct ApacheOptions {
    /// Extra zoo.cfg lines.
    pub cfg_lines: Vec<String>,
    /// Extra JVM system properties, `name=value`.
    pub properties: Vec<String>,
}

/// Debian's Apache ZooKeeper 3.8, standalone, on a free port with its own
/// data directory. Killed when dropped.
pub struct ApacheZk {
    port: u16,
    dir: TempDir,
    opts: ApacheOptions,
    child: Option<Child>,
}

/// Tests that start Java servers do it one at a time: two JVMs booting at
/// once on two cores slow each other past their start timeout.
static JVM_START: Mutex<()> = Mutex::new(());

impl ApacheZk {
    pub fn start() -> ApacheZk {
        Self::start_with(ApacheOptions::default())
    }

    pub fn start_with(opts: ApacheOptions) -> ApacheZk {
        ensure_packages();
        let mut last_err = String::new();
        for _ in 0..3 {
            let mut zk = ApacheZk {
                port: free_port(),
                dir: TempDir::new("apache"),
                opts: opts.clone(),
                child: None,
            };
            match zk.launch() {
                Ok(()) => return zk,
                Err(e) => last_err = e,
            }
        }
        panic!("Apache ZooKeeper did not start: {last_err}");
    }

    fn launch(&mut self) -> Result<(), String> {
        let _g = JVM_START.lock().unwrap_or_else(|e| e.into_inner());
        let data = self.dir.path().join("data");
        fs::create_dir_all(&data).map_err(|e| e.to_string())?;
        let cfg = self.dir.path().join("zoo.cfg");
        let mut text = format!(
            "tickTime=2000\ndataDir={}\nclientPort={}\nclientPortAddress=127.0.0.1\n\
             4lw.commands.whitelist=*\nadmin.enableServer=false\nmaxClientCnxns=0\n",
            data.display(),
            self.port
        );
        for l in &self.opts.cfg_lines {
            text.push_str(l);
            text.push('\n');
        }
        fs::write(&cfg, text).map_err(|e| e.to_string())?;
        let log =
            fs::File::create(self.dir.path().join("server.log")).map_err(|e| e.to_string())?;
        let mut cmd = Command::new("java");
        cmd.arg("-Xmx512m")
            .arg("-XX:+UseSerialGC")
            .arg("-XX:TieredStopAtLevel=1")
            .arg("-Dzookeeper.extendedTypesEnabled=true")
            .arg("-Dzookeeper.admin.enableServer=false")
            .arg("-Dzookeeper.root.logger=INFO,CONSOLE")
            .arg("-Dzookeeper.console.threshold=WARN");
        for p in &self.opts.properties {
            cmd.arg(format!("-D{p}"));
        }
        cmd.arg("-cp")
            .arg("/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/*")
            .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        let mut child = cmd.spawn().map_err(|e| format!("spawn java: {e}"))?;
        let up = wait_until_serving(self.port, Duration::from_secs(60));
        if !up {
            let _ = child.kill();
            let _ = child.wait();
            let log = fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
            return Err(format!("no ruok answer on port {}; log:\n{log}", self.port));
        }
        self.child = Some(child);
        Ok(())
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the server (its data stays).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and data directory.
    pub fn restart(&mut self) {
        self.stop();
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            match self.launch() {
                Ok(()) => return,
                Err(e) if Instant::now() > end => panic!("Apache ZooKeeper did not restart: {e}"),
                Err(_) => thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The Java process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }
}

impl Drop for ApacheZk {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A zkserver binary running as a child process on a free port.
pub struct ZkServerProcess {
    port: u16,
    child: Option<Child>,
    bin: PathBuf,
    args: Vec<String>,
}

impl ZkServerProcess {
    /// Runs `bin --port 0 <extra_args>` and reads the port it prints
    /// (`... listening on HOST:PORT`).
    pub fn start(bin: impl AsRef<Path>, extra_args: &[&str]) -> ZkServerProcess {
        let mut p = ZkServerProcess {
            port: 0,
            child: None,
            bin: bin.as_ref().to_path_buf(),
            args: extra_args.iter().map(|s| s.to_string()).collect(),
        };
        p.launch(0);
        p
    }

    fn launch(&mut self, port: u16) {
        let mut child = Command::new(&self.bin)
            .arg("--port")
            .arg(port.to_string())
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", self.bin.display()));
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !sent {
                    if let Some(port) = parse_listening_port(&line) {
                        let _ = tx.send(port);
                        sent = true;
                    }
                }
                // Keep draining so the server never blocks on a full pipe.
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(p) => p,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{} printed no listening port", self.bin.display());
            }
        };
        self.port = port;
        self.child = Some(child);
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// SIGKILL, as a crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for a graceful exit; returns its exit status.
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        // SAFETY: signalling our own child.
        unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(st)) = c.try_wait() {
                return Some(st);
            }
            if Instant::now() > end {
                let _ = c.kill();
                return c.wait().ok();
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts it again on the same port with the same arguments.
    pub fn restart(&mut self) {
        self.kill();
        let port = self.port;
        self.launch(port);
    }
}

impl Drop for ZkServerProcess {
    fn drop(&mut self) {
        self.terminate();
    }
}

fn parse_listening_port(line: &str) -> Option<u16> {
    let rest = line.split("listening on ").nth(1)?;
    rest.trim()
        .rsplit(':')
        .next()?
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Runs a kazoo script with Debian's python3; `args` follow the script.
pub fn run_kazoo(script: impl AsRef<Path>, args: &[&str]) -> Output {
    ensure_packages();
    Command::new(PYTHON)
        .arg(script.as_ref())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", script.as_ref().display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_dir_in_a_parent_is_removed_when_dropped() {
        let parent = TempDir::new("parent");
        let child = TempDir::new_in(parent.path(), "child");
        let path = child.path().to_path_buf();
        assert!(path.starts_with(parent.path()) && path.is_dir());
        drop(child);
        assert!(!path.exists());
    }

    #[test]
    fn parses_listening_lines() {
        assert_eq!(
            parse_listening_port("zkserver listening on 127.0.0.1:2181"),
            Some(2181)
        );
        assert_eq!(
            parse_listening_port("zkserver listening on [::1]:40000"),
            Some(40000)
        );
        assert_eq!(parse_listening_port("starting"), None);
    }
}
