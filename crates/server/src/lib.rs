//! The bundled standalone ZooKeeper server.
