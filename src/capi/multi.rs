//! Multi-operations: the `zoo_*_op_init` helpers, `zoo_amulti` and
//! `zoo_multi`. Results are written into the caller's `zoo_op_result_t`
//! array as Apache does: the created path into `value` (truncated to
//! `valuelen`), the new stat of a set into `stat`.

use std::os::raw::{c_char, c_int, c_void};

use zkrs_client::{MultiOp, MultiResult, Op, OpResult, Response};
use zkrs_proto::errors::*;
use zkrs_proto::records::{CheckVersionRequest, CreateRequest, DeleteRequest, SetDataRequest};

use super::alloc::{acl_arg, bytes_arg, copy_c_string, put_stat};
use super::async_ops::{checked_path, is_sequential, submit, try_rc};
use super::completions::SendPtr;
use super::guard::{ffi_int, ffi_void};
use super::handle::{lookup, Handle};
use super::jute::{ACL_vector, Stat};
use super::proto::*;
use super::types::*;

/// Fills `op` with a create (`ZOO_CREATE_OP`, or `ZOO_CREATE_CONTAINER_OP`
/// / `ZOO_CREATE_TTL_OP` for those modes).
#[no_mangle]
pub unsafe extern "C" fn zoo_create_op_init(
    op: *mut zoo_op_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    path_buffer: *mut c_char,
    path_buffer_len: c_int,
) {
    ffi_void(|| unsafe {
        create_init(
            op,
            ZOO_CREATE_OP,
            path,
            value,
            valuelen,
            acl,
            mode,
            path_buffer,
            path_buffer_len,
        )
    })
}

/// Like `zoo_create_op_init` with `ZOO_CREATE2_OP` as the plain type.
#[no_mangle]
pub unsafe extern "C" fn zoo_create2_op_init(
    op: *mut zoo_op_t,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    path_buffer: *mut c_char,
    path_buffer_len: c_int,
) {
    ffi_void(|| unsafe {
        create_init(
            op,
            ZOO_CREATE2_OP,
            path,
            value,
            valuelen,
            acl,
            mode,
            path_buffer,
            path_buffer_len,
        )
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn create_init(
    op: *mut zoo_op_t,
    plain: c_int,
    path: *const c_char,
    value: *const c_char,
    valuelen: c_int,
    acl: *const ACL_vector,
    mode: c_int,
    buf: *mut c_char,
    buflen: c_int,
) {
    // SAFETY: a non-NULL op points to a zoo_op_t.
    let Some(op) = (unsafe { op.as_mut() }) else {
        return;
    };
    op.r#type = match mode {
        4 => ZOO_CREATE_CONTAINER_OP,
        5 | 6 => ZOO_CREATE_TTL_OP,
        _ => plain,
    };
    op.args.create_op = zoo_create_op {
        path,
        data: value,
        datalen: valuelen,
        buf,
        buflen,
        acl,
        flags: mode,
        ttl: 0,
    };
}

/// Fills `op` with a delete.
#[no_mangle]
pub unsafe extern "C" fn zoo_delete_op_init(
    op: *mut zoo_op_t,
    path: *const c_char,
    version: c_int,
) {
    ffi_void(|| {
        // SAFETY: a non-NULL op points to a zoo_op_t.
        if let Some(op) = unsafe { op.as_mut() } {
            op.r#type = ZOO_DELETE_OP;
            op.args.delete_op = zoo_delete_op { path, version };
        }
    })
}

/// Fills `op` with a set; `stat` (may be NULL) receives the new stat.
#[no_mangle]
pub unsafe extern "C" fn zoo_set_op_init(
    op: *mut zoo_op_t,
    path: *const c_char,
    buffer: *const c_char,
    buflen: c_int,
    version: c_int,
    stat: *mut Stat,
) {
    ffi_void(|| {
        // SAFETY: a non-NULL op points to a zoo_op_t.
        if let Some(op) = unsafe { op.as_mut() } {
            op.r#type = ZOO_SETDATA_OP;
            op.args.set_op = zoo_set_op {
                path,
                data: buffer,
                datalen: buflen,
                version,
                stat,
            };
        }
    })
}

/// Fills `op` with a version check.
#[no_mangle]
pub unsafe extern "C" fn zoo_check_op_init(op: *mut zoo_op_t, path: *const c_char, version: c_int) {
    ffi_void(|| {
        // SAFETY: a non-NULL op points to a zoo_op_t.
        if let Some(op) = unsafe { op.as_mut() } {
            op.r#type = ZOO_CHECK_OP;
            op.args.check_op = zoo_check_op { path, version };
        }
    })
}

/// Translates the C operations. A bad path fails the multi with
/// ZMARSHALLINGERROR and an op type Apache's client does not send with
/// ZUNIMPLEMENTED, as Apache's client does; bad data is ZBADARGUMENTS.
fn translate(
    h: &Handle,
    count: c_int,
    ops: *const zoo_op_t,
    results: *mut zoo_op_result_t,
) -> Result<Vec<MultiOp>, c_int> {
    if count < 0 || (count > 0 && (ops.is_null() || results.is_null())) {
        return Err(ZBADARGUMENTS);
    }
    let path = |p: *const c_char, seq: bool| checked_path(h, p, seq).map_err(|_| ZMARSHALLINGERROR);
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        // SAFETY: `ops` and `results` hold `count` entries; the union
        // member read is the one `type` selects.
        unsafe {
            let op = &*ops.add(i);
            let res = &mut *results.add(i);
            out.push(match op.r#type {
                ZOO_CREATE_OP | ZOO_CREATE_CONTAINER_OP => {
                    let c = op.args.create_op;
                    let req = CreateRequest {
                        path: path(c.path, is_sequential(c.flags))?,
                        data: bytes_arg(c.data, c.datalen)?,
                        acl: acl_arg(c.acl)?,
                        flags: c.flags,
                    };
                    res.value = c.buf;
                    res.valuelen = c.buflen;
                    if op.r#type == ZOO_CREATE_OP {
                        MultiOp::Create(req)
                    } else {
                        MultiOp::CreateContainer(req)
                    }
                }
                ZOO_DELETE_OP => {
                    let d = op.args.delete_op;
                    MultiOp::Delete(DeleteRequest {
                        path: path(d.path, false)?,
                        version: d.version,
                    })
                }
                ZOO_SETDATA_OP => {
                    let s = op.args.set_op;
                    res.stat = s.stat;
                    MultiOp::SetData(SetDataRequest {
                        path: path(s.path, false)?,
                        data: bytes_arg(s.data, s.datalen)?,
                        version: s.version,
                    })
                }
                ZOO_CHECK_OP => {
                    let c = op.args.check_op;
                    MultiOp::Check(CheckVersionRequest {
                        path: path(c.path, false)?,
                        version: c.version,
                    })
                }
                _ => return Err(ZUNIMPLEMENTED),
            });
        }
    }
    Ok(out)
}

