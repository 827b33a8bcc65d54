//! The transaction log: writing chunks (one write and one fdatasync per
//! group) and reading them back.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

use zkrs_proto::jute::Reader;

use super::codec::{decode_record, encode_record};
use super::{log_name, sync_dir, DataDirs, StorageError};
use crate::core::storage::{run_after, AfterSync, Storage, SyncStarted, TxnRecord};

pub(crate) const FILE_MAGIC: &[u8; 8] = b"ZKRSTXNL";
pub(crate) const FORMAT_VERSION: u32 = 1;
pub(crate) const FILE_HEADER_LEN: usize = 16;
pub(crate) const CHUNK_MAGIC: &[u8; 4] = b"ZKCH";
pub(crate) const CHUNK_HEADER_LEN: usize = 32;
/// Bytes kept in front of every group for the file and chunk headers, so a
/// group goes out with one write and no copy.
const GROUP_PREFIX: usize = FILE_HEADER_LEN + CHUNK_HEADER_LEN;

fn file_header() -> [u8; FILE_HEADER_LEN] {
    let mut h = [0u8; FILE_HEADER_LEN];
    h[..8].copy_from_slice(FILE_MAGIC);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_be_bytes());
    h
}

fn chunk_header(body: &[u8], first_zxid: i64, count: u32) -> [u8; CHUNK_HEADER_LEN] {
    let mut h = [0u8; CHUNK_HEADER_LEN];
    h[0..4].copy_from_slice(CHUNK_MAGIC);
    h[4..8].copy_from_slice(&(body.len() as u32).to_be_bytes());
    h[8..16].copy_from_slice(&first_zxid.to_be_bytes());
    h[16..20].copy_from_slice(&count.to_be_bytes());
    h[20..24].copy_from_slice(&crc32fast::hash(body).to_be_bytes());
    let crc = crc32fast::hash(&h[..28]);
    h[28..32].copy_from_slice(&crc.to_be_bytes());
    h
}

/// How the log writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// fdatasync after every group (Apache's `forceSync`).
    pub force_sync: bool,
    /// Files grow in steps of this many bytes (0: no preallocation).
    pub prealloc_bytes: u64,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            force_sync: true,
            prealloc_bytes: 64 * 1024 * 1024,
        }
    }
}

#[derive(Debug)]
struct OpenLog {
    /// Shared with the sync thread, which fdatasyncs it.
    file: Arc<File>,
    path: PathBuf,
    first_zxid: i64,
    /// End of the last chunk written and synced: where the next one goes
    /// and where a failed write is cut back to.
    good_end: u64,
    /// The file's length after preallocation.
    allocated: u64,
    /// Up to here the file has data or zeros written (see `zero_ahead`).
    zeroed: u64,
}

/// The append-only log in `dataLogDir/version-2`. Implements `Storage`:
/// `append` encodes into the pending group, `sync` writes it.
#[derive(Debug)]
pub struct TxnLog {
    dir: PathBuf,
    opts: LogOptions,
    file: Option<OpenLog>,
    group: Vec<u8>,
    group_count: u32,
    group_first: i64,
    group_next: i64,
    /// Set when appended zxids do not follow each other.
    group_gap: Option<(i64, i64)>,
    last_synced: Option<i64>,
    roll_pending: bool,
    /// A write failed and the file still has to be cut back to `good_end`.
    needs_cut_back: bool,
    /// The chunk written and being synced: its end and last zxid.
    in_flight: Option<(u64, i64)>,
    syncer: Option<Syncer>,
    notify: Option<Notify>,
}

/// Called by the sync thread when a sync is done.
#[derive(Clone)]
struct Notify(Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for Notify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notify")
    }
}

/// A sync for the sync thread: the file, and what to do right after.
type SyncJob = (Arc<File>, Option<AfterSync>);

/// A thread that fdatasyncs the log while the serving thread goes on.
struct Syncer {
    requests: mpsc::Sender<SyncJob>,
    results: mpsc::Receiver<io::Result<()>>,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Syncer")
    }
}

impl Syncer {
    fn start(notify: Option<Notify>) -> io::Result<Syncer> {
        let (requests, rx) = mpsc::channel::<SyncJob>();
        let (tx, results) = mpsc::channel();
        std::thread::Builder::new()
            .name("zkserver-log-sync".into())
            .spawn(move || {
                for (file, mut after) in rx {
                    let result = file.sync_data();
                    let durable = result.is_ok();
                    // A failure is told after `after` has run, so that what
                    // it gives back is there when the failure is seen; a
                    // success before, so that the next group can be written
                    // meanwhile.
                    if !durable {
                        run_after(after.take(), false);
                    }
                    let gone = tx.send(result).is_err();
                    if let Some(n) = &notify {
                        (n.0)();
                    }
                    if durable {
                        run_after(after, true);
                    }
                    if gone {
                        return;
                    }
                }
            })?;
        Ok(Syncer { requests, results })
    }
}

