//! Request-level tests of the processor: frames in, frames out.

use zkrs_proto::consts::{create_flags, event_type, op, perms};
use zkrs_proto::errors::*;
use zkrs_proto::jute::{Decode, Encode, Reader};
use zkrs_proto::records::*;
use zkrs_proto::request::{decode_multi_results, MultiOp, MultiResult, Request};

use super::acl::digest;
use super::processor::{Output, Processor, ProcessorOptions};
use super::storage::{Storage, Txn, TxnRecord};
use super::tree::CONTAINER_OWNER;

const A: i64 = 0x100;
const B: i64 = 0x200;
const C: i64 = 0x300;

/// What one request produced, decoded.
#[derive(Debug)]
struct Got {
    /// Events per receiving session, in order: (session, type, path).
    events: Vec<(i64, i32, String)>,
    header: ReplyHeader,
    body: Vec<u8>,
    closed: bool,
    /// Whether every event for the requester came before its reply.
    events_first: bool,
}

impl Got {
    fn ok(&self) -> &Self {
        assert_eq!(self.header.err, ZOK, "{self:?}");
        self
    }
    fn err(&self) -> i32 {
        self.header.err
    }
    fn decode<T: Decode>(&self) -> T {
        T::decode(&mut Reader::new(&self.body)).expect("body decodes")
    }
    fn events_for(&self, s: i64) -> Vec<(i32, String)> {
        self.events
            .iter()
            .filter(|e| e.0 == s)
            .map(|e| (e.1, e.2.clone()))
            .collect()
    }
}

struct Harness {
    p: Processor,
    now: i64,
    xid: i32,
}

fn acl_open() -> Vec<Acl> {
    vec![Acl {
        perms: perms::ALL,
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }]
}

fn acl_of(perms: i32, scheme: &str, id: &str) -> Acl {
    Acl {
        perms,
        id: Id {
            scheme: scheme.into(),
            id: id.into(),
        },
    }
}

fn create_req(path: &str, data: &[u8], flags: i32) -> CreateRequest {
    CreateRequest {
        path: path.into(),
        data: Some(data.to_vec()),
        acl: acl_open(),
        flags,
    }
}

fn decode_outputs(out: Vec<Output>, requester: i64) -> Got {
    let mut events = Vec::new();
    let mut reply = None;
    let mut closed = false;
    let mut events_first = true;
    for o in out {
        match o {
            Output::Notify { session, frame } => {
                let mut r = Reader::new(&frame);
                let h = ReplyHeader::decode(&mut r).unwrap();
                assert_eq!((h.xid, h.zxid, h.err), (-1, -1, 0));
                let e = WatcherEvent::decode(&mut r).unwrap();
                assert_eq!(e.state, 3);
                if session == requester && reply.is_some() {
                    events_first = false;
                }
                events.push((session, e.event_type, e.path));
            }
            Output::Reply { session, frame } => {
                assert_eq!(session, requester);
                assert!(reply.is_none(), "one reply per request");
                let mut r = Reader::new(&frame);
                let h = ReplyHeader::decode(&mut r).unwrap();
                reply = Some((h, r.rest().to_vec()));
            }
            Output::Close { session } => {
                assert_eq!(session, requester);
                closed = true;
            }
        }
    }
    let (header, body) = reply.expect("a reply");
    Got {
        events,
        header,
        body,
        closed,
        events_first,
    }
}

impl Harness {
    fn new() -> Harness {
        Harness::with(ProcessorOptions {
            super_digest: None,
            max_buffer: 1 << 20,
        })
    }

    fn with(opts: ProcessorOptions) -> Harness {
        let mut h = Harness {
            p: Processor::new(opts),
            now: 1_000_000,
            xid: 0,
        };
        for s in [A, B] {
            h.p.open_session(s, 30000, h.now);
            h.p.set_session_address(s, "127.0.0.1".parse().unwrap());
        }
        h
    }

    fn raw(&mut self, s: i64, opcode: i32, body: &[u8]) -> Got {
        self.xid += 1;
        self.now += 1;
        let mut out = Vec::new();
        let hdr = RequestHeader {
            xid: self.xid,
            op: opcode,
        };
        self.p.process(s, &hdr, body, self.now, &mut out);
        let got = decode_outputs(out, s);
        assert!(got.events_first, "events after the reply: {got:?}");
        got
    }

    fn req(&mut self, s: i64, r: Request) -> Got {
        let mut b = Vec::new();
        r.encode_body(&mut b);
        self.raw(s, r.opcode(), &b)
    }

    fn create(&mut self, s: i64, path: &str, flags: i32) -> Got {
        self.req(s, Request::Create2(create_req(path, b"", flags)))
    }

    fn stat(&mut self, path: &str) -> Option<Stat> {
        let g = self.req(
            A,
            Request::Exists(ExistsRequest {
                path: path.into(),
                watch: false,
            }),
        );
        (g.err() == ZOK).then(|| g.decode::<ExistsResponse>().stat)
    }

    fn get_data(&mut self, s: i64, path: &str, watch: bool) -> Got {
        self.req(
            s,
            Request::GetData(GetDataRequest {
                path: path.into(),
                watch,
            }),
        )
    }

    fn set_data(&mut self, s: i64, path: &str, data: &[u8], version: i32) -> Got {
        self.req(
            s,
            Request::SetData(SetDataRequest {
                path: path.into(),
                data: Some(data.to_vec()),
                version,
            }),
        )
    }

    fn delete(&mut self, s: i64, path: &str, version: i32) -> Got {
        self.req(
            s,
            Request::Delete(DeleteRequest {
                path: path.into(),
                version,
            }),
        )
    }

    fn children(&mut self, s: i64, path: &str, watch: bool) -> Got {
        self.req(
            s,
            Request::GetChildren(GetChildrenRequest {
                path: path.into(),
                watch,
            }),
        )
    }

    fn add_auth(&mut self, s: i64, scheme: &str, auth: &[u8]) -> Got {
        self.req(
            s,
            Request::Auth(AuthPacket {
                auth_type: 0,
                scheme: scheme.into(),
                auth: auth.to_vec(),
            }),
        )
    }

