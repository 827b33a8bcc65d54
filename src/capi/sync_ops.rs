//! The synchronous API (declared for `THREADED` builds, as in Apache).
//! Each call waits for its result, which the engine hands straight to the
//! caller, so these also work inside watcher and completion callbacks.

use std::os::raw::{c_char, c_int, c_void};

use zkrs_client::{Op, OpResult, Response, Watcher};
use zkrs_proto::errors::*;

use super::alloc::{
    acl_arg, bytes_arg, copy_c_string, fill_acl_vector, fill_string_vector, put_stat,
};
use super::async_ops::{
    begin, create_op, flag_watcher, fn_watcher, reconfig_op, try_rc, usable_handle,
};
use super::guard::ffi_int;
use super::handle::Handle;
use super::jute::{ACL_vector, Stat, String_vector};
use super::types::*;

fn call(h: &Handle, op: Op, watcher: Option<Watcher>) -> OpResult {
    h.client.call(op, watcher)
}

/// Checks a `char *buffer, int *buffer_len` pair before the call: the
/// length pointer is required, the capacity must not be negative, and a
/// positive capacity needs a buffer.
fn buffer_capacity(buffer: *mut c_char, buffer_len: *mut c_int) -> Result<c_int, c_int> {
    if buffer_len.is_null() {
        return Err(ZBADARGUMENTS);
    }
    // SAFETY: checked non-NULL above.
    let cap = unsafe { *buffer_len };
    if cap < 0 || (cap > 0 && buffer.is_null()) {
        return Err(ZBADARGUMENTS);
    }
    Ok(cap)
}

/// Apache's rules for returned data: as many bytes as fit are copied and
/// `*buffer_len` becomes that count, or -1 for a null value.
fn put_data(
    r: &OpResult,
    buffer: *mut c_char,
    buffer_len: *mut c_int,
    cap: c_int,
    stat: *mut Stat,
) {
    if let Response::Data { data, stat: s } = &r.response {
        let n = match data {
            None => -1,
            Some(d) => {
                let n = d.len().min(cap as usize);
                if n > 0 {
                    // SAFETY: `buffer` has `cap` >= n writable bytes.
                    unsafe { std::ptr::copy_nonoverlapping(d.as_ptr(), buffer.cast::<u8>(), n) };
                }
                n as c_int
            }
        };
        // SAFETY: checked non-NULL by buffer_capacity.
        unsafe { *buffer_len = n };
        put_stat(stat, s);
    }
}

fn path_buffer_ok(path_buffer: *mut c_char, path_buffer_len: c_int) -> Result<(), c_int> {
    if path_buffer.is_null() && path_buffer_len > 0 {
        Err(ZBADARGUMENTS)
    } else {
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn create(
    zh: *mut zhandle_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    ttl: i64,
    path_buffer: *mut c_char,
    path_buffer_len: c_int,
    stat: Option<*mut Stat>,
) -> c_int {
    try_rc!(path_buffer_ok(path_buffer, path_buffer_len));
    let (h, op) = try_rc!(create_op(
        zh,
        path,
        value,
        valuelen,
        acl,
        mode,
        ttl,
        stat.is_some()
    ));
    let r = call(&h, op, None);
    if r.err == ZOK {
        if let Response::Path { path, stat: s } = &r.response {
            copy_c_string(path_buffer, path_buffer_len, path);
            if let (Some(out), Some(s)) = (stat, s) {
                put_stat(out, s);
            }
        }
    }
    r.err
}

/// Creates a node; its path is copied into `path_buffer` (truncated to
/// `path_buffer_len` bytes including the NUL).
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_create(
    zh: *mut zhandle_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    path_buffer: *mut c_char,
    path_buffer_len: c_int,
) -> c_int {
    ffi_int(|| {
        create(
            zh,
            path,
            value,
            valuelen,
            acl,
            mode,
            -1,
            path_buffer,
            path_buffer_len,
            None,
        )
    })
}

/// `zoo_create` with a TTL.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_create_ttl(
    zh: *mut zhandle_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    ttl: i64,
    path_buffer: *mut c_char,
    path_buffer_len: c_int,
) -> c_int {
    ffi_int(|| {
        create(
            zh,
            path,
            value,
            valuelen,
            acl,
            mode,
            ttl,
            path_buffer,
            path_buffer_len,
            None,
        )
    })
}

/// `zoo_create` that also returns the new node's stat.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_create2(
    zh: *mut zhandle_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    path_buffer: *mut c_char,
    path_buffer_len: c_int,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| {
        create(
            zh,
            path,
            value,
            valuelen,
            acl,
            mode,
            -1,
            path_buffer,
            path_buffer_len,
            Some(stat),
        )
    })
}

