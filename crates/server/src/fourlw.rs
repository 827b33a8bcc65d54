//! Four-letter words on the client port, answered in Apache ZooKeeper
//! 3.8's formats so that existing tools parse them.

use crate::calendar::civil_from_days;
use std::fmt::Write as _;
use std::net::SocketAddr;

use zkrs_proto::consts::op;

use crate::config::ServerConfig;
use crate::network::{Latency, ServerCounters};
use crate::sessions::SessionTracker;
use crate::ProcessorStats;

/// The version line clients and tools read; the 3.8.0 prefix is the protocol
/// level this server implements.
pub fn version() -> String {
    format!(
        "3.8.0-zkrs-{}, built on {}",
        env!("CARGO_PKG_VERSION"),
        option_env!("ZKRS_BUILD_DATE").unwrap_or("unknown date")
    )
}

const WORDS: &[&str] = &[
    "ruok", "srvr", "stat", "mntr", "conf", "cons", "crst", "envi", "srst", "wchs", "wchc", "wchp",
    "dump", "isro", "dirs", "gtmk", "stmk",
];

/// The word the first four bytes of a connection spell, if they are one.
pub fn word(first4: &[u8; 4]) -> Option<&'static str> {
    WORDS.iter().copied().find(|w| w.as_bytes() == first4)
}

/// What `cons` and `stat` show of one connection.
pub struct ConnView {
    pub peer: SocketAddr,
    pub queued: usize,
    pub received: u64,
    pub sent: u64,
    pub session: Option<i64>,
    pub last_op: &'static str,
    pub established_ms: i64,
    pub timeout_ms: i32,
    pub last_cxid: i32,
    pub last_zxid: i64,
    pub last_response_ms: i64,
    pub latency: Latency,
}

/// Everything the words report, gathered by the event loop.
pub struct ServerView<'a> {
    pub config: &'a ServerConfig,
    pub conns: Vec<ConnView>,
    pub counters: ServerCounters,
    pub zxid: i64,
    pub stats: ProcessorStats,
    pub sessions: &'a SessionTracker,
    pub started_ms: i64,
    pub now_ms: i64,
}

/// Apache's four-character abbreviation of an opcode (`lop=` in `cons`).
pub fn op_abbrev(code: i32) -> &'static str {
    match code {
        op::CREATE | op::CREATE2 | op::CREATE_CONTAINER | op::CREATE_TTL => "CREA",
        op::DELETE | op::DELETE_CONTAINER => "DELE",
        op::EXISTS => "EXIS",
        op::GET_DATA => "GETD",
        op::SET_DATA => "SETD",
        op::GET_ACL => "GETA",
        op::SET_ACL => "SETA",
        op::GET_CHILDREN | op::GET_CHILDREN2 => "GETC",
        op::GET_ALL_CHILDREN_NUMBER => "GACN",
        op::SYNC => "SYNC",
        op::PING => "PING",
        op::CHECK => "CHEC",
        op::MULTI => "MULT",
        op::MULTI_READ => "MLTR",
        op::RECONFIG => "RECO",
        op::CHECK_WATCHES => "CHKW",
        op::REMOVE_WATCHES => "REMW",
        op::AUTH => "AUTH",
        op::SET_WATCHES | op::SET_WATCHES2 => "SETW",
        op::SASL => "SASL",
        op::GET_EPHEMERALS => "GETE",
        op::ADD_WATCH => "ADDW",
        op::WHO_AM_I => "WHOA",
        op::CLOSE_SESSION => "CLOS",
        _ => "UNKN",
    }
}

/// Java's `Double.toString` of a value rounded to four decimals, as Apache
/// prints averages (`0.0`, `14.3571`).
fn java_avg(v: f64) -> String {
    let r = (v * 10000.0).round() / 10000.0;
    if r.fract() == 0.0 {
        format!("{r:.1}")
    } else {
        format!("{r}")
    }
}

/// `/ip:port`, as Java prints a socket address.
fn java_addr(a: &SocketAddr) -> String {
    format!("/{}:{}", a.ip(), a.port())
}

pub fn answer(word: &str, v: &ServerView<'_>) -> String {
    match word {
        "ruok" => "imok".to_string(),
        "isro" => "rw".to_string(),
        "srvr" => srvr(v, false),
        "stat" => srvr(v, true),
        "cons" => cons(v),
        "conf" => conf(v),
        "envi" => envi(),
        "mntr" => mntr(v),
        "wchs" => wchs(v),
        "wchc" => wchc(v),
        "wchp" => wchp(v),
        "dump" => dump(v),
        "dirs" => "datadir_size: 0\nlogdir_size: 0\n".to_string(),
        // Trace masks belong to Apache's Java logging; report the default.
        "gtmk" | "stmk" => "1266\n".to_string(),
        _ => String::new(),
    }
}

