//! The data tree: znodes by path, their Stat bookkeeping, ephemerals per
//! session, containers and TTL nodes, with an undo journal so that a multi
//! can be rolled back.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use zkrs_proto::path::{basename, parent};

use super::capture::Capture;
use super::child_name::ChildName;
use super::node_table::NodeTable;
use zkrs_proto::records::{Acl, Id, Stat};

/// `ephemeralOwner` of container nodes (Apache's `EphemeralType.CONTAINER`).
pub const CONTAINER_OWNER: i64 = i64::MIN;
/// High byte marking a TTL node's `ephemeralOwner` (extended types enabled).
const TTL_MARK: i64 = 0xFF00_0000_0000_0000u64 as i64;
/// Bits of a TTL owner that hold the extended-type code (0 = TTL).
const TTL_TYPE_BITS: i64 = 0x00FF_FF00_0000_0000;
/// The largest TTL Apache accepts (40 bits of milliseconds).
pub const MAX_TTL: i64 = 0x0000_00FF_FFFF_FFFF;

/// What kind of node an `ephemeralOwner` value denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Persistent,
    Ephemeral(i64),
    Container,
    Ttl(i64),
}

impl NodeKind {
    pub fn from_owner(owner: i64) -> NodeKind {
        if owner == 0 {
            NodeKind::Persistent
        } else if owner == CONTAINER_OWNER {
            NodeKind::Container
        } else if owner & TTL_MARK == TTL_MARK && owner & TTL_TYPE_BITS == 0 {
            NodeKind::Ttl(owner & MAX_TTL)
        } else {
            NodeKind::Ephemeral(owner)
        }
    }

    pub fn owner(self) -> i64 {
        match self {
            NodeKind::Persistent => 0,
            NodeKind::Ephemeral(s) => s,
            NodeKind::Container => CONTAINER_OWNER,
            NodeKind::Ttl(ttl) => TTL_MARK | (ttl & MAX_TTL),
        }
    }
}

/// An ACL list shared by all nodes that carry the same one.
pub type AclList = Arc<Vec<Acl>>;

#[derive(Debug, Clone)]
pub struct Node {
    /// Boxed: no spare capacity, and 8 bytes less than a `Vec` per node.
    pub data: Option<Box<[u8]>>,
    pub acl: AclList,
    /// Stored with `data_length` and `num_children` kept current, and with
    /// the owner as Apache encodes the node's kind (container and TTL
    /// markers included); clients get [`Node::client_stat`].
    pub stat: Stat,
    /// The base of sequential suffixes: Apache counts child creations for it,
    /// while `cversion` also counts deletions.
    pub seq: i32,
    /// Short names are held inline (see child_name.rs).
    pub children: BTreeSet<ChildName>,
    /// The number of the last snapshot capture that handed this node out
    /// or kept it as it was (0: none).
    pub captured: u32,
}

impl Node {
    fn new(data: Option<Vec<u8>>, acl: AclList, stat: Stat) -> Node {
        Node {
            data: data.map(Vec::into_boxed_slice),
            acl,
            stat,
            seq: 0,
            children: BTreeSet::new(),
            captured: 0,
        }
    }

    /// The node's kind as Apache encodes it in the owner field.
    pub fn owner(&self) -> i64 {
        self.stat.ephemeral_owner
    }

    /// The Stat clients see: the owner only for real ephemerals (0 for
    /// containers and TTL nodes), as Apache shows it.
    pub fn client_stat(&self) -> Stat {
        let mut st = self.stat.clone();
        if !matches!(
            NodeKind::from_owner(st.ephemeral_owner),
            NodeKind::Ephemeral(_)
        ) {
            st.ephemeral_owner = 0;
        }
        st
    }
}

/// How to undo one change, for rolling back a failed multi.
#[derive(Debug)]
pub enum Undo {
    Created {
        path: String,
        parent_stat: Stat,
        parent_seq: i32,
    },
    Deleted {
        path: String,
        node: Node,
        parent_stat: Stat,
        parent_seq: i32,
    },
    Changed {
        path: String,
        data: Option<Box<[u8]>>,
        acl: AclList,
        stat: Stat,
    },
}

