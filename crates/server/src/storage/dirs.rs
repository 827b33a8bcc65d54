//! The data directories, their lock and the server's secret.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::{sync_dir, StorageError};

const VERSION_DIR: &str = "version-2";
const LOCK_FILE: &str = "zkserver.lock";
const SECRET_FILE: &str = "secret";

/// `dataDir/version-2` (snapshots) and `dataLogDir/version-2` (logs), both
/// locked against a second server for as long as this value lives.
#[derive(Debug)]
pub struct DataDirs {
    snap_dir: PathBuf,
    log_dir: PathBuf,
    secret: [u8; 16],
    _locks: Vec<File>,
}

impl DataDirs {
    /// Creates the directories if needed, locks them and reads or creates
    /// the secret. `data_log_dir` defaults to `data_dir`.
    pub fn open(data_dir: &Path, data_log_dir: Option<&Path>) -> Result<DataDirs, StorageError> {
        let snap_dir = data_dir.join(VERSION_DIR);
        let log_dir = data_log_dir.unwrap_or(data_dir).join(VERSION_DIR);
        for dir in [&snap_dir, &log_dir] {
            std::fs::create_dir_all(dir).map_err(|e| StorageError::io(dir, e))?;
        }
        let mut locks = vec![lock(&snap_dir.join(LOCK_FILE))?];
        if !same_file(&snap_dir, &log_dir) {
            locks.push(lock(&log_dir.join(LOCK_FILE))?);
        }
        let secret = read_or_create_secret(&snap_dir.join(SECRET_FILE))?;
        Ok(DataDirs {
            snap_dir,
            log_dir,
            secret,
            _locks: locks,
        })
    }

    pub fn snap_dir(&self) -> &Path {
        &self.snap_dir
    }

    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// 16 random bytes kept in the data directory, from which session
    /// passwords are derived, so that sessions survive a restart.
    pub fn secret(&self) -> [u8; 16] {
        self.secret
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => a == b,
    }
}

fn lock(path: &Path) -> Result<File, StorageError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| StorageError::io(path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StorageError::Locked { path: path.into() }),
        Err(TryLockError::Error(e)) => Err(StorageError::io(path, e)),
    }
}

fn read_or_create_secret(path: &Path) -> Result<[u8; 16], StorageError> {
    let mut secret = [0u8; 16];
    match File::open(path) {
        Ok(mut f) => {
            let mut buf = Vec::new();
            f.read_to_end(&mut buf)
                .map_err(|e| StorageError::io(path, e))?;
            if buf.len() != secret.len() {
                return Err(StorageError::corrupt(
                    path,
                    0,
                    format!("secret file holds {} bytes, expected 16", buf.len()),
                ));
            }
            secret.copy_from_slice(&buf);
            return Ok(secret);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(StorageError::io(path, e)),
    }
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut secret))
        .map_err(|e| StorageError::io("/dev/urandom", e))?;
    let tmp = path.with_extension("tmp");
    let write = || -> std::io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&secret)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        sync_dir(path.parent().unwrap_or(Path::new(".")))
    };
    write().map_err(|e| StorageError::io(path, e))?;
    Ok(secret)
}
