//! Ties the processor to the data directory: recovery at start (the newest
//! valid snapshot, then the log after it), snapshots after `snapCount`
//! transactions, and autopurge.
//!
//! A snapshot begins when the tree holds exactly the durable state; the
//! log rolls to a new file at that zxid, so that recovery reads the
//! snapshot plus the files after it. The serving thread encodes it a slice
//! per turn while requests go on (the tree keeps a copy of what changes
//! before the walk reaches it), and a background thread writes it (temp
//! file, fsync, rename) and runs autopurge.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use zkrs_proto::records::{Acl, Stat};

use crate::config::ServerConfig;
use crate::core::storage::TxnRecord;
use crate::core::tree::AclList;
use crate::sessions::SessionTracker;
use crate::storage::{
    self, DataDirs, LogOptions, RecoverySink, SnapshotFile, SnapshotWriter, StorageError, TxnLog,
};
use crate::{Processor, ProcessorOptions};

/// Loads recovered state into a processor.
struct Loader<'a> {
    processor: &'a mut Processor,
    /// ACL lists of the snapshot, by their index in it.
    acls: Vec<Option<AclList>>,
    /// Whether the snapshot's first item arrived (the tree was emptied).
    loading: bool,
}

impl Loader<'_> {
    fn begin(&mut self) {
        if !self.loading {
            self.processor.restore_begin();
            self.loading = true;
        }
    }
}

impl RecoverySink for Loader<'_> {
    fn reset(&mut self) {
        self.processor.restore_reset();
        self.acls.clear();
        self.loading = false;
    }

    fn session(&mut self, id: i64, timeout_ms: i32) {
        self.begin();
        self.processor.restore_session(id, timeout_ms);
    }

    fn acl_list(&mut self, index: u32, acl: Vec<Acl>) {
        self.begin();
        let index = index as usize;
        if self.acls.len() <= index {
            self.acls.resize(index + 1, None);
        }
        self.acls[index] = Some(self.processor.restore_acl(acl));
    }

    fn node(
        &mut self,
        path: &str,
        data: Option<&[u8]>,
        acl_index: u32,
        stat: Stat,
        seq: i32,
    ) -> Result<(), String> {
        self.begin();
        let acl = self
            .acls
            .get(acl_index as usize)
            .cloned()
            .flatten()
            .ok_or_else(|| format!("node {path} refers to unknown ACL list {acl_index}"))?;
        self.processor.restore_node(path, data, acl, stat, seq)
    }

    fn snapshot_end(&mut self) -> Result<(), String> {
        self.processor.restore_finish()
    }

    fn txn(&mut self, record: TxnRecord) -> Result<(), String> {
        self.processor.replay(&record)
    }

    fn reserve(&mut self, nodes: u64) {
        self.begin();
        // Bounded: a count is only a hint, even from a verified file.
        self.processor.reserve_nodes(nodes.min(1 << 28) as usize);
    }
}

/// A snapshot being encoded a slice at a time.
struct Encoding {
    writer: SnapshotWriter,
    /// Nodes share interned ACL lists: each list is written once. Keyed
    /// by address; the list is held so that the address cannot be reused
    /// by another list before the snapshot is complete.
    acl_index: HashMap<usize, (u32, AclList)>,
    /// The last list looked up, by address, and its index: most nodes
    /// carry the same list as the one before.
    last_acl: (usize, u32),
}

/// Nodes encoded per turn of the event loop: about a millisecond, the
/// most a request arriving meanwhile waits for the snapshot.
const NODES_PER_STEP: usize = 4_096;

/// Encoded bytes handed to the snapshot thread at a time: the snapshot is
/// written as it is encoded, never held whole.
const BYTES_PER_PIECE: usize = 1 << 20;

fn storage_error(e: StorageError) -> io::Error {
    io::Error::other(e.to_string())
}

