//! Adapters from the engine's completions to the C completion types. A
//! result's memory is lent to the C function for the duration of the call,
//! as Apache does, and freed afterwards.

use std::os::raw::c_void;
use std::ptr::{null, null_mut};

use zkrs_client::{Completion, OpResult, Response};
use zkrs_proto::errors::ZOK;

use super::alloc::{c_string, stat_to_c, LentAcl, LentStrings};
use super::types::*;

/// An application pointer carried to the callback thread untouched.
#[derive(Clone, Copy)]
pub(crate) struct SendPtr(pub(crate) usize);

impl SendPtr {
    pub(crate) fn new<T>(p: *const T) -> SendPtr {
        SendPtr(p as usize)
    }

    pub(crate) fn get(self) -> *const c_void {
        self.0 as *const c_void
    }
}

fn nothing() -> Completion {
    Box::new(|_| {})
}

pub(crate) fn void(f: void_completion_t, data: *const c_void) -> Completion {
    let Some(f) = f else { return nothing() };
    let data = SendPtr::new(data);
    // SAFETY (all adapters): the application's completion, called once
    // with pointers valid for the call.
    Box::new(move |r: OpResult| unsafe { f(r.err, data.get()) })
}

pub(crate) fn stat(f: stat_completion_t, data: *const c_void) -> Completion {
    let Some(f) = f else { return nothing() };
    let data = SendPtr::new(data);
    Box::new(move |r: OpResult| match (&r.response, r.err) {
        (Response::Stat(s), ZOK) => {
            let s = stat_to_c(s);
            unsafe { f(ZOK, &s, data.get()) }
        }
        _ => unsafe { f(r.err, null(), data.get()) },
    })
}

pub(crate) fn data(f: data_completion_t, data: *const c_void) -> Completion {
    let Some(f) = f else { return nothing() };
    let cookie = SendPtr::new(data);
    Box::new(move |r: OpResult| match (&r.response, r.err) {
        (Response::Data { data, stat }, ZOK) => {
            let s = stat_to_c(stat);
            let (p, len) = match data {
                Some(d) => (d.as_ptr().cast(), d.len() as i32),
                None => (null(), -1),
            };
            unsafe { f(ZOK, p, len, &s, cookie.get()) }
        }
        _ => unsafe { f(r.err, null(), 0, null(), cookie.get()) },
    })
}

pub(crate) fn strings(f: strings_completion_t, data: *const c_void) -> Completion {
    let Some(f) = f else { return nothing() };
    let data = SendPtr::new(data);
    Box::new(move |r: OpResult| match (&r.response, r.err) {
        (Response::Children { children, .. }, ZOK) => {
            let lent = LentStrings::new(children);
            unsafe { f(ZOK, &lent.vector, data.get()) }
        }
        _ => unsafe { f(r.err, null(), data.get()) },
    })
}

pub(crate) fn strings_stat(f: strings_stat_completion_t, data: *const c_void) -> Completion {
    let Some(f) = f else { return nothing() };
    let data = SendPtr::new(data);
    Box::new(move |r: OpResult| match (&r.response, r.err) {
        (
            Response::Children {
                children,
                stat: Some(stat),
            },
            ZOK,
        ) => {
            let lent = LentStrings::new(children);
            let s = stat_to_c(stat);
            unsafe { f(ZOK, &lent.vector, &s, data.get()) }
        }
        _ => unsafe { f(r.err, null(), null(), data.get()) },
    })
}

pub(crate) fn string(f: string_completion_t, data: *const c_void) -> Completion {
    let Some(f) = f else { return nothing() };
    let data = SendPtr::new(data);
    Box::new(move |r: OpResult| match (&r.response, r.err) {
        (Response::Path { path, .. }, ZOK) => {
            let p = c_string(path);
            unsafe { f(ZOK, p.as_ptr(), data.get()) }
        }
        _ => unsafe { f(r.err, null(), data.get()) },
    })
}

pub(crate) fn string_stat(f: string_stat_completion_t, data: *const c_void) -> Completion {
    let Some(f) = f else { return nothing() };
    let data = SendPtr::new(data);
    Box::new(move |r: OpResult| match (&r.response, r.err) {
        (
            Response::Path {
                path,
                stat: Some(stat),
            },
            ZOK,
        ) => {
            let p = c_string(path);
            let s = stat_to_c(stat);
            unsafe { f(ZOK, p.as_ptr(), &s, data.get()) }
        }
        _ => unsafe { f(r.err, null(), null(), data.get()) },
    })
}

pub(crate) fn acl(f: acl_completion_t, data: *const c_void) -> Completion {
    let Some(f) = f else { return nothing() };
    let data = SendPtr::new(data);
    Box::new(move |r: OpResult| match (&r.response, r.err) {
        (Response::Acl { acl, stat }, ZOK) => {
            let mut lent = LentAcl::new(acl);
            let mut s = stat_to_c(stat);
            unsafe { f(ZOK, &mut lent.vector, &mut s, data.get()) }
        }
        _ => unsafe { f(r.err, null_mut(), null_mut(), data.get()) },
    })
}
