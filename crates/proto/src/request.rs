//! Client requests as a whole: the body that follows a `RequestHeader`,
//! decoded by opcode, and the operations inside multi and multiRead.

use crate::consts::op;
use crate::jute::{Decode, DecodeError, Encode, Reader};
use crate::records::*;

/// One operation inside a `multi` (writes) or `multiRead` (reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultiOp {
    Create(CreateRequest),
    Create2(CreateRequest),
    CreateContainer(CreateRequest),
    CreateTtl(CreateTtlRequest),
    Delete(DeleteRequest),
    SetData(SetDataRequest),
    Check(CheckVersionRequest),
    GetChildren(GetChildrenRequest),
    GetData(GetDataRequest),
}

impl MultiOp {
    pub fn opcode(&self) -> i32 {
        match self {
            MultiOp::Create(_) => op::CREATE,
            MultiOp::Create2(_) => op::CREATE2,
            MultiOp::CreateContainer(_) => op::CREATE_CONTAINER,
            MultiOp::CreateTtl(_) => op::CREATE_TTL,
            MultiOp::Delete(_) => op::DELETE,
            MultiOp::SetData(_) => op::SET_DATA,
            MultiOp::Check(_) => op::CHECK,
            MultiOp::GetChildren(_) => op::GET_CHILDREN,
            MultiOp::GetData(_) => op::GET_DATA,
        }
    }

    pub fn path(&self) -> &str {
        match self {
            MultiOp::Create(r) | MultiOp::Create2(r) | MultiOp::CreateContainer(r) => &r.path,
            MultiOp::CreateTtl(r) => &r.path,
            MultiOp::Delete(r) => &r.path,
            MultiOp::SetData(r) => &r.path,
            MultiOp::Check(r) => &r.path,
            MultiOp::GetChildren(r) => &r.path,
            MultiOp::GetData(r) => &r.path,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            MultiOp::Create(r) | MultiOp::Create2(r) | MultiOp::CreateContainer(r) => r.encode(out),
            MultiOp::CreateTtl(r) => r.encode(out),
            MultiOp::Delete(r) => r.encode(out),
            MultiOp::SetData(r) => r.encode(out),
            MultiOp::Check(r) => r.encode(out),
            MultiOp::GetChildren(r) => r.encode(out),
            MultiOp::GetData(r) => r.encode(out),
        }
    }

    fn decode_body(opcode: i32, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match opcode {
            op::CREATE => MultiOp::Create(Decode::decode(r)?),
            op::CREATE2 => MultiOp::Create2(Decode::decode(r)?),
            op::CREATE_CONTAINER => MultiOp::CreateContainer(Decode::decode(r)?),
            op::CREATE_TTL => MultiOp::CreateTtl(Decode::decode(r)?),
            op::DELETE => MultiOp::Delete(Decode::decode(r)?),
            op::SET_DATA => MultiOp::SetData(Decode::decode(r)?),
            op::CHECK => MultiOp::Check(Decode::decode(r)?),
            op::GET_CHILDREN => MultiOp::GetChildren(Decode::decode(r)?),
            op::GET_DATA => MultiOp::GetData(Decode::decode(r)?),
            other => return Err(DecodeError::UnknownOpCode(other)),
        })
    }
}

/// Encodes the ops of a multi: a `MultiHeader` before each, and a closing
/// header `{-1, true, -1}`.
pub fn encode_multi(ops: &[MultiOp], out: &mut Vec<u8>) {
    for o in ops {
        MultiHeader {
            op: o.opcode(),
            done: false,
            err: -1,
        }
        .encode(out);
        o.encode_body(out);
    }
    MultiHeader {
        op: -1,
        done: true,
        err: -1,
    }
    .encode(out);
}