    fn tick(&mut self, advance: i64) -> Vec<(i64, i32, String)> {
        self.now += advance;
        let mut out = Vec::new();
        self.p.tick(self.now, &mut out);
        out.into_iter()
            .filter_map(|o| match o {
                Output::Notify { session, frame } => {
                    let mut r = Reader::new(&frame);
                    ReplyHeader::decode(&mut r).unwrap();
                    let e = WatcherEvent::decode(&mut r).unwrap();
                    Some((session, e.event_type, e.path))
                }
                _ => None,
            })
            .collect()
    }
}

#[test]
fn create_sets_stat_like_apache() {
    let mut h = Harness::new();
    let z0 = h.p.last_zxid();
    let g = h.req(A, Request::Create2(create_req("/a", b"hello", 0)));
    let r: Create2Response = g.ok().decode();
    assert_eq!(r.path, "/a");
    assert_eq!(g.header.zxid, z0 + 1);
    let s = r.stat;
    assert_eq!((s.czxid, s.mzxid, s.pzxid), (z0 + 1, z0 + 1, z0 + 1));
    assert_eq!((s.ctime, s.mtime), (h.now, h.now));
    assert_eq!((s.version, s.cversion, s.aversion), (0, 0, 0));
    assert_eq!(
        (s.ephemeral_owner, s.data_length, s.num_children),
        (0, 5, 0)
    );
    let root = h.stat("/").unwrap();
    assert_eq!(
        (root.cversion, root.pzxid, root.num_children),
        (0, z0 + 1, 2)
    );
    // A plain create answers with the path only.
    let g = h.req(A, Request::Create(create_req("/b", b"", 0)));
    assert_eq!(g.body, {
        let mut b = Vec::new();
        "/b".to_string().encode(&mut b);
        b
    });
    // Reads answer with the last zxid and take none.
    let g = h.get_data(A, "/a", false);
    assert_eq!(g.header.zxid, z0 + 2);
    let d: GetDataResponse = g.ok().decode();
    assert_eq!(d.data.as_deref(), Some(&b"hello"[..]));
    assert_eq!(h.p.last_zxid(), z0 + 2);
}

#[test]
fn failed_writes_take_a_zxid() {
    let mut h = Harness::new();
    h.create(A, "/a", 0).ok();
    let z = h.p.last_zxid();
    let g = h.create(A, "/a", 0);
    assert_eq!((g.err(), g.header.zxid), (ZNODEEXISTS, z + 1));
    assert!(g.body.is_empty());
    let g = h.create(A, "/b", 0);
    assert_eq!(g.decode::<Create2Response>().stat.czxid, z + 2);
}

#[test]
fn sequential_suffix_counts_creations_not_deletions() {
    let mut h = Harness::new();
    h.create(A, "/x", 0).ok();
    let seq = |h: &mut Harness| {
        h.create(A, "/x/s-", create_flags::PERSISTENT_SEQUENTIAL)
            .decode::<Create2Response>()
            .path
    };
    assert_eq!(seq(&mut h), "/x/s-0000000000");
    h.delete(A, "/x/s-0000000000", -1).ok();
    assert_eq!(h.stat("/x").unwrap().cversion, 2);
    assert_eq!(seq(&mut h), "/x/s-0000000001");
    h.create(A, "/x/a", 0).ok();
    h.delete(A, "/x/a", -1).ok();
    assert_eq!(seq(&mut h), "/x/s-0000000003");
    assert_eq!(h.stat("/x").unwrap().cversion, 6);
    // A sequential name may end in a slash: the suffix completes it.
    assert_eq!(
        h.create(A, "/x/", create_flags::PERSISTENT_SEQUENTIAL)
            .decode::<Create2Response>()
            .path,
        "/x/0000000004"
    );
}

#[test]
fn create_errors_in_apache_order() {
    let mut h = Harness::new();
    assert_eq!(h.create(A, "/a/b", 0).err(), ZNONODE);
    assert_eq!(h.create(A, "noslash", 0).err(), ZBADARGUMENTS);
    assert_eq!(h.create(A, "/a/", 0).err(), ZNONODE);
    h.create(A, "/a", 0).ok();
    assert_eq!(h.create(A, "/a/", 0).err(), ZBADARGUMENTS);
    assert_eq!(h.create(A, "/a//b", 0).err(), ZNONODE);
    assert_eq!(h.create(A, "/a/.", 0).err(), ZBADARGUMENTS);
    assert_eq!(h.create(A, "/a", 9).err(), ZBADARGUMENTS);
    assert_eq!(h.create(A, "/", 0).err(), ZNODEEXISTS);
    let mut bad_acl = create_req("/c", b"", 0);
    bad_acl.acl = vec![];
    assert_eq!(h.req(A, Request::Create(bad_acl)).err(), ZINVALIDACL);
    // The ACL is checked before the parent exists.
    let mut bad_acl = create_req("/nope/c", b"", 0);
    bad_acl.acl = vec![acl_of(31, "auth", "")];
    assert_eq!(h.req(A, Request::Create(bad_acl)).err(), ZINVALIDACL);
    h.create(A, "/e", create_flags::EPHEMERAL).ok();
    assert_eq!(h.create(A, "/e/c", 0).err(), ZNOCHILDRENFOREPHEMERALS);
    assert_eq!(h.create(A, "/e", 0).err(), ZNODEEXISTS);
}

