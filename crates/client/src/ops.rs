//! Turning an [`Op`] into a request frame (done on the caller's thread, so
//! the I/O thread only stamps the xid), and a reply body into a [`Response`].

use zkrs_proto::consts::{create_flags, op, watcher_type};
use zkrs_proto::errors::*;
use zkrs_proto::frame::{begin_frame, finish_frame};
use zkrs_proto::jute::{write_i32, write_i64, write_string, Decode, DecodeError, Encode, Reader};
use zkrs_proto::path::validate_path;
use zkrs_proto::records::*;
use zkrs_proto::request::{decode_multi_results, MultiOp, MultiResult, Request};

use crate::chroot::Chroot;
use crate::types::{Op, Response, Watcher, WatcherId};

/// The node `zoo_getconfig` reads.
pub const CONFIG_NODE: &str = "/zookeeper/config";

/// The largest TTL Apache accepts (`ZOO_MAX_TTL`).
pub const MAX_TTL: i64 = 0xFF_FFFF_FFFF;

/// How a reply body is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Empty,
    Stat,
    Data,
    Children,
    Children2,
    Path,
    PathStat,
    Acl,
    Multi,
}

/// Which watch table a successful read adds its watcher to (Apache's
/// result checkers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchKind {
    /// get, getconfig: the data table on success.
    Data,
    /// exists: the data table on success, the exist table on ZNONODE.
    Exists,
    /// get_children: the child table on success.
    Child,
}

#[derive(Debug, Clone)]
pub struct WatchRegistration {
    pub kind: WatchKind,
    /// Server path (chroot included).
    pub path: String,
    pub watcher: Watcher,
}

/// Watchers to drop once the server confirms a remove_watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchRemoval {
    pub path: String,
    pub watcher_type: i32,
    pub watcher: Option<WatcherId>,
}

/// A request ready for the wire except for its xid.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub opcode: i32,
    /// Length prefix, header (xid 0 for now) and body.
    pub frame: Vec<u8>,
    pub expect: Expect,
    pub registration: Option<WatchRegistration>,
    pub removal: Option<WatchRemoval>,
    /// A remove_watches with `local`: handled without the server.
    pub local_only: bool,
}

impl Prepared {
    /// Writes `xid` into the frame's header.
    pub fn set_xid(&mut self, xid: i32) {
        self.frame[4..8].copy_from_slice(&xid.to_be_bytes());
    }
}

fn checked(chroot: &Chroot, path: String, sequential: bool) -> Result<String, i32> {
    let server = chroot.prefix(path);
    validate_path(&server, sequential).map_err(|_| ZBADARGUMENTS)?;
    Ok(server)
}

fn is_ttl_mode(mode: i32) -> bool {
    mode == create_flags::PERSISTENT_WITH_TTL
        || mode == create_flags::PERSISTENT_SEQUENTIAL_WITH_TTL
}

fn is_sequential(mode: i32) -> bool {
    mode & create_flags::SEQUENCE != 0
}

