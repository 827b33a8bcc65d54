//! Start-up recovery (the newest valid snapshot, then the log after it) and
//! purging of files no recovery needs any more.

use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};

use zkrs_proto::records::{Acl, Stat};

use super::log::{data_len, scan};
use super::snapshot::{SnapshotReader, TMP_SUFFIX};
use super::{list_files, sync_dir, DataDirs, StorageError, LOG_PREFIX, SNAPSHOT_PREFIX};
use crate::core::storage::TxnRecord;

/// Receives what recovery reads: a snapshot's entries, then the logged
/// transactions after it.
pub trait RecoverySink {
    /// A snapshot failed half-way: forget everything and start from empty.
    fn reset(&mut self);
    fn session(&mut self, id: i64, timeout_ms: i32);
    fn acl_list(&mut self, index: u32, acl: Vec<Acl>);
    fn node(
        &mut self,
        path: &str,
        data: Option<&[u8]>,
        acl_index: u32,
        stat: Stat,
        seq: i32,
    ) -> Result<(), String>;
    /// The snapshot's entries are all in (its nodes come in any order).
    fn snapshot_end(&mut self) -> Result<(), String> {
        Ok(())
    }
    /// A log record after the snapshot, in zxid order.
    fn txn(&mut self, record: TxnRecord) -> Result<(), String>;
    /// How many nodes the snapshot about to be loaded holds (from its
    /// verified trailer), so that the tree is sized once.
    fn reserve(&mut self, _nodes: u64) {}
}

/// What recovery found.
#[derive(Debug)]
pub struct Recovered {
    /// The snapshot the state started from, and its zxid.
    pub snapshot: Option<(PathBuf, i64)>,
    /// The zxid of the last transaction restored (0 for an empty store).
    pub last_zxid: i64,
    /// Log records handed to `RecoverySink::txn`.
    pub replayed: u64,
    /// A torn last chunk that was cut off: the file, the offset it was cut
    /// at and how many bytes of it went (preallocated zeros not counted).
    pub torn_tail: Option<(PathBuf, u64, u64)>,
    /// Newer snapshots that did not verify and were passed over.
    pub skipped_snapshots: Vec<(PathBuf, StorageError)>,
}

/// Restores the state into `sink`. Cuts off a torn tail and removes log
/// files holding nothing, so that the log can go on after the last record.
pub fn recover(dirs: &DataDirs, sink: &mut dyn RecoverySink) -> Result<Recovered, StorageError> {
    remove_stale_temp_files(dirs.snap_dir())?;
    let snaps = list_files(dirs.snap_dir(), SNAPSHOT_PREFIX)
        .map_err(|e| StorageError::io(dirs.snap_dir(), e))?;
    let logs =
        list_files(dirs.log_dir(), LOG_PREFIX).map_err(|e| StorageError::io(dirs.log_dir(), e))?;

    let mut skipped: Vec<(PathBuf, StorageError)> = Vec::new();
    let mut skipped_zxids = Vec::new();
    let mut snapshot = None;
    let mut fed = false;
    for (zxid, path) in snaps.iter().rev() {
        match load_snapshot(path, *zxid, sink, &mut fed) {
            Ok(()) => {
                snapshot = Some((path.clone(), *zxid));
                break;
            }
            Err(e) => {
                skipped.push((path.clone(), e));
                skipped_zxids.push(*zxid);
            }
        }
    }
    if snapshot.is_none() && !skipped.is_empty() {
        // No older snapshot to fall back on: starting empty would lose data.
        return Err(skipped.swap_remove(0).1);
    }
    let snap_zxid = snapshot.as_ref().map_or(0, |s| s.1);

    let mut out = Recovered {
        snapshot,
        last_zxid: snap_zxid,
        replayed: 0,
        torn_tail: None,
        skipped_snapshots: Vec::new(),
    };
    match logs.iter().rposition(|(first, _)| *first <= snap_zxid + 1) {
        Some(start) => replay_logs(&logs[start..], snap_zxid, sink, &mut out)?,
        None if !logs.is_empty() => {
            return Err(StorageError::MissingLog {
                dir: dirs.log_dir().into(),
                snapshot_zxid: snap_zxid,
                expected: snap_zxid + 1,
            })
        }
        None => {}
    }
    // A newer snapshot may be passed over only if the log still holds
    // everything it held.
    for (i, zxid) in skipped_zxids.iter().enumerate() {
        if *zxid > out.last_zxid {
            return Err(skipped.swap_remove(i).1);
        }
    }
    out.skipped_snapshots = skipped;
    Ok(out)
}

fn load_snapshot(
    path: &Path,
    name_zxid: i64,
    sink: &mut dyn RecoverySink,
    fed: &mut bool,
) -> Result<(), StorageError> {
    let file = std::fs::File::open(path).map_err(|e| StorageError::io(path, e))?;
    let snapshot = SnapshotReader::open(&file, path)?;
    let zxid = snapshot.zxid();
    if zxid != name_zxid {
        return Err(StorageError::corrupt(
            path,
            16,
            format!("snapshot holds zxid {zxid:#x}, its name says {name_zxid:#x}"),
        ));
    }
    snapshot.check_crc()?;
    if *fed {
        sink.reset();
    }
    *fed = true;
    snapshot.decode_entries(sink)?;
    sink.snapshot_end()
        .map_err(|reason| StorageError::Rejected {
            path: path.into(),
            offset: snapshot.len(),
            reason,
        })
}

