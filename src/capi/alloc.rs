//! Conversions between C arguments/results and the engine's Rust values.
//! Whatever C code may free (vectors filled by the sync API) is malloc'ed;
//! what is only lent to a completion is owned by Rust and dropped after it.

use std::ffi::CString;
use std::net::SocketAddr;
use std::os::raw::{c_char, c_int, c_void};

use zkrs_client::{Acl, Id};
use zkrs_proto::consts::DEFAULT_MAX_BUFFER;
use zkrs_proto::errors::*;
use zkrs_proto::records;

use super::handle::c_str;
use super::jute::{ACL_vector, Stat, String_vector, ACL};

/// Reads a data argument as Apache encodes it: length -1 is a null value,
/// 0 an empty one. Other negative lengths, a NULL pointer with a positive
/// length and values larger than a server accepts are `ZBADARGUMENTS`.
pub(crate) fn bytes_arg(p: *const c_char, len: c_int) -> Result<Option<Vec<u8>>, c_int> {
    match len {
        -1 => Ok(None),
        0 => Ok(Some(Vec::new())),
        l if l < -1 || p.is_null() || l as usize > DEFAULT_MAX_BUFFER => Err(ZBADARGUMENTS),
        // SAFETY: the caller passes `len` readable bytes at `p`.
        l => Ok(Some(
            unsafe { std::slice::from_raw_parts(p.cast::<u8>(), l as usize) }.to_vec(),
        )),
    }
}

/// Reads an ACL list; NULL is an empty list, as in Apache.
pub(crate) fn acl_arg(v: *const ACL_vector) -> Result<Vec<Acl>, c_int> {
    // SAFETY: a non-NULL pointer is an ACL_vector, as documented.
    let Some(v) = (unsafe { v.as_ref() }) else {
        return Ok(Vec::new());
    };
    if v.count < 0 || (v.count > 0 && v.data.is_null()) {
        return Err(ZBADARGUMENTS);
    }
    (0..v.count as usize)
        .map(|i| {
            // SAFETY: `data` holds `count` entries.
            let a = unsafe { &*v.data.add(i) };
            match (c_str(a.id.scheme), c_str(a.id.id)) {
                (Some(scheme), Some(id)) => Ok(Acl {
                    perms: a.perms,
                    id: Id {
                        scheme: scheme.to_string(),
                        id: id.to_string(),
                    },
                }),
                _ => Err(ZBADARGUMENTS),
            }
        })
        .collect()
}

pub(crate) fn stat_to_c(s: &records::Stat) -> Stat {
    Stat {
        czxid: s.czxid,
        mzxid: s.mzxid,
        ctime: s.ctime,
        mtime: s.mtime,
        version: s.version,
        cversion: s.cversion,
        aversion: s.aversion,
        ephemeralOwner: s.ephemeral_owner,
        dataLength: s.data_length,
        numChildren: s.num_children,
        pzxid: s.pzxid,
    }
}

/// Writes `*out = stat` when `out` is not NULL.
pub(crate) fn put_stat(out: *mut Stat, s: &records::Stat) {
    if !out.is_null() {
        // SAFETY: a non-NULL out-parameter points to a Stat.
        unsafe { *out = stat_to_c(s) };
    }
}

/// A malloc'ed copy of `s` (NUL bytes cut it short, as C would see it).
pub(crate) fn malloc_string(s: &str) -> *mut c_char {
    let bytes = s.as_bytes();
    let n = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    // SAFETY: allocating n + 1 bytes and filling them.
    unsafe {
        let p = libc::malloc(n + 1).cast::<u8>();
        if p.is_null() {
            return p.cast();
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, n);
        *p.add(n) = 0;
        p.cast()
    }
}

