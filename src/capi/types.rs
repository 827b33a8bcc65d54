//! The types of `zookeeper.h`: the opaque handle, client ids, multi
//! operations and results, and the callback signatures.

use std::os::raw::{c_char, c_int, c_void};

use super::jute::{ACL_vector, Stat, String_vector};

/// The opaque handle. The pointers this library hands out are tokens for
/// an entry of its handle table, never dereferenced, so a stale or closed
/// handle is recognised instead of touching freed memory.
pub struct _zhandle {
    _opaque: [u8; 0],
}
pub type zhandle_t = _zhandle;

/// Certificate paths of an SSL connection (declared for compatibility;
/// this library does not speak SSL).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct _zcert {
    pub certstr: *mut c_char,
    pub ca: *mut c_char,
    pub cert: *mut c_char,
    pub key: *mut c_char,
    pub passwd: *mut c_char,
}
pub type zcert_t = _zcert;

/// A client socket as Apache's adaptor layer sees it (declared for
/// compatibility).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct _zsock {
    pub sock: c_int,
    pub cert: *mut zcert_t,
}
pub type zsock_t = _zsock;

/// A session's id and password, as `zoo_client_id` returns them and
/// `zookeeper_init` accepts them to resume a session.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct _clientid {
    pub client_id: i64,
    pub passwd: [c_char; 16],
}
pub type clientid_t = _clientid;

/// Arguments of a create inside a multi (`zoo_op.create_op`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zoo_create_op {
    pub path: *const c_char,
    pub data: *const c_char,
    pub datalen: c_int,
    pub buf: *mut c_char,
    pub buflen: c_int,
    pub acl: *const ACL_vector,
    pub flags: c_int,
    pub ttl: i64,
}

/// Arguments of a delete inside a multi (`zoo_op.delete_op`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zoo_delete_op {
    pub path: *const c_char,
    pub version: c_int,
}

/// Arguments of a set inside a multi (`zoo_op.set_op`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zoo_set_op {
    pub path: *const c_char,
    pub data: *const c_char,
    pub datalen: c_int,
    pub version: c_int,
    pub stat: *mut Stat,
}

/// Arguments of a version check inside a multi (`zoo_op.check_op`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zoo_check_op {
    pub path: *const c_char,
    pub version: c_int,
}

/// The arguments of one operation, selected by `zoo_op.type`. In C the
/// union is an anonymous member of `zoo_op` (see the header's trailer).
#[repr(C)]
#[derive(Clone, Copy)]
pub union zoo_op_args {
    pub create_op: zoo_create_op,
    pub delete_op: zoo_delete_op,
    pub set_op: zoo_set_op,
    pub check_op: zoo_check_op,
}

/// One operation of a multi, filled by the `zoo_*_op_init` helpers. C sees
/// the members of `args` directly (`op->create_op`); cbindgen cannot write
/// anonymous unions, so build.rs emits this struct's C text from the
/// trailer and the ABI test checks it against Apache's layout.
/// cbindgen:ignore
#[repr(C)]
#[derive(Clone, Copy)]
pub struct zoo_op {
    pub r#type: c_int,
    pub args: zoo_op_args,
}
pub type zoo_op_t = zoo_op;

/// The result of one operation of a multi.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zoo_op_result {
    pub err: c_int,
    pub value: *mut c_char,
    pub valuelen: c_int,
    pub stat: *mut Stat,
}
pub type zoo_op_result_t = zoo_op_result;

/// Receives watch events and session events.
pub type watcher_fn = Option<
    unsafe extern "C" fn(
        zh: *mut zhandle_t,
        r#type: c_int,
        state: c_int,
        path: *const c_char,
        watcherCtx: *mut c_void,
    ),
>;

/// Receives the library's formatted log lines (without the newline).
pub type log_callback_fn = Option<unsafe extern "C" fn(message: *const c_char)>;

pub type void_completion_t = Option<unsafe extern "C" fn(rc: c_int, data: *const c_void)>;
pub type stat_completion_t =
    Option<unsafe extern "C" fn(rc: c_int, stat: *const Stat, data: *const c_void)>;
pub type data_completion_t = Option<
    unsafe extern "C" fn(
        rc: c_int,
        value: *const c_char,
        value_len: c_int,
        stat: *const Stat,
        data: *const c_void,
    ),
>;
pub type strings_completion_t =
    Option<unsafe extern "C" fn(rc: c_int, strings: *const String_vector, data: *const c_void)>;
pub type string_stat_completion_t = Option<
    unsafe extern "C" fn(rc: c_int, string: *const c_char, stat: *const Stat, data: *const c_void),
>;
pub type strings_stat_completion_t = Option<
    unsafe extern "C" fn(
        rc: c_int,
        strings: *const String_vector,
        stat: *const Stat,
        data: *const c_void,
    ),
>;
pub type string_completion_t =
    Option<unsafe extern "C" fn(rc: c_int, value: *const c_char, data: *const c_void)>;
pub type acl_completion_t = Option<
    unsafe extern "C" fn(rc: c_int, acl: *mut ACL_vector, stat: *mut Stat, data: *const c_void),
>;