/// Interns ACL lists so that equal lists share one allocation.
#[derive(Debug, Default)]
struct AclCache {
    lists: HashMap<Vec<Acl>, AclList>,
}

impl AclCache {
    /// Copies `acl` only when no equal list is known yet.
    fn intern(&mut self, acl: &[Acl]) -> AclList {
        if let Some(l) = self.lists.get(acl) {
            return l.clone();
        }
        if self.lists.len() >= 1024 {
            // Forget lists no node uses any more.
            self.lists.retain(|_, l| Arc::strong_count(l) > 1);
        }
        let l = Arc::new(acl.to_vec());
        self.lists.insert(acl.to_vec(), l.clone());
        l
    }
}

pub fn world_acl(perms: i32) -> Vec<Acl> {
    vec![Acl {
        perms,
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }]
}

#[derive(Debug)]
pub struct DataTree {
    // Nodes are boxed so that the spare capacity of the table costs a
    // pointer per slot rather than a whole node.
    nodes: NodeTable,
    ephemerals: HashMap<i64, BTreeSet<String>>,
    containers: BTreeSet<String>,
    ttls: BTreeSet<String>,
    acl_cache: AclCache,
    /// Sum of path lengths and data lengths, as Apache's approximate data size.
    data_size: usize,
    /// A snapshot being taken a slice at a time.
    capture: Option<Capture>,
    /// The number of the last capture begun.
    captures: u32,
    /// The names of restored nodes, by parent path, until
    /// `finish_restore` links them: see there.
    unlinked: HashMap<Box<str>, Vec<ChildName>>,
}

impl Default for DataTree {
    fn default() -> Self {
        Self::new()
    }
}

pub const ZOOKEEPER: &str = "/zookeeper";
pub const QUOTA: &str = "/zookeeper/quota";
pub const CONFIG: &str = "/zookeeper/config";

/// The paths nobody may delete.
pub fn is_special(path: &str) -> bool {
    matches!(path, "/" | ZOOKEEPER | QUOTA | CONFIG)
}

impl DataTree {
    /// A tree with `/`, `/zookeeper`, `/zookeeper/quota` and
    /// `/zookeeper/config`, with the Stat values a fresh Apache server shows.
    pub fn new() -> DataTree {
        let mut t = DataTree::empty();
        let open = t.acl_cache.intern(&world_acl(31));
        let read = t.acl_cache.intern(&world_acl(1));
        let empty = || Some(Vec::new());
        let add = |t: &mut DataTree, path: &str, acl: &AclList, children: &[&str]| {
            let mut n = Node::new(empty(), acl.clone(), Stat::default());
            for c in children {
                n.children.insert(ChildName::from(*c));
            }
            n.stat.num_children = children.len() as i32;
            // Apache's fresh tree reports minus the number of built-in children.
            n.stat.cversion = -(children.len() as i32);
            t.data_size += path.len();
            t.nodes.insert(path.into(), Box::new(n));
        };
        add(&mut t, "/", &open, &["zookeeper"]);
        add(&mut t, ZOOKEEPER, &open, &["quota", "config"]);
        add(&mut t, QUOTA, &open, &[]);
        add(&mut t, CONFIG, &read, &[]);
        // Apache sets this ACL with version -1, which lands in aversion.
        if let Some(n) = t.nodes.get_mut(CONFIG) {
            n.stat.aversion = -1;
        }
        t
    }

    /// A tree without even a root, to be filled by [`DataTree::restore`].
    pub fn empty() -> DataTree {
        DataTree {
            nodes: NodeTable::default(),
            ephemerals: HashMap::new(),
            containers: BTreeSet::new(),
            ttls: BTreeSet::new(),
            acl_cache: AclCache::default(),
            data_size: 0,
            capture: None,
            captures: 0,
            unlinked: HashMap::new(),
        }
    }

