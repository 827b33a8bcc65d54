//! zkserver against Apache ZooKeeper 3.8 under the same client, in one run:
//! pipelined getData throughput, server CPU per operation, resident memory
//! with 100,000 znodes, and the time from start to the first `ruok` answer.
//!
//!   cargo bench -p zkrs-server --bench vs_apache
//!
//! The client is a raw protocol client on this crate's proto layer, the same
//! for both servers. Environment: BENCH_OPS (default 200000), BENCH_NODES
//! (default 100000), BENCH_WINDOW (requests in flight, default 1000).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use testkit::raw::RawSession;
use testkit::{free_port, process_cpu, TempDir};
use zkrs_proto::consts::op;
use zkrs_proto::frame::write_frame;
use zkrs_proto::jute::{to_vec, Encode};
use zkrs_proto::records::*;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Peer {
    name: &'static str,
    child: Child,
    port: u16,
    startup: Duration,
    _dir: TempDir,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `ruok` every millisecond, for a start time to the millisecond. Each
/// try has testkit's read timeout: a JVM that accepts a connection while it
/// starts may leave it unanswered.
fn wait_ruok(port: u16, deadline: Instant) -> bool {
    while Instant::now() < deadline {
        if matches!(testkit::four_letter(port, "ruok"), Ok(ref s) if s == "imok") {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

fn start_apache() -> Peer {
    testkit::ensure_packages();
    let dir = TempDir::new("bench-apache");
    let port = free_port();
    let cfg = dir.path().join("zoo.cfg");
    std::fs::write(
        &cfg,
        format!(
            "tickTime=2000\ndataDir={}\nclientPort={port}\nclientPortAddress=127.0.0.1\n\
             4lw.commands.whitelist=*\nadmin.enableServer=false\nmaxClientCnxns=0\nforceSync=no\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let t0 = Instant::now();
    let child = Command::new("java")
        .args(["-Xmx2g", "-cp"])
        .arg("/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/*")
        .arg("-Dzookeeper.root.logger=WARN,CONSOLE")
        .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("java");
    assert!(
        wait_ruok(port, t0 + Duration::from_secs(60)),
        "Apache did not start"
    );
    let startup = t0.elapsed();
    // Apache answers ruok before it serves; wait until it does.
    testkit::wait_until_serving(port, Duration::from_secs(30));
    Peer {
        name: "apache",
        child,
        port,
        startup,
        _dir: dir,
    }
}

fn start_zkserver() -> Peer {
    let dir = TempDir::new("bench-zkserver");
    let port = free_port();
    let cfg = dir.path().join("zoo.cfg");
    std::fs::write(
        &cfg,
        format!(
            "tickTime=2000\ndataDir={}\nclientPort={port}\n4lw.commands.whitelist=*\n\
             maxClientCnxns=0\nforceSync=no\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_zkserver"));
    let t0 = Instant::now();
    let child = Command::new(bin)
        .arg(&cfg)
        .stdout(Stdio::null())
        .spawn()
        .expect("zkserver");
    assert!(
        wait_ruok(port, t0 + Duration::from_secs(10)),
        "zkserver did not start"
    );
    Peer {
        name: "zkserver",
        child,
        port,
        startup: t0.elapsed(),
        _dir: dir,
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A raw session: enough protocol to pipeline requests and count replies.
struct Session {
    s: TcpStream,
    buf: Vec<u8>,
    start: usize,
}

impl Session {
    fn open(port: u16) -> Session {
        let (s, buf) = RawSession::connect(port, 30000).unwrap().into_parts();
        // Reads wait as long as the server takes.
        s.set_read_timeout(None).unwrap();
        Session { s, buf, start: 0 }
    }

    fn send(&mut self, xid: i32, opcode: i32, body: &impl Encode, out: &mut Vec<u8>) {
        let mut p = to_vec(&RequestHeader { xid, op: opcode });
        body.encode(&mut p);
        write_frame(out, &p);
    }

    /// Reads until `n` frames have arrived; returns the error codes seen.
    fn read_frames(&mut self, mut n: usize) -> usize {
        let mut errors = 0;
        let mut chunk = vec![0u8; 256 * 1024];
        while n > 0 {
            while self.buf.len() - self.start >= 4 {
                let b = &self.buf[self.start..];
                let len = i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                if b.len() < 4 + len {
                    break;
                }
                if len >= 16 && i32::from_be_bytes([b[16], b[17], b[18], b[19]]) != 0 {
                    errors += 1;
                }
                self.start += 4 + len;
                n -= 1;
                if n == 0 {
                    break;
                }
            }
            if n == 0 {
                break;
            }
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            let r = self.s.read(&mut chunk).unwrap();
            assert!(r > 0, "server closed the connection");
            self.buf.extend_from_slice(&chunk[..r]);
        }
        errors
    }
}

fn throughput(peer: &Peer, ops: usize, window: usize) -> (f64, f64) {
    let mut s = Session::open(peer.port);
    let mut out = Vec::new();
    s.send(
        1,
        op::CREATE,
        &CreateRequest {
            path: "/bench".into(),
            data: Some(vec![7u8; 100]),
            acl: open_acl_unsafe(),
            flags: 0,
        },
        &mut out,
    );
    s.s.write_all(&out).unwrap();
    s.read_frames(1);
    let get = GetDataRequest {
        path: "/bench".into(),
        watch: false,
    };
    let cpu0 = process_cpu(peer.child.id());
    let t0 = Instant::now();
    let mut sent = 0;
    let mut done = 0;
    let mut errors = 0;
    while done < ops {
        out.clear();
        while sent < ops && sent - done < window {
            s.send(sent as i32 + 10, op::GET_DATA, &get, &mut out);
            sent += 1;
        }
        s.s.write_all(&out).unwrap();
        let batch = (sent - done).min(window / 2).max(1);
        errors += s.read_frames(batch);
        done += batch;
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu = process_cpu(peer.child.id())
        .saturating_sub(cpu0)
        .as_secs_f64();
    assert_eq!(errors, 0, "{}: getData errors", peer.name);
    (ops as f64 / secs, cpu * 1e6 / ops as f64)
}

fn memory_with_nodes(peer: &Peer, nodes: usize) -> u64 {
    let mut s = Session::open(peer.port);
    let acl = open_acl_unsafe();
    let mut out = Vec::new();
    s.send(
        1,
        op::CREATE,
        &CreateRequest {
            path: "/mem".into(),
            data: None,
            acl: acl.clone(),
            flags: 0,
        },
        &mut out,
    );
    s.s.write_all(&out).unwrap();
    s.read_frames(1);
    let mut i = 0;
    while i < nodes {
        out.clear();
        let n = (nodes - i).min(1000);
        for k in 0..n {
            s.send(
                (i + k) as i32 + 2,
                op::CREATE,
                &CreateRequest {
                    path: format!("/mem/node-{:08}", i + k),
                    data: Some(vec![b'x'; 32]),
                    acl: acl.clone(),
                    flags: 0,
                },
                &mut out,
            );
        }
        s.s.write_all(&out).unwrap();
        s.read_frames(n);
        i += n;
    }
    std::thread::sleep(Duration::from_millis(500));
    rss_kib(peer.child.id())
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let ops = env_num("BENCH_OPS", 200_000);
    let nodes = env_num("BENCH_NODES", 100_000);
    let window = env_num("BENCH_WINDOW", 1000);
    let mut rows = Vec::new();
    for start in [start_zkserver as fn() -> Peer, start_apache] {
        let peer = start();
        // Warm up (the JVM's JIT in particular), then measure.
        throughput(&peer, ops / 4, window);
        let (tput, cpu_us) = throughput(&peer, ops, window);
        let rss = memory_with_nodes(&peer, nodes);
        println!(
            "{:9} startup {:7.1} ms  getData {:9.0} ops/s  cpu {:6.2} us/op  rss({nodes} znodes) {:8} KiB",
            peer.name,
            peer.startup.as_secs_f64() * 1e3,
            tput,
            cpu_us,
            rss
        );
        rows.push((peer.startup, tput, cpu_us, rss));
    }
    let (z, a) = (rows[0], rows[1]);
    println!(
        "ratios (zkserver vs apache): throughput {:.2}x  cpu/op {:.3}x  memory {:.3}x  startup {:.1} ms vs {:.1} ms",
        z.1 / a.1,
        z.2 / a.2,
        z.3 as f64 / a.3 as f64,
        z.0.as_secs_f64() * 1e3,
        a.0.as_secs_f64() * 1e3
    );
}
