//! Snapshots: encoded in memory on the serving thread, written to disk
//! elsewhere, read back at recovery.

use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use zkrs_proto::jute::{self, Decode, DecodeError, Encode, Reader};
use zkrs_proto::records::{Acl, Stat};

use super::recover::RecoverySink;
use super::{snapshot_name, sync_dir, DataDirs, StorageError};

pub(crate) const SNAP_MAGIC: &[u8; 8] = b"ZKRSSNAP";
pub(crate) const SNAP_VERSION: u32 = 1;
pub(crate) const SNAP_HEADER_LEN: usize = 24;
const TAG_END: u8 = 0;
const TAG_SESSION: u8 = 1;
const TAG_ACL_LIST: u8 = 2;
const TAG_NODE: u8 = 3;
/// End tag, three counts and the checksum.
const TRAILER_LEN: usize = 1 + 4 + 4 + 8 + 4;

/// Builds a snapshot file's bytes.
#[derive(Debug)]
pub struct SnapshotWriter {
    buf: Vec<u8>,
    sessions: u32,
    acl_lists: u32,
    nodes: u64,
}

impl SnapshotWriter {
    pub fn new(zxid: i64) -> SnapshotWriter {
        SnapshotWriter::with_capacity(zxid, 64 * 1024)
    }

    /// `bytes`: a guess at the final size, to avoid regrowing the buffer.
    pub fn with_capacity(zxid: i64, bytes: usize) -> SnapshotWriter {
        let mut buf = Vec::with_capacity(bytes.max(SNAP_HEADER_LEN + TRAILER_LEN));
        buf.extend_from_slice(SNAP_MAGIC);
        buf.extend_from_slice(&SNAP_VERSION.to_be_bytes());
        buf.extend_from_slice(&[0; 4]);
        jute::write_i64(&mut buf, zxid);
        SnapshotWriter {
            buf,
            sessions: 0,
            acl_lists: 0,
            nodes: 0,
        }
    }

    pub fn session(&mut self, id: i64, timeout_ms: i32) {
        self.buf.push(TAG_SESSION);
        jute::write_i64(&mut self.buf, id);
        jute::write_i32(&mut self.buf, timeout_ms);
        self.sessions += 1;
    }

    /// Stores an ACL list and returns the index `node` refers to it by.
    /// Lists are numbered from 0 in the order they are given; sharing a
    /// list between nodes is the caller's choice.
    pub fn acl_list(&mut self, acl: &[Acl]) -> u32 {
        let index = self.acl_lists;
        self.buf.push(TAG_ACL_LIST);
        jute::write_i32(&mut self.buf, index as i32);
        jute::write_vec(&mut self.buf, acl);
        self.acl_lists += 1;
        index
    }

    /// Adds a node; nodes may come in any order.
    pub fn node(&mut self, path: &str, data: Option<&[u8]>, acl_index: u32, stat: &Stat, seq: i32) {
        self.buf.push(TAG_NODE);
        jute::write_string(&mut self.buf, path);
        jute::write_opt_buffer(&mut self.buf, data);
        jute::write_i32(&mut self.buf, acl_index as i32);
        stat.encode(&mut self.buf);
        jute::write_i32(&mut self.buf, seq);
        self.nodes += 1;
    }

    /// Bytes encoded and not taken yet.
    pub fn encoded_len(&self) -> usize {
        self.buf.len()
    }

    /// Takes the bytes encoded so far, for a [`SnapshotFile`]; the writer
    /// goes on with an empty buffer as large as the last.
    pub fn take_bytes(&mut self) -> Vec<u8> {
        let capacity = self.buf.capacity();
        self.swap_bytes(Vec::with_capacity(capacity))
    }

    /// As `take_bytes`, going on in `empty` (a buffer already written out,
    /// whose memory is at hand, rather than one the allocator must find).
    pub fn swap_bytes(&mut self, mut empty: Vec<u8>) -> Vec<u8> {
        empty.clear();
        std::mem::replace(&mut self.buf, empty)
    }

    /// The last bytes for a [`SnapshotFile`], which adds the checksum: the
    /// rest of the entries and the trailer's tag and counts.
    pub fn finish_streamed(mut self) -> Vec<u8> {
        self.buf.push(TAG_END);
        jute::write_i32(&mut self.buf, self.sessions as i32);
        jute::write_i32(&mut self.buf, self.acl_lists as i32);
        jute::write_i64(&mut self.buf, self.nodes as i64);
        self.buf
    }

    /// The whole file's bytes, checksum last. Only for a writer none of
    /// whose bytes were taken.
    pub fn finish(self) -> Vec<u8> {
        let mut buf = self.finish_streamed();
        let crc = crc32fast::hash(&buf);
        buf.extend_from_slice(&crc.to_be_bytes());
        buf
    }
}

