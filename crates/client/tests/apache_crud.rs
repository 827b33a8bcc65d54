//! Operations against Debian's Apache ZooKeeper 3.8.

mod common;

use common::*;
use zkrs_client::*;
use zkrs_proto::errors::*;
use zkrs_proto::records::*;

#[test]
fn create_get_set_delete() {
    let zk = shared_apache();
    let (c, _ev) = connect(&zk.connect_string());
    let p = unique("crud");
    assert_eq!(
        create(&c, &p, b"v1").response,
        Response::Path {
            path: p.clone(),
            stat: None
        }
    );
    assert_eq!(create(&c, &p, b"v1").err, ZNODEEXISTS);
    let r = get(&c, &p, None);
    let Response::Data { data, stat } = r.response else {
        panic!("{r:?}")
    };
    assert_eq!(data.as_deref(), Some(&b"v1"[..]));
    assert_eq!(stat.version, 0);
    assert_eq!(stat.data_length, 2);
    let r = set(&c, &p, b"v2");
    let Response::Stat(st) = r.response else {
        panic!("{r:?}")
    };
    assert_eq!(st.version, 1);
    let r = c.call(
        Op::SetData {
            path: p.clone(),
            data: None,
            version: 0,
        },
        None,
    );
    assert_eq!(r.err, ZBADVERSION);
    let r = c.call(Op::Exists { path: p.clone() }, None);
    assert!(matches!(r.response, Response::Stat(s) if s.version == 1));
    assert_eq!(
        c.call(
            Op::Exists {
                path: format!("{p}/none")
            },
            None
        )
        .err,
        ZNONODE
    );
    create_ok(&c, &format!("{p}/b"), b"");
    create_ok(&c, &format!("{p}/a"), b"");
    let r = c.call(
        Op::GetChildren {
            path: p.clone(),
            with_stat: false,
        },
        None,
    );
    let Response::Children {
        mut children,
        stat: None,
    } = r.response
    else {
        panic!("{r:?}")
    };
    children.sort();
    assert_eq!(children, vec!["a".to_string(), "b".to_string()]);
    let r = c.call(
        Op::GetChildren {
            path: p.clone(),
            with_stat: true,
        },
        None,
    );
    assert!(matches!(r.response, Response::Children { stat: Some(s), .. } if s.num_children == 2));
    assert_eq!(delete(&c, &p).err, ZNOTEMPTY);
    assert_eq!(delete(&c, &format!("{p}/a")).err, ZOK);
    assert_eq!(delete(&c, &format!("{p}/a")).err, ZNONODE);
    let r = c.call(Op::Sync { path: p.clone() }, None);
    assert_eq!(
        r.response,
        Response::Path {
            path: p.clone(),
            stat: None
        }
    );
    assert_eq!(c.close(), ZOK);
}

#[test]
fn create_modes() {
    let zk = shared_apache();
    let (c, _ev) = connect(&zk.connect_string());
    let p = unique("modes");
    create_ok(&c, &p, b"");
    let mk = |path: String, mode, ttl, with_stat| Op::Create {
        path,
        data: None,
        acl: open_acl_unsafe(),
        mode,
        ttl,
        with_stat,
    };
    let r = c.call(mk(format!("{p}/s-"), 2, -1, true), None);
    let Response::Path {
        path,
        stat: Some(st),
    } = r.response
    else {
        panic!("{r:?}")
    };
    assert_eq!(path, format!("{p}/s-0000000000"));
    assert_eq!(st.data_length, 0);
    let r = c.call(mk(format!("{p}/e"), 1, -1, false), None);
    assert_eq!(r.err, ZOK);
    let r = c.call(
        Op::Exists {
            path: format!("{p}/e"),
        },
        None,
    );
    let Response::Stat(st) = r.response else {
        panic!()
    };
    assert_eq!(st.ephemeral_owner, c.client_id().session_id);
    let r = c.call(mk(format!("{p}/ttl"), 5, 60_000, true), None);
    assert_eq!(r.err, ZOK, "{r:?}");
    let r = c.call(mk(format!("{p}/ttl-bad"), 5, 0, false), None);
    assert_eq!(r.err, ZBADARGUMENTS);
    let r = c.call(mk(format!("{p}/cont"), 4, -1, false), None);
    assert_eq!(
        r.response,
        Response::Path {
            path: format!("{p}/cont"),
            stat: None
        }
    );
    let r = c.call(mk(format!("{p}/e/child"), 0, -1, false), None);
    assert_eq!(r.err, ZNOCHILDRENFOREPHEMERALS);
    c.close();
}

#[test]
fn bad_paths_are_refused_before_sending() {
    let zk = shared_apache();
    let (c, _ev) = connect(&zk.connect_string());
    for p in ["", "noslash", "/trailing/", "/a//b", "/a/../b"] {
        assert_eq!(get(&c, p, None).err, ZBADARGUMENTS, "{p:?}");
        let r = c.submit(
            Op::Delete {
                path: p.into(),
                version: -1,
            },
            None,
            Box::new(|_| panic!("called")),
        );
        assert_eq!(r, Err(ZBADARGUMENTS));
    }
    c.close();
}

