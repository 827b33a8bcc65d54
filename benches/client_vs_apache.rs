//! The same C benchmark (benches/c/client_bench.c) built against Apache's
//! libzookeeper_mt and against ours, run against the same server in one run:
//! pipelined zoo_aget throughput and client CPU per operation, and the median
//! latency of synchronous zoo_get.
//!
//!   cargo bench -p zkrs --bench client_vs_apache
//!
//! The server is the bundled one, embedded in this process on its own
//! thread; the clients are separate processes, so their CPU is theirs alone.
//! Environment: BENCH_OPS (default 200000), BENCH_WINDOW (default 1000),
//! BENCH_SYNC_OPS (default 20000), BENCH_ROUNDS (default 3, best kept).

use std::path::{Path, PathBuf};
use std::process::Command;

use zkrs_server::{Server, ServerConfig};

const APACHE_INCLUDE: &str = "/usr/include/zookeeper";
const APACHE_LIB: &str = "/usr/lib/x86_64-linux-gnu/libzookeeper_mt.so.2";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn build(work: &Path, tag: &str, include: &Path, lib: &Path) -> PathBuf {
    let dir = testkit::link_zookeeper_library(&work.join(tag), lib);
    let exe = work.join(format!("client_bench_{tag}"));
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/c/client_bench.c");
    let out = Command::new("cc")
        .args(["-O2", "-DTHREADED", "-I"])
        .arg(include)
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(&dir)
        .arg(format!("-Wl,-rpath,{}", dir.display()))
        .args(["-lzookeeper_mt", "-lpthread"])
        .output()
        .expect("cc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs the benchmark and returns the numbers after `key=` in its line.
fn run(exe: &Path, args: &[String]) -> Vec<(String, f64)> {
    let out = Command::new(exe).args(args).output().expect("run bench");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{} {args:?}: {text}{}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    text.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| v.parse().ok().map(|v| (k.to_string(), v)))
        .collect()
}

fn get(v: &[(String, f64)], k: &str) -> f64 {
    v.iter()
        .find(|(n, _)| n == k)
        .map(|(_, x)| *x)
        .unwrap_or(f64::NAN)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let ops = env_num("BENCH_OPS", 200_000);
    let window = env_num("BENCH_WINDOW", 1000);
    let sync_ops = env_num("BENCH_SYNC_OPS", 20_000);
    let rounds = env_num("BENCH_ROUNDS", 3);
    let work = std::env::temp_dir().join(format!("zkrs-client-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    // Our cdylib, built for this bench next to its executable.
    let exe = std::env::current_exe().unwrap();
    let ours_lib = exe.parent().unwrap().join("libzookeeper_mt.so");
    assert!(ours_lib.exists(), "{} not built", ours_lib.display());
    let ours_include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/zookeeper");
    let apache = build(
        &work,
        "apache",
        Path::new(APACHE_INCLUDE),
        Path::new(APACHE_LIB),
    );
    let ours = build(&work, "zkrs", &ours_include, &ours_lib);

    let config = ServerConfig {
        client_port: 0,
        max_client_cnxns: 0,
        ..Default::default()
    };
    let server = Server::start(config).expect("start the server");
    let hosts = format!("127.0.0.1:{}", server.local_addr().port());

    let mut best: Vec<(&str, f64, f64, f64)> = Vec::new();
    for (name, exe) in [("apache", &apache), ("zkrs", &ours)] {
        let (mut tput, mut cpu, mut median) = (0f64, f64::MAX, f64::MAX);
        for _ in 0..rounds {
            let a = run(
                exe,
                &[
                    hosts.clone(),
                    "aget".into(),
                    ops.to_string(),
                    window.to_string(),
                ],
            );
            tput = tput.max(get(&a, "ops_per_s"));
            cpu = cpu.min(get(&a, "cpu_us_per_op"));
            let g = run(exe, &[hosts.clone(), "get".into(), sync_ops.to_string()]);
            median = median.min(get(&g, "median_us"));
        }
        println!(
            "{name:7} aget {tput:9.0} ops/s  client cpu {cpu:6.2} us/op  sync get median {median:7.1} us"
        );
        best.push((name, tput, cpu, median));
    }
    let (a, z) = (best[0], best[1]);
    println!(
        "ratios (zkrs vs apache): aget throughput {:.2}x  cpu/op {:.2}x  sync get median {:.2}x",
        z.1 / a.1,
        z.2 / a.2,
        z.3 / a.3
    );
    let _ = server.stop();
    let _ = std::fs::remove_dir_all(&work);
}
