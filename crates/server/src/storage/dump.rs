//! Human-readable listings of log and snapshot files, for debugging.

use crate::calendar::civil_from_days;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use zkrs_proto::consts::perms;
use zkrs_proto::records::{Acl, Stat};

use super::log::{data_len, scan};
use super::recover::RecoverySink;
use super::snapshot::SnapshotReader;
use super::{list_files, parse_name, StorageError, LOG_PREFIX};
use crate::core::storage::{Txn, TxnRecord};

fn out_err(e: std::io::Error) -> StorageError {
    StorageError::io("<output>", e)
}

/// Prints every log file of `dir` (a dataDir, its `version-2`, or one log
/// file): file names, chunk offsets and one line per record. Stops at
/// corruption or a zxid gap, after printing what verified before it.
pub fn dump_log(dir: &Path, out: &mut dyn Write) -> Result<(), StorageError> {
    let files: Vec<(Option<i64>, PathBuf)> = if dir.is_file() {
        let zxid = dir
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| parse_name(n, LOG_PREFIX));
        vec![(zxid, dir.to_path_buf())]
    } else {
        let versioned = dir.join("version-2");
        let dir = if versioned.is_dir() {
            versioned
        } else {
            dir.to_path_buf()
        };
        list_files(&dir, LOG_PREFIX)
            .map_err(|e| StorageError::io(&dir, e))?
            .into_iter()
            .map(|(z, p)| (Some(z), p))
            .collect()
    };
    if files.is_empty() {
        writeln!(out, "no log files in {}", dir.display()).map_err(out_err)?;
    }
    let mut expected: Option<i64> = None;
    let mut line = String::new();
    for (name_zxid, path) in &files {
        let buf = std::fs::read(path).map_err(|e| StorageError::io(path, e))?;
        writeln!(out, "{} ({} bytes)", path.display(), buf.len()).map_err(out_err)?;
        let scanned =
            scan(&buf).map_err(|(offset, reason)| StorageError::corrupt(path, offset, reason))?;
        if let (Some(exp), Some(name)) = (expected, name_zxid) {
            if *name != exp {
                return Err(StorageError::Gap {
                    path: path.clone(),
                    offset: 0,
                    expected: exp,
                    found: *name,
                });
            }
        }
        for chunk in &scanned.chunks {
            if let Some(exp) = expected {
                if chunk.first_zxid != exp {
                    return Err(StorageError::Gap {
                        path: path.clone(),
                        offset: chunk.offset,
                        expected: exp,
                        found: chunk.first_zxid,
                    });
                }
            }
            writeln!(
                out,
                "chunk at offset {}: zxid {:#x}..{:#x}, {} records, {} bytes",
                chunk.offset,
                chunk.first_zxid,
                chunk.last_zxid(),
                chunk.count,
                chunk.body.len()
            )
            .map_err(out_err)?;
            chunk.for_each_record(path, |rec| {
                line.clear();
                format_record(&rec, &mut line);
                out.write_all(line.as_bytes()).map_err(out_err)
            })?;
            expected = Some(chunk.last_zxid() + 1);
        }
        if let Some(bad) = &scanned.bad {
            match bad.valid_later {
                Some(valid) => {
                    return Err(StorageError::corrupt(
                        path,
                        bad.offset,
                        format!("{} (a valid chunk follows at offset {valid})", bad.reason),
                    ))
                }
                None => writeln!(
                    out,
                    "torn tail at offset {}: {} ({} bytes, cut off at recovery)",
                    bad.offset,
                    bad.reason,
                    (data_len(&buf) as u64).saturating_sub(bad.offset)
                )
                .map_err(out_err)?,
            }
        }
    }
    Ok(())
}

/// Prints a snapshot: its header, sessions, ACL lists and nodes with their
/// stat. A file whose checksum fails is printed as far as it decodes, then
/// reported as an error.
pub fn dump_snapshot(file: &Path, out: &mut dyn Write) -> Result<(), StorageError> {
    let f = std::fs::File::open(file).map_err(|e| StorageError::io(file, e))?;
    let snapshot = SnapshotReader::open(&f, file)?;
    writeln!(
        out,
        "{}: snapshot at zxid {:#x}, {} bytes",
        file.display(),
        snapshot.zxid(),
        snapshot.len()
    )
    .map_err(out_err)?;
    let crc = snapshot.check_crc();
    if crc.is_err() {
        writeln!(out, "checksum mismatch: the entries below are not verified").map_err(out_err)?;
    }
    let mut printer = SnapshotPrinter {
        out,
        line: String::new(),
        error: None,
    };
    let decoded = snapshot.decode_entries(&mut printer);
    if let Some(e) = printer.error.take() {
        return Err(out_err(e));
    }
    let counts = decoded?;
    writeln!(
        printer.out,
        "{} sessions, {} ACL lists, {} nodes",
        counts.sessions, counts.acl_lists, counts.nodes
    )
    .map_err(out_err)?;
    crc
}

struct SnapshotPrinter<'a> {
    out: &'a mut dyn Write,
    line: String,
    error: Option<std::io::Error>,
}

impl SnapshotPrinter<'_> {
    fn flush_line(&mut self) {
        if self.error.is_none() {
            if let Err(e) = self.out.write_all(self.line.as_bytes()) {
                self.error = Some(e);
            }
        }
        self.line.clear();
    }
}

