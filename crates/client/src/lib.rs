//! The ZooKeeper client engine.
