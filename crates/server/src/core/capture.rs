//! A snapshot taken a slice at a time while the tree keeps changing
//! (copy-on-write at node granularity). The walk visits nodes parents
//! first, children in name order; a node about to change after the
//! snapshot's zxid, before the walk has reached it, is kept as it was, and
//! the walk hands out that copy. So the nodes handed out are exactly the
//! tree at the zxid the capture began, however long the walk takes.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::tree::Node;

#[derive(Debug, Default)]
pub struct Capture {
    started: bool,
    /// The last path handed out (`/` once the root is).
    path: String,
    /// Per level below the current node: the length of `path` there and
    /// the names still to visit, last first.
    stack: Vec<(usize, Vec<Box<str>>)>,
    /// Nodes as they were when the capture began, for those changed since
    /// and not yet handed out.
    before: HashMap<Box<str>, Node>,
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

fn names_last_first(node: &Node) -> Vec<Box<str>> {
    node.children.iter().rev().cloned().collect()
}

impl Capture {
    /// Whether the walk has handed out `path` already.
    fn reached(&self, path: &str) -> bool {
        self.started && walk_order(path, &self.path) != Ordering::Greater
    }

    /// Called before `path` changes, with the node as it is now.
    pub fn before_change(&mut self, path: &str, node: Option<&Node>) {
        if self.reached(path) || self.before.contains_key(path) {
            return;
        }
        if let Some(n) = node {
            self.before.insert(path.into(), n.clone());
        }
    }

    /// Hands out up to `budget` nodes; returns true once the walk is over.
    /// `live` gives a node as it is now.
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
            let root = self.before.get("/").or_else(|| live("/"));
            let Some(root) = root else {
                return true;
            };
            f("/", root);
            handed += 1;
            let names = names_last_first(root);
            self.stack.push((0, names));
        }
        while handed < budget {
            let Some((len, names)) = self.stack.last_mut() else {
                return true;
            };
            let len = *len;
            let Some(name) = names.pop() else {
                self.stack.pop();
                continue;
            };
            self.path.truncate(len);
            self.path.push('/');
            self.path.push_str(&name);
            let node = match self.before.get(self.path.as_str()) {
                Some(n) => Some(n),
                None => live(&self.path),
            };
            // A listed child is always there: removing it would have kept
            // a copy first.
            let Some(node) = node else {
                continue;
            };
            f(&self.path, node);
            handed += 1;
            if !node.children.is_empty() {
                let names = names_last_first(node);
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
    fn walk_order_is_parents_first_then_names() {
        let mut v = vec!["/a/b", "/a", "/", "/a-c", "/a/b/c", "/b", "/a/a"];
        v.sort_by(|a, b| walk_order(a, b));
        assert_eq!(v, ["/", "/a", "/a/a", "/a/b", "/a/b/c", "/a-c", "/b"]);
    }
}
