//! What the server needs from the OS and the CPU beyond what std offers:
//! file limits, signal dispositions, preallocation, write-back, page cache
//! advice, a cache prefetch. The server's only unsafe code is here, each
//! call with why it is sound; the rest of the server calls these safe
//! wrappers.

use std::fs::File;
use std::io;
use std::os::unix::io::AsRawFd;

fn open_file_limits() -> libc::rlimit {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit fills the struct we pass; on failure it stays zero.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) };
    r
}

/// The soft limit on open descriptors (0 if it cannot be read).
pub fn open_file_limit() -> u64 {
    open_file_limits().rlim_cur
}

/// Raises the soft limit on open descriptors to the hard one: many
/// sessions need many descriptors.
pub fn raise_open_file_limit() {
    let mut r = open_file_limits();
    if r.rlim_cur < r.rlim_max {
        r.rlim_cur = r.rlim_max;
        // SAFETY: setrlimit reads the struct we pass.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) };
    }
}

/// Sets this process's limit on the size of files it writes (tests make
/// the disk look full with it).
pub fn set_file_size_limit(bytes: u64) -> io::Result<()> {
    let r = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: setrlimit reads the struct we pass.
    match unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &r) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

/// A write past the file size limit (RLIMIT_FSIZE) raises SIGXFSZ, which
/// kills the process by default; ignored, the write fails with EFBIG and
/// the request fails like any other failed write (the JVM does the same).
pub fn ignore_file_size_signal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sets the disposition of one signal to "ignore"; no handler
        // code runs.
        unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    });
}

/// Allocates `len` bytes of `file` from `offset` (fallocate, mode 0).
pub fn fallocate(file: &File, offset: u64, len: u64) -> io::Result<()> {
    // SAFETY: fallocate on a descriptor the File keeps open, plain integers.
    let rc = unsafe {
        libc::fallocate(
            file.as_raw_fd(),
            0,
            offset as libc::off_t,
            len as libc::off_t,
        )
    };
    match rc {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

/// Writes `len` bytes of `file` from `offset` to the disk and waits for
/// them (sync_file_range): not a durability point (no metadata, no disk
/// cache flush), only a way to send data to the disk in steps.
pub fn write_back(file: &File, offset: u64, len: u64) -> io::Result<()> {
    sync_file_range(
        file,
        offset,
        len,
        libc::SYNC_FILE_RANGE_WAIT_BEFORE
            | libc::SYNC_FILE_RANGE_WRITE
            | libc::SYNC_FILE_RANGE_WAIT_AFTER,
    )
}

/// Starts writing `len` bytes of `file` from `offset` to the disk, without
/// waiting for them.
pub fn start_write_back(file: &File, offset: u64, len: u64) -> io::Result<()> {
    sync_file_range(file, offset, len, libc::SYNC_FILE_RANGE_WRITE)
}

fn sync_file_range(file: &File, offset: u64, len: u64, flags: libc::c_uint) -> io::Result<()> {
    // SAFETY: sync_file_range on a descriptor the File keeps open, plain
    // integers.
    let rc = unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            offset as libc::off64_t,
            len as libc::off64_t,
            flags,
        )
    };
    match rc {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

/// Drops `len` bytes of `file` from `offset` from the page cache
/// (posix_fadvise DONTNEED); only pages already on the disk go.
pub fn drop_cached(file: &File, offset: u64, len: u64) -> io::Result<()> {
    // SAFETY: posix_fadvise on a descriptor the File keeps open, plain
    // integers; it reads and writes no memory of ours.
    let rc = unsafe {
        libc::posix_fadvise(
            file.as_raw_fd(),
            offset as libc::off_t,
            len as libc::off_t,
            libc::POSIX_FADV_DONTNEED,
        )
    };
    // It returns the error number rather than setting errno.
    match rc {
        0 => Ok(()),
        e => Err(io::Error::from_raw_os_error(e)),
    }
}

/// Asks the CPU to bring the cache line at `p` in. Only a hint: `p` is
/// never read through, and any address will do.
#[inline(always)]
pub fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the intrinsic needs SSE, which every x86_64 CPU has, and a
    // prefetch never faults, whatever the address.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// SIGTERM and SIGINT, blocked in every thread started after
/// [`StopSignals::block`], so that [`StopSignals::wait`] receives them.
pub struct StopSignals(libc::sigset_t);

impl StopSignals {
    /// Blocks the stop signals in this thread and the threads it starts
    /// from now on.
    pub fn block() -> StopSignals {
        // SAFETY: sigemptyset initialises the set before sigaddset adds to
        // it; pthread_sigmask changes this thread's mask with that set.
        let set = unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            set
        };
        StopSignals(set)
    }

    /// Waits for one of them.
    pub fn wait(&self) {
        let mut sig: libc::c_int = 0;
        // SAFETY: sigwait reads the set we built and writes the number.
        unsafe { libc::sigwait(&self.0, &mut sig) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_and_preallocation_and_write_back_work_on_a_file() {
        assert!(open_file_limit() > 0);
        let dir = testkit::TempDir::new("sys");
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(dir.path().join("f"))
            .unwrap();
        match fallocate(&f, 0, 1 << 16) {
            Ok(()) => assert_eq!(f.metadata().unwrap().len(), 1 << 16),
            // Not every filesystem offers it; the log falls back then.
            Err(e) => assert_eq!(e.raw_os_error(), Some(libc::EOPNOTSUPP)),
        }
        use std::os::unix::fs::FileExt;
        f.write_all_at(b"hello", 0).unwrap();
        write_back(&f, 0, 5).unwrap();
        start_write_back(&f, 0, 5).unwrap();
        let x = 7u8;
        prefetch(&x);
        prefetch(std::ptr::null());
    }
}
