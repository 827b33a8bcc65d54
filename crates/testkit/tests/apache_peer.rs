//! The Apache peer the other suites compare against starts, answers, restarts
//! on the same port and keeps its data.

use std::time::Duration;
use testkit::{four_letter, ApacheZk};

#[test]
fn apache_server_starts_restarts_and_stops() {
    let mut zk = ApacheZk::start();
    let srvr = four_letter(zk.port(), "srvr").unwrap();
    assert!(srvr.contains("Mode: standalone"), "{srvr}");
    let port = zk.port();
    zk.restart();
    assert_eq!(zk.port(), port);
    assert!(testkit::wait_for_ruok(port, Duration::from_secs(5)));
    zk.stop();
    assert!(four_letter(port, "ruok").is_err());
}