/// Replays `files` (the first starts at or before `snap_zxid + 1`) into
/// `sink`, checking that zxids run on without gaps or repeats.
fn replay_logs(
    files: &[(i64, PathBuf)],
    snap_zxid: i64,
    sink: &mut dyn RecoverySink,
    out: &mut Recovered,
) -> Result<(), StorageError> {
    let mut expected = files[0].0;
    for (k, (name_zxid, path)) in files.iter().enumerate() {
        let buf = std::fs::read(path).map_err(|e| StorageError::io(path, e))?;
        let scanned =
            scan(&buf).map_err(|(offset, reason)| StorageError::corrupt(path, offset, reason))?;
        if let Some(bad) = &scanned.bad {
            if let Some(valid) = bad.valid_later {
                return Err(StorageError::corrupt(
                    path,
                    bad.offset,
                    format!("{} (a valid chunk follows at offset {valid})", bad.reason),
                ));
            }
        }
        if k > 0 && *name_zxid != expected {
            return Err(StorageError::Gap {
                path: path.clone(),
                offset: 0,
                expected,
                found: *name_zxid,
            });
        }
        for chunk in &scanned.chunks {
            if chunk.first_zxid != expected {
                return Err(StorageError::Gap {
                    path: path.clone(),
                    offset: chunk.offset,
                    expected,
                    found: chunk.first_zxid,
                });
            }
            if chunk.last_zxid() > snap_zxid {
                chunk.for_each_record(path, |rec| {
                    if rec.zxid <= snap_zxid {
                        return Ok(());
                    }
                    let zxid = rec.zxid;
                    sink.txn(rec).map_err(|reason| StorageError::Rejected {
                        path: path.clone(),
                        offset: chunk.offset,
                        reason: format!("zxid {zxid:#x}: {reason}"),
                    })?;
                    out.replayed += 1;
                    Ok(())
                })?;
            }
            expected = chunk.last_zxid() + 1;
        }
        if let Some(bad) = &scanned.bad {
            // A torn tail is only acceptable where the log went on at the
            // next zxid: in the last file, or before a file that starts there.
            if let Some((next_zxid, _)) = files.get(k + 1) {
                if *next_zxid != expected {
                    return Err(StorageError::corrupt(path, bad.offset, bad.reason.clone()));
                }
            }
            cut(path, scanned.end).map_err(|e| StorageError::io(path, e))?;
            let cut_bytes = (data_len(&buf) as u64).saturating_sub(bad.offset);
            out.torn_tail = Some((path.clone(), bad.offset, cut_bytes));
        } else if buf.len() as u64 > scanned.end && !scanned.chunks.is_empty() {
            // Give back a preallocated tail (all zeros: nothing is lost if
            // this does not reach the disk).
            let _ = OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|f| f.set_len(scanned.end));
        }
        if scanned.chunks.is_empty() {
            // Nothing in it: let the log create a file of that name again.
            std::fs::remove_file(path).map_err(|e| StorageError::io(path, e))?;
            let dir = path.parent().unwrap_or(Path::new("."));
            sync_dir(dir).map_err(|e| StorageError::io(dir, e))?;
        }
    }
    out.last_zxid = out.last_zxid.max(expected - 1);
    Ok(())
}

/// Truncates a log file at `end` durably.
fn cut(path: &Path, end: u64) -> io::Result<()> {
    let f = OpenOptions::new().write(true).open(path)?;
    f.set_len(end)?;
    f.sync_all()
}

/// Removes snapshots a crash left half-written.
fn remove_stale_temp_files(dir: &Path) -> Result<(), StorageError> {
    let entries = std::fs::read_dir(dir).map_err(|e| StorageError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| StorageError::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(SNAPSHOT_PREFIX) && name.ends_with(TMP_SUFFIX) {
            std::fs::remove_file(entry.path()).map_err(|e| StorageError::io(entry.path(), e))?;
        }
    }
    Ok(())
}

/// Keeps the `retain` newest snapshots and the log files needed to recover
/// from the oldest of them; removes older snapshots and logs. Returns what
/// it removed. `retain` must be at least 3, as in Apache.
pub fn purge(dirs: &DataDirs, retain: usize) -> io::Result<Vec<PathBuf>> {
    if retain < 3 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("purge must retain at least 3 snapshots, not {retain}"),
        ));
    }
    let snaps = list_files(dirs.snap_dir(), SNAPSHOT_PREFIX)?;
    let logs = list_files(dirs.log_dir(), LOG_PREFIX)?;
    if snaps.is_empty() {
        return Ok(Vec::new());
    }
    let oldest_zxid = snaps[snaps.len().saturating_sub(retain)].0;
    let mut removed = Vec::new();
    for (zxid, path) in &snaps {
        if *zxid < oldest_zxid {
            std::fs::remove_file(path)?;
            removed.push(path.clone());
        }
    }
    if let Some(needed) = logs
        .iter()
        .rposition(|(first, _)| *first <= oldest_zxid + 1)
    {
        for (_, path) in &logs[..needed] {
            std::fs::remove_file(path)?;
            removed.push(path.clone());
        }
    }
    if !removed.is_empty() {
        sync_dir(dirs.snap_dir())?;
        sync_dir(dirs.log_dir())?;
    }
    Ok(removed)
}