#[test]
fn ephemeral_container_and_ttl_owners() {
    let mut h = Harness::new();
    let e = h
        .create(A, "/e", create_flags::EPHEMERAL)
        .decode::<Create2Response>();
    assert_eq!(e.stat.ephemeral_owner, A);
    let c = h
        .req(
            A,
            Request::CreateContainer(create_req("/c", b"", create_flags::CONTAINER)),
        )
        .decode::<Create2Response>();
    // Clients see 0 for containers and TTL nodes; the tree keeps the kind.
    assert_eq!(c.stat.ephemeral_owner, 0);
    assert_eq!(h.p.tree.get("/c").unwrap().owner(), CONTAINER_OWNER);
    let ttl = |flags, ttl| {
        Request::CreateTtl(CreateTtlRequest {
            path: "/t".into(),
            data: None,
            acl: acl_open(),
            flags,
            ttl,
        })
    };
    assert_eq!(
        h.req(A, ttl(create_flags::PERSISTENT_WITH_TTL, 0)).err(),
        ZBADARGUMENTS
    );
    assert_eq!(
        h.req(A, ttl(create_flags::PERSISTENT, 100)).err(),
        ZBADARGUMENTS
    );
    assert_eq!(
        h.req(A, ttl(create_flags::PERSISTENT_WITH_TTL, 1 << 41))
            .err(),
        ZBADARGUMENTS
    );
    assert_eq!(
        h.create(A, "/t", create_flags::PERSISTENT_WITH_TTL).err(),
        ZBADARGUMENTS
    );
    let t = h
        .req(A, ttl(create_flags::PERSISTENT_WITH_TTL, 100))
        .decode::<Create2Response>();
    assert_eq!(t.stat.ephemeral_owner, 0);
    assert_eq!(
        h.p.tree.get("/t").unwrap().owner() as u64,
        0xFF00_0000_0000_0064
    );
    let g = h.req(
        A,
        Request::GetEphemerals(GetEphemeralsRequest {
            prefix_path: "/".into(),
        }),
    );
    assert_eq!(
        g.decode::<GetEphemeralsResponse>().ephemerals,
        vec!["/e".to_string()]
    );
    let g = h.req(
        B,
        Request::GetEphemerals(GetEphemeralsRequest {
            prefix_path: String::new(),
        }),
    );
    assert!(g.decode::<GetEphemeralsResponse>().ephemerals.is_empty());
}

#[test]
fn delete_checks() {
    let mut h = Harness::new();
    h.create(A, "/a", 0).ok();
    h.create(A, "/a/b", 0).ok();
    assert_eq!(h.delete(A, "/a", -1).err(), ZNOTEMPTY);
    assert_eq!(h.delete(A, "/a/b", 3).err(), ZBADVERSION);
    assert_eq!(h.delete(A, "/a/zz", -1).err(), ZNONODE);
    assert_eq!(h.delete(A, "/zookeeper", -1).err(), ZBADARGUMENTS);
    assert_eq!(h.delete(A, "/", -1).err(), ZBADARGUMENTS);
    assert_eq!(h.delete(A, "nopath", -1).err(), ZBADARGUMENTS);
    h.delete(A, "/a/b", 0).ok();
    h.delete(A, "/a", -1).ok();
    assert!(h.stat("/a").is_none());
}

#[test]
fn set_data_versions_and_stat() {
    let mut h = Harness::new();
    let c = h.create(A, "/a", 0).decode::<Create2Response>().stat;
    assert_eq!(h.set_data(A, "/a", b"x", 1).err(), ZBADVERSION);
    assert_eq!(h.set_data(A, "/nope", b"x", -1).err(), ZNONODE);
    assert_eq!(h.set_data(A, "bad", b"x", -1).err(), ZBADARGUMENTS);
    let g = h.set_data(A, "/a", b"xyz", 0);
    let s = g.ok().decode::<SetDataResponse>().stat;
    assert_eq!(
        (s.version, s.mzxid, s.czxid, s.data_length),
        (1, g.header.zxid, c.czxid, 3)
    );
    assert_eq!(s.mtime, h.now);
    assert!(s.mtime > s.ctime);
}

#[test]
fn data_watch_events_precede_the_reply() {
    let mut h = Harness::new();
    h.create(A, "/a", 0).ok();
    h.get_data(A, "/a", true).ok();
    h.get_data(B, "/a", true).ok();
    let g = h.set_data(A, "/a", b"1", -1);
    assert_eq!(
        g.events_for(A),
        vec![(event_type::NODE_DATA_CHANGED, "/a".into())]
    );
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_DATA_CHANGED, "/a".into())]
    );
    // One-shot: a second change fires nothing.
    assert!(h.set_data(A, "/a", b"2", -1).events.is_empty());
}

#[test]
fn exists_on_missing_node_watches_for_creation() {
    let mut h = Harness::new();
    let g = h.req(
        A,
        Request::Exists(ExistsRequest {
            path: "/n".into(),
            watch: true,
        }),
    );
    assert_eq!(g.err(), ZNONODE);
    // A failed getData sets no watch.
    assert_eq!(h.get_data(B, "/n", true).err(), ZNONODE);
    let g = h.create(B, "/n", 0);
    assert_eq!(
        g.events,
        vec![(A, event_type::NODE_CREATED, "/n".to_string())]
    );
}

#[test]
fn child_and_delete_events() {
    let mut h = Harness::new();
    h.create(A, "/p", 0).ok();
    h.create(A, "/p/c", 0).ok();
    h.children(A, "/p", true).ok();
    h.children(B, "/p/c", true).ok();
    h.get_data(B, "/p/c", true).ok();
    let g = h.delete(A, "/p/c", -1);
    // B watched /p/c twice but hears of its deletion once.
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_DELETED, "/p/c".into())]
    );
    assert_eq!(
        g.events_for(A),
        vec![(event_type::NODE_CHILDREN_CHANGED, "/p".into())]
    );
    h.children(A, "/p", true).ok();
    let g = h.set_data(A, "/p", b"x", -1);
    assert!(g.events.is_empty(), "data changes fire no child watch");
    let g = h.create(B, "/p/d", 0);
    assert_eq!(
        g.events_for(A),
        vec![(event_type::NODE_CHILDREN_CHANGED, "/p".into())]
    );
    let c: GetChildrenResponse = h.children(A, "/p", false).decode();
    assert_eq!(c.children, vec!["d".to_string()]);
}