impl TxnLog {
    /// Nothing is created until the first group is synced, which starts a
    /// new file named after its first zxid.
    pub fn open(dirs: &DataDirs, opts: LogOptions) -> Result<TxnLog, StorageError> {
        let dir = dirs.log_dir().to_path_buf();
        std::fs::metadata(&dir).map_err(|e| StorageError::io(&dir, e))?;
        crate::sys::ignore_file_size_signal();
        let mut group = Vec::with_capacity(64 * 1024);
        group.resize(GROUP_PREFIX, 0);
        Ok(TxnLog {
            dir,
            opts,
            file: None,
            group,
            group_count: 0,
            group_first: 0,
            group_next: 0,
            group_gap: None,
            last_synced: None,
            roll_pending: false,
            needs_cut_back: false,
            in_flight: None,
            syncer: None,
            notify: None,
        })
    }

    /// The next group starts a new file.
    pub fn roll(&mut self) {
        self.roll_pending = true;
    }

    /// The file being written, if any.
    pub fn current_file(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| f.path.as_path())
    }

    /// The zxid of the last record made durable by this log.
    pub fn last_synced_zxid(&self) -> Option<i64> {
        self.last_synced
    }

    fn clear_group(&mut self) {
        self.group.truncate(GROUP_PREFIX);
        self.group_count = 0;
        self.group_gap = None;
    }

    /// Writes the group and syncs it, waiting.
    fn write_group(&mut self) -> io::Result<()> {
        let end = self.write_chunk()?;
        if self.opts.force_sync {
            let log = self.file.as_ref().expect("a chunk was just written");
            if let Err(e) = log.file.sync_data() {
                self.needs_cut_back = true;
                // If this fails too, the next sync tries again before writing.
                let _ = self.cut_back();
                return Err(e);
            }
        }
        self.chunk_durable(end, self.group_next - 1);
        Ok(())
    }

    fn chunk_durable(&mut self, end: u64, last_zxid: i64) {
        if let Some(log) = self.file.as_mut() {
            log.good_end = end;
        }
        self.last_synced = Some(last_zxid);
    }

    /// Waits for the sync in flight, if any, and takes its outcome.
    fn wait_in_flight(&mut self) -> io::Result<()> {
        if self.in_flight.is_none() {
            return Ok(());
        }
        let result = match self.syncer.as_ref().map(|s| s.results.recv()) {
            Some(Ok(r)) => r,
            _ => Err(io::Error::other("the log sync thread is gone")),
        };
        self.sync_done(result)
    }

    fn sync_done(&mut self, result: io::Result<()>) -> io::Result<()> {
        let Some((end, last)) = self.in_flight.take() else {
            return result;
        };
        match result {
            Ok(()) => {
                self.chunk_durable(end, last);
                Ok(())
            }
            Err(e) => {
                // What was queued meanwhile builds on the lost chunk.
                self.clear_group();
                self.needs_cut_back = true;
                let _ = self.cut_back();
                Err(e)
            }
        }
    }

    /// Writes the group as one chunk at the end of the last good one,
    /// without syncing; returns the chunk's end.
    fn write_chunk(&mut self) -> io::Result<u64> {
        if self.needs_cut_back {
            self.cut_back()?;
        }
        if let Some((expected, found)) = self.group_gap {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "appended zxids are not consecutive: expected {expected:#x}, got {found:#x}"
                ),
            ));
        }
        if let Some(last) = self.last_synced {
            if self.group_first != last + 1 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "group starts at zxid {:#x} but the log ends at {last:#x}",
                        self.group_first
                    ),
                ));
            }
        }
        let reuse = matches!(&self.file, Some(f) if !self.roll_pending
            && (f.good_end > 0 || f.first_zxid == self.group_first));
        if !reuse {
            self.start_file()?;
        }
        let header = chunk_header(
            &self.group[GROUP_PREFIX..],
            self.group_first,
            self.group_count,
        );
        self.group[FILE_HEADER_LEN..GROUP_PREFIX].copy_from_slice(&header);
        let log = self.file.as_mut().expect("a file was just opened");
        let (bytes, at) = if log.good_end == 0 {
            self.group[..FILE_HEADER_LEN].copy_from_slice(&file_header());
            (&self.group[..], 0)
        } else {
            (&self.group[FILE_HEADER_LEN..], log.good_end)
        };
        let end = at + bytes.len() as u64;
        preallocate(log, end, self.opts.prealloc_bytes);
        match log.file.write_all_at(bytes, at) {
            Ok(()) => {
                zero_ahead(log, end, self.opts.prealloc_bytes.min(ZERO_STEP));
                Ok(end)
            }
            Err(e) => {
                self.needs_cut_back = true;
                // If this fails too, the next sync tries again before writing.
                let _ = self.cut_back();
                Err(e)
            }
        }
    }

    /// Cuts the file back to the end of its last good chunk and makes that
    /// durable, so that nothing half-written precedes a later chunk.
    fn cut_back(&mut self) -> io::Result<()> {
        if let Some(log) = self.file.as_mut() {
            log.file.set_len(log.good_end)?;
            log.file.sync_all()?;
            log.allocated = log.good_end;
            log.zeroed = log.good_end;
        }
        self.needs_cut_back = false;
        Ok(())
    }

    fn start_file(&mut self) -> io::Result<()> {
        if let Some(old) = self.file.take() {
            // Give back the preallocated tail; zeros would read the same.
            let _ = old.file.set_len(old.good_end);
            if old.good_end == 0 {
                let _ = std::fs::remove_file(&old.path);
            }
        }
        self.roll_pending = false;
        let path = self.dir.join(log_name(self.group_first));
        let create = || {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
        };
        let file = match create() {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && holds_no_records(&path)? => {
                std::fs::remove_file(&path)?;
                create()?
            }
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        };
        let file = Arc::new(file);
        sync_dir(&self.dir)?;
        self.file = Some(OpenLog {
            file,
            path,
            first_zxid: self.group_first,
            good_end: 0,
            allocated: 0,
            zeroed: 0,
        });
        Ok(())
    }
}

