//! A set of examples/c/master_standby.c instances for one service, with
//! their status lines tracked: who is master, and every line in order.

use super::{programs, unique_path, Proc, ServerInfo};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use zkrs_scenarios::{field, parse_status, Status};

/// Session timeout asked for (the server may raise it; the cluster uses
/// what the instances report they negotiated).
pub const SESSION_MS: &str = "2000";
/// Drain wait after becoming master, short for the tests.
pub const DRAIN_MS: &str = "100";

pub struct Cluster {
    pub procs: Vec<Proc>,
    pub is_master: BTreeMap<u32, bool>,
    pub timeout: Duration,
    pub service: String,
    /// Every status line read, in order, and how far wait_for got.
    pub events: Vec<(Instant, Status)>,
    pub cursor: usize,
}

impl Cluster {
    pub fn start(server: ServerInfo, n: usize) -> Cluster {
        Cluster::start_on(&server.hosts(), n)
    }

    /// Starts `n` instances connecting to `hosts`.
    pub fn start_on(hosts: &str, n: usize) -> Cluster {
        let service = unique_path("svc")
            .trim_start_matches("/scenarios/")
            .replace('/', "-");
        let mut c = Cluster {
            procs: Vec::new(),
            is_master: BTreeMap::new(),
            timeout: Duration::ZERO,
            service,
            events: Vec::new(),
            cursor: 0,
        };
        for _ in 0..n {
            let p = Proc::spawn(
                &programs().master_standby,
                &["-d", DRAIN_MS, hosts, &c.service, SESSION_MS],
                &[],
            );
            c.is_master.insert(p.pid, false);
            c.procs.push(p);
        }
        for i in 0..n {
            let (_, line) = c.procs[i]
                .wait_line(Duration::from_secs(20), |l| {
                    parse_status(l).is_some_and(|s| s.word == "CONNECTED")
                })
                .unwrap_or_else(|| panic!("instance {i} never connected: {:?}", c.procs[i].seen));
            let st = parse_status(&line).unwrap();
            let t: u64 = field(&st.rest, "timeout")
                .and_then(|v| v.trim_end_matches("ms").parse().ok())
                .expect("timeout=");
            c.timeout = c.timeout.max(Duration::from_millis(t));
        }
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end && (c.masters().len() != 1 || c.standbys() != n - 1) {
            c.pump(Duration::from_millis(50));
        }
        assert_eq!(
            c.masters().len(),
            1,
            "one master at start: {:?}",
            c.all_seen()
        );
        c.cursor = c.events.len();
        c
    }

    pub fn all_seen(&self) -> Vec<String> {
        self.procs
            .iter()
            .flat_map(|p| p.seen.iter().cloned())
            .collect()
    }

    pub fn standbys(&self) -> usize {
        self.procs
            .iter()
            .filter(|p| {
                p.seen
                    .iter()
                    .any(|l| parse_status(l).is_some_and(|s| s.word == "STANDBY"))
            })
            .filter(|p| !self.is_master[&p.pid])
            .count()
    }

    pub fn masters(&self) -> Vec<u32> {
        self.is_master
            .iter()
            .filter(|(_, m)| **m)
            .map(|(p, _)| *p)
            .collect()
    }

    pub fn index_of(&self, pid: u32) -> usize {
        self.procs
            .iter()
            .position(|p| p.pid == pid)
            .expect("known pid")
    }

    /// Reads status lines for `dur`, tracking who is master; returns them.
    pub fn pump(&mut self, dur: Duration) -> Vec<(Instant, Status)> {
        let end = Instant::now() + dur;
        let mut out = Vec::new();
        loop {
            for p in self.procs.iter_mut() {
                for (t, l) in p.drain() {
                    if let Some(s) = parse_status(&l) {
                        match s.word.as_str() {
                            "MASTER" => {
                                self.is_master.insert(s.pid, true);
                            }
                            "STANDBY" | "EXPIRED" | "STOPPED" => {
                                self.is_master.insert(s.pid, false);
                            }
                            _ => {}
                        }
                        self.events.push((t, s.clone()));
                        out.push((t, s));
                    }
                }
            }
            if Instant::now() >= end {
                return out;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Pumps until a status line after the last match matches; returns it.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&Status) -> bool,
    ) -> Option<(Instant, Status)> {
        let end = Instant::now() + timeout;
        self.pump(Duration::ZERO);
        loop {
            if let Some(k) = self.events[self.cursor..].iter().position(|(_, s)| pred(s)) {
                self.cursor += k + 1;
                return Some(self.events[self.cursor - 1].clone());
            }
            if Instant::now() >= end {
                return None;
            }
            self.pump(Duration::from_millis(20));
        }
    }
}