#[test]
fn multi_commits_all_or_nothing() {
    let mut h = Harness::new();
    h.get_data(B, "/m", false);
    h.req(
        B,
        Request::Exists(ExistsRequest {
            path: "/m".into(),
            watch: true,
        }),
    );
    let ok = h.req(
        A,
        Request::Multi(vec![
            MultiOp::Create(create_req("/m", b"", 0)),
            MultiOp::Create2(create_req(
                "/m/s-",
                b"",
                create_flags::PERSISTENT_SEQUENTIAL,
            )),
            MultiOp::SetData(SetDataRequest {
                path: "/m".into(),
                data: Some(b"d".to_vec()),
                version: 0,
            }),
            MultiOp::Check(CheckVersionRequest {
                path: "/m".into(),
                version: 1,
            }),
        ]),
    );
    assert_eq!(ok.err(), ZOK);
    let res = decode_multi_results(&mut Reader::new(&ok.body)).unwrap();
    assert_eq!(res.len(), 4);
    assert_eq!(
        res[0],
        MultiResult::Create(CreateResponse { path: "/m".into() })
    );
    // Apache answers a create2 inside a multi with the path only.
    assert_eq!(
        res[1],
        MultiResult::Create(CreateResponse {
            path: "/m/s-0000000000".into()
        })
    );
    assert!(matches!(&res[2], MultiResult::SetData(r) if r.stat.version == 1));
    assert_eq!(res[3], MultiResult::Check);
    assert_eq!(
        ok.events_for(B),
        vec![(event_type::NODE_CREATED, "/m".into())]
    );

    let before = h.stat("/m").unwrap();
    h.get_data(B, "/m", true).ok();
    let z = h.p.last_zxid();
    let bad = h.req(
        A,
        Request::Multi(vec![
            MultiOp::SetData(SetDataRequest {
                path: "/m".into(),
                data: None,
                version: -1,
            }),
            MultiOp::Create(create_req("/m/x", b"", 0)),
            MultiOp::Delete(DeleteRequest {
                path: "/m".into(),
                version: -1,
            }),
            MultiOp::Create(create_req("/y", b"", 0)),
        ]),
    );
    assert_eq!((bad.err(), bad.header.zxid), (ZOK, z + 1));
    let res = decode_multi_results(&mut Reader::new(&bad.body)).unwrap();
    assert_eq!(
        res,
        vec![
            MultiResult::Error(ZOK),
            MultiResult::Error(ZOK),
            MultiResult::Error(ZNOTEMPTY),
            MultiResult::Error(ZRUNTIMEINCONSISTENCY),
        ]
    );
    assert!(bad.events.is_empty());
    assert_eq!(h.stat("/m").unwrap(), before);
    assert!(h.stat("/m/x").is_none());
    // The rolled-back create did not advance the sequence.
    let g = h.create(A, "/m/s-", create_flags::PERSISTENT_SEQUENTIAL);
    assert_eq!(g.decode::<Create2Response>().path, "/m/s-0000000001");
    // An empty multi is fine.
    let g = h.req(A, Request::Multi(vec![]));
    assert!(decode_multi_results(&mut Reader::new(&g.ok().body))
        .unwrap()
        .is_empty());
}

#[test]
fn multi_read_answers_each_op() {
    let mut h = Harness::new();
    h.create(A, "/r", 0).ok();
    let g = h.req(
        A,
        Request::MultiRead(vec![
            MultiOp::GetData(GetDataRequest {
                path: "/r".into(),
                watch: true,
            }),
            MultiOp::GetChildren(GetChildrenRequest {
                path: "/nope".into(),
                watch: false,
            }),
            MultiOp::GetChildren(GetChildrenRequest {
                path: "/".into(),
                watch: false,
            }),
        ]),
    );
    let res = decode_multi_results(&mut Reader::new(&g.ok().body)).unwrap();
    assert!(matches!(&res[0], MultiResult::GetData(_)));
    assert_eq!(res[1], MultiResult::Error(ZNONODE));
    assert!(matches!(&res[2], MultiResult::GetChildren(c) if c.children.len() == 2));
    // The read set a watch.
    let g = h.set_data(B, "/r", b"", -1);
    assert_eq!(g.events_for(A).len(), 1);
    // Writes inside multiRead, or reads inside multi, are refused.
    let g = h.req(
        A,
        Request::MultiRead(vec![MultiOp::Delete(DeleteRequest {
            path: "/r".into(),
            version: -1,
        })]),
    );
    assert_eq!(g.err(), ZMARSHALLINGERROR);
    let z = h.p.last_zxid();
    let g = h.req(
        A,
        Request::Multi(vec![MultiOp::GetData(GetDataRequest {
            path: "/r".into(),
            watch: false,
        })]),
    );
    assert_eq!((g.err(), h.p.last_zxid()), (ZMARSHALLINGERROR, z));
}

#[test]
fn digest_acls_and_auth() {
    let mut h = Harness::new();
    let g = h.add_auth(A, "digest", b"alice:secret");
    assert_eq!(
        (g.header.xid, g.header.zxid, g.err(), g.closed),
        (h.xid, 0, ZOK, false)
    );
    let mut r = create_req("/s", b"top", 0);
    r.acl = vec![acl_of(perms::ALL, "auth", "")];
    let created = h.req(A, Request::Create(r));
    created.ok();
    let g = h.req(A, Request::GetAcl(GetAclRequest { path: "/s".into() }));
    let acl: GetAclResponse = g.ok().decode();
    assert_eq!(acl.acl, vec![acl_of(31, "digest", &digest("alice:secret"))]);
    assert_eq!(h.get_data(B, "/s", false).err(), ZNOAUTH);
    assert_eq!(h.set_data(B, "/s", b"", -1).err(), ZNOAUTH);
    assert_eq!(h.create(B, "/s/c", 0).err(), ZNOAUTH);
    assert_eq!(
        h.req(B, Request::GetAcl(GetAclRequest { path: "/s".into() }))
            .err(),
        ZNOAUTH
    );
    h.add_auth(B, "digest", b"alice:wrong").ok();
    assert_eq!(h.get_data(B, "/s", false).err(), ZNOAUTH);
    h.add_auth(B, "digest", b"alice:secret").ok();
    h.get_data(B, "/s", false).ok();
    // Unknown schemes fail and close the connection.
    let g = h.add_auth(B, "kerberos", b"x");
    assert_eq!((g.err(), g.header.zxid, g.closed), (ZAUTHFAILED, 0, true));
    // whoAmI lists authenticated identities by user name.
    let g = h.req(A, Request::WhoAmI);
    let who: WhoAmIResponse = g.ok().decode();
    let info = |s: &str, u: &str| ClientInfo {
        auth_scheme: s.into(),
        user: u.into(),
    };
    assert_eq!(
        who.client_info,
        vec![info("digest", "alice"), info("ip", "127.0.0.1")]
    );
    // Reattaching drops the connection's identities.
    h.p.set_session_address(A, "127.0.0.1".parse().unwrap());
    assert_eq!(h.get_data(A, "/s", false).err(), ZNOAUTH);
}

