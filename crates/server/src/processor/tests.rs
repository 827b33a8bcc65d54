//! Semantics checks; the expected values were observed on Apache ZooKeeper
//! 3.8.0 (Debian) with kazoo.

use super::*;
use zkrs_proto::jute::from_slice;
use zkrs_proto::request::{decode_multi_results, encode_multi};

const S1: i64 = 0x100;
const S2: i64 = 0x200;

struct Harness {
    p: Processor,
    now: i64,
}

fn open_acl() -> Vec<Acl> {
    vec![Acl {
        perms: perms::ALL,
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }]
}

impl Harness {
    fn new() -> Harness {
        let mut p = Processor::new(ProcessorOptions::default());
        p.open_session(S1, 30000, 1000);
        p.open_session(S2, 30000, 1000);
        p.set_session_address(S1, "127.0.0.1".parse().unwrap());
        Harness { p, now: 1_000_000 }
    }

    fn call(
        &mut self,
        s: i64,
        opcode: i32,
        body: &dyn Encode,
    ) -> (ReplyHeader, Vec<u8>, Vec<Output>) {
        let mut b = Vec::new();
        body.encode(&mut b);
        self.raw(s, opcode, &b)
    }

    fn raw(&mut self, s: i64, opcode: i32, b: &[u8]) -> (ReplyHeader, Vec<u8>, Vec<Output>) {
        let mut out = Vec::new();
        self.now += 1;
        self.p.process(
            s,
            &RequestHeader { xid: 7, op: opcode },
            b,
            self.now,
            &mut out,
        );
        let reply = out
            .iter()
            .rev()
            .find_map(|o| match o {
                Output::Reply { session, frame } if *session == s => Some(frame.clone()),
                _ => None,
            })
            .expect("a reply");
        let mut r = Reader::new(&reply);
        let h = ReplyHeader::decode(&mut r).unwrap();
        (h, r.rest().to_vec(), out)
    }

    fn create(&mut self, s: i64, path: &str, flags: i32) -> Result<String, i32> {
        let req = CreateRequest {
            path: path.into(),
            data: Some(b"d".to_vec()),
            acl: open_acl(),
            flags,
        };
        let (h, body, _) = self.call(s, op::CREATE, &req);
        if h.err != 0 {
            return Err(h.err);
        }
        Ok(from_slice::<CreateResponse>(&body).unwrap().path)
    }

    fn stat(&mut self, path: &str) -> Option<Stat> {
        let (h, body, _) = self.call(
            S2,
            op::EXISTS,
            &ExistsRequest {
                path: path.into(),
                watch: false,
            },
        );
        (h.err == 0).then(|| from_slice::<ExistsResponse>(&body).unwrap().stat)
    }

    fn delete(&mut self, s: i64, path: &str, version: i32) -> i32 {
        self.call(
            s,
            op::DELETE,
            &DeleteRequest {
                path: path.into(),
                version,
            },
        )
        .0
        .err
    }
}

fn events(out: &[Output], s: i64) -> Vec<(i32, String)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Notify { session, frame } if *session == s => {
                let mut r = Reader::new(frame);
                let h = ReplyHeader::decode(&mut r).unwrap();
                assert_eq!((h.xid, h.zxid, h.err), (-1, -1, 0));
                let e = WatcherEvent::decode(&mut r).unwrap();
                assert_eq!(e.state, keeper_state::SYNC_CONNECTED);
                Some((e.event_type, e.path))
            }
            _ => None,
        })
        .collect()
}

use zkrs_proto::jute::Decode;

