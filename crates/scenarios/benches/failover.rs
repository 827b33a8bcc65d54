//! Failover time of examples/c/master_standby.c: three instances, the
//! master stopped with SIGKILL (takeover needs the session to expire) or
//! SIGTERM (zookeeper_close ends the session at once), several rounds each.
//! Prints min/median/max and checks the bounds: SIGKILL within the session
//! timeout plus one tick (plus 500 ms for scheduling on a loaded machine),
//! SIGTERM within 50 ms (median).
//!
//!   cargo bench -p zkrs-scenarios --bench failover
//! Client and server as in tests/common/mod.rs (ZKRS_SCENARIO_CLIENT,
//! ZKRS_SCENARIO_SERVER); FAILOVER_ROUNDS sets the rounds (default 5).

#[path = "../tests/common/mod.rs"]
mod common;

use common::cluster::Cluster;
use common::shared_server;
use std::time::{Duration, Instant};

fn round(kill: bool) -> (Duration, Duration) {
    let server = shared_server();
    let mut c = Cluster::start(server, 3);
    let old = c.masters()[0];
    let i = c.index_of(old);
    let t0 = Instant::now();
    if kill {
        c.procs[i].kill();
    } else {
        c.procs[i].signal(libc::SIGTERM);
    }
    c.is_master.insert(old, false);
    let (t, s) = c
        .wait_for(c.timeout + server.tick + Duration::from_secs(10), |s| {
            s.word == "MASTER"
        })
        .unwrap_or_else(|| panic!("no takeover: {:?}", c.all_seen()));
    assert_ne!(s.pid, old);
    (t - t0, c.timeout)
}

fn summary(name: &str, mut v: Vec<Duration>) -> Duration {
    v.sort();
    let median = v[v.len() / 2];
    println!(
        "{name:<28} rounds {:>2}  min {:>9.1?}  median {:>9.1?}  max {:>9.1?}",
        v.len(),
        v[0],
        median,
        v[v.len() - 1]
    );
    median
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would too: run only
    // when asked for explicitly by cargo bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rounds: usize = std::env::var("FAILOVER_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let server = shared_server();
    println!(
        "client {:?}, server {:?} (tick {:?})",
        common::c_client(),
        common::server_kind(),
        server.tick
    );
    let mut timeout = Duration::ZERO;
    let graceful: Vec<Duration> = (0..rounds).map(|_| round(false).0).collect();
    let crash: Vec<Duration> = (0..rounds)
        .map(|_| {
            let (d, t) = round(true);
            timeout = t;
            d
        })
        .collect();
    let g = summary("graceful close (SIGTERM)", graceful);
    let worst_crash = *crash.iter().max().unwrap();
    summary("crash (SIGKILL)", crash);
    let bound = timeout + server.tick;
    println!("bounds: SIGTERM median < 50 ms; SIGKILL max <= session timeout {timeout:?} + tick {:?} = {bound:?}", server.tick);
    assert!(
        g < Duration::from_millis(50),
        "graceful handover median {g:?}"
    );
    assert!(
        worst_crash <= bound + Duration::from_millis(500),
        "crash takeover {worst_crash:?} > {bound:?}"
    );
}
