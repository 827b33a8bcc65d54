//! Connection strings: `host:port[,host:port...][/chroot]`, with IPv4,
//! bracketed IPv6 (`[::1]:2181`) and host names.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};

use thiserror::Error;
use zkrs_proto::path::validate_path;

/// Why a connection string or its hosts cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HostsError {
    #[error("no host in connection string {0:?}")]
    Empty(String),
    #[error("host {0:?} has no valid port")]
    BadPort(String),
    #[error("host {0:?} is malformed")]
    BadHost(String),
    #[error("invalid chroot path {0:?}")]
    BadChroot(String),
    #[error("cannot resolve {host:?}: {reason}")]
    Resolve { host: String, reason: String },
}

impl HostsError {
    /// The errno Apache's zookeeper_init leaves for this failure.
    pub fn errno(&self) -> i32 {
        match self {
            // getaddrinfo's "no such name", as Apache maps it.
            HostsError::Resolve { .. } => libc::ENOENT,
            _ => libc::EINVAL,
        }
    }
}

/// A parsed connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectString {
    /// `(host, port)` in the order written; hosts are names or IP literals
    /// without brackets.
    pub hosts: Vec<(String, u16)>,
    /// `None` when absent or `/`.
    pub chroot: Option<String>,
}

/// Parses `h1:p1,h2:p2/chroot`. Empty entries between commas are skipped,
/// as Apache's tokenizer does.
pub fn parse(s: &str) -> Result<ConnectString, HostsError> {
    let (list, chroot) = match s.find('/') {
        Some(i) => (&s[..i], Some(&s[i..])),
        None => (s, None),
    };
    let chroot = match chroot {
        None | Some("/") => None,
        Some(c) => {
            validate_path(c, false).map_err(|_| HostsError::BadChroot(c.to_string()))?;
            Some(c.to_string())
        }
    };
    let mut hosts = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        hosts.push(parse_host(entry)?);
    }
    if hosts.is_empty() {
        return Err(HostsError::Empty(s.to_string()));
    }
    Ok(ConnectString { hosts, chroot })
}

fn parse_host(entry: &str) -> Result<(String, u16), HostsError> {
    let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| HostsError::BadHost(entry.to_string()))?;
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| HostsError::BadPort(entry.to_string()))?;
        (h, port)
    } else {
        entry
            .rsplit_once(':')
            .ok_or_else(|| HostsError::BadPort(entry.to_string()))?
    };
    if host.is_empty() {
        return Err(HostsError::BadHost(entry.to_string()));
    }
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| HostsError::BadPort(entry.to_string()))?;
    Ok((host.to_string(), port))
}

/// Resolves every host to all its addresses, in order. Hosts that do not
/// resolve are skipped, as Apache does; only a list where none resolves is
/// an error.
pub fn resolve(hosts: &[(String, u16)]) -> Result<Vec<SocketAddr>, HostsError> {
    let mut out = Vec::new();
    let mut last_error = String::from("no address");
    for (host, port) in hosts {
        match (host.as_str(), *port).to_socket_addrs() {
            Ok(addrs) => {
                for a in addrs {
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
            Err(e) => last_error = e.to_string(),
        }
    }
    if out.is_empty() {
        return Err(HostsError::Resolve {
            host: hosts
                .iter()
                .map(|(h, p)| format!("{h}:{p}"))
                .collect::<Vec<_>>()
                .join(","),
            reason: last_error,
        });
    }
    Ok(out)
}

static DETERMINISTIC: AtomicBool = AtomicBool::new(false);

/// `zoo_deterministic_conn_order`: when set, servers are tried in the order
/// written instead of shuffled. Process-wide, as in Apache.
pub fn set_deterministic_conn_order(yes: bool) {
    DETERMINISTIC.store(yes, Ordering::Relaxed);
}

pub fn deterministic_conn_order() -> bool {
    DETERMINISTIC.load(Ordering::Relaxed)
}

/// Shuffles `addrs` unless deterministic order is set.
pub fn permute(addrs: &mut [SocketAddr]) {
    if deterministic_conn_order() || addrs.len() < 2 {
        return;
    }
    let mut seed = seed();
    for i in (1..addrs.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        addrs.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

fn seed() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (t ^ ((std::process::id() as u64) << 32)) | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_ipv6_and_chroot() {
        let c = parse("127.0.0.1:2181,[::1]:2182,localhost:3/app/x").unwrap();
        assert_eq!(
            c.hosts,
            vec![
                ("127.0.0.1".to_string(), 2181),
                ("::1".to_string(), 2182),
                ("localhost".to_string(), 3)
            ]
        );
        assert_eq!(c.chroot.as_deref(), Some("/app/x"));
        assert_eq!(parse("a:1/").unwrap().chroot, None);
        assert_eq!(parse("a:1,,b:2").unwrap().hosts.len(), 2);
    }

    #[test]
    fn rejects_bad_strings() {
        assert!(matches!(parse(""), Err(HostsError::Empty(_))));
        assert!(matches!(parse("/chroot"), Err(HostsError::Empty(_))));
        assert!(matches!(parse("host"), Err(HostsError::BadPort(_))));
        assert!(matches!(parse("host:x"), Err(HostsError::BadPort(_))));
        assert!(matches!(parse("host:0"), Err(HostsError::BadPort(_))));
        assert!(matches!(parse("[::1]2181"), Err(HostsError::BadPort(_))));
        assert!(matches!(parse("[::1:2181"), Err(HostsError::BadHost(_))));
        assert!(matches!(parse(":2181"), Err(HostsError::BadHost(_))));
        assert!(matches!(parse("a:1/b/"), Err(HostsError::BadChroot(_))));
        assert!(matches!(parse("a:1//b"), Err(HostsError::BadChroot(_))));
    }

    #[test]
    fn resolves_literals_and_names() {
        let c = parse("127.0.0.1:5,[::1]:6,localhost:7").unwrap();
        let addrs = resolve(&c.hosts).unwrap();
        assert_eq!(addrs[0], "127.0.0.1:5".parse().unwrap());
        assert_eq!(addrs[1], "[::1]:6".parse().unwrap());
        assert!(addrs[2..].iter().all(|a| a.port() == 7));
        assert!(resolve(&[("no-such-host.invalid".into(), 1)]).is_err());
        let some = resolve(&[("no-such-host.invalid".into(), 1), ("127.0.0.1".into(), 2)]);
        assert_eq!(some.unwrap(), vec!["127.0.0.1:2".parse().unwrap()]);
    }

    #[test]
    fn permutation_keeps_every_address() {
        let mut addrs: Vec<SocketAddr> = (1..=20)
            .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
            .collect();
        let orig = addrs.clone();
        permute(&mut addrs);
        let mut sorted = addrs.clone();
        sorted.sort();
        assert_eq!(sorted, orig);
    }
}
