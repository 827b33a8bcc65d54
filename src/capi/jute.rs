//! The records of `zookeeper.jute` as C structs (`zookeeper.jute.h`), with
//! the allocate/deallocate helpers. Owned strings, buffers and vector
//! arrays are malloc'ed, so C code may free what the library returns.

#![allow(non_camel_case_types, non_snake_case)]

use std::os::raw::{c_char, c_int};

use super::recordio::{buffer, deallocate_Buffer, deallocate_String};

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Id {
    pub scheme: *mut c_char,
    pub id: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ACL {
    pub perms: i32,
    pub id: Id,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Stat {
    pub czxid: i64,
    pub mzxid: i64,
    pub ctime: i64,
    pub mtime: i64,
    pub version: i32,
    pub cversion: i32,
    pub aversion: i32,
    pub ephemeralOwner: i64,
    pub dataLength: i32,
    pub numChildren: i32,
    pub pzxid: i64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct StatPersisted {
    pub czxid: i64,
    pub mzxid: i64,
    pub ctime: i64,
    pub mtime: i64,
    pub version: i32,
    pub cversion: i32,
    pub aversion: i32,
    pub ephemeralOwner: i64,
    pub pzxid: i64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ClientInfo {
    pub authScheme: *mut c_char,
    pub user: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ConnectRequest {
    pub protocolVersion: i32,
    pub lastZxidSeen: i64,
    pub timeOut: i32,
    pub sessionId: i64,
    pub passwd: buffer,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ConnectResponse {
    pub protocolVersion: i32,
    pub timeOut: i32,
    pub sessionId: i64,
    pub passwd: buffer,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct String_vector {
    pub count: i32,
    pub data: *mut *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetWatches {
    pub relativeZxid: i64,
    pub dataWatches: String_vector,
    pub existWatches: String_vector,
    pub childWatches: String_vector,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetWatches2 {
    pub relativeZxid: i64,
    pub dataWatches: String_vector,
    pub existWatches: String_vector,
    pub childWatches: String_vector,
    pub persistentWatches: String_vector,
    pub persistentRecursiveWatches: String_vector,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RequestHeader {
    pub xid: i32,
    pub r#type: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MultiHeader {
    pub r#type: i32,
    pub done: i32,
    pub err: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct AuthPacket {
    pub r#type: i32,
    pub scheme: *mut c_char,
    pub auth: buffer,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ReplyHeader {
    pub xid: i32,
    pub zxid: i64,
    pub err: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetDataRequest {
    pub path: *mut c_char,
    pub watch: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetDataRequest {
    pub path: *mut c_char,
    pub data: buffer,
    pub version: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ReconfigRequest {
    pub joiningServers: *mut c_char,
    pub leavingServers: *mut c_char,
    pub newMembers: *mut c_char,
    pub curConfigId: i64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetDataResponse {
    pub stat: Stat,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetSASLRequest {
    pub token: buffer,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetSASLRequest {
    pub token: buffer,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetSASLResponse {
    pub token: buffer,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ACL_vector {
    pub count: i32,
    pub data: *mut ACL,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CreateRequest {
    pub path: *mut c_char,
    pub data: buffer,
    pub acl: ACL_vector,
    pub flags: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CreateTTLRequest {
    pub path: *mut c_char,
    pub data: buffer,
    pub acl: ACL_vector,
    pub flags: i32,
    pub ttl: i64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct DeleteRequest {
    pub path: *mut c_char,
    pub version: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetChildrenRequest {
    pub path: *mut c_char,
    pub watch: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetAllChildrenNumberRequest {
    pub path: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetChildren2Request {
    pub path: *mut c_char,
    pub watch: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CheckVersionRequest {
    pub path: *mut c_char,
    pub version: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetMaxChildrenRequest {
    pub path: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetMaxChildrenResponse {
    pub max: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetMaxChildrenRequest {
    pub path: *mut c_char,
    pub max: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SyncRequest {
    pub path: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SyncResponse {
    pub path: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetACLRequest {
    pub path: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetACLRequest {
    pub path: *mut c_char,
    pub acl: ACL_vector,
    pub version: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetACLResponse {
    pub stat: Stat,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct AddWatchRequest {
    pub path: *mut c_char,
    pub mode: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WatcherEvent {
    pub r#type: i32,
    pub state: i32,
    pub path: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ErrorResponse {
    pub err: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CreateResponse {
    pub path: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Create2Response {
    pub path: *mut c_char,
    pub stat: Stat,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ExistsRequest {
    pub path: *mut c_char,
    pub watch: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ExistsResponse {
    pub stat: Stat,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetDataResponse {
    pub data: buffer,
    pub stat: Stat,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetChildrenResponse {
    pub children: String_vector,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetAllChildrenNumberResponse {
    pub totalNumber: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetChildren2Response {
    pub children: String_vector,
    pub stat: Stat,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetACLResponse {
    pub acl: ACL_vector,
    pub stat: Stat,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CheckWatchesRequest {
    pub path: *mut c_char,
    pub r#type: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RemoveWatchesRequest {
    pub path: *mut c_char,
    pub r#type: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetEphemeralsRequest {
    pub prefixPath: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GetEphemeralsResponse {
    pub ephemerals: String_vector,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ClientInfo_vector {
    pub count: i32,
    pub data: *mut ClientInfo,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WhoAmIResponse {
    pub clientInfo: ClientInfo_vector,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LearnerInfo {
    pub serverid: i64,
    pub protocolVersion: i32,
    pub configVersion: i64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Id_vector {
    pub count: i32,
    pub data: *mut Id,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct QuorumPacket {
    pub r#type: i32,
    pub zxid: i64,
    pub data: buffer,
    pub authinfo: Id_vector,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct QuorumAuthPacket {
    pub magic: i64,
    pub status: i32,
    pub token: buffer,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct FileHeader {
    pub magic: i32,
    pub version: i32,
    pub dbid: i64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TxnDigest {
    pub version: i32,
    pub treeDigest: i64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TxnHeader {
    pub clientId: i64,
    pub cxid: i32,
    pub zxid: i64,
    pub time: i64,
    pub r#type: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CreateTxnV0 {
    pub path: *mut c_char,
    pub data: buffer,
    pub acl: ACL_vector,
    pub ephemeral: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CreateTxn {
    pub path: *mut c_char,
    pub data: buffer,
    pub acl: ACL_vector,
    pub ephemeral: i32,
    pub parentCVersion: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CreateTTLTxn {
    pub path: *mut c_char,
    pub data: buffer,
    pub acl: ACL_vector,
    pub parentCVersion: i32,
    pub ttl: i64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CreateContainerTxn {
    pub path: *mut c_char,
    pub data: buffer,
    pub acl: ACL_vector,
    pub parentCVersion: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct DeleteTxn {
    pub path: *mut c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetDataTxn {
    pub path: *mut c_char,
    pub data: buffer,
    pub version: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CheckVersionTxn {
    pub path: *mut c_char,
    pub version: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetACLTxn {
    pub path: *mut c_char,
    pub acl: ACL_vector,
    pub version: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SetMaxChildrenTxn {
    pub path: *mut c_char,
    pub max: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CreateSessionTxn {
    pub timeOut: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CloseSessionTxn {
    pub paths2Delete: String_vector,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ErrorTxn {
    pub err: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Txn {
    pub r#type: i32,
    pub data: buffer,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Txn_vector {
    pub count: i32,
    pub data: *mut Txn,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MultiTxn {
    pub txns: Txn_vector,
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_Id(v: *mut Id) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).scheme);
        deallocate_String(&raw mut (*v).id);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_ACL(v: *mut ACL) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Id(&raw mut (*v).id);
    })
}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_Stat(_v: *mut Stat) {}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_StatPersisted(_v: *mut StatPersisted) {}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_ClientInfo(v: *mut ClientInfo) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).authScheme);
        deallocate_String(&raw mut (*v).user);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_ConnectRequest(v: *mut ConnectRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Buffer(&raw mut (*v).passwd);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_ConnectResponse(v: *mut ConnectResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Buffer(&raw mut (*v).passwd);
    })
}

/// Allocates `len` zeroed elements (`data` is NULL when `len` is 0).
///
/// # Safety
/// `v` must be NULL or point to a writable `String_vector`.
#[no_mangle]
pub unsafe extern "C" fn allocate_String_vector(v: *mut String_vector, len: i32) -> c_int {
    super::guard::ffi_int(|| unsafe {
        super::alloc::allocate_vector(v.cast(), len, std::mem::size_of::<*mut c_char>())
    })
}

/// Frees every element and the array; the struct itself is the caller's.
///
/// # Safety
/// `v` must be NULL or point to a vector built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_String_vector(v: *mut String_vector) -> c_int {
    super::guard::ffi_int(|| unsafe {
        super::alloc::deallocate_vector(v.cast(), deallocate_String)
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetWatches(v: *mut SetWatches) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String_vector(&raw mut (*v).dataWatches);
        deallocate_String_vector(&raw mut (*v).existWatches);
        deallocate_String_vector(&raw mut (*v).childWatches);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetWatches2(v: *mut SetWatches2) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String_vector(&raw mut (*v).dataWatches);
        deallocate_String_vector(&raw mut (*v).existWatches);
        deallocate_String_vector(&raw mut (*v).childWatches);
        deallocate_String_vector(&raw mut (*v).persistentWatches);
        deallocate_String_vector(&raw mut (*v).persistentRecursiveWatches);
    })
}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_RequestHeader(_v: *mut RequestHeader) {}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_MultiHeader(_v: *mut MultiHeader) {}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_AuthPacket(v: *mut AuthPacket) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).scheme);
        deallocate_Buffer(&raw mut (*v).auth);
    })
}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_ReplyHeader(_v: *mut ReplyHeader) {}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetDataRequest(v: *mut GetDataRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetDataRequest(v: *mut SetDataRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_Buffer(&raw mut (*v).data);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_ReconfigRequest(v: *mut ReconfigRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).joiningServers);
        deallocate_String(&raw mut (*v).leavingServers);
        deallocate_String(&raw mut (*v).newMembers);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetDataResponse(v: *mut SetDataResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Stat(&raw mut (*v).stat);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetSASLRequest(v: *mut GetSASLRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Buffer(&raw mut (*v).token);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetSASLRequest(v: *mut SetSASLRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Buffer(&raw mut (*v).token);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetSASLResponse(v: *mut SetSASLResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Buffer(&raw mut (*v).token);
    })
}

/// Allocates `len` zeroed elements (`data` is NULL when `len` is 0).
///
/// # Safety
/// `v` must be NULL or point to a writable `ACL_vector`.
#[no_mangle]
pub unsafe extern "C" fn allocate_ACL_vector(v: *mut ACL_vector, len: i32) -> c_int {
    super::guard::ffi_int(|| unsafe {
        super::alloc::allocate_vector(v.cast(), len, std::mem::size_of::<ACL>())
    })
}

/// Frees every element and the array; the struct itself is the caller's.
///
/// # Safety
/// `v` must be NULL or point to a vector built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_ACL_vector(v: *mut ACL_vector) -> c_int {
    super::guard::ffi_int(|| unsafe { super::alloc::deallocate_vector(v.cast(), deallocate_ACL) })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CreateRequest(v: *mut CreateRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_Buffer(&raw mut (*v).data);
        deallocate_ACL_vector(&raw mut (*v).acl);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CreateTTLRequest(v: *mut CreateTTLRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_Buffer(&raw mut (*v).data);
        deallocate_ACL_vector(&raw mut (*v).acl);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_DeleteRequest(v: *mut DeleteRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetChildrenRequest(v: *mut GetChildrenRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetAllChildrenNumberRequest(
    v: *mut GetAllChildrenNumberRequest,
) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetChildren2Request(v: *mut GetChildren2Request) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CheckVersionRequest(v: *mut CheckVersionRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetMaxChildrenRequest(v: *mut GetMaxChildrenRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_GetMaxChildrenResponse(_v: *mut GetMaxChildrenResponse) {}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetMaxChildrenRequest(v: *mut SetMaxChildrenRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SyncRequest(v: *mut SyncRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SyncResponse(v: *mut SyncResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetACLRequest(v: *mut GetACLRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetACLRequest(v: *mut SetACLRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_ACL_vector(&raw mut (*v).acl);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetACLResponse(v: *mut SetACLResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Stat(&raw mut (*v).stat);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_AddWatchRequest(v: *mut AddWatchRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_WatcherEvent(v: *mut WatcherEvent) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_ErrorResponse(_v: *mut ErrorResponse) {}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CreateResponse(v: *mut CreateResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_Create2Response(v: *mut Create2Response) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_Stat(&raw mut (*v).stat);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_ExistsRequest(v: *mut ExistsRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_ExistsResponse(v: *mut ExistsResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Stat(&raw mut (*v).stat);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetDataResponse(v: *mut GetDataResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Buffer(&raw mut (*v).data);
        deallocate_Stat(&raw mut (*v).stat);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetChildrenResponse(v: *mut GetChildrenResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String_vector(&raw mut (*v).children);
    })
}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_GetAllChildrenNumberResponse(_v: *mut GetAllChildrenNumberResponse) {}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetChildren2Response(v: *mut GetChildren2Response) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String_vector(&raw mut (*v).children);
        deallocate_Stat(&raw mut (*v).stat);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetACLResponse(v: *mut GetACLResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_ACL_vector(&raw mut (*v).acl);
        deallocate_Stat(&raw mut (*v).stat);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CheckWatchesRequest(v: *mut CheckWatchesRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_RemoveWatchesRequest(v: *mut RemoveWatchesRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetEphemeralsRequest(v: *mut GetEphemeralsRequest) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).prefixPath);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_GetEphemeralsResponse(v: *mut GetEphemeralsResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String_vector(&raw mut (*v).ephemerals);
    })
}

/// Allocates `len` zeroed elements (`data` is NULL when `len` is 0).
///
/// # Safety
/// `v` must be NULL or point to a writable `ClientInfo_vector`.
#[no_mangle]
pub unsafe extern "C" fn allocate_ClientInfo_vector(v: *mut ClientInfo_vector, len: i32) -> c_int {
    super::guard::ffi_int(|| unsafe {
        super::alloc::allocate_vector(v.cast(), len, std::mem::size_of::<ClientInfo>())
    })
}

/// Frees every element and the array; the struct itself is the caller's.
///
/// # Safety
/// `v` must be NULL or point to a vector built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_ClientInfo_vector(v: *mut ClientInfo_vector) -> c_int {
    super::guard::ffi_int(|| unsafe {
        super::alloc::deallocate_vector(v.cast(), deallocate_ClientInfo)
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_WhoAmIResponse(v: *mut WhoAmIResponse) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_ClientInfo_vector(&raw mut (*v).clientInfo);
    })
}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_LearnerInfo(_v: *mut LearnerInfo) {}

/// Allocates `len` zeroed elements (`data` is NULL when `len` is 0).
///
/// # Safety
/// `v` must be NULL or point to a writable `Id_vector`.
#[no_mangle]
pub unsafe extern "C" fn allocate_Id_vector(v: *mut Id_vector, len: i32) -> c_int {
    super::guard::ffi_int(|| unsafe {
        super::alloc::allocate_vector(v.cast(), len, std::mem::size_of::<Id>())
    })
}

/// Frees every element and the array; the struct itself is the caller's.
///
/// # Safety
/// `v` must be NULL or point to a vector built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_Id_vector(v: *mut Id_vector) -> c_int {
    super::guard::ffi_int(|| unsafe { super::alloc::deallocate_vector(v.cast(), deallocate_Id) })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_QuorumPacket(v: *mut QuorumPacket) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Buffer(&raw mut (*v).data);
        deallocate_Id_vector(&raw mut (*v).authinfo);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_QuorumAuthPacket(v: *mut QuorumAuthPacket) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Buffer(&raw mut (*v).token);
    })
}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_FileHeader(_v: *mut FileHeader) {}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_TxnDigest(_v: *mut TxnDigest) {}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_TxnHeader(_v: *mut TxnHeader) {}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CreateTxnV0(v: *mut CreateTxnV0) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_Buffer(&raw mut (*v).data);
        deallocate_ACL_vector(&raw mut (*v).acl);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CreateTxn(v: *mut CreateTxn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_Buffer(&raw mut (*v).data);
        deallocate_ACL_vector(&raw mut (*v).acl);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CreateTTLTxn(v: *mut CreateTTLTxn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_Buffer(&raw mut (*v).data);
        deallocate_ACL_vector(&raw mut (*v).acl);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CreateContainerTxn(v: *mut CreateContainerTxn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_Buffer(&raw mut (*v).data);
        deallocate_ACL_vector(&raw mut (*v).acl);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_DeleteTxn(v: *mut DeleteTxn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetDataTxn(v: *mut SetDataTxn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_Buffer(&raw mut (*v).data);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CheckVersionTxn(v: *mut CheckVersionTxn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetACLTxn(v: *mut SetACLTxn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
        deallocate_ACL_vector(&raw mut (*v).acl);
    })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_SetMaxChildrenTxn(v: *mut SetMaxChildrenTxn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String(&raw mut (*v).path);
    })
}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_CreateSessionTxn(_v: *mut CreateSessionTxn) {}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_CloseSessionTxn(v: *mut CloseSessionTxn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_String_vector(&raw mut (*v).paths2Delete);
    })
}

/// The record owns nothing: there is nothing to free.
#[no_mangle]
pub extern "C" fn deallocate_ErrorTxn(_v: *mut ErrorTxn) {}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_Txn(v: *mut Txn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Buffer(&raw mut (*v).data);
    })
}

/// Allocates `len` zeroed elements (`data` is NULL when `len` is 0).
///
/// # Safety
/// `v` must be NULL or point to a writable `Txn_vector`.
#[no_mangle]
pub unsafe extern "C" fn allocate_Txn_vector(v: *mut Txn_vector, len: i32) -> c_int {
    super::guard::ffi_int(|| unsafe {
        super::alloc::allocate_vector(v.cast(), len, std::mem::size_of::<Txn>())
    })
}

/// Frees every element and the array; the struct itself is the caller's.
///
/// # Safety
/// `v` must be NULL or point to a vector built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_Txn_vector(v: *mut Txn_vector) -> c_int {
    super::guard::ffi_int(|| unsafe { super::alloc::deallocate_vector(v.cast(), deallocate_Txn) })
}

/// Frees what the record owns (not the record itself).
///
/// # Safety
/// `v` must be NULL or point to a record built by this library or with malloc.
#[no_mangle]
pub unsafe extern "C" fn deallocate_MultiTxn(v: *mut MultiTxn) {
    super::guard::ffi_void(|| unsafe {
        if v.is_null() {
            return;
        }
        deallocate_Txn_vector(&raw mut (*v).txns);
    })
}
