//! `zookeeper_log.h`: the `logLevel` variable the `LOG_*` macros test,
//! `log_message` (variadic, printf-style) and `zoo_get_log_stream`.
//!
//! Stable Rust cannot define a C-variadic function, so `log_message` is a
//! small naked entry point that builds a `va_list` from the argument
//! registers (System V x86-64 rules) and hands it to `vsnprintf`.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};

use super::consts::ZooLogLevelArg;
use super::types::log_callback_fn;

/// The most verbose level that is logged (0: nothing).
#[no_mangle]
pub static mut logLevel: ZooLogLevelArg = 3;

extern "C" {
    /// Formats a log line at `curLevel` for function `funcName`, line
    /// `line`, and hands it to `callback`, or writes it to the log stream
    /// when `callback` is NULL.
    pub fn log_message(
        callback: log_callback_fn,
        curLevel: ZooLogLevelArg,
        line: c_int,
        funcName: *const c_char,
        format: *const c_char,
        ...
    );
}

/// Where lines without a callback go; NULL means stderr.
pub(crate) static LOG_STREAM: AtomicPtr<libc::FILE> = AtomicPtr::new(std::ptr::null_mut());

/// The current level (`logLevel`, which C code may also assign directly).
pub(crate) fn level() -> i32 {
    // SAFETY: logLevel is a plain int that lives for the whole program;
    // all Rust accesses are atomic.
    unsafe { AtomicI32::from_ptr(&raw mut logLevel).load(Ordering::Relaxed) }
}

pub(crate) fn set_level(level: i32) {
    // SAFETY: as in `level`.
    unsafe { AtomicI32::from_ptr(&raw mut logLevel).store(level, Ordering::Relaxed) }
}

/// The stream log lines go to: the one set with `zoo_set_log_stream`, or
/// stderr.
#[no_mangle]
pub extern "C" fn zoo_get_log_stream() -> *mut libc::FILE {
    super::guard::ffi_or(std::ptr::null_mut(), || {
        let s = LOG_STREAM.load(Ordering::Acquire);
        if s.is_null() {
            super::libc_extra::stderr_stream()
        } else {
            s
        }
    })
}

fn level_name(level: c_int) -> &'static str {
    match level {
        1 => "ZOO_ERROR",
        2 => "ZOO_WARN",
        3 => "ZOO_INFO",
        4 => "ZOO_DEBUG",
        _ => "ZOO_INVALID",
    }
}

/// The current local time as Apache prints it: `2024-01-31 12:00:00,123`.
fn time_now() -> String {
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    // SAFETY: plain libc calls on local, initialised storage.
    unsafe {
        libc::gettimeofday(&mut tv, std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&tv.tv_sec, &mut tm);
        let mut buf = [0 as c_char; 64];
        let n = libc::strftime(
            buf.as_mut_ptr(),
            buf.len(),
            c"%Y-%m-%d %H:%M:%S".as_ptr(),
            &tm,
        );
        let date = String::from_utf8_lossy(std::slice::from_raw_parts(buf.as_ptr().cast(), n));
        format!("{},{:03}", date, tv.tv_usec / 1000)
    }
}

/// Formats one line in Apache's layout and delivers it: to `callback` as
/// is, or to the log stream with a newline.
pub(crate) fn emit(callback: log_callback_fn, level: c_int, func: &str, line: c_int, msg: &[u8]) {
    // SAFETY: getpid and pthread_self have no preconditions.
    let (pid, tid) = unsafe { (libc::getpid(), libc::pthread_self()) };
    let mut text = format!(
        "{}:{}({:#x}):{}@{}@{}: ",
        time_now(),
        pid,
        tid,
        level_name(level),
        func,
        line
    )
    .into_bytes();
    text.extend(msg.iter().copied().filter(|&b| b != 0));
    match callback {
        Some(cb) => {
            text.push(0);
            // SAFETY: `text` is NUL-terminated and outlives the call.
            unsafe { cb(text.as_ptr().cast()) }
        }
        None => {
            text.push(b'\n');
            let stream = zoo_get_log_stream();
            if !stream.is_null() {
                // SAFETY: the stream is the caller's FILE (or stderr).
                unsafe {
                    libc::fwrite(text.as_ptr().cast(), 1, text.len(), stream);
                    libc::fflush(stream);
                }
            }
        }
    }
}

