//! `recordio.h`: the byte buffer and archive types of the jute records,
//! the string and buffer deallocators, and `zoo_htonll`.

use std::os::raw::{c_char, c_int, c_void};

/// A length-prefixed byte buffer; `len` -1 with `buff` NULL is a null buffer.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct buffer {
    pub len: i32,
    pub buff: *mut c_char,
}

/// A record reader (Apache's serialization vtable). The library does not
/// create archives; the type is declared for source compatibility.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct iarchive {
    pub start_record: Option<unsafe extern "C" fn(ia: *mut iarchive, tag: *const c_char) -> c_int>,
    pub end_record: Option<unsafe extern "C" fn(ia: *mut iarchive, tag: *const c_char) -> c_int>,
    pub start_vector: Option<
        unsafe extern "C" fn(ia: *mut iarchive, tag: *const c_char, count: *mut i32) -> c_int,
    >,
    pub end_vector: Option<unsafe extern "C" fn(ia: *mut iarchive, tag: *const c_char) -> c_int>,
    pub deserialize_Bool:
        Option<unsafe extern "C" fn(ia: *mut iarchive, name: *const c_char, v: *mut i32) -> c_int>,
    pub deserialize_Int:
        Option<unsafe extern "C" fn(ia: *mut iarchive, name: *const c_char, v: *mut i32) -> c_int>,
    pub deserialize_Long:
        Option<unsafe extern "C" fn(ia: *mut iarchive, name: *const c_char, v: *mut i64) -> c_int>,
    pub deserialize_Buffer: Option<
        unsafe extern "C" fn(ia: *mut iarchive, name: *const c_char, v: *mut buffer) -> c_int,
    >,
    pub deserialize_String: Option<
        unsafe extern "C" fn(ia: *mut iarchive, name: *const c_char, v: *mut *mut c_char) -> c_int,
    >,
    pub r#priv: *mut c_void,
}

/// A record writer (Apache's serialization vtable), declared for source
/// compatibility like [`iarchive`].
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct oarchive {
    pub start_record: Option<unsafe extern "C" fn(oa: *mut oarchive, tag: *const c_char) -> c_int>,
    pub end_record: Option<unsafe extern "C" fn(oa: *mut oarchive, tag: *const c_char) -> c_int>,
    pub start_vector: Option<
        unsafe extern "C" fn(oa: *mut oarchive, tag: *const c_char, count: *const i32) -> c_int,
    >,
    pub end_vector: Option<unsafe extern "C" fn(oa: *mut oarchive, tag: *const c_char) -> c_int>,
    pub serialize_Bool: Option<
        unsafe extern "C" fn(oa: *mut oarchive, name: *const c_char, v: *const i32) -> c_int,
    >,
    pub serialize_Int: Option<
        unsafe extern "C" fn(oa: *mut oarchive, name: *const c_char, v: *const i32) -> c_int,
    >,
    pub serialize_Long: Option<
        unsafe extern "C" fn(oa: *mut oarchive, name: *const c_char, v: *const i64) -> c_int,
    >,
    pub serialize_Buffer: Option<
        unsafe extern "C" fn(oa: *mut oarchive, name: *const c_char, v: *const buffer) -> c_int,
    >,
    pub serialize_String: Option<
        unsafe extern "C" fn(oa: *mut oarchive, name: *const c_char, v: *mut *mut c_char) -> c_int,
    >,
    pub r#priv: *mut c_void,
}

/// Frees `*s` (malloc'ed) and clears it.
#[no_mangle]
pub unsafe extern "C" fn deallocate_String(s: *mut *mut c_char) {
    super::guard::ffi_void(|| unsafe {
        if !s.is_null() {
            libc::free((*s).cast());
            *s = std::ptr::null_mut();
        }
    })
}

/// Frees the bytes of `b` (malloc'ed) and clears the pointer.
#[no_mangle]
pub unsafe extern "C" fn deallocate_Buffer(b: *mut buffer) {
    super::guard::ffi_void(|| unsafe {
        if !b.is_null() {
            libc::free((*b).buff.cast());
            (*b).buff = std::ptr::null_mut();
        }
    })
}

/// Converts a 64-bit integer between host and network byte order.
#[no_mangle]
pub extern "C" fn zoo_htonll(v: i64) -> i64 {
    v.to_be()
}