#[test]
fn stats_and_zxids_follow_apache() {
    let mut h = Harness::new();
    assert_eq!(h.p.last_zxid(), 2);
    h.create(S1, "/p", 0).unwrap();
    h.create(S1, "/p/a", 0).unwrap();
    let p = h.stat("/p").unwrap();
    assert_eq!(
        (p.czxid, p.cversion, p.pzxid, p.num_children, p.data_length),
        (3, 1, 4, 1, 1)
    );
    assert_eq!(h.delete(S1, "/p/a", -1), 0);
    let p = h.stat("/p").unwrap();
    assert_eq!((p.cversion, p.pzxid, p.num_children), (2, 5, 0));
    // The sequence number counts the parent's child creations only:
    // deletions move the visible cversion, not the counter.
    assert_eq!(h.create(S1, "/p/s", 2).unwrap(), "/p/s0000000001");
    // A failed write takes a zxid too, and the reply carries it.
    let before = h.p.last_zxid();
    assert_eq!(h.delete(S1, "/p", 9), ZBADVERSION);
    assert_eq!(h.p.last_zxid(), before + 1);
    let (hdr, _, _) = h.call(
        S1,
        op::GET_DATA,
        &GetDataRequest {
            path: "/p".into(),
            watch: false,
        },
    );
    assert_eq!(hdr.zxid, before + 1);
    assert_eq!(hdr.xid, 7);
}

#[test]
fn create_errors_in_apache_order() {
    let mut h = Harness::new();
    assert_eq!(h.create(S1, "/a/b", 0), Err(ZNONODE));
    assert_eq!(h.create(S1, "noslash", 0), Err(ZBADARGUMENTS));
    assert_eq!(h.create(S1, "/x", 9), Err(ZBADARGUMENTS));
    assert_eq!(h.create(S1, "/x", 5), Err(ZBADARGUMENTS)); // TTL mode via create
    h.create(S1, "/a", 0).unwrap();
    assert_eq!(h.create(S1, "/a/", 0), Err(ZBADARGUMENTS));
    assert_eq!(h.create(S1, "/a", 0), Err(ZNODEEXISTS));
    h.create(S1, "/e", 1).unwrap();
    assert_eq!(h.create(S1, "/e/c", 0), Err(ZNOCHILDRENFOREPHEMERALS));
    assert_eq!(h.stat("/e").unwrap().ephemeral_owner, S1);
    let bad_acl = CreateRequest {
        path: "/z".into(),
        data: None,
        acl: vec![],
        flags: 0,
    };
    assert_eq!(h.call(S1, op::CREATE, &bad_acl).0.err, ZINVALIDACL);
    assert_eq!(h.delete(S1, "/zookeeper", -1), ZBADARGUMENTS);
    assert_eq!(h.delete(S1, "/", -1), ZBADARGUMENTS);
    h.create(S1, "/a/c", 0).unwrap();
    assert_eq!(h.delete(S1, "/a", -1), ZNOTEMPTY);
    assert_eq!(h.delete(S1, "/nope", -1), ZNONODE);
}

#[test]
fn data_watch_event_precedes_reply() {
    let mut h = Harness::new();
    h.create(S1, "/w", 0).unwrap();
    h.call(
        S1,
        op::GET_DATA,
        &GetDataRequest {
            path: "/w".into(),
            watch: true,
        },
    );
    h.call(
        S2,
        op::EXISTS,
        &ExistsRequest {
            path: "/w".into(),
            watch: true,
        },
    );
    let set = SetDataRequest {
        path: "/w".into(),
        data: Some(b"x".to_vec()),
        version: 0,
    };
    let (hdr, body, out) = h.call(S1, op::SET_DATA, &set);
    assert_eq!(hdr.err, 0);
    assert_eq!(
        from_slice::<SetDataResponse>(&body).unwrap().stat.version,
        1
    );
    assert!(matches!(out[0], Output::Notify { .. }) || matches!(out[1], Output::Notify { .. }));
    assert!(matches!(out.last(), Some(Output::Reply { .. })));
    assert_eq!(
        events(&out, S1),
        vec![(event_type::NODE_DATA_CHANGED, "/w".to_string())]
    );
    assert_eq!(
        events(&out, S2),
        vec![(event_type::NODE_DATA_CHANGED, "/w".to_string())]
    );
    // One-shot: a second change fires nothing.
    let set = SetDataRequest {
        path: "/w".into(),
        data: None,
        version: -1,
    };
    assert!(events(&h.call(S1, op::SET_DATA, &set).2, S1).is_empty());
}

