//! Checks for the scenario tests: parsing the event logs the C drivers
//! write and deciding from them whether a recipe kept its promise (one
//! holder at a time, readers never beside a writer, members entering and
//! leaving together), plus parsing master/standby status lines.

use std::collections::BTreeMap;

/// One line of a driver log: `<CLOCK_MONOTONIC ns> <pid> <tid> <event> [arg]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub t_ns: u64,
    pub pid: u32,
    pub tid: u32,
    pub event: String,
    pub arg: String,
}

/// Parses a whole log; a malformed line is an error naming it.
pub fn parse_log(text: &str) -> Result<Vec<Record>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f = l.splitn(5, ' ');
            let bad = || format!("malformed log line {l:?}");
            let t_ns = f.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
            let pid = f.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
            let tid = f.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
            let event = f
                .next()
                .filter(|s| !s.is_empty())
                .ok_or_else(bad)?
                .to_string();
            let arg = f.next().unwrap_or("").to_string();
            Ok(Record {
                t_ns,
                pid,
                tid,
                event,
                arg,
            })
        })
        .collect()
}

/// Records in time order; at equal times a leaving event sorts first, so
/// touching intervals do not count as overlapping.
fn timeline<'a>(records: &'a [Record], leaving: &[&str]) -> Vec<&'a Record> {
    let mut v: Vec<&Record> = records.iter().collect();
    v.sort_by_key(|r| (r.t_ns, !leaving.contains(&r.event.as_str())));
    v
}

/// The most `enter`..`exit` intervals open at one instant.
pub fn max_overlap(records: &[Record], enter: &str, exit: &str) -> usize {
    let mut open = 0usize;
    let mut most = 0;
    for r in timeline(records, &[exit]) {
        if r.event == enter {
            open += 1;
            most = most.max(open);
        } else if r.event == exit {
            open = open.saturating_sub(1);
        }
    }
    most
}

/// Read/write exclusion from `R+ R- W+ W-` records: a writer is alone.
/// Returns the most readers seen together.
pub fn check_read_write(records: &[Record]) -> Result<usize, String> {
    let (mut readers, mut writers, mut most_readers) = (0usize, 0usize, 0usize);
    for r in timeline(records, &["R-", "W-"]) {
        match r.event.as_str() {
            "R+" => readers += 1,
            "R-" => readers = readers.saturating_sub(1),
            "W+" => writers += 1,
            "W-" => writers = writers.saturating_sub(1),
            _ => continue,
        }
        if writers > 1 || (writers == 1 && readers > 0) {
            return Err(format!(
                "at t={} ns ({} {} {}): {writers} writer(s) and {readers} reader(s) hold the lock",
                r.t_ns, r.pid, r.tid, r.event
            ));
        }
        most_readers = most_readers.max(readers);
    }
    Ok(most_readers)
}

/// Barrier phases: nobody passes `passed` before the last member reached
/// `arrived`. Returns the gap in ns between the last arrival and the first
/// pass (never negative when it holds).
pub fn check_together(records: &[Record], arrived: &str, passed: &str) -> Result<u64, String> {
    let last_arrival = records
        .iter()
        .filter(|r| r.event == arrived)
        .map(|r| r.t_ns)
        .max();
    let first_pass = records
        .iter()
        .filter(|r| r.event == passed)
        .map(|r| r.t_ns)
        .min();
    match (last_arrival, first_pass) {
        (Some(a), Some(p)) if p >= a => Ok(p - a),
        (Some(a), Some(p)) => Err(format!(
            "a member passed '{passed}' {} ns before the last '{arrived}'",
            a - p
        )),
        _ => Err(format!("no '{arrived}' or '{passed}' records")),
    }
}

/// For items named `<tag>-<n>` taken by each (pid, tid): the numbers of one
/// tag must only grow (a consumer always takes the oldest item).
pub fn check_fifo_per_consumer(records: &[Record]) -> Result<(), String> {
    let mut last: BTreeMap<(u32, u32, String), u64> = BTreeMap::new();
    for r in records.iter().filter(|r| r.event == "take") {
        let (tag, n) = r
            .arg
            .rsplit_once('-')
            .ok_or_else(|| format!("bad item {:?}", r.arg))?;
        let n: u64 = n.parse().map_err(|_| format!("bad item {:?}", r.arg))?;
        let key = (r.pid, r.tid, tag.to_string());
        if let Some(prev) = last.get(&key) {
            if n <= *prev {
                return Err(format!(
                    "consumer {}.{} took {tag}-{n} after {tag}-{prev}",
                    r.pid, r.tid
                ));
            }
        }
        last.insert(key, n);
    }
    Ok(())
}

