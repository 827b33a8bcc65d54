//! Requests that change no data: reads, watch management, whoAmI. They take
//! no zxid and may set watches.

use zkrs_proto::consts::{add_watch_mode, event_type, op, perms, watcher_type};
use zkrs_proto::errors::*;
use zkrs_proto::jute::Reader;
use zkrs_proto::records::*;
use zkrs_proto::request::{decode_multi, MultiOp, MultiResult};
use zkrs_proto::Decode;

use super::acl;
use zkrs_proto::jute::{write_opt_buffer, Encode};

use super::processor::{notify, Output, Processor};
use super::watches::WatchMode;

/// Encodes a successful answer after the reply header.
fn put<T: Encode>(frame: &mut Vec<u8>, v: &T) -> Result<(), i32> {
    v.encode(frame);
    Ok(())
}

fn decode<T: Decode>(r: &mut Reader<'_>) -> Result<T, i32> {
    T::decode(r).map_err(|_| ZMARSHALLINGERROR)
}

impl Processor {
    pub(super) fn read(
        &mut self,
        session: i64,
        opcode: i32,
        r: &mut Reader<'_>,
        notes: &mut Vec<Output>,
        frame: &mut Vec<u8>,
    ) -> Result<(), i32> {
        match opcode {
            op::EXISTS => {
                let q: ExistsRequest = decode(r)?;
                if q.path.contains('\0') {
                    return Err(ZBADARGUMENTS);
                }
                // An exists watch is set whether or not the node exists.
                if q.watch {
                    self.data_watches.add(&q.path, session, WatchMode::Standard);
                }
                let n = self.tree.get(&q.path).ok_or(ZNONODE)?;
                put(
                    frame,
                    &ExistsResponse {
                        stat: n.client_stat(),
                    },
                )
            }
            op::GET_DATA => {
                let q: GetDataRequest = decode(r)?;
                self.get_data_into(session, &q, frame)
            }
            op::GET_CHILDREN => {
                let q: GetChildrenRequest = decode(r)?;
                let (children, _) = self.get_children(session, &q.path, q.watch)?;
                put(frame, &GetChildrenResponse { children })
            }
            op::GET_CHILDREN2 => {
                let q: GetChildren2Request = decode(r)?;
                let (children, stat) = self.get_children(session, &q.path, q.watch)?;
                put(frame, &GetChildren2Response { children, stat })
            }
            op::GET_ACL => {
                let q: GetAclRequest = decode(r)?;
                self.get_acl(session, &q.path, frame)
            }
            op::SYNC => {
                let q: SyncRequest = decode(r)?;
                put(frame, &SyncResponse { path: q.path })
            }
            op::GET_ALL_CHILDREN_NUMBER => {
                let q: GetAllChildrenNumberRequest = decode(r)?;
                let n = self.tree.get(&q.path).ok_or(ZNONODE)?;
                acl::check(&n.acl, perms::READ, self.auth_of(session))?;
                put(
                    frame,
                    &GetAllChildrenNumberResponse {
                        total_number: self.tree.descendant_count(&q.path) as i32,
                    },
                )
            }
            op::GET_EPHEMERALS => {
                let q: GetEphemeralsRequest = decode(r)?;
                let prefix = q.prefix_path.trim();
                let mut ephemerals = self.tree.ephemerals_of(session);
                if !(prefix.is_empty() || prefix == "/") {
                    ephemerals.retain(|p| p.starts_with(q.prefix_path.as_str()));
                }
                put(frame, &GetEphemeralsResponse { ephemerals })
            }
            op::WHO_AM_I => {
                // Apache lists authenticated identities by user name, then
                // the connection's address.
                let auth = self.auth_of(session);
                let users = auth
                    .iter()
                    .filter(|i| acl::is_authenticated_scheme(&i.scheme))
                    .map(|i| ClientInfo {
                        auth_scheme: i.scheme.clone(),
                        user: i.id.split(':').next().unwrap_or("").to_string(),
                    });
                let addresses = auth
                    .iter()
                    .filter(|i| i.scheme == "ip")
                    .map(|i| ClientInfo {
                        auth_scheme: i.scheme.clone(),
                        user: i.id.clone(),
                    });
                let client_info = users.chain(addresses).collect();
                put(frame, &WhoAmIResponse { client_info })
            }
            op::CHECK_WATCHES | op::REMOVE_WATCHES => {
                let (path, kind) = if opcode == op::CHECK_WATCHES {
                    let q: CheckWatchesRequest = decode(r)?;
                    (q.path, q.watcher_type)
                } else {
                    let q: RemoveWatchesRequest = decode(r)?;
                    (q.path, q.watcher_type)
                };
                let (child, data) = match kind {
                    watcher_type::CHILDREN => (true, false),
                    watcher_type::DATA => (false, true),
                    watcher_type::ANY => (true, true),
                    _ => return Err(ZMARSHALLINGERROR),
                };
                let found = if opcode == op::CHECK_WATCHES {
                    (child && self.child_watches.contains(&path, session))
                        || (data && self.data_watches.contains(&path, session))
                } else {
                    let c = child && self.child_watches.remove(&path, session);
                    let d = data && self.data_watches.remove(&path, session);
                    c || d
                };
                if found {
                    Ok(())
                } else {
                    Err(ZNOWATCHER)
                }
            }
            op::SET_WATCHES => {
                let q: SetWatches = decode(r)?;
                self.set_watches(
                    session,
                    q.relative_zxid,
                    &q.data_watches,
                    &q.exist_watches,
                    &q.child_watches,
                    &[],
                    &[],
                    notes,
                );
                Ok(())
            }
            op::SET_WATCHES2 => {
                let q: SetWatches2 = decode(r)?;
                self.set_watches(
                    session,
                    q.relative_zxid,
                    &q.data_watches,
                    &q.exist_watches,
                    &q.child_watches,
                    &q.persistent_watches,
                    &q.persistent_recursive_watches,
                    notes,
                );
                Ok(())
            }
            op::ADD_WATCH => {
                let q: AddWatchRequest = decode(r)?;
                match q.mode {
                    add_watch_mode::PERSISTENT => {
                        self.data_watches
                            .add(&q.path, session, WatchMode::Persistent);
                        self.child_watches
                            .add(&q.path, session, WatchMode::Persistent);
                    }
                    add_watch_mode::PERSISTENT_RECURSIVE => {
                        self.data_watches
                            .add(&q.path, session, WatchMode::PersistentRecursive);
                        self.child_watches
                            .add(&q.path, session, WatchMode::PersistentRecursive);
                    }
                    _ => return Err(ZMARSHALLINGERROR),
                }
                put(frame, &ErrorResponse { err: 0 })
            }
            op::MULTI_READ => {
                let ops = decode_multi(r).map_err(|_| ZMARSHALLINGERROR)?;
                let mut results = Vec::with_capacity(ops.len());
                for o in &ops {
                    let res = match o {
                        MultiOp::GetData(q) => self.get_data(session, q).map(MultiResult::GetData),
                        MultiOp::GetChildren(q) => self
                            .get_children(session, &q.path, q.watch)
                            .map(|(children, _)| {
                                MultiResult::GetChildren(GetChildrenResponse { children })
                            }),
                        _ => return Err(ZMARSHALLINGERROR),
                    };
                    results.push(res.unwrap_or_else(MultiResult::Error));
                }
                zkrs_proto::request::encode_multi_results(&results, frame);
                Ok(())
            }
            _ => Err(ZUNIMPLEMENTED),
        }
    }

