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
    self, DataDirs, LogOptions, RecoverySink, SnapshotWriter, StorageError, TxnLog,
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
    zxid: i64,
    writer: SnapshotWriter,
    /// Nodes share interned ACL lists: each list is written once. Keyed
    /// by address; the list is held so that the address cannot be reused
    /// by another list before the snapshot is complete.
    acl_index: HashMap<usize, (u32, AclList)>,
}

/// Nodes encoded per turn of the event loop: about a millisecond, the
/// most a request arriving meanwhile waits for the snapshot.
const NODES_PER_STEP: usize = 4_096;

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

/// An encoded snapshot: the snapshot thread finishes it (its checksum
/// covers the whole file) and writes it.
struct SnapshotJob {
    zxid: i64,
    writer: SnapshotWriter,
}

/// Snapshots (encoded a slice at a time) and the thread that writes them
/// and runs autopurge.
pub struct Durability {
    snap_count: u64,
    last_snapshot_zxid: i64,
    next_snapshot_zxid: i64,
    jobs: Option<mpsc::Sender<SnapshotJob>>,
    /// Set while a snapshot is being written: the next one waits for it.
    writing: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    rolls: u64,
    encoding: Option<Encoding>,
    /// The size of the last snapshot encoded: the next one's buffer is
    /// made about that large at once rather than regrown as it fills.
    last_snapshot_bytes: usize,
}

impl Durability {
    /// `startup_snapshot`: a snapshot job comes first; the purge at start
    /// waits for it, so that it counts it.
    fn start(
        dirs: DataDirs,
        config: &ServerConfig,
        startup_snapshot: bool,
    ) -> io::Result<Durability> {
        let (tx, rx) = mpsc::channel::<SnapshotJob>();
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
                if startup_snapshot {
                    if let Ok(job) = rx.recv() {
                        write_snapshot(&dirs, job, &busy);
                    }
                }
                snapshot_thread(dirs, rx, busy, retain, purge_every)
            })?;
        Ok(Durability {
            snap_count: config.snap_count.max(2),
            last_snapshot_zxid: -1,
            next_snapshot_zxid: 0,
            jobs: Some(tx),
            writing,
            thread: Some(thread),
            rolls: 0,
            encoding: None,
            last_snapshot_bytes: 0,
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

    /// Encodes the next slice of the snapshot under way; when it is
    /// complete, hands it to the snapshot thread. Returns whether one is
    /// still under way (the caller comes back soon rather than sleeping).
    pub fn step(&mut self, processor: &mut Processor, budget: usize) -> bool {
        let Some(e) = self.encoding.as_mut() else {
            return false;
        };
        let done = processor.snapshot_step(budget, |path, node| {
            let key = Arc::as_ptr(&node.acl) as usize;
            let i = match e.acl_index.get(&key) {
                Some((i, _)) => *i,
                None => {
                    let i = e.writer.acl_list(&node.acl);
                    e.acl_index.insert(key, (i, node.acl.clone()));
                    i
                }
            };
            e.writer
                .node(path, node.data.as_deref(), i, &node.stat, node.seq);
        });
        if !done {
            return true;
        }
        let Some(e) = self.encoding.take() else {
            return false;
        };
        self.last_snapshot_bytes = e.writer.encoded_len();
        let job = SnapshotJob {
            zxid: e.zxid,
            writer: e.writer,
        };
        self.writing.store(true, Ordering::Release);
        if let Some(tx) = &self.jobs {
            if tx.send(job).is_err() {
                self.writing.store(false, Ordering::Release);
            }
        }
        false
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
        // A little room to grow over the last one.
        let guess = self.last_snapshot_bytes + self.last_snapshot_bytes / 8;
        let mut writer = SnapshotWriter::with_capacity(zxid, guess);
        for (id, timeout) in processor.session_timeouts() {
            writer.session(id, timeout);
        }
        processor.begin_snapshot();
        self.encoding = Some(Encoding {
            zxid,
            writer,
            acl_index: HashMap::new(),
        });
    }
}

impl Drop for Durability {
    fn drop(&mut self) {
        // Closing the channel ends the thread once the last snapshot is
        // written.
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn snapshot_thread(
    dirs: DataDirs,
    jobs: mpsc::Receiver<SnapshotJob>,
    writing: Arc<AtomicBool>,
    retain: usize,
    purge_every: Option<Duration>,
) {
    // Apache's purge task first runs at start, then every interval.
    let mut next_purge = purge_every.map(|_| Instant::now());
    loop {
        if let (Some(at), Some(every)) = (next_purge, purge_every) {
            if Instant::now() >= at {
                match storage::purge(&dirs, retain) {
                    Ok(removed) => report_purge(&removed),
                    Err(e) => eprintln!("zkserver: autopurge failed: {e}"),
                }
                next_purge = Some(Instant::now() + every);
            }
        }
        let job = match next_purge {
            Some(at) => match jobs.recv_timeout(at.saturating_duration_since(Instant::now())) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            },
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        write_snapshot(&dirs, job, &writing);
    }
}

fn write_snapshot(dirs: &DataDirs, job: SnapshotJob, writing: &AtomicBool) {
    let bytes = job.writer.finish();
    if let Err(e) = storage::write_snapshot_file(dirs, job.zxid, &bytes) {
        // The log still holds everything: a missing snapshot only makes
        // the next recovery longer.
        eprintln!(
            "zkserver: could not write the snapshot at zxid 0x{:x}: {e}",
            job.zxid
        );
    }
    writing.store(false, Ordering::Release);
}

fn report_purge(removed: &[PathBuf]) {
    for f in removed {
        eprintln!("zkserver: autopurge removed {}", f.display());
    }
}