pub fn decode_multi(r: &mut Reader<'_>) -> Result<Vec<MultiOp>, DecodeError> {
    let mut ops = Vec::new();
    loop {
        let h = MultiHeader::decode(r)?;
        if h.done {
            return Ok(ops);
        }
        ops.push(MultiOp::decode_body(h.op, r)?);
    }
}

/// The result of one operation of a multi or multiRead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultiResult {
    Create(CreateResponse),
    Create2(Create2Response),
    Delete,
    SetData(SetDataResponse),
    Check,
    GetChildren(GetChildrenResponse),
    GetData(GetDataResponse),
    Error(i32),
}

impl MultiResult {
    pub fn opcode(&self) -> i32 {
        match self {
            MultiResult::Create(_) => op::CREATE,
            MultiResult::Create2(_) => op::CREATE2,
            MultiResult::Delete => op::DELETE,
            MultiResult::SetData(_) => op::SET_DATA,
            MultiResult::Check => op::CHECK,
            MultiResult::GetChildren(_) => op::GET_CHILDREN,
            MultiResult::GetData(_) => op::GET_DATA,
            MultiResult::Error(_) => op::ERROR,
        }
    }

    pub fn err(&self) -> i32 {
        match self {
            MultiResult::Error(e) => *e,
            _ => 0,
        }
    }
}

/// Encodes multi results: `MultiHeader{op, false, err}` and the op's response
/// for each, then the closing header.
pub fn encode_multi_results(results: &[MultiResult], out: &mut Vec<u8>) {
    for res in results {
        MultiHeader {
            op: res.opcode(),
            done: false,
            err: res.err(),
        }
        .encode(out);
        match res {
            MultiResult::Create(r) => r.encode(out),
            MultiResult::Create2(r) => r.encode(out),
            MultiResult::SetData(r) => r.encode(out),
            MultiResult::GetChildren(r) => r.encode(out),
            MultiResult::GetData(r) => r.encode(out),
            MultiResult::Error(e) => ErrorResponse { err: *e }.encode(out),
            MultiResult::Delete | MultiResult::Check => {}
        }
    }
    MultiHeader {
        op: -1,
        done: true,
        err: -1,
    }
    .encode(out);
}

pub fn decode_multi_results(r: &mut Reader<'_>) -> Result<Vec<MultiResult>, DecodeError> {
    let mut results = Vec::new();
    loop {
        let h = MultiHeader::decode(r)?;
        if h.done {
            return Ok(results);
        }
        results.push(match h.op {
            op::CREATE => MultiResult::Create(Decode::decode(r)?),
            op::CREATE2 => MultiResult::Create2(Decode::decode(r)?),
            op::DELETE => MultiResult::Delete,
            op::SET_DATA => MultiResult::SetData(Decode::decode(r)?),
            op::CHECK => MultiResult::Check,
            op::GET_CHILDREN => MultiResult::GetChildren(Decode::decode(r)?),
            op::GET_DATA => MultiResult::GetData(Decode::decode(r)?),
            op::ERROR => MultiResult::Error(ErrorResponse::decode(r)?.err),
            other => return Err(DecodeError::UnknownOpCode(other)),
        });
    }
}

/// A request body, decoded according to the opcode in its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Create(CreateRequest),
    Create2(CreateRequest),
    CreateContainer(CreateRequest),
    CreateTtl(CreateTtlRequest),
    Delete(DeleteRequest),
    /// Its body is the path's bytes with no length prefix, as Apache sends it.
    DeleteContainer(String),
    Exists(ExistsRequest),
    GetData(GetDataRequest),
    SetData(SetDataRequest),
    GetAcl(GetAclRequest),
    SetAcl(SetAclRequest),
    GetChildren(GetChildrenRequest),
    GetChildren2(GetChildren2Request),
    Sync(SyncRequest),
    Ping,
    Check(CheckVersionRequest),
    Multi(Vec<MultiOp>),
    MultiRead(Vec<MultiOp>),
    Reconfig(ReconfigRequest),
    CheckWatches(CheckWatchesRequest),
    RemoveWatches(RemoveWatchesRequest),
    Auth(AuthPacket),
    SetWatches(SetWatches),
    SetWatches2(SetWatches2),
    Sasl(GetSaslRequest),
    GetEphemerals(GetEphemeralsRequest),
    GetAllChildrenNumber(GetAllChildrenNumberRequest),
    AddWatch(AddWatchRequest),
    WhoAmI,
    CloseSession,
}

