//! Happens-before annotations for valgrind's thread checkers, helgrind and
//! DRD.
//!
//! Rust's locks, channels and thread parking synchronise through atomics
//! and futexes, which neither tool understands: without help they report
//! every access ordered only by such a primitive as a data race. Each
//! synchronisation point therefore states its ordering through valgrind's
//! client-request interface: [`happens_before`] where a thread releases or
//! hands over data, [`happens_after`] where another thread acquires or
//! receives it, both naming the same object. [`Annotated`] does this for a
//! lock guard, [`Arc`] for the end of a value shared by reference count.
//!
//! A client request is a documented, fixed instruction sequence that
//! valgrind recognises while it translates code. On real hardware the
//! sequence rotates a register by a full turn twice and exchanges another
//! with itself: nothing changes but the flags. Other architectures get
//! empty functions.
//!
//! [`atomic_var`] and [`unrecorded`] cover what ordering cannot: an atomic
//! variable's own accesses, and the lock words and parker states that
//! std's primitives update atomically, which DRD would report.
//!
//! The client engine reaches `unsafe` code only here (and the C API layer
//! above it): the inline assembly block, which reads a six-word argument
//! array, and the drop of a guard kept in `ManuallyDrop`.

#![no_std]

extern crate alloc;

use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};

/// `VG_USERREQ_TOOL_BASE('H', 'G')`: the request range helgrind owns.
const HG_BASE: usize = ((b'H' as usize) << 24) | ((b'G' as usize) << 16);
/// helgrind's `_VG_USERREQ__HG_USERSO_SEND_PRE`, the request behind
/// `ANNOTATE_HAPPENS_BEFORE`. DRD answers the same number
/// (`VG_USERREQ__DRD_ANNOTATE_HAPPENS_BEFORE`) in the same way.
const HAPPENS_BEFORE: usize = HG_BASE + 256 + 33;
/// helgrind's `_VG_USERREQ__HG_USERSO_RECV_POST` (`ANNOTATE_HAPPENS_AFTER`),
/// also DRD's `VG_USERREQ__DRD_ANNOTATE_HAPPENS_AFTER`.
const HAPPENS_AFTER: usize = HG_BASE + 256 + 34;

/// helgrind's `_VG_USERREQ__HG_ARANGE_MAKE_UNTRACKED`
/// (`VALGRIND_HG_DISABLE_CHECKING`): stop checking an address range.
const HG_UNTRACK: usize = HG_BASE + 256 + 39;
/// DRD's `VG_USERREQ__DRD_START_SUPPRESSION` (`DRD_IGNORE_VAR`), in the
/// range DRD owns, `VG_USERREQ_TOOL_BASE('D', 'R')`. Each tool ignores the
/// other's requests.
const DRD_IGNORE: usize = DRD_BASE + 2;
/// DRD's `VG_USERREQ__DRD_RECORD_LOADS` and `..._STORES`
/// (`ANNOTATE_IGNORE_READS_BEGIN`/`END` and the writes' pair): whether to
/// record the calling thread's loads, stores.
const DRD_RECORD_LOADS: usize = DRD_BASE + 6;
const DRD_RECORD_STORES: usize = DRD_BASE + 7;
const DRD_BASE: usize = ((b'D' as usize) << 24) | ((b'R' as usize) << 16);

/// Everything the calling thread did so far happens before everything a
/// thread does after a later [`happens_after`] on the same object. The
/// object's address is only a name: it is never read.
#[inline(always)]
pub fn happens_before<T: ?Sized>(obj: &T) {
    client_request(HAPPENS_BEFORE, address(obj));
}

/// The calling thread's following accesses happen after everything that
/// threads did before their earlier [`happens_before`] on `obj`.
#[inline(always)]
pub fn happens_after<T: ?Sized>(obj: &T) {
    client_request(HAPPENS_AFTER, address(obj));
}