/// Writes each op's outcome into `results`.
fn store_results(r: &OpResult, count: usize, results: *mut zoo_op_result_t) {
    let Response::Multi(list) = &r.response else {
        return;
    };
    for (i, res) in list.iter().enumerate().take(count) {
        // SAFETY: `results` holds `count` entries (checked when sent).
        let out = unsafe { &mut *results.add(i) };
        out.err = res.err();
        match res {
            MultiResult::Create(c) => {
                copy_c_string(out.value, out.valuelen, &c.path);
            }
            MultiResult::Create2(c) => {
                copy_c_string(out.value, out.valuelen, &c.path);
            }
            MultiResult::SetData(s) => put_stat(out.stat, &s.stat),
            MultiResult::Error(_) => {
                out.value = std::ptr::null_mut();
                out.stat = std::ptr::null_mut();
            }
            _ => {}
        }
    }
}

/// Runs `count` operations atomically; `results` (which must stay valid
/// until the completion runs) receives each one's outcome.
#[no_mangle]
pub unsafe extern "C" fn zoo_amulti(
    zh: *mut zhandle_t,
    count: c_int,
    ops: *const zoo_op_t,
    results: *mut zoo_op_result_t,
    completion: void_completion_t,
    data: *const c_void,
) -> c_int {
    ffi_int(|| {
        let h = try_rc!(lookup(zh));
        let list = try_rc!(translate(&h, count, ops, results));
        let out = SendPtr::new(results);
        let data = SendPtr::new(data);
        let n = count as usize;
        let done = Box::new(move |r: OpResult| {
            store_results(&r, n, out.0 as *mut zoo_op_result_t);
            if let Some(f) = completion {
                // SAFETY: the application's completion, called once.
                unsafe { f(r.err, data.get()) }
            }
        });
        submit(&h, Op::Multi(list), None, done)
    })
}

/// Runs `count` operations atomically and waits for the outcome.
#[cfg(zkrs_sync_api)]
#[no_mangle]
pub unsafe extern "C" fn zoo_multi(
    zh: *mut zhandle_t,
    count: c_int,
    ops: *const zoo_op_t,
    results: *mut zoo_op_result_t,
) -> c_int {
    ffi_int(|| {
        let h = try_rc!(lookup(zh));
        let list = try_rc!(translate(&h, count, ops, results));
        let r = h.client.call(Op::Multi(list), None);
        store_results(&r, count as usize, results);
        r.err
    })
}