#[test]
fn exists_on_missing_node_sets_watch_but_failed_get_data_does_not() {
    let mut h = Harness::new();
    let (hdr, _, _) = h.call(
        S1,
        op::EXISTS,
        &ExistsRequest {
            path: "/n".into(),
            watch: true,
        },
    );
    assert_eq!(hdr.err, ZNONODE);
    let (hdr, _, _) = h.call(
        S2,
        op::GET_DATA,
        &GetDataRequest {
            path: "/n".into(),
            watch: true,
        },
    );
    assert_eq!(hdr.err, ZNONODE);
    let req = CreateRequest {
        path: "/n".into(),
        data: None,
        acl: open_acl(),
        flags: 0,
    };
    let (_, _, out) = h.call(S2, op::CREATE, &req);
    assert_eq!(
        events(&out, S1),
        vec![(event_type::NODE_CREATED, "/n".to_string())]
    );
    assert!(events(&out, S2).is_empty());
}

#[test]
fn child_and_delete_watches() {
    let mut h = Harness::new();
    h.create(S1, "/c", 0).unwrap();
    h.create(S1, "/c/x", 0).unwrap();
    h.call(
        S2,
        op::GET_CHILDREN,
        &GetChildrenRequest {
            path: "/c".into(),
            watch: true,
        },
    );
    h.call(
        S2,
        op::GET_DATA,
        &GetDataRequest {
            path: "/c/x".into(),
            watch: true,
        },
    );
    h.call(
        S2,
        op::GET_CHILDREN,
        &GetChildrenRequest {
            path: "/c/x".into(),
            watch: true,
        },
    );
    let (_, _, out) = h.call(
        S1,
        op::DELETE,
        &DeleteRequest {
            path: "/c/x".into(),
            version: -1,
        },
    );
    assert_eq!(
        events(&out, S2),
        vec![
            (event_type::NODE_DELETED, "/c/x".to_string()),
            (event_type::NODE_CHILDREN_CHANGED, "/c".to_string())
        ]
    );
}

