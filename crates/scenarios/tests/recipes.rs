//! The C recipes under contention from several processes and threads,
//! built against the chosen C client and run against the chosen server
//! (see tests/common/mod.rs). Each driver logs timestamped events; the
//! checks in zkrs_scenarios decide from the logs.

mod common;

use common::{mono_ns, programs, run_ok, shared_server, unique_path, Proc};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zkrs_scenarios::{
    check_fifo_per_consumer, check_read_write, check_together, max_overlap, parse_log, Record,
};

/// Session timeout the drivers ask for; the server raises it to 2 ticks.
fn session_ms() -> u64 {
    (shared_server().tick.as_millis() as u64 * 2).max(2000)
}

/// Runs the driver to completion with the session timeout; it must exit 0.
fn run_driver(args: &[&str]) -> String {
    let ms = session_ms().to_string();
    run_ok(
        &programs().recipe_driver,
        args,
        &[("ZKR_SESSION_MS", ms.as_str())],
    )
}

struct LogFile(PathBuf);

impl LogFile {
    fn new(tag: &str) -> LogFile {
        let p = std::env::temp_dir().join(format!(
            "zkrs-scenario-{tag}-{}-{}.log",
            std::process::id(),
            mono_ns()
        ));
        let _ = std::fs::remove_file(&p);
        LogFile(p)
    }
    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
    fn records(&self) -> Vec<Record> {
        parse_log(&std::fs::read_to_string(&self.0).unwrap_or_default()).expect("driver log")
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `procs` driver processes with the same arguments at once; each must
/// exit 0. Returns their stdout.
fn run_driver_procs(procs: usize, args: &[&str]) -> Vec<String> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..procs).map(|_| s.spawn(|| run_driver(args))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("driver thread"))
            .collect()
    })
}

fn spawn_driver(args: &[&str]) -> Proc {
    let ms = session_ms().to_string();
    Proc::spawn(
        &programs().recipe_driver,
        args,
        &[("ZKR_SESSION_MS", ms.as_str())],
    )
}

#[test]
fn exclusive_lock_has_one_holder_at_a_time() {
    let hosts = shared_server().hosts();
    let path = unique_path("lock");
    let log = LogFile::new("lock");
    // 3 processes x 3 threads, each thread with its own session
    run_driver_procs(3, &["lock", &hosts, &path, "3", "15", log.path()]);
    let recs = log.records();
    assert_eq!(
        recs.iter().filter(|r| r.event == "enter").count(),
        3 * 3 * 15
    );
    assert_eq!(
        recs.iter().filter(|r| r.event == "exit").count(),
        3 * 3 * 15
    );
    assert_eq!(
        max_overlap(&recs, "enter", "exit"),
        1,
        "two holders at once"
    );
    // every acquisition used its own sequential node
    let nodes: BTreeSet<&str> = recs
        .iter()
        .filter(|r| r.event == "enter")
        .map(|r| r.arg.as_str())
        .collect();
    assert_eq!(nodes.len(), 3 * 3 * 15);
    assert!(
        nodes.iter().all(|n| n.starts_with("x-")),
        "Apache's node naming: {nodes:?}"
    );
}

#[test]
fn exclusive_lock_waiters_watch_one_node_each_and_a_dead_holder_lets_go() {
    let server = shared_server();
    let hosts = server.hosts();
    let path = unique_path("lock-crash");
    let log = LogFile::new("lock-crash");
    let mut procs: Vec<Proc> = Vec::new();
    let mut nodes: Vec<String> = Vec::new();
    for i in 0..4 {
        let mut p = spawn_driver(&["lock-hold", &hosts, &path, log.path()]);
        let want = if i == 0 { "HOLDING " } else { "QUEUED " };
        let (_, l) = p
            .wait_line(Duration::from_secs(20), |l| l.starts_with(want))
            .unwrap_or_else(|| panic!("contender {i}: no {want}line: {:?}", p.seen));
        nodes.push(l[want.len()..].to_string());
        procs.push(p);
    }
    // no herd: each waiter watches only the node just before its own
    let expected: BTreeMap<String, usize> = nodes[..3]
        .iter()
        .map(|n| (format!("{path}/{n}"), 1))
        .collect();
    assert_eq!(watched_under(server.port, &path, &expected), expected);

    let killed_at = Instant::now();
    procs[0].signal(libc::SIGKILL);
    let bound = Duration::from_millis(session_ms()) + server.tick + Duration::from_millis(500);
    let (t, l) = procs[1]
        .wait_line(bound + Duration::from_secs(5), |l| {
            l.starts_with("HOLDING ")
        })
        .expect("the next waiter takes the lock");
    assert_eq!(l, format!("HOLDING {}", nodes[1]));
    let took = t - killed_at;
    eprintln!("lock: holder SIGKILLed, next holder after {took:?}");
    assert!(took <= bound, "took {took:?}, bound {bound:?}");
    for p in procs.iter_mut().skip(2) {
        assert!(
            p.wait_line(Duration::from_millis(300), |l| l.starts_with("HOLDING"))
                .is_none(),
            "a second holder"
        );
    }
}

