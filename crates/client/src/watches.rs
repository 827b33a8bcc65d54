//! The client's watch tables, keyed by server path, as Apache keeps them:
//! data watches (get, exists on an existing node), exist watches (exists on
//! a missing node) and child watches. Each path holds a set of watchers,
//! one per [`WatcherId`].

use std::collections::HashMap;

use zkrs_proto::consts::{event_type, watcher_type};
use zkrs_proto::errors::{ZNONODE, ZOK};

use crate::ops::{WatchKind, WatchRegistration};
use crate::types::{Watcher, WatcherId};

type Table = HashMap<String, Vec<Watcher>>;

#[derive(Debug, Default)]
pub struct WatchTables {
    data: Table,
    exist: Table,
    child: Table,
}

fn insert(table: &mut Table, path: &str, w: Watcher) {
    let list = table.entry(path.to_string()).or_default();
    if !list.iter().any(|x| x.id() == w.id()) {
        list.push(w);
    }
}

fn add_unique(out: &mut Vec<Watcher>, w: Watcher) {
    if !out.iter().any(|x| x.id() == w.id()) {
        out.push(w);
    }
}

fn take(table: &mut Table, path: &str, out: &mut Vec<Watcher>) {
    if let Some(list) = table.remove(path) {
        for w in list {
            add_unique(out, w);
        }
    }
}

/// Whether `table` has `watcher` at `path`; no watcher means any, even
/// none at all (Apache's `containsWatcher`).
fn contains(table: &Table, path: &str, watcher: Option<WatcherId>) -> bool {
    match watcher {
        None => true,
        Some(id) => table
            .get(path)
            .is_some_and(|l| l.iter().any(|w| w.id() == id)),
    }
}

fn remove(table: &mut Table, path: &str, watcher: Option<WatcherId>) {
    match watcher {
        None => {
            table.remove(path);
        }
        Some(id) => {
            if let Some(list) = table.get_mut(path) {
                list.retain(|w| w.id() != id);
                if list.is_empty() {
                    table.remove(path);
                }
            }
        }
    }
}

impl WatchTables {
    /// Adds a read's watcher once its reply has come back with `rc`.
    pub fn activate(&mut self, reg: &WatchRegistration, rc: i32) {
        let table = match (reg.kind, rc) {
            (WatchKind::Data, ZOK) | (WatchKind::Exists, ZOK) => &mut self.data,
            (WatchKind::Exists, ZNONODE) => &mut self.exist,
            (WatchKind::Child, ZOK) => &mut self.child,
            _ => return,
        };
        insert(table, &reg.path, reg.watcher.clone());
    }

    /// Removes and returns the watchers a node event at `path` triggers.
    pub fn take_for_event(&mut self, event: i32, path: &str) -> Vec<Watcher> {
        let mut out = Vec::new();
        match event {
            event_type::NODE_CREATED | event_type::NODE_DATA_CHANGED => {
                take(&mut self.data, path, &mut out);
                take(&mut self.exist, path, &mut out);
            }
            event_type::NODE_CHILDREN_CHANGED => take(&mut self.child, path, &mut out),
            event_type::NODE_DELETED => {
                take(&mut self.data, path, &mut out);
                take(&mut self.exist, path, &mut out);
                take(&mut self.child, path, &mut out);
            }
            _ => {}
        }
        out
    }

    /// Every registered watcher once, for session events (they stay registered).
    pub fn all(&self) -> Vec<Watcher> {
        let mut out = Vec::new();
        for t in [&self.data, &self.exist, &self.child] {
            for list in t.values() {
                for w in list {
                    add_unique(&mut out, w.clone());
                }
            }
        }
        out
    }

    /// `pathHasWatcher`.
    pub fn has(&self, path: &str, wtype: i32, watcher: Option<WatcherId>) -> bool {
        match wtype {
            watcher_type::CHILDREN => contains(&self.child, path, watcher),
            watcher_type::DATA => {
                contains(&self.data, path, watcher) || contains(&self.exist, path, watcher)
            }
            watcher_type::ANY => {
                contains(&self.child, path, watcher)
                    || contains(&self.data, path, watcher)
                    || contains(&self.exist, path, watcher)
            }
            _ => false,
        }
    }

