//! The records of ZooKeeper's `zookeeper.jute`, field for field in wire order.

use crate::jute::{Decode, DecodeError, Encode, Reader};
use crate::jute_record;

/// Vectors of records: each element is at least `$min` bytes on the wire,
/// which bounds what a hostile count can make us allocate.
macro_rules! jute_vec {
    ($t:ty, $min:expr) => {
        impl Encode for Vec<$t> {
            fn encode(&self, out: &mut Vec<u8>) {
                crate::jute::write_vec(out, self)
            }
        }
        impl Decode for Vec<$t> {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                r.read_vec($min)
            }
        }
    };
}

jute_record!(
    /// An identity: a scheme (`world`, `auth`, `digest`, `ip`, ...) and an id in it.
    Id { scheme: String, id: String }
);
jute_record!(
    /// One access-control entry: a permission mask for an identity.
    Acl { perms: i32, id: Id }
);
jute_vec!(Acl, 12);

impl Acl {
    /// `perms` for the identity `scheme:id`.
    pub fn new(perms: i32, scheme: &str, id: &str) -> Acl {
        Acl {
            perms,
            id: Id {
                scheme: scheme.to_string(),
                id: id.to_string(),
            },
        }
    }
}

/// Apache's `Ids.OPEN_ACL_UNSAFE`: every permission for anyone.
pub fn open_acl_unsafe() -> Vec<Acl> {
    vec![Acl::new(crate::consts::perms::ALL, "world", "anyone")]
}

jute_record!(
    /// A znode's metadata as clients see it.
    Stat {
        czxid: i64,
        mzxid: i64,
        ctime: i64,
        mtime: i64,
        version: i32,
        cversion: i32,
        aversion: i32,
        ephemeral_owner: i64,
        data_length: i32,
        num_children: i32,
        pzxid: i64,
    }
);

jute_record!(
    /// One authenticated identity of a session, as `whoAmI` reports it.
    ClientInfo { auth_scheme: String, user: String }
);
jute_vec!(ClientInfo, 8);

/// The first frame a client sends. `read_only` is absent in frames from old
/// clients, so it is decoded only when a byte is left.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectRequest {
    pub protocol_version: i32,
    pub last_zxid_seen: i64,
    pub time_out: i32,
    pub session_id: i64,
    pub passwd: Vec<u8>,
    pub read_only: bool,
}

impl Encode for ConnectRequest {
    fn encode(&self, out: &mut Vec<u8>) {
        self.protocol_version.encode(out);
        self.last_zxid_seen.encode(out);
        self.time_out.encode(out);
        self.session_id.encode(out);
        self.passwd.encode(out);
        self.read_only.encode(out);
    }
}

impl Decode for ConnectRequest {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ConnectRequest {
            protocol_version: r.read_i32()?,
            last_zxid_seen: r.read_i64()?,
            time_out: r.read_i32()?,
            session_id: r.read_i64()?,
            passwd: r.read_buffer()?,
            read_only: if r.is_empty() { false } else { r.read_bool()? },
        })
    }
}

/// The server's answer to a `ConnectRequest`; `read_only` is optional as above.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectResponse {
    pub protocol_version: i32,
    pub time_out: i32,
    pub session_id: i64,
    pub passwd: Vec<u8>,
    pub read_only: bool,
}

impl Encode for ConnectResponse {
    fn encode(&self, out: &mut Vec<u8>) {
        self.protocol_version.encode(out);
        self.time_out.encode(out);
        self.session_id.encode(out);
        self.passwd.encode(out);
        self.read_only.encode(out);
    }
}

impl Decode for ConnectResponse {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ConnectResponse {
            protocol_version: r.read_i32()?,
            time_out: r.read_i32()?,
            session_id: r.read_i64()?,
            passwd: r.read_buffer()?,
            read_only: if r.is_empty() { false } else { r.read_bool()? },
        })
    }
}