#[test]
fn read_write_lock_keeps_writers_alone() {
    let hosts = shared_server().hosts();
    let path = unique_path("rwlock");
    let log = LogFile::new("rwlock");
    // 3 processes x 4 threads sharing one session per process
    run_driver_procs(3, &["rwlock", &hosts, &path, "4", "15", log.path()]);
    let recs = log.records();
    let writes = recs.iter().filter(|r| r.event == "W+").count();
    let reads = recs.iter().filter(|r| r.event == "R+").count();
    assert_eq!(writes + reads, 3 * 4 * 15);
    assert!(
        writes > 0 && reads > 0,
        "both kinds exercised: {writes} writes, {reads} reads"
    );
    let most_readers = check_read_write(&recs).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        most_readers >= 2,
        "readers never shared the lock (max {most_readers})"
    );
}

#[test]
fn election_has_one_leader_at_a_time_and_everyone_leads() {
    let hosts = shared_server().hosts();
    let path = unique_path("election");
    let log = LogFile::new("election");
    let outs = run_driver_procs(3, &["election", &hosts, &path, "2", "30", log.path()]);
    let recs = log.records();
    assert_eq!(
        max_overlap(&recs, "lead+", "lead-"),
        1,
        "two leaders at once"
    );
    let leaders: BTreeSet<&str> = recs
        .iter()
        .filter(|r| r.event == "lead+")
        .map(|r| r.arg.as_str())
        .collect();
    assert_eq!(leaders.len(), 6, "every candidate leads once: {outs:?}");
    // leadership follows the candidates' sequence order
    let mut by_node: Vec<(String, String)> = outs
        .iter()
        .flat_map(|o| o.lines())
        .filter_map(|l| l.strip_prefix("CANDIDATE "))
        .map(|l| {
            let (who, node) = l.split_once(' ').expect("CANDIDATE who node");
            (node.to_string(), who.to_string())
        })
        .collect();
    by_node.sort_by_key(|(node, _)| sequence(node));
    let mut led: Vec<&Record> = recs.iter().filter(|r| r.event == "lead+").collect();
    led.sort_by_key(|r| r.t_ns);
    let order: Vec<&str> = led.iter().map(|r| r.arg.as_str()).collect();
    let expected: Vec<&str> = by_node.iter().map(|(_, w)| w.as_str()).collect();
    assert_eq!(order, expected, "leaders in sequence order");
}

/// The sequence number ZooKeeper appended to a node name (its last 10 digits).
fn sequence(node: &str) -> u64 {
    node[node.len().saturating_sub(10)..]
        .parse()
        .unwrap_or_else(|_| panic!("no sequence in {node:?}"))
}

/// Parses `wchp` (path, then one tab-indented session per line).
fn watches_by_path(text: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    let mut cur: Option<String> = None;
    for l in text.lines() {
        if l.starts_with('/') {
            cur = Some(l.trim().to_string());
            m.entry(l.trim().to_string()).or_insert(0);
        } else if l.trim().starts_with("0x") {
            if let Some(c) = &cur {
                *m.entry(c.clone()).or_insert(0) += 1;
            }
        }
    }
    m
}

