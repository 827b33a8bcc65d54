//! Requests that change the tree. Each takes a zxid, even when it fails;
//! checks run in the order Apache's PrepRequestProcessor runs them, so the
//! same error wins when several apply.

use zkrs_proto::consts::{create_flags, op, perms};
use zkrs_proto::errors::*;
use zkrs_proto::jute::Reader;
use zkrs_proto::path::{parent, validate_path};
use zkrs_proto::records::*;
use zkrs_proto::request::{encode_multi_results, MultiOp, MultiResult, Request};

use super::acl;
use super::processor::{body, reply, Change, Output, Processor};
use super::storage::Txn;
use super::tree::{is_special, NodeKind, Undo, CONTAINER_OWNER, MAX_TTL};

/// What a successful write answers.
enum Resp {
    Create(String),
    Create2(String, Stat),
    Stat(Stat),
    Empty,
}

/// A create as the processor sees it, whatever the opcode.
struct CreateOp {
    path: String,
    data: Option<Vec<u8>>,
    acl: Vec<Acl>,
    flags: i32,
    ttl: i64,
    /// Whether the answer carries the Stat (create2, container, TTL).
    with_stat: bool,
}

/// The state a write works with: the zxid and time of its transaction, the
/// undo journal and the changes whose watches fire at commit.
struct WriteCtx {
    session: i64,
    zxid: i64,
    now: i64,
    journal: Vec<Undo>,
    changes: Vec<Change>,
}

/// The parent of a path a client names, refusing (as Apache's
/// `getParentPathAndValidate`) one without a slash or with a NUL; no other
/// character check.
fn parent_of(path: &str) -> Result<&str, i32> {
    if path.contains('\0') || !path.contains('/') {
        return Err(ZBADARGUMENTS);
    }
    Ok(parent(path))
}

/// As `parent_of`, and the built-in nodes cannot be deleted.
fn parent_for_delete(path: &str) -> Result<&str, i32> {
    if is_special(path) {
        return Err(ZBADARGUMENTS);
    }
    parent_of(path)
}

fn check_version(current: i32, expected: i32) -> Result<(), i32> {
    if expected != -1 && expected != current {
        Err(ZBADVERSION)
    } else {
        Ok(())
    }
}

fn valid(path: &str) -> Result<(), i32> {
    validate_path(path, false).map_err(|_| ZBADARGUMENTS)
}

impl Processor {
    pub(super) fn write(
        &mut self,
        session: i64,
        xid: i32,
        opcode: i32,
        r: &mut Reader<'_>,
        now: i64,
        out: &mut Vec<Output>,
    ) {
        let req = match Request::decode_body(opcode, r) {
            Ok(Request::Multi(ops))
                if ops
                    .iter()
                    .any(|o| matches!(o, MultiOp::GetData(_) | MultiOp::GetChildren(_))) =>
            {
                None
            }
            Ok(req) => Some(req),
            Err(_) => None,
        };
        let Some(req) = req else {
            reply(out, session, xid, self.zxid, ZMARSHALLINGERROR, &[]);
            return;
        };
        let mut cx = WriteCtx {
            session,
            zxid: self.zxid + 1,
            now,
            journal: Vec::new(),
            changes: Vec::new(),
        };
        let (txn, err, b) = match req {
            Request::Multi(ops) => {
                let (txn, b) = self.multi(&mut cx, ops);
                (txn, ZOK, b)
            }
            other => match self.apply(&mut cx, other) {
                Ok((resp, txn)) => {
                    let b = match resp {
                        Resp::Create(path) => body(&CreateResponse { path }),
                        Resp::Create2(path, stat) => body(&Create2Response { path, stat }),
                        Resp::Stat(stat) => body(&SetDataResponse { stat }),
                        Resp::Empty => Vec::new(),
                    };
                    (txn, ZOK, b)
                }
                Err(e) => (Txn::Error(e), e, Vec::new()),
            },
        };
        let zxid = self.commit(session, xid, now, txn);
        debug_assert_eq!(zxid, cx.zxid);
        self.keep_undo(std::mem::take(&mut cx.journal));
        self.fire(&cx.changes, out);
        if opcode == op::CHECK && err == ZOK {
            // Apache 3.8 cannot serialize the answer to a successful check
            // sent outside a multi and drops the connection instead.
            out.push(Output::Close { session });
            return;
        }
        reply(out, session, xid, zxid, err, &b);
    }