    /// getData's answer encoded straight into the reply frame (the hot path).
    fn get_data_into(
        &mut self,
        session: i64,
        q: &GetDataRequest,
        frame: &mut Vec<u8>,
    ) -> Result<(), i32> {
        let n = self.tree.get(&q.path).ok_or(ZNONODE)?;
        acl::check(&n.acl, perms::READ, self.auth_of(session))?;
        write_opt_buffer(frame, n.data.as_deref());
        n.client_stat().encode(frame);
        if q.watch {
            self.data_watches.add(&q.path, session, WatchMode::Standard);
        }
        Ok(())
    }

    fn get_data(&mut self, session: i64, q: &GetDataRequest) -> Result<GetDataResponse, i32> {
        let n = self.tree.get(&q.path).ok_or(ZNONODE)?;
        acl::check(&n.acl, perms::READ, self.auth_of(session))?;
        let resp = GetDataResponse {
            data: n.data.as_deref().map(<[u8]>::to_vec),
            stat: n.client_stat(),
        };
        if q.watch {
            self.data_watches.add(&q.path, session, WatchMode::Standard);
        }
        Ok(resp)
    }

    fn get_children(
        &mut self,
        session: i64,
        path: &str,
        watch: bool,
    ) -> Result<(Vec<String>, Stat), i32> {
        let n = self.tree.get(path).ok_or(ZNONODE)?;
        acl::check(&n.acl, perms::READ, self.auth_of(session))?;
        let res = (
            n.children.iter().map(|c| c.to_string()).collect(),
            n.client_stat(),
        );
        if watch {
            self.child_watches.add(path, session, WatchMode::Standard);
        }
        Ok(res)
    }

