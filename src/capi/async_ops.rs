//! The asynchronous API: each call checks its arguments as Apache does,
//! queues the operation and returns; the completion runs on the handle's
//! callback thread.

use std::os::raw::{c_char, c_int, c_void};

use zkrs_client::ops::MAX_TTL;
use zkrs_client::{Completion, Op, Watcher};
use zkrs_proto::errors::*;
use zkrs_proto::path::validate_path;

use super::alloc::{acl_arg, bytes_arg};
use super::completions;
use super::guard::ffi_int;
use super::handle::{c_str, lookup, Handle, HandleRef};
use super::jute::ACL_vector;
use super::types::*;

pub(crate) fn is_sequential(mode: c_int) -> bool {
    mode == 2 || mode == 3 || mode == 6
}

pub(crate) fn is_ttl(mode: c_int) -> bool {
    mode == 5 || mode == 6
}

/// Apache's TTL rule: TTL modes need 0 < ttl <= MAX_TTL, other modes a
/// negative ttl.
pub(crate) fn check_ttl(mode: c_int, ttl: i64) -> Result<(), c_int> {
    let ok = if is_ttl(mode) {
        ttl > 0 && ttl <= MAX_TTL
    } else {
        ttl < 0
    };
    if ok {
        Ok(())
    } else {
        Err(ZBADARGUMENTS)
    }
}

/// Checks `path` as the server will see it (after the chroot).
pub(crate) fn checked_path(
    h: &Handle,
    path: *const c_char,
    sequential: bool,
) -> Result<String, c_int> {
    let p = c_str(path).ok_or(ZBADARGUMENTS)?;
    let server = match h.client.chroot() {
        None => p.to_string(),
        Some(root) if p == "/" => root.to_string(),
        Some(root) => format!("{root}{p}"),
    };
    validate_path(&server, sequential).map_err(|_| ZBADARGUMENTS)?;
    Ok(p.to_string())
}

/// The handle and checked path of a call, in Apache's order of checks:
/// handle and path (`ZBADARGUMENTS`), then the session (`ZINVALIDSTATE`).
pub(crate) fn begin(
    zh: *mut zhandle_t,
    path: *const c_char,
    sequential: bool,
) -> Result<(HandleRef, String), c_int> {
    let h = lookup(zh)?;
    let p = checked_path(&h, path, sequential)?;
    usable(&h)?;
    Ok((h, p))
}

/// The handle of a call without a path, checked in `begin`'s order.
pub(crate) fn usable_handle(zh: *mut zhandle_t) -> Result<HandleRef, c_int> {
    let h = lookup(zh)?;
    usable(&h)?;
    Ok(h)
}

pub(crate) fn usable(h: &Handle) -> Result<(), c_int> {
    if h.client.is_unrecoverable() || h.client.is_closed() {
        Err(ZINVALIDSTATE)
    } else {
        Ok(())
    }
}

/// The watcher of a `watch` flag: the global watcher, or none.
pub(crate) fn flag_watcher(h: &Handle, watch: c_int) -> Option<Watcher> {
    (watch != 0).then(|| h.ctx.default_watcher())
}

/// The watcher of a `zoo_w*` call (none when `watcher` is NULL).
pub(crate) fn fn_watcher(h: &Handle, watcher: watcher_fn, ctx: *mut c_void) -> Option<Watcher> {
    watcher.map(|_| h.ctx.c_watcher(watcher, ctx))
}

/// Queues `op`; its result goes to `done` on the callback thread.
pub(crate) fn submit(h: &Handle, op: Op, watcher: Option<Watcher>, done: Completion) -> c_int {
    match h.client.submit(op, watcher, done) {
        Ok(()) => ZOK,
        Err(rc) => rc,
    }
}

/// Builds the create operation shared by the create calls.
#[allow(clippy::too_many_arguments)]
pub(crate) fn create_op(
    zh: *mut zhandle_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    ttl: i64,
    with_stat: bool,
) -> Result<(HandleRef, Op), c_int> {
    check_ttl(mode, ttl)?;
    let (h, path) = begin(zh, path, is_sequential(mode))?;
    let op = Op::Create {
        path,
        data: bytes_arg(value, valuelen)?,
        acl: acl_arg(acl)?,
        mode,
        ttl,
        with_stat,
    };
    Ok((h, op))
}

macro_rules! try_rc {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(rc) => return rc,
        }
    };
}
pub(crate) use try_rc;