/// The processor and sessions recovered from the data directory, and what
/// keeps them durable from now on.
pub fn open(
    config: &ServerConfig,
    data_dir: &std::path::Path,
    opts: ProcessorOptions,
    now_ms: i64,
) -> io::Result<(Processor, SessionTracker, Durability)> {
    let dirs = DataDirs::open(data_dir, config.data_log_dir.as_deref()).map_err(storage_error)?;
    let mut processor = Processor::new(opts);
    let recovered = {
        let mut loader = Loader {
            processor: &mut processor,
            acls: Vec::new(),
            loading: false,
        };
        storage::recover(&dirs, &mut loader).map_err(storage_error)?
    };
    processor.set_restored_zxid(recovered.last_zxid);
    for (file, err) in &recovered.skipped_snapshots {
        eprintln!(
            "zkserver: skipped snapshot {} ({err}); recovered from an older one",
            file.display()
        );
    }
    if let Some((file, offset, bytes)) = &recovered.torn_tail {
        eprintln!(
            "zkserver: cut a torn record off {} at offset {offset} ({bytes} bytes never acknowledged)",
            file.display()
        );
    }
    let log = TxnLog::open(
        &dirs,
        LogOptions {
            force_sync: config.force_sync,
            prealloc_bytes: config.prealloc_bytes,
        },
    )
    .map_err(storage_error)?;
    processor.set_storage(Box::new(log));
    let mut sessions = SessionTracker::with_secret(config.tick_time_ms, now_ms, dirs.secret());
    // As Apache does, restored sessions get their whole timeout again from
    // now: their clients have that long to come back.
    for (id, timeout) in processor.session_timeouts() {
        sessions.add(id, timeout, now_ms);
    }
    let snapshot_zxid = recovered.snapshot.as_ref().map(|(_, z)| *z);
    let startup_snapshot = snapshot_zxid != Some(processor.last_zxid());
    let mut durability = Durability::start(dirs, config, startup_snapshot)?;
    // After replaying a log (a crash), a snapshot at start, as Apache takes
    // one, keeps the next recovery short and lets autopurge drop the
    // replayed files. A graceful stop leaves a snapshot of the last state,
    // so a restart after it skips this pause.
    if startup_snapshot {
        durability.snapshot(&mut processor);
    } else {
        durability.last_snapshot_zxid = processor.last_zxid();
        durability.next_snapshot_zxid = processor.last_zxid() + durability.snapshot_interval();
    }
    Ok((processor, sessions, durability))
}

/// What the snapshot thread is told: a snapshot begins, its encoded
/// bytes piece by piece, its end (the last bytes; the thread adds the
/// checksum over the whole file).
enum SnapshotPiece {
    Begin(i64),
    Bytes(Vec<u8>),
    End(Vec<u8>),
}

/// Snapshots (encoded a slice at a time) and the thread that writes them
/// and runs autopurge.
pub struct Durability {
    snap_count: u64,
    last_snapshot_zxid: i64,
    next_snapshot_zxid: i64,
    pieces: Option<mpsc::Sender<SnapshotPiece>>,
    /// Set while a snapshot is being written: the next one waits for it.
    writing: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    rolls: u64,
    encoding: Option<Encoding>,
}

impl Durability {
    /// `startup_snapshot`: a snapshot job comes first; the purge at start
    /// waits for it, so that it counts it.
    fn start(
        dirs: DataDirs,
        config: &ServerConfig,
        startup_snapshot: bool,
    ) -> io::Result<Durability> {
        let (tx, rx) = mpsc::channel::<SnapshotPiece>();
        let writing = Arc::new(AtomicBool::new(false));
        let busy = writing.clone();
        let retain = config.autopurge_snap_retain_count.max(3) as usize;
        let purge_every = match config.autopurge_purge_interval_hours {
            0 => None,
            h => Some(Duration::from_secs(u64::from(h) * 3600)),
        };
        let thread = std::thread::Builder::new()
            .name("zkserver-snapshots".into())
            .spawn(move || {
                let mut writer = SnapshotThread {
                    dirs,
                    writing: busy,
                    file: None,
                };
                if startup_snapshot {
                    // The purge at start counts this one.
                    while let Ok(piece) = rx.recv() {
                        if writer.take(piece) {
                            break;
                        }
                    }
                }
                writer.run(rx, retain, purge_every)
            })?;
        Ok(Durability {
            snap_count: config.snap_count.max(2),
            last_snapshot_zxid: -1,
            next_snapshot_zxid: 0,
            pieces: Some(tx),
            writing,
            thread: Some(thread),
            rolls: 0,
            encoding: None,
        })
    }

