//! The request processor against Apache ZooKeeper 3.8 at the frame level:
//! the same request frames go to a real Apache server over two raw
//! sessions and to `core::processor::Processor` with the same session ids;
//! the reply headers (error and zxid), the bodies (times aside) and the watch
//! events each session receives must be identical.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use testkit::{raw, ApacheOptions, ApacheZk};
use zkrs_proto::consts::{create_flags, op, perms};
use zkrs_proto::jute::{Decode, Reader};
use zkrs_proto::records::*;
use zkrs_proto::request::{decode_multi_results, MultiOp, MultiResult, Request};
use zkrs_server::core::processor::{Output, Processor, ProcessorOptions};

/// A raw client session on Apache's server.
struct Raw {
    stream: TcpStream,
    session: i64,
}

impl Raw {
    fn connect(port: u16) -> Raw {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let req = ConnectRequest {
            time_out: 30000,
            passwd: vec![0; 16],
            ..Default::default()
        };
        stream.write_all(&raw::connect_frame(&req)).unwrap();
        let mut raw = Raw { stream, session: 0 };
        let resp: ConnectResponse =
            zkrs_proto::jute::from_slice(&raw.read_frame().expect("handshake")).unwrap();
        raw.session = resp.session_id;
        raw
    }

    fn send(&mut self, xid: i32, opcode: i32, body: &[u8]) {
        self.stream
            .write_all(&raw::request_frame(xid, opcode, body))
            .unwrap();
    }

    fn read_frame(&mut self) -> Option<Vec<u8>> {
        raw::read_frame(&mut self.stream).ok()
    }

    /// Reads until the reply to `xid`: the events before it, the reply
    /// frame, and whether the server closed the connection after it.
    fn until_reply(&mut self, xid: i32) -> (Vec<String>, Vec<u8>) {
        let mut events = Vec::new();
        loop {
            let Some(f) = self.read_frame() else {
                panic!("connection ended before the reply to xid {xid}");
            };
            let mut r = Reader::new(&f);
            let h = ReplyHeader::decode(&mut r).unwrap();
            if h.xid == -1 {
                events.push(event_text(&f));
            } else if h.xid == xid {
                return (events, f);
            }
        }
    }

    /// Whether the server has closed the connection.
    fn is_closed(&mut self) -> bool {
        self.stream
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        raw::is_closed(&mut self.stream)
    }
}

fn event_text(frame: &[u8]) -> String {
    let mut r = Reader::new(frame);
    let h = ReplyHeader::decode(&mut r).unwrap();
    let e = WatcherEvent::decode(&mut r).unwrap();
    format!(
        "event zxid={} err={} {} {} {}",
        h.zxid, h.err, e.event_type, e.state, e.path
    )
}

fn untimed(mut s: Stat) -> Stat {
    s.ctime = 0;
    s.mtime = 0;
    s
}

/// The reply as text, with times zeroed and children sorted (Apache lists
/// children in hash order).
fn reply_text(opcode: i32, frame: &[u8]) -> String {
    let mut r = Reader::new(frame);
    let h = ReplyHeader::decode(&mut r).unwrap();
    let head = format!("err={} zxid={}", h.err, h.zxid);
    if h.err != 0 && opcode != op::MULTI {
        return format!("{head} rest={:?}", r.rest());
    }
    let body = match opcode {
        op::CREATE2 | op::CREATE_CONTAINER | op::CREATE_TTL => {
            let mut v = Create2Response::decode(&mut r).unwrap();
            v.stat = untimed(v.stat);
            format!("{v:?}")
        }
        op::EXISTS => format!(
            "{:?}",
            untimed(ExistsResponse::decode(&mut r).unwrap().stat)
        ),
        op::GET_DATA => {
            let mut v = GetDataResponse::decode(&mut r).unwrap();
            v.stat = untimed(v.stat);
            format!("{v:?}")
        }
        op::SET_DATA | op::SET_ACL => {
            format!(
                "{:?}",
                untimed(SetDataResponse::decode(&mut r).unwrap().stat)
            )
        }
        op::GET_ACL => {
            let mut v = GetAclResponse::decode(&mut r).unwrap();
            v.stat = untimed(v.stat);
            format!("{v:?}")
        }
        op::GET_CHILDREN => {
            let mut v = GetChildrenResponse::decode(&mut r).unwrap();
            v.children.sort();
            format!("{v:?}")
        }
        op::GET_CHILDREN2 => {
            let mut v = GetChildren2Response::decode(&mut r).unwrap();
            v.children.sort();
            v.stat = untimed(v.stat);
            format!("{v:?}")
        }
        op::MULTI | op::MULTI_READ => {
            let res = decode_multi_results(&mut r).unwrap();
            let res: Vec<MultiResult> = res
                .into_iter()
                .map(|x| match x {
                    MultiResult::Create2(mut c) => {
                        c.stat = untimed(c.stat);
                        MultiResult::Create2(c)
                    }
                    MultiResult::SetData(mut c) => {
                        c.stat = untimed(c.stat);
                        MultiResult::SetData(c)
                    }
                    MultiResult::GetData(mut c) => {
                        c.stat = untimed(c.stat);
                        MultiResult::GetData(c)
                    }
                    MultiResult::GetChildren(mut c) => {
                        c.children.sort();
                        MultiResult::GetChildren(c)
                    }
                    other => other,
                })
                .collect();
            format!("{res:?}")
        }
        _ => format!("{:?}", r.rest()),
    };
    format!("{head} {body}")
}

