//! A snapshot taken a slice at a time while the tree keeps changing
//! (copy-on-write at node granularity).
//!
//! The walk goes through the node table shard by shard, in no particular
//! order of paths, marking each node it hands out with the capture's
//! number. A node about to change (or go) that is not marked yet is kept as
//! it was, without its children, and marked; a node created meanwhile is
//! marked at once. Marked nodes are passed over, and the kept copies are
//! handed out at the end. So the nodes handed out are exactly the tree at
//! the moment the capture began, each once, however long the walk takes.

use super::node_table::NodeTable;
use super::tree::Node;
use crate::sys::prefetch;

/// How many nodes ahead the walk asks for memory.
const PREFETCH_AHEAD: usize = 8;

#[derive(Debug)]
pub struct Capture {
    /// The capture's number: a node whose `captured` holds it was handed
    /// out or kept already.
    number: u32,
    /// The next shard of the node table to walk.
    shard: usize,
    /// Nodes as they were when the capture began, changed since.
    kept: Vec<(Box<str>, Node)>,
}

impl Capture {
    pub fn new(number: u32) -> Capture {
        Capture {
            number,
            shard: 0,
            kept: Vec::new(),
        }
    }

    pub fn number(&self) -> u32 {
        self.number
    }

    /// Called before `node` at `path` changes or goes.
    pub fn before_change(&mut self, path: &str, node: &mut Node) {
        if node.captured == self.number {
            return;
        }
        node.captured = self.number;
        let copy = Node {
            data: node.data.clone(),
            acl: node.acl.clone(),
            stat: node.stat.clone(),
            seq: node.seq,
            children: Default::default(),
            captured: self.number,
        };
        self.kept.push((path.into(), copy));
    }

    /// Hands out whole shards of `table` until at least `budget` nodes
    /// were, then the kept copies; returns true once the walk is over. A
    /// node handed out comes without its children when it is a kept copy
    /// (its Stat counts them).
    pub fn step(
        &mut self,
        budget: usize,
        table: &mut NodeTable,
        mut f: impl FnMut(&str, &Node),
    ) -> bool {
        let mut handed = 0;
        while self.shard < table.shard_count() {
            if handed >= budget {
                return false;
            }
            let mut entries: Vec<(&str, &mut Node)> = table.shard_mut(self.shard).collect();
            for i in 0..entries.len() {
                // The walk's time goes in cache misses: a node's path, the
                // node, its data, each elsewhere in memory. Asking for them
                // a few nodes ahead lets the misses overlap.
                if let Some((path, node)) = entries.get(i + PREFETCH_AHEAD) {
                    prefetch(path.as_ptr());
                    prefetch((&**node as *const Node).cast());
                }
                if let Some((_, node)) = entries.get(i + PREFETCH_AHEAD / 2) {
                    if let Some(data) = node.data.as_deref() {
                        prefetch(data.as_ptr());
                    }
                }
                let (path, node) = &mut entries[i];
                if node.captured != self.number {
                    node.captured = self.number;
                    f(path, node);
                    handed += 1;
                }
            }
            self.shard += 1;
        }
        // Every node is marked now: nothing more is kept.
        while let Some((path, node)) = self.kept.pop() {
            if handed >= budget {
                self.kept.push((path, node));
                return false;
            }
            f(&path, &node);
            handed += 1;
        }
        true
    }
}