    /// Puts back a node as a snapshot recorded it, its stat as stored. The
    /// node starts childless; nodes come in any order, and
    /// [`DataTree::finish_restore`] links them to their parents.
    pub fn restore(
        &mut self,
        path: &str,
        data: Option<&[u8]>,
        acl: AclList,
        stat: Stat,
        seq: i32,
    ) -> Result<(), String> {
        let owner = stat.ephemeral_owner;
        let mut node = Node::new(data.map(<[u8]>::to_vec), acl, stat);
        node.seq = seq;
        if !self.nodes.insert_new(path.into(), Box::new(node)) {
            return Err(format!("node {path} appears twice"));
        }
        if path != "/" {
            let name = ChildName::from(basename(path));
            match self.unlinked.get_mut(parent(path)) {
                Some(names) => names.push(name),
                None => {
                    self.unlinked.insert(parent(path).into(), vec![name]);
                }
            }
        }
        self.data_size += path.len() + data.map_or(0, |d| d.len());
        self.register(path, owner);
        Ok(())
    }

    /// Links the restored nodes to their parents; an error names one whose
    /// parent never came.
    ///
    /// A snapshot lists nodes in no order, so placing each name in its
    /// parent's set as it came meant a search through a set nowhere in the
    /// cache, over and over: a quarter of a million-node restart. Sorted
    /// per parent first, each set is built whole from its names in order.
    pub fn finish_restore(&mut self) -> Result<(), String> {
        for (parent, mut names) in std::mem::take(&mut self.unlinked) {
            let Some(node) = self.nodes.get_mut(&parent) else {
                let sep = if &*parent == "/" { "" } else { "/" };
                return Err(format!("node {parent}{sep}{} has no parent", names[0]));
            };
            names.sort_unstable();
            if node.children.is_empty() {
                node.children = names.into_iter().collect();
            } else {
                node.children.extend(names);
            }
        }
        Ok(())
    }

    /// Starts a snapshot of the tree as it is now, handed out a slice at a
    /// time by `capture_step` while the tree goes on changing.
    pub fn begin_capture(&mut self) {
        // 0 marks nodes no capture has seen.
        self.captures = self.captures.wrapping_add(1).max(1);
        self.capture = Some(Capture::new(self.captures));
    }

    pub fn capturing(&self) -> bool {
        self.capture.is_some()
    }

    /// Hands about `budget` nodes of the capture to `f`, in no particular
    /// order; returns true when the capture is complete (or none was begun).
    pub fn capture_step(&mut self, budget: usize, f: impl FnMut(&str, &Node)) -> bool {
        let Some(mut c) = self.capture.take() else {
            return true;
        };
        let done = c.step(budget, &mut self.nodes, f);
        if !done {
            self.capture = Some(c);
        }
        done
    }

    /// The node at `path`, about to change: a capture under way keeps it
    /// as it was. One lookup for both.
    fn changing(&mut self, path: &str) -> Option<&mut Node> {
        let n = self.nodes.get_mut(path)?;
        if let Some(c) = self.capture.as_mut() {
            c.before_change(path, n);
        }
        Some(n)
    }

    /// Before `path` changes: a capture under way keeps it as it was.
    fn keep_before(&mut self, path: &str) {
        if let Some(c) = self.capture.as_mut() {
            if let Some(n) = self.nodes.get_mut(path) {
                c.before_change(path, n);
            }
        }
    }

    /// Room for `nodes` more nodes, so that a large restore hashes each
    /// path once instead of again at every growth.
    pub fn reserve(&mut self, nodes: usize) {
        self.nodes.reserve(nodes);
    }

    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn approximate_data_size(&self) -> usize {
        self.data_size
    }

    pub fn intern_acl(&mut self, acl: &[Acl]) -> AclList {
        self.acl_cache.intern(acl)
    }

    /// The paths of a session's ephemeral nodes, sorted.
    pub fn ephemerals_of(&self, session: i64) -> Vec<String> {
        self.ephemerals
            .get(&session)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn ephemerals(&self) -> BTreeMap<i64, Vec<String>> {
        self.ephemerals
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(k, s)| (*k, s.iter().cloned().collect()))
            .collect()
    }

