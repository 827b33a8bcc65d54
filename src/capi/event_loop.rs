//! `zookeeper_interest` and `zookeeper_process`. In the multi-threaded
//! library the handle's own I/O thread does all socket work, so these
//! report nothing for the caller to wait on; they are declared for
//! single-threaded builds (without `THREADED`), as in Apache's header.

use std::os::raw::c_int;

use zkrs_proto::errors::*;

use super::async_ops::try_rc;
use super::guard::ffi_int;
use super::handle::lookup;
use super::types::zhandle_t;

/// How long an application loop may sleep before asking again.
const IDLE_WAIT_MS: i64 = 1000;

/// Reports no descriptor (`*fd` = -1) and no interest: the library's I/O
/// thread handles the connection. NULL arguments are ZBADARGUMENTS, an
/// expired or failed session ZINVALIDSTATE.
#[cfg(not(zkrs_event_loop_hidden))]
#[no_mangle]
pub unsafe extern "C" fn zookeeper_interest(
    zh: *mut zhandle_t,
    fd: *mut c_int,
    interest: *mut c_int,
    tv: *mut libc::timeval,
) -> c_int {
    ffi_int(|| {
        let h = try_rc!(lookup(zh));
        if fd.is_null() || interest.is_null() || tv.is_null() {
            return ZBADARGUMENTS;
        }
        if h.client.is_unrecoverable() {
            return ZINVALIDSTATE;
        }
        // SAFETY: checked non-NULL; the caller's out-parameters.
        unsafe {
            *fd = -1;
            *interest = 0;
            (*tv).tv_sec = (IDLE_WAIT_MS / 1000) as libc::time_t;
            (*tv).tv_usec = ((IDLE_WAIT_MS % 1000) * 1000) as libc::suseconds_t;
        }
        ZOK
    })
}

/// Nothing is left for the caller to process: the I/O thread has done it.
#[cfg(not(zkrs_event_loop_hidden))]
#[no_mangle]
pub unsafe extern "C" fn zookeeper_process(zh: *mut zhandle_t, _events: c_int) -> c_int {
    ffi_int(|| {
        let h = try_rc!(lookup(zh));
        if h.client.is_unrecoverable() {
            return ZINVALIDSTATE;
        }
        ZOK
    })
}