jute_record!(SetWatches {
    relative_zxid: i64,
    data_watches: Vec<String>,
    exist_watches: Vec<String>,
    child_watches: Vec<String>,
});
jute_record!(SetWatches2 {
    relative_zxid: i64,
    data_watches: Vec<String>,
    exist_watches: Vec<String>,
    child_watches: Vec<String>,
    persistent_watches: Vec<String>,
    persistent_recursive_watches: Vec<String>,
});
jute_record!(
    /// Precedes every request after the handshake.
    RequestHeader { xid: i32, op: i32 }
);
jute_record!(
    /// Precedes each operation and each result inside a multi.
    MultiHeader { op: i32, done: bool, err: i32 }
);
jute_record!(AuthPacket { auth_type: i32, scheme: String, auth: Vec<u8> });
jute_record!(
    /// Precedes every reply and notification after the handshake.
    ReplyHeader { xid: i32, zxid: i64, err: i32 }
);
jute_record!(GetDataRequest {
    path: String,
    watch: bool
});
jute_record!(SetDataRequest { path: String, data: Option<Vec<u8>>, version: i32 });
jute_record!(ReconfigRequest {
    joining_servers: String,
    leaving_servers: String,
    new_members: String,
    cur_config_id: i64,
});
jute_record!(SetDataResponse { stat: Stat });
jute_record!(GetSaslRequest { token: Vec<u8> });
jute_record!(SetSaslResponse { token: Vec<u8> });
jute_record!(CreateRequest { path: String, data: Option<Vec<u8>>, acl: Vec<Acl>, flags: i32 });
jute_record!(CreateTtlRequest {
    path: String,
    data: Option<Vec<u8>>,
    acl: Vec<Acl>,
    flags: i32,
    ttl: i64,
});
jute_record!(DeleteRequest {
    path: String,
    version: i32
});
jute_record!(GetChildrenRequest {
    path: String,
    watch: bool
});
jute_record!(GetAllChildrenNumberRequest { path: String });
jute_record!(GetChildren2Request {
    path: String,
    watch: bool
});
jute_record!(CheckVersionRequest {
    path: String,
    version: i32
});
jute_record!(SyncRequest { path: String });
jute_record!(SyncResponse { path: String });
jute_record!(GetAclRequest { path: String });
jute_record!(SetAclRequest { path: String, acl: Vec<Acl>, version: i32 });
jute_record!(SetAclResponse { stat: Stat });
jute_record!(AddWatchRequest {
    path: String,
    mode: i32
});
jute_record!(
    /// A watch notification (sent with xid -1).
    WatcherEvent { event_type: i32, state: i32, path: String }
);
jute_record!(ErrorResponse { err: i32 });
jute_record!(CreateResponse { path: String });
jute_record!(Create2Response {
    path: String,
    stat: Stat
});
jute_record!(ExistsRequest {
    path: String,
    watch: bool
});
jute_record!(ExistsResponse { stat: Stat });
jute_record!(GetDataResponse { data: Option<Vec<u8>>, stat: Stat });
jute_record!(GetChildrenResponse { children: Vec<String> });
jute_record!(GetAllChildrenNumberResponse { total_number: i32 });
jute_record!(GetChildren2Response { children: Vec<String>, stat: Stat });
jute_record!(GetAclResponse { acl: Vec<Acl>, stat: Stat });
jute_record!(CheckWatchesRequest {
    path: String,
    watcher_type: i32
});
jute_record!(RemoveWatchesRequest {
    path: String,
    watcher_type: i32
});
jute_record!(GetEphemeralsRequest {
    prefix_path: String
});
jute_record!(GetEphemeralsResponse { ephemerals: Vec<String> });
jute_record!(WhoAmIResponse { client_info: Vec<ClientInfo> });

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jute::{from_slice, to_vec};

    #[test]
    fn stat_is_68_bytes() {
        assert_eq!(to_vec(&Stat::default()).len(), 68);
    }

    #[test]
    fn open_acl_is_all_permissions_for_world_anyone() {
        let acl = open_acl_unsafe();
        assert_eq!(acl.len(), 1);
        assert_eq!(acl[0].perms, 31);
        assert_eq!(
            (acl[0].id.scheme.as_str(), acl[0].id.id.as_str()),
            ("world", "anyone")
        );
    }

    #[test]
    fn connect_request_without_read_only_byte_decodes() {
        let req = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: 5,
            time_out: 30000,
            session_id: 0,
            passwd: vec![0; 16],
            read_only: false,
        };
        let mut b = to_vec(&req);
        assert_eq!(b.len(), 4 + 8 + 4 + 8 + 4 + 16 + 1);
        b.pop();
        assert_eq!(from_slice::<ConnectRequest>(&b).unwrap(), req);
    }

    #[test]
    fn create_request_round_trips() {
        let req = CreateRequest {
            path: "/a".into(),
            data: None,
            acl: open_acl_unsafe(),
            flags: 3,
        };
        assert_eq!(from_slice::<CreateRequest>(&to_vec(&req)).unwrap(), req);
    }
}