    /// Transactions between snapshots: as Apache, half of snapCount plus a
    /// random share of the other half, so that servers sharing a disk do
    /// not all snapshot at once.
    fn snapshot_interval(&mut self) -> i64 {
        use std::hash::{BuildHasher, Hasher};
        let half = (self.snap_count / 2).max(1);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(self.rolls);
        (half + h.finish() % half) as i64
    }

    /// A stop: the last state as a snapshot, so that the next start has no
    /// log to replay. Written before the snapshot thread ends.
    pub fn final_snapshot(&mut self, processor: &mut Processor) {
        self.step(processor, usize::MAX);
        if !processor.has_unsynced() && processor.last_zxid() > self.last_snapshot_zxid {
            self.snapshot(processor);
            self.step(processor, usize::MAX);
        }
    }

    /// Whether a snapshot is being encoded.
    pub fn busy(&self) -> bool {
        self.encoding.is_some()
    }

    /// One turn's slice of the snapshot under way; whether one still is.
    pub fn advance(&mut self, processor: &mut Processor) -> bool {
        self.step(processor, NODES_PER_STEP)
    }

    /// Encodes the next slice of the snapshot under way, handing the bytes
    /// to the snapshot thread as they pile up. Returns whether one is still
    /// under way (the caller comes back soon rather than sleeping).
    pub fn step(&mut self, processor: &mut Processor, budget: usize) -> bool {
        let Some(e) = self.encoding.as_mut() else {
            return false;
        };
        let done = processor.snapshot_step(budget, |path, node| {
            let key = Arc::as_ptr(&node.acl) as usize;
            let i = if key == e.last_acl.0 {
                e.last_acl.1
            } else {
                let i = match e.acl_index.get(&key) {
                    Some((i, _)) => *i,
                    None => {
                        let i = e.writer.acl_list(&node.acl);
                        e.acl_index.insert(key, (i, node.acl.clone()));
                        i
                    }
                };
                e.last_acl = (key, i);
                i
            };
            e.writer
                .node(path, node.data.as_deref(), i, &node.stat, node.seq);
        });
        if !done {
            if e.writer.encoded_len() >= BYTES_PER_PIECE {
                let bytes = e.writer.take_bytes();
                self.send(SnapshotPiece::Bytes(bytes));
            }
            return self.encoding.is_some();
        }
        let Some(e) = self.encoding.take() else {
            return false;
        };
        self.send(SnapshotPiece::End(e.writer.finish_streamed()));
        false
    }

    /// Hands a piece to the snapshot thread. Should it be gone, the
    /// snapshot is dropped: the log still holds everything.
    fn send(&mut self, piece: SnapshotPiece) {
        let sent = self
            .pieces
            .as_ref()
            .is_some_and(|tx| tx.send(piece).is_ok());
        if !sent {
            self.encoding = None;
            self.writing.store(false, Ordering::Release);
        }
    }

    /// Called as the log moves along. Takes a snapshot when one is due
    /// and the tree holds exactly the durable state; returns whether one is
    /// due but waits for such a moment (the caller stops applying requests
    /// until then, which takes at most the syncs in flight).
    pub fn after_sync(&mut self, processor: &mut Processor) -> bool {
        if processor.last_zxid() < self.next_snapshot_zxid {
            return false;
        }
        if self.encoding.is_some() || self.writing.load(Ordering::Acquire) {
            // Still taking the last one: try again later, serving meanwhile.
            return false;
        }
        if processor.has_unsynced() {
            return true;
        }
        self.snapshot(processor);
        false
    }