#[test]
fn acls() {
    let zk = shared_apache();
    let (c, _ev) = connect(&zk.connect_string());
    let p = unique("acl");
    create_ok(&c, &p, b"");
    let r = c.call(Op::GetAcl { path: p.clone() }, None);
    let Response::Acl { acl, stat } = r.response else {
        panic!("{r:?}")
    };
    assert_eq!(acl, open_acl_unsafe());
    assert_eq!(stat.aversion, 0);
    let read_only = vec![Acl::new(1, "world", "anyone")];
    let r = c.call(
        Op::SetAcl {
            path: p.clone(),
            version: 0,
            acl: read_only.clone(),
        },
        None,
    );
    assert!(
        matches!(r.response, Response::Stat(ref s) if s.aversion == 1),
        "{r:?}"
    );
    assert_eq!(set(&c, &p, b"x").err, ZNOAUTH);
    // Without ADMIN permission the ACL cannot change any more.
    let r = c.call(
        Op::SetAcl {
            path: p.clone(),
            version: 1,
            acl: open_acl_unsafe(),
        },
        None,
    );
    assert_eq!(r.err, ZNOAUTH);
    let q = format!("{p}-2");
    create_ok(&c, &q, b"");
    let r = c.call(
        Op::SetAcl {
            path: q.clone(),
            version: 5,
            acl: open_acl_unsafe(),
        },
        None,
    );
    assert_eq!(r.err, ZBADVERSION);
    let r = c.call(
        Op::SetAcl {
            path: q.clone(),
            version: -1,
            acl: vec![],
        },
        None,
    );
    assert_eq!(r.err, ZINVALIDACL);
    c.close();
}

#[test]
fn multi_commits_and_fails_atomically() {
    let zk = shared_apache();
    let (c, _ev) = connect(&zk.connect_string());
    let p = unique("multi");
    let ops = vec![
        MultiOp::Create(CreateRequest {
            path: p.clone(),
            data: Some(b"m".to_vec()),
            acl: open_acl_unsafe(),
            flags: 0,
        }),
        MultiOp::Create(CreateRequest {
            path: format!("{p}/c"),
            data: None,
            acl: open_acl_unsafe(),
            flags: 0,
        }),
        MultiOp::SetData(SetDataRequest {
            path: p.clone(),
            data: Some(b"n".to_vec()),
            version: 0,
        }),
        MultiOp::Check(CheckVersionRequest {
            path: p.clone(),
            version: 1,
        }),
    ];
    let r = c.call(Op::Multi(ops), None);
    assert_eq!(r.err, ZOK, "{r:?}");
    let Response::Multi(res) = r.response else {
        panic!()
    };
    assert_eq!(res.len(), 4);
    assert_eq!(
        res[0],
        MultiResult::Create(CreateResponse { path: p.clone() })
    );
    assert!(matches!(&res[2], MultiResult::SetData(s) if s.stat.version == 1));
    assert_eq!(res[3], MultiResult::Check);
    let ops = vec![
        MultiOp::Delete(DeleteRequest {
            path: format!("{p}/c"),
            version: -1,
        }),
        MultiOp::Check(CheckVersionRequest {
            path: p.clone(),
            version: 7,
        }),
    ];
    let r = c.call(Op::Multi(ops), None);
    assert_eq!(r.err, ZBADVERSION, "{r:?}");
    let Response::Multi(res) = r.response else {
        panic!()
    };
    assert_eq!(
        res,
        vec![MultiResult::Error(ZOK), MultiResult::Error(ZBADVERSION)]
    );
    assert_eq!(
        c.call(
            Op::Exists {
                path: format!("{p}/c")
            },
            None
        )
        .err,
        ZOK
    );
    let bad = vec![MultiOp::Delete(DeleteRequest {
        path: "bad".into(),
        version: -1,
    })];
    assert_eq!(c.call(Op::Multi(bad), None).err, ZBADARGUMENTS);
    c.close();
}

#[test]
fn getconfig_reads_the_config_node() {
    let zk = shared_apache();
    let (c, _ev) = connect(&format!("{}/chrooted", zk.connect_string()));
    let r = c.call(Op::GetConfig, None);
    // Standalone Apache keeps an empty config node.
    assert!(matches!(r.response, Response::Data { .. }), "{r:?}");
    c.close();
}

#[test]
fn reconfig_is_refused_by_a_standalone_server() {
    let zk = shared_apache();
    let (c, _ev) = connect(&zk.connect_string());
    let op = Op::Reconfig {
        joining: Some("server.2=127.0.0.1:2888:3888;2182".into()),
        leaving: None,
        members: None,
        version: -1,
    };
    // Debian's standalone server has reconfiguration disabled.
    assert_eq!(c.call(op, None).err, ZRECONFIGDISABLED);
    c.close();
}
