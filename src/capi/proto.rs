//! `proto.h`: the opcodes, as the C client names them (checked against
//! `zkrs_proto::consts::op` by the tests below).

use std::os::raw::c_int;

pub const ZOO_NOTIFY_OP: c_int = 0;
pub const ZOO_CREATE_OP: c_int = 1;
pub const ZOO_DELETE_OP: c_int = 2;
pub const ZOO_EXISTS_OP: c_int = 3;
pub const ZOO_GETDATA_OP: c_int = 4;
pub const ZOO_SETDATA_OP: c_int = 5;
pub const ZOO_GETACL_OP: c_int = 6;
pub const ZOO_SETACL_OP: c_int = 7;
pub const ZOO_GETCHILDREN_OP: c_int = 8;
pub const ZOO_SYNC_OP: c_int = 9;
pub const ZOO_PING_OP: c_int = 11;
pub const ZOO_GETCHILDREN2_OP: c_int = 12;
pub const ZOO_CHECK_OP: c_int = 13;
pub const ZOO_MULTI_OP: c_int = 14;
pub const ZOO_CREATE2_OP: c_int = 15;
pub const ZOO_RECONFIG_OP: c_int = 16;
pub const ZOO_CHECK_WATCHES: c_int = 17;
pub const ZOO_REMOVE_WATCHES: c_int = 18;
pub const ZOO_CREATE_CONTAINER_OP: c_int = 19;
pub const ZOO_DELETE_CONTAINER_OP: c_int = 20;
pub const ZOO_CREATE_TTL_OP: c_int = 21;
pub const ZOO_CLOSE_OP: c_int = -11;
pub const ZOO_SETAUTH_OP: c_int = 100;
pub const ZOO_SETWATCHES_OP: c_int = 101;
pub const ZOO_SASL_OP: c_int = 102;

#[cfg(test)]
mod tests {
    use super::*;
    use zkrs_proto::consts::op;

    #[test]
    fn opcodes_match_the_protocol() {
        assert_eq!(ZOO_NOTIFY_OP, op::NOTIFICATION);
        assert_eq!(ZOO_CREATE_OP, op::CREATE);
        assert_eq!(ZOO_DELETE_OP, op::DELETE);
        assert_eq!(ZOO_EXISTS_OP, op::EXISTS);
        assert_eq!(ZOO_GETDATA_OP, op::GET_DATA);
        assert_eq!(ZOO_SETDATA_OP, op::SET_DATA);
        assert_eq!(ZOO_GETACL_OP, op::GET_ACL);
        assert_eq!(ZOO_SETACL_OP, op::SET_ACL);
        assert_eq!(ZOO_GETCHILDREN_OP, op::GET_CHILDREN);
        assert_eq!(ZOO_SYNC_OP, op::SYNC);
        assert_eq!(ZOO_PING_OP, op::PING);
        assert_eq!(ZOO_GETCHILDREN2_OP, op::GET_CHILDREN2);
        assert_eq!(ZOO_CHECK_OP, op::CHECK);
        assert_eq!(ZOO_MULTI_OP, op::MULTI);
        assert_eq!(ZOO_CREATE2_OP, op::CREATE2);
        assert_eq!(ZOO_RECONFIG_OP, op::RECONFIG);
        assert_eq!(ZOO_CHECK_WATCHES, op::CHECK_WATCHES);
        assert_eq!(ZOO_REMOVE_WATCHES, op::REMOVE_WATCHES);
        assert_eq!(ZOO_CREATE_CONTAINER_OP, op::CREATE_CONTAINER);
        assert_eq!(ZOO_DELETE_CONTAINER_OP, op::DELETE_CONTAINER);
        assert_eq!(ZOO_CREATE_TTL_OP, op::CREATE_TTL);
        assert_eq!(ZOO_CLOSE_OP, op::CLOSE_SESSION);
        assert_eq!(ZOO_SETAUTH_OP, op::AUTH);
        assert_eq!(ZOO_SETWATCHES_OP, op::SET_WATCHES);
        assert_eq!(ZOO_SASL_OP, op::SASL);
    }
}