/// `var` is an atomic variable. Its own accesses never race, but both
/// tools take an atomic plain store (a `Release` or `Relaxed` store) for
/// an unordered write and report it against every concurrent access; this
/// stops them checking `var`'s bytes. Whatever data the variable's
/// ordering publishes still needs [`happens_before`] and [`happens_after`].
#[inline(always)]
pub fn atomic_var<T>(var: &T) {
    let (addr, len) = (address(var), core::mem::size_of::<T>());
    client_request2(HG_UNTRACK, addr, len);
    client_request2(DRD_IGNORE, addr, len);
}

fn address<T: ?Sized>(obj: &T) -> usize {
    obj as *const T as *const u8 as usize
}

/// A lock guard whose critical section the checkers see: taking it happens
/// after every earlier release of the same lock, and dropping it happens
/// before every later acquisition. DRD is also told not to record the
/// lock's own taking and release: it would report the lock word, which
/// the lock updates atomically.
pub struct Annotated<G> {
    guard: ManuallyDrop<G>,
    lock: usize,
}

impl<G> Annotated<G> {
    /// Takes `lock` with `take`, which returns its guard.
    #[inline]
    pub fn acquire<L: ?Sized>(lock: &L, take: impl FnOnce() -> G) -> Annotated<G> {
        let lock = address(lock);
        let guard = unrecorded(take);
        client_request(HAPPENS_AFTER, lock);
        Annotated {
            guard: ManuallyDrop::new(guard),
            lock,
        }
    }

    /// [`Annotated::acquire`] for a `try_lock`: `take` returns the guard
    /// if it got the lock.
    #[inline]
    pub fn try_acquire<L: ?Sized>(
        lock: &L,
        take: impl FnOnce() -> Option<G>,
    ) -> Option<Annotated<G>> {
        let guard = unrecorded(take)?;
        let lock = address(lock);
        client_request(HAPPENS_AFTER, lock);
        Some(Annotated {
            guard: ManuallyDrop::new(guard),
            lock,
        })
    }
}

impl<G> Drop for Annotated<G> {
    #[inline]
    fn drop(&mut self) {
        client_request(HAPPENS_BEFORE, self.lock);
        // SAFETY: the guard is dropped exactly once, here, and not used
        // afterwards.
        unrecorded(|| unsafe { ManuallyDrop::drop(&mut self.guard) });
    }
}

/// Runs `op`, an operation of a synchronisation primitive (a thread
/// parker's park or unpark, say), without DRD recording its memory
/// accesses: like a lock word, the primitive's state is only ever updated
/// atomically, and DRD would report it. Pair it with [`happens_before`]
/// and [`happens_after`] for the ordering the primitive provides.
#[inline]
pub fn unrecorded<R>(op: impl FnOnce() -> R) -> R {
    record_accesses(false);
    let r = op();
    record_accesses(true);
    r
}

/// Tells DRD whether to record the calling thread's memory accesses.
#[inline(always)]
fn record_accesses(on: bool) {
    client_request(DRD_RECORD_LOADS, on as usize);
    client_request(DRD_RECORD_STORES, on as usize);
}

impl<G: Deref> Deref for Annotated<G> {
    type Target = G::Target;

    fn deref(&self) -> &G::Target {
        &self.guard
    }
}

impl<G: DerefMut> DerefMut for Annotated<G> {
    fn deref_mut(&mut self) -> &mut G::Target {
        &mut self.guard
    }
}

/// `std::sync::Arc` whose final drop the checkers see ordered after every
/// owner's use of the value, as the reference count orders it: each owner
/// announces its drop before giving up its reference, and the value's
/// drop, which runs in whichever owner is last, follows the announcements
/// before it reads anything.
pub struct Arc<T>(alloc::sync::Arc<LastDrop<T>>);

/// The shared value, with a drop that first takes in the owners' drops.
struct LastDrop<T>(T);

impl<T> Drop for LastDrop<T> {
    fn drop(&mut self) {
        // Runs before the value's own fields are dropped.
        client_request(HAPPENS_AFTER, address(self));
    }
}