/// Validates and encodes `op`. `watcher` makes reads set a watch.
pub fn prepare(op: Op, watcher: Option<Watcher>, chroot: &Chroot) -> Result<Prepared, i32> {
    let watch = watcher.is_some();
    let mut registration = None;
    let mut removal = None;
    let mut local_only = false;
    let mut register = |kind, path: &str| {
        registration = watcher.clone().map(|watcher| WatchRegistration {
            kind,
            path: path.to_string(),
            watcher,
        });
    };
    let (request, expect) = match op {
        Op::Create {
            path,
            data,
            acl,
            mode,
            ttl,
            with_stat,
        } => {
            let path = checked(chroot, path, is_sequential(mode))?;
            let expect = if with_stat {
                Expect::PathStat
            } else {
                Expect::Path
            };
            let req = if is_ttl_mode(mode) {
                if ttl <= 0 || ttl > MAX_TTL {
                    return Err(ZBADARGUMENTS);
                }
                Request::CreateTtl(CreateTtlRequest {
                    path,
                    data,
                    acl,
                    flags: mode,
                    ttl,
                })
            } else {
                let body = CreateRequest {
                    path,
                    data,
                    acl,
                    flags: mode,
                };
                if mode == create_flags::CONTAINER {
                    Request::CreateContainer(body)
                } else if with_stat {
                    Request::Create2(body)
                } else {
                    Request::Create(body)
                }
            };
            (req, expect)
        }
        Op::Delete { path, version } => (
            Request::Delete(DeleteRequest {
                path: checked(chroot, path, false)?,
                version,
            }),
            Expect::Empty,
        ),
        Op::Exists { path } => {
            let path = checked(chroot, path, false)?;
            register(WatchKind::Exists, &path);
            (Request::Exists(ExistsRequest { path, watch }), Expect::Stat)
        }
        Op::GetData { path } => {
            let path = checked(chroot, path, false)?;
            register(WatchKind::Data, &path);
            (
                Request::GetData(GetDataRequest { path, watch }),
                Expect::Data,
            )
        }
        Op::SetData {
            path,
            data,
            version,
        } => (
            Request::SetData(SetDataRequest {
                path: checked(chroot, path, false)?,
                data,
                version,
            }),
            Expect::Stat,
        ),
        Op::GetAcl { path } => (
            Request::GetAcl(GetAclRequest {
                path: checked(chroot, path, false)?,
            }),
            Expect::Acl,
        ),
        Op::SetAcl { path, version, acl } => (
            Request::SetAcl(SetAclRequest {
                path: checked(chroot, path, false)?,
                acl,
                version,
            }),
            Expect::Stat,
        ),
        Op::GetChildren { path, with_stat } => {
            let path = checked(chroot, path, false)?;
            register(WatchKind::Child, &path);
            if with_stat {
                (
                    Request::GetChildren2(GetChildren2Request { path, watch }),
                    Expect::Children2,
                )
            } else {
                (
                    Request::GetChildren(GetChildrenRequest { path, watch }),
                    Expect::Children,
                )
            }
        }
        Op::Sync { path } => (
            Request::Sync(SyncRequest {
                path: checked(chroot, path, false)?,
            }),
            Expect::Path,
        ),
        Op::Multi(ops) => {
            let ops = ops
                .into_iter()
                .map(|o| chroot_multi_op(o, chroot))
                .collect::<Result<Vec<_>, i32>>()?;
            (Request::Multi(ops), Expect::Multi)
        }
        Op::GetConfig => {
            register(WatchKind::Data, CONFIG_NODE);
            (
                Request::GetData(GetDataRequest {
                    path: CONFIG_NODE.to_string(),
                    watch,
                }),
                Expect::Data,
            )
        }
        Op::Reconfig {
            joining,
            leaving,
            members,
            version,
        } => {
            // Absent arguments go out as null strings (length -1).
            let mut frame = Vec::with_capacity(64);
            let at = begin_frame(&mut frame);
            RequestHeader {
                xid: 0,
                op: op::RECONFIG,
            }
            .encode(&mut frame);
            for s in [&joining, &leaving, &members] {
                match s {
                    Some(s) => write_string(&mut frame, s),
                    None => write_i32(&mut frame, -1),
                }
            }
            write_i64(&mut frame, version);
            finish_frame(&mut frame, at);
            return Ok(Prepared {
                opcode: op::RECONFIG,
                frame,
                expect: Expect::Data,
                registration: None,
                removal: None,
                local_only: false,
            });
        }
        Op::RemoveWatches {
            path,
            watcher_type,
            watcher: target,
            local,
            all,
        } => {
            let path = checked(chroot, path, false)?;
            if !(watcher_type::CHILDREN..=watcher_type::ANY).contains(&watcher_type) {
                return Err(ZBADARGUMENTS);
            }
            local_only = local;
            removal = Some(WatchRemoval {
                path: path.clone(),
                watcher_type,
                watcher: target,
            });
            let req = if all {
                Request::RemoveWatches(RemoveWatchesRequest { path, watcher_type })
            } else {
                Request::CheckWatches(CheckWatchesRequest { path, watcher_type })
            };
            (req, Expect::Empty)
        }
    };
    let opcode = request.opcode();
    let mut frame = Vec::with_capacity(32 + frame_hint(&request));
    let at = begin_frame(&mut frame);
    RequestHeader { xid: 0, op: opcode }.encode(&mut frame);
    request.encode_body(&mut frame);
    finish_frame(&mut frame, at);
    Ok(Prepared {
        opcode,
        frame,
        expect,
        registration,
        removal,
        local_only,
    })
}

fn frame_hint(r: &Request) -> usize {
    match r {
        Request::Create(c) | Request::Create2(c) | Request::CreateContainer(c) => {
            c.path.len() + c.data.as_ref().map_or(0, Vec::len) + 32 * c.acl.len()
        }
        Request::SetData(s) => s.path.len() + s.data.as_ref().map_or(0, Vec::len),
        _ => 64,
    }
}