    /// Deletes a container or expired TTL node (the reaper's request).
    pub(super) fn delete_container(
        &mut self,
        path: &str,
        xid: i32,
        now: i64,
        out: &mut Vec<Output>,
    ) {
        let mut cx = WriteCtx {
            session: 0,
            zxid: self.zxid + 1,
            now,
            journal: Vec::new(),
            changes: Vec::new(),
        };
        let txn = match self.apply(&mut cx, Request::DeleteContainer(path.to_string())) {
            Ok((_, txn)) => txn,
            Err(e) => Txn::Error(e),
        };
        self.commit(0, xid, now, txn);
        self.keep_undo(std::mem::take(&mut cx.journal));
        self.fire(&cx.changes, out);
    }

    /// Applies one write; the request is consumed so that its data and ACL
    /// move into the transaction instead of being copied.
    fn apply(&mut self, cx: &mut WriteCtx, req: Request) -> Result<(Resp, Txn), i32> {
        let create = |q: CreateRequest, with_stat| CreateOp {
            path: q.path,
            data: q.data,
            acl: q.acl,
            flags: q.flags,
            ttl: -1,
            with_stat,
        };
        match req {
            Request::Create(q) => self.create(cx, create(q, false)),
            Request::Create2(q) | Request::CreateContainer(q) => self.create(cx, create(q, true)),
            Request::CreateTtl(q) => self.create(
                cx,
                CreateOp {
                    path: q.path,
                    data: q.data,
                    acl: q.acl,
                    flags: q.flags,
                    ttl: q.ttl,
                    with_stat: true,
                },
            ),
            Request::Delete(q) => self.delete(cx, &q.path, q.version),
            // Apache reads a client's deleteContainer path from the whole
            // packet buffer, header included, so it always holds a NUL and is
            // refused; only the container reaper deletes containers.
            Request::DeleteContainer(_) if cx.session != 0 => Err(ZBADARGUMENTS),
            Request::DeleteContainer(path) => self.delete_container_op(cx, &path),
            Request::SetData(q) => self.set_data(cx, q),
            Request::SetAcl(q) => self.set_acl(cx, q),
            Request::Check(q) => {
                valid(&q.path)?;
                let n = self.tree.get(&q.path).ok_or(ZNONODE)?;
                acl::check(&n.acl, perms::READ, self.auth_of(cx.session))?;
                check_version(n.stat.version, q.version)?;
                Ok((Resp::Empty, Txn::Check { path: q.path }))
            }
            // Standalone servers run with reconfiguration disabled.
            Request::Reconfig(_) => Err(ZRECONFIGDISABLED),
            _ => Err(ZUNIMPLEMENTED),
        }
    }