fn srvr(v: &ServerView<'_>, with_clients: bool) -> String {
    let mut s = format!("Zookeeper version: {}\n", version());
    if with_clients {
        s.push_str("Clients:\n");
        for c in &v.conns {
            conn_head(&mut s, c);
            s.push_str(")\n");
        }
        s.push('\n');
    }
    let l = &v.counters.latency;
    let _ = write!(
        s,
        "Latency min/avg/max: {}/{}/{}\nReceived: {}\nSent: {}\nConnections: {}\nOutstanding: 0\n\
         Zxid: 0x{:x}\nMode: standalone\nNode count: {}\n",
        l.min,
        java_avg(l.avg()),
        l.max,
        v.counters.received,
        v.counters.sent,
        v.conns.len(),
        v.zxid,
        v.stats.node_count
    );
    s
}

/// ` /127.0.0.1:4711[1](queued=0,recved=3,sent=3`: how `stat` and `cons`
/// begin a connection's line.
fn conn_head(s: &mut String, c: &ConnView) {
    let _ = write!(
        s,
        " {}[{}](queued={},recved={},sent={}",
        java_addr(&c.peer),
        u8::from(c.session.is_some()),
        c.queued,
        c.received,
        c.sent
    );
}

fn cons(v: &ServerView<'_>) -> String {
    let mut s = String::new();
    for c in &v.conns {
        conn_head(&mut s, c);
        if let Some(sid) = c.session {
            let _ = write!(
                s,
                ",sid=0x{:x},lop={},est={},to={},lcxid=0x{:x},lzxid=0x{:x},lresp={},llat={},\
                 minlat={},avglat={},maxlat={}",
                sid,
                c.last_op,
                c.established_ms,
                c.timeout_ms,
                c.last_cxid,
                c.last_zxid,
                c.last_response_ms,
                c.latency.last,
                c.latency.min,
                c.latency.avg() as i64,
                c.latency.max
            );
        }
        s.push_str(")\n");
    }
    s.push('\n');
    s
}

fn conf(v: &ServerView<'_>) -> String {
    let c = v.config;
    let dir = |p: Option<&std::path::Path>| {
        p.map(|p| p.join("version-2").display().to_string())
            .unwrap_or_default()
    };
    format!(
        "clientPort={}\nsecureClientPort=-1\ndataDir={}\ndataDirSize=0\ndataLogDir={}\n\
         dataLogSize=0\ntickTime={}\nmaxClientCnxns={}\nminSessionTimeout={}\nmaxSessionTimeout={}\n\
         clientPortListenBacklog=-1\nserverId=0\n",
        c.client_port,
        dir(c.data_dir.as_deref()),
        dir(c.log_dir()),
        c.tick_time_ms,
        c.max_client_cnxns,
        c.min_session_timeout_ms(),
        c.max_session_timeout_ms()
    )
}

/// Apache's `envi` lists Java system properties; a server without a JVM has
/// no `java.*` ones, so it prints the others in Apache's order and spelling.
fn envi() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string());
    let os_version = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let cwd = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    // Java's names for the platform.
    let os_name = match std::env::consts::OS {
        "linux" => "Linux",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        other => other,
    };
    let (free_mb, total_mb) = meminfo_mb();
    format!(
        "Environment:\nzookeeper.version={}\nhost.name={}\njava.io.tmpdir={}\nos.name={}\nos.arch={}\n\
         os.version={}\nuser.name={}\nuser.home={}\nuser.dir={}\nos.memory.free={}MB\n\
         os.memory.max={}MB\nos.memory.total={}MB\n",
        version(),
        host,
        std::env::temp_dir().display(),
        os_name,
        arch,
        os_version,
        env("USER"),
        env("HOME"),
        cwd,
        free_mb,
        total_mb,
        total_mb
    )
}

/// (available, total) memory of the machine in MiB, from /proc/meminfo.
fn meminfo_mb() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kb| kb / 1024)
            .unwrap_or(0)
    };
    (field("MemAvailable:"), field("MemTotal:"))
}