    pub fn ephemeral_count(&self) -> usize {
        self.ephemerals.values().map(|s| s.len()).sum()
    }

    pub fn containers(&self) -> impl Iterator<Item = &String> {
        self.containers.iter()
    }

    pub fn ttls(&self) -> impl Iterator<Item = &String> {
        self.ttls.iter()
    }

    /// Number of descendants of `path` (for `/`: every node but the root).
    pub fn descendant_count(&self, path: &str) -> usize {
        if path == "/" {
            return self.nodes.len() - 1;
        }
        let mut count = 0;
        let mut stack = vec![path.to_string()];
        while let Some(p) = stack.pop() {
            if let Some(n) = self.nodes.get(p.as_str()) {
                for c in &n.children {
                    count += 1;
                    stack.push(format!("{p}/{c}"));
                }
            }
        }
        count
    }

    fn register(&mut self, path: &str, owner: i64) {
        match NodeKind::from_owner(owner) {
            NodeKind::Persistent => {}
            NodeKind::Ephemeral(s) => {
                self.ephemerals
                    .entry(s)
                    .or_default()
                    .insert(path.to_string());
            }
            NodeKind::Container => {
                self.containers.insert(path.to_string());
            }
            NodeKind::Ttl(_) => {
                self.ttls.insert(path.to_string());
            }
        }
    }

    fn unregister(&mut self, path: &str, owner: i64) {
        match NodeKind::from_owner(owner) {
            NodeKind::Persistent => {}
            NodeKind::Ephemeral(s) => {
                if let Some(set) = self.ephemerals.get_mut(&s) {
                    set.remove(path);
                    if set.is_empty() {
                        self.ephemerals.remove(&s);
                    }
                }
            }
            NodeKind::Container => {
                self.containers.remove(path);
            }
            NodeKind::Ttl(_) => {
                self.ttls.remove(path);
            }
        }
    }