impl Request {
    pub fn opcode(&self) -> i32 {
        match self {
            Request::Create(_) => op::CREATE,
            Request::Create2(_) => op::CREATE2,
            Request::CreateContainer(_) => op::CREATE_CONTAINER,
            Request::CreateTtl(_) => op::CREATE_TTL,
            Request::Delete(_) => op::DELETE,
            Request::DeleteContainer(_) => op::DELETE_CONTAINER,
            Request::Exists(_) => op::EXISTS,
            Request::GetData(_) => op::GET_DATA,
            Request::SetData(_) => op::SET_DATA,
            Request::GetAcl(_) => op::GET_ACL,
            Request::SetAcl(_) => op::SET_ACL,
            Request::GetChildren(_) => op::GET_CHILDREN,
            Request::GetChildren2(_) => op::GET_CHILDREN2,
            Request::Sync(_) => op::SYNC,
            Request::Ping => op::PING,
            Request::Check(_) => op::CHECK,
            Request::Multi(_) => op::MULTI,
            Request::MultiRead(_) => op::MULTI_READ,
            Request::Reconfig(_) => op::RECONFIG,
            Request::CheckWatches(_) => op::CHECK_WATCHES,
            Request::RemoveWatches(_) => op::REMOVE_WATCHES,
            Request::Auth(_) => op::AUTH,
            Request::SetWatches(_) => op::SET_WATCHES,
            Request::SetWatches2(_) => op::SET_WATCHES2,
            Request::Sasl(_) => op::SASL,
            Request::GetEphemerals(_) => op::GET_EPHEMERALS,
            Request::GetAllChildrenNumber(_) => op::GET_ALL_CHILDREN_NUMBER,
            Request::AddWatch(_) => op::ADD_WATCH,
            Request::WhoAmI => op::WHO_AM_I,
            Request::CloseSession => op::CLOSE_SESSION,
        }
    }

