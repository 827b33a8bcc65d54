//! Removing watches: `zoo_remove_watches`, `zoo_remove_all_watches` and
//! their asynchronous forms.

use std::os::raw::{c_char, c_int, c_void};

use zkrs_client::{Op, WatcherId};
use zkrs_proto::errors::*;

use super::async_ops::{checked_path, submit, try_rc, usable};
use super::completions;
use super::consts::ZooWatcherTypeArg;
use super::guard::ffi_int;
use super::handle::lookup;
use super::types::*;

fn op(
    zh: *mut zhandle_t,
    path: *const c_char,
    wtype: c_int,
    watcher: Option<(watcher_fn, *mut c_void)>,
    local: c_int,
) -> Result<(super::handle::HandleRef, Op), c_int> {
    let h = lookup(zh)?;
    let path = checked_path(&h, path, false)?;
    if !(1..=3).contains(&wtype) {
        return Err(ZBADARGUMENTS);
    }
    if local == 0 {
        usable(&h)?;
    }
    let all = watcher.is_none();
    let target = watcher.and_then(|(f, ctx)| f.map(|f| WatcherId(f as usize, ctx as usize)));
    Ok((
        h,
        Op::RemoveWatches {
            path,
            watcher_type: wtype,
            watcher: target,
            local: local != 0,
            all,
        },
    ))
}

/// Apache declares the completion as `void_completion_t *` but uses the
/// pointer's value as the function itself; so does this library.
fn completion_of(p: *mut void_completion_t) -> void_completion_t {
    // SAFETY: the value is a function pointer (or NULL) cast by the caller.
    unsafe { std::mem::transmute::<usize, void_completion_t>(p as usize) }
}

/// Removes the watcher `(watcher, watcherCtx)` of kind `wtype` from
/// `path` (`local`: without asking the server).
#[no_mangle]
pub unsafe extern "C" fn zoo_aremove_watches(
    zh: *mut zhandle_t,
    path: *const c_char,
    wtype: ZooWatcherTypeArg,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    local: c_int,
    completion: *mut void_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, op) = try_rc!(op(zh, path, wtype, Some((watcher, watcherCtx)), local));
        let done = completions::void(completion_of(completion), data);
        submit(&h, op, None, done)
    })
}

/// Removes every watcher of kind `wtype` from `path`.
#[no_mangle]
pub unsafe extern "C" fn zoo_aremove_all_watches(
    zh: *mut zhandle_t,
    path: *const c_char,
    wtype: ZooWatcherTypeArg,
    local: c_int,
    completion: *mut void_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, op) = try_rc!(op(zh, path, wtype, None, local));
        let done = completions::void(completion_of(completion), data);
        submit(&h, op, None, done)
    })
}

/// `zoo_aremove_watches`, waiting for the outcome.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_remove_watches(
    zh: *mut zhandle_t,
    path: *const c_char,
    wtype: ZooWatcherTypeArg,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    local: c_int,
) -> c_int {
    ffi_int(|| {
        if path.is_null() {
            return ZBADARGUMENTS;
        }
        let (h, op) = try_rc!(op(zh, path, wtype, Some((watcher, watcherCtx)), local));
        h.client.call(op, None).err
    })
}

/// `zoo_aremove_all_watches`, waiting for the outcome.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_remove_all_watches(
    zh: *mut zhandle_t,
    path: *const c_char,
    wtype: ZooWatcherTypeArg,
    local: c_int,
) -> c_int {
    ffi_int(|| {
        if path.is_null() {
            return ZBADARGUMENTS;
        }
        let (h, op) = try_rc!(op(zh, path, wtype, None, local));
        h.client.call(op, None).err
    })
}
