//! The data tree: znodes with their Stat, the per-session ephemeral index and
//! the container and TTL indexes. Only mechanics live here; the checks that
//! decide whether a change is allowed are the request processor's.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use zkrs_proto::consts::perms;
use zkrs_proto::path;
use zkrs_proto::records::{Acl, Id, Stat};

/// ephemeralOwner of a container node (Apache's CONTAINER_EPHEMERAL_OWNER).
pub const CONTAINER_OWNER: i64 = i64::MIN;
/// High byte marking an extended ephemeralOwner (TTL nodes).
const EXTENDED_MASK: i64 = 0xff00_0000_0000_0000u64 as i64;
/// Largest TTL Apache accepts (40 bits of milliseconds).
pub const MAX_TTL: i64 = 0x00ff_ffff_ffff;

/// What an ephemeralOwner value says about a node (Apache's EphemeralType).
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
        } else if owner & EXTENDED_MASK == EXTENDED_MASK {
            NodeKind::Ttl(owner & MAX_TTL)
        } else {
            NodeKind::Ephemeral(owner)
        }
    }

    pub fn ttl_owner(ttl: i64) -> i64 {
        EXTENDED_MASK | (ttl & MAX_TTL)
    }
}

/// The stored part of a Stat (numChildren and dataLength are derived).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeStat {
    pub czxid: i64,
    pub mzxid: i64,
    pub pzxid: i64,
    pub ctime: i64,
    pub mtime: i64,
    pub version: i32,
    pub cversion: i32,
    pub aversion: i32,
    pub ephemeral_owner: i64,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub data: Vec<u8>,
    pub acl: Arc<Vec<Acl>>,
    pub stat: NodeStat,
    pub children: BTreeSet<String>,
}

impl Node {
    pub fn stat(&self) -> Stat {
        Stat {
            czxid: self.stat.czxid,
            mzxid: self.stat.mzxid,
            ctime: self.stat.ctime,
            mtime: self.stat.mtime,
            version: self.stat.version,
            // The stored cversion counts child creations (it numbers
            // sequential children); clients see creations plus deletions,
            // which is twice the creations less the children still there.
            cversion: self.stat.cversion.wrapping_mul(2) - self.children.len() as i32,
            aversion: self.stat.aversion,
            // Container and TTL markers stay inside the server: clients see
            // 0, as Apache's copyStat gives them.
            ephemeral_owner: match self.kind() {
                NodeKind::Ephemeral(owner) => owner,
                _ => 0,
            },
            data_length: self.data.len() as i32,
            num_children: self.children.len() as i32,
            pzxid: self.stat.pzxid,
        }
    }

    pub fn kind(&self) -> NodeKind {
        NodeKind::from_owner(self.stat.ephemeral_owner)
    }
}

/// A saved copy of one node (or its absence) for rolling back a multi.
pub type Saved = (String, Option<Node>);

#[derive(Debug)]
pub struct DataTree {
    nodes: HashMap<String, Node>,
    ephemerals: HashMap<i64, BTreeSet<String>>,
    containers: BTreeSet<String>,
    ttls: BTreeSet<String>,
    data_bytes: u64,
}

fn world(perm: i32) -> Arc<Vec<Acl>> {
    Arc::new(vec![Acl {
        perms: perm,
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }])
}

fn empty_node(acl: Arc<Vec<Acl>>) -> Node {
    Node {
        data: Vec::new(),
        acl,
        stat: NodeStat::default(),
        children: BTreeSet::new(),
    }
}

impl Default for DataTree {
    fn default() -> Self {
        Self::new()
    }
}

impl DataTree {
    /// A tree holding `/`, `/zookeeper`, `/zookeeper/quota` and
    /// `/zookeeper/config` with the stats a fresh Apache 3.8 server reports.
    pub fn new() -> DataTree {
        let open = world(perms::ALL);
        let mut root = empty_node(open.clone());
        root.children.insert("zookeeper".into());
        let mut zk = empty_node(open.clone());
        zk.children.insert("quota".into());
        zk.children.insert("config".into());
        let quota = empty_node(open);
        let mut config = empty_node(world(perms::READ));
        config.stat.aversion = -1;
        let mut nodes = HashMap::new();
        nodes.insert("/".to_string(), root);
        nodes.insert("/zookeeper".to_string(), zk);
        nodes.insert("/zookeeper/quota".to_string(), quota);
        nodes.insert("/zookeeper/config".to_string(), config);
        DataTree {
            nodes,
            ephemerals: HashMap::new(),
            containers: BTreeSet::new(),
            ttls: BTreeSet::new(),
            data_bytes: 0,
        }
    }