    /// Encodes the body (not the header).
    pub fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Request::Create(r) | Request::Create2(r) | Request::CreateContainer(r) => r.encode(out),
            Request::CreateTtl(r) => r.encode(out),
            Request::Delete(r) => r.encode(out),
            Request::DeleteContainer(p) => out.extend_from_slice(p.as_bytes()),
            Request::Exists(r) => r.encode(out),
            Request::GetData(r) => r.encode(out),
            Request::SetData(r) => r.encode(out),
            Request::GetAcl(r) => r.encode(out),
            Request::SetAcl(r) => r.encode(out),
            Request::GetChildren(r) => r.encode(out),
            Request::GetChildren2(r) => r.encode(out),
            Request::Sync(r) => r.encode(out),
            Request::Check(r) => r.encode(out),
            Request::Multi(ops) | Request::MultiRead(ops) => encode_multi(ops, out),
            Request::Reconfig(r) => r.encode(out),
            Request::CheckWatches(r) => r.encode(out),
            Request::RemoveWatches(r) => r.encode(out),
            Request::Auth(r) => r.encode(out),
            Request::SetWatches(r) => r.encode(out),
            Request::SetWatches2(r) => r.encode(out),
            Request::Sasl(r) => r.encode(out),
            Request::GetEphemerals(r) => r.encode(out),
            Request::GetAllChildrenNumber(r) => r.encode(out),
            Request::AddWatch(r) => r.encode(out),
            Request::Ping | Request::WhoAmI | Request::CloseSession => {}
        }
    }

    /// Decodes the body of a request with the given opcode.
    pub fn decode_body(opcode: i32, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        use Decode as D;
        Ok(match opcode {
            op::CREATE => Request::Create(D::decode(r)?),
            op::CREATE2 => Request::Create2(D::decode(r)?),
            op::CREATE_CONTAINER => Request::CreateContainer(D::decode(r)?),
            op::CREATE_TTL => Request::CreateTtl(D::decode(r)?),
            op::DELETE => Request::Delete(D::decode(r)?),
            op::DELETE_CONTAINER => {
                let b = r.take(r.remaining())?;
                Request::DeleteContainer(
                    String::from_utf8(b.to_vec()).map_err(|_| DecodeError::InvalidUtf8)?,
                )
            }
            op::EXISTS => Request::Exists(D::decode(r)?),
            op::GET_DATA => Request::GetData(D::decode(r)?),
            op::SET_DATA => Request::SetData(D::decode(r)?),
            op::GET_ACL => Request::GetAcl(D::decode(r)?),
            op::SET_ACL => Request::SetAcl(D::decode(r)?),
            op::GET_CHILDREN => Request::GetChildren(D::decode(r)?),
            op::GET_CHILDREN2 => Request::GetChildren2(D::decode(r)?),
            op::SYNC => Request::Sync(D::decode(r)?),
            op::PING => Request::Ping,
            op::CHECK => Request::Check(D::decode(r)?),
            op::MULTI => Request::Multi(decode_multi(r)?),
            op::MULTI_READ => Request::MultiRead(decode_multi(r)?),
            op::RECONFIG => Request::Reconfig(D::decode(r)?),
            op::CHECK_WATCHES => Request::CheckWatches(D::decode(r)?),
            op::REMOVE_WATCHES => Request::RemoveWatches(D::decode(r)?),
            op::AUTH => Request::Auth(D::decode(r)?),
            op::SET_WATCHES => Request::SetWatches(D::decode(r)?),
            op::SET_WATCHES2 => Request::SetWatches2(D::decode(r)?),
            op::SASL => Request::Sasl(D::decode(r)?),
            op::GET_EPHEMERALS => Request::GetEphemerals(D::decode(r)?),
            op::GET_ALL_CHILDREN_NUMBER => Request::GetAllChildrenNumber(D::decode(r)?),
            op::ADD_WATCH => Request::AddWatch(D::decode(r)?),
            op::WHO_AM_I => Request::WhoAmI,
            op::CLOSE_SESSION => Request::CloseSession,
            other => return Err(DecodeError::UnknownOpCode(other)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_round_trips() {
        let ops = vec![
            MultiOp::Create(CreateRequest {
                path: "/x".into(),
                data: Some(b"d".to_vec()),
                acl: vec![],
                flags: 0,
            }),
            MultiOp::Check(CheckVersionRequest {
                path: "/x".into(),
                version: 0,
            }),
            MultiOp::Delete(DeleteRequest {
                path: "/x".into(),
                version: -1,
            }),
        ];
        let req = Request::Multi(ops);
        let mut b = Vec::new();
        req.encode_body(&mut b);
        let back = Request::decode_body(op::MULTI, &mut Reader::new(&b)).unwrap();
        assert_eq!(back, req);
    }

    #[test]
    fn multi_results_round_trip() {
        let res = vec![
            MultiResult::Create(CreateResponse { path: "/x".into() }),
            MultiResult::Error(-2),
            MultiResult::Check,
        ];
        let mut b = Vec::new();
        encode_multi_results(&res, &mut b);
        assert_eq!(decode_multi_results(&mut Reader::new(&b)).unwrap(), res);
    }

    #[test]
    fn unknown_opcode_is_an_error() {
        assert_eq!(
            Request::decode_body(55, &mut Reader::new(&[])),
            Err(DecodeError::UnknownOpCode(55))
        );
    }
}