impl Drop for TxnLog {
    /// Gives back the preallocated tail (or finishes a pending cut-back).
    fn drop(&mut self) {
        // A chunk being synced counts once the sync is through.
        let _ = self.wait_in_flight();
        if let Some(log) = &self.file {
            if log.allocated > log.good_end || self.needs_cut_back {
                let _ = log.file.set_len(log.good_end);
            }
        }
    }
}

/// Whether an existing log file has no chunk that verifies (left empty or
/// all zeros by a crash), so a new file may take its name.
fn holds_no_records(path: &Path) -> io::Result<bool> {
    let buf = std::fs::read(path)?;
    Ok(match scan(&buf) {
        Ok(s) => s.chunks.is_empty() && s.bad.as_ref().is_none_or(|b| b.valid_later.is_none()),
        Err(_) => false,
    })
}

/// Grows the file in `step`s ahead of `end`. Failure is not an error: the
/// write that follows says whether there is room.
fn preallocate(log: &mut OpenLog, end: u64, step: u64) {
    if step == 0 || end <= log.allocated {
        return;
    }
    let target = end.div_ceil(step) * step;
    let len = target - log.allocated;
    match crate::sys::fallocate(&log.file, log.allocated, len) {
        Ok(()) => log.allocated = target,
        Err(e)
            if e.raw_os_error() == Some(libc::EOPNOTSUPP) && log.file.set_len(target).is_ok() =>
        {
            log.allocated = target;
        }
        Err(_) => {}
    }
}

/// The most zeros written ahead of the log's end at once.
const ZERO_STEP: u64 = 1 << 20;

/// Keeps zeros written at least `step` bytes ahead of the log's end,
/// `end`, `step` at a time, and starts them to the disk.
///
/// Preallocated (fallocated) blocks are only reserved: the first write
/// into one changes the file's metadata, so the fdatasync after it commits
/// the filesystem's journal as well, which made group syncs about half
/// again as slow under load. Blocks written once, zeros included, are
/// overwritten in place and synced with their data alone. The group synced
/// right after a step carries its zeros too: one slower sync per step.
/// Failure is not an error: the log's own writes say whether there is
/// room.
fn zero_ahead(log: &mut OpenLog, end: u64, step: u64) {
    static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];
    let from = log.zeroed.max(end);
    log.zeroed = from;
    if step == 0 || from >= end + step {
        return;
    }
    let to = from + step;
    let mut at = from;
    while at < to {
        let n = (to - at).min(ZEROS.len() as u64) as usize;
        if log.file.write_all_at(&ZEROS[..n], at).is_err() {
            break;
        }
        at += n as u64;
    }
    if at > from {
        let _ = crate::sys::start_write_back(&log.file, from, at - from);
    }
    log.zeroed = at;
    log.allocated = log.allocated.max(at);
}