    /// READ or ADMIN lets one read a node's ACL; without ADMIN, digest
    /// credentials are masked as Apache masks them.
    fn get_acl(&mut self, session: i64, path: &str, frame: &mut Vec<u8>) -> Result<(), i32> {
        let n = self.tree.get(path).ok_or(ZNONODE)?;
        let auth = self.auth_of(session);
        acl::check(&n.acl, perms::READ | perms::ADMIN, auth)?;
        let mut list: Vec<Acl> = n.acl.as_ref().clone();
        if acl::check(&n.acl, perms::ADMIN, auth).is_err() {
            for a in list.iter_mut().filter(|a| a.id.scheme == "digest") {
                let user = a.id.id.split(':').next().unwrap_or("").to_string();
                a.id.id = format!("{user}:x");
            }
        }
        put(
            frame,
            &GetAclResponse {
                acl: list,
                stat: n.client_stat(),
            },
        )
    }

    /// Re-registers watches after a reconnect, firing at once those whose
    /// trigger happened after `relative_zxid`.
    #[allow(clippy::too_many_arguments)]
    fn set_watches(
        &mut self,
        session: i64,
        relative_zxid: i64,
        data: &[String],
        exist: &[String],
        child: &[String],
        persistent: &[String],
        recursive: &[String],
        notes: &mut Vec<Output>,
    ) {
        let me = [session];
        for p in data {
            match self.tree.get(p) {
                None => notify(notes, &me, event_type::NODE_DELETED, p),
                Some(n) if n.stat.mzxid > relative_zxid => {
                    notify(notes, &me, event_type::NODE_DATA_CHANGED, p)
                }
                Some(_) => self.data_watches.add(p, session, WatchMode::Standard),
            }
        }
        for p in exist {
            if self.tree.get(p).is_some() {
                notify(notes, &me, event_type::NODE_CREATED, p);
            } else {
                self.data_watches.add(p, session, WatchMode::Standard);
            }
        }
        for p in child {
            match self.tree.get(p) {
                None => notify(notes, &me, event_type::NODE_DELETED, p),
                Some(n) if n.stat.pzxid > relative_zxid => {
                    notify(notes, &me, event_type::NODE_CHILDREN_CHANGED, p)
                }
                Some(_) => self.child_watches.add(p, session, WatchMode::Standard),
            }
        }
        for p in persistent {
            self.child_watches.add(p, session, WatchMode::Persistent);
            self.data_watches.add(p, session, WatchMode::Persistent);
        }
        for p in recursive {
            self.data_watches
                .add(p, session, WatchMode::PersistentRecursive);
            self.child_watches
                .add(p, session, WatchMode::PersistentRecursive);
        }
    }
}
