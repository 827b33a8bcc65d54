//! `zerror`: Apache's description of each error code.

use std::os::raw::{c_char, c_int};

use zkrs_proto::errors::*;

fn describe(code: c_int) -> &'static std::ffi::CStr {
    match code {
        ZOK => c"ok",
        ZSYSTEMERROR => c"system error",
        ZRUNTIMEINCONSISTENCY => c"run time inconsistency",
        ZDATAINCONSISTENCY => c"data inconsistency",
        ZCONNECTIONLOSS => c"connection loss",
        ZMARSHALLINGERROR => c"marshalling error",
        ZUNIMPLEMENTED => c"unimplemented",
        ZOPERATIONTIMEOUT => c"operation timeout",
        ZBADARGUMENTS => c"bad arguments",
        ZINVALIDSTATE => c"invalid zhandle state",
        ZNEWCONFIGNOQUORUM => c"no quorum of new config is connected and up-to-date with the leader of last committed config - try invoking reconfiguration after new servers are connected and synced",
        ZRECONFIGINPROGRESS => c"Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)",
        ZAPIERROR => c"api error",
        ZNONODE => c"no node",
        ZNOAUTH => c"not authenticated",
        ZBADVERSION => c"bad version",
        ZNOCHILDRENFOREPHEMERALS => c"no children for ephemerals",
        ZNODEEXISTS => c"node exists",
        ZNOTEMPTY => c"not empty",
        ZSESSIONEXPIRED => c"session expired",
        ZINVALIDCALLBACK => c"invalid callback",
        ZINVALIDACL => c"invalid acl",
        ZAUTHFAILED => c"authentication failed",
        ZCLOSING => c"zookeeper is closing",
        ZNOTHING => c"(not error) no server responses to process",
        ZSESSIONMOVED => c"session moved to another server, so operation is ignored",
        ZNOTREADONLY => c"state-changing request is passed to read-only server",
        ZEPHEMERALONLOCALSESSION => c"attempt to create ephemeral node on a local session",
        ZNOWATCHER => c"the watcher couldn't be found",
        ZRECONFIGDISABLED => c"attempts to perform a reconfiguration operation when reconfiguration feature is disable",
        ZSESSIONCLOSEDREQUIRESASLAUTH => c"session closed by server because client is required to do SASL authentication",
        ZTHROTTLEDOP => c"Operation was throttled due to high load",
        _ => c"unknown error",
    }
}

/// A static description of error code `c` ("unknown error" for codes
/// Apache does not know). Positive values are errno values, described by
/// the C library's `strerror`, as in Apache.
#[no_mangle]
pub extern "C" fn zerror(c: c_int) -> *const c_char {
    super::guard::ffi_or(c"unknown error".as_ptr(), || {
        if c > 0 {
            // SAFETY: strerror accepts any value and returns a C string.
            unsafe { libc::strerror(c) }
        } else {
            describe(c).as_ptr()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn text(c: c_int) -> String {
        // SAFETY: zerror returns a static C string.
        unsafe { CStr::from_ptr(zerror(c)) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn descriptions_are_apaches() {
        assert_eq!(text(ZOK), "ok");
        assert_eq!(text(ZNONODE), "no node");
        assert_eq!(text(ZCLOSING), "zookeeper is closing");
        assert_eq!(text(ZQUOTAEXCEEDED), "unknown error");
        assert_eq!(text(-1000), "unknown error");
        assert_eq!(text(libc::ENOENT), "No such file or directory");
    }
}