/// Writes `snapshot.<hex zxid>` (the whole file, checksum included) durably.
pub fn write_snapshot_file(dirs: &DataDirs, zxid: i64, bytes: &[u8]) -> io::Result<PathBuf> {
    let mut f = SnapshotFile::create(dirs, zxid)?;
    f.append(bytes)?;
    f.commit()
}

/// A snapshot file written piece by piece as it is encoded, so that no
/// whole snapshot is held in memory: a temporary file, fsynced when
/// complete, renamed into place, then the directory fsynced. Dropped
/// unfinished (a failed write), the temporary file goes.
#[derive(Debug)]
pub struct SnapshotFile {
    file: std::fs::File,
    tmp: PathBuf,
    path: PathBuf,
    dir: PathBuf,
    at: u64,
    crc: crc32fast::Hasher,
    committed: bool,
}

impl SnapshotFile {
    pub fn create(dirs: &DataDirs, zxid: i64) -> io::Result<SnapshotFile> {
        let dir = dirs.snap_dir();
        let path = dir.join(snapshot_name(zxid));
        let tmp = dir.join(format!("{}{TMP_SUFFIX}", snapshot_name(zxid)));
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| with_path(&path, e))?;
        Ok(SnapshotFile {
            file,
            tmp,
            path,
            dir: dir.to_path_buf(),
            at: 0,
            crc: crc32fast::Hasher::new(),
            committed: false,
        })
    }

    /// Appends encoded bytes (from [`SnapshotWriter::take_bytes`] and
    /// [`SnapshotWriter::finish_streamed`]), counting them in the checksum.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.crc.update(bytes);
        self.append(bytes)
    }

    /// Ends the file with the checksum of everything written and makes it
    /// durable under its name.
    pub fn finish(mut self) -> io::Result<PathBuf> {
        let crc = self.crc.clone().finalize();
        self.append(&crc.to_be_bytes())?;
        self.commit()
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        write_paced(&self.file, self.at, bytes).map_err(|e| with_path(&self.path, e))?;
        self.at += bytes.len() as u64;
        Ok(())
    }

    fn commit(mut self) -> io::Result<PathBuf> {
        let durable = (|| {
            self.file.sync_all()?;
            std::fs::rename(&self.tmp, &self.path)?;
            sync_dir(&self.dir)
        })();
        durable.map_err(|e| with_path(&self.path, e))?;
        self.committed = true;
        Ok(self.path.clone())
    }
}

impl Drop for SnapshotFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// How much of a snapshot goes to the disk at a time.
const WRITE_CHUNK: usize = 1 << 20;

/// Writes `bytes` a chunk at a time, each on the disk before the next is
/// written. Written at once, a snapshot of tens of megabytes would sit in
/// the page cache and go to the disk in one flood at its fsync; every log
/// sync meanwhile (each one flushes the disk's cache) would wait for the
/// flood, stalling all writes for as long. Paced, a log sync waits for at
/// most a chunk.
///
/// A chunk on the disk leaves the page cache at once: nothing reads a
/// snapshot until the next start, and the freed pages take the next chunk.
/// Kept, every snapshot would fill the cache anew, and taking pages the
/// kernel has not handed out lately costs several times the copy (on a
/// virtual machine, the host backs them again).
fn write_paced(f: &std::fs::File, mut at: u64, bytes: &[u8]) -> io::Result<()> {
    for chunk in bytes.chunks(WRITE_CHUNK) {
        f.write_all_at(chunk, at)?;
        let len = chunk.len() as u64;
        match crate::sys::write_back(f, at, len) {
            Ok(()) => {
                let _ = crate::sys::drop_cached(f, at, len);
            }
            // Some filesystems do not offer it: the fsync at the end
            // writes everything then.
            Err(e)
                if e.raw_os_error() == Some(libc::ENOSYS)
                    || e.raw_os_error() == Some(libc::EINVAL) => {}
            Err(e) => return Err(e),
        }
        at += len;
    }
    Ok(())
}

/// Suffix of snapshots being written; recovery removes leftovers.
pub(crate) const TMP_SUFFIX: &str = ".tmp";

/// How many entries of each kind a snapshot held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SnapshotCounts {
    pub sessions: u32,
    pub acl_lists: u32,
    pub nodes: u64,
}

/// What a snapshot is read from: its file, or bytes in memory (tests).
pub(crate) trait SnapshotSource {
    fn len(&self) -> io::Result<u64>;
    /// Fills `buf` from `offset`; the bytes are there (the length was
    /// checked), short of an I/O error.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
}