/// One side of the comparison: two sessions, "a" and "b".
trait Side {
    /// Sends a request from session `who` (0 or 1); returns the transcript
    /// lines: events of each session, then the reply.
    fn run(&mut self, who: usize, xid: i32, opcode: i32, body: &[u8]) -> Vec<String>;
}

struct Apache {
    sessions: [Raw; 2],
}

impl Side for Apache {
    fn run(&mut self, who: usize, xid: i32, opcode: i32, body: &[u8]) -> Vec<String> {
        self.sessions[who].send(xid, opcode, body);
        let (mine, reply) = self.sessions[who].until_reply(xid);
        // A ping on the other session flushes the events this caused there.
        let other = 1 - who;
        self.sessions[other].send(-2, op::PING, &[]);
        let (theirs, _) = self.sessions[other].until_reply(-2);
        let mut lines = Vec::new();
        lines.extend(mine.into_iter().map(|e| format!("s{who} {e}")));
        lines.extend(theirs.into_iter().map(|e| format!("s{other} {e}")));
        lines.push(reply_text(opcode, &reply));
        lines
    }
}

struct Ours {
    p: Processor,
    ids: [i64; 2],
    now: i64,
}

impl Side for Ours {
    fn run(&mut self, who: usize, xid: i32, opcode: i32, body: &[u8]) -> Vec<String> {
        self.now += 5;
        let mut out = Vec::new();
        self.p.process(
            self.ids[who],
            &RequestHeader { xid, op: opcode },
            body,
            self.now,
            &mut out,
        );
        let mut mine = Vec::new();
        let mut theirs = Vec::new();
        let mut reply = None;
        for o in out {
            match o {
                Output::Notify { session, frame } => {
                    assert!(reply.is_none(), "event after the reply");
                    if session == self.ids[who] {
                        mine.push(format!("s{who} {}", event_text(&frame)));
                    } else {
                        theirs.push(format!("s{} {}", 1 - who, event_text(&frame)));
                    }
                }
                Output::Reply { frame, .. } => reply = Some(frame),
                Output::Close { .. } => {}
            }
        }
        mine.extend(theirs);
        mine.push(reply_text(opcode, &reply.expect("a reply")));
        mine
    }
}

fn acl(perms: i32, scheme: &str, id: &str) -> Vec<Acl> {
    vec![Acl::new(perms, scheme, id)]
}

fn create(path: &str, flags: i32) -> Request {
    Request::Create2(CreateRequest {
        path: path.into(),
        data: Some(path.as_bytes().to_vec()),
        acl: open_acl_unsafe(),
        flags,
    })
}

fn create_acl(path: &str, acl: Vec<Acl>) -> Request {
    Request::Create(CreateRequest {
        path: path.into(),
        data: None,
        acl,
        flags: 0,
    })
}

fn get(path: &str, watch: bool) -> Request {
    Request::GetData(GetDataRequest {
        path: path.into(),
        watch,
    })
}

fn set(path: &str, version: i32) -> Request {
    Request::SetData(SetDataRequest {
        path: path.into(),
        data: Some(b"new".to_vec()),
        version,
    })
}

fn del(path: &str, version: i32) -> Request {
    Request::Delete(DeleteRequest {
        path: path.into(),
        version,
    })
}

fn exists(path: &str, watch: bool) -> Request {
    Request::Exists(ExistsRequest {
        path: path.into(),
        watch,
    })
}

fn children(path: &str, watch: bool) -> Request {
    Request::GetChildren2(GetChildren2Request {
        path: path.into(),
        watch,
    })
}

