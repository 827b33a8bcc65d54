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
/// Pieces handed to the snapshot thread and not written yet, at most:
/// encoding waits for the disk rather than pile the snapshot up in memory.
const PIECES_IN_FLIGHT: usize = 4;

/// Where a snapshot stands, for the serving thread's loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotProgress {
    /// None is being taken.
    Idle,
    /// One is being encoded: the loop comes back at once.
    Encoding,
    /// One is being encoded but waits for the disk to take pieces: the
    /// loop comes back soon.
    WaitingForDisk,
}

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
    /// Pieces' buffers come back once written, to take the next pieces:
    /// memory just used costs less than fresh memory, which the kernel
    /// must find and clear (and, on a virtual machine, the host back).
    written: mpsc::Receiver<Vec<u8>>,
    /// Written buffers at hand for the next pieces.
    spare: Vec<Vec<u8>>,
    /// Pieces sent and not written yet.
    pieces_out: usize,
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
        let (written_tx, written) = mpsc::channel::<Vec<u8>>();
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
                    written: written_tx,
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
            written,
            spare: Vec::new(),
            pieces_out: 0,
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
        self.finish_encoding(processor);
        if !processor.has_unsynced() && processor.last_zxid() > self.last_snapshot_zxid {
            self.snapshot(processor);
            self.finish_encoding(processor);
        }
    }

    /// Encodes the rest of the snapshot under way, waiting for the disk
    /// as it must.
    fn finish_encoding(&mut self, processor: &mut Processor) {
        loop {
            match self.advance(processor) {
                SnapshotProgress::Idle => return,
                SnapshotProgress::Encoding => {}
                SnapshotProgress::WaitingForDisk => match self.written.recv() {
                    Ok(buf) => self.take_written(buf),
                    // The thread is gone: so is the snapshot.
                    Err(_) => {
                        self.encoding = None;
                        self.writing.store(false, Ordering::Release);
                        return;
                    }
                },
            }
        }
    }

    /// Whether a snapshot is being encoded.
    pub fn busy(&self) -> bool {
        self.encoding.is_some()
    }

    fn take_written(&mut self, buf: Vec<u8>) {
        self.pieces_out = self.pieces_out.saturating_sub(1);
        if self.spare.len() < PIECES_IN_FLIGHT {
            self.spare.push(buf);
        }
    }

    /// Hands the bytes encoded so far to the snapshot thread once they
    /// make a piece and the thread has room; whether they are gone.
    fn send_piece(&mut self) -> bool {
        while let Ok(buf) = self.written.try_recv() {
            self.take_written(buf);
        }
        let Some(e) = self.encoding.as_mut() else {
            return true;
        };
        if e.writer.encoded_len() < BYTES_PER_PIECE {
            return true;
        }
        if self.pieces_out >= PIECES_IN_FLIGHT {
            return false;
        }
        let bytes = match self.spare.pop() {
            Some(empty) => e.writer.swap_bytes(empty),
            None => e.writer.take_bytes(),
        };
        self.pieces_out += 1;
        self.send(SnapshotPiece::Bytes(bytes));
        true
    }

    /// Encodes one turn's slice of the snapshot under way, handing the
    /// bytes to the snapshot thread as they pile up.
    pub fn advance(&mut self, processor: &mut Processor) -> SnapshotProgress {
        if self.encoding.is_none() {
            return SnapshotProgress::Idle;
        }
        if !self.send_piece() {
            return SnapshotProgress::WaitingForDisk;
        }
        let Some(e) = self.encoding.as_mut() else {
            return SnapshotProgress::Idle;
        };
        let done = processor.snapshot_step(NODES_PER_STEP, |path, node| {
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
            self.send_piece();
            return match self.encoding {
                Some(_) => SnapshotProgress::Encoding,
                None => SnapshotProgress::Idle,
            };
        }
        let Some(e) = self.encoding.take() else {
            return SnapshotProgress::Idle;
        };
        self.send(SnapshotPiece::End(e.writer.finish_streamed()));
        SnapshotProgress::Idle
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
            self.pieces_out = 0;
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
    /// Where written pieces' buffers go back.
    written: mpsc::Sender<Vec<u8>>,
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
                // Gone only when the server stops.
                let _ = self.written.send(bytes);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use testkit::TempDir;
    use zkrs_proto::consts::{op, perms};
    use zkrs_proto::jute::Encode;
    use zkrs_proto::records::{CreateRequest, Id, RequestHeader};

    fn create(p: &mut Processor, path: String, data: Vec<u8>) {
        let req = CreateRequest {
            path,
            data: Some(data),
            acl: vec![Acl {
                perms: perms::ALL,
                id: Id {
                    scheme: "world".into(),
                    id: "anyone".into(),
                },
            }],
            flags: 0,
        };
        let mut body = Vec::new();
        req.encode(&mut body);
        let header = RequestHeader {
            xid: 1,
            op: op::CREATE,
        };
        p.process(1, &header, &body, 0, &mut Vec::new());
    }

    /// A Durability whose snapshot thread is the test: it gets the pieces
    /// and gives written buffers back.
    fn without_thread() -> (
        Durability,
        mpsc::Receiver<SnapshotPiece>,
        mpsc::Sender<Vec<u8>>,
    ) {
        let (pieces, taken) = mpsc::channel();
        let (give_back, written) = mpsc::channel();
        let d = Durability {
            snap_count: 1_000_000,
            last_snapshot_zxid: 0,
            next_snapshot_zxid: 0,
            pieces: Some(pieces),
            written,
            spare: Vec::new(),
            pieces_out: 0,
            writing: Arc::new(AtomicBool::new(false)),
            thread: None,
            rolls: 0,
            encoding: None,
        };
        (d, taken, give_back)
    }

    /// Takes a snapshot, writing a piece only when encoding waits for one
    /// (`slow_disk`) or as soon as it comes; returns the file's bytes and
    /// how often encoding waited.
    fn snapshot_bytes(p: &mut Processor, slow_disk: bool) -> (Vec<u8>, usize) {
        let (mut d, taken, give_back) = without_thread();
        let mut unwritten = VecDeque::new();
        let mut file = Vec::new();
        let mut waits = 0;
        let write = |piece, file: &mut Vec<u8>| match piece {
            SnapshotPiece::Begin(_) => {}
            SnapshotPiece::Bytes(b) => {
                file.extend_from_slice(&b);
                give_back.send(b).unwrap();
            }
            SnapshotPiece::End(b) => file.extend_from_slice(&b),
        };
        d.snapshot(p);
        loop {
            let progress = d.advance(p);
            unwritten.extend(taken.try_iter());
            assert!(d.pieces_out <= PIECES_IN_FLIGHT);
            if !slow_disk {
                unwritten
                    .drain(..)
                    .for_each(|piece| write(piece, &mut file));
            }
            match progress {
                SnapshotProgress::Idle => break,
                SnapshotProgress::Encoding => {}
                SnapshotProgress::WaitingForDisk => {
                    waits += 1;
                    let pieces = unwritten
                        .iter()
                        .filter(|p| matches!(p, SnapshotPiece::Bytes(_)))
                        .count();
                    assert_eq!(pieces, PIECES_IN_FLIGHT, "waits only when it must");
                    while let Some(piece) = unwritten.pop_front() {
                        let bytes = matches!(piece, SnapshotPiece::Bytes(_));
                        write(piece, &mut file);
                        if bytes {
                            break;
                        }
                    }
                }
            }
        }
        unwritten
            .drain(..)
            .for_each(|piece| write(piece, &mut file));
        assert!(d.spare.len() <= PIECES_IN_FLIGHT);
        (file, waits)
    }

    /// A data directory and what `open` made of it, holding ten snapshot
    /// steps' worth of nodes (24 MB): more pieces than may be in flight.
    fn filled(tag: &str) -> (TempDir, ServerConfig, Processor, Durability) {
        let tmp = TempDir::new(tag);
        let config = ServerConfig {
            data_dir: Some(tmp.path().to_path_buf()),
            ..ServerConfig::default()
        };
        let (mut p, _, d) = open(&config, tmp.path(), ProcessorOptions::default(), 0).unwrap();
        p.open_session(1, 30_000, 0);
        for i in 0..10 * NODES_PER_STEP {
            create(&mut p, format!("/n{i:05}"), vec![i as u8; 600]);
        }
        p.sync_storage().unwrap();
        (tmp, config, p, d)
    }

    #[test]
    fn encoding_waits_while_the_pieces_in_flight_are_unwritten_and_loses_nothing() {
        let (_tmp, _, mut p, _) = filled("durable-backpressure");
        let (unhindered, waits) = snapshot_bytes(&mut p, false);
        assert_eq!(waits, 0);
        let (held_back, waits) = snapshot_bytes(&mut p, true);
        assert!(waits > 0, "encoding never waited for the disk");
        assert!(unhindered.len() > 6 * BYTES_PER_PIECE);
        assert!(held_back == unhindered, "the same snapshot either way");
    }

    #[test]
    fn a_snapshot_of_many_pieces_recovers_whole() {
        let (tmp, config, mut p, mut d) = filled("durable-pieces");
        let (count, zxid) = (p.stats().node_count, p.last_zxid());
        d.snapshot(&mut p);
        let mut most_out = 0;
        loop {
            let progress = d.advance(&mut p);
            most_out = most_out.max(d.pieces_out);
            match progress {
                SnapshotProgress::Idle => break,
                SnapshotProgress::Encoding => {}
                SnapshotProgress::WaitingForDisk => {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        assert!(most_out <= PIECES_IN_FLIGHT, "{most_out} pieces in flight");
        assert!(d.spare.len() <= PIECES_IN_FLIGHT);
        // Dropping waits for the snapshot thread to finish writing.
        drop(d);
        drop(p);
        // Without the logs, everything comes from the snapshot.
        let v2 = tmp.path().join("version-2");
        for f in std::fs::read_dir(&v2).unwrap() {
            let f = f.unwrap().path();
            if f.file_name().unwrap().to_string_lossy().starts_with("log.") {
                std::fs::remove_file(f).unwrap();
            }
        }
        let (p, _, _) = open(&config, tmp.path(), ProcessorOptions::default(), 0).unwrap();
        assert_eq!((p.stats().node_count, p.last_zxid()), (count, zxid));
    }
}