impl SnapshotSource for std::fs::File {
    fn len(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        FileExt::read_exact_at(self, buf, offset)
    }
}

impl SnapshotSource for [u8] {
    fn len(&self) -> io::Result<u64> {
        Ok(<[u8]>::len(self) as u64)
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let from = usize::try_from(offset).map_err(io::Error::other)?;
        let bytes = self
            .get(from..from + buf.len())
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

/// Bytes read from a snapshot at a time. Recovery holds one window of the
/// file besides the tree it builds, never the whole file.
const WINDOW: usize = 1 << 20;

/// A snapshot being read back: its header checked, its checksum and its
/// entries read a window at a time.
pub(crate) struct SnapshotReader<'a, S: SnapshotSource + ?Sized> {
    source: &'a S,
    path: &'a Path,
    len: u64,
    zxid: i64,
    window: usize,
}

impl<'a, S: SnapshotSource + ?Sized> SnapshotReader<'a, S> {
    /// Checks the magic, the version and the length.
    pub fn open(source: &'a S, path: &'a Path) -> Result<Self, StorageError> {
        let io_err = |e| StorageError::io(path, e);
        let len = source.len().map_err(io_err)?;
        if len < (SNAP_HEADER_LEN + TRAILER_LEN) as u64 {
            return Err(StorageError::corrupt(
                path,
                len,
                format!("snapshot file is only {len} bytes long"),
            ));
        }
        let mut header = [0u8; SNAP_HEADER_LEN];
        source.read_exact_at(&mut header, 0).map_err(io_err)?;
        if &header[..8] != SNAP_MAGIC {
            return Err(StorageError::corrupt(
                path,
                0,
                "not a zkserver snapshot (bad magic)",
            ));
        }
        let version = u32::from_be_bytes(header[8..12].try_into().expect("4 bytes"));
        if version != SNAP_VERSION {
            return Err(StorageError::corrupt(
                path,
                8,
                format!("unsupported snapshot format version {version}"),
            ));
        }
        Ok(SnapshotReader {
            source,
            path,
            len,
            zxid: i64::from_be_bytes(header[16..24].try_into().expect("8 bytes")),
            window: WINDOW,
        })
    }

    /// Reads `window` bytes at a time rather than a megabyte (tests).
    #[cfg(test)]
    pub fn with_window(mut self, window: usize) -> Self {
        self.window = window.max(1);
        self
    }