fn chroot_multi_op(mut o: MultiOp, chroot: &Chroot) -> Result<MultiOp, i32> {
    let (path, sequential) = match &mut o {
        MultiOp::Create(r) | MultiOp::Create2(r) => (&mut r.path, is_sequential(r.flags)),
        MultiOp::CreateContainer(r) => (&mut r.path, false),
        MultiOp::CreateTtl(r) => {
            if r.ttl <= 0 || r.ttl > MAX_TTL {
                return Err(ZBADARGUMENTS);
            }
            (&mut r.path, is_sequential(r.flags))
        }
        MultiOp::Delete(r) => (&mut r.path, false),
        MultiOp::SetData(r) => (&mut r.path, false),
        MultiOp::Check(r) => (&mut r.path, false),
        MultiOp::GetChildren(r) => (&mut r.path, false),
        MultiOp::GetData(r) => (&mut r.path, false),
    };
    *path = checked(chroot, std::mem::take(path), sequential)?;
    Ok(o)
}

/// Reads a successful reply body.
pub fn decode_response(
    expect: Expect,
    body: &[u8],
    chroot: &Chroot,
) -> Result<Response, DecodeError> {
    let mut r = Reader::new(body);
    Ok(match expect {
        Expect::Empty => Response::Empty,
        Expect::Stat => Response::Stat(Stat::decode(&mut r)?),
        Expect::Data => {
            let d = GetDataResponse::decode(&mut r)?;
            Response::Data {
                data: d.data,
                stat: d.stat,
            }
        }
        Expect::Children => Response::Children {
            children: GetChildrenResponse::decode(&mut r)?.children,
            stat: None,
        },
        Expect::Children2 => {
            let c = GetChildren2Response::decode(&mut r)?;
            Response::Children {
                children: c.children,
                stat: Some(c.stat),
            }
        }
        // create, create2, createContainer and createTTL all start with the
        // path; the latter three carry a stat after it.
        Expect::Path | Expect::PathStat => {
            let path = chroot.strip(r.read_string()?);
            let stat = if expect == Expect::PathStat {
                Some(Stat::decode(&mut r)?)
            } else {
                None
            };
            Response::Path { path, stat }
        }
        Expect::Acl => {
            let a = GetAclResponse::decode(&mut r)?;
            Response::Acl {
                acl: a.acl,
                stat: a.stat,
            }
        }
        Expect::Multi => {
            let mut results = decode_multi_results(&mut r)?;
            for res in &mut results {
                match res {
                    MultiResult::Create(c) => c.path = chroot.strip(std::mem::take(&mut c.path)),
                    MultiResult::Create2(c) => c.path = chroot.strip(std::mem::take(&mut c.path)),
                    _ => {}
                }
            }
            Response::Multi(results)
        }
    })
}

