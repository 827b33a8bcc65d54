//! The znodes by path, in shards.
//!
//! A hash table grows by moving every entry into a table twice as large, all
//! at once: with a million znodes that stalls the serving thread for about a
//! tenth of a second, and twice as long at each doubling after. Split in
//! shards, the table grows a shard at a time, each holding a small share of
//! the nodes, so a stall is that much shorter; the work overall stays the
//! same. A snapshot walks the table a shard at a time (see capture.rs).
//!
//! Each entry keeps its path's hash. Growing a shard then moves entries by
//! the hash they carry, without reading their paths (each elsewhere in
//! memory) or hashing them again: in a tree that keeps growing, that
//! rehashing was most of what inserting a node cost.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use super::tree::Node;

/// A power of two. With a million nodes a shard holds about 4,000: one
/// turn of a snapshot's walk.
const SHARDS: usize = 256;

/// Which bits of a path's hash choose its shard: neither the low bits a
/// shard's table indexes with, nor the top seven it keeps as tags, so
/// within a shard the hashes still spread over both.
const SHARD_SHIFT: u32 = 40;

#[derive(Debug)]
struct Entry {
    hash: u64,
    path: Box<str>,
    node: Box<Node>,
}

#[derive(Debug)]
pub struct NodeTable {
    /// Keyed at random per table: paths are the clients' to choose, and
    /// must not be able to pile up in one place.
    keys: RandomState,
    shards: Box<[HashTable<Entry>]>,
    len: usize,
}

impl Default for NodeTable {
    fn default() -> Self {
        NodeTable {
            keys: RandomState::new(),
            shards: (0..SHARDS).map(|_| HashTable::new()).collect(),
            len: 0,
        }
    }
}

fn stored_hash(e: &Entry) -> u64 {
    e.hash
}

impl NodeTable {
    fn hash(&self, path: &str) -> u64 {
        self.keys.hash_one(path)
    }

    fn shard(hash: u64) -> usize {
        (hash >> SHARD_SHIFT) as usize & (SHARDS - 1)
    }

    pub fn get(&self, path: &str) -> Option<&Node> {
        let h = self.hash(path);
        self.shards[Self::shard(h)]
            .find(h, |e| &*e.path == path)
            .map(|e| &*e.node)
    }

    pub fn get_mut(&mut self, path: &str) -> Option<&mut Node> {
        let h = self.hash(path);
        self.shards[Self::shard(h)]
            .find_mut(h, |e| &*e.path == path)
            .map(|e| &mut *e.node)
    }

    /// Adds or replaces the node at `path`.
    pub fn insert(&mut self, path: Box<str>, node: Box<Node>) {
        self.put(path, node, true);
    }

    /// Adds the node at `path` unless one is there already (then it
    /// changes nothing and returns false).
    pub fn insert_new(&mut self, path: Box<str>, node: Box<Node>) -> bool {
        self.put(path, node, false)
    }

    /// Whether `path` was new; a node there already is replaced if
    /// `replace`.
    fn put(&mut self, path: Box<str>, node: Box<Node>, replace: bool) -> bool {
        let h = self.hash(&path);
        let shard = &mut self.shards[Self::shard(h)];
        match shard.entry(h, |e| e.path == path, stored_hash) {
            hashbrown::hash_table::Entry::Occupied(mut o) => {
                if replace {
                    o.get_mut().node = node;
                }
                false
            }
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(Entry {
                    hash: h,
                    path,
                    node,
                });
                self.len += 1;
                true
            }
        }
    }

    pub fn remove(&mut self, path: &str) -> Option<Box<Node>> {
        let h = self.hash(path);
        let found = self.shards[Self::shard(h)].find_entry(h, |e| &*e.path == path);
        let (entry, _) = found.ok()?.remove();
        self.len -= 1;
        Some(entry.node)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// The nodes of shard `i`, in no particular order.
    pub fn shard_mut(&mut self, i: usize) -> impl Iterator<Item = (&str, &mut Node)> {
        self.shards[i].iter_mut().map(|e| (&*e.path, &mut *e.node))
    }

    /// Room for `more` nodes on top of those held, spread over the shards.
    pub fn reserve(&mut self, more: usize) {
        let each = more.div_ceil(SHARDS);
        for s in self.shards.iter_mut() {
            s.reserve(each, stored_hash);
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
        assert!(!t.insert_new("/n/7".into(), node(-1)), "one there already");
        assert_eq!(t.get("/n/7").map(|n| n.stat.version), Some(7));
        t.insert("/n/7".into(), node(-7));
        assert_eq!(t.len(), 10_000);
        assert_eq!(t.get("/n/7").map(|n| n.stat.version), Some(-7));
        t.get_mut("/n/8").unwrap().stat.version = 88;
        assert_eq!(t.get("/n/8").map(|n| n.stat.version), Some(88));
        assert!(t.get("/n/9999").is_some());
        assert!(t.get("/n/10000").is_none());
        assert_eq!(t.remove("/n/9999").map(|n| n.stat.version), Some(9999));
        assert!(t.remove("/n/9999").is_none());
        assert_eq!(t.len(), 9_999);
        assert!(t.get("/n/9999").is_none());
    }

    #[test]
    fn within_a_shard_hashes_still_spread_over_index_and_tag_bits() {
        // A shard's table indexes with the low bits of a hash and tags its
        // slots with the top seven: were either fixed by the choice of
        // shard, every lookup in it would probe a crowd.
        let t = NodeTable::default();
        let mut low = std::collections::HashSet::new();
        let mut tags = std::collections::HashSet::new();
        for i in 0..SHARDS * 512 {
            let h = t.hash(&format!("/q/item-{i:010}"));
            if NodeTable::shard(h) == 3 {
                low.insert(h & 0xff);
                tags.insert(h >> 57);
            }
        }
        // About 512 hashes land in the shard: most of the 256 low bytes and
        // the 128 tags turn up; a fixed one would be a single value.
        assert!(low.len() > 100, "{} low bytes", low.len());
        assert!(tags.len() > 64, "{} tags", tags.len());
    }

    #[test]
    fn paths_spread_over_the_shards() {
        const AVERAGE: usize = 1_000;
        let t = NodeTable::default();
        let mut count = [0usize; SHARDS];
        for i in 0..SHARDS * AVERAGE {
            count[NodeTable::shard(t.hash(&format!("/app/w{:03}-{i:08}", i % 64)))] += 1;
        }
        // No shard holds less than half the average, nor more than twice.
        assert!(
            count.iter().all(|&c| c > AVERAGE / 2 && c < AVERAGE * 2),
            "{count:?}"
        );
    }
}