fn auth(scheme: &str, a: &str) -> Request {
    Request::Auth(AuthPacket {
        auth_type: 0,
        scheme: scheme.into(),
        auth: a.as_bytes().to_vec(),
    })
}

/// The script: (session, request). Error cases included.
fn script() -> Vec<(usize, Request)> {
    let digest_bob = zkrs_server::core::acl::digest("bob:pw");
    vec![
        (0, create("/d", 0)),
        (0, create("/d", 0)),
        (0, create("/d/s-", create_flags::PERSISTENT_SEQUENTIAL)),
        (1, exists("/d/new", true)),
        (1, get("/d", true)),
        (1, children("/d", true)),
        (0, set("/d", 7)),
        (0, set("/d", 0)),
        (0, create("/d/new", create_flags::EPHEMERAL)),
        (0, create("/d/new/x", 0)),
        (0, del("/d/s-0000000000", 3)),
        (0, del("/d/s-0000000000", 0)),
        (0, del("/d", -1)),
        (0, create("/d/s-", create_flags::EPHEMERAL_SEQUENTIAL)),
        (0, create("/nope/x", 0)),
        (0, create("/d/", 0)),
        (0, create("/d//x", 0)),
        (0, create("/d/.", 0)),
        (0, create("bad", 0)),
        (0, create("/d/f", 9)),
        (0, create("/", 0)),
        (0, del("/zookeeper", -1)),
        (0, del("/zookeeper/config", -1)),
        (0, del("/", -1)),
        (0, del("/nope/x", -1)),
        (0, get("/zookeeper/config", false)),
        (0, get("/", false)),
        (0, get("/zookeeper", false)),
        (
            0,
            Request::GetAcl(GetAclRequest {
                path: "/zookeeper/config".into(),
            }),
        ),
        (0, set("/zookeeper/config", -1)),
        (0, children("/", false)),
        (
            0,
            Request::Multi(vec![
                MultiOp::Create(CreateRequest {
                    path: "/m".into(),
                    data: None,
                    acl: open_acl_unsafe(),
                    flags: 0,
                }),
                MultiOp::Create2(CreateRequest {
                    path: "/m/c-".into(),
                    data: None,
                    acl: open_acl_unsafe(),
                    flags: 2,
                }),
                MultiOp::SetData(SetDataRequest {
                    path: "/m".into(),
                    data: None,
                    version: 0,
                }),
                MultiOp::Check(CheckVersionRequest {
                    path: "/m".into(),
                    version: 1,
                }),
                MultiOp::Delete(DeleteRequest {
                    path: "/d/new".into(),
                    version: -1,
                }),
            ]),
        ),
        (1, get("/m", true)),
        (
            0,
            Request::Multi(vec![
                MultiOp::SetData(SetDataRequest {
                    path: "/m".into(),
                    data: None,
                    version: -1,
                }),
                MultiOp::Check(CheckVersionRequest {
                    path: "/m".into(),
                    version: 9,
                }),
                MultiOp::Delete(DeleteRequest {
                    path: "/m".into(),
                    version: -1,
                }),
            ]),
        ),
        (0, Request::Multi(vec![])),
        (
            0,
            Request::MultiRead(vec![
                MultiOp::GetData(GetDataRequest {
                    path: "/m".into(),
                    watch: false,
                }),
                MultiOp::GetChildren(GetChildrenRequest {
                    path: "/nope".into(),
                    watch: false,
                }),
                MultiOp::GetChildren(GetChildrenRequest {
                    path: "/m".into(),
                    watch: false,
                }),
            ]),
        ),
        (0, auth("digest", "alice:secret")),
        (0, create_acl("/sec", acl(31, "auth", ""))),
        (1, create_acl("/sec2", acl(31, "auth", ""))),
        (1, create_acl("/sec2", acl(31, "digest", "nocolon"))),
        (1, create_acl("/sec2", acl(31, "ip", "300.1.1.1"))),
        (1, create_acl("/sec2", acl(31, "world", "nobody"))),
        (1, create_acl("/sec2", vec![])),
        (1, get("/sec", false)),
        (
            1,
            Request::GetAcl(GetAclRequest {
                path: "/sec".into(),
            }),
        ),
        (
            0,
            Request::GetAcl(GetAclRequest {
                path: "/sec".into(),
            }),
        ),
        (1, del("/sec", -1)),
        (
            1,
            create_acl("/pub", {
                let mut v = acl(perms::READ, "world", "anyone");
                v.extend(acl(31, "digest", &digest_bob));
                v
            }),
        ),
        (
            0,
            Request::GetAcl(GetAclRequest {
                path: "/pub".into(),
            }),
        ),
        (0, set("/pub", -1)),
        (0, create_acl("/ip", acl(31, "ip", "127.0.0.0/8"))),
        (1, get("/ip", false)),
        (0, create_acl("/ip2", acl(31, "ip", "10.0.0.1"))),
        (1, get("/ip2", false)),
        (
            1,
            Request::SetAcl(SetAclRequest {
                path: "/ip2".into(),
                acl: open_acl_unsafe(),
                version: -1,
            }),
        ),
        (
            0,
            Request::SetAcl(SetAclRequest {
                path: "/pub".into(),
                acl: open_acl_unsafe(),
                version: 4,
            }),
        ),
        (0, auth("digest", "bob:pw")),
        (
            0,
            Request::SetAcl(SetAclRequest {
                path: "/pub".into(),
                acl: open_acl_unsafe(),
                version: 0,
            }),
        ),
        (0, Request::WhoAmI),
        (1, Request::WhoAmI),
        (
            1,
            Request::AddWatch(AddWatchRequest {
                path: "/w".into(),
                mode: 0,
            }),
        ),
        (
            1,
            Request::AddWatch(AddWatchRequest {
                path: "/r".into(),
                mode: 1,
            }),
        ),
        (0, create("/w", 0)),
        (0, create("/w/c", 0)),
        (0, set("/w", -1)),
        (0, create("/r", 0)),
        (0, create("/r/a", 0)),
        (0, create("/r/a/b", 0)),
        (0, del("/r/a/b", -1)),
        (
            1,
            Request::CheckWatches(CheckWatchesRequest {
                path: "/w".into(),
                watcher_type: 1,
            }),
        ),
        (
            1,
            Request::CheckWatches(CheckWatchesRequest {
                path: "/r".into(),
                watcher_type: 1,
            }),
        ),
        (
            1,
            Request::CheckWatches(CheckWatchesRequest {
                path: "/r".into(),
                watcher_type: 2,
            }),
        ),
        (
            1,
            Request::RemoveWatches(RemoveWatchesRequest {
                path: "/w".into(),
                watcher_type: 2,
            }),
        ),
        (0, set("/w", -1)),
        (0, create("/w/d", 0)),
        (
            1,
            Request::RemoveWatches(RemoveWatchesRequest {
                path: "/w".into(),
                watcher_type: 3,
            }),
        ),
        (
            1,
            Request::RemoveWatches(RemoveWatchesRequest {
                path: "/w".into(),
                watcher_type: 3,
            }),
        ),
        (0, create("/w/e", 0)),
        (
            1,
            Request::SetWatches(SetWatches {
                relative_zxid: 3,
                data_watches: vec!["/w".into(), "/gone".into()],
                exist_watches: vec!["/w/c".into(), "/unborn".into()],
                child_watches: vec!["/w".into(), "/r/a".into()],
            }),
        ),
        (0, create("/unborn", 0)),
        (
            0,
            Request::GetEphemerals(GetEphemeralsRequest {
                prefix_path: "/d".into(),
            }),
        ),
        (
            0,
            Request::GetEphemerals(GetEphemeralsRequest {
                prefix_path: "/".into(),
            }),
        ),
        (
            0,
            Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: "/".into() }),
        ),
        (
            0,
            Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: "/w".into() }),
        ),
        (0, Request::Sync(SyncRequest { path: "/w".into() })),
        (
            0,
            Request::Check(CheckVersionRequest {
                path: "/w".into(),
                version: 9,
            }),
        ),
        (
            0,
            Request::CreateTtl(CreateTtlRequest {
                path: "/t".into(),
                data: None,
                acl: open_acl_unsafe(),
                flags: 5,
                ttl: 60000,
            }),
        ),
        (
            0,
            Request::CreateTtl(CreateTtlRequest {
                path: "/t2".into(),
                data: None,
                acl: open_acl_unsafe(),
                flags: 5,
                ttl: 0,
            }),
        ),
        (
            0,
            Request::CreateTtl(CreateTtlRequest {
                path: "/t2".into(),
                data: None,
                acl: open_acl_unsafe(),
                flags: 0,
                ttl: 10,
            }),
        ),
        (0, create("/t3", 5)),
        (
            0,
            Request::CreateContainer(CreateRequest {
                path: "/c".into(),
                data: None,
                acl: open_acl_unsafe(),
                flags: 4,
            }),
        ),
        (0, Request::DeleteContainer("/d/new".into())),
        (0, Request::DeleteContainer("/c".into())),
        (
            0,
            Request::Multi(vec![
                MultiOp::CreateContainer(CreateRequest {
                    path: "/mc".into(),
                    data: None,
                    acl: open_acl_unsafe(),
                    flags: 4,
                }),
                MultiOp::CreateTtl(CreateTtlRequest {
                    path: "/mt".into(),
                    data: None,
                    acl: open_acl_unsafe(),
                    flags: 5,
                    ttl: 60000,
                }),
                MultiOp::Create(CreateRequest {
                    path: "/mc/e".into(),
                    data: None,
                    acl: open_acl_unsafe(),
                    flags: 1,
                }),
            ]),
        ),
        (
            1,
            Request::AddWatch(AddWatchRequest {
                path: "/mc".into(),
                mode: 1,
            }),
        ),
        (0, del("/mc/e", -1)),
        (
            1,
            Request::RemoveWatches(RemoveWatchesRequest {
                path: "/mc".into(),
                watcher_type: 2,
            }),
        ),
        (
            1,
            Request::CheckWatches(CheckWatchesRequest {
                path: "/mc".into(),
                watcher_type: 3,
            }),
        ),
        (0, create("/mc/f", 0)),
        (0, del("/mc/f", -1)),
        (1, exists("/mc", false)),
        (
            0,
            Request::CreateContainer(CreateRequest {
                path: "/cf0".into(),
                data: None,
                acl: open_acl_unsafe(),
                flags: 0,
            }),
        ),
        (0, create("/cf4", 4)),
        (
            0,
            Request::CreateTtl(CreateTtlRequest {
                path: "/tf6".into(),
                data: None,
                acl: open_acl_unsafe(),
                flags: 6,
                ttl: 100,
            }),
        ),
        (
            1,
            Request::Sasl(GetSaslRequest {
                token: b"abc".to_vec(),
            }),
        ),
        (1, del("/sec/x", -1)),
        (1, create("/sec/x", 0)),
        (
            0,
            Request::SetAcl(SetAclRequest {
                path: "/missing".into(),
                acl: vec![],
                version: -1,
            }),
        ),
        (
            1,
            Request::SetAcl(SetAclRequest {
                path: "/sec".into(),
                acl: vec![],
                version: -1,
            }),
        ),
        (0, create_acl("/nope/x", vec![])),
        (
            0,
            Request::GetAcl(GetAclRequest {
                path: "/missing".into(),
            }),
        ),
        (
            0,
            Request::GetAllChildrenNumber(GetAllChildrenNumberRequest {
                path: "/missing".into(),
            }),
        ),
        (
            0,
            Request::GetEphemerals(GetEphemeralsRequest {
                prefix_path: "/zz".into(),
            }),
        ),
        (
            0,
            Request::Sync(SyncRequest {
                path: "/missing".into(),
            }),
        ),
        (
            0,
            Request::GetChildren(GetChildrenRequest {
                path: "/w".into(),
                watch: true,
            }),
        ),
        (0, exists("/a\0b", true)),
        (0, set("bad", -1)),
        (0, set("/w/", -1)),
        (
            0,
            Request::Multi(vec![
                MultiOp::Check(CheckVersionRequest {
                    path: "/missing".into(),
                    version: -1,
                }),
                MultiOp::Create(CreateRequest {
                    path: "/never".into(),
                    data: None,
                    acl: open_acl_unsafe(),
                    flags: 0,
                }),
            ]),
        ),
        (
            1,
            Request::SetWatches2(SetWatches2 {
                relative_zxid: 1_000,
                data_watches: vec!["/w".into()],
                exist_watches: vec![],
                child_watches: vec![],
                persistent_watches: vec!["/p1".into()],
                persistent_recursive_watches: vec!["/w".into()],
            }),
        ),
        (0, create("/p1", 0)),
        (0, create("/w/x", 0)),
        (0, del("/w/x", -1)),
        (0, set("/w", -1)),
        (
            0,
            Request::Reconfig(ReconfigRequest {
                joining_servers: String::new(),
                leaving_servers: String::new(),
                new_members: String::new(),
                cur_config_id: -1,
            }),
        ),
    ]
}