fn mntr(v: &ServerView<'_>) -> String {
    let l = &v.counters.latency;
    let st = &v.stats;
    let open_fds = std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0);
    let max_fds = crate::sys::open_file_limit();
    let rows: Vec<(&str, String)> = vec![
        ("zk_version", version()),
        ("zk_server_state", "standalone".into()),
        ("zk_ephemerals_count", st.ephemeral_count.to_string()),
        ("zk_num_alive_connections", v.conns.len().to_string()),
        ("zk_avg_latency", java_avg(l.avg())),
        ("zk_outstanding_requests", "0".into()),
        ("zk_znode_count", st.node_count.to_string()),
        ("zk_global_sessions", v.sessions.len().to_string()),
        ("zk_local_sessions", "0".into()),
        ("zk_packets_sent", v.counters.sent.to_string()),
        ("zk_packets_received", v.counters.received.to_string()),
        ("zk_watch_count", st.watch_count.to_string()),
        ("zk_min_latency", l.min.to_string()),
        ("zk_max_latency", l.max.to_string()),
        ("zk_max_file_descriptor_count", max_fds.to_string()),
        ("zk_open_file_descriptor_count", open_fds.to_string()),
        (
            "zk_approximate_data_size",
            st.approximate_data_size.to_string(),
        ),
        ("zk_uptime", (v.now_ms - v.started_ms).to_string()),
    ];
    let mut s = String::new();
    for (k, val) in rows {
        let _ = writeln!(s, "{k}\t{val}");
    }
    s
}

fn wchs(v: &ServerView<'_>) -> String {
    let st = &v.stats;
    format!(
        "{} connections watching {} paths\nTotal watches:{}\n",
        st.watching_sessions,
        st.watched_paths,
        // Apache's wchs counts data and exist watches; mntr counts all.
        st.data_watch_count
    )
}

fn wchc(v: &ServerView<'_>) -> String {
    let mut s = String::new();
    for (sid, paths) in &v.stats.watches_by_session {
        let _ = writeln!(s, "0x{sid:x}");
        for p in paths {
            let _ = writeln!(s, "\t{p}");
        }
    }
    s.push('\n');
    s
}

fn wchp(v: &ServerView<'_>) -> String {
    let mut s = String::new();
    for (path, sids) in &v.stats.sessions_by_path {
        let _ = writeln!(s, "{path}");
        for sid in sids {
            let _ = writeln!(s, "\t0x{sid:x}");
        }
    }
    s.push('\n');
    s
}

fn dump(v: &ServerView<'_>) -> String {
    let buckets: Vec<(i64, Vec<i64>)> = v.sessions.buckets().collect();
    let mut s = format!(
        "SessionTracker dump:\nSession Sets ({})/({}):\n",
        buckets.len(),
        v.sessions.len()
    );
    for (t, ids) in &buckets {
        let _ = writeln!(s, "{} expire at {}:", ids.len(), java_date(*t));
        for id in ids {
            let _ = writeln!(s, "\t0x{id:x}");
        }
    }
    let _ = writeln!(
        s,
        "ephemeral nodes dump:\nSessions with Ephemerals ({}):",
        v.stats.ephemerals_by_session.len()
    );
    for (sid, paths) in &v.stats.ephemerals_by_session {
        let _ = writeln!(s, "0x{sid:x}:");
        for p in paths {
            let _ = writeln!(s, "\t{p}");
        }
    }
    let _ = writeln!(
        s,
        "Connections dump:\nConnections Sets (1)/({}):",
        v.conns.len()
    );
    let _ = writeln!(s, "{} expire at {}:", v.conns.len(), java_date(v.now_ms));
    for c in &v.conns {
        let _ = writeln!(
            s,
            "\tip: {} sessionId: 0x{:x}",
            java_addr(&c.peer),
            c.session.unwrap_or(0)
        );
    }
    s
}

/// `Mon Nov 23 15:07:40 UTC 2026`, as Java's `Date.toString` in UTC.
fn java_date(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        WD[days.rem_euclid(7) as usize],
        MO[(m - 1) as usize],
        d,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        y
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_words_only_at_the_start() {
        assert_eq!(word(b"ruok"), Some("ruok"));
        assert_eq!(word(b"mntr"), Some("mntr"));
        assert_eq!(word(&[0, 0, 0, 44]), None);
    }

    #[test]
    fn averages_print_as_java_doubles() {
        assert_eq!(java_avg(0.0), "0.0");
        assert_eq!(java_avg(14.357_142), "14.3571");
        assert_eq!(java_avg(2.0), "2.0");
    }

    #[test]
    fn dates_print_as_java_does() {
        // 2026-11-23T15:07:40Z
        assert_eq!(java_date(1_795_446_460_000), "Mon Nov 23 15:07:40 UTC 2026");
        assert_eq!(java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
    }
}