    pub fn zxid(&self) -> i64 {
        self.zxid
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    fn read(&self, buf: &mut [u8], offset: u64) -> Result<(), StorageError> {
        self.source
            .read_exact_at(buf, offset)
            .map_err(|e| StorageError::io(self.path, e))
    }

    /// Checks the whole-file checksum, reading the file once.
    pub fn check_crc(&self) -> Result<(), StorageError> {
        let body_end = self.len - 4;
        let mut crc = crc32fast::Hasher::new();
        let mut buf = vec![0u8; self.window.min(body_end as usize)];
        let mut at = 0;
        while at < body_end {
            let n = (body_end - at).min(buf.len() as u64) as usize;
            self.read(&mut buf[..n], at)?;
            crc.update(&buf[..n]);
            at += n as u64;
        }
        let mut stored = [0u8; 4];
        self.read(&mut stored, body_end)?;
        if crc.finalize() != u32::from_be_bytes(stored) {
            return Err(StorageError::corrupt(
                self.path,
                body_end,
                "snapshot checksum mismatch",
            ));
        }
        Ok(())
    }

    /// Hands the entries to `sink` in file order; the checksum is the
    /// caller's business.
    pub fn decode_entries(
        &self,
        sink: &mut dyn RecoverySink,
    ) -> Result<SnapshotCounts, StorageError> {
        let body_end = self.len - 4;
        // The trailer (tag, three counts) ends the checksummed body: its
        // node count sizes the tree before the first insert.
        let mut trailer = [0u8; 17];
        self.read(&mut trailer, body_end - 17)?;
        if trailer[0] == TAG_END {
            let nodes = i64::from_be_bytes(trailer[9..17].try_into().expect("8 bytes"));
            sink.reserve(nodes.max(0) as u64);
        }
        let mut counts = SnapshotCounts::default();
        // The window: `buf[pos..]` holds the file's bytes from `at` on.
        let mut buf = Vec::new();
        let mut pos = 0;
        let mut at = SNAP_HEADER_LEN as u64;
        loop {
            match decode_entry(&buf[pos..], &mut counts, sink, self.path, at) {
                Ok((used, done)) => {
                    pos += used;
                    at += used as u64;
                    if done {
                        if at != body_end {
                            return Err(StorageError::corrupt(
                                self.path,
                                at,
                                "data after the trailer",
                            ));
                        }
                        return Ok(counts);
                    }
                }
                Err(EntryError::Short(e)) => {
                    let held = buf.len() - pos;
                    let remaining = body_end - at;
                    if held as u64 >= remaining {
                        return Err(StorageError::corrupt(
                            self.path,
                            at,
                            format!("entry does not decode: {e}"),
                        ));
                    }
                    // Keep what is unread and read on: to a window, or to
                    // twice as much for an entry larger than that.
                    let target = if held < self.window {
                        self.window
                    } else {
                        held.saturating_mul(2)
                    };
                    buf.drain(..pos);
                    pos = 0;
                    let more = (target - held).min((remaining - held as u64) as usize);
                    buf.resize(held + more, 0);
                    self.read(&mut buf[held..], at + held as u64)?;
                }
                Err(EntryError::Bad(e)) => return Err(e),
            }
        }
    }
}

enum EntryError {
    /// The bytes at hand end before the entry does (or a length says so).
    Short(DecodeError),
    Bad(StorageError),
}

/// Decodes the entry at the start of `bytes` (at file offset `at`) and
/// hands it to `sink`; returns the bytes it took and whether it was the
/// trailer. The sink sees an entry only once it has decoded whole.
fn decode_entry(
    bytes: &[u8],
    counts: &mut SnapshotCounts,
    sink: &mut dyn RecoverySink,
    path: &Path,
    at: u64,
) -> Result<(usize, bool), EntryError> {
    let mut r = Reader::new(bytes);
    let short = |e: DecodeError| match e {
        DecodeError::Truncated { .. } | DecodeError::LengthTooLarge { .. } => EntryError::Short(e),
        e => EntryError::Bad(StorageError::corrupt(
            path,
            at,
            format!("entry does not decode: {e}"),
        )),
    };
    let bad = |reason: String| EntryError::Bad(StorageError::corrupt(path, at, reason));
    let tag = r.take(1).map_err(short)?[0];
    match tag {
        TAG_SESSION => {
            let id = r.read_i64().map_err(short)?;
            let timeout = r.read_i32().map_err(short)?;
            sink.session(id, timeout);
            counts.sessions += 1;
        }
        TAG_ACL_LIST => {
            let index = r.read_i32().map_err(short)?;
            if index as u32 != counts.acl_lists {
                return Err(bad(format!(
                    "ACL list {index} out of order (expected {})",
                    counts.acl_lists
                )));
            }
            let acl = Vec::<Acl>::decode(&mut r).map_err(short)?;
            sink.acl_list(index as u32, acl);
            counts.acl_lists += 1;
        }
        TAG_NODE => {
            let raw = read_opt_slice(&mut r)
                .map_err(short)?
                .ok_or_else(|| bad("node with a null path".into()))?;
            let node_path =
                std::str::from_utf8(raw).map_err(|_| bad("node path is not UTF-8".into()))?;
            let data = read_opt_slice(&mut r).map_err(short)?;
            let acl_index = r.read_i32().map_err(short)? as u32;
            let stat = Stat::decode(&mut r).map_err(short)?;
            let seq = r.read_i32().map_err(short)?;
            if acl_index >= counts.acl_lists {
                return Err(bad(format!(
                    "node {node_path} refers to undefined ACL list {acl_index}"
                )));
            }
            sink.node(node_path, data, acl_index, stat, seq)
                .map_err(|reason| {
                    EntryError::Bad(StorageError::Rejected {
                        path: path.into(),
                        offset: at,
                        reason: format!("node {node_path}: {reason}"),
                    })
                })?;
            counts.nodes += 1;
        }
        TAG_END => {
            let sessions = r.read_i32().map_err(short)? as u32;
            let acl_lists = r.read_i32().map_err(short)? as u32;
            let nodes = r.read_i64().map_err(short)? as u64;
            let expected = SnapshotCounts {
                sessions,
                acl_lists,
                nodes,
            };
            if expected != *counts {
                return Err(bad(format!(
                    "trailer counts {expected:?} but the file holds {counts:?}"
                )));
            }
            return Ok((r.position(), true));
        }
        other => return Err(bad(format!("unknown entry tag {other}"))),
    }
    Ok((r.position(), false))
}

/// A jute buffer borrowed from the input (-1 is null).
fn read_opt_slice<'a>(r: &mut Reader<'a>) -> Result<Option<&'a [u8]>, DecodeError> {
    let n = r.read_i32()?;
    match n {
        -1 => Ok(None),
        n if n < 0 => Err(DecodeError::NegativeLength(n)),
        n => r.take(n as usize).map(Some),
    }
}