    /// Creates a node whose parent exists and which does not exist yet (the
    /// caller checked both). Returns the new node's Stat.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        &mut self,
        path: &str,
        data: Option<Vec<u8>>,
        acl: AclList,
        owner: i64,
        zxid: i64,
        time: i64,
        journal: &mut Vec<Undo>,
    ) -> Stat {
        let parent_path = parent(path);
        let name = ChildName::from(basename(path));
        let parent = self
            .changing(parent_path)
            .expect("parent checked by caller");
        journal.push(Undo::Created {
            path: path.to_string(),
            parent_stat: parent.stat.clone(),
            parent_seq: parent.seq,
        });
        parent.children.insert(name);
        parent.stat.cversion = parent.stat.cversion.wrapping_add(1);
        parent.seq = parent.seq.wrapping_add(1);
        parent.stat.pzxid = zxid;
        parent.stat.num_children = parent.children.len() as i32;
        let stat = Stat {
            czxid: zxid,
            mzxid: zxid,
            ctime: time,
            mtime: time,
            version: 0,
            cversion: 0,
            aversion: 0,
            ephemeral_owner: owner,
            data_length: data.as_ref().map_or(0, |d| d.len() as i32),
            num_children: 0,
            pzxid: zxid,
        };
        self.data_size += path.len() + data.as_ref().map_or(0, |d| d.len());
        let mut node = Node::new(data, acl, stat);
        if let Some(c) = &self.capture {
            // Not part of the snapshot under way.
            node.captured = c.number();
        }
        let visible = node.client_stat();
        self.nodes.insert(path.into(), Box::new(node));
        self.register(path, owner);
        visible
    }

    /// Deletes a childless node (the caller checked it exists and is empty).
    pub fn delete(&mut self, path: &str, zxid: i64, journal: &mut Vec<Undo>) {
        self.keep_before(path);
        self.keep_before(parent(path));
        let Some(node) = self.nodes.remove(path) else {
            return;
        };
        self.data_size = self
            .data_size
            .saturating_sub(path.len() + node.data.as_ref().map_or(0, |d| d.len()));
        self.unregister(path, node.owner());
        if let Some(parent) = self.nodes.get_mut(parent(path)) {
            journal.push(Undo::Deleted {
                path: path.to_string(),
                node: *node,
                parent_stat: parent.stat.clone(),
                parent_seq: parent.seq,
            });
            parent.children.remove(&ChildName::from(basename(path)));
            parent.stat.cversion = parent.stat.cversion.wrapping_add(1);
            parent.stat.pzxid = zxid;
            parent.stat.num_children = parent.children.len() as i32;
        }
    }

    /// How to undo a change to `n`, at `path`.
    fn saved(path: &str, n: &Node) -> Undo {
        Undo::Changed {
            path: path.to_string(),
            data: n.data.clone(),
            acl: n.acl.clone(),
            stat: n.stat.clone(),
        }
    }

    pub fn set_data(
        &mut self,
        path: &str,
        data: Option<Vec<u8>>,
        zxid: i64,
        time: i64,
        journal: &mut Vec<Undo>,
    ) -> Option<Stat> {
        let n = self.changing(path)?;
        journal.push(Self::saved(path, n));
        let old_len = n.data.as_ref().map_or(0, |d| d.len());
        let new_len = data.as_ref().map_or(0, |d| d.len());
        n.stat.data_length = new_len as i32;
        n.data = data.map(Vec::into_boxed_slice);
        n.stat.version = n.stat.version.wrapping_add(1);
        n.stat.mzxid = zxid;
        n.stat.mtime = time;
        let stat = n.client_stat();
        self.data_size = self.data_size.saturating_sub(old_len) + new_len;
        Some(stat)
    }

    pub fn set_acl(&mut self, path: &str, acl: AclList, journal: &mut Vec<Undo>) -> Option<Stat> {
        let n = self.changing(path)?;
        journal.push(Self::saved(path, n));
        n.acl = acl;
        n.stat.aversion = n.stat.aversion.wrapping_add(1);
        Some(n.client_stat())
    }

    /// Reverts the changes of a journal, newest first.
    pub fn rollback(&mut self, journal: Vec<Undo>) {
        for u in journal.into_iter().rev() {
            match u {
                Undo::Created {
                    path,
                    parent_stat,
                    parent_seq,
                } => {
                    if let Some(n) = self.nodes.remove(path.as_str()) {
                        self.data_size = self
                            .data_size
                            .saturating_sub(path.len() + n.data.as_ref().map_or(0, |d| d.len()));
                        self.unregister(&path, n.owner());
                    }
                    if let Some(p) = self.nodes.get_mut(parent(&path)) {
                        p.children.remove(&ChildName::from(basename(&path)));
                        p.stat = parent_stat;
                        p.seq = parent_seq;
                    }
                }
                Undo::Deleted {
                    path,
                    node,
                    parent_stat,
                    parent_seq,
                } => {
                    if let Some(p) = self.nodes.get_mut(parent(&path)) {
                        p.children.insert(ChildName::from(basename(&path)));
                        p.stat = parent_stat;
                        p.seq = parent_seq;
                    }
                    self.data_size += path.len() + node.data.as_ref().map_or(0, |d| d.len());
                    self.register(&path, node.owner());
                    self.nodes.insert(path.into_boxed_str(), Box::new(node));
                }
                Undo::Changed {
                    path,
                    data,
                    acl,
                    stat,
                } => {
                    if let Some(n) = self.nodes.get_mut(path.as_str()) {
                        self.data_size = self
                            .data_size
                            .saturating_sub(n.data.as_ref().map_or(0, |d| d.len()));
                        self.data_size += data.as_ref().map_or(0, |d| d.len());
                        n.data = data;
                        n.acl = acl;
                        n.stat = stat;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree_with(paths: &[&str]) -> DataTree {
        let mut t = DataTree::new();
        let acl = t.intern_acl(&world_acl(31));
        for (i, p) in paths.iter().enumerate() {
            t.create(
                p,
                None,
                acl.clone(),
                0,
                10 + i as i64,
                1000,
                &mut Vec::new(),
            );
        }
        t
    }

    type Seen = Vec<(String, Option<Box<[u8]>>, Stat, i32, usize)>;

    fn as_seen(path: &str, n: &Node) -> (String, Option<Box<[u8]>>, Stat, i32, usize) {
        (
            path.to_string(),
            n.data.clone(),
            n.stat.clone(),
            n.seq,
            Arc::as_ptr(&n.acl) as usize,
        )
    }

    #[test]
    fn a_capture_hands_out_the_tree_as_it_was_while_it_changes() {
        let mut paths = Vec::new();
        for a in ["a", "b", "c", "d"] {
            paths.push(format!("/{a}"));
            for b in 0..6 {
                paths.push(format!("/{a}/{b}"));
                paths.push(format!("/{a}/{b}/leaf"));
            }
        }
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let mut t = tree_with(&refs);
        let mut expected: Seen = Vec::new();
        t.begin_capture();
        assert!(t.capture_step(usize::MAX, |p, n| expected.push(as_seen(p, n))));

        t.begin_capture();
        let other_acl = t.intern_acl(&world_acl(1));
        let mut seen: Seen = Vec::new();
        let mut zxid = 1000;
        let mut round = 0;
        loop {
            let done = t.capture_step(3, |p, n| seen.push(as_seen(p, n)));
            if done {
                break;
            }
            round += 1;
            zxid += 1;
            let j = &mut Vec::new();
            // Changes ahead of the walk and behind it, in every kind.
            for a in ["a", "c", "d"] {
                let b = round % 6;
                let leaf = format!("/{a}/{b}/leaf");
                if t.get(&leaf).is_some() {
                    t.delete(&leaf, zxid, j);
                } else if t.get(&format!("/{a}/{b}")).is_some() {
                    t.create(
                        &leaf,
                        Some(vec![round as u8]),
                        other_acl.clone(),
                        0,
                        zxid,
                        5,
                        j,
                    );
                }
                t.set_data(&format!("/{a}"), Some(vec![round as u8; 3]), zxid, 6, j);
                t.set_acl(&format!("/{a}/{b}"), other_acl.clone(), j);
                t.create(
                    &format!("/{a}/new{round}"),
                    None,
                    other_acl.clone(),
                    0,
                    zxid,
                    7,
                    j,
                );
            }
            if round == 2 {
                // A whole subtree the walk has not reached goes away.
                for b in 0..6 {
                    let leaf = format!("/d/{b}/leaf");
                    if t.get(&leaf).is_some() {
                        t.delete(&leaf, zxid, j);
                    }
                }
                // Some of its nodes go too, and one comes back with a new
                // child; a node comes and goes between two slices.
                for b in 0..3 {
                    t.delete(&format!("/d/{b}"), zxid, j);
                }
                for p in ["/d/0", "/d/0/fresh", "/b/brief"] {
                    t.create(p, None, other_acl.clone(), 0, zxid, 8, j);
                }
                t.delete("/b/brief", zxid, j);
            }
            // Some changes are undone again (a failed sync).
            if round % 4 == 0 {
                t.rollback(std::mem::take(j));
            }
        }
        assert!(!t.capturing());
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(seen.len(), expected.len());
        for (s, e) in seen.iter().zip(&expected) {
            assert_eq!(s, e);
        }
    }

    #[test]
    fn fresh_tree_matches_apache() {
        let t = DataTree::new();
        assert_eq!(t.get("/").unwrap().stat.cversion, -1);
        assert_eq!(t.get("/zookeeper").unwrap().stat.cversion, -2);
        assert_eq!(t.get(CONFIG).unwrap().stat.aversion, -1);
        assert_eq!(t.get(CONFIG).unwrap().acl[0].perms, 1);
        assert_eq!(t.descendant_count("/"), 3);
    }

    #[test]
    fn create_and_delete_maintain_parent_stat() {
        let mut t = tree_with(&["/a", "/a/b"]);
        let a = &t.get("/a").unwrap();
        assert_eq!(
            (a.stat.cversion, a.stat.pzxid, a.stat.num_children, a.seq),
            (1, 11, 1, 1)
        );
        t.delete("/a/b", 20, &mut Vec::new());
        let a = &t.get("/a").unwrap();
        assert_eq!(
            (a.stat.cversion, a.stat.pzxid, a.stat.num_children, a.seq),
            (2, 20, 0, 1)
        );
        assert_eq!(a.stat.mzxid, 10);
    }

    #[test]
    fn rollback_restores_everything() {
        let mut t = tree_with(&["/a", "/a/b"]);
        let before_size = t.approximate_data_size();
        let acl = t.intern_acl(&world_acl(31));
        let mut j = Vec::new();
        t.create("/a/c", Some(b"x".to_vec()), acl.clone(), 77, 30, 5, &mut j);
        t.set_data("/a/b", Some(b"yy".to_vec()), 30, 5, &mut j);
        t.delete("/a/b", 30, &mut j);
        let read_only = t.intern_acl(&world_acl(1));
        t.set_acl("/a", read_only, &mut j);
        t.rollback(j);
        let a = t.get("/a").unwrap();
        assert_eq!(
            (a.stat.cversion, a.stat.num_children, a.acl[0].perms),
            (1, 1, 31)
        );
        assert!(t.get("/a/c").is_none());
        assert_eq!(t.get("/a/b").unwrap().stat.version, 0);
        assert!(t.ephemerals_of(77).is_empty());
        assert_eq!(t.approximate_data_size(), before_size);
    }

    #[test]
    fn node_kinds_round_trip() {
        for k in [
            NodeKind::Persistent,
            NodeKind::Ephemeral(0x1234),
            NodeKind::Container,
            NodeKind::Ttl(5000),
        ] {
            assert_eq!(NodeKind::from_owner(k.owner()), k);
        }
        assert_eq!(NodeKind::Ttl(1).owner() as u64, 0xFF00_0000_0000_0001);
    }

    #[test]
    fn a_capture_visits_every_node_once() {
        let mut t = tree_with(&["/b", "/a", "/a/y", "/a/x", "/a/x/deep", "/c"]);
        let mut seen = Vec::new();
        t.begin_capture();
        assert!(t.capture_step(usize::MAX, |p, _| seen.push(p.to_string())));
        seen.sort();
        assert_eq!(
            seen,
            [
                "/",
                "/a",
                "/a/x",
                "/a/x/deep",
                "/a/y",
                "/b",
                "/c",
                "/zookeeper",
                "/zookeeper/config",
                "/zookeeper/quota"
            ]
        );
    }

    #[test]
    fn nodes_restored_in_any_order_are_linked_to_their_parents() {
        let mut t = DataTree::empty();
        let acl = t.intern_acl(&world_acl(31));
        for p in ["/a/b/c", "/a/b", "/", "/a", "/a/d"] {
            t.restore(p, None, acl.clone(), Stat::default(), 0).unwrap();
        }
        assert!(t
            .restore("/a", None, acl.clone(), Stat::default(), 0)
            .is_err());
        t.finish_restore().unwrap();
        let names = |t: &DataTree, p: &str| -> Vec<String> {
            t.get(p)
                .unwrap()
                .children
                .iter()
                .map(|c| c.to_string())
                .collect()
        };
        assert_eq!(names(&t, "/"), ["a"]);
        assert_eq!(names(&t, "/a"), ["b", "d"]);
        assert_eq!(names(&t, "/a/b"), ["c"]);

        let mut t = DataTree::empty();
        for p in ["/x/y", "/"] {
            t.restore(p, None, acl.clone(), Stat::default(), 0).unwrap();
        }
        let err = t.finish_restore().unwrap_err();
        assert!(err.contains("/x/y has no parent"), "{err}");
    }

    #[test]
    fn descendants_are_counted() {
        let t = tree_with(&["/a", "/a/b", "/a/b/c", "/a/d"]);
        assert_eq!(t.descendant_count("/a"), 3);
        assert_eq!(t.descendant_count("/a/d"), 0);
    }
}