/// The `funcName` argument of `log_message` (empty for NULL).
fn func_name(func: *const c_char) -> String {
    if func.is_null() {
        return String::new();
    }
    // SAFETY: a NUL-terminated name from the caller (`__func__`).
    unsafe { CStr::from_ptr(func) }
        .to_string_lossy()
        .into_owned()
}

/// The register part of a System V x86-64 `va_list`.
#[cfg(target_arch = "x86_64")]
#[repr(C)]
#[derive(Clone, Copy)]
struct VaListX86_64 {
    gp_offset: u32,
    fp_offset: u32,
    overflow_arg_area: *mut c_void,
    reg_save_area: *mut c_void,
}

/// `log_message` itself: saves the argument registers, builds a `va_list`
/// over them and the stack arguments, and calls [`log_message_va`] with
/// the five named arguments and a pointer to that `va_list`.
/// cbindgen:ignore
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
#[unsafe(export_name = "log_message")]
unsafe extern "C" fn log_message_entry() {
    core::arch::naked_asm!(
        "push rbp",
        "mov rbp, rsp",
        "sub rsp, 208",
        // Register save area: six integer registers, then xmm0-7 (only
        // saved when al says vector registers carry arguments).
        "mov [rsp], rdi",
        "mov [rsp + 8], rsi",
        "mov [rsp + 16], rdx",
        "mov [rsp + 24], rcx",
        "mov [rsp + 32], r8",
        "mov [rsp + 40], r9",
        "test al, al",
        "je 2f",
        "movaps [rsp + 48], xmm0",
        "movaps [rsp + 64], xmm1",
        "movaps [rsp + 80], xmm2",
        "movaps [rsp + 96], xmm3",
        "movaps [rsp + 112], xmm4",
        "movaps [rsp + 128], xmm5",
        "movaps [rsp + 144], xmm6",
        "movaps [rsp + 160], xmm7",
        "2:",
        // va_list at rsp+176: five integer registers are named arguments.
        "mov dword ptr [rsp + 176], 40",
        "mov dword ptr [rsp + 180], 48",
        "lea rax, [rbp + 16]",
        "mov [rsp + 184], rax",
        "mov [rsp + 192], rsp",
        "lea r9, [rsp + 176]",
        "call {body}",
        "leave",
        "ret",
        body = sym log_message_va,
    )
}

#[cfg(target_arch = "x86_64")]
unsafe extern "C" fn log_message_va(
    callback: log_callback_fn,
    level: c_int,
    line: c_int,
    func: *const c_char,
    format: *const c_char,
    ap: *mut VaListX86_64,
) {
    super::guard::ffi_void(|| {
        if format.is_null() || ap.is_null() {
            return;
        }
        let mut buf = vec![0u8; 512];
        // SAFETY: `ap` is the va_list built by log_message_entry for this
        // call; each vsnprintf pass gets its own copy of it.
        let msg_len = unsafe {
            let mut first = *ap;
            let n = super::libc_extra::vsnprintf_va(
                buf.as_mut_ptr().cast(),
                buf.len(),
                format,
                (&raw mut first).cast(),
            );
            if n < 0 {
                return;
            }
            let n = n as usize;
            if n >= buf.len() {
                buf = vec![0u8; n + 1];
                let mut second = *ap;
                super::libc_extra::vsnprintf_va(
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    format,
                    (&raw mut second).cast(),
                );
            }
            n
        };
        emit(callback, level, &func_name(func), line, &buf[..msg_len]);
    })
}

/// Without a va_list implementation for this architecture the format is
/// logged as is, without its arguments.
/// cbindgen:ignore
#[cfg(not(target_arch = "x86_64"))]
#[unsafe(export_name = "log_message")]
unsafe extern "C" fn log_message_entry(
    callback: log_callback_fn,
    level: c_int,
    line: c_int,
    func: *const c_char,
    format: *const c_char,
) {
    super::guard::ffi_void(|| {
        if format.is_null() {
            return;
        }
        // SAFETY: a NUL-terminated format from the caller.
        let msg = unsafe { CStr::from_ptr(format) }.to_bytes();
        emit(callback, level, &func_name(func), line, msg);
    })
}
