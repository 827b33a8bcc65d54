//! C library entry points the `libc` crate does not declare in the form
//! needed here.

use std::os::raw::{c_char, c_int, c_void};

extern "C" {
    /// `vsnprintf` taking the `va_list` as the pointer it decays to.
    #[link_name = "vsnprintf"]
    pub(crate) fn vsnprintf_va(
        s: *mut c_char,
        n: usize,
        format: *const c_char,
        ap: *mut c_void,
    ) -> c_int;

    #[link_name = "stderr"]
    static mut STDERR: *mut libc::FILE;
}

/// Sets the calling thread's `errno`, as C callers of a failed call expect.
pub(crate) fn set_errno(e: c_int) {
    // SAFETY: errno is thread-local.
    unsafe { *libc::__errno_location() = e };
}

/// The C library's `stderr` stream.
pub(crate) fn stderr_stream() -> *mut libc::FILE {
    // SAFETY: reading the C library's stderr pointer, set at startup.
    unsafe { STDERR }
}