    /// `removeWatchers`: drops `watcher` (or all watchers) of `wtype` at `path`.
    pub fn remove(&mut self, path: &str, wtype: i32, watcher: Option<WatcherId>) {
        if wtype == watcher_type::CHILDREN || wtype == watcher_type::ANY {
            remove(&mut self.child, path, watcher);
        }
        if wtype == watcher_type::DATA || wtype == watcher_type::ANY {
            remove(&mut self.data, path, watcher);
            remove(&mut self.exist, path, watcher);
        }
    }

    /// The paths to re-register after a reconnect: (data, exist, child).
    pub fn paths(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let keys = |t: &Table| {
            let mut v: Vec<String> = t.keys().cloned().collect();
            v.sort();
            v
        };
        (keys(&self.data), keys(&self.exist), keys(&self.child))
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty() && self.exist.is_empty() && self.child.is_empty()
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.exist.clear();
        self.child.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(n: usize) -> Watcher {
        Watcher::new(WatcherId(n, 0), |_| {})
    }

    fn reg(kind: WatchKind, path: &str, watcher: Watcher) -> WatchRegistration {
        WatchRegistration {
            kind,
            path: path.into(),
            watcher,
        }
    }

    fn ids(v: &[Watcher]) -> Vec<usize> {
        let mut v: Vec<usize> = v.iter().map(|w| w.id().0).collect();
        v.sort();
        v
    }

    #[test]
    fn registration_depends_on_result() {
        let mut t = WatchTables::default();
        t.activate(&reg(WatchKind::Data, "/a", w(1)), ZNONODE);
        assert!(t.is_empty());
        t.activate(&reg(WatchKind::Exists, "/a", w(1)), ZNONODE);
        t.activate(&reg(WatchKind::Exists, "/b", w(2)), ZOK);
        t.activate(&reg(WatchKind::Child, "/b", w(3)), ZOK);
        t.activate(&reg(WatchKind::Child, "/b", w(3)), ZOK);
        assert_eq!(
            t.paths(),
            (vec!["/b".into()], vec!["/a".into()], vec!["/b".into()])
        );
        assert_eq!(ids(&t.all()), vec![1, 2, 3]);
        assert_eq!(
            ids(&t.take_for_event(event_type::NODE_CREATED, "/a")),
            vec![1]
        );
        assert_eq!(
            ids(&t.take_for_event(event_type::NODE_CREATED, "/a")),
            Vec::<usize>::new()
        );
        assert_eq!(
            ids(&t.take_for_event(event_type::NODE_DELETED, "/b")),
            vec![2, 3]
        );
        assert!(t.is_empty());
    }

    #[test]
    fn one_call_per_watcher_identity() {
        let mut t = WatchTables::default();
        t.activate(&reg(WatchKind::Data, "/a", w(1)), ZOK);
        t.activate(&reg(WatchKind::Exists, "/a", w(1)), ZNONODE);
        t.activate(&reg(WatchKind::Child, "/a", w(1)), ZOK);
        assert_eq!(
            ids(&t.take_for_event(event_type::NODE_DELETED, "/a")),
            vec![1]
        );
    }

    #[test]
    fn removal_follows_apache() {
        let mut t = WatchTables::default();
        t.activate(&reg(WatchKind::Data, "/a", w(1)), ZOK);
        t.activate(&reg(WatchKind::Child, "/a", w(2)), ZOK);
        assert!(t.has("/a", watcher_type::DATA, Some(WatcherId(1, 0))));
        assert!(!t.has("/a", watcher_type::DATA, Some(WatcherId(2, 0))));
        assert!(t.has("/zzz", watcher_type::ANY, None));
        t.remove("/a", watcher_type::DATA, Some(WatcherId(2, 0)));
        assert_eq!(ids(&t.all()), vec![1, 2]);
        t.remove("/a", watcher_type::CHILDREN, None);
        assert_eq!(ids(&t.all()), vec![1]);
        t.remove("/a", watcher_type::ANY, Some(WatcherId(1, 0)));
        assert!(t.is_empty());
    }
}
