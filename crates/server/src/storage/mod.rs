//! The server's files: an append-only transaction log and snapshots of the
//! tree and the sessions, in Apache's layout (`<dataDir>/version-2/` for
//! snapshots, `<dataLogDir>/version-2/` for logs) but in a format of our own.
//!
//! # Log files: `log.<hex zxid of the first record>`
//!
//! A 16-byte file header (`ZKRSTXNL`, format version u32 = 1, four zero
//! bytes), then one chunk per sync. A chunk is a 32-byte header followed by
//! its body; all integers are big-endian:
//!
//! | offset | field                                         |
//! |--------|-----------------------------------------------|
//! | 0      | magic `ZKCH`                                  |
//! | 4      | body length u32                               |
//! | 8      | zxid of the first record i64                  |
//! | 16     | record count u32                              |
//! | 20     | CRC-32 (IEEE) of the body u32                 |
//! | 24     | reserved, zero u32                            |
//! | 28     | CRC-32 of header bytes 0..28 u32              |
//!
//! The body holds `count` records with consecutive zxids (see `codec`). The
//! file's data ends at its end or at an all-zero header (the preallocated
//! tail). A chunk that does not verify is a torn tail when no valid chunk
//! follows it (recovery cuts the file there), corruption otherwise.
//!
//! # Snapshot files: `snapshot.<hex zxid>`
//!
//! A 24-byte header (`ZKRSSNAP`, version u32 = 1, four zero bytes, zxid
//! i64), tagged entries, and a trailer. Entries: `1` session (id i64,
//! timeout i32); `2` ACL list (index u32, acl vector); `3` node (path,
//! data buffer with -1 for null, ACL list index u32, the 68-byte jute Stat,
//! seq i32), in any order. Trailer: tag `0`, session count u32,
//! ACL list count u32, node count u64, then the CRC-32 of every byte before
//! it, checked before anything is decoded.

mod codec;
mod dirs;
mod dump;
mod log;
mod recover;
mod snapshot;
#[cfg(test)]
mod tests;

use std::io;
use std::path::PathBuf;

pub use codec::{decode_record, encode_record};
pub use dirs::DataDirs;
pub use dump::{dump_log, dump_snapshot};
pub use log::{LogOptions, TxnLog};
pub use recover::{purge, recover, Recovered, RecoverySink};
pub use snapshot::{write_snapshot_file, SnapshotFile, SnapshotWriter};

/// Why the files could not be opened, read or trusted.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: corrupt record at offset {offset}: {reason}", path.display())]
    Corrupt {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    #[error("{}: zxid gap at offset {offset}: expected {expected:#x}, found {found:#x}", path.display())]
    Gap {
        path: PathBuf,
        offset: u64,
        expected: i64,
        found: i64,
    },
    #[error("missing log: no log file in {} holds zxid {expected:#x} (needed after snapshot zxid {snapshot_zxid:#x})", dir.display())]
    MissingLog {
        dir: PathBuf,
        snapshot_zxid: i64,
        expected: i64,
    },
    #[error("{}: locked by another zkserver using this directory", path.display())]
    Locked { path: PathBuf },
    #[error("{}: at offset {offset}: cannot restore: {reason}", path.display())]
    Rejected {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
}

impl StorageError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> StorageError {
        StorageError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn corrupt(
        path: impl Into<PathBuf>,
        offset: u64,
        reason: impl Into<String>,
    ) -> StorageError {
        StorageError::Corrupt {
            path: path.into(),
            offset,
            reason: reason.into(),
        }
    }
}

const LOG_PREFIX: &str = "log.";
const SNAPSHOT_PREFIX: &str = "snapshot.";

fn log_name(zxid: i64) -> String {
    format!("{LOG_PREFIX}{zxid:x}")
}

fn snapshot_name(zxid: i64) -> String {
    format!("{SNAPSHOT_PREFIX}{zxid:x}")
}

/// The zxid in a `log.<hex>` or `snapshot.<hex>` name with that prefix.
fn parse_name(name: &str, prefix: &str) -> Option<i64> {
    let hex = name.strip_prefix(prefix)?;
    if hex.is_empty() || hex.len() > 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(hex, 16).ok().map(|v| v as i64)
}

/// Files in `dir` named `<prefix><hex zxid>`, sorted by zxid.
fn list_files(dir: &std::path::Path, prefix: &str) -> io::Result<Vec<(i64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if let Some(zxid) = entry
            .file_name()
            .to_str()
            .and_then(|n| parse_name(n, prefix))
        {
            out.push((zxid, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// fsync on a directory, so that a created, renamed or removed entry in it
/// survives a crash.
fn sync_dir(dir: &std::path::Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}
