//! The same operation script, error cases included, run against zkserver and
//! against Apache ZooKeeper 3.8 must give the same transcript: results, error
//! names, Stat fields (times and absolute zxids aside) and watch event order.

use std::path::PathBuf;
use std::thread;

use testkit::{run_kazoo, ApacheZk, ZkServerProcess};

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/kazoo")
        .join(name)
}

fn transcript(name: &str, host: String) -> String {
    let out = run_kazoo(script(name), &[&host]);
    assert!(
        out.status.success(),
        "{name} against {host} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a script against both servers at once (each run is mostly waiting)
/// and lists the lines that differ.
fn differences(name: &'static str, apache: &ApacheZk, ours: &ZkServerProcess) -> Vec<String> {
    let a_host = apache.connect_string();
    let theirs = thread::spawn(move || transcript(name, a_host));
    let mine = transcript(name, ours.connect_string());
    let theirs = theirs.join().unwrap();
    let (t, m): (Vec<&str>, Vec<&str>) = (theirs.lines().collect(), mine.lines().collect());
    assert!(
        t.len() > 40,
        "{name}: Apache transcript too short:\n{theirs}"
    );
    let mut diffs = Vec::new();
    for i in 0..t.len().max(m.len()) {
        let (x, y) = (
            t.get(i).copied().unwrap_or("<end>"),
            m.get(i).copied().unwrap_or("<end>"),
        );
        if x != y {
            diffs.push(format!(
                "{name} line {}:\n  apache:   {x}\n  zkserver: {y}",
                i + 1
            ));
        }
    }
    diffs
}

/// transcript.py: CRUD, sequential and ephemeral nodes, one-shot watches,
/// transactions, ACLs. extended.py: the opcodes kazoo has no method for
/// (addWatch, setWatches, checkWatches/removeWatches, getEphemerals,
/// getAllChildrenNumber, whoAmI, containers, TTL nodes, multiRead, reconfig,
/// an unknown opcode). The second runs on the state the first leaves.
#[test]
fn transcripts_match_apache_zookeeper() {
    let apache = ApacheZk::start();
    let ours = ZkServerProcess::start(env!("CARGO_BIN_EXE_zkserver"), &[]);
    let mut diffs = differences("transcript.py", &apache, &ours);
    diffs.extend(differences("extended.py", &apache, &ours));
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
