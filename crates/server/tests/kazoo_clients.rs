//! Real clients against zkserver: kazoo (Python), Apache's C client from
//! Debian's libzookeeper-mt-dev, and Apache's Java CLI.

use std::path::PathBuf;
use std::process::Command;

use testkit::{run_kazoo, TempDir, ZkServerProcess};

fn zkserver() -> ZkServerProcess {
    ZkServerProcess::start(env!("CARGO_BIN_EXE_zkserver"), &[])
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/kazoo")
        .join(name)
}

#[test]
fn kazoo_session_expired_from_a_second_client() {
    let server = zkserver();
    let out = run_kazoo(script("expiry.py"), &[&server.connect_string()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "OK reattached",
        "OK ephemeral deleted",
        "OK first client lost its session",
        "OK wrong password refused",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
}

const C_SESSION: &str = r#"
#include <zookeeper.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static volatile int connected;
static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE) connected = 1;
}
int main(int argc, char **argv) {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *zh = zookeeper_init(argv[1], watcher, 10000, 0, 0, 0);
    for (int i = 0; i < 500 && !connected; i++) usleep(10000);
    if (!connected) { printf("no connection\n"); return 1; }
    char path[64]; int rc;
    rc = zoo_create(zh, "/c", "hello", 5, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof path);
    printf("create %d %s\n", rc, path);
    rc = zoo_create(zh, "/c/e-", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL | ZOO_SEQUENCE, path, sizeof path);
    printf("create seq %d %s\n", rc, path);
    char buf[16]; int len = sizeof buf; struct Stat st;
    rc = zoo_get(zh, "/c", 0, buf, &len, &st);
    printf("get %d %.*s version=%d children=%d\n", rc, len, buf, st.version, st.numChildren);
    rc = zoo_set(zh, "/c", "x", 1, 0);
    printf("set %d\n", rc);
    rc = zoo_set(zh, "/c", "y", 1, 0);
    printf("set stale %d\n", rc);
    struct String_vector kids;
    rc = zoo_get_children(zh, "/c", 0, &kids);
    printf("children %d %d\n", rc, kids.count);
    deallocate_String_vector(&kids);
    rc = zoo_delete(zh, "/c", -1);
    printf("delete non-empty %d\n", rc);
    rc = zoo_exists(zh, "/nope", 0, &st);
    printf("exists %d\n", rc);
    zookeeper_close(zh);
    return 0;
}
"#;

#[test]
fn apache_c_client_session() {
    testkit::ensure_packages();
    let server = zkserver();
    let dir = TempDir::new("c-client");
    let src = dir.path().join("session.c");
    std::fs::write(&src, C_SESSION).unwrap();
    let bin = dir.path().join("session");
    let cc = Command::new("cc")
        .args(["-DTHREADED", "-I/usr/include/zookeeper", "-o"])
        .arg(&bin)
        .arg(&src)
        .args(["-L/usr/lib/x86_64-linux-gnu", "-lzookeeper_mt"])
        .output()
        .unwrap();
    assert!(
        cc.status.success(),
        "{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = Command::new(&bin)
        .arg(server.connect_string())
        .env("LD_LIBRARY_PATH", "/usr/lib/x86_64-linux-gnu")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let expected = "create 0 /c\ncreate seq 0 /c/e-0000000000\nget 0 hello version=0 children=1\n\
                    set 0\nset stale -103\nchildren 0 1\ndelete non-empty -111\nexists -101\n";
    assert_eq!(stdout, expected);
}

#[test]
fn apache_java_cli_commands() {
    testkit::ensure_packages();
    let server = zkserver();
    let cli = |args: &[&str]| {
        let out = Command::new("/usr/share/zookeeper/bin/zkCli.sh")
            .arg("-server")
            .arg(server.connect_string())
            .args(args)
            .env("ZOO_LOG4J_PROP", "ERROR,CONSOLE")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    let out = cli(&["create", "/cli", "from-java"]);
    assert!(out.contains("Created /cli"), "{out}");
    let out = cli(&["get", "/cli"]);
    assert!(out.contains("from-java"), "{out}");
    let out = cli(&["set", "/cli", "changed"]);
    assert!(!out.contains("Exception"), "{out}");
    let out = cli(&["stat", "/cli"]);
    assert!(out.contains("dataVersion = 1"), "{out}");
    assert!(out.contains("dataLength = 7"), "{out}");
    let out = cli(&["create", "/cli/child", ""]);
    assert!(out.contains("Created /cli/child"), "{out}");
    let out = cli(&["ls", "/cli"]);
    assert!(out.contains("[child]"), "{out}");
    let out = cli(&["delete", "/cli"]);
    assert!(out.contains("Node not empty"), "{out}");
    let out = cli(&["deleteall", "/cli"]);
    assert!(!out.contains("Exception"), "{out}");
    let out = cli(&["ls", "/"]);
    assert!(out.contains("[zookeeper]"), "{out}");
}