#[test]
fn get_acl_masks_digests_without_admin() {
    let mut h = Harness::new();
    let d = digest("bob:pw");
    let mut r = create_req("/g", b"", 0);
    r.acl = vec![
        acl_of(perms::READ, "world", "anyone"),
        acl_of(perms::ALL, "digest", &d),
    ];
    h.req(A, Request::Create(r)).ok();
    let g = h.req(B, Request::GetAcl(GetAclRequest { path: "/g".into() }));
    let acl: GetAclResponse = g.ok().decode();
    assert_eq!(acl.acl[1], acl_of(perms::ALL, "digest", "bob:x"));
    h.add_auth(B, "digest", b"bob:pw").ok();
    let g = h.req(B, Request::GetAcl(GetAclRequest { path: "/g".into() }));
    assert_eq!(
        g.decode::<GetAclResponse>().acl[1],
        acl_of(perms::ALL, "digest", &d)
    );
}

#[test]
fn set_acl_and_ip_scheme() {
    let mut h = Harness::new();
    h.create(A, "/i", 0).ok();
    let set = |acl: Vec<Acl>, version| {
        Request::SetAcl(SetAclRequest {
            path: "/i".into(),
            acl,
            version,
        })
    };
    assert_eq!(
        h.req(A, set(vec![acl_of(31, "ip", "10.0.0.0/8")], 5)).err(),
        ZBADVERSION
    );
    assert_eq!(
        h.req(A, set(vec![acl_of(31, "ip", "nonsense")], -1)).err(),
        ZINVALIDACL
    );
    let g = h.req(A, set(vec![acl_of(31, "ip", "127.0.0.0/8")], 0));
    assert_eq!(g.ok().decode::<SetAclResponse>().stat.aversion, 1);
    h.get_data(B, "/i", false).ok();
    h.p.set_session_address(B, "10.1.1.1".parse().unwrap());
    assert_eq!(h.get_data(B, "/i", false).err(), ZNOAUTH);
    assert_eq!(h.req(B, set(acl_open(), -1)).err(), ZNOAUTH);
}

#[test]
fn super_digest_bypasses_acls() {
    let mut h = Harness::with(ProcessorOptions {
        super_digest: Some(digest("super:test")),
        max_buffer: 1 << 20,
    });
    let mut r = create_req("/locked", b"", 0);
    r.acl = vec![acl_of(31, "digest", &digest("x:y"))];
    h.req(A, Request::Create(r)).ok();
    assert_eq!(h.get_data(B, "/locked", false).err(), ZNOAUTH);
    h.add_auth(B, "digest", b"super:test").ok();
    h.get_data(B, "/locked", false).ok();
    h.delete(B, "/locked", -1).ok();
}

#[test]
fn close_session_removes_ephemerals_and_watches() {
    let mut h = Harness::new();
    h.create(A, "/p", 0).ok();
    h.create(A, "/p/e1", create_flags::EPHEMERAL).ok();
    h.create(A, "/p/e2", create_flags::EPHEMERAL_SEQUENTIAL)
        .ok();
    h.get_data(A, "/p", true).ok();
    h.children(B, "/p", true).ok();
    h.get_data(B, "/p/e1", true).ok();
    let z = h.p.last_zxid();
    let mut out = Vec::new();
    h.p.close_session(A, h.now, &mut out);
    assert_eq!(h.p.last_zxid(), z + 1);
    let events: Vec<(i64, i32, String)> = out
        .into_iter()
        .map(|o| match o {
            Output::Notify { session, frame } => {
                let mut r = Reader::new(&frame);
                ReplyHeader::decode(&mut r).unwrap();
                let e = WatcherEvent::decode(&mut r).unwrap();
                (session, e.event_type, e.path)
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        events,
        vec![
            (B, event_type::NODE_DELETED, "/p/e1".to_string()),
            (B, event_type::NODE_CHILDREN_CHANGED, "/p".to_string()),
        ]
    );
    let p = h.stat("/p").unwrap();
    assert_eq!((p.num_children, p.pzxid), (0, z + 1));
    assert!(h.p.stats().ephemerals_by_session.is_empty());
    assert!(h.p.stats().watches_by_session.iter().all(|(s, _)| *s != A));
    // Closing again changes nothing.
    let mut out = Vec::new();
    h.p.close_session(A, h.now, &mut out);
    assert!(out.is_empty());
    assert_eq!(h.p.last_zxid(), z + 1);
}

#[test]
fn set_watches_fires_what_was_missed() {
    let mut h = Harness::new();
    h.create(A, "/same", 0).ok();
    h.create(A, "/changed", 0).ok();
    h.create(A, "/kids", 0).ok();
    let rel = h.p.last_zxid();
    h.set_data(A, "/changed", b"x", -1).ok();
    h.create(A, "/kids/k", 0).ok();
    h.create(A, "/born", 0).ok();
    let g = h.req(
        B,
        Request::SetWatches(SetWatches {
            relative_zxid: rel,
            data_watches: vec!["/same".into(), "/changed".into(), "/gone".into()],
            exist_watches: vec!["/born".into(), "/unborn".into()],
            child_watches: vec!["/kids".into(), "/same".into()],
        }),
    );
    assert!(g.ok().body.is_empty());
    assert_eq!(
        g.events_for(B),
        vec![
            (event_type::NODE_DATA_CHANGED, "/changed".into()),
            (event_type::NODE_DELETED, "/gone".into()),
            (event_type::NODE_CREATED, "/born".into()),
            (event_type::NODE_CHILDREN_CHANGED, "/kids".into()),
        ]
    );
    // The others were registered.
    let g = h.set_data(A, "/same", b"y", -1);
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_DATA_CHANGED, "/same".into())]
    );
    let g = h.create(A, "/unborn", 0);
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_CREATED, "/unborn".into())]
    );
    let g = h.create(A, "/same/k", 0);
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_CHILDREN_CHANGED, "/same".into())]
    );
}

