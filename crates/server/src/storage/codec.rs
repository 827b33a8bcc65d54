//! The compact encoding of transactions inside log chunks.
//!
//! A record is `session i64, xid i32, time_ms i64, txn`; its zxid is not
//! stored, since a chunk's records carry consecutive zxids from the chunk's
//! first one. A txn is a tag byte and its fields in jute primitives:
//!
//! | tag | change        | fields                                               |
//! |-----|---------------|------------------------------------------------------|
//! | 1   | CreateSession | timeout_ms i32                                       |
//! | 2   | CloseSession  | deleted: vector of strings                           |
//! | 3   | Create        | path, data (buffer, -1 = null), acl vector, owner i64 |
//! | 4   | Delete        | path                                                 |
//! | 5   | SetData       | path, data (buffer, -1 = null)                       |
//! | 6   | SetAcl        | path, acl vector                                     |
//! | 7   | Check         | path                                                 |
//! | 8   | Multi         | count i32, then that many txns (no nested multi)    |
//! | 9   | Error         | err i32                                              |

use zkrs_proto::jute::{self, Decode, DecodeError, Encode, Reader};
use zkrs_proto::records::Acl;

use crate::core::storage::{Txn, TxnRecord};

const TAG_CREATE_SESSION: u8 = 1;
const TAG_CLOSE_SESSION: u8 = 2;
const TAG_CREATE: u8 = 3;
const TAG_DELETE: u8 = 4;
const TAG_SET_DATA: u8 = 5;
const TAG_SET_ACL: u8 = 6;
const TAG_CHECK: u8 = 7;
const TAG_MULTI: u8 = 8;
const TAG_ERROR: u8 = 9;

/// Appends one record (without its zxid) to `out`.
pub fn encode_record(record: &TxnRecord, out: &mut Vec<u8>) {
    jute::write_i64(out, record.session);
    jute::write_i32(out, record.xid);
    jute::write_i64(out, record.time_ms);
    encode_txn(&record.txn, out);
}

/// Reads one record and gives it the zxid its position implies.
pub fn decode_record(r: &mut Reader<'_>, zxid: i64) -> Result<TxnRecord, DecodeError> {
    let session = r.read_i64()?;
    let xid = r.read_i32()?;
    let time_ms = r.read_i64()?;
    let txn = decode_txn(r, false)?;
    Ok(TxnRecord {
        session,
        xid,
        zxid,
        time_ms,
        txn,
    })
}

pub fn encode_txn(txn: &Txn, out: &mut Vec<u8>) {
    match txn {
        Txn::CreateSession { timeout_ms } => {
            out.push(TAG_CREATE_SESSION);
            jute::write_i32(out, *timeout_ms);
        }
        Txn::CloseSession { deleted } => {
            out.push(TAG_CLOSE_SESSION);
            jute::write_vec(out, deleted);
        }
        Txn::Create {
            path,
            data,
            acl,
            ephemeral_owner,
        } => {
            out.push(TAG_CREATE);
            jute::write_string(out, path);
            jute::write_opt_buffer(out, data.as_deref());
            jute::write_vec(out, acl);
            jute::write_i64(out, *ephemeral_owner);
        }
        Txn::Delete { path } => {
            out.push(TAG_DELETE);
            jute::write_string(out, path);
        }
        Txn::SetData { path, data } => {
            out.push(TAG_SET_DATA);
            jute::write_string(out, path);
            jute::write_opt_buffer(out, data.as_deref());
        }
        Txn::SetAcl { path, acl } => {
            out.push(TAG_SET_ACL);
            jute::write_string(out, path);
            jute::write_vec(out, acl);
        }
        Txn::Check { path } => {
            out.push(TAG_CHECK);
            jute::write_string(out, path);
        }
        Txn::Multi(ops) => {
            out.push(TAG_MULTI);
            jute::write_i32(out, ops.len() as i32);
            for op in ops {
                encode_txn(op, out);
            }
        }
        Txn::Error(err) => {
            out.push(TAG_ERROR);
            err.encode(out);
        }
    }
}

/// Reads one txn; `in_multi` forbids a nested multi, which the processor
/// never produces and which would let a crafted file recurse without bound.
pub fn decode_txn(r: &mut Reader<'_>, in_multi: bool) -> Result<Txn, DecodeError> {
    let tag = r.take(1)?[0];
    Ok(match tag {
        TAG_CREATE_SESSION => Txn::CreateSession {
            timeout_ms: r.read_i32()?,
        },
        TAG_CLOSE_SESSION => Txn::CloseSession {
            deleted: Vec::<String>::decode(r)?,
        },
        TAG_CREATE => Txn::Create {
            path: r.read_string()?,
            data: r.read_opt_buffer()?,
            acl: Vec::<Acl>::decode(r)?,
            ephemeral_owner: r.read_i64()?,
        },
        TAG_DELETE => Txn::Delete {
            path: r.read_string()?,
        },
        TAG_SET_DATA => Txn::SetData {
            path: r.read_string()?,
            data: r.read_opt_buffer()?,
        },
        TAG_SET_ACL => Txn::SetAcl {
            path: r.read_string()?,
            acl: Vec::<Acl>::decode(r)?,
        },
        TAG_CHECK => Txn::Check {
            path: r.read_string()?,
        },
        TAG_MULTI if !in_multi => {
            let n = r.read_i32()?;
            // Every txn takes at least two bytes, which bounds the allocation.
            if n < 0 || (n as usize).saturating_mul(2) > r.remaining() {
                return Err(DecodeError::InvalidValue {
                    field: "multi count",
                    value: n as i64,
                });
            }
            let mut ops = Vec::with_capacity(n as usize);
            for _ in 0..n {
                ops.push(decode_txn(r, true)?);
            }
            Txn::Multi(ops)
        }
        TAG_ERROR => Txn::Error(r.read_i32()?),
        other => {
            return Err(DecodeError::InvalidValue {
                field: "txn tag",
                value: other as i64,
            })
        }
    })
}
