//! One table of watches (Apache keeps two: data/exist watches and child
//! watches), keyed by path then session, with the mode of each.

use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    /// One-shot: removed when it fires.
    Standard,
    Persistent,
    /// Persistent, and fires for every node below its path too.
    PersistentRecursive,
}

#[derive(Debug, Default)]
pub struct WatchTable {
    by_path: HashMap<String, HashMap<i64, WatchMode>>,
    by_session: HashMap<i64, HashSet<String>>,
    recursive: usize,
}

impl WatchTable {
    /// Adds or replaces a session's watch on a path; as in Apache, the last
    /// mode set wins.
    pub fn add(&mut self, path: &str, session: i64, mode: WatchMode) {
        // A watch set again (a client reading with watch=true, over and
        // over) copies no path: only a new one is stored.
        let old = match self.by_path.get_mut(path) {
            Some(sessions) => sessions.insert(session, mode),
            None => {
                self.by_path
                    .insert(path.to_string(), HashMap::from([(session, mode)]));
                None
            }
        };
        if old == Some(WatchMode::PersistentRecursive) {
            self.recursive -= 1;
        }
        if mode == WatchMode::PersistentRecursive {
            self.recursive += 1;
        }
        let paths = self.by_session.entry(session).or_default();
        if !paths.contains(path) {
            paths.insert(path.to_string());
        }
    }

    pub fn contains(&self, path: &str, session: i64) -> bool {
        self.by_path
            .get(path)
            .is_some_and(|m| m.contains_key(&session))
    }

    /// Removes a session's watch on a path; false when there was none.
    pub fn remove(&mut self, path: &str, session: i64) -> bool {
        let Some(m) = self.by_path.get_mut(path) else {
            return false;
        };
        let Some(mode) = m.remove(&session) else {
            return false;
        };
        if m.is_empty() {
            self.by_path.remove(path);
        }
        if mode == WatchMode::PersistentRecursive {
            self.recursive -= 1;
        }
        if let Some(s) = self.by_session.get_mut(&session) {
            s.remove(path);
            if s.is_empty() {
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

    /// The sessions a change at `path` notifies, each once; one-shot watches
    /// that fire are removed. Recursive watches on ancestors fire unless
    /// `children_changed` (Apache sends no child events to recursive watches).
    pub fn trigger(&mut self, path: &str, children_changed: bool) -> Vec<i64> {
        let mut fired = Vec::new();
        let mut seen = HashSet::new();
        let mut at = Some(path);
        let mut at_parent = false;
        while let Some(p) = at {
            if let Some(m) = self.by_path.get_mut(p) {
                let mut spent = Vec::new();
                for (&session, &mode) in m.iter() {
                    let fires = match mode {
                        WatchMode::PersistentRecursive => !children_changed,
                        _ => !at_parent,
                    };
                    if fires && seen.insert(session) {
                        fired.push(session);
                    }
                    if fires && mode == WatchMode::Standard {
                        spent.push(session);
                    }
                }
                for s in spent {
                    m.remove(&s);
                    if let Some(paths) = self.by_session.get_mut(&s) {
                        paths.remove(p);
                        if paths.is_empty() {
                            self.by_session.remove(&s);
                        }
                    }
                }
                if m.is_empty() {
                    self.by_path.remove(p);
                }
            }
            // Ancestors matter only while some recursive watch exists.
            if self.recursive == 0 || p == "/" {
                break;
            }
            at = Some(zkrs_proto::path::parent(p));
            at_parent = true;
        }
        fired.sort_unstable();
        fired
    }

    /// Number of (path, session) watch entries.
    pub fn len(&self) -> usize {
        self.by_path.values().map(|m| m.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    pub fn paths_by_session(&self) -> BTreeMap<i64, Vec<String>> {
        self.by_session
            .iter()
            .map(|(s, p)| {
                let mut v: Vec<String> = p.iter().cloned().collect();
                v.sort();
                (*s, v)
            })
            .collect()
    }

    pub fn sessions_by_path(&self) -> BTreeMap<String, Vec<i64>> {
        self.by_path
            .iter()
            .map(|(p, m)| {
                let mut v: Vec<i64> = m.keys().copied().collect();
                v.sort_unstable();
                (p.clone(), v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shot_fires_once() {
        let mut t = WatchTable::default();
        t.add("/a", 1, WatchMode::Standard);
        t.add("/a", 2, WatchMode::Persistent);
        assert_eq!(t.trigger("/a", false), vec![1, 2]);
        assert_eq!(t.trigger("/a", false), vec![2]);
        assert_eq!(t.len(), 1);
        assert_eq!(t.trigger("/b", false), Vec::<i64>::new());
    }

    #[test]
    fn recursive_fires_for_descendants_but_not_child_events() {
        let mut t = WatchTable::default();
        t.add("/a", 1, WatchMode::PersistentRecursive);
        t.add("/a", 2, WatchMode::Standard);
        assert_eq!(t.trigger("/a/b/c", false), vec![1]);
        assert_eq!(t.trigger("/a/b", true), Vec::<i64>::new());
        assert_eq!(t.trigger("/a", false), vec![1, 2]);
        assert!(t.contains("/a", 1));
        assert!(!t.contains("/a", 2));
    }

    #[test]
    fn last_mode_wins_and_sessions_are_dropped() {
        let mut t = WatchTable::default();
        t.add("/a", 1, WatchMode::PersistentRecursive);
        t.add("/a", 1, WatchMode::Standard);
        assert_eq!(t.trigger("/a/x", false), Vec::<i64>::new());
        t.add("/b", 1, WatchMode::Standard);
        t.add("/b", 3, WatchMode::Standard);
        t.remove_session(1);
        assert_eq!(t.sessions_by_path().get("/b"), Some(&vec![3]));
        assert!(!t.paths_by_session().contains_key(&1));
        assert!(t.remove("/b", 3));
        assert!(!t.remove("/b", 3));
        assert!(t.is_empty());
    }
}