#[test]
fn persistent_and_recursive_watches() {
    let mut h = Harness::new();
    let add = |path: &str, mode| {
        Request::AddWatch(AddWatchRequest {
            path: path.into(),
            mode,
        })
    };
    let g = h.req(B, add("/w", 0));
    assert_eq!(g.ok().decode::<ErrorResponse>().err, 0);
    h.req(B, add("/r", 1)).ok();
    assert_eq!(h.req(B, add("/r", 7)).err(), ZMARSHALLINGERROR);
    let g = h.create(A, "/w", 0);
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_CREATED, "/w".into())]
    );
    let g = h.create(A, "/w/c", 0);
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_CHILDREN_CHANGED, "/w".into())]
    );
    let g = h.set_data(A, "/w", b"", -1);
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_DATA_CHANGED, "/w".into())]
    );
    h.create(A, "/r", 0);
    let g = h.create(A, "/r/a", 0);
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_CREATED, "/r/a".into())]
    );
    let g = h.create(A, "/r/a/b", 0);
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_CREATED, "/r/a/b".into())]
    );
    let g = h.set_data(A, "/r/a/b", b"", -1);
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_DATA_CHANGED, "/r/a/b".into())]
    );
    let g = h.delete(A, "/r/a/b", -1);
    assert_eq!(
        g.events_for(B),
        vec![(event_type::NODE_DELETED, "/r/a/b".into())]
    );
    // checkWatches / removeWatches.
    let check = |path: &str, t| {
        Request::CheckWatches(CheckWatchesRequest {
            path: path.into(),
            watcher_type: t,
        })
    };
    h.req(B, check("/w", 1)).ok();
    h.req(B, check("/r", 2)).ok();
    // Apache registers a recursive watch as a child watch too.
    h.req(B, check("/r", 1)).ok();
    assert_eq!(h.req(B, check("/r/a", 3)).err(), ZNOWATCHER);
    assert_eq!(h.req(A, check("/w", 3)).err(), ZNOWATCHER);
    let rm = h.req(
        B,
        Request::RemoveWatches(RemoveWatchesRequest {
            path: "/w".into(),
            watcher_type: 3,
        }),
    );
    rm.ok();
    assert!(h.set_data(A, "/w", b"", -1).events.is_empty());
    assert_eq!(h.req(B, check("/w", 3)).err(), ZNOWATCHER);
}

#[test]
fn containers_and_ttl_nodes_are_reaped() {
    let mut h = Harness::new();
    h.req(
        A,
        Request::CreateContainer(create_req("/c", b"", create_flags::CONTAINER)),
    )
    .ok();
    h.req(
        A,
        Request::CreateContainer(create_req("/unused", b"", create_flags::CONTAINER)),
    )
    .ok();
    h.create(A, "/c/x", 0).ok();
    h.get_data(B, "/c", true).ok();
    assert!(h.tick(10).is_empty());
    h.delete(A, "/c/x", -1).ok();
    let events = h.tick(10);
    assert_eq!(
        events,
        vec![(B, event_type::NODE_DELETED, "/c".to_string())]
    );
    assert!(h.stat("/c").is_none());
    assert!(h.stat("/unused").is_some(), "never-used containers stay");
    h.req(
        A,
        Request::CreateTtl(CreateTtlRequest {
            path: "/t".into(),
            data: None,
            acl: acl_open(),
            flags: create_flags::PERSISTENT_WITH_TTL,
            ttl: 500,
        }),
    )
    .ok();
    h.tick(400);
    assert!(h.stat("/t").is_some());
    h.set_data(A, "/t", b"", -1).ok();
    h.tick(400);
    assert!(h.stat("/t").is_some(), "a change restarts the TTL");
    h.tick(200);
    assert!(h.stat("/t").is_none());
    // deleteContainer on an ephemeral is refused.
    h.create(A, "/eph", create_flags::EPHEMERAL).ok();
    let mut out = Vec::new();
    h.p.delete_container("/eph", 0, h.now, &mut out);
    assert!(h.stat("/eph").is_some());
    // Clients cannot delete containers themselves (Apache refuses them all).
    assert_eq!(
        h.req(A, Request::DeleteContainer("/unused".into())).err(),
        ZBADARGUMENTS
    );
}

#[test]
fn counting_and_misc_requests() {
    let mut h = Harness::new();
    h.create(A, "/n", 0).ok();
    h.create(A, "/n/a", 0).ok();
    h.create(A, "/n/a/b", 0).ok();
    let count = |h: &mut Harness, p: &str| {
        h.req(
            A,
            Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: p.into() }),
        )
    };
    assert_eq!(
        count(&mut h, "/n")
            .decode::<GetAllChildrenNumberResponse>()
            .total_number,
        2
    );
    assert_eq!(
        count(&mut h, "/")
            .decode::<GetAllChildrenNumberResponse>()
            .total_number,
        6
    );
    assert_eq!(count(&mut h, "/none").err(), ZNONODE);
    let g = h.req(A, Request::Sync(SyncRequest { path: "/n".into() }));
    assert_eq!(g.ok().decode::<SyncResponse>().path, "/n");
    let z = h.p.last_zxid();
    let g = h.req(
        A,
        Request::Reconfig(ReconfigRequest {
            joining_servers: String::new(),
            leaving_servers: String::new(),
            new_members: String::new(),
            cur_config_id: -1,
        }),
    );
    assert_eq!((g.err(), g.header.zxid), (ZRECONFIGDISABLED, z + 1));
    let c: GetChildren2Response = h
        .req(
            A,
            Request::GetChildren2(GetChildren2Request {
                path: "/n".into(),
                watch: false,
            }),
        )
        .decode();
    assert_eq!(
        (c.children, c.stat.num_children),
        (vec!["a".to_string()], 1)
    );
    let stats = h.p.stats();
    assert_eq!(stats.node_count, 8);
    assert_eq!(stats.session_count, 2);
}

