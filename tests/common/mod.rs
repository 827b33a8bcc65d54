//! Helpers of the C-facing tests: where our library and headers are, and
//! compiling C programs against ours or against Apache's.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Apache's headers and library, from Debian's libzookeeper-mt-dev.
pub const APACHE_INCLUDE: &str = "/usr/include/zookeeper";
pub const APACHE_LIB: &str = "/usr/lib/x86_64-linux-gnu/libzookeeper_mt.so.2";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Our cdylib as cargo built it for this test run: in `deps/`, next to the
/// test binaries (the copy in `target/<profile>/` is only refreshed by
/// `cargo build`).
pub fn our_library() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let lib = deps.join("libzookeeper_mt.so");
    assert!(lib.exists(), "{} not built", lib.display());
    lib
}

/// Which library a C program is built and run against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Apache,
    Ours,
}

/// A directory holding `libzookeeper_mt.so(.2)` for `flavor`, so that
/// `-L dir -lzookeeper_mt` and the soname both resolve to that library.
pub fn lib_dir(flavor: Flavor, work: &Path) -> PathBuf {
    let dir = work.join(match flavor {
        Flavor::Apache => "lib-apache",
        Flavor::Ours => "lib-ours",
    });
    let target = match flavor {
        Flavor::Apache => PathBuf::from(APACHE_LIB),
        Flavor::Ours => our_library(),
    };
    testkit::link_zookeeper_library(&dir, &target)
}

pub fn include_dir(flavor: Flavor) -> PathBuf {
    match flavor {
        Flavor::Apache => PathBuf::from(APACHE_INCLUDE),
        Flavor::Ours => repo().join("include/zookeeper"),
    }
}

/// Compiles C (or C++, by extension) `sources` into `out`, linked with
/// `-lzookeeper_mt` of `flavor`. Panics with the compiler's output on
/// failure.
pub fn build(flavor: Flavor, sources: &[PathBuf], out: &Path, extra: &[&str], work: &Path) {
    let lib = lib_dir(flavor, work);
    let cpp = sources
        .iter()
        .any(|s| s.extension().is_some_and(|e| e == "cc" || e == "cpp"));
    let mut cmd = Command::new(if cpp { "c++" } else { "cc" });
    cmd.arg("-Wall")
        .arg("-g")
        .arg("-I")
        .arg(include_dir(flavor))
        .arg("-I")
        .arg(repo().join("tests/c"))
        .args(sources)
        .arg("-o")
        .arg(out)
        .args(extra)
        .arg("-L")
        .arg(&lib)
        .arg("-lzookeeper_mt")
        .arg("-lpthread")
        .arg(format!("-Wl,-rpath,{}", lib.display()));
    let o = cmd.output().expect("run the C compiler");
    assert!(
        o.status.success(),
        "compiling {:?} against {:?} failed:\n{}",
        sources,
        flavor,
        String::from_utf8_lossy(&o.stderr)
    );
}

pub fn run(bin: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A scratch directory for one test, removed on drop.
pub struct Work(PathBuf);

impl Work {
    pub fn new(tag: &str) -> Work {
        let dir = std::env::temp_dir().join(format!(
            "zkrs-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Work(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The defined dynamic symbols of a shared library (`nm -D --defined-only`).
pub fn dynamic_symbols(lib: &Path) -> Vec<(String, String)> {
    let o = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(lib)
        .output()
        .expect("run nm");
    assert!(o.status.success());
    stdout(&o)
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let _addr = it.next()?;
            let kind = it.next()?;
            let name = it.next()?;
            Some((kind.to_string(), name.to_string()))
        })
        .collect()
}

/// A C program (`source`, relative to the repository) built with
/// -DTHREADED once against Apache's library and once against ours, as
/// `<tag>-apache` and `<tag>-ours`.
pub fn build_both(source: &str, tag: &str, work: &Work) -> (PathBuf, PathBuf) {
    let src = repo().join(source);
    let apache_bin = work.path().join(format!("{tag}-apache"));
    let ours_bin = work.path().join(format!("{tag}-ours"));
    build(
        Flavor::Apache,
        std::slice::from_ref(&src),
        &apache_bin,
        &["-DTHREADED"],
        work.path(),
    );
    build(
        Flavor::Ours,
        &[src],
        &ours_bin,
        &["-DTHREADED"],
        work.path(),
    );
    (apache_bin, ours_bin)
}

/// Reads a C test program's transcript from its stdout, line by line. A
/// `RESTART` line asks for `on_restart` (the server restarted, or the
/// connection cut) before the program is told `go` on its stdin. Panics
/// with the transcript so far when the program is silent for `quiet`;
/// returns the transcript once it closes its stdout.
pub fn follow_transcript(
    child: &mut std::process::Child,
    quiet: std::time::Duration,
    mut on_restart: impl FnMut(),
) -> Vec<String> {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::mpsc;
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    loop {
        match rx.recv_timeout(quiet) {
            Ok(line) => {
                if line == "RESTART" {
                    on_restart();
                    let stdin = child.stdin.as_mut().expect("stdin piped");
                    stdin.write_all(b"go\n").unwrap();
                    stdin.flush().unwrap();
                }
                lines.push(line);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return lines,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("hung; transcript so far:\n{}", lines.join("\n"));
            }
        }
    }
}
