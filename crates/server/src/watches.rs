//! Watch tables in the manner of Apache's WatchManager: one table for data
//! and exist watches, one for child watches. A session holds at most one
//! mode per path per table (a later registration replaces the mode, as in
//! ZooKeeper 3.8), and each trigger notifies a session at most once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use zkrs_proto::path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    /// One-shot (getData/exists/getChildren with watch=true).
    Standard,
    Persistent,
    PersistentRecursive,
}

#[derive(Debug, Default)]
pub struct WatchTable {
    by_path: HashMap<String, BTreeMap<i64, WatchMode>>,
    by_session: HashMap<i64, BTreeSet<String>>,
    recursive: usize,
}

impl WatchTable {
    pub fn add(&mut self, path: &str, session: i64, mode: WatchMode) {
        let entry = self.by_path.entry(path.to_string()).or_default();
        if let Some(old) = entry.insert(session, mode) {
            if old == WatchMode::PersistentRecursive {
                self.recursive -= 1;
            }
        }
        if mode == WatchMode::PersistentRecursive {
            self.recursive += 1;
        }
        self.by_session
            .entry(session)
            .or_default()
            .insert(path.to_string());
    }

    pub fn contains(&self, path: &str, session: i64) -> bool {
        self.by_path
            .get(path)
            .is_some_and(|m| m.contains_key(&session))
    }

    pub fn remove(&mut self, path: &str, session: i64) -> bool {
        let Some(m) = self.by_path.get_mut(path) else {
            return false;
        };
        let Some(mode) = m.remove(&session) else {
            return false;
        };
        if mode == WatchMode::PersistentRecursive {
            self.recursive -= 1;
        }
        if m.is_empty() {
            self.by_path.remove(path);
        }
        if let Some(paths) = self.by_session.get_mut(&session) {
            paths.remove(path);
            if paths.is_empty() {
                self.by_session.remove(&session);
            }
        }
        true
    }

    pub fn remove_session(&mut self, session: i64) {
        if let Some(paths) = self.by_session.remove(&session) {
            for p in paths {
                if let Some(m) = self.by_path.get_mut(&p) {
                    if m.remove(&session) == Some(WatchMode::PersistentRecursive) {
                        self.recursive -= 1;
                    }
                    if m.is_empty() {
                        self.by_path.remove(&p);
                    }
                }
            }
        }
    }

    /// The sessions an event on `path` notifies, one-shot watches consumed.
    /// Recursive watches on the path or an ancestor see every event except
    /// NodeChildrenChanged; other watches only fire on their own path.
    pub fn trigger(&mut self, changed: &str, children_event: bool) -> BTreeSet<i64> {
        let mut hit = BTreeSet::new();
        let mut current = changed.to_string();
        let mut at_parent = false;
        loop {
            let mut consumed = Vec::new();
            if let Some(m) = self.by_path.get(&current) {
                for (&session, &mode) in m {
                    if mode == WatchMode::PersistentRecursive {
                        if !children_event {
                            hit.insert(session);
                        }
                    } else if !at_parent {
                        hit.insert(session);
                        if mode == WatchMode::Standard {
                            consumed.push(session);
                        }
                    }
                }
            }
            for s in consumed {
                self.remove(&current, s);
            }
            if self.recursive == 0 || current == "/" {
                break;
            }
            current = path::parent(&current).to_string();
            at_parent = true;
        }
        hit
    }

    pub fn paths_of(&self, session: i64) -> Vec<String> {
        self.by_session
            .get(&session)
            .map(|p| p.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn sessions_of(&self, path: &str) -> Vec<i64> {
        self.by_path
            .get(path)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    }

    pub fn watch_count(&self) -> usize {
        self.by_path.values().map(|m| m.len()).sum()
    }

    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.by_path.keys()
    }

    pub fn sessions(&self) -> impl Iterator<Item = &i64> {
        self.by_session.keys()
    }
}

/// Both tables, with the trigger rules of Apache's DataTree.
#[derive(Debug, Default)]
pub struct Watches {
    pub data: WatchTable,
    pub child: WatchTable,
}

/// A notification to deliver: session, event type, path.
pub type Event = (i64, i32, String);

impl Watches {
    /// Events for a created node: NodeCreated to data/exist (and recursive)
    /// watchers of the path, NodeChildrenChanged to child watchers of the
    /// parent.
    pub fn node_created(&mut self, p: &str, out: &mut Vec<Event>) {
        use zkrs_proto::consts::event_type::*;
        for s in self.data.trigger(p, false) {
            out.push((s, NODE_CREATED, p.to_string()));
        }
        let parent = path::parent(p);
        for s in self.child.trigger(parent, true) {
            out.push((s, NODE_CHILDREN_CHANGED, parent.to_string()));
        }
    }