    fn create(&mut self, cx: &mut WriteCtx, c: CreateOp) -> Result<(Resp, Txn), i32> {
        if !(create_flags::PERSISTENT..=create_flags::PERSISTENT_SEQUENTIAL_WITH_TTL)
            .contains(&c.flags)
        {
            return Err(ZBADARGUMENTS);
        }
        let is_ttl = matches!(
            c.flags,
            create_flags::PERSISTENT_WITH_TTL | create_flags::PERSISTENT_SEQUENTIAL_WITH_TTL
        );
        let sequential = matches!(
            c.flags,
            create_flags::PERSISTENT_SEQUENTIAL
                | create_flags::EPHEMERAL_SEQUENTIAL
                | create_flags::PERSISTENT_SEQUENTIAL_WITH_TTL
        );
        if is_ttl {
            if c.ttl <= 0 || c.ttl > MAX_TTL {
                return Err(ZBADARGUMENTS);
            }
        } else if c.ttl >= 0 {
            return Err(ZBADARGUMENTS);
        }
        let parent_path = parent_of(&c.path)?;
        let auth = self.auth_of(cx.session);
        let acl_list = acl::fixup(&c.acl, auth)?;
        let parent = self.tree.get(parent_path).ok_or(ZNONODE)?;
        acl::check(&parent.acl, perms::CREATE, auth)?;
        let path = if sequential {
            format!("{}{:010}", c.path, parent.seq)
        } else {
            c.path
        };
        valid(&path)?;
        if self.tree.get(&path).is_some() {
            return Err(ZNODEEXISTS);
        }
        if let NodeKind::Ephemeral(_) = NodeKind::from_owner(parent.owner()) {
            return Err(ZNOCHILDRENFOREPHEMERALS);
        }
        let owner = match c.flags {
            create_flags::EPHEMERAL | create_flags::EPHEMERAL_SEQUENTIAL => cx.session,
            create_flags::CONTAINER => CONTAINER_OWNER,
            _ if is_ttl => NodeKind::Ttl(c.ttl).owner(),
            _ => 0,
        };
        let acl_ref = self.tree.intern_acl(&acl_list);
        let stat = self.tree.create(
            &path,
            c.data.clone(),
            acl_ref,
            owner,
            cx.zxid,
            cx.now,
            &mut cx.journal,
        );
        cx.changes.push(Change::Created(path.clone()));
        let txn = Txn::Create {
            path: path.clone(),
            data: c.data,
            acl: acl_list,
            ephemeral_owner: owner,
        };
        let resp = if c.with_stat {
            Resp::Create2(path, stat)
        } else {
            Resp::Create(path)
        };
        Ok((resp, txn))
    }

    fn delete(&mut self, cx: &mut WriteCtx, path: &str, version: i32) -> Result<(Resp, Txn), i32> {
        let parent_path = parent_for_delete(path)?;
        let parent = self.tree.get(parent_path).ok_or(ZNONODE)?;
        acl::check(&parent.acl, perms::DELETE, self.auth_of(cx.session))?;
        let n = self.tree.get(path).ok_or(ZNONODE)?;
        check_version(n.stat.version, version)?;
        if !n.children.is_empty() {
            return Err(ZNOTEMPTY);
        }
        Ok(self.remove_node(cx, path))
    }

    fn delete_container_op(&mut self, cx: &mut WriteCtx, path: &str) -> Result<(Resp, Txn), i32> {
        let parent_path = parent_for_delete(path)?;
        let n = self.tree.get(path).ok_or(ZNONODE)?;
        if !n.children.is_empty() {
            return Err(ZNOTEMPTY);
        }
        if let NodeKind::Ephemeral(_) = NodeKind::from_owner(n.owner()) {
            return Err(ZBADVERSION);
        }
        self.tree.get(parent_path).ok_or(ZNONODE)?;
        Ok(self.remove_node(cx, path))
    }

    /// Deletes a node whose checks passed.
    fn remove_node(&mut self, cx: &mut WriteCtx, path: &str) -> (Resp, Txn) {
        self.tree.delete(path, cx.zxid, &mut cx.journal);
        cx.changes.push(Change::Deleted(path.to_string()));
        let txn = Txn::Delete {
            path: path.to_string(),
        };
        (Resp::Empty, txn)
    }

    fn set_data(&mut self, cx: &mut WriteCtx, q: SetDataRequest) -> Result<(Resp, Txn), i32> {
        valid(&q.path)?;
        let n = self.tree.get(&q.path).ok_or(ZNONODE)?;
        acl::check(&n.acl, perms::WRITE, self.auth_of(cx.session))?;
        check_version(n.stat.version, q.version)?;
        let stat = self
            .tree
            .set_data(&q.path, q.data.clone(), cx.zxid, cx.now, &mut cx.journal)
            .ok_or(ZNONODE)?;
        cx.changes.push(Change::DataChanged(q.path.clone()));
        let txn = Txn::SetData {
            path: q.path,
            data: q.data,
        };
        Ok((Resp::Stat(stat), txn))
    }

