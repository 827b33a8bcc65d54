// String constants that C sees as macros. cbindgen cannot write string
// literals, so build.rs includes this file and writes the `#define`s itself.

/// The Apache ZooKeeper C client version this library stands in for.
pub const ZOO_VERSION: &str = "3.8.0";

/// The node `zoo_getconfig` reads.
pub const ZOO_CONFIG_NODE: &str = "/zookeeper/config";
