//! Server configuration: the zoo.cfg keys a standalone Apache ZooKeeper
//! reads, with Apache's defaults. Unknown keys are reported as warnings;
//! bad values and ensemble settings are errors.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("line {line}: expected key=value, got {text:?}")]
    Syntax { line: usize, text: String },
    #[error("line {line}: invalid value {value:?} for {key}: {reason}")]
    BadValue {
        line: usize,
        key: String,
        value: String,
        reason: String,
    },
    #[error(
        "line {line}: {key} configures an ensemble; zkserver is a standalone server only \
         (run Apache ZooKeeper for an ensemble of several servers)"
    )]
    Ensemble { line: usize, key: String },
    #[error("minSessionTimeout ({min} ms) is larger than maxSessionTimeout ({max} ms)")]
    TimeoutRange { min: i32, max: i32 },
}

/// Which four-letter words the server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whitelist {
    All,
    Only(HashSet<String>),
}

impl Whitelist {
    pub fn allows(&self, word: &str) -> bool {
        match self {
            Whitelist::All => true,
            Whitelist::Only(set) => set.contains(word),
        }
    }
}

/// The settings of one server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub tick_time_ms: i32,
    pub data_dir: Option<PathBuf>,
    pub data_log_dir: Option<PathBuf>,
    pub client_port: u16,
    pub client_port_address: IpAddr,
    /// Connections allowed from one IP address; 0 is unlimited.
    pub max_client_cnxns: u32,
    /// None: two ticks (see `min_session_timeout_ms()`).
    pub min_session_timeout_ms: Option<i32>,
    /// None: twenty ticks (see `max_session_timeout_ms()`).
    pub max_session_timeout_ms: Option<i32>,
    pub four_letter_whitelist: Whitelist,
    /// The largest frame and znode payload accepted (`jute.maxbuffer`).
    pub max_buffer: usize,
    /// `super:<base64 sha1 digest>`: the identity allowed everything.
    pub super_digest: Option<String>,
    pub autopurge_snap_retain_count: u32,
    pub autopurge_purge_interval_hours: u32,
    pub force_sync: bool,
    pub snap_count: u64,
    /// Log preallocation step in bytes (`preAllocSize`, in KiB, as Apache's
    /// `zookeeper.preAllocSize`, which an unknown zoo.cfg key becomes).
    pub prealloc_bytes: u64,
    /// How long a connection may stay without a session (Apache's
    /// `zookeeper.nio.sessionlessCnxnTimeout`, also accepted in zoo.cfg).
    pub sessionless_cnxn_timeout_ms: i64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            tick_time_ms: 2000,
            data_dir: None,
            data_log_dir: None,
            client_port: 2181,
            client_port_address: IpAddr::from([127, 0, 0, 1]),
            max_client_cnxns: 60,
            min_session_timeout_ms: None,
            max_session_timeout_ms: None,
            four_letter_whitelist: Whitelist::Only(["srvr".to_string()].into_iter().collect()),
            max_buffer: zkrs_proto::consts::DEFAULT_MAX_BUFFER,
            super_digest: None,
            autopurge_snap_retain_count: 3,
            autopurge_purge_interval_hours: 0,
            force_sync: true,
            snap_count: 100_000,
            prealloc_bytes: 64 << 20,
            sessionless_cnxn_timeout_ms: 10_000,
        }
    }
}

impl ServerConfig {
    /// Apache's default: two ticks.
    pub fn min_session_timeout_ms(&self) -> i32 {
        self.min_session_timeout_ms.unwrap_or(2 * self.tick_time_ms)
    }

    /// Apache's default: twenty ticks.
    pub fn max_session_timeout_ms(&self) -> i32 {
        self.max_session_timeout_ms
            .unwrap_or(20 * self.tick_time_ms)
    }

    pub fn set_session_timeouts(&mut self, min: Option<i32>, max: Option<i32>) {
        self.min_session_timeout_ms = min;
        self.max_session_timeout_ms = max;
    }

    /// Where the transaction log goes: dataLogDir, else dataDir.
    pub fn log_dir(&self) -> Option<&Path> {
        self.data_log_dir.as_deref().or(self.data_dir.as_deref())
    }

