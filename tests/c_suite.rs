//! Runs the C integration suite (tests/c/suite.c) against Apache's
//! ZooKeeper server, once linked with Apache's libzookeeper_mt and once
//! with ours: the transcripts must be identical. Ours also runs the
//! extensions Apache's library does not support (sync calls and close
//! inside callbacks).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

/// The suites run one at a time: each restarts a JVM and, under valgrind,
/// takes both cores; run together they would slow each other into timeouts.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A server the suite can ask to be restarted (same port, same data).
trait SuiteServer {
    fn connect_string(&self) -> String;
    fn restart(&mut self);
}

impl SuiteServer for testkit::ApacheZk {
    fn connect_string(&self) -> String {
        testkit::ApacheZk::connect_string(self)
    }
    fn restart(&mut self) {
        testkit::ApacheZk::restart(self)
    }
}

/// The bundled server, embedded in this process with a data directory.
struct Embedded {
    config: zkrs_server::ServerConfig,
    handle: Option<zkrs_server::ServerHandle>,
}

impl Embedded {
    fn start(data: &Path) -> Embedded {
        let config = zkrs_server::ServerConfig {
            data_dir: Some(data.to_path_buf()),
            client_port: 0,
            ..Default::default()
        };
        let handle = zkrs_server::Server::start(config.clone()).expect("zkserver starts");
        let config = zkrs_server::ServerConfig {
            client_port: handle.local_addr().port(),
            ..config
        };
        Embedded {
            config,
            handle: Some(handle),
        }
    }
}

impl SuiteServer for Embedded {
    fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.config.client_port)
    }
    /// A stop and a start on the same port and data directory.
    fn restart(&mut self) {
        if let Some(h) = self.handle.take() {
            h.stop().expect("zkserver stops");
        }
        self.handle = Some(zkrs_server::Server::start(self.config.clone()).expect("restart"));
    }
}

/// Runs the suite binary (under `wrapper`, e.g. valgrind, when given),
/// restarting `server` when it asks; returns its transcript.
fn run_suite(
    wrapper: &[&str],
    bin: &Path,
    server: &mut dyn SuiteServer,
    root: &str,
    extra: &[&str],
) -> Vec<String> {
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    let mut child = cmd
        .arg(server.connect_string())
        .arg(root)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start suite");
    let lines = follow_transcript(&mut child, Duration::from_secs(90), || server.restart());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "{} failed ({status}); transcript:\n{}",
        bin.display(),
        lines.join("\n")
    );
    lines
}

#[test]
fn c_suite_matches_apaches_client_against_apaches_server() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    testkit::ensure_packages();
    let work = Work::new("suite");
    let (apache_bin, ours_bin) = build_both("tests/c/suite.c", "suite", &work);

    let mut server = testkit::ApacheZk::start();
    let theirs = run_suite(&[], &apache_bin, &mut server, "/suite-apache", &[]);
    let ours = run_suite(
        &[],
        &ours_bin,
        &mut server,
        "/suite-ours",
        &["--extensions"],
    );
    let ext = ours
        .iter()
        .position(|l| l == "== extensions")
        .expect("extensions ran");
    let (common_part, extensions) = ours.split_at(ext);
    let theirs_common = &theirs[..theirs.len() - 1];
    for (i, (a, b)) in theirs_common.iter().zip(common_part.iter()).enumerate() {
        assert_eq!(
            a,
            b,
            "line {i} differs\nApache's:\n{}\nours:\n{}",
            theirs.join("\n"),
            ours.join("\n")
        );
    }
    assert_eq!(theirs_common.len(), common_part.len(), "{ours:#?}");
    assert_eq!(theirs.last(), ours.last());
    let ext_text = extensions.join("\n");
    assert!(ext_text.contains("in-callback exists=0"), "{ext_text}");
    assert!(ext_text.contains("close=0"), "{ext_text}");
    assert!(ext_text.contains("state after close 0"), "{ext_text}");
    assert!(ext_text.contains("call after close -9"), "{ext_text}");
}

/// valgrind's memcheck over the whole suite, extensions included: no
/// memory errors and no definite or indirect leaks in our library.
#[test]
fn c_suite_is_clean_under_valgrind() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    testkit::ensure_packages();
    let work = Work::new("suite-vg");
    let bin = work.path().join("suite-ours");
    build(
        Flavor::Ours,
        &[repo().join("tests/c/suite.c")],
        &bin,
        &["-DTHREADED"],
        work.path(),
    );
    let mut server = testkit::ApacheZk::start();
    let lines = run_suite(
        &[
            "valgrind",
            "--quiet",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=3",
        ],
        &bin,
        &mut server,
        "/suite-valgrind",
        &["--extensions"],
    );
    assert_eq!(lines.last().map(String::as_str), Some("== close 0"));
}

/// The same suite against the bundled server with its data directory:
/// Apache's library and ours give the transcript Apache's library gives
/// against Apache's server, server restart and session reattachment
/// included.
#[test]
fn c_suite_gives_apaches_transcript_on_zkserver_with_both_libraries() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    testkit::ensure_packages();
    let work = Work::new("suite-zkserver");
    let (apache_bin, ours_bin) = build_both("tests/c/suite.c", "suite", &work);
    let reference = {
        let mut apache = testkit::ApacheZk::start();
        run_suite(&[], &apache_bin, &mut apache, "/suite", &[])
    };
    let mut server = Embedded::start(&work.path().join("data"));
    let theirs = run_suite(&[], &apache_bin, &mut server, "/suite-apache", &[]);
    let ours = run_suite(&[], &ours_bin, &mut server, "/suite-ours", &[]);
    assert!(theirs.iter().any(|l| l == "RESTART"), "{theirs:#?}");
    for (name, got) in [("Apache's library", &theirs), ("ours", &ours)] {
        assert_eq!(
            &reference,
            got,
            "{name} on zkserver:\n{}\nApache's library on Apache's server:\n{}",
            got.join("\n"),
            reference.join("\n")
        );
    }
}