#[test]
fn bad_input_gets_error_replies() {
    let mut h = Harness::new();
    let g = h.raw(A, 77, &[1, 2, 3]);
    assert_eq!((g.err(), g.closed), (ZUNIMPLEMENTED, true));
    let z = h.p.last_zxid();
    let g = h.raw(A, op::CREATE, &[0, 0, 0, 9, b'/']);
    assert_eq!(
        (g.err(), g.closed, h.p.last_zxid()),
        (ZMARSHALLINGERROR, false, z)
    );
    let g = h.raw(A, op::GET_DATA, &[0xff, 0xff, 0xff, 0xf0]);
    assert_eq!(g.err(), ZMARSHALLINGERROR);
    let g = h.raw(A, op::MULTI, &[0, 0, 0, 42, 0, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(g.err(), ZMARSHALLINGERROR);
    let g = h.raw(A, op::SASL, &[0, 0, 0, 0]);
    assert_eq!((g.err(), g.header.zxid, g.closed), (ZOK, 0, false));
    assert_eq!(g.body, vec![0xff; 4]);
    let g = h.raw(A, op::EXISTS, &{
        let mut b = Vec::new();
        ExistsRequest {
            path: "/a\0b".into(),
            watch: false,
        }
        .encode(&mut b);
        b
    });
    assert_eq!(g.err(), ZBADARGUMENTS);
    // A check op outside a multi reads like one inside it.
    h.create(A, "/v", 0).ok();
    let chk = |v| {
        Request::Check(CheckVersionRequest {
            path: "/v".into(),
            version: v,
        })
    };
    assert_eq!(h.req(A, chk(3)).err(), ZBADVERSION);
    // A successful one makes Apache drop the connection without an answer.
    let z = h.p.last_zxid();
    let mut b = Vec::new();
    chk(0).encode_body(&mut b);
    let mut out = Vec::new();
    let hdr = RequestHeader {
        xid: 9,
        op: op::CHECK,
    };
    h.p.process(A, &hdr, &b, h.now, &mut out);
    assert_eq!(out, vec![Output::Close { session: A }]);
    assert_eq!(h.p.last_zxid(), z + 1);
}

#[test]
fn lost_connections_take_their_watches() {
    let mut h = Harness::new();
    h.create(A, "/l", 0).ok();
    h.get_data(B, "/l", true).ok();
    h.children(B, "/l", true).ok();
    h.p.connection_lost(B);
    assert!(h.set_data(A, "/l", b"", -1).events.is_empty());
    assert!(h.create(A, "/l/c", 0).events.is_empty());
    assert_eq!(h.p.stats().watch_count, 0);
}

/// Records what the processor commits; its syncs fail while `failing`.
struct Recorder(
    std::sync::Arc<std::sync::Mutex<Vec<TxnRecord>>>,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
);

impl Storage for Recorder {
    fn append(&mut self, record: &TxnRecord) {
        self.0.lock().unwrap().push(record.clone());
    }
    fn sync(&mut self) -> std::io::Result<()> {
        if self.1.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(std::io::Error::other("disk full"));
        }
        Ok(())
    }
    fn is_durable(&self) -> bool {
        true
    }
}

fn recorder() -> (
    Processor,
    std::sync::Arc<std::sync::Mutex<Vec<TxnRecord>>>,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let failing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let p = Processor::with_storage(
        ProcessorOptions::default(),
        Box::new(Recorder(log.clone(), failing.clone())),
    );
    (p, log, failing)
}

fn send(p: &mut Processor, session: i64, r: Request) -> Vec<Output> {
    let mut out = Vec::new();
    let mut b = Vec::new();
    r.encode_body(&mut b);
    p.process(
        session,
        &RequestHeader {
            xid: 3,
            op: r.opcode(),
        },
        &b,
        7,
        &mut out,
    );
    out
}

#[test]
fn a_group_that_cannot_be_synced_is_undone() {
    let (mut p, _log, failing) = recorder();
    p.open_session(A, 1000, 5);
    p.open_session(B, 2000, 5);
    send(&mut p, A, Request::Create(create_req("/keep", b"k", 0)));
    send(&mut p, B, Request::Create(create_req("/eph", b"e", 1)));
    p.sync_storage().unwrap();
    let durable = p.last_zxid();
    assert_eq!(p.durable_zxid(), durable);
    let before = p.stats();
    let root_before = p.tree.get("/").unwrap().stat.clone();

    failing.store(true, std::sync::atomic::Ordering::SeqCst);
    send(&mut p, A, Request::Create(create_req("/new", b"n", 2)));
    send(
        &mut p,
        A,
        Request::SetData(SetDataRequest {
            path: "/keep".into(),
            data: Some(b"changed".to_vec()),
            version: -1,
        }),
    );
    send(
        &mut p,
        A,
        Request::Delete(DeleteRequest {
            path: "/keep".into(),
            version: -1,
        }),
    );
    p.close_session(B, 9, &mut Vec::new());
    p.open_session(C, 3000, 9);
    assert!(p.has_unsynced());
    let rb = p.sync_storage().unwrap_err();
    assert_eq!(rb.zxid, durable);
    assert_eq!(rb.opened, vec![C]);
    assert_eq!(rb.closed, vec![(B, 2000)]);
    assert_eq!(p.last_zxid(), durable);
    assert!(!p.has_unsynced());
    let keep = p.tree.get("/keep").expect("/keep is back");
    assert_eq!(keep.data.as_deref(), Some(&b"k"[..]));
    assert_eq!(keep.stat.version, 0);
    assert!(p.tree.get("/new0000000001").is_none());
    assert_eq!(p.tree.get("/eph").unwrap().owner(), B);
    assert_eq!(p.tree.get("/").unwrap().stat, root_before);
    let after = p.stats();
    assert_eq!(after.node_count, before.node_count);
    assert_eq!(after.ephemerals_by_session, before.ephemerals_by_session);
    assert_eq!(after.session_count, 2);

    // Once the disk works again, the same zxids are used for new writes.
    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    send(&mut p, A, Request::Create(create_req("/later", b"", 0)));
    p.sync_storage().unwrap();
    assert_eq!(p.tree.get("/later").unwrap().stat.czxid, durable + 1);
}

#[test]
fn state_rebuilt_from_a_walk_and_a_replay_matches_the_original() {
    let (mut p, log, _) = recorder();
    p.open_session(A, 1000, 5);
    send(&mut p, A, Request::Create(create_req("/a", b"1", 0)));
    p.sync_storage().unwrap();
    let snap_zxid = p.last_zxid();
    let mut nodes = Vec::new();
    p.begin_snapshot();
    p.snapshot_step(usize::MAX, |path, n| {
        nodes.push((
            path.to_string(),
            n.data.clone(),
            (*n.acl).clone(),
            n.stat.clone(),
            n.seq,
        ))
    });
    let sessions = p.session_timeouts();
    send(&mut p, A, Request::Create(create_req("/a/s", b"2", 2)));
    send(&mut p, A, Request::Create(create_req("/a/e", b"3", 1)));
    send(
        &mut p,
        A,
        Request::SetData(SetDataRequest {
            path: "/a".into(),
            data: Some(b"x".to_vec()),
            version: 0,
        }),
    );
    send(
        &mut p,
        A,
        Request::Delete(DeleteRequest {
            path: "/a/s0000000000".into(),
            version: -1,
        }),
    );

    let mut q = Processor::new(ProcessorOptions::default());
    q.restore_begin();
    for (id, t) in &sessions {
        q.restore_session(*id, *t);
    }
    // A snapshot's nodes come in any order: here children first.
    nodes.sort_by(|a, b| b.0.cmp(&a.0));
    for (path, data, acl, stat, seq) in &nodes {
        let acl = q.restore_acl(acl.clone());
        q.restore_node(path, data.as_deref(), acl, stat.clone(), *seq)
            .unwrap();
    }
    q.restore_finish().unwrap();
    q.set_restored_zxid(snap_zxid);
    for rec in log.lock().unwrap().iter().filter(|r| r.zxid > snap_zxid) {
        q.replay(rec).unwrap();
    }
    let all = |p: &mut Processor| {
        p.sync_storage().unwrap();
        let mut v = Vec::new();
        p.begin_snapshot();
        p.snapshot_step(usize::MAX, |path, n| {
            let children: Vec<String> = n.children.iter().map(|c| c.to_string()).collect();
            v.push((
                path.to_string(),
                n.data.clone(),
                n.stat.clone(),
                n.seq,
                children,
            ))
        });
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    assert_eq!(all(&mut q), all(&mut p));
    assert_eq!(q.last_zxid(), p.last_zxid());
    assert_eq!(q.session_timeouts(), p.session_timeouts());
    assert_eq!(
        q.stats().ephemerals_by_session,
        p.stats().ephemerals_by_session
    );
}

#[test]
fn every_write_reaches_storage_with_its_zxid() {
    let (mut p, log, _) = recorder();
    p.open_session(A, 1000, 5);
    send(&mut p, A, Request::Create(create_req("/s", b"d", 1)));
    send(&mut p, A, Request::Create(create_req("/s", b"d", 0)));
    send(
        &mut p,
        A,
        Request::GetData(GetDataRequest {
            path: "/s".into(),
            watch: false,
        }),
    );
    p.close_session(A, 9, &mut Vec::new());
    let log = log.lock().unwrap();
    let txns: Vec<(i64, Txn)> = log.iter().map(|r| (r.zxid, r.txn.clone())).collect();
    assert_eq!(
        txns,
        vec![
            (1, Txn::CreateSession { timeout_ms: 1000 }),
            (
                2,
                Txn::Create {
                    path: "/s".into(),
                    data: Some(b"d".to_vec()),
                    acl: acl_open(),
                    ephemeral_owner: A,
                }
            ),
            (3, Txn::Error(ZNODEEXISTS)),
            (
                4,
                Txn::CloseSession {
                    deleted: vec!["/s".into()]
                }
            ),
        ]
    );
    assert_eq!((log[1].session, log[1].xid, log[1].time_ms), (A, 3, 7));
}

/// A storage whose syncs stay in flight until the test says how they end.
struct SlowDisk(std::sync::Arc<std::sync::Mutex<Option<std::io::Result<()>>>>);

impl Storage for SlowDisk {
    fn append(&mut self, _record: &TxnRecord) {}
    fn sync(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn start_sync(
        &mut self,
        _after: Option<crate::core::storage::AfterSync>,
    ) -> std::io::Result<crate::core::storage::SyncStarted> {
        Ok(crate::core::storage::SyncStarted::InFlight)
    }
    fn finish_sync(&mut self) -> Option<std::io::Result<()>> {
        self.0.lock().unwrap().take()
    }
    fn is_durable(&self) -> bool {
        true
    }
}

#[test]
fn writes_applied_during_a_sync_wait_for_the_next_and_fall_with_a_failed_one() {
    let outcome = std::sync::Arc::new(std::sync::Mutex::new(None));
    let mut p = Processor::with_storage(
        ProcessorOptions::default(),
        Box::new(SlowDisk(outcome.clone())),
    );
    p.open_session(A, 1000, 5);
    p.start_sync(None).unwrap();
    assert!(p.sync_in_flight());
    *outcome.lock().unwrap() = Some(Ok(()));
    assert!(p.finish_sync().unwrap());
    let durable = p.durable_zxid();
    assert_eq!(durable, p.last_zxid());

    // One group in flight, another applied meanwhile.
    send(&mut p, A, Request::Create(create_req("/first", b"", 0)));
    p.start_sync(None).unwrap();
    let in_flight = p.last_zxid();
    send(&mut p, A, Request::Create(create_req("/second", b"", 0)));
    p.start_sync(None).unwrap();
    assert!(!p.finish_sync().unwrap(), "still in flight");
    *outcome.lock().unwrap() = Some(Ok(()));
    assert!(p.finish_sync().unwrap());
    assert_eq!(p.durable_zxid(), in_flight);
    assert!(p.has_unsynced(), "/second waits for the next sync");

    // The next sync fails: /second goes, /first stays.
    p.start_sync(None).unwrap();
    send(&mut p, A, Request::Create(create_req("/third", b"", 0)));
    *outcome.lock().unwrap() = Some(Err(std::io::Error::other("EIO")));
    let rb = p.finish_sync().unwrap_err();
    assert_eq!(rb.zxid, in_flight);
    assert!(p.tree.get("/first").is_some());
    assert!(p.tree.get("/second").is_none());
    assert!(p.tree.get("/third").is_none());
    assert_eq!(p.last_zxid(), in_flight);
    assert!(!p.has_unsynced());
}