    pub fn load(path: &Path) -> Result<(ServerConfig, Vec<String>), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::parse(&text)
    }

    /// Parses zoo.cfg text; returns the config and warnings for keys it
    /// does not use.
    pub fn parse(text: &str) -> Result<(ServerConfig, Vec<String>), ConfigError> {
        let mut cfg = ServerConfig::default();
        let mut warnings = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let Some((key, value)) = l.split_once('=') else {
                return Err(ConfigError::Syntax {
                    line,
                    text: l.to_string(),
                });
            };
            let (key, value) = (key.trim(), value.trim());
            let bad = |reason: &str| ConfigError::BadValue {
                line,
                key: key.to_string(),
                value: value.to_string(),
                reason: reason.to_string(),
            };
            let int = |lo: i64, hi: i64| -> Result<i64, ConfigError> {
                let v: i64 = value.parse().map_err(|_| bad("not an integer"))?;
                if v < lo || v > hi {
                    return Err(bad(&format!("must be between {lo} and {hi}")));
                }
                Ok(v)
            };
            match key {
                "tickTime" => cfg.tick_time_ms = int(1, 3_600_000)? as i32,
                "dataDir" => cfg.data_dir = Some(PathBuf::from(value)),
                "dataLogDir" => cfg.data_log_dir = Some(PathBuf::from(value)),
                "clientPort" => cfg.client_port = int(0, 65535)? as u16,
                "clientPortAddress" => {
                    cfg.client_port_address = value
                        .trim_matches(|c| c == '[' || c == ']')
                        .parse()
                        .map_err(|_| bad("not an IP address"))?
                }
                "maxClientCnxns" => cfg.max_client_cnxns = int(0, u32::MAX as i64)? as u32,
                "minSessionTimeout" => {
                    cfg.min_session_timeout_ms =
                        Some(int(-1, i32::MAX as i64)? as i32).filter(|v| *v >= 0)
                }
                "maxSessionTimeout" => {
                    cfg.max_session_timeout_ms =
                        Some(int(-1, i32::MAX as i64)? as i32).filter(|v| *v >= 0)
                }
                "4lw.commands.whitelist" => cfg.four_letter_whitelist = parse_whitelist(value),
                "jute.maxbuffer" => cfg.max_buffer = int(1024, i32::MAX as i64)? as usize,
                "superDigest" | "zookeeper.DigestAuthenticationProvider.superDigest" => {
                    let Some((user, digest)) = value.split_once(':') else {
                        return Err(bad("expected user:base64-digest"));
                    };
                    if user.is_empty() || digest.is_empty() {
                        return Err(bad("expected user:base64-digest"));
                    }
                    cfg.super_digest = Some(value.to_string())
                }
                "autopurge.snapRetainCount" => {
                    // Apache raises values below 3 to 3.
                    cfg.autopurge_snap_retain_count = (int(0, u32::MAX as i64)? as u32).max(3)
                }
                "autopurge.purgeInterval" => {
                    cfg.autopurge_purge_interval_hours = int(0, u32::MAX as i64)? as u32
                }
                "forceSync" => {
                    cfg.force_sync = match value {
                        "yes" | "true" => true,
                        "no" | "false" => false,
                        _ => return Err(bad("expected yes or no")),
                    }
                }
                "snapCount" => cfg.snap_count = int(2, i64::MAX)? as u64,
                "preAllocSize" => cfg.prealloc_bytes = int(1, i64::MAX >> 10)? as u64 * 1024,
                "zookeeper.nio.sessionlessCnxnTimeout" => {
                    cfg.sessionless_cnxn_timeout_ms = int(1, i32::MAX as i64)?
                }
                k if k.starts_with("server.")
                    || k == "initLimit"
                    || k == "syncLimit"
                    || k == "dynamicConfigFile"
                    || k.starts_with("group.")
                    || k.starts_with("weight.") =>
                {
                    return Err(ConfigError::Ensemble {
                        line,
                        key: key.to_string(),
                    })
                }
                _ => warnings.push(format!(
                    "line {line}: unknown key {key} ignored (zkserver does not use it)"
                )),
            }
        }
        if cfg.min_session_timeout_ms() > cfg.max_session_timeout_ms() {
            return Err(ConfigError::TimeoutRange {
                min: cfg.min_session_timeout_ms(),
                max: cfg.max_session_timeout_ms(),
            });
        }
        Ok((cfg, warnings))
    }
}

fn parse_whitelist(value: &str) -> Whitelist {
    let words: HashSet<String> = value
        .split(',')
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect();
    if words.contains("*") {
        Whitelist::All
    } else {
        Whitelist::Only(words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_apache() {
        let (c, w) = ServerConfig::parse("").unwrap();
        assert!(w.is_empty());
        assert_eq!(c.tick_time_ms, 2000);
        assert_eq!(c.min_session_timeout_ms(), 4000);
        assert_eq!(c.max_session_timeout_ms(), 40000);
        assert!(c.four_letter_whitelist.allows("srvr"));
        assert!(!c.four_letter_whitelist.allows("ruok"));
        assert_eq!(c.max_buffer, 0xfffff);
        assert_eq!(c.sessionless_cnxn_timeout_ms, 10_000);
    }

    #[test]
    fn reads_the_keys_it_knows_and_warns_about_others() {
        let text = "# comment\ntickTime=500\ndataDir=/tmp/x\nclientPort=0\n\
                    4lw.commands.whitelist=ruok, stat\nminSessionTimeout=700\nfoo=bar\n";
        let (c, w) = ServerConfig::parse(text).unwrap();
        assert_eq!(c.tick_time_ms, 500);
        assert_eq!(c.min_session_timeout_ms(), 700);
        assert_eq!(c.max_session_timeout_ms(), 10000);
        assert_eq!(c.data_dir.as_deref(), Some(Path::new("/tmp/x")));
        assert_eq!(c.log_dir(), Some(Path::new("/tmp/x")));
        assert!(c.four_letter_whitelist.allows("stat"));
        assert!(!c.four_letter_whitelist.allows("srvr"));
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("foo"));
        let (c, _) = ServerConfig::parse("4lw.commands.whitelist=*").unwrap();
        assert!(c.four_letter_whitelist.allows("dump"));
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(matches!(
            ServerConfig::parse("tickTime=abc"),
            Err(ConfigError::BadValue { line: 1, .. })
        ));
        assert!(matches!(
            ServerConfig::parse("\nclientPort=70000"),
            Err(ConfigError::BadValue { line: 2, .. })
        ));
        assert!(matches!(
            ServerConfig::parse("justtext"),
            Err(ConfigError::Syntax { .. })
        ));
        assert!(matches!(
            ServerConfig::parse("forceSync=maybe"),
            Err(ConfigError::BadValue { .. })
        ));
        assert!(matches!(
            ServerConfig::parse("minSessionTimeout=50000\nmaxSessionTimeout=1000"),
            Err(ConfigError::TimeoutRange { .. })
        ));
    }

    #[test]
    fn ensembles_are_refused_naming_apache() {
        let err = ServerConfig::parse("server.1=a:2888:3888").unwrap_err();
        assert!(matches!(err, ConfigError::Ensemble { line: 1, .. }));
        assert!(err.to_string().contains("Apache ZooKeeper"));
    }
}
