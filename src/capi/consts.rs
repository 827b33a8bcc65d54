//! The constants of `zookeeper.h`: error codes, log levels, watcher types,
//! and the data symbols (`ZOO_EPHEMERAL`, `ZOO_OPEN_ACL_UNSAFE`, ...) that
//! Apache exports as variables rather than macros.

use std::os::raw::{c_char, c_int};

use super::jute::{ACL_vector, Id, ACL};

/// The error codes the API returns (`zerror` describes them).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZOO_ERRORS {
    /// Everything is OK.
    ZOK = 0,
    /// System and server-side errors; never returned itself, only the
    /// values below it are.
    ZSYSTEMERROR = -1,
    ZRUNTIMEINCONSISTENCY = -2,
    ZDATAINCONSISTENCY = -3,
    ZCONNECTIONLOSS = -4,
    ZMARSHALLINGERROR = -5,
    ZUNIMPLEMENTED = -6,
    ZOPERATIONTIMEOUT = -7,
    ZBADARGUMENTS = -8,
    ZINVALIDSTATE = -9,
    ZNEWCONFIGNOQUORUM = -13,
    ZRECONFIGINPROGRESS = -14,
    ZSSLCONNECTIONERROR = -15,
    /// API errors; never returned itself, only the values below it are.
    ZAPIERROR = -100,
    ZNONODE = -101,
    ZNOAUTH = -102,
    ZBADVERSION = -103,
    ZNOCHILDRENFOREPHEMERALS = -108,
    ZNODEEXISTS = -110,
    ZNOTEMPTY = -111,
    ZSESSIONEXPIRED = -112,
    ZINVALIDCALLBACK = -113,
    ZINVALIDACL = -114,
    ZAUTHFAILED = -115,
    ZCLOSING = -116,
    /// Not an error: no server responses to process.
    ZNOTHING = -117,
    ZSESSIONMOVED = -118,
    ZNOTREADONLY = -119,
    ZEPHEMERALONLOCALSESSION = -120,
    ZNOWATCHER = -121,
    ZRECONFIGDISABLED = -123,
    ZSESSIONCLOSEDREQUIRESASLAUTH = -124,
    ZTHROTTLEDOP = -127,
}

/// Debug levels of the library's log.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum _ZooLogLevel {
    ZOO_LOG_LEVEL_ERROR = 1,
    ZOO_LOG_LEVEL_WARN = 2,
    ZOO_LOG_LEVEL_INFO = 3,
    ZOO_LOG_LEVEL_DEBUG = 4,
}
pub type ZooLogLevel = _ZooLogLevel;

/// A log level as a C caller passes it: any int (0 turns logging off), so
/// it is read as an int; the header names it `ZooLogLevel`.
pub type ZooLogLevelArg = c_int;

/// Kinds of watches `zoo_remove_watches` removes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum _ZooWatcherType {
    ZWATCHTYPE_CHILD = 1,
    ZWATCHTYPE_DATA = 2,
    ZWATCHTYPE_ANY = 3,
}
pub type ZooWatcherType = _ZooWatcherType;

/// A watcher type as a C caller passes it (any int; checked before use).
pub type ZooWatcherTypeArg = c_int;

/// `zookeeper_init` flag: accept read-only servers.
pub const ZOO_READONLY: c_int = 1;
/// `zookeeper_init` flag: do not log the client environment.
pub const ZOO_NO_LOG_CLIENTENV: c_int = 2;

#[no_mangle]
pub static ZOO_PERM_READ: c_int = 1;
#[no_mangle]
pub static ZOO_PERM_WRITE: c_int = 1 << 1;
#[no_mangle]
pub static ZOO_PERM_CREATE: c_int = 1 << 2;
#[no_mangle]
pub static ZOO_PERM_DELETE: c_int = 1 << 3;
#[no_mangle]
pub static ZOO_PERM_ADMIN: c_int = 1 << 4;
#[no_mangle]
pub static ZOO_PERM_ALL: c_int = 0x1f;

/// Interest flags of `zookeeper_interest`.
#[no_mangle]
pub static ZOOKEEPER_WRITE: c_int = 1;
#[no_mangle]
pub static ZOOKEEPER_READ: c_int = 1 << 1;

/// Create modes.
#[no_mangle]
pub static ZOO_PERSISTENT: c_int = 0;
#[no_mangle]
pub static ZOO_EPHEMERAL: c_int = 1;
#[no_mangle]
pub static ZOO_PERSISTENT_SEQUENTIAL: c_int = 2;
#[no_mangle]
pub static ZOO_EPHEMERAL_SEQUENTIAL: c_int = 3;
#[no_mangle]
pub static ZOO_CONTAINER: c_int = 4;
#[no_mangle]
pub static ZOO_PERSISTENT_WITH_TTL: c_int = 5;
#[no_mangle]
pub static ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL: c_int = 6;
/// The sequence bit of the create modes.
#[no_mangle]
pub static ZOO_SEQUENCE: c_int = 1 << 1;

