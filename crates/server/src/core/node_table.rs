//! The znodes by path, in shards.
//!
//! A hash table grows by moving every entry into a table twice as large, all
//! at once: with a million znodes that stalls the serving thread for about a
//! tenth of a second, and twice as long at each doubling after. Split in
//! shards, the table grows a shard at a time, each holding a small share of
//! the nodes, so a stall is that much shorter; the work overall stays the
//! same. A snapshot walks the table a shard at a time (see capture.rs).

use std::collections::HashMap;

use super::tree::Node;

/// A power of two. With a million nodes a shard holds about 4,000: one
/// turn of a snapshot's walk.
const SHARDS: usize = 256;

#[derive(Debug)]
pub struct NodeTable {
    shards: Box<[HashMap<Box<str>, Box<Node>>]>,
    len: usize,
}

impl Default for NodeTable {
    fn default() -> Self {
        NodeTable {
            shards: (0..SHARDS).map(|_| HashMap::new()).collect(),
            len: 0,
        }
    }
}

/// The shard of `path`: FNV-1a over its bytes. Cheap, and not secret: paths
/// chosen to share a shard make it as large as an unsharded table, no
/// worse. The shard's own table hashes with its random key.
fn shard_of(path: &str) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // The high bits mix best.
    (h >> (64 - SHARDS.trailing_zeros())) as usize
}

impl NodeTable {
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.shards[shard_of(path)].get(path).map(|n| &**n)
    }

    pub fn get_mut(&mut self, path: &str) -> Option<&mut Node> {
        self.shards[shard_of(path)].get_mut(path).map(|n| &mut **n)
    }

    pub fn contains_key(&self, path: &str) -> bool {
        self.shards[shard_of(path)].contains_key(path)
    }

    /// Adds or replaces the node at `path`.
    pub fn insert(&mut self, path: Box<str>, node: Box<Node>) {
        if self.shards[shard_of(&path)].insert(path, node).is_none() {
            self.len += 1;
        }
    }

    pub fn remove(&mut self, path: &str) -> Option<Box<Node>> {
        let removed = self.shards[shard_of(path)].remove(path);
        if removed.is_some() {
            self.len -= 1;
        }
        removed
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// The nodes of shard `i`, in no particular order.
    pub fn shard_mut(&mut self, i: usize) -> impl Iterator<Item = (&str, &mut Node)> {
        self.shards[i].iter_mut().map(|(k, v)| (&**k, &mut **v))
    }

    /// Room for `more` nodes on top of those held, spread over the shards.
    pub fn reserve(&mut self, more: usize) {
        let each = more.div_ceil(SHARDS);
        for s in self.shards.iter_mut() {
            s.reserve(each);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use zkrs_proto::records::Stat;

    fn node(version: i32) -> Box<Node> {
        Box::new(Node {
            data: None,
            acl: Arc::new(Vec::new()),
            stat: Stat {
                version,
                ..Stat::default()
            },
            seq: 0,
            children: Default::default(),
            captured: 0,
        })
    }

    #[test]
    fn holds_counts_replaces_and_removes() {
        let mut t = NodeTable::default();
        t.reserve(10_000);
        for i in 0..10_000 {
            t.insert(format!("/n/{i}").into(), node(i));
        }
        assert_eq!(t.len(), 10_000);
        t.insert("/n/7".into(), node(-7));
        assert_eq!(t.len(), 10_000);
        assert_eq!(t.get("/n/7").map(|n| n.stat.version), Some(-7));
        t.get_mut("/n/8").unwrap().stat.version = 88;
        assert_eq!(t.get("/n/8").map(|n| n.stat.version), Some(88));
        assert!(t.contains_key("/n/9999"));
        assert!(!t.contains_key("/n/10000"));
        assert_eq!(t.remove("/n/9999").map(|n| n.stat.version), Some(9999));
        assert!(t.remove("/n/9999").is_none());
        assert_eq!(t.len(), 9_999);
        assert!(t.get("/n/9999").is_none());
    }

    #[test]
    fn paths_spread_over_the_shards() {
        const AVERAGE: usize = 1_000;
        let mut count = [0usize; SHARDS];
        for i in 0..SHARDS * AVERAGE {
            count[shard_of(&format!("/app/w{:03}-{i:08}", i % 64))] += 1;
        }
        // No shard holds less than half the average, nor more than twice.
        assert!(
            count.iter().all(|&c| c > AVERAGE / 2 && c < AVERAGE * 2),
            "{count:?}"
        );
    }
}