impl Storage for TxnLog {
    fn append(&mut self, record: &TxnRecord) {
        if self.group_count == 0 {
            self.group_first = record.zxid;
        } else if record.zxid != self.group_next && self.group_gap.is_none() {
            self.group_gap = Some((self.group_next, record.zxid));
        }
        self.group_next = record.zxid + 1;
        self.group_count += 1;
        encode_record(record, &mut self.group);
    }

    fn sync(&mut self) -> io::Result<()> {
        self.wait_in_flight()?;
        if self.group_count == 0 {
            return if self.needs_cut_back {
                self.cut_back()
            } else {
                Ok(())
            };
        }
        let result = self.write_group();
        self.clear_group();
        result
    }

    fn start_sync(&mut self, after: Option<AfterSync>) -> io::Result<SyncStarted> {
        if self.in_flight.is_some() {
            run_after(after, false);
            return Err(io::Error::other("a log sync is already in flight"));
        }
        if self.group_count == 0 || !self.opts.force_sync {
            let result = self.sync();
            run_after(after, result.is_ok());
            return result.map(|()| SyncStarted::Done);
        }
        if self.syncer.is_none() {
            match Syncer::start(self.notify.clone()) {
                Ok(s) => self.syncer = Some(s),
                Err(e) => {
                    run_after(after, false);
                    return Err(e);
                }
            }
        }
        let written = self.write_chunk();
        let last = self.group_next - 1;
        self.clear_group();
        let end = match written {
            Ok(end) => end,
            Err(e) => {
                run_after(after, false);
                return Err(e);
            }
        };
        let log = self.file.as_ref().expect("a chunk was just written");
        let syncer = self.syncer.as_ref().expect("started above");
        if let Err(mpsc::SendError((_, after))) = syncer.requests.send((log.file.clone(), after)) {
            run_after(after, false);
            self.needs_cut_back = true;
            let _ = self.cut_back();
            return Err(io::Error::other("the log sync thread is gone"));
        }
        self.in_flight = Some((end, last));
        Ok(SyncStarted::InFlight)
    }

    fn finish_sync(&mut self) -> Option<io::Result<()>> {
        self.in_flight?;
        let result = match self.syncer.as_ref()?.results.try_recv() {
            Ok(r) => r,
            Err(mpsc::TryRecvError::Empty) => return None,
            Err(mpsc::TryRecvError::Disconnected) => {
                Err(io::Error::other("the log sync thread is gone"))
            }
        };
        Some(self.sync_done(result))
    }

    fn set_notify(&mut self, notify: Box<dyn Fn() + Send + Sync>) {
        self.notify = Some(Notify(Arc::from(notify)));
    }

    fn is_durable(&self) -> bool {
        true
    }

    fn roll(&mut self) {
        TxnLog::roll(self);
    }
}

/// A chunk whose header and body verified.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk<'a> {
    pub offset: u64,
    pub first_zxid: i64,
    pub count: u32,
    pub body: &'a [u8],
}

impl Chunk<'_> {
    pub fn end(&self) -> u64 {
        self.offset + (CHUNK_HEADER_LEN + self.body.len()) as u64
    }

    pub fn last_zxid(&self) -> i64 {
        self.first_zxid + self.count as i64 - 1
    }

    /// Decodes the records in order, handing each to `each`.
    pub fn for_each_record(
        &self,
        path: &Path,
        mut each: impl FnMut(TxnRecord) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let mut r = Reader::new(self.body);
        for i in 0..self.count {
            let zxid = self.first_zxid + i as i64;
            let rec = decode_record(&mut r, zxid).map_err(|e| {
                StorageError::corrupt(
                    path,
                    self.offset,
                    format!("record {i} (zxid {zxid:#x}) does not decode: {e}"),
                )
            })?;
            each(rec)?;
        }
        if !r.is_empty() {
            return Err(StorageError::corrupt(
                path,
                self.offset,
                format!(
                    "{} bytes left over after {} records",
                    r.remaining(),
                    self.count
                ),
            ));
        }
        Ok(())
    }
}

/// A place in a file where data does not verify.
#[derive(Debug, Clone)]
pub(crate) struct BadSpot {
    pub offset: u64,
    pub reason: String,
    /// Where a valid chunk follows, which makes this corruption rather
    /// than a torn tail.
    pub valid_later: Option<u64>,
}

/// What a log file holds.
#[derive(Debug)]
pub(crate) struct ScannedLog<'a> {
    pub chunks: Vec<Chunk<'a>>,
    /// The end of the last valid chunk (0 when the file header is bad).
    pub end: u64,
    pub bad: Option<BadSpot>,
}