/// `zoo_create2` with a TTL.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_create2_ttl(
    zh: *mut zhandle_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    ttl: i64,
    path_buffer: *mut c_char,
    path_buffer_len: c_int,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| {
        create(
            zh,
            path,
            value,
            valuelen,
            acl,
            mode,
            ttl,
            path_buffer,
            path_buffer_len,
            Some(stat),
        )
    })
}

/// Deletes a node if its version matches (-1: any version).
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_delete(
    zh: *mut zhandle_t,
    path: *const c_char,
    version: c_int,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        call(&h, Op::Delete { path, version }, None).err
    })
}

fn exists(
    zh: *mut zhandle_t,
    path: *const c_char,
    w: impl FnOnce(&Handle) -> Option<Watcher>,
    stat: *mut Stat,
) -> c_int {
    let (h, path) = try_rc!(begin(zh, path, false));
    let w = w(&h);
    let r = call(&h, Op::Exists { path }, w);
    if let (ZOK, Response::Stat(s)) = (r.err, &r.response) {
        put_stat(stat, s);
    }
    r.err
}

/// Checks whether a node exists (ZNONODE if not); fills `stat` if given.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_exists(
    zh: *mut zhandle_t,
    path: *const c_char,
    watch: c_int,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| exists(zh, path, |h| flag_watcher(h, watch), stat))
}

/// `zoo_exists` with a watcher of its own.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_wexists(
    zh: *mut zhandle_t,
    path: *const c_char,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| exists(zh, path, |h| fn_watcher(h, watcher, watcherCtx), stat))
}

fn get(
    zh: *mut zhandle_t,
    path: Option<*const c_char>,
    w: impl FnOnce(&Handle) -> Option<Watcher>,
    buffer: *mut c_char,
    buffer_len: *mut c_int,
    stat: *mut Stat,
) -> c_int {
    let cap = try_rc!(buffer_capacity(buffer, buffer_len));
    let (h, op) = match path {
        Some(path) => {
            let (h, path) = try_rc!(begin(zh, path, false));
            (h, Op::GetData { path })
        }
        None => (try_rc!(usable_handle(zh)), Op::GetConfig),
    };
    let w = w(&h);
    let r = call(&h, op, w);
    if r.err == ZOK {
        put_data(&r, buffer, buffer_len, cap, stat);
    }
    r.err
}

/// Reads a node's data into `buffer` (see the buffer rules of Apache's
/// documentation: `*buffer_len` in is the capacity, out the length copied,
/// -1 for a null value).
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_get(
    zh: *mut zhandle_t,
    path: *const c_char,
    watch: c_int,
    buffer: *mut c_char,
    buffer_len: *mut c_int,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| {
        get(
            zh,
            Some(path),
            |h| flag_watcher(h, watch),
            buffer,
            buffer_len,
            stat,
        )
    })
}

/// `zoo_get` with a watcher of its own.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_wget(
    zh: *mut zhandle_t,
    path: *const c_char,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    buffer: *mut c_char,
    buffer_len: *mut c_int,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| {
        get(
            zh,
            Some(path),
            |h| fn_watcher(h, watcher, watcherCtx),
            buffer,
            buffer_len,
            stat,
        )
    })
}

/// Reads the ensemble configuration, with `zoo_get`'s buffer rules.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_getconfig(
    zh: *mut zhandle_t,
    watch: c_int,
    buffer: *mut c_char,
    buffer_len: *mut c_int,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| {
        get(
            zh,
            None,
            |h| flag_watcher(h, watch),
            buffer,
            buffer_len,
            stat,
        )
    })
}

/// `zoo_getconfig` with a watcher of its own.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_wgetconfig(
    zh: *mut zhandle_t,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    buffer: *mut c_char,
    buffer_len: *mut c_int,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| {
        get(
            zh,
            None,
            |h| fn_watcher(h, watcher, watcherCtx),
            buffer,
            buffer_len,
            stat,
        )
    })
}