/// Creates a node; the completion gets its path (with the sequence
/// number for sequential modes).
#[no_mangle]
pub unsafe extern "C" fn zoo_acreate(
    zh: *mut zhandle_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    completion: string_completion_t,
    data: *const c_void,
) -> c_int {
    unsafe { zoo_acreate_ttl(zh, path, value, valuelen, acl, mode, -1, completion, data) }
}

/// `zoo_acreate` with a TTL (for the `*_WITH_TTL` modes; -1 otherwise).
#[no_mangle]
pub unsafe extern "C" fn zoo_acreate_ttl(
    zh: *mut zhandle_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    ttl: i64,
    completion: string_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, op) = try_rc!(create_op(zh, path, value, valuelen, acl, mode, ttl, false));
        submit(&h, op, None, completions::string(completion, data))
    })
}

/// Creates a node; the completion gets its path and stat.
#[no_mangle]
pub unsafe extern "C" fn zoo_acreate2(
    zh: *mut zhandle_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    completion: string_stat_completion_t,
    data: *const c_void,
) -> c_int {
    unsafe { zoo_acreate2_ttl(zh, path, value, valuelen, acl, mode, -1, completion, data) }
}

/// `zoo_acreate2` with a TTL.
#[no_mangle]
pub unsafe extern "C" fn zoo_acreate2_ttl(
    zh: *mut zhandle_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    ttl: i64,
    completion: string_stat_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, op) = try_rc!(create_op(zh, path, value, valuelen, acl, mode, ttl, true));
        submit(&h, op, None, completions::string_stat(completion, data))
    })
}

/// Deletes a node if its version matches (-1: any version).
#[no_mangle]
pub unsafe extern "C" fn zoo_adelete(
    zh: *mut zhandle_t,
    path: *const c_char,
    version: c_int,
    completion: void_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        submit(
            &h,
            Op::Delete { path, version },
            None,
            completions::void(completion, data),
        )
    })
}

/// Checks whether a node exists; `watch` sets the global watcher on it.
#[no_mangle]
pub unsafe extern "C" fn zoo_aexists(
    zh: *mut zhandle_t,
    path: *const c_char,
    watch: c_int,
    completion: stat_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        let w = flag_watcher(&h, watch);
        submit(
            &h,
            Op::Exists { path },
            w,
            completions::stat(completion, data),
        )
    })
}

/// `zoo_aexists` with a watcher of its own.
#[no_mangle]
pub unsafe extern "C" fn zoo_awexists(
    zh: *mut zhandle_t,
    path: *const c_char,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    completion: stat_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        let w = fn_watcher(&h, watcher, watcherCtx);
        submit(
            &h,
            Op::Exists { path },
            w,
            completions::stat(completion, data),
        )
    })
}

/// Reads a node's data and stat.
#[no_mangle]
pub unsafe extern "C" fn zoo_aget(
    zh: *mut zhandle_t,
    path: *const c_char,
    watch: c_int,
    completion: data_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        let w = flag_watcher(&h, watch);
        submit(
            &h,
            Op::GetData { path },
            w,
            completions::data(completion, data),
        )
    })
}

/// `zoo_aget` with a watcher of its own.
#[no_mangle]
pub unsafe extern "C" fn zoo_awget(
    zh: *mut zhandle_t,
    path: *const c_char,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    completion: data_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        let w = fn_watcher(&h, watcher, watcherCtx);
        submit(
            &h,
            Op::GetData { path },
            w,
            completions::data(completion, data),
        )
    })
}

fn getconfig(
    zh: *mut zhandle_t,
    w: impl FnOnce(&Handle) -> Option<Watcher>,
    done: impl FnOnce() -> Completion,
) -> c_int {
    let h = try_rc!(usable_handle(zh));
    let w = w(&h);
    submit(&h, Op::GetConfig, w, done())
}

/// Reads the ensemble configuration (`/zookeeper/config`).
#[no_mangle]
pub unsafe extern "C" fn zoo_agetconfig(
    zh: *mut zhandle_t,
    watch: c_int,
    completion: data_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        getconfig(
            zh,
            |h| flag_watcher(h, watch),
            || completions::data(completion, data),
        )
    })
}

/// `zoo_agetconfig` with a watcher of its own.
#[no_mangle]
pub unsafe extern "C" fn zoo_awgetconfig(
    zh: *mut zhandle_t,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    completion: data_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        getconfig(
            zh,
            |h| fn_watcher(h, watcher, watcherCtx),
            || completions::data(completion, data),
        )
    })
}

