//! The embedded server's C API (`zkserver.h`): start a standalone server
//! inside the calling process, learn its port, stop it. Errors come back as
//! NULL or -1 with `errno` set, as C callers expect.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};
use std::path::PathBuf;

use ::zkrs_server::{Server, ServerConfig, ServerHandle};

use super::guard::{ffi_int, ffi_or};
use super::libc_extra::set_errno;

/// A server running in this process (opaque to C).
pub struct zkrs_server {
    handle: ServerHandle,
}

fn io_errno(e: &std::io::Error) -> c_int {
    e.raw_os_error().unwrap_or(libc::EIO)
}

unsafe fn opt_str<'a>(p: *const c_char) -> Result<Option<&'a str>, c_int> {
    if p.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(p)
        .to_str()
        .map(Some)
        .map_err(|_| libc::EINVAL)
}

fn start(config: ServerConfig) -> *mut zkrs_server {
    match Server::start(config) {
        Ok(handle) => Box::into_raw(Box::new(zkrs_server { handle })),
        Err(e) => {
            set_errno(io_errno(&e));
            std::ptr::null_mut()
        }
    }
}

/// Starts a server on `bind_address` (NULL: 127.0.0.1) and `port` (0: a
/// free port), keeping its data in `data_dir` (NULL: nowhere on disk). Other
/// settings are Apache's defaults, with every four-letter word allowed.
/// Returns NULL with errno set on failure (EINVAL for bad arguments,
/// EADDRINUSE for a busy port, ...).
#[no_mangle]
pub unsafe extern "C" fn zkrs_server_start(
    bind_address: *const c_char,
    port: c_int,
    data_dir: *const c_char,
) -> *mut zkrs_server {
    ffi_or(std::ptr::null_mut(), || {
        let (bind, dir) = match (opt_str(bind_address), opt_str(data_dir)) {
            (Ok(b), Ok(d)) => (b, d),
            _ => {
                set_errno(libc::EINVAL);
                return std::ptr::null_mut();
            }
        };
        if !(0..=65535).contains(&port) {
            set_errno(libc::EINVAL);
            return std::ptr::null_mut();
        }
        let mut config = ServerConfig::default();
        if let Some(b) = bind {
            match b.trim_matches(|c| c == '[' || c == ']').parse() {
                Ok(ip) => config.client_port_address = ip,
                Err(_) => {
                    set_errno(libc::EINVAL);
                    return std::ptr::null_mut();
                }
            }
        }
        config.client_port = port as u16;
        config.data_dir = dir.map(PathBuf::from);
        config.four_letter_whitelist = ::zkrs_server::config::Whitelist::All;
        start(config)
    })
}

/// Starts a server from a zoo.cfg file. Returns NULL with errno set on
/// failure (EINVAL for a bad configuration, ENOENT for a missing file, ...).
#[no_mangle]
pub unsafe extern "C" fn zkrs_server_start_config(zoo_cfg_path: *const c_char) -> *mut zkrs_server {
    ffi_or(std::ptr::null_mut(), || {
        let path = match opt_str(zoo_cfg_path) {
            Ok(Some(p)) => PathBuf::from(p),
            _ => {
                set_errno(libc::EINVAL);
                return std::ptr::null_mut();
            }
        };
        match ServerConfig::load(&path) {
            Ok((config, _warnings)) => start(config),
            Err(::zkrs_server::ConfigError::Read { .. }) if !path.exists() => {
                set_errno(libc::ENOENT);
                std::ptr::null_mut()
            }
            Err(_) => {
                set_errno(libc::EINVAL);
                std::ptr::null_mut()
            }
        }
    })
}

/// The TCP port the server listens on, or -1 for a NULL server.
#[no_mangle]
pub unsafe extern "C" fn zkrs_server_port(server: *const zkrs_server) -> c_int {
    ffi_int(|| match server.as_ref() {
        Some(s) => s.handle.local_addr().port() as c_int,
        None => -1,
    })
}

/// Stops the server, closing its connections, and frees it. Returns 0, or
/// -1 with errno set (EINVAL for NULL).
#[no_mangle]
pub unsafe extern "C" fn zkrs_server_stop(server: *mut zkrs_server) -> c_int {
    ffi_int(|| {
        if server.is_null() {
            set_errno(libc::EINVAL);
            return -1;
        }
        let s = Box::from_raw(server);
        match s.handle.stop() {
            Ok(()) => 0,
            Err(e) => {
                set_errno(io_errno(&e));
                -1
            }
        }
    })
}
