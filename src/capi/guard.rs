//! Keeps panics from crossing the C boundary: every exported function runs
//! its body through one of these, which turn a panic into an error result.

use std::os::raw::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

use zkrs_proto::errors::ZSYSTEMERROR;

/// Runs `f`; a panic becomes `ZSYSTEMERROR`.
pub(crate) fn ffi_int(f: impl FnOnce() -> c_int) -> c_int {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(ZSYSTEMERROR)
}

/// Runs `f`; a panic becomes `fallback`.
pub(crate) fn ffi_or<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Runs `f`, ignoring a panic.
pub(crate) fn ffi_void(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}