pub(crate) fn reconfig_op(
    joining: *const c_char,
    leaving: *const c_char,
    members: *const c_char,
    version: i64,
) -> Op {
    let s = |p: *const c_char| c_str(p).map(str::to_string);
    Op::Reconfig {
        joining: s(joining),
        leaving: s(leaving),
        members: s(members),
        version,
    }
}

/// Changes the ensemble membership; the completion gets the new config.
#[no_mangle]
pub unsafe extern "C" fn zoo_areconfig(
    zh: *mut zhandle_t,
    joining: *const c_char,
    leaving: *const c_char,
    members: *const c_char,
    version: i64,
    dc: data_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let h = try_rc!(usable_handle(zh));
        submit(
            &h,
            reconfig_op(joining, leaving, members, version),
            None,
            completions::data(dc, data),
        )
    })
}

/// Sets a node's data if its version matches (-1: any version).
#[no_mangle]
pub unsafe extern "C" fn zoo_aset(
    zh: *mut zhandle_t,
    path: *const c_char,
    buffer: *const c_char,
    buflen: c_int,
    version: c_int,
    completion: stat_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        let value = try_rc!(bytes_arg(buffer, buflen));
        submit(
            &h,
            Op::SetData {
                path,
                data: value,
                version,
            },
            None,
            completions::stat(completion, data),
        )
    })
}

fn children(
    zh: *mut zhandle_t,
    path: *const c_char,
    with_stat: bool,
    w: impl FnOnce(&Handle) -> Option<Watcher>,
    done: Completion,
) -> c_int {
    let (h, path) = try_rc!(begin(zh, path, false));
    let w = w(&h);
    submit(&h, Op::GetChildren { path, with_stat }, w, done)
}

/// Lists a node's children.
#[no_mangle]
pub unsafe extern "C" fn zoo_aget_children(
    zh: *mut zhandle_t,
    path: *const c_char,
    watch: c_int,
    completion: strings_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        children(
            zh,
            path,
            false,
            |h| flag_watcher(h, watch),
            completions::strings(completion, data),
        )
    })
}

/// `zoo_aget_children` with a watcher of its own.
#[no_mangle]
pub unsafe extern "C" fn zoo_awget_children(
    zh: *mut zhandle_t,
    path: *const c_char,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    completion: strings_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        children(
            zh,
            path,
            false,
            |h| fn_watcher(h, watcher, watcherCtx),
            completions::strings(completion, data),
        )
    })
}

/// Lists a node's children and returns its stat.
#[no_mangle]
pub unsafe extern "C" fn zoo_aget_children2(
    zh: *mut zhandle_t,
    path: *const c_char,
    watch: c_int,
    completion: strings_stat_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        children(
            zh,
            path,
            true,
            |h| flag_watcher(h, watch),
            completions::strings_stat(completion, data),
        )
    })
}

/// `zoo_aget_children2` with a watcher of its own.
#[no_mangle]
pub unsafe extern "C" fn zoo_awget_children2(
    zh: *mut zhandle_t,
    path: *const c_char,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    completion: strings_stat_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        children(
            zh,
            path,
            true,
            |h| fn_watcher(h, watcher, watcherCtx),
            completions::strings_stat(completion, data),
        )
    })
}

/// Flushes the channel between the server and the leader for `path`.
#[no_mangle]
pub unsafe extern "C" fn zoo_async(
    zh: *mut zhandle_t,
    path: *const c_char,
    completion: string_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        submit(
            &h,
            Op::Sync { path },
            None,
            completions::string(completion, data),
        )
    })
}

/// Reads a node's ACL.
#[no_mangle]
pub unsafe extern "C" fn zoo_aget_acl(
    zh: *mut zhandle_t,
    path: *const c_char,
    completion: acl_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        submit(
            &h,
            Op::GetAcl { path },
            None,
            completions::acl(completion, data),
        )
    })
}

/// Sets a node's ACL if its ACL version matches (-1: any version).
#[no_mangle]
pub unsafe extern "C" fn zoo_aset_acl(
    zh: *mut zhandle_t,
    path: *const c_char,
    version: c_int,
    acl: *mut ACL_vector,
    completion: void_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        if acl.is_null() {
            return ZBADARGUMENTS;
        }
        let acl = try_rc!(acl_arg(acl));
        submit(
            &h,
            Op::SetAcl { path, version, acl },
            None,
            completions::void(completion, data),
        )
    })
}
