//! A snapshot taken a slice at a time while the tree keeps changing
//! (copy-on-write at node granularity). The walk visits nodes parents
//! first, children in name order; a node about to change after the
//! snapshot's zxid, before the walk has reached it, is kept as it was, and
//! the walk hands out that copy. So the nodes handed out are exactly the
//! tree at the zxid the capture began, however long the walk takes.
//!
//! A copy leaves out the node's children, which for a parent of very many
//! nodes would cost a copy of all their names at its first change. The
//! walk lists a node's children as they were from the live node instead:
//! a live child created after the capture began (its czxid is later) is
//! skipped, and a child since deleted comes from its copy, which the
//! deletion kept.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use zkrs_proto::path::{basename, parent};

use super::tree::Node;

#[derive(Debug, Default)]
pub struct Capture {
    /// The zxid the capture shows the tree at.
    zxid: i64,
    started: bool,
    /// The last path handed out (`/` once the root is).
    path: String,
    /// Per level below the current node: the length of `path` there and
    /// the names still to visit.
    stack: Vec<(usize, Names)>,
    /// Nodes as they were when the capture began (without their
    /// children), for those changed since and not yet handed out.
    before: HashMap<Box<str>, Node>,
    /// The names of the nodes in `before`, by parent path: those deleted
    /// since are no longer among their parent's live children.
    kept_children: HashMap<Box<str>, BTreeSet<Box<str>>>,
}

/// Paths ordered as the walk visits them: component by component, a
/// parent before its children.
fn walk_order(a: &str, b: &str) -> Ordering {
    fn parts(p: &str) -> impl Iterator<Item = &[u8]> {
        // The root has no components; "/a/b" has "a" and "b".
        p.strip_prefix('/')
            .filter(|rest| !rest.is_empty())
            .map(|rest| rest.split('/'))
            .into_iter()
            .flatten()
            .map(str::as_bytes)
    }
    parts(a).cmp(parts(b))
}

/// A node's child names as they were when the walk entered it, in order:
/// one string for all of them (names cannot hold `/`), not one allocation
/// per child, which counts for nodes with very many children.
#[derive(Debug)]
struct Names {
    joined: String,
    /// Where the next name starts; past the end once all were visited.
    at: usize,
}

impl Names {
    /// The names of `live` (a node's live children) and `kept` (children
    /// with copies kept), merged in order, each once.
    fn of(live: Option<&BTreeSet<Box<str>>>, kept: Option<&BTreeSet<Box<str>>>) -> Names {
        let mut joined = String::new();
        let mut push = |name: &str| {
            if !joined.is_empty() {
                joined.push('/');
            }
            joined.push_str(name);
        };
        let empty = BTreeSet::new();
        let mut a = live.unwrap_or(&empty).iter().peekable();
        let mut b = kept.unwrap_or(&empty).iter().peekable();
        loop {
            match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(x), None) => {
                    push(x);
                    a.next();
                }
                (None, Some(y)) => {
                    push(y);
                    b.next();
                }
                (Some(x), Some(y)) => match x.cmp(y) {
                    Ordering::Less => {
                        push(x);
                        a.next();
                    }
                    Ordering::Greater => {
                        push(y);
                        b.next();
                    }
                    Ordering::Equal => {
                        push(x);
                        a.next();
                        b.next();
                    }
                },
            }
        }
        Names { joined, at: 0 }
    }

    fn next(&mut self) -> Option<&str> {
        let rest = self.joined.get(self.at..).filter(|r| !r.is_empty())?;
        let len = rest.find('/').unwrap_or(rest.len());
        let name = &rest[..len];
        self.at += len + 1;
        Some(name)
    }
}

impl Capture {
    /// A capture of the tree as it is at `zxid`, the last applied.
    pub fn at(zxid: i64) -> Capture {
        Capture {
            zxid,
            ..Capture::default()
        }
    }

    /// Whether the walk has handed out `path` already.
    fn reached(&self, path: &str) -> bool {
        self.started && walk_order(path, &self.path) != Ordering::Greater
    }