impl RecoverySink for SnapshotPrinter<'_> {
    fn reset(&mut self) {}

    fn session(&mut self, id: i64, timeout_ms: i32) {
        let _ = writeln!(self.line, "session {id:#x} timeout={timeout_ms}ms");
        self.flush_line();
    }

    fn acl_list(&mut self, index: u32, acl: Vec<Acl>) {
        let _ = write!(self.line, "acl list #{index} ");
        format_acl(&acl, &mut self.line);
        self.line.push('\n');
        self.flush_line();
    }

    fn node(
        &mut self,
        path: &str,
        data: Option<&[u8]>,
        acl_index: u32,
        stat: Stat,
        seq: i32,
    ) -> Result<(), String> {
        let s = &mut self.line;
        let _ = write!(s, "{path} ");
        format_data(data, s);
        let _ = writeln!(
            s,
            " acl=#{acl_index} seq={seq} czxid={:#x} mzxid={:#x} pzxid={:#x} ctime={} mtime={} \
             version={} cversion={} aversion={} ephemeralOwner={:#x} dataLength={} numChildren={}",
            stat.czxid,
            stat.mzxid,
            stat.pzxid,
            Timestamp(stat.ctime),
            Timestamp(stat.mtime),
            stat.version,
            stat.cversion,
            stat.aversion,
            stat.ephemeral_owner,
            stat.data_length,
            stat.num_children
        );
        self.flush_line();
        match &self.error {
            Some(e) => Err(format!("output: {e}")),
            None => Ok(()),
        }
    }

    fn txn(&mut self, _record: TxnRecord) -> Result<(), String> {
        Ok(())
    }
}

/// `0x1a3 2026-11-23T17:01:02.345Z session 0x... cxid 5 create /a data=...`
pub(crate) fn format_record(rec: &TxnRecord, s: &mut String) {
    let _ = write!(
        s,
        "{:#x} {} session {:#x} cxid {} ",
        rec.zxid,
        Timestamp(rec.time_ms),
        rec.session,
        rec.xid
    );
    format_txn(&rec.txn, s);
    s.push('\n');
    if let Txn::Multi(ops) = &rec.txn {
        for op in ops {
            s.push_str("    ");
            format_txn(op, s);
            s.push('\n');
        }
    }
}

fn format_txn(txn: &Txn, s: &mut String) {
    match txn {
        Txn::CreateSession { timeout_ms } => {
            let _ = write!(s, "createSession timeout={timeout_ms}ms");
        }
        Txn::CloseSession { deleted } => {
            let _ = write!(s, "closeSession deleted=[{}]", deleted.join(", "));
        }
        Txn::Create {
            path,
            data,
            acl,
            ephemeral_owner,
        } => {
            let _ = write!(s, "create {path} ");
            format_data(data.as_deref(), s);
            s.push_str(" acl=");
            format_acl(acl, s);
            let _ = write!(s, " owner={ephemeral_owner:#x}");
        }
        Txn::Delete { path } => {
            let _ = write!(s, "delete {path}");
        }
        Txn::SetData { path, data } => {
            let _ = write!(s, "setData {path} ");
            format_data(data.as_deref(), s);
        }
        Txn::SetAcl { path, acl } => {
            let _ = write!(s, "setAcl {path} acl=");
            format_acl(acl, s);
        }
        Txn::Check { path } => {
            let _ = write!(s, "check {path}");
        }
        Txn::Multi(ops) => {
            let _ = write!(s, "multi ({} ops)", ops.len());
        }
        Txn::Error(err) => {
            let _ = write!(s, "error {err}");
        }
    }
}

/// `data=3 bytes "abc"`: the text only when short and printable.
fn format_data(data: Option<&[u8]>, s: &mut String) {
    match data {
        None => s.push_str("data=null"),
        Some(d) => {
            let _ = write!(s, "data={} bytes", d.len());
            if let Ok(text) = std::str::from_utf8(d) {
                if !d.is_empty() && d.len() <= 64 && !text.chars().any(char::is_control) {
                    let _ = write!(s, " {text:?}");
                }
            }
        }
    }
}

/// `[world:anyone:cdrwa, digest:u:hash:r]`, as zkCli lists permissions.
fn format_acl(acl: &[Acl], s: &mut String) {
    s.push('[');
    for (i, a) in acl.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{}:{}:", a.id.scheme, a.id.id);
        for (bit, c) in [
            (perms::CREATE, 'c'),
            (perms::DELETE, 'd'),
            (perms::READ, 'r'),
            (perms::WRITE, 'w'),
            (perms::ADMIN, 'a'),
        ] {
            if a.perms & bit != 0 {
                s.push(c);
            }
        }
    }
    s.push(']');
}

/// Milliseconds since the epoch, shown as an ISO 8601 UTC time.
struct Timestamp(i64);

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.0.rem_euclid(1000);
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let tod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            tod / 3600,
            tod / 60 % 60,
            tod % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn timestamps_are_iso_8601_utc() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp(1_795_453_262_345).to_string(),
            "2026-11-23T17:01:02.345Z"
        );
        assert_eq!(
            Timestamp(951_782_400_000).to_string(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59.999Z");
    }
}