    /// Begins a snapshot of the tree at its last zxid, which is durable;
    /// `step` encodes it while requests go on.
    fn snapshot(&mut self, processor: &mut Processor) {
        processor.roll_log();
        self.rolls += 1;
        let zxid = processor.last_zxid();
        self.last_snapshot_zxid = zxid;
        self.next_snapshot_zxid = zxid + self.snapshot_interval();
        self.writing.store(true, Ordering::Release);
        self.send(SnapshotPiece::Begin(zxid));
        // Room for a piece and the node that makes it overflow.
        let mut writer = SnapshotWriter::with_capacity(zxid, BYTES_PER_PIECE + (64 << 10));
        for (id, timeout) in processor.session_timeouts() {
            writer.session(id, timeout);
        }
        processor.begin_snapshot();
        self.encoding = Some(Encoding {
            writer,
            acl_index: HashMap::new(),
            // No list lives at address 0.
            last_acl: (0, 0),
        });
    }
}

impl Drop for Durability {
    fn drop(&mut self) {
        // Closing the channel ends the thread once the last snapshot is
        // written.
        self.pieces = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The snapshot thread: writes snapshots as their pieces come, and runs
/// autopurge.
struct SnapshotThread {
    dirs: DataDirs,
    /// Cleared when a snapshot is written (or failed).
    writing: Arc<AtomicBool>,
    /// The snapshot being written: its zxid and its file, or why it failed.
    file: Option<(i64, io::Result<SnapshotFile>)>,
}

impl SnapshotThread {
    fn run(
        mut self,
        pieces: mpsc::Receiver<SnapshotPiece>,
        retain: usize,
        purge_every: Option<Duration>,
    ) {
        // Apache's purge task first runs at start, then every interval.
        let mut next_purge = purge_every.map(|_| Instant::now());
        loop {
            if let (Some(at), Some(every)) = (next_purge, purge_every) {
                if Instant::now() >= at {
                    match storage::purge(&self.dirs, retain) {
                        Ok(removed) => report_purge(&removed),
                        Err(e) => eprintln!("zkserver: autopurge failed: {e}"),
                    }
                    next_purge = Some(Instant::now() + every);
                }
            }
            let piece = match next_purge {
                Some(at) => {
                    match pieces.recv_timeout(at.saturating_duration_since(Instant::now())) {
                        Ok(piece) => piece,
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                None => match pieces.recv() {
                    Ok(piece) => piece,
                    Err(_) => return,
                },
            };
            self.take(piece);
        }
    }

    /// Handles one piece; returns whether it ended a snapshot.
    fn take(&mut self, piece: SnapshotPiece) -> bool {
        match piece {
            SnapshotPiece::Begin(zxid) => {
                self.file = Some((zxid, SnapshotFile::create(&self.dirs, zxid)));
                false
            }
            SnapshotPiece::Bytes(bytes) => {
                self.write(&bytes);
                false
            }
            SnapshotPiece::End(bytes) => {
                self.write(&bytes);
                if let Some((zxid, file)) = self.file.take() {
                    if let Err(e) = file.and_then(SnapshotFile::finish) {
                        // The log still holds everything: a missing
                        // snapshot only makes the next recovery longer.
                        eprintln!("zkserver: could not write the snapshot at zxid 0x{zxid:x}: {e}");
                    }
                }
                self.writing.store(false, Ordering::Release);
                true
            }
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        if let Some((_, file)) = self.file.as_mut() {
            if let Ok(f) = file {
                if let Err(e) = f.write(bytes) {
                    // Dropping the file removes it; the rest is ignored.
                    *file = Err(e);
                }
            }
        }
    }
}

fn report_purge(removed: &[PathBuf]) {
    for f in removed {
        eprintln!("zkserver: autopurge removed {}", f.display());
    }
}
