//! valgrind's thread checkers over the C library: tests/c/thread_check.c
//! shares handles between threads (sync and async calls, watchers, a lost
//! and restored connection, closes from another thread and from inside
//! callbacks) against our server, once under helgrind and once under DRD.
//! Any error reported with our library on one of its stacks fails.
//!
//! The library shows the checkers its synchronisation through
//! crates/valgrind-annotate; tests/valgrind/thread_check.supp covers the
//! insides of crossbeam-channel and of std's thread bookkeeping, which no
//! annotation can reach. Both runs take a few seconds.

mod common;

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::{build, follow_transcript, repo, Flavor, Work};
use zkrs_server::{Server, ServerConfig};

/// A TCP relay in front of the server, so that the test can cut every
/// client connection while the server, and so the session, lives on.
struct Relay {
    addr: SocketAddr,
    links: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

impl Relay {
    fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let addr = listener.local_addr().unwrap();
        let links = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (l, s) = (links.clone(), stop.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let mut links = l.lock().unwrap();
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (mut from, mut to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
                    thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
                links.push(client);
                links.push(server);
            }
        });
        Relay { addr, links, stop }
    }

    /// Drops every relayed connection; new ones are still accepted.
    fn cut(&self) {
        for s in self.links.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.cut();
        // Wakes the accept loop so that it sees the stop flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// One `<error>` of valgrind's XML output.
struct Report {
    kind: String,
    text: String,
    ours: bool,
}

/// The errors of a valgrind XML file, each flagged when one of its stack
/// frames lies in our library.
fn reports(xml: &str) -> Vec<Report> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<error>") {
        let end = rest[start..]
            .find("</error>")
            .map(|e| start + e)
            .unwrap_or(rest.len());
        let block = &rest[start..end];
        rest = &rest[end..];
        let field = |b: &str, tag: &str| -> Option<String> {
            let open = format!("<{tag}>");
            let s = b.find(&open)? + open.len();
            let e = b[s..].find(&format!("</{tag}>"))? + s;
            Some(b[s..e].to_string())
        };
        let kind = field(block, "kind").unwrap_or_default();
        let mut text = String::new();
        let mut ours = false;
        for line in block.lines() {
            let line = line.trim();
            if let Some(what) = field(line, "text").or_else(|| field(line, "what")) {
                text.push_str(&format!("{what}\n"));
            } else if line.starts_with("<obj>") && line.contains("libzookeeper_mt") {
                ours = true;
            }
        }
        for frame in block.split("<frame>").skip(1) {
            let f = field(frame, "fn").unwrap_or_else(|| "???".into());
            let file = field(frame, "file").unwrap_or_default();
            let line = field(frame, "line").unwrap_or_default();
            text.push_str(&format!("    {f} ({file}:{line})\n"));
        }
        out.push(Report { kind, text, ours });
    }
    out
}

/// Runs the C program under `tool` against a fresh server behind a relay;
/// returns the program's transcript and valgrind's errors.
fn run_under(tool: &str, bin: &Path, work: &Path) -> (Vec<String>, Vec<Report>) {
    let server = Server::start(ServerConfig {
        client_port: 0,
        ..ServerConfig::default()
    })
    .expect("start the server");
    let relay = Relay::start(server.local_addr());
    let xml = work.join(format!("{tool}.xml"));
    let mut child = Command::new("valgrind")
        .arg(format!("--tool={tool}"))
        .arg("--xml=yes")
        .arg(format!("--xml-file={}", xml.display()))
        .arg(format!(
            "--suppressions={}",
            repo().join("tests/valgrind/thread_check.supp").display()
        ))
        .arg(bin)
        .arg(relay.addr.to_string())
        .arg(format!("/thread-check-{tool}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start valgrind");
    let lines = follow_transcript(&mut child, Duration::from_secs(80), || relay.cut());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "thread_check under {tool} failed ({status}); transcript:\n{}",
        lines.join("\n")
    );
    drop(relay);
    server.stop().expect("stop the server");
    let xml = std::fs::read_to_string(&xml).expect("valgrind's XML output");
    assert!(xml.contains("</valgrindoutput>"), "truncated XML:\n{xml}");
    (lines, reports(&xml))
}

fn check(tool: &str) {
    testkit::ensure_packages();
    let work = Work::new(&format!("thread-check-{tool}"));
    let bin = work.path().join("thread_check");
    build(
        Flavor::Ours,
        &[repo().join("tests/c/thread_check.c")],
        &bin,
        &["-DTHREADED"],
        work.path(),
    );
    let (lines, errors) = run_under(tool, &bin, work.path());
    assert_eq!(
        lines,
        [
            "connected",
            "workers done",
            "RESTART",
            "reconnected",
            "closed from another thread",
            "closed inside callbacks",
            "done"
        ]
    );
    let ours: Vec<&Report> = errors.iter().filter(|r| r.ours).collect();
    assert!(
        ours.is_empty(),
        "{tool} reported {} error(s) involving libzookeeper_mt:\n{}",
        ours.len(),
        ours.iter()
            .map(|r| format!("[{}]\n{}", r.kind, r.text))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn helgrind_finds_no_race_in_the_library() {
    check("helgrind");
}

#[test]
fn drd_finds_no_race_in_the_library() {
    check("drd");
}

/// The XML reader must flag a report that involves our library, or the
/// tests above could not fail.
#[test]
fn reports_are_attributed_by_stack_object() {
    let xml = "<valgrindoutput>\n<error>\n  <kind>Race</kind>\n  <xwhat>\n    <text>Possible data race</text>\n  </xwhat>\n  <stack>\n    <frame>\n      <obj>/tmp/lib-ours/libzookeeper_mt.so</obj>\n      <fn>zkrs_client::driver::Driver::run</fn>\n      <file>driver.rs</file>\n      <line>125</line>\n    </frame>\n  </stack>\n</error>\n<error>\n  <kind>Race</kind>\n  <what>elsewhere</what>\n  <stack>\n    <frame>\n      <obj>/usr/lib/x86_64-linux-gnu/libc.so.6</obj>\n      <fn>memcpy</fn>\n    </frame>\n  </stack>\n</error>\n</valgrindoutput>\n";
    let r = reports(xml);
    assert_eq!(r.len(), 2);
    assert!(r[0].ours && !r[1].ours);
    assert_eq!(r[0].kind, "Race");
    assert!(r[0].text.contains("Possible data race"));
    assert!(r[0]
        .text
        .contains("zkrs_client::driver::Driver::run (driver.rs:125)"));
    assert!(r[1].text.contains("elsewhere"));
}