    /// Paths no client may delete (Apache's isSpecialPath).
    pub fn is_special(path: &str) -> bool {
        matches!(
            path,
            "/" | "/zookeeper" | "/zookeeper/quota" | "/zookeeper/config"
        )
    }

    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Bytes of data plus path names, as Apache's approximateDataSize counts.
    pub fn approximate_data_size(&self) -> u64 {
        self.data_bytes
    }

    pub fn ephemerals_of(&self, session: i64) -> Vec<String> {
        self.ephemerals
            .get(&session)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every session that owns ephemerals, with its paths (for `dump`).
    pub fn all_ephemerals(&self) -> Vec<(i64, Vec<String>)> {
        let mut v: Vec<(i64, Vec<String>)> = self
            .ephemerals
            .iter()
            .map(|(s, p)| (*s, p.iter().cloned().collect()))
            .collect();
        v.sort();
        v
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

    /// Number of nodes below `path` (Apache's getAllChildrenNumber).
    pub fn descendant_count(&self, path: &str) -> usize {
        let mut count = 0;
        let mut stack = vec![path.to_string()];
        while let Some(p) = stack.pop() {
            if let Some(n) = self.nodes.get(&p) {
                for c in &n.children {
                    count += 1;
                    stack.push(join(&p, c));
                }
            }
        }
        count
    }

    fn index(&mut self, path: &str, node: &Node) {
        self.data_bytes += (path.len() + node.data.len()) as u64;
        match node.kind() {
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
            NodeKind::Persistent => {}
        }
    }

    fn unindex(&mut self, path: &str, node: &Node) {
        self.data_bytes = self
            .data_bytes
            .saturating_sub((path.len() + node.data.len()) as u64);
        match node.kind() {
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
            NodeKind::Persistent => {}
        }
    }

    /// Copies of a node and its parent, taken before a change so that a
    /// failed multi can put them back.
    pub fn save(&self, path: &str, out: &mut Vec<Saved>) {
        out.push((path.to_string(), self.nodes.get(path).cloned()));
        if path != "/" {
            let parent = path::parent(path);
            out.push((parent.to_string(), self.nodes.get(parent).cloned()));
        }
    }

    /// Restores saved copies, newest first.
    pub fn restore(&mut self, saved: Vec<Saved>) {
        for (path, node) in saved.into_iter().rev() {
            if let Some(old) = self.nodes.remove(&path) {
                self.unindex(&path, &old);
            }
            if let Some(n) = node {
                self.index(&path, &n);
                self.nodes.insert(path, n);
            }
        }
    }

    /// Adds a node; the parent must exist. `parent_cversion` is the parent's
    /// new cversion (Apache carries it in the create transaction).
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        &mut self,
        path: &str,
        data: Vec<u8>,
        acl: Arc<Vec<Acl>>,
        ephemeral_owner: i64,
        parent_cversion: i32,
        zxid: i64,
        time: i64,
    ) -> Option<Stat> {
        let parent_path = path::parent(path);
        let parent = self.nodes.get_mut(parent_path)?;
        parent.children.insert(path::basename(path).to_string());
        if parent_cversion > parent.stat.cversion {
            parent.stat.cversion = parent_cversion;
            parent.stat.pzxid = zxid;
        }
        let node = Node {
            data,
            acl,
            stat: NodeStat {
                czxid: zxid,
                mzxid: zxid,
                pzxid: zxid,
                ctime: time,
                mtime: time,
                version: 0,
                cversion: 0,
                aversion: 0,
                ephemeral_owner,
            },
            children: BTreeSet::new(),
        };
        let stat = node.stat();
        self.index(path, &node);
        self.nodes.insert(path.to_string(), node);
        Some(stat)
    }

    /// Removes a leaf node; the parent's pzxid follows (never backwards). Its
    /// visible cversion goes up through the child count (see `Node::stat`).
    pub fn delete(&mut self, path: &str, zxid: i64) -> bool {
        let Some(node) = self.nodes.remove(path) else {
            return false;
        };
        self.unindex(path, &node);
        if let Some(parent) = self.nodes.get_mut(path::parent(path)) {
            parent.children.remove(path::basename(path));
            if zxid > parent.stat.pzxid {
                parent.stat.pzxid = zxid;
            }
        }
        true
    }

    pub fn set_data(
        &mut self,
        path: &str,
        data: Vec<u8>,
        version: i32,
        zxid: i64,
        time: i64,
    ) -> Option<Stat> {
        let node = self.nodes.get_mut(path)?;
        let old_len = node.data.len() as u64;
        node.data = data;
        node.stat.version = version;
        node.stat.mzxid = zxid;
        node.stat.mtime = time;
        let stat = node.stat();
        self.data_bytes = self.data_bytes.saturating_sub(old_len) + stat.data_length as u64;
        Some(stat)
    }

    pub fn set_acl(&mut self, path: &str, acl: Arc<Vec<Acl>>, aversion: i32) -> Option<Stat> {
        let node = self.nodes.get_mut(path)?;
        node.acl = acl;
        node.stat.aversion = aversion;
        Some(node.stat())
    }
}

/// `parent/child` for an absolute parent path.
pub fn join(parent: &str, child: &str) -> String {
    if parent == "/" {
        format!("/{child}")
    } else {
        format!("{parent}/{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_tree_matches_apache() {
        let t = DataTree::new();
        let root = t.get("/").unwrap().stat();
        assert_eq!((root.num_children, root.cversion, root.pzxid), (1, -1, 0));
        let zk = t.get("/zookeeper").unwrap().stat();
        assert_eq!((zk.num_children, zk.cversion), (2, -2));
        let cfg = t.get("/zookeeper/config").unwrap();
        assert_eq!(cfg.stat().aversion, -1);
        assert_eq!(cfg.acl[0].perms, perms::READ);
        assert!(DataTree::is_special("/zookeeper/quota"));
        assert!(!DataTree::is_special("/a"));
    }

    #[test]
    fn create_and_delete_maintain_parent_stat() {
        let mut t = DataTree::new();
        let acl = world(31);
        let s = t
            .create("/p", b"x".to_vec(), acl.clone(), 0, 1, 5, 100)
            .unwrap();
        assert_eq!((s.czxid, s.mzxid, s.pzxid, s.data_length), (5, 5, 5, 1));
        t.create("/p/a", vec![], acl, 42, 1, 6, 101).unwrap();
        let p = t.get("/p").unwrap().stat();
        assert_eq!((p.cversion, p.pzxid, p.num_children), (1, 6, 1));
        assert_eq!(t.ephemerals_of(42), vec!["/p/a".to_string()]);
        assert!(t.delete("/p/a", 7));
        let p = t.get("/p").unwrap().stat();
        assert_eq!((p.cversion, p.pzxid, p.num_children), (2, 7, 0));
        assert!(t.ephemerals_of(42).is_empty());
        assert!(!t.delete("/p/a", 8));
        assert_eq!(t.descendant_count("/"), 4);
    }

    #[test]
    fn restore_undoes_changes() {
        let mut t = DataTree::new();
        let before = t.get("/").unwrap().stat();
        let mut saved = Vec::new();
        t.save("/c", &mut saved);
        t.create("/c", vec![], world(31), CONTAINER_OWNER, 1, 3, 0);
        assert_eq!(t.containers().count(), 1);
        t.restore(saved);
        assert!(t.get("/c").is_none());
        assert_eq!(t.get("/").unwrap().stat(), before);
        assert_eq!(t.containers().count(), 0);
    }

    #[test]
    fn owner_encodings() {
        assert_eq!(NodeKind::from_owner(0), NodeKind::Persistent);
        assert_eq!(NodeKind::from_owner(CONTAINER_OWNER), NodeKind::Container);
        assert_eq!(
            NodeKind::from_owner(NodeKind::ttl_owner(5000)),
            NodeKind::Ttl(5000)
        );
        assert_eq!(
            NodeKind::from_owner(0x0100_0000_0000_0001),
            NodeKind::Ephemeral(0x0100_0000_0000_0001)
        );
    }
}