enum Next<'a> {
    Chunk(Chunk<'a>),
    End,
    Bad(String),
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn chunk_at(buf: &[u8], off: usize) -> Next<'_> {
    let rest = &buf[off..];
    if rest.is_empty() {
        return Next::End;
    }
    if rest.len() < CHUNK_HEADER_LEN {
        return if all_zero(rest) {
            Next::End
        } else {
            Next::Bad(format!("{} bytes too short for a chunk header", rest.len()))
        };
    }
    let h = &rest[..CHUNK_HEADER_LEN];
    if all_zero(h) {
        return if all_zero(rest) {
            Next::End
        } else {
            Next::Bad("zeroed chunk header followed by data".into())
        };
    }
    if &h[0..4] != CHUNK_MAGIC {
        return Next::Bad("bad chunk magic".into());
    }
    if crc32fast::hash(&h[..28]) != read_u32(h, 28) {
        return Next::Bad("chunk header checksum mismatch".into());
    }
    let body_len = read_u32(h, 4) as usize;
    let count = read_u32(h, 16);
    if count == 0 {
        return Next::Bad("chunk with no records".into());
    }
    if body_len > rest.len() - CHUNK_HEADER_LEN {
        return Next::Bad(format!(
            "chunk body of {body_len} bytes runs past the end of the file"
        ));
    }
    let body = &rest[CHUNK_HEADER_LEN..CHUNK_HEADER_LEN + body_len];
    if crc32fast::hash(body) != read_u32(h, 20) {
        return Next::Bad("chunk body checksum mismatch".into());
    }
    Next::Chunk(Chunk {
        offset: off as u64,
        first_zxid: i64::from_be_bytes(h[8..16].try_into().expect("8 bytes")),
        count,
        body,
    })
}

/// Whether every byte is zero, as in a preallocated tail (tens of MB, so
/// checked a block at a time without branching per byte).
fn all_zero(b: &[u8]) -> bool {
    b.chunks(4096)
        .all(|block| block.iter().fold(0u8, |acc, &x| acc | x) == 0)
}

/// The length of `b` without its trailing zeros.
pub(crate) fn data_len(b: &[u8]) -> usize {
    let mut end = b.len();
    while end > 0 {
        let start = end.saturating_sub(4096);
        match b[start..end].iter().rposition(|&x| x != 0) {
            Some(i) => return start + i + 1,
            None => end = start,
        }
    }
    0
}

/// The offset of the first valid chunk starting after `from`.
pub(crate) fn find_valid_chunk(buf: &[u8], from: usize) -> Option<u64> {
    let mut at = from;
    while at + CHUNK_HEADER_LEN <= buf.len() {
        at += buf[at..].iter().position(|&b| b == CHUNK_MAGIC[0])?;
        if buf[at..].starts_with(CHUNK_MAGIC) {
            if let Next::Chunk(c) = chunk_at(buf, at) {
                return Some(c.offset);
            }
        }
        at += 1;
    }
    None
}

/// Reads the chunks of a log file up to its end or its first bad spot.
/// An error is a file of a format version this build does not read.
pub(crate) fn scan(buf: &[u8]) -> Result<ScannedLog<'_>, (u64, String)> {
    let mut out = ScannedLog {
        chunks: Vec::new(),
        end: 0,
        bad: None,
    };
    if all_zero(&buf[..buf.len().min(FILE_HEADER_LEN)]) && chunk_at(buf, 0).is_end() {
        return Ok(out);
    }
    if buf.len() < FILE_HEADER_LEN || buf[..FILE_HEADER_LEN] != file_header() {
        if buf.len() >= 12 && &buf[..8] == FILE_MAGIC && read_u32(buf, 8) != FORMAT_VERSION {
            return Err((
                8,
                format!("unsupported log format version {}", read_u32(buf, 8)),
            ));
        }
        out.bad = Some(BadSpot {
            offset: 0,
            reason: "bad file header".into(),
            valid_later: find_valid_chunk(buf, 1),
        });
        return Ok(out);
    }
    let mut off = FILE_HEADER_LEN;
    out.end = off as u64;
    loop {
        match chunk_at(buf, off) {
            Next::Chunk(c) => {
                off = c.end() as usize;
                out.end = c.end();
                out.chunks.push(c);
            }
            Next::End => break,
            Next::Bad(reason) => {
                out.bad = Some(BadSpot {
                    offset: off as u64,
                    reason,
                    valid_later: find_valid_chunk(buf, off + 1),
                });
                break;
            }
        }
    }
    Ok(out)
}

impl Next<'_> {
    fn is_end(&self) -> bool {
        matches!(self, Next::End)
    }
}