/// A master_standby status line: `<timestamp> [<pid>] <WORD> ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub pid: u32,
    pub word: String,
    pub rest: String,
}

pub fn parse_status(line: &str) -> Option<Status> {
    let (_, after) = line.split_once(" [")?;
    let (pid, after) = after.split_once("] ")?;
    let pid = pid.parse().ok()?;
    let (word, rest) = after.split_once(' ').unwrap_or((after, ""));
    if word.is_empty() || !word.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    Some(Status {
        pid,
        word: word.to_string(),
        rest: rest.to_string(),
    })
}

/// The `key=value` field of a status line's rest.
pub fn field<'a>(rest: &'a str, key: &str) -> Option<&'a str> {
    rest.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(lines: &[&str]) -> Vec<Record> {
        parse_log(&lines.join("\n")).unwrap()
    }

    #[test]
    fn parses_and_rejects_lines() {
        let r = log(&["10 1 2 enter x-1", "11 1 2 exit"]);
        assert_eq!(r[0].arg, "x-1");
        assert_eq!(r[1].event, "exit");
        assert!(parse_log("10 1 enter").is_err());
        assert!(parse_log("ten 1 2 enter").is_err());
    }

    #[test]
    fn overlap_is_detected_and_touching_is_not() {
        assert_eq!(
            max_overlap(
                &log(&["1 1 1 enter", "5 1 1 exit", "5 2 2 enter", "9 2 2 exit"]),
                "enter",
                "exit"
            ),
            1
        );
        assert_eq!(
            max_overlap(
                &log(&["1 1 1 enter", "5 2 2 enter", "6 1 1 exit", "9 2 2 exit"]),
                "enter",
                "exit"
            ),
            2
        );
    }

    #[test]
    fn read_write_rules() {
        assert_eq!(
            check_read_write(&log(&[
                "1 1 1 R+", "2 2 2 R+", "3 1 1 R-", "4 2 2 R-", "4 3 3 W+", "5 3 3 W-"
            ])),
            Ok(2)
        );
        assert!(check_read_write(&log(&["1 1 1 R+", "2 2 2 W+", "3 1 1 R-", "4 2 2 W-"])).is_err());
        assert!(check_read_write(&log(&["1 1 1 W+", "2 2 2 W+", "3 1 1 W-", "4 2 2 W-"])).is_err());
    }

    #[test]
    fn together_rules() {
        assert!(check_together(
            &log(&["1 1 1 a", "2 2 2 a", "3 1 1 p", "3 2 2 p"]),
            "a",
            "p"
        )
        .is_ok());
        assert!(check_together(
            &log(&["1 1 1 a", "2 1 1 p", "3 2 2 a", "4 2 2 p"]),
            "a",
            "p"
        )
        .is_err());
        assert!(check_together(&log(&["1 1 1 a"]), "a", "p").is_err());
    }

    #[test]
    fn fifo_rules() {
        assert!(check_fifo_per_consumer(&log(&[
            "1 1 1 take a-0",
            "2 1 1 take b-0",
            "3 1 1 take a-2"
        ]))
        .is_ok());
        assert!(check_fifo_per_consumer(&log(&["1 1 1 take a-2", "2 1 1 take a-1"])).is_err());
    }

    #[test]
    fn status_lines() {
        let s = parse_status("2026-01-01T00:00:00.000Z [42] MASTER service=x ip=1.2.3.4").unwrap();
        assert_eq!((s.pid, s.word.as_str()), (42, "MASTER"));
        assert_eq!(field(&s.rest, "service"), Some("x"));
        assert_eq!(field(&s.rest, "ip"), Some("1.2.3.4"));
        assert!(parse_status("2026-01-01 12:00:00,000:42(0x1):ZOO_WARN@x@1: text").is_none());
        assert!(parse_status("no status").is_none());
    }
}
