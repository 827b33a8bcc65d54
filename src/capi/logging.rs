//! The logging functions of `zookeeper.h`: level, stream and per-handle
//! callback. Lines are formatted by `log::emit`.

use std::sync::atomic::Ordering;

use super::consts::ZooLogLevelArg;
use super::handle::with_handle;
use super::log::{set_level, LOG_STREAM};
use super::types::{log_callback_fn, zhandle_t};

/// Sets the most verbose level that is logged. 0 turns logging off;
/// other values outside ERROR..DEBUG are clamped (compared unsigned, as
/// Apache's enum is, so negative values mean DEBUG).
#[no_mangle]
pub extern "C" fn zoo_set_debug_level(logLevel: ZooLogLevelArg) {
    super::guard::ffi_void(|| {
        let level = match logLevel as u32 {
            0 => 0,
            l => l.clamp(1, 4) as i32,
        };
        set_level(level);
    })
}

/// Sets the stream lines without a callback go to (NULL: stderr).
#[no_mangle]
pub extern "C" fn zoo_set_log_stream(logStream: *mut libc::FILE) {
    LOG_STREAM.store(logStream, Ordering::Release);
}

/// The handle's log callback (NULL when it has none or `zh` is invalid).
#[no_mangle]
pub extern "C" fn zoo_get_log_callback(zh: *const zhandle_t) -> log_callback_fn {
    super::guard::ffi_or(None, || {
        with_handle(zh, |h| h.ctx.log_callback()).unwrap_or(None)
    })
}

/// Sets the handle's log callback; NULL makes its lines go to the stream.
#[no_mangle]
pub extern "C" fn zoo_set_log_callback(zh: *mut zhandle_t, callback: log_callback_fn) {
    super::guard::ffi_void(|| {
        let _ = with_handle(zh, |h| h.ctx.set_log_callback(callback));
    })
}