#[test]
fn processor_answers_like_apache() {
    let apache = ApacheZk::start_with(ApacheOptions {
        cfg_lines: vec![],
        properties: vec![],
    });
    let mut theirs = Apache {
        sessions: [Raw::connect(apache.port()), Raw::connect(apache.port())],
    };
    let ids = [theirs.sessions[0].session, theirs.sessions[1].session];
    let mut p = Processor::new(ProcessorOptions {
        super_digest: None,
        max_buffer: 0xfffff,
    });
    for id in ids {
        p.open_session(id, 30000, 1);
        p.set_session_address(id, "127.0.0.1".parse().unwrap());
    }
    let mut ours = Ours { p, ids, now: 10 };
    let mut diffs = Vec::new();
    for (i, (who, req)) in script().into_iter().enumerate() {
        let mut body = Vec::new();
        req.encode_body(&mut body);
        let xid = if req.opcode() == op::AUTH {
            -4
        } else {
            100 + i as i32
        };
        eprintln!("step {i} s{who} {}", op::name(req.opcode()));
        let t = theirs.run(who, xid, req.opcode(), &body);
        let m = ours.run(who, xid, req.opcode(), &body);
        if t != m {
            diffs.push(format!(
                "step {i} s{who} {}:\n  apache: {t:?}\n  ours:   {m:?}",
                op::name(req.opcode())
            ));
        }
    }
    // The figures the four-letter words report.
    let mntr = testkit::four_letter(apache.port(), "mntr").expect("mntr");
    let field = |k: &str| -> String {
        mntr.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}\t")).map(str::to_string))
            .unwrap_or_default()
    };
    let st = ours.p.stats();
    assert_eq!(field("zk_znode_count"), st.node_count.to_string());
    assert_eq!(field("zk_watch_count"), st.watch_count.to_string());
    assert_eq!(field("zk_ephemerals_count"), st.ephemeral_count.to_string());
    assert_eq!(
        field("zk_approximate_data_size"),
        st.approximate_data_size.to_string()
    );
    let wchs = testkit::four_letter(apache.port(), "wchs").expect("wchs");
    assert_eq!(
        wchs,
        format!(
            "{} connections watching {} paths\nTotal watches:{}\n",
            st.watching_sessions, st.watched_paths, st.data_watch_count
        )
    );

    // Last: an unknown auth scheme fails and closes the connection.
    let body = {
        let mut b = Vec::new();
        auth("nosuch", "x").encode_body(&mut b);
        b
    };
    theirs.sessions[1].send(-4, op::AUTH, &body);
    let (_, reply) = theirs.sessions[1].until_reply(-4);
    let t = reply_text(op::AUTH, &reply);
    let closed = theirs.sessions[1].is_closed();
    let mut out = Vec::new();
    ours.p.process(
        ids[1],
        &RequestHeader {
            xid: -4,
            op: op::AUTH,
        },
        &body,
        0,
        &mut out,
    );
    let m = match &out[0] {
        Output::Reply { frame, .. } => reply_text(op::AUTH, frame),
        other => panic!("{other:?}"),
    };
    assert_eq!(t, m);
    assert_eq!(closed, matches!(out.last(), Some(Output::Close { .. })));
    // A successful check outside a multi: Apache drops the connection
    // without an answer (and the write takes a zxid).
    let mut third = Raw::connect(apache.port());
    ours.p.open_session(third.session, 30000, 0);
    let mut body = Vec::new();
    Request::Check(CheckVersionRequest {
        path: "/w".into(),
        version: -1,
    })
    .encode_body(&mut body);
    third.send(7, op::CHECK, &body);
    assert!(third.is_closed());
    let mut out = Vec::new();
    ours.p.process(
        third.session,
        &RequestHeader {
            xid: 7,
            op: op::CHECK,
        },
        &body,
        0,
        &mut out,
    );
    assert_eq!(
        out,
        vec![Output::Close {
            session: third.session
        }]
    );

    // An unknown opcode gets an error reply, then the connection closes.
    theirs.sessions[0].send(500, 99, &[]);
    let (_, reply) = theirs.sessions[0].until_reply(500);
    let t = reply_text(99, &reply);
    let closed = theirs.sessions[0].is_closed();
    let mut out = Vec::new();
    ours.p.process(
        ids[0],
        &RequestHeader { xid: 500, op: 99 },
        &[],
        0,
        &mut out,
    );
    let m = match &out[0] {
        Output::Reply { frame, .. } => reply_text(99, frame),
        other => panic!("{other:?}"),
    };
    assert_eq!(t, m);
    assert_eq!(closed, matches!(out.last(), Some(Output::Close { .. })));
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