    /// Called before `path` changes, with the node as it is now.
    pub fn before_change(&mut self, path: &str, node: Option<&Node>) {
        if self.reached(path) || (!self.before.is_empty() && self.before.contains_key(path)) {
            return;
        }
        let Some(n) = node else {
            return;
        };
        if n.stat.czxid > self.zxid {
            // Created since the capture began: not part of it.
            return;
        }
        let copy = Node {
            data: n.data.clone(),
            acl: n.acl.clone(),
            stat: n.stat.clone(),
            seq: n.seq,
            children: BTreeSet::new(),
        };
        self.before.insert(path.into(), copy);
        if path != "/" {
            self.kept_children
                .entry(parent(path).into())
                .or_default()
                .insert(basename(path).into());
        }
    }

    /// The names of the children `path` had when the capture began, and
    /// maybe some created since (skipped as they are visited).
    /// `live`: the node at `path` as it is now.
    fn children_of(&self, path: &str, live: Option<&Node>) -> Names {
        let kept = if self.kept_children.is_empty() {
            None
        } else {
            self.kept_children.get(path)
        };
        Names::of(live.map(|n| &n.children), kept)
    }

    /// The node at `path` as it was when the capture began, if it was.
    /// `live`: the node at `path` as it is now.
    fn as_it_was<'r>(&'r self, path: &str, live: Option<&'r Node>) -> Option<&'r Node> {
        // Most walks see no change: no copy to look for then.
        if !self.before.is_empty() {
            if let Some(n) = self.before.get(path) {
                return Some(n);
            }
        }
        live.filter(|n| n.stat.czxid <= self.zxid)
    }

    /// Hands out up to `budget` nodes; returns true once the walk is over.
    /// `live` gives a node as it is now. A node handed out may come without
    /// its children (its Stat counts them).
    pub fn step<'a>(
        &mut self,
        budget: usize,
        live: impl Fn(&str) -> Option<&'a Node>,
        mut f: impl FnMut(&str, &Node),
    ) -> bool {
        let mut handed = 0;
        if !self.started {
            self.started = true;
            self.path = "/".into();
            let now = live("/");
            let Some(root) = self.as_it_was("/", now) else {
                return true;
            };
            f("/", root);
            handed += 1;
            let names = self.children_of("/", now);
            self.stack.push((0, names));
        }
        while handed < budget {
            let Some((len, names)) = self.stack.last_mut() else {
                return true;
            };
            let len = *len;
            let Some(name) = names.next() else {
                self.stack.pop();
                continue;
            };
            self.path.truncate(len);
            self.path.push('/');
            self.path.push_str(name);
            // A listed child that is not there was created since (and
            // maybe deleted again): a deletion of an older one kept a copy.
            let now = live(&self.path);
            let Some(node) = self.as_it_was(&self.path, now) else {
                continue;
            };
            f(&self.path, node);
            handed += 1;
            if node.stat.num_children > 0 {
                let names = self.children_of(&self.path, now);
                self.stack.push((self.path.len(), names));
            }
        }
        self.stack.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_back_in_order_once_each() {
        let mut node = Node {
            data: None,
            acl: std::sync::Arc::new(Vec::new()),
            stat: Default::default(),
            seq: 0,
            children: Default::default(),
        };
        let mut names = Names::of(Some(&node.children), None);
        assert_eq!(names.next(), None);
        for c in ["b", "a", "c-1", "ä"] {
            node.children.insert(c.into());
        }
        let kept: BTreeSet<Box<str>> = ["0", "b", "bb", "zz"].map(Into::into).into();
        let all = |names: &mut Names| {
            let mut seen = Vec::new();
            while let Some(n) = names.next() {
                seen.push(n.to_string());
            }
            assert_eq!(names.next(), None);
            seen
        };
        assert_eq!(
            all(&mut Names::of(Some(&node.children), None)),
            ["a", "b", "c-1", "ä"]
        );
        assert_eq!(
            all(&mut Names::of(Some(&node.children), Some(&kept))),
            ["0", "a", "b", "bb", "c-1", "zz", "ä"]
        );
        assert_eq!(
            all(&mut Names::of(None, Some(&kept))),
            ["0", "b", "bb", "zz"]
        );
    }

    #[test]
    fn walk_order_is_parents_first_then_names() {
        let mut v = vec!["/a/b", "/a", "/", "/a-c", "/a/b/c", "/b", "/a/a"];
        v.sort_by(|a, b| walk_order(a, b));
        assert_eq!(v, ["/", "/a", "/a/a", "/a/b", "/a/b/c", "/a-c", "/b"]);
    }
}
