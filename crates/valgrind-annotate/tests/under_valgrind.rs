//! The annotations against the real tools: each scenario hands data from
//! one thread to another and runs as a child process of this test under
//! helgrind and under DRD. An unannotated hand-over must be reported (or
//! the check could not fail); each annotated one must not. Flags are
//! atomics marked with `atomic_var`, so only the data they publish is
//! judged.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread;

use valgrind_annotate::{atomic_var, happens_after, happens_before, Annotated, Arc};

const SCENARIO_ENV: &str = "VALGRIND_ANNOTATE_SCENARIO";

fn wait(flag: &AtomicBool) {
    while !flag.load(Ordering::Acquire) {
        thread::yield_now();
    }
}

/// Data written by one thread and read by another after a flag: ordered,
/// but through an atomic the tools cannot see.
fn scenario_unannotated() {
    handoff(false);
}

fn scenario_handoff() {
    handoff(true);
}

fn handoff(annotate: bool) {
    let data = Box::into_raw(Box::new(0u64)) as usize;
    let flag: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
    atomic_var(flag);
    let reader = thread::spawn(move || {
        wait(flag);
        if annotate {
            happens_after(flag);
        }
        // SAFETY: written before the flag was raised, not touched after.
        let seen = unsafe { *(data as *const u64) };
        assert_eq!(seen, 7);
    });
    // Written after the reader started, so only the flag orders it.
    // SAFETY: the reader waits for the flag before reading.
    unsafe { *(data as *mut u64) = 7 };
    if annotate {
        happens_before(flag);
    }
    flag.store(true, Ordering::Release);
    reader.join().unwrap();
    // SAFETY: from Box::into_raw above; the reader is done.
    drop(unsafe { Box::from_raw(data as *mut u64) });
}

/// Two threads change data under an annotated lock.
fn scenario_lock() {
    let m = std::sync::Arc::new(Mutex::new(Vec::<u64>::new()));
    let m2 = m.clone();
    let t = thread::spawn(move || {
        for i in 0..100 {
            let mut g = Annotated::acquire(&*m2, || m2.lock().unwrap());
            g.push(i);
        }
    });
    for i in 0..100 {
        let mut g = Annotated::acquire(&*m, || m.lock().unwrap());
        g.push(i);
    }
    t.join().unwrap();
    assert_eq!(m.lock().unwrap().len(), 200);
}

/// The last owner of an annotated Arc drops data another owner changed,
/// ordered only by the reference count.
fn scenario_arc() {
    let shared = Arc::new(Mutex::new(Vec::<u64>::new()));
    let theirs = shared.clone();
    let flags: &'static [AtomicBool; 2] =
        Box::leak(Box::new([AtomicBool::new(false), AtomicBool::new(false)]));
    atomic_var(flags);
    let t = thread::spawn(move || {
        Annotated::acquire(&*theirs, || theirs.lock().unwrap()).push(1);
        flags[0].store(true, Ordering::Release);
        wait(&flags[1]);
        // The last owner: drops the vector the main thread grew last.
        drop(theirs);
    });
    wait(&flags[0]);
    Annotated::acquire(&*shared, || shared.lock().unwrap()).push(2);
    drop(shared);
    flags[1].store(true, Ordering::Release);
    t.join().unwrap();
}

const SCENARIOS: &[(&str, fn(), bool)] = &[
    ("unannotated", scenario_unannotated, true),
    ("handoff", scenario_handoff, false),
    ("lock", scenario_lock, false),
    ("arc", scenario_arc, false),
];

/// How many errors valgrind reported with a scenario function on a stack.
fn run_under(tool: &str, scenario: &str) -> usize {
    let dir = testkit::TempDir::new(&format!("vg-annotate-{tool}-{scenario}"));
    let xml = dir.path().join("out.xml");
    let supp = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/valgrind/thread_check.supp"
    );
    let out = Command::new("valgrind")
        .arg(format!("--tool={tool}"))
        .arg("--xml=yes")
        .arg(format!("--xml-file={}", xml.display()))
        .arg(format!("--suppressions={supp}"))
        .arg(std::env::current_exe().unwrap())
        .env(SCENARIO_ENV, scenario)
        .output()
        .expect("run valgrind");
    assert!(
        out.status.success(),
        "{scenario} under {tool}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&xml).expect("valgrind's XML output");
    assert!(text.contains("</valgrindoutput>"), "truncated XML:\n{text}");
    text.split("<error>")
        .skip(1)
        .filter(|e| e.contains("scenario_"))
        .count()
}

fn main() {
    if let Ok(name) = std::env::var(SCENARIO_ENV) {
        let (_, run, _) = SCENARIOS
            .iter()
            .find(|(n, _, _)| *n == name)
            .unwrap_or_else(|| panic!("no scenario {name}"));
        run();
        return;
    }
    testkit::ensure_packages();
    let mut failures = Vec::new();
    for tool in ["helgrind", "drd"] {
        let runs: Vec<_> = SCENARIOS
            .iter()
            .map(|&(name, _, racy)| (name, racy, thread::spawn(move || run_under(tool, name))))
            .collect();
        for (name, racy, run) in runs {
            let errors = run.join().unwrap();
            let ok = if racy { errors > 0 } else { errors == 0 };
            println!(
                "{tool} {name}: {errors} error(s) {}",
                if ok { "ok" } else { "FAILED" }
            );
            if !ok {
                failures.push(format!("{tool} {name}: {errors} error(s)"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
