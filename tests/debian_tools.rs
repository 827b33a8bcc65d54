//! Debian's prebuilt Apache tools (zookeeper-bin's cli_mt and load_gen),
//! linked against libzookeeper_mt.so.2, run on our library through
//! LD_LIBRARY_PATH against Apache's server.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const TOOLS: &str = "/usr/lib/zookeeper/bin";

fn tool(name: &str) -> String {
    format!("{TOOLS}/{name}")
}

/// Runs cli_mt on the library in `libdir`, feeding `commands` one at a
/// time; returns what it printed.
fn cli(libdir: &Path, hosts: &str, commands: &[&str]) -> String {
    let mut child = Command::new(tool("cli_mt"))
        .arg(hosts)
        .env("LD_LIBRARY_PATH", libdir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cli_mt");
    let mut stdin = child.stdin.take().unwrap();
    // cli_mt runs commands asynchronously; pace them so that each one's
    // output comes before the next.
    std::thread::sleep(Duration::from_millis(500));
    for c in commands {
        writeln!(stdin, "{c}").unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(250));
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "cli_mt failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn cli_mt_runs_on_our_library() {
    testkit::ensure_packages();
    let work = Work::new("cli");
    let server = testkit::ApacheZk::start();
    let hosts = server.connect_string();
    let commands = [
        "create /cli",
        "set /cli hello",
        "get /cli",
        "aget /cli",
        "create +e /cli/e",
        "ls /cli",
        "ls2 /",
        "exists /cli",
        "create +s /cli/s-",
        "delete /cli/e",
        "sync /cli",
        "addauth digest user:pw",
        "quit",
    ];
    let interesting = |text: &str| -> Vec<String> {
        let mut v: Vec<String> = text
            .lines()
            .filter(|l| l.contains("rc = ") || l.starts_with("Watcher") || l.contains("value_len"))
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    let theirs = cli(&lib_dir(Flavor::Apache, work.path()), &hosts, &commands);
    // Remove what the first run created so the second sees the same tree.
    let cleanup = ["delete /cli/s-0000000001", "delete /cli", "quit"];
    cli(&lib_dir(Flavor::Apache, work.path()), &hosts, &cleanup);
    let ours = cli(&lib_dir(Flavor::Ours, work.path()), &hosts, &commands);
    assert!(ours.contains("[/cli]: rc = 0"), "{ours}");
    assert!(ours.contains("hello"), "{ours}");
    assert!(ours.contains("name = /cli/s-0000000001"), "{ours}");
    assert_eq!(
        interesting(&theirs)
            .into_iter()
            .filter(|l| !l.contains("s-00"))
            .collect::<Vec<_>>(),
        interesting(&ours)
            .into_iter()
            .filter(|l| !l.contains("s-00"))
            .collect::<Vec<_>>(),
        "Apache's:\n{theirs}\nours:\n{ours}"
    );
}

/// load_gen runs create/write/read/delete cycles until stopped; counts the
/// cycles it completes in `secs` seconds.
fn load_gen_cycles(libdir: &Path, hosts: &str, path: &str, secs: u64) -> usize {
    let log = libdir.join(format!("load_gen{}.log", path.replace('/', "_")));
    let mut child = Command::new(tool("load_gen"))
        .args([hosts, path, "20"])
        .env("LD_LIBRARY_PATH", libdir)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start load_gen");
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "load_gen exited early: {status}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("ZOO_ERROR"), "{text}");
    let clean = Command::new(tool("load_gen"))
        .args([hosts, path, "clean"])
        .env("LD_LIBRARY_PATH", libdir)
        .output()
        .unwrap();
    assert!(clean.status.success(), "clean: {clean:?}");
    text.matches("Starting the delete cycle").count()
}

#[test]
fn load_gen_runs_on_our_library() {
    testkit::ensure_packages();
    let work = Work::new("loadgen");
    let server = testkit::ApacheZk::start();
    let hosts = server.connect_string();
    let ours = load_gen_cycles(&lib_dir(Flavor::Ours, work.path()), &hosts, "/lg-ours", 3);
    let theirs = load_gen_cycles(
        &lib_dir(Flavor::Apache, work.path()),
        &hosts,
        "/lg-apache",
        3,
    );
    eprintln!("load_gen cycles in 3 s: ours {ours}, Apache's {theirs}");
    assert!(ours > 5, "only {ours} cycles");
}