/// Fills `out` with malloc'ed copies (freed by `deallocate_String_vector`).
pub(crate) fn fill_string_vector(out: *mut String_vector, items: &[String]) {
    if out.is_null() {
        return;
    }
    // SAFETY: `out` is a String_vector; the array gets `items.len()` slots.
    unsafe {
        let data = if items.is_empty() {
            std::ptr::null_mut()
        } else {
            libc::calloc(items.len(), std::mem::size_of::<*mut c_char>()).cast::<*mut c_char>()
        };
        if !data.is_null() {
            for (i, s) in items.iter().enumerate() {
                *data.add(i) = malloc_string(s);
            }
        }
        (*out).count = if data.is_null() {
            0
        } else {
            items.len() as i32
        };
        (*out).data = data;
    }
}

/// Fills `out` with malloc'ed copies (freed by `deallocate_ACL_vector`).
pub(crate) fn fill_acl_vector(out: *mut ACL_vector, acl: &[Acl]) {
    if out.is_null() {
        return;
    }
    // SAFETY: `out` is an ACL_vector; the array gets `acl.len()` entries.
    unsafe {
        let data = if acl.is_empty() {
            std::ptr::null_mut()
        } else {
            libc::calloc(acl.len(), std::mem::size_of::<ACL>()).cast::<ACL>()
        };
        if !data.is_null() {
            for (i, a) in acl.iter().enumerate() {
                let e = &mut *data.add(i);
                e.perms = a.perms;
                e.id.scheme = malloc_string(&a.id.scheme);
                e.id.id = malloc_string(&a.id.id);
            }
        }
        (*out).count = if data.is_null() { 0 } else { acl.len() as i32 };
        (*out).data = data;
    }
}

/// Strings lent to a completion: a `String_vector` over Rust-owned copies.
pub(crate) struct LentStrings {
    _owned: Vec<CString>,
    ptrs: Vec<*mut c_char>,
    pub(crate) vector: String_vector,
}

impl LentStrings {
    pub(crate) fn new(items: &[String]) -> Box<LentStrings> {
        let owned: Vec<CString> = items.iter().map(|s| c_string(s)).collect();
        let mut me = Box::new(LentStrings {
            ptrs: owned.iter().map(|c| c.as_ptr() as *mut c_char).collect(),
            _owned: owned,
            vector: String_vector {
                count: 0,
                data: std::ptr::null_mut(),
            },
        });
        me.vector.count = me.ptrs.len() as i32;
        me.vector.data = me.ptrs.as_mut_ptr();
        me
    }
}

/// An ACL list lent to a completion.
pub(crate) struct LentAcl {
    _owned: Vec<CString>,
    _entries: Vec<ACL>,
    pub(crate) vector: ACL_vector,
}

impl LentAcl {
    pub(crate) fn new(acl: &[Acl]) -> Box<LentAcl> {
        let mut owned = Vec::with_capacity(acl.len() * 2);
        let mut entries = Vec::with_capacity(acl.len());
        for a in acl {
            let scheme = c_string(&a.id.scheme);
            let id = c_string(&a.id.id);
            entries.push(ACL {
                perms: a.perms,
                id: super::jute::Id {
                    scheme: scheme.as_ptr() as *mut c_char,
                    id: id.as_ptr() as *mut c_char,
                },
            });
            owned.push(scheme);
            owned.push(id);
        }
        let mut me = Box::new(LentAcl {
            _owned: owned,
            _entries: entries,
            vector: ACL_vector {
                count: 0,
                data: std::ptr::null_mut(),
            },
        });
        me.vector.count = me._entries.len() as i32;
        me.vector.data = me._entries.as_mut_ptr();
        me
    }
}

/// A C string of `s`, cut at an interior NUL as C would read it.
pub(crate) fn c_string(s: &str) -> CString {
    let bytes = s.as_bytes();
    let n = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..n]).unwrap_or_default()
}