    /// NodeDeleted once per session (data and child watchers of the path),
    /// then NodeChildrenChanged to the parent's child watchers.
    pub fn node_deleted(&mut self, p: &str, out: &mut Vec<Event>) {
        use zkrs_proto::consts::event_type::*;
        let data = self.data.trigger(p, false);
        let child = self.child.trigger(p, false);
        for s in data.iter().chain(child.difference(&data)) {
            out.push((*s, NODE_DELETED, p.to_string()));
        }
        let parent = path::parent(p);
        for s in self.child.trigger(parent, true) {
            out.push((s, NODE_CHILDREN_CHANGED, parent.to_string()));
        }
    }

    pub fn data_changed(&mut self, p: &str, out: &mut Vec<Event>) {
        use zkrs_proto::consts::event_type::*;
        for s in self.data.trigger(p, false) {
            out.push((s, NODE_DATA_CHANGED, p.to_string()));
        }
    }

    /// addWatch: persistent watches go to both tables, recursive ones only
    /// to the data table (they never see child events).
    pub fn add_persistent(&mut self, p: &str, session: i64, recursive: bool) {
        if recursive {
            self.data.add(p, session, WatchMode::PersistentRecursive);
        } else {
            self.data.add(p, session, WatchMode::Persistent);
            self.child.add(p, session, WatchMode::Persistent);
        }
    }

    pub fn remove_session(&mut self, session: i64) {
        self.data.remove_session(session);
        self.child.remove_session(session);
    }

    pub fn total(&self) -> usize {
        self.data.watch_count() + self.child.watch_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkrs_proto::consts::event_type::*;

    #[test]
    fn one_shot_watches_fire_once() {
        let mut w = Watches::default();
        w.data.add("/a", 1, WatchMode::Standard);
        let mut ev = Vec::new();
        w.data_changed("/a", &mut ev);
        w.data_changed("/a", &mut ev);
        assert_eq!(ev, vec![(1, NODE_DATA_CHANGED, "/a".to_string())]);
        assert_eq!(w.total(), 0);
    }

    #[test]
    fn delete_notifies_each_session_once() {
        let mut w = Watches::default();
        w.data.add("/a", 1, WatchMode::Standard);
        w.child.add("/a", 1, WatchMode::Standard);
        w.child.add("/a", 2, WatchMode::Standard);
        w.child.add("/", 3, WatchMode::Standard);
        let mut ev = Vec::new();
        w.node_deleted("/a", &mut ev);
        assert_eq!(
            ev,
            vec![
                (1, NODE_DELETED, "/a".to_string()),
                (2, NODE_DELETED, "/a".to_string()),
                (3, NODE_CHILDREN_CHANGED, "/".to_string())
            ]
        );
        assert_eq!(w.total(), 0);
    }

    #[test]
    fn persistent_and_recursive() {
        let mut w = Watches::default();
        w.add_persistent("/p", 1, false);
        w.add_persistent("/r", 2, true);
        let mut ev = Vec::new();
        w.node_created("/p/c", &mut ev);
        w.node_created("/r/c/d", &mut ev);
        w.data_changed("/p", &mut ev);
        w.data_changed("/p", &mut ev);
        assert_eq!(
            ev,
            vec![
                (1, NODE_CHILDREN_CHANGED, "/p".to_string()),
                (2, NODE_CREATED, "/r/c/d".to_string()),
                (1, NODE_DATA_CHANGED, "/p".to_string()),
                (1, NODE_DATA_CHANGED, "/p".to_string())
            ]
        );
        // A recursive watch sees no child events for its own path.
        ev.clear();
        w.node_created("/r/x", &mut ev);
        assert_eq!(ev, vec![(2, NODE_CREATED, "/r/x".to_string())]);
        assert_eq!(w.total(), 3);
        w.remove_session(1);
        w.remove_session(2);
        assert_eq!(w.total(), 0);
    }

    #[test]
    fn later_one_shot_replaces_persistent_mode() {
        // ZooKeeper 3.8 keeps one mode per session and path.
        let mut w = Watches::default();
        w.add_persistent("/p", 1, false);
        w.data.add("/p", 1, WatchMode::Standard);
        let mut ev = Vec::new();
        w.data_changed("/p", &mut ev);
        w.data_changed("/p", &mut ev);
        assert_eq!(ev.len(), 1);
    }
}