impl<T> Arc<T> {
    pub fn new(value: T) -> Arc<T> {
        Arc(alloc::sync::Arc::new(LastDrop(value)))
    }
}

impl<T> Clone for Arc<T> {
    fn clone(&self) -> Arc<T> {
        Arc(self.0.clone())
    }
}

impl<T> Deref for Arc<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0 .0
    }
}

impl<T> Drop for Arc<T> {
    fn drop(&mut self) {
        // Runs before the reference is given up (the field's drop).
        client_request(HAPPENS_BEFORE, address(&*self.0));
    }
}

/// Issues a client request with one argument; returns valgrind's answer,
/// 0 when not running under valgrind.
#[inline(always)]
fn client_request(request: usize, arg: usize) -> usize {
    client_request2(request, arg, 0)
}

/// [`client_request`] with two arguments.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn client_request2(request: usize, arg1: usize, arg2: usize) -> usize {
    let args: [usize; 6] = [request, arg1, arg2, 0, 0, 0];
    let mut result: usize = 0;
    // SAFETY: the sequence is valgrind's amd64 client-request preamble
    // (rdi rotated by 3, 13, 61 and 51 bits: 128 in all, so unchanged)
    // followed by `xchg rbx, rbx`, which exchanges rbx with itself. Natively
    // it only changes the flags (not declared preserved). Under valgrind it
    // reads the six words at rax and writes the answer to rdx, both
    // declared; the stack is not touched.
    unsafe {
        core::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") args.as_ptr(),
            inout("rdx") result,
            // Not `readonly`: the request orders this thread's memory
            // accesses, so the compiler must not move any across it.
            options(nostack),
        );
    }
    result
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn client_request2(_request: usize, _arg1: usize, _arg2: usize) -> usize {
    0
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::sync::Mutex;

    #[test]
    fn requests_are_no_ops_outside_valgrind() {
        let x = 7u32;
        happens_before(&x);
        happens_after(&x);
        atomic_var(&x);
        assert_eq!(unrecorded(|| x + 1), 8);
        assert_eq!(client_request(HAPPENS_BEFORE, address(&x)), 0);
        assert_eq!(x, 7);
    }

    #[test]
    fn request_numbers_are_the_documented_ones() {
        // helgrind.h / drd.h, valgrind 3.x: the ABI does not change.
        assert_eq!(HAPPENS_BEFORE, 0x4847_0121);
        assert_eq!(HAPPENS_AFTER, 0x4847_0122);
        assert_eq!(HG_UNTRACK, 0x4847_0127);
        assert_eq!(DRD_IGNORE, 0x4452_0002);
        assert_eq!(DRD_RECORD_LOADS, 0x4452_0006);
        assert_eq!(DRD_RECORD_STORES, 0x4452_0007);
    }

    #[test]
    fn arc_shares_and_drops_its_value_once() {
        struct Counted<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Counted<'_> {
            fn drop(&mut self) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let drops = std::sync::atomic::AtomicUsize::new(0);
        let a = Arc::new(Counted(&drops));
        let b = a.clone();
        assert!(std::ptr::eq(&*a, &*b));
        drop(a);
        assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 0);
        drop(b);
        assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn annotated_guard_derefs_and_unlocks_on_drop() {
        let m = Mutex::new(1);
        {
            let mut g = Annotated::acquire(&m, || m.lock().unwrap());
            *g += 1;
            assert_eq!(*g, 2);
        }
        assert!(m.try_lock().is_ok());
        assert_eq!(*m.lock().unwrap(), 2);
        let held = m.lock().unwrap();
        assert!(Annotated::try_acquire(&m, || m.try_lock().ok()).is_none());
        drop(held);
        let mut g = Annotated::try_acquire(&m, || m.try_lock().ok()).unwrap();
        *g += 1;
        drop(g);
        assert_eq!(*m.lock().unwrap(), 3);
    }
}
