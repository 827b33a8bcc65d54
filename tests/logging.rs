//! Logging (tests/c/logging.c): the LOG_* macros with many arguments of
//! every type, log callbacks and streams, level filtering. Apache's library
//! and ours must log the same lines (time, pid and thread aside), and each
//! line must carry Apache's prefix `date time,ms:pid(0xtid):LEVEL@func@line: `.

mod common;

use common::*;

#[test]
fn log_lines_match_apaches() {
    testkit::ensure_packages();
    let work = Work::new("logging");
    let src = repo().join("tests/c/logging.c");
    let mut outputs = Vec::new();
    for flavor in [Flavor::Apache, Flavor::Ours] {
        let bin = work.path().join(format!("logging-{flavor:?}"));
        build(
            flavor,
            std::slice::from_ref(&src),
            &bin,
            &["-DTHREADED"],
            work.path(),
        );
        let o = run(&bin, &[]);
        assert!(o.status.success(), "{flavor:?}: {o:?}");
        outputs.push(stdout(&o));
    }
    let (theirs, ours) = (&outputs[0], &outputs[1]);
    assert_eq!(theirs, ours);
    assert!(ours.contains("stream: ZOO_WARN@main@"), "{ours}");
    assert!(ours.contains("10.500000 end"), "{ours}");
    assert!(ours.contains("init logged: 1 initiating"), "{ours}");
    assert!(!ours.contains("filtered"), "{ours}");
}

/// The prefix of each line: checked on a line logged to stderr.
#[test]
fn line_prefix_has_apaches_layout() {
    let work = Work::new("logprefix");
    let src = work.path().join("prefix.c");
    std::fs::write(
        &src,
        "#include <zookeeper.h>\n#include <zookeeper_log.h>\n\
         int main(void) { LOG_ERROR(LOGCALLBACK(NULL), \"x=%d\", 7); return 0; }\n",
    )
    .unwrap();
    let bin = work.path().join("prefix");
    build(Flavor::Ours, &[src], &bin, &["-DTHREADED"], work.path());
    let o = run(&bin, &[]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let line = err.lines().next().expect("a log line");
    // 2024-01-31 12:00:00,123:4242(0x7f0000000000):ZOO_ERROR@main@3: x=7
    let (stamp, rest) = line.split_at(23);
    let b = stamp.as_bytes();
    assert!(
        b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':' && b[19] == b',',
        "{line}"
    );
    let rest = rest.strip_prefix(':').expect(line);
    let (pid, rest) = rest.split_once("(0x").expect(line);
    assert!(pid.chars().all(|c| c.is_ascii_digit()), "{line}");
    let (tid, rest) = rest.split_once("):").expect(line);
    assert!(u64::from_str_radix(tid, 16).is_ok(), "{line}");
    assert_eq!(rest, "ZOO_ERROR@main@3: x=7");
}