/// The error a multi reports: its first failure other than the
/// ZRUNTIMEINCONSISTENCY the server gives the ops it did not run.
pub fn multi_error(results: &[MultiResult]) -> i32 {
    results
        .iter()
        .map(MultiResult::err)
        .find(|&e| e != ZOK && e != ZRUNTIMEINCONSISTENCY)
        .unwrap_or(ZOK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkrs_proto::jute::{from_slice, to_vec};

    fn header(p: &Prepared) -> RequestHeader {
        from_slice::<RequestHeader>(&p.frame[4..12]).unwrap()
    }

    #[test]
    fn create_picks_opcode_by_mode() {
        let c = Chroot::default();
        let mk = |mode, ttl, with_stat| Op::Create {
            path: "/a".into(),
            data: None,
            acl: vec![],
            mode,
            ttl,
            with_stat,
        };
        assert_eq!(
            prepare(mk(0, -1, false), None, &c).unwrap().opcode,
            op::CREATE
        );
        assert_eq!(
            prepare(mk(0, -1, true), None, &c).unwrap().opcode,
            op::CREATE2
        );
        assert_eq!(
            prepare(mk(4, -1, false), None, &c).unwrap().opcode,
            op::CREATE_CONTAINER
        );
        assert_eq!(
            prepare(mk(5, 100, false), None, &c).unwrap().opcode,
            op::CREATE_TTL
        );
        assert_eq!(
            prepare(mk(5, 0, false), None, &c).unwrap_err(),
            ZBADARGUMENTS
        );
        assert_eq!(
            prepare(mk(6, MAX_TTL + 1, true), None, &c).unwrap_err(),
            ZBADARGUMENTS
        );
    }

    #[test]
    fn paths_are_validated_after_chroot() {
        let c = Chroot::new(Some("/app".into()));
        let p = prepare(
            Op::Delete {
                path: "/x".into(),
                version: 3,
            },
            None,
            &c,
        )
        .unwrap();
        let len = i32::from_be_bytes(p.frame[..4].try_into().unwrap()) as usize;
        assert_eq!(len, p.frame.len() - 4);
        assert_eq!(header(&p).op, op::DELETE);
        let body: DeleteRequest = from_slice(&p.frame[12..]).unwrap();
        assert_eq!(body.path, "/app/x");
        for bad in ["", "x", "/x/", "/a//b", "/a/./b"] {
            let r = prepare(Op::Exists { path: bad.into() }, None, &Chroot::default());
            assert_eq!(r.unwrap_err(), ZBADARGUMENTS, "{bad:?}");
        }
        let seq = Op::Create {
            path: "/q/".into(),
            data: None,
            acl: vec![],
            mode: create_flags::PERSISTENT_SEQUENTIAL,
            ttl: -1,
            with_stat: false,
        };
        assert!(prepare(seq, None, &Chroot::default()).is_ok());
    }

    #[test]
    fn xid_is_stamped() {
        let mut p = prepare(Op::Sync { path: "/".into() }, None, &Chroot::default()).unwrap();
        p.set_xid(77);
        assert_eq!(
            header(&p),
            RequestHeader {
                xid: 77,
                op: op::SYNC
            }
        );
    }

    #[test]
    fn watch_flag_and_registration_follow_the_watcher() {
        let w = Watcher::from_fn(|_| {});
        let c = Chroot::new(Some("/r".into()));
        let p = prepare(Op::Exists { path: "/e".into() }, Some(w.clone()), &c).unwrap();
        let body: ExistsRequest = from_slice(&p.frame[12..]).unwrap();
        assert!(body.watch);
        let reg = p.registration.unwrap();
        assert_eq!((reg.kind, reg.path.as_str()), (WatchKind::Exists, "/r/e"));
        let p = prepare(Op::GetConfig, Some(w), &c).unwrap();
        let body: GetDataRequest = from_slice(&p.frame[12..]).unwrap();
        assert_eq!(body.path, CONFIG_NODE);
        let p = prepare(Op::GetData { path: "/e".into() }, None, &c).unwrap();
        assert!(p.registration.is_none());
        let body: GetDataRequest = from_slice(&p.frame[12..]).unwrap();
        assert!(!body.watch);
    }

    #[test]
    fn reconfig_sends_null_strings() {
        let op = Op::Reconfig {
            joining: Some("server.2=a:1:2".into()),
            leaving: None,
            members: None,
            version: -1,
        };
        let p = prepare(op, None, &Chroot::default()).unwrap();
        let mut r = Reader::new(&p.frame[12..]);
        assert_eq!(r.read_string().unwrap(), "server.2=a:1:2");
        assert_eq!(r.read_i32().unwrap(), -1);
        assert_eq!(r.read_i32().unwrap(), -1);
        assert_eq!(r.read_i64().unwrap(), -1);
        assert!(r.is_empty());
    }

    #[test]
    fn decodes_and_strips_paths() {
        let c = Chroot::new(Some("/app".into()));
        let body = to_vec(&Create2Response {
            path: "/app/n1".into(),
            stat: Stat::default(),
        });
        assert_eq!(
            decode_response(Expect::PathStat, &body, &c).unwrap(),
            Response::Path {
                path: "/n1".into(),
                stat: Some(Stat::default())
            }
        );
        assert_eq!(
            decode_response(Expect::Path, &body, &c).unwrap(),
            Response::Path {
                path: "/n1".into(),
                stat: None
            }
        );
        assert!(decode_response(Expect::Stat, &[1, 2], &c).is_err());
    }

    #[test]
    fn multi_error_skips_runtime_inconsistency() {
        let r = vec![
            MultiResult::Error(ZRUNTIMEINCONSISTENCY),
            MultiResult::Error(ZNONODE),
            MultiResult::Error(ZRUNTIMEINCONSISTENCY),
        ];
        assert_eq!(multi_error(&r), ZNONODE);
        assert_eq!(multi_error(&[MultiResult::Delete]), ZOK);
    }
}