/// Copies `s` into a caller's buffer of `cap` bytes as Apache does: as
/// much as fits, always NUL-terminated; nothing when `cap` <= 0.
pub(crate) fn copy_c_string(buf: *mut c_char, cap: c_int, s: &str) {
    if buf.is_null() || cap <= 0 {
        return;
    }
    let n = s.len().min(cap as usize - 1);
    // SAFETY: `buf` has `cap` writable bytes, as documented.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), n);
        *buf.add(n) = 0;
    }
}

/// Writes a socket address for `zookeeper_get_connected_host`.
///
/// # Safety
/// `addr` must have room for `*addr_len` bytes.
pub(crate) unsafe fn write_sockaddr(
    sa: SocketAddr,
    addr: *mut libc::sockaddr,
    addr_len: *mut libc::socklen_t,
) -> *mut libc::sockaddr {
    // SAFETY: building sockaddr_in/in6 values and copying at most the room
    // the caller declared.
    unsafe {
        let mut storage: libc::sockaddr_storage = std::mem::zeroed();
        let len = match sa {
            SocketAddr::V4(a) => {
                let sin = &mut *(&raw mut storage).cast::<libc::sockaddr_in>();
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_port = a.port().to_be();
                sin.sin_addr.s_addr = u32::from(*a.ip()).to_be();
                std::mem::size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(a) => {
                let sin6 = &mut *(&raw mut storage).cast::<libc::sockaddr_in6>();
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_port = a.port().to_be();
                sin6.sin6_addr.s6_addr = a.ip().octets();
                sin6.sin6_flowinfo = a.flowinfo();
                sin6.sin6_scope_id = a.scope_id();
                std::mem::size_of::<libc::sockaddr_in6>()
            }
        };
        let room = (*addr_len as usize).min(len);
        std::ptr::copy_nonoverlapping((&raw const storage).cast::<u8>(), addr.cast::<u8>(), room);
        *addr_len = len as libc::socklen_t;
        addr
    }
}

/// The layout every jute vector shares: `int32_t count; T *data`.
#[repr(C)]
pub(crate) struct RawVector<T> {
    count: i32,
    data: *mut T,
}

/// `allocate_*_vector`: `count = len` and `len` zeroed elements.
///
/// # Safety
/// `v` must be NULL or point to a vector struct (`int32_t count; T *data`).
pub(crate) unsafe fn allocate_vector(v: *mut c_void, len: i32, elem: usize) -> c_int {
    if v.is_null() || len < 0 {
        return ZBADARGUMENTS;
    }
    // SAFETY: every jute vector starts with these two fields.
    unsafe {
        let v = v.cast::<RawVector<c_void>>();
        (*v).count = len;
        (*v).data = if len == 0 {
            std::ptr::null_mut()
        } else {
            let p = libc::calloc(len as usize, elem);
            if p.is_null() {
                (*v).count = 0;
                return ZSYSTEMERROR;
            }
            p
        };
    }
    ZOK
}

/// `deallocate_*_vector`: frees each of the `count` elements with
/// `free_elem`, then the array, and clears `data`; always 0.
///
/// # Safety
/// `v` must be NULL or point to a vector of `T` built by this library or
/// with malloc.
pub(crate) unsafe fn deallocate_vector<T>(
    v: *mut RawVector<T>,
    free_elem: unsafe extern "C" fn(*mut T),
) -> c_int {
    if v.is_null() {
        return 0;
    }
    // SAFETY: `data` holds `count` elements, as the caller promises.
    unsafe {
        if !(*v).data.is_null() {
            for i in 0..(*v).count.max(0) as usize {
                free_elem((*v).data.add(i));
            }
            libc::free((*v).data.cast());
        }
        (*v).data = std::ptr::null_mut();
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_arguments_follow_apaches_encoding() {
        let v = b"abc";
        assert_eq!(bytes_arg(v.as_ptr().cast(), 3), Ok(Some(b"abc".to_vec())));
        assert_eq!(bytes_arg(v.as_ptr().cast(), -1), Ok(None));
        assert_eq!(bytes_arg(std::ptr::null(), -1), Ok(None));
        assert_eq!(bytes_arg(std::ptr::null(), 0), Ok(Some(Vec::new())));
        assert_eq!(bytes_arg(std::ptr::null(), 3), Err(ZBADARGUMENTS));
        assert_eq!(bytes_arg(v.as_ptr().cast(), -2), Err(ZBADARGUMENTS));
        let big = vec![0u8; DEFAULT_MAX_BUFFER + 1];
        assert_eq!(
            bytes_arg(big.as_ptr().cast(), big.len() as c_int),
            Err(ZBADARGUMENTS)
        );
    }

    #[test]
    fn copies_truncate_and_terminate() {
        let mut buf = [b'x' as c_char; 8];
        copy_c_string(buf.as_mut_ptr(), 4, "/abcdef");
        assert_eq!(
            &buf[..5],
            &[
                b'/' as c_char,
                b'a' as c_char,
                b'b' as c_char,
                0,
                b'x' as c_char
            ]
        );
        copy_c_string(buf.as_mut_ptr(), 0, "/zz");
        assert_eq!(buf[0], b'/' as c_char);
        copy_c_string(buf.as_mut_ptr(), -3, "/zz");
        assert_eq!(buf[0], b'/' as c_char);
    }

    #[test]
    fn acl_arguments_are_checked() {
        assert_eq!(acl_arg(std::ptr::null()), Ok(Vec::new()));
        let mut entry = ACL {
            perms: 31,
            id: super::super::jute::Id {
                scheme: c"world".as_ptr() as *mut c_char,
                id: c"anyone".as_ptr() as *mut c_char,
            },
        };
        let v = ACL_vector {
            count: 1,
            data: &mut entry,
        };
        let acl = acl_arg(&v).unwrap();
        assert_eq!((acl[0].perms, acl[0].id.scheme.as_str()), (31, "world"));
        let bad = ACL_vector {
            count: 2,
            data: std::ptr::null_mut(),
        };
        assert_eq!(acl_arg(&bad), Err(ZBADARGUMENTS));
        entry.id.id = std::ptr::null_mut();
        let v = ACL_vector {
            count: 1,
            data: &mut entry,
        };
        assert_eq!(acl_arg(&v), Err(ZBADARGUMENTS));
    }

    #[test]
    fn vectors_filled_for_c_are_freed_by_the_deallocators() {
        let mut sv = String_vector {
            count: 0,
            data: std::ptr::null_mut(),
        };
        fill_string_vector(&mut sv, &["a".into(), "bc".into()]);
        assert_eq!(sv.count, 2);
        // SAFETY: filled above with two C strings.
        assert_eq!(unsafe { std::ffi::CStr::from_ptr(*sv.data.add(1)) }, c"bc");
        assert_eq!(
            unsafe { super::super::jute::deallocate_String_vector(&mut sv) },
            0
        );
        assert!(sv.data.is_null());
    }

    #[test]
    fn vector_deallocators_free_each_element_and_the_array() {
        use super::super::jute::{allocate_Id_vector, deallocate_Id_vector, Id_vector};
        let mut v = Id_vector {
            count: 0,
            data: std::ptr::null_mut(),
        };
        // SAFETY: `v` is a live Id_vector; its two elements get malloc'ed
        // strings, which the deallocator frees.
        unsafe {
            assert_eq!(allocate_Id_vector(&mut v, 2), ZOK);
            for i in 0..2 {
                let id = &mut *v.data.add(i);
                id.scheme = malloc_string("digest");
                id.id = malloc_string("user:hash");
            }
            assert_eq!(deallocate_Id_vector(&mut v), 0);
            assert!(v.data.is_null());
            assert_eq!(deallocate_Id_vector(&mut v), 0);
            assert_eq!(deallocate_Id_vector(std::ptr::null_mut()), 0);
        }
    }
}