    fn set_acl(&mut self, cx: &mut WriteCtx, q: SetAclRequest) -> Result<(Resp, Txn), i32> {
        valid(&q.path)?;
        let auth = self.auth_of(cx.session);
        let list = acl::fixup(&q.acl, auth)?;
        let n = self.tree.get(&q.path).ok_or(ZNONODE)?;
        acl::check(&n.acl, perms::ADMIN, auth)?;
        check_version(n.stat.aversion, q.version)?;
        let acl_ref = self.tree.intern_acl(&list);
        let stat = self
            .tree
            .set_acl(&q.path, acl_ref, &mut cx.journal)
            .ok_or(ZNONODE)?;
        let txn = Txn::SetAcl {
            path: q.path,
            acl: list,
        };
        Ok((Resp::Stat(stat), txn))
    }

    /// All or nothing. On failure the ops before the failing one answer 0,
    /// the failing one its error, the rest ZRUNTIMEINCONSISTENCY, and the
    /// reply header carries no error (as Apache's).
    fn multi(&mut self, cx: &mut WriteCtx, ops: Vec<MultiOp>) -> (Txn, Vec<u8>) {
        let count = ops.len();
        let mut results = Vec::with_capacity(count);
        let mut txns = Vec::with_capacity(count);
        let mut failed = None;
        for (i, o) in ops.into_iter().enumerate() {
            let opcode = o.opcode();
            let req = match o {
                MultiOp::Create(q) => Request::Create(q),
                MultiOp::Create2(q) => Request::Create2(q),
                MultiOp::CreateContainer(q) => Request::CreateContainer(q),
                MultiOp::CreateTtl(q) => Request::CreateTtl(q),
                MultiOp::Delete(q) => Request::Delete(q),
                MultiOp::SetData(q) => Request::SetData(q),
                MultiOp::Check(q) => Request::Check(q),
                MultiOp::GetData(_) | MultiOp::GetChildren(_) => {
                    failed = Some((i, ZMARSHALLINGERROR));
                    break;
                }
            };
            match self.apply(cx, req) {
                Ok((resp, txn)) => {
                    txns.push(txn);
                    results.push(match (opcode, resp) {
                        (op::DELETE, _) => MultiResult::Delete,
                        (op::CHECK, _) => MultiResult::Check,
                        // Apache answers a create2 inside a multi like a create.
                        (op::CREATE2, Resp::Create2(path, _)) | (_, Resp::Create(path)) => {
                            MultiResult::Create(CreateResponse { path })
                        }
                        (_, Resp::Create2(path, stat)) => {
                            MultiResult::Create2(Create2Response { path, stat })
                        }
                        (_, Resp::Stat(stat)) => MultiResult::SetData(SetDataResponse { stat }),
                        (_, Resp::Empty) => MultiResult::Check,
                    });
                }
                Err(e) => {
                    failed = Some((i, e));
                    break;
                }
            }
        }
        let txn = if let Some((at, err)) = failed {
            let journal = std::mem::take(&mut cx.journal);
            self.tree.rollback(journal);
            cx.changes.clear();
            results = (0..count)
                .map(|i| {
                    MultiResult::Error(match i.cmp(&at) {
                        std::cmp::Ordering::Less => ZOK,
                        std::cmp::Ordering::Equal => err,
                        std::cmp::Ordering::Greater => ZRUNTIMEINCONSISTENCY,
                    })
                })
                .collect();
            Txn::Multi(results.iter().map(|r| Txn::Error(r.err())).collect())
        } else {
            Txn::Multi(txns)
        };
        let mut b = Vec::new();
        encode_multi_results(&results, &mut b);
        (txn, b)
    }
}