/// Changes the ensemble membership; the new config is returned with
/// `zoo_get`'s buffer rules.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_reconfig(
    zh: *mut zhandle_t,
    joining: *const c_char,
    leaving: *const c_char,
    members: *const c_char,
    version: i64,
    buffer: *mut c_char,
    buffer_len: *mut c_int,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| {
        let cap = try_rc!(buffer_capacity(buffer, buffer_len));
        let h = try_rc!(usable_handle(zh));
        let r = call(&h, reconfig_op(joining, leaving, members, version), None);
        if r.err == ZOK {
            put_data(&r, buffer, buffer_len, cap, stat);
        }
        r.err
    })
}

/// Sets a node's data if its version matches (-1: any version).
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_set(
    zh: *mut zhandle_t,
    path: *const c_char,
    buffer: *const c_char,
    buflen: c_int,
    version: c_int,
) -> c_int {
    unsafe { zoo_set2(zh, path, buffer, buflen, version, std::ptr::null_mut()) }
}

/// `zoo_set` that also returns the node's new stat.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_set2(
    zh: *mut zhandle_t,
    path: *const c_char,
    buffer: *const c_char,
    buflen: c_int,
    version: c_int,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        let data = try_rc!(bytes_arg(buffer, buflen));
        let r = call(
            &h,
            Op::SetData {
                path,
                data,
                version,
            },
            None,
        );
        if let (ZOK, Response::Stat(s)) = (r.err, &r.response) {
            put_stat(stat, s);
        }
        r.err
    })
}

fn children(
    zh: *mut zhandle_t,
    path: *const c_char,
    w: impl FnOnce(&Handle) -> Option<Watcher>,
    strings: *mut String_vector,
    stat: Option<*mut Stat>,
) -> c_int {
    let (h, path) = try_rc!(begin(zh, path, false));
    let w = w(&h);
    let op = Op::GetChildren {
        path,
        with_stat: stat.is_some(),
    };
    let r = call(&h, op, w);
    if let (ZOK, Response::Children { children, stat: s }) = (r.err, &r.response) {
        fill_string_vector(strings, children);
        if let (Some(out), Some(s)) = (stat, s) {
            put_stat(out, s);
        }
    }
    r.err
}

/// Lists a node's children into `strings` (free with
/// `deallocate_String_vector`).
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_get_children(
    zh: *mut zhandle_t,
    path: *const c_char,
    watch: c_int,
    strings: *mut String_vector,
) -> c_int {
    ffi_int(|| children(zh, path, |h| flag_watcher(h, watch), strings, None))
}

/// `zoo_get_children` with a watcher of its own.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_wget_children(
    zh: *mut zhandle_t,
    path: *const c_char,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    strings: *mut String_vector,
) -> c_int {
    ffi_int(|| {
        children(
            zh,
            path,
            |h| fn_watcher(h, watcher, watcherCtx),
            strings,
            None,
        )
    })
}

/// `zoo_get_children` that also returns the node's stat.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_get_children2(
    zh: *mut zhandle_t,
    path: *const c_char,
    watch: c_int,
    strings: *mut String_vector,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| children(zh, path, |h| flag_watcher(h, watch), strings, Some(stat)))
}

/// `zoo_get_children2` with a watcher of its own.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_wget_children2(
    zh: *mut zhandle_t,
    path: *const c_char,
    watcher: watcher_fn,
    watcherCtx: *mut c_void,
    strings: *mut String_vector,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| {
        children(
            zh,
            path,
            |h| fn_watcher(h, watcher, watcherCtx),
            strings,
            Some(stat),
        )
    })
}

/// Reads a node's ACL into `acl` (free with `deallocate_ACL_vector`).
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_get_acl(
    zh: *mut zhandle_t,
    path: *const c_char,
    acl: *mut ACL_vector,
    stat: *mut Stat,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        let r = call(&h, Op::GetAcl { path }, None);
        if let (ZOK, Response::Acl { acl: a, stat: s }) = (r.err, &r.response) {
            fill_acl_vector(acl, a);
            put_stat(stat, s);
        }
        r.err
    })
}

/// Sets a node's ACL if its ACL version matches (-1: any version).
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_set_acl(
    zh: *mut zhandle_t,
    path: *const c_char,
    version: c_int,
    acl: *const ACL_vector,
) -> c_int {
    ffi_int(|| {
        let (h, path) = try_rc!(begin(zh, path, false));
        if acl.is_null() {
            return ZBADARGUMENTS;
        }
        let acl = try_rc!(acl_arg(acl));
        call(&h, Op::SetAcl { path, version, acl }, None).err
    })
}