/// Watch counts per path under `prefix` from `wchp`, polled until they
/// equal `expected` (watches are set asynchronously) or 10 s passed.
fn watched_under(
    port: u16,
    prefix: &str,
    expected: &BTreeMap<String, usize>,
) -> BTreeMap<String, usize> {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let w = testkit::four_letter(port, "wchp").expect("wchp");
        let mut seen = watches_by_path(&w);
        seen.retain(|p, _| p.starts_with(prefix));
        if seen == *expected || Instant::now() > end {
            return seen;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn election_watches_only_the_predecessor_and_survives_a_crashed_leader() {
    let server = shared_server();
    let hosts = server.hosts();
    let path = unique_path("election-crash");
    let log = LogFile::new("election-crash");
    let mut cands: Vec<Proc> = Vec::new();
    let mut nodes: Vec<(String, usize)> = Vec::new();
    for i in 0..4 {
        let mut p = spawn_driver(&["election", &hosts, &path, "1", "-1", log.path()]);
        let (_, l) = p
            .wait_line(Duration::from_secs(20), |l| l.starts_with("CANDIDATE "))
            .expect("candidate joined");
        nodes.push((l.rsplit(' ').next().unwrap().to_string(), i));
        cands.push(p);
    }
    let (_, first) = cands[0]
        .wait_line(Duration::from_secs(10), |l| l.starts_with("LEADER"))
        .expect("first leads");
    assert!(first.starts_with("LEADER"));
    nodes.sort_by_key(|(n, _)| sequence(n));

    // No herd: each waiting candidate watches exactly the node below it.
    let expected: BTreeMap<String, usize> = nodes[..3]
        .iter()
        .map(|(n, _)| (format!("{path}/{n}"), 1))
        .collect();
    assert_eq!(watched_under(server.port, &path, &expected), expected);

    // SIGKILL the leader: the next candidate leads once the session ends.
    let killed_at = Instant::now();
    cands[0].signal(libc::SIGKILL);
    let bound = Duration::from_millis(session_ms()) + server.tick + Duration::from_millis(500);
    let (t, _) = cands[1]
        .wait_line(bound + Duration::from_secs(5), |l| l.starts_with("LEADER"))
        .expect("a new leader");
    let took = t - killed_at;
    eprintln!("election: leader SIGKILLed, successor led after {took:?}");
    assert!(took <= bound, "takeover took {took:?}, bound {bound:?}");
    assert!(
        took >= Duration::from_millis(session_ms() / 2),
        "took over before the session could end: {took:?}"
    );
    for p in cands.iter_mut().skip(2) {
        assert!(
            p.wait_line(Duration::from_millis(300), |l| l.starts_with("LEADER"))
                .is_none(),
            "a second leader"
        );
    }
}

#[test]
fn queue_loses_and_duplicates_nothing() {
    let hosts = shared_server().hosts();
    let dir = unique_path("queue");
    let log = LogFile::new("queue");
    let consumers: Vec<Proc> = (0..3)
        .map(|_| spawn_driver(&["queue-take", &hosts, &dir, "2", "1500", log.path()]))
        .collect();
    std::thread::scope(|s| {
        for i in 0..3 {
            let (hosts, dir) = (&hosts, &dir);
            s.spawn(move || run_driver(&["queue-put", hosts, dir, &format!("p{i}"), "60"]));
        }
    });
    for mut c in consumers {
        let st = c
            .wait_exit(Duration::from_secs(30))
            .expect("consumer exits when idle");
        assert!(st.success(), "consumer failed: {st}");
    }
    let recs = log.records();
    let mut taken: Vec<&str> = recs
        .iter()
        .filter(|r| r.event == "take")
        .map(|r| r.arg.as_str())
        .collect();
    taken.sort();
    let mut expected: Vec<String> = (0..3)
        .flat_map(|i| (0..60).map(move |n| format!("p{i}-{n}")))
        .collect();
    expected.sort();
    let dups: Vec<&&str> = taken
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| &w[0])
        .collect();
    assert!(dups.is_empty(), "duplicated items: {dups:?}");
    assert_eq!(
        taken,
        expected.iter().map(String::as_str).collect::<Vec<_>>(),
        "lost items"
    );
    check_fifo_per_consumer(&recs).unwrap_or_else(|e| panic!("{e}"));
    let consumers_used: BTreeSet<(u32, u32)> = recs.iter().map(|r| (r.pid, r.tid)).collect();
    assert!(
        consumers_used.len() > 1,
        "contention: only one consumer took items"
    );
}

#[test]
fn double_barrier_enters_and_leaves_together() {
    let hosts = shared_server().hosts();
    let path = unique_path("barrier");
    let log = LogFile::new("barrier");
    // 2 processes x 3 threads = 6 members, each with its own session
    run_driver_procs(2, &["barrier", &hosts, &path, "6", "3", log.path()]);
    let recs = log.records();
    for ev in ["enter-start", "entered", "leave-start", "left"] {
        assert_eq!(recs.iter().filter(|r| r.event == ev).count(), 6, "{ev}");
    }
    check_together(&recs, "enter-start", "entered").unwrap_or_else(|e| panic!("enter: {e}"));
    check_together(&recs, "leave-start", "left").unwrap_or_else(|e| panic!("leave: {e}"));
}

fn members_line(l: &str) -> Option<Vec<String>> {
    let inner = l.strip_prefix("MEMBERS rc=0 [")?.strip_suffix(']')?;
    Some(
        inner
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn group_membership_drops_a_dead_member_when_its_session_ends() {
    let server = shared_server();
    let hosts = server.hosts();
    let group = unique_path("group");
    let mut watcher = spawn_driver(&["group-watch", &hosts, &group]);
    watcher
        .wait_line(Duration::from_secs(20), |l| members_line(l) == Some(vec![]))
        .expect("empty group seen");
    let mut alpha = spawn_driver(&["group-join", &hosts, &group, "alpha"]);
    let mut beta = spawn_driver(&["group-join", &hosts, &group, "beta"]);
    alpha
        .wait_line(Duration::from_secs(20), |l| l == "JOINED alpha")
        .expect("alpha joined");
    beta.wait_line(Duration::from_secs(20), |l| l == "JOINED beta")
        .expect("beta joined");
    watcher
        .wait_line(Duration::from_secs(10), |l| {
            members_line(l) == Some(vec!["alpha".into(), "beta".into()])
        })
        .expect("both members seen");
    // a second join under a taken name is refused
    let dup = std::process::Command::new(&programs().recipe_driver)
        .args(["group-join", &hosts, &group, "alpha"])
        .env("ZKR_SESSION_MS", session_ms().to_string())
        .output()
        .expect("run duplicate join");
    assert!(!dup.status.success());
    assert!(
        String::from_utf8_lossy(&dup.stderr).contains("node exists"),
        "{:?}",
        String::from_utf8_lossy(&dup.stderr)
    );

    let killed_at = Instant::now();
    alpha.signal(libc::SIGKILL);
    let bound = Duration::from_millis(session_ms()) + server.tick + Duration::from_millis(500);
    let (t, _) = watcher
        .wait_line(bound + Duration::from_secs(5), |l| {
            members_line(l) == Some(vec!["beta".into()])
        })
        .expect("dead member dropped");
    let took = t - killed_at;
    eprintln!("membership: dead member dropped after {took:?}");
    assert!(took <= bound, "took {took:?}, bound {bound:?}");
}

#[test]
fn config_subscribers_follow_every_change_to_the_last() {
    let hosts = shared_server().hosts();
    let path = unique_path("config") + "/service/settings";
    let mut subs: Vec<Proc> = (0..2)
        .map(|_| spawn_driver(&["config-watch", &hosts, &path]))
        .collect();
    for s in subs.iter_mut() {
        s.wait_line(Duration::from_secs(20), |l| l.starts_with("CONFIG -1"))
            .expect("absent value reported");
    }
    run_driver(&["config-set", &hosts, &path, "40"]);
    for s in subs.iter_mut() {
        s.wait_line(Duration::from_secs(10), |l| l == "CONFIG 39 v40")
            .expect("last value seen");
        let mut versions: Vec<i64> = Vec::new();
        for l in &s.seen {
            let mut f = l.split(' ');
            assert_eq!(f.next(), Some("CONFIG"));
            let v: i64 = f.next().unwrap().parse().unwrap();
            if v >= 0 {
                assert_eq!(
                    f.next(),
                    Some(format!("v{}", v + 1).as_str()),
                    "value matches version in {l:?}"
                );
            }
            versions.push(v);
        }
        assert!(
            versions.windows(2).all(|w| w[0] < w[1]),
            "versions only increase: {versions:?}"
        );
    }
}

#[test]
fn naming_hands_out_unique_names() {
    let hosts = shared_server().hosts();
    let prefix = unique_path("names") + "/job-";
    let outs = run_driver_procs(3, &["name", &hosts, &prefix, "4", "10"]);
    let names: Vec<(String, i64)> = outs
        .iter()
        .flat_map(|o| o.lines())
        .map(|l| {
            let mut f = l.split(' ');
            assert_eq!(f.next(), Some("NAME"));
            (
                f.next().unwrap().to_string(),
                f.next().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(names.len(), 120);
    let unique: BTreeSet<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(unique.len(), 120, "duplicate names");
    for (n, seq) in &names {
        assert_eq!(*n, format!("{prefix}{seq:010}"));
    }
    let seqs: BTreeSet<i64> = names.iter().map(|(_, s)| *s).collect();
    assert_eq!(seqs, (0..120).collect(), "sequence numbers 0..120");
}

#[test]
fn recipes_reject_bad_arguments() {
    let hosts = shared_server().hosts();
    let out = run_ok(&programs().recipe_driver, &["bad-args", &hosts], &[]);
    assert_eq!(out.trim(), "BAD-ARGS OK");
    let bad = std::process::Command::new(&programs().recipe_driver)
        .args(["no-such-command", &hosts])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown command"));
}

#[test]
fn each_recipe_header_stands_alone_in_c_and_cpp() {
    testkit::ensure_packages();
    let inc = common::workspace_root().join("recipes/include");
    let mut headers = vec!["zoo_lock.h".to_string()];
    for e in std::fs::read_dir(inc.join("zkr")).expect("recipes/include/zkr") {
        headers.push(format!(
            "zkr/{}",
            e.expect("entry").file_name().to_string_lossy()
        ));
    }
    assert!(headers.len() >= 8, "{headers:?}");
    let dir = std::env::temp_dir().join(format!("zkrs-headers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for h in &headers {
        for (compiler, ext) in [("cc", "c"), ("c++", "cc")] {
            let src = dir.join(format!("only.{ext}"));
            std::fs::write(
                &src,
                format!("#include <{h}>\nint main(void) {{ return 0; }}\n"),
            )
            .unwrap();
            let out = std::process::Command::new(compiler)
                .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
                .arg(format!("-I{}", inc.display()))
                .arg(common::client_include_flag())
                .arg(&src)
                .output()
                .expect("run the compiler");
            assert!(
                out.status.success(),
                "{h} with {compiler}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lock_rwlock_and_election_hold_across_connection_losses() {
    let server = shared_server();
    let proxy = common::proxy::Proxy::start(server.port);
    let hosts = proxy.hosts();
    let (lock_path, rw_path, el_path) = (
        unique_path("cut-lock"),
        unique_path("cut-rw"),
        unique_path("cut-election"),
    );
    let (lock_log, rw_log, el_log) = (
        LogFile::new("cut-lock"),
        LogFile::new("cut-rw"),
        LogFile::new("cut-election"),
    );
    let runs = [
        vec!["lock", &hosts, &lock_path, "2", "60", lock_log.path()],
        vec!["rwlock", &hosts, &rw_path, "3", "50", rw_log.path()],
        vec!["election", &hosts, &el_path, "2", "300", el_log.path()],
    ];
    let cuts = std::thread::scope(|s| {
        let handles: Vec<_> = runs
            .iter()
            .map(|args| s.spawn(|| run_driver_procs(2, args)))
            .collect();
        // Cut every connection every 250 ms while they run.
        let mut cuts = 0;
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(250));
            if proxy.sever() > 0 {
                cuts += 1;
            }
        }
        for h in handles {
            h.join().expect("drivers completed despite the cuts");
        }
        cuts
    });
    eprintln!("connection cuts: {cuts}");
    assert!(cuts >= 4, "the connections were cut only {cuts} times");

    let recs = lock_log.records();
    assert_eq!(
        recs.iter().filter(|r| r.event == "enter").count(),
        2 * 2 * 60
    );
    assert_eq!(
        max_overlap(&recs, "enter", "exit"),
        1,
        "two lock holders at once"
    );
    let recs = rw_log.records();
    assert_eq!(
        recs.iter().filter(|r| r.event.ends_with('+')).count(),
        2 * 3 * 50
    );
    check_read_write(&recs).unwrap_or_else(|e| panic!("{e}"));
    let recs = el_log.records();
    assert_eq!(recs.iter().filter(|r| r.event == "lead+").count(), 2 * 2);
    assert_eq!(
        max_overlap(&recs, "lead+", "lead-"),
        1,
        "two leaders at once"
    );
}