/// Session states (`zoo_state`).
#[no_mangle]
pub static ZOO_EXPIRED_SESSION_STATE: c_int = -112;
#[no_mangle]
pub static ZOO_AUTH_FAILED_STATE: c_int = -113;
#[no_mangle]
pub static ZOO_CONNECTING_STATE: c_int = 1;
#[no_mangle]
pub static ZOO_ASSOCIATING_STATE: c_int = 2;
#[no_mangle]
pub static ZOO_CONNECTED_STATE: c_int = 3;
#[no_mangle]
pub static ZOO_READONLY_STATE: c_int = 5;
#[no_mangle]
pub static ZOO_SSL_CONNECTING_STATE: c_int = 7;
#[no_mangle]
pub static ZOO_NOTCONNECTED_STATE: c_int = 999;

/// Watch event types.
#[no_mangle]
pub static ZOO_CREATED_EVENT: c_int = 1;
#[no_mangle]
pub static ZOO_DELETED_EVENT: c_int = 2;
#[no_mangle]
pub static ZOO_CHANGED_EVENT: c_int = 3;
#[no_mangle]
pub static ZOO_CHILD_EVENT: c_int = 4;
#[no_mangle]
pub static ZOO_SESSION_EVENT: c_int = -1;
#[no_mangle]
pub static ZOO_NOTWATCHING_EVENT: c_int = -2;

const fn id(scheme: &'static std::ffi::CStr, id: &'static std::ffi::CStr) -> Id {
    Id {
        scheme: scheme.as_ptr() as *mut c_char,
        id: id.as_ptr() as *mut c_char,
    }
}

/// The identity of everyone (`world:anyone`).
#[no_mangle]
pub static mut ZOO_ANYONE_ID_UNSAFE: Id = id(c"world", c"anyone");
/// The identities the session authenticated with (`auth:`).
#[no_mangle]
pub static mut ZOO_AUTH_IDS: Id = id(c"auth", c"");

static mut OPEN_ACL_UNSAFE_ENTRIES: [ACL; 1] = [ACL {
    perms: 0x1f,
    id: id(c"world", c"anyone"),
}];
static mut READ_ACL_UNSAFE_ENTRIES: [ACL; 1] = [ACL {
    perms: 0x01,
    id: id(c"world", c"anyone"),
}];
static mut CREATOR_ALL_ACL_ENTRIES: [ACL; 1] = [ACL {
    perms: 0x1f,
    id: id(c"auth", c""),
}];

/// Everything for everyone.
#[no_mangle]
pub static mut ZOO_OPEN_ACL_UNSAFE: ACL_vector = ACL_vector {
    count: 1,
    data: &raw mut OPEN_ACL_UNSAFE_ENTRIES as *mut ACL,
};
/// Read for everyone.
#[no_mangle]
pub static mut ZOO_READ_ACL_UNSAFE: ACL_vector = ACL_vector {
    count: 1,
    data: &raw mut READ_ACL_UNSAFE_ENTRIES as *mut ACL,
};
/// Everything for the creator's authenticated identities.
#[no_mangle]
pub static mut ZOO_CREATOR_ALL_ACL: ACL_vector = ACL_vector {
    count: 1,
    data: &raw mut CREATOR_ALL_ACL_ENTRIES as *mut ACL,
};

#[cfg(test)]
mod tests {
    use super::*;
    use zkrs_proto::consts::{create_flags, event_type, perms};
    use zkrs_proto::errors;

    #[test]
    fn values_match_the_protocol() {
        assert_eq!(ZOO_PERM_ALL, perms::ALL);
        assert_eq!(ZOO_PERM_ADMIN, perms::ADMIN);
        assert_eq!(ZOO_EPHEMERAL_SEQUENTIAL, create_flags::EPHEMERAL_SEQUENTIAL);
        assert_eq!(
            ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL,
            create_flags::PERSISTENT_SEQUENTIAL_WITH_TTL
        );
        assert_eq!(ZOO_CHILD_EVENT, event_type::NODE_CHILDREN_CHANGED);
        assert_eq!(ZOO_ERRORS::ZTHROTTLEDOP as i32, errors::ZTHROTTLEDOP);
        assert_eq!(ZOO_ERRORS::ZNOWATCHER as i32, errors::ZNOWATCHER);
        assert_eq!(
            ZOO_EXPIRED_SESSION_STATE,
            zkrs_client::state::EXPIRED_SESSION
        );
        assert_eq!(ZOO_NOTCONNECTED_STATE, zkrs_client::state::NOTCONNECTED);
    }
}