#[test]
fn multi_all_or_nothing_with_apache_results() {
    let mut h = Harness::new();
    h.create(S1, "/p", 0).unwrap();
    let root_before = h.stat("/").unwrap();
    let ops = vec![
        MultiOp::Create(CreateRequest {
            path: "/m1".into(),
            data: None,
            acl: open_acl(),
            flags: 0,
        }),
        MultiOp::Create(CreateRequest {
            path: "/p".into(),
            data: None,
            acl: open_acl(),
            flags: 0,
        }),
        MultiOp::Create(CreateRequest {
            path: "/m2".into(),
            data: None,
            acl: open_acl(),
            flags: 0,
        }),
    ];
    let mut b = Vec::new();
    encode_multi(&ops, &mut b);
    let zxid = h.p.last_zxid();
    let (hdr, body, _) = h.raw(S1, op::MULTI, &b);
    assert_eq!(hdr.err, 0);
    assert_eq!(hdr.zxid, zxid + 1);
    let res = decode_multi_results(&mut Reader::new(&body)).unwrap();
    assert_eq!(
        res,
        vec![
            MultiResult::Error(ZOK),
            MultiResult::Error(ZNODEEXISTS),
            MultiResult::Error(ZRUNTIMEINCONSISTENCY)
        ]
    );
    assert!(h.stat("/m1").is_none());
    assert_eq!(h.stat("/").unwrap(), root_before);

    // A successful multi: later ops see earlier ones; one zxid for all.
    let ops = vec![
        MultiOp::Create(CreateRequest {
            path: "/q".into(),
            data: None,
            acl: open_acl(),
            flags: 0,
        }),
        MultiOp::Create2(CreateRequest {
            path: "/q/s".into(),
            data: None,
            acl: open_acl(),
            flags: 2,
        }),
        MultiOp::SetData(SetDataRequest {
            path: "/q".into(),
            data: Some(b"v".to_vec()),
            version: 0,
        }),
        MultiOp::Check(CheckVersionRequest {
            path: "/q".into(),
            version: 1,
        }),
        MultiOp::Delete(DeleteRequest {
            path: "/p".into(),
            version: -1,
        }),
    ];
    let mut b = Vec::new();
    encode_multi(&ops, &mut b);
    let (hdr, body, _) = h.raw(S1, op::MULTI, &b);
    let res = decode_multi_results(&mut Reader::new(&body)).unwrap();
    assert_eq!(
        res[0],
        MultiResult::Create(CreateResponse { path: "/q".into() })
    );
    match &res[1] {
        MultiResult::Create2(r) => {
            assert_eq!(r.path, "/q/s0000000000");
            assert_eq!(r.stat.czxid, hdr.zxid);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(res[2], MultiResult::SetData(_)));
    assert_eq!(res[3], MultiResult::Check);
    assert_eq!(res[4], MultiResult::Delete);
    assert_eq!(h.stat("/q").unwrap().mzxid, hdr.zxid);
}

#[test]
fn digest_acl_and_auth() {
    let mut h = Harness::new();
    let auth = AuthPacket {
        auth_type: 0,
        scheme: "digest".into(),
        auth: b"bob:pw".to_vec(),
    };
    let (hdr, _, _) = h.call(S1, op::AUTH, &auth);
    assert_eq!((hdr.err, hdr.zxid), (0, 0));
    let acl = vec![Acl {
        perms: perms::ALL,
        id: Id {
            scheme: "auth".into(),
            id: "".into(),
        },
    }];
    let req = CreateRequest {
        path: "/sec".into(),
        data: Some(b"s".to_vec()),
        acl,
        flags: 0,
    };
    assert_eq!(h.call(S1, op::CREATE, &req).0.err, 0);
    assert_eq!(
        h.call(
            S2,
            op::GET_DATA,
            &GetDataRequest {
                path: "/sec".into(),
                watch: false
            }
        )
        .0
        .err,
        ZNOAUTH
    );
    assert_eq!(
        h.call(
            S1,
            op::GET_DATA,
            &GetDataRequest {
                path: "/sec".into(),
                watch: false
            }
        )
        .0
        .err,
        0
    );
    // The auth ACL was expanded to the digest id.
    let (_, body, _) = h.call(
        S1,
        op::GET_ACL,
        &GetAclRequest {
            path: "/sec".into(),
        },
    );
    let acl = from_slice::<GetAclResponse>(&body).unwrap().acl;
    assert_eq!(acl[0].id.id, acl::digest_id("bob:pw"));
    // Unknown scheme: auth failure then close.
    let bad = AuthPacket {
        auth_type: 0,
        scheme: "nope".into(),
        auth: vec![],
    };
    let (hdr, _, out) = h.call(S2, op::AUTH, &bad);
    assert_eq!(hdr.err, ZAUTHFAILED);
    assert_eq!(out.last(), Some(&Output::Close { session: S2 }));
    // whoAmI lists the ip identity and the digest user.
    let (_, body, _) = h.raw(S1, op::WHO_AM_I, &[]);
    let who = from_slice::<WhoAmIResponse>(&body).unwrap().client_info;
    assert_eq!(who[0].auth_scheme, "ip");
    assert_eq!(who[1].user, "bob");
}

#[test]
fn close_session_removes_ephemerals_in_one_txn_and_fires() {
    let mut h = Harness::new();
    h.create(S1, "/e1", 1).unwrap();
    h.create(S1, "/e2", 1).unwrap();
    h.call(
        S2,
        op::EXISTS,
        &ExistsRequest {
            path: "/e1".into(),
            watch: true,
        },
    );
    let z = h.p.last_zxid();
    let mut out = Vec::new();
    h.p.close_session(S1, h.now, &mut out);
    assert_eq!(h.p.last_zxid(), z + 1);
    assert_eq!(
        events(&out, S2),
        vec![(event_type::NODE_DELETED, "/e1".to_string())]
    );
    assert!(h.stat("/e2").is_none());
    assert_eq!(h.stat("/").unwrap().pzxid, z + 1);
}

#[test]
fn persistent_recursive_and_set_watches() {
    let mut h = Harness::new();
    let (hdr, body, _) = h.call(
        S1,
        op::ADD_WATCH,
        &AddWatchRequest {
            path: "/r".into(),
            mode: 1,
        },
    );
    assert_eq!(hdr.err, 0);
    assert_eq!(from_slice::<ErrorResponse>(&body).unwrap().err, 0);
    h.create(S2, "/r", 0).unwrap();
    let req = CreateRequest {
        path: "/r/a".into(),
        data: None,
        acl: open_acl(),
        flags: 0,
    };
    let (_, _, out) = h.call(S2, op::CREATE, &req);
    assert_eq!(
        events(&out, S1),
        vec![(event_type::NODE_CREATED, "/r/a".to_string())]
    );
    // setWatches after a "reconnect": changes after relativeZxid fire at once.
    h.p.connection_lost(S1);
    let rel = h.p.last_zxid();
    let set = SetDataRequest {
        path: "/r".into(),
        data: None,
        version: -1,
    };
    h.call(S2, op::SET_DATA, &set);
    let w = SetWatches {
        relative_zxid: rel,
        data_watches: vec!["/r".into(), "/r/a".into(), "/gone".into()],
        exist_watches: vec!["/r/a".into(), "/missing".into()],
        child_watches: vec!["/r".into()],
    };
    let (hdr, _, out) = h.call(S1, op::SET_WATCHES, &w);
    assert_eq!(hdr.err, 0);
    assert_eq!(
        events(&out, S1),
        vec![
            (event_type::NODE_DATA_CHANGED, "/r".to_string()),
            (event_type::NODE_DELETED, "/gone".to_string()),
            (event_type::NODE_CREATED, "/r/a".to_string())
        ]
    );
    // /r/a data watch and /r child watch were registered; check/remove them.
    let cw = CheckWatchesRequest {
        path: "/r/a".into(),
        watcher_type: watcher_type::DATA,
    };
    assert_eq!(h.call(S1, op::CHECK_WATCHES, &cw).0.err, 0);
    let rw = RemoveWatchesRequest {
        path: "/r/a".into(),
        watcher_type: watcher_type::ANY,
    };
    assert_eq!(h.call(S1, op::REMOVE_WATCHES, &rw).0.err, 0);
    assert_eq!(h.call(S1, op::REMOVE_WATCHES, &rw).0.err, ZNOWATCHER);
    let st = h.p.stats();
    assert_eq!(
        st.watches_by_session,
        vec![(S1, vec!["/missing".to_string(), "/r".to_string()])]
    );
}

#[test]
fn containers_and_ttl_nodes_are_reaped() {
    let mut h = Harness::new();
    let req = CreateRequest {
        path: "/box".into(),
        data: None,
        acl: open_acl(),
        flags: 4,
    };
    let (hdr, body, _) = h.call(S1, op::CREATE_CONTAINER, &req);
    assert_eq!(hdr.err, 0);
    assert_eq!(
        from_slice::<Create2Response>(&body)
            .unwrap()
            .stat
            .ephemeral_owner,
        0,
        "the container marker is not shown to clients"
    );
    let mut out = Vec::new();
    h.p.tick(h.now, &mut out);
    assert!(h.stat("/box").is_some(), "never-used containers stay");
    h.create(S1, "/box/x", 0).unwrap();
    h.delete(S1, "/box/x", -1);
    h.call(
        S2,
        op::EXISTS,
        &ExistsRequest {
            path: "/box".into(),
            watch: true,
        },
    );
    h.p.tick(h.now, &mut out);
    assert!(h.stat("/box").is_none());
    assert_eq!(
        events(&out, S2),
        vec![(event_type::NODE_DELETED, "/box".to_string())]
    );

    let ttl = CreateTtlRequest {
        path: "/t".into(),
        data: None,
        acl: open_acl(),
        flags: 5,
        ttl: 100,
    };
    let (hdr, body, _) = h.call(S1, op::CREATE_TTL, &ttl);
    assert_eq!(hdr.err, 0);
    let owner = from_slice::<Create2Response>(&body)
        .unwrap()
        .stat
        .ephemeral_owner;
    assert_eq!(owner, 0, "the TTL marker is not shown to clients");
    let bad = CreateTtlRequest {
        ttl: 0,
        ..ttl.clone()
    };
    assert_eq!(h.call(S1, op::CREATE_TTL, &bad).0.err, ZBADARGUMENTS);
    h.p.tick(h.now + 50, &mut out);
    assert!(h.stat("/t").is_some());
    h.p.tick(h.now + 200, &mut out);
    assert!(h.stat("/t").is_none());
}

#[test]
fn refusals_and_bad_input() {
    let mut h = Harness::new();
    let rc = ReconfigRequest {
        joining_servers: "".into(),
        leaving_servers: "".into(),
        new_members: "".into(),
        cur_config_id: -1,
    };
    assert_eq!(h.call(S1, op::RECONFIG, &rc).0.err, ZRECONFIGDISABLED);
    let (hdr, _, out) = h.raw(S1, 77, &[]);
    assert_eq!(hdr.err, ZUNIMPLEMENTED);
    assert_eq!(out.last(), Some(&Output::Close { session: S1 }));
    let (hdr, _, _) = h.raw(S1, op::GET_DATA, &[0, 0]);
    assert_eq!(hdr.err, ZMARSHALLINGERROR);
    let z = h.p.last_zxid();
    let (hdr, _, _) = h.raw(S1, op::CREATE, &[0, 0, 0, 9]);
    assert_eq!((hdr.err, hdr.zxid), (ZMARSHALLINGERROR, z + 1));
    // Observed on Apache 3.8.0: zxid 0, err 0, null token.
    let (hdr, body, _) = h.call(S1, op::SASL, &GetSaslRequest { token: vec![1] });
    assert_eq!((hdr.err, hdr.zxid, body), (0, 0, vec![0xff; 4]));
    let mut out = Vec::new();
    let big = vec![0u8; zkrs_proto::consts::DEFAULT_MAX_BUFFER + 1];
    h.p.process(
        S1,
        &RequestHeader {
            xid: 1,
            op: op::SET_DATA,
        },
        &big,
        0,
        &mut out,
    );
    assert_eq!(out, vec![Output::Close { session: S1 }]);
}

#[test]
fn reads_misc() {
    let mut h = Harness::new();
    h.create(S1, "/a", 0).unwrap();
    h.create(S1, "/a/b", 1).unwrap();
    h.create(S1, "/a/b2", 0).unwrap();
    let (_, body, _) = h.call(
        S1,
        op::GET_ALL_CHILDREN_NUMBER,
        &GetAllChildrenNumberRequest { path: "/".into() },
    );
    assert_eq!(
        from_slice::<GetAllChildrenNumberResponse>(&body)
            .unwrap()
            .total_number,
        6
    );
    let (_, body, _) = h.call(
        S1,
        op::GET_EPHEMERALS,
        &GetEphemeralsRequest {
            prefix_path: "/a".into(),
        },
    );
    assert_eq!(
        from_slice::<GetEphemeralsResponse>(&body)
            .unwrap()
            .ephemerals,
        vec!["/a/b".to_string()]
    );
    let (_, body, _) = h.call(
        S1,
        op::GET_CHILDREN2,
        &GetChildren2Request {
            path: "/a".into(),
            watch: false,
        },
    );
    let r = from_slice::<GetChildren2Response>(&body).unwrap();
    assert_eq!((r.children.len(), r.stat.num_children), (2, 2));
    let ops = vec![
        MultiOp::GetData(GetDataRequest {
            path: "/a".into(),
            watch: false,
        }),
        MultiOp::GetChildren(GetChildrenRequest {
            path: "/none".into(),
            watch: false,
        }),
    ];
    let mut b = Vec::new();
    encode_multi(&ops, &mut b);
    let (hdr, body, _) = h.raw(S1, op::MULTI_READ, &b);
    assert_eq!(hdr.err, 0);
    let res = decode_multi_results(&mut Reader::new(&body)).unwrap();
    assert!(matches!(res[0], MultiResult::GetData(_)));
    assert_eq!(res[1], MultiResult::Error(ZNONODE));
    let (_, body, _) = h.call(S1, op::SYNC, &SyncRequest { path: "/a".into() });
    assert_eq!(from_slice::<SyncResponse>(&body).unwrap().path, "/a");
    let st = h.p.stats();
    assert_eq!((st.node_count, st.ephemeral_count), (7, 1));
}

#[test]
fn get_acl_redaction_and_ip_acl() {
    let mut h = Harness::new();
    let auth = AuthPacket {
        auth_type: 0,
        scheme: "digest".into(),
        auth: b"bob:pw".to_vec(),
    };
    h.call(S1, op::AUTH, &auth);
    let bob = Id {
        scheme: "digest".into(),
        id: acl::digest_id("bob:pw"),
    };
    let acl = vec![
        Acl {
            perms: perms::READ | perms::ADMIN,
            id: bob,
        },
        Acl {
            perms: perms::READ,
            id: Id {
                scheme: "world".into(),
                id: "anyone".into(),
            },
        },
    ];
    let req = CreateRequest {
        path: "/ra".into(),
        data: None,
        acl,
        flags: 0,
    };
    assert_eq!(h.call(S1, op::CREATE, &req).0.err, 0);
    // As Apache 3.8.0 answers: hashes hidden from a reader without ADMIN.
    let (_, body, _) = h.call(S2, op::GET_ACL, &GetAclRequest { path: "/ra".into() });
    assert_eq!(
        from_slice::<GetAclResponse>(&body).unwrap().acl[0].id.id,
        "bob:x"
    );
    let (_, body, _) = h.call(S1, op::GET_ACL, &GetAclRequest { path: "/ra".into() });
    assert_eq!(
        from_slice::<GetAclResponse>(&body).unwrap().acl[0].id.id,
        acl::digest_id("bob:pw")
    );
    let set = SetAclRequest {
        path: "/ra".into(),
        acl: open_acl(),
        version: -1,
    };
    assert_eq!(h.call(S2, op::SET_ACL, &set).0.err, ZNOAUTH);
    let empty = SetAclRequest {
        path: "/ra".into(),
        acl: vec![],
        version: -1,
    };
    assert_eq!(h.call(S1, op::SET_ACL, &empty).0.err, ZINVALIDACL);
    let (hdr, body, _) = h.call(S1, op::SET_ACL, &set);
    assert_eq!(hdr.err, 0);
    assert_eq!(
        from_slice::<SetAclResponse>(&body).unwrap().stat.aversion,
        1
    );
    // ip ACL: S1 connects from 127.0.0.1, S2 has no address.
    let ip = vec![Acl {
        perms: perms::READ,
        id: Id {
            scheme: "ip".into(),
            id: "127.0.0.0/8".into(),
        },
    }];
    let req = CreateRequest {
        path: "/ipn".into(),
        data: None,
        acl: ip,
        flags: 0,
    };
    assert_eq!(h.call(S1, op::CREATE, &req).0.err, 0);
    let get = GetDataRequest {
        path: "/ipn".into(),
        watch: false,
    };
    assert_eq!(h.call(S1, op::GET_DATA, &get).0.err, 0);
    assert_eq!(h.call(S2, op::GET_DATA, &get).0.err, ZNOAUTH);
}

#[test]
fn super_digest_bypasses_acls() {
    let opts = ProcessorOptions {
        super_digest: Some(acl::digest_id("super:secret")),
        ..ProcessorOptions::default()
    };
    let mut h = Harness {
        p: Processor::new(opts),
        now: 0,
    };
    h.p.open_session(S1, 30000, 0);
    h.p.open_session(S2, 30000, 0);
    let none = vec![Acl {
        perms: 0,
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }];
    let req = CreateRequest {
        path: "/locked".into(),
        data: None,
        acl: none,
        flags: 0,
    };
    assert_eq!(h.call(S1, op::CREATE, &req).0.err, 0);
    let get = GetDataRequest {
        path: "/locked".into(),
        watch: false,
    };
    assert_eq!(h.call(S2, op::GET_DATA, &get).0.err, ZNOAUTH);
    let auth = AuthPacket {
        auth_type: 0,
        scheme: "digest".into(),
        auth: b"super:secret".to_vec(),
    };
    h.call(S2, op::AUTH, &auth);
    assert_eq!(h.call(S2, op::GET_DATA, &get).0.err, 0);
}
