//! Misuse of the C API: tests/c/bad_args.c prints the result of each bad
//! call. Linked with Apache's library and with ours it must print the same;
//! the cases that crash Apache's library run with ours only and must give
//! Apache's error codes for the kind of misuse instead of crashing.

mod common;

use common::*;

#[test]
fn bad_arguments_give_apaches_errors() {
    testkit::ensure_packages();
    let work = Work::new("badargs");
    let (apache_bin, ours_bin) = build_both("tests/c/bad_args.c", "bad", &work);

    let theirs = run(&apache_bin, &[]);
    assert!(theirs.status.success(), "{theirs:?}");
    let ours = run(&ours_bin, &["--beyond-apache"]);
    assert!(ours.status.success(), "{ours:?}");
    let theirs = stdout(&theirs);
    let ours = stdout(&ours);
    let (common_part, beyond) = ours
        .split_once("== beyond apache\n")
        .expect("second part ran");
    assert!(theirs.lines().count() > 200);
    for (a, b) in theirs.lines().zip(common_part.lines()) {
        assert_eq!(a, b, "Apache's output:\n{theirs}\nours:\n{ours}");
    }
    assert_eq!(theirs.lines().count(), common_part.lines().count());

    let expected = [
        ("zoo_exists(NULL, \"/x\", 1, &st)", -8),
        ("zoo_aget(NULL, \"/x\", 1, data_done, NULL)", -8),
        ("zoo_get(NULL, \"/x\", 0, buf, &len, &st)", -8),
        ("is_unrecoverable(NULL)", -9),
        ("zoo_recv_timeout(NULL)", 0),
        ("zoo_client_id(NULL) == NULL", 1),
        ("zoo_get_context(NULL) == NULL", 1),
        ("zoo_set_watcher(NULL, watcher) == NULL", 1),
        ("zoo_get_current_server(NULL) != NULL", 1),
        ("zookeeper_get_connected_host(NULL, NULL, NULL) == NULL", 1),
        ("zoo_exists(garbage, \"/x\", 0, &st)", -8),
        ("zookeeper_close(garbage)", -8),
        ("zoo_lock_auth(NULL)", -8),
        ("zoo_get(zh, \"/x\", 0, buf, &len, &st)", -8),
        ("zoo_get(zh, \"/x\", 0, NULL, &len, &st)", -8),
        (
            "zoo_acreate(zh, \"/x\", \"v\", -5, &ZOO_OPEN_ACL_UNSAFE, 0, string_done, NULL)",
            -8,
        ),
        (
            "zoo_acreate(zh, \"/x\", NULL, 5, &ZOO_OPEN_ACL_UNSAFE, 0, string_done, NULL)",
            -8,
        ),
        (
            "zoo_aset(zh, \"/x\", big, 2 * 1024 * 1024, -1, stat_done, NULL)",
            -8,
        ),
        ("zoo_set(zh, \"/x\", NULL, 3, -1)", -8),
        (
            "zoo_create(zh, \"/x\", \"v\", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 10)",
            -8,
        ),
        ("zoo_aset_acl(zh, \"/x\", -1, NULL, void_done, NULL)", -8),
        ("zoo_set_acl(zh, \"/x\", -1, NULL)", -8),
        ("zoo_multi(zh, -1, ops, res)", -8),
        ("zoo_multi(zh, 1, NULL, res)", -8),
        ("zoo_multi(zh, 1, ops, NULL)", -8),
        ("zoo_multi(zh, 1, ops, res)", -8),
        (
            "zoo_remove_watches(zh, \"/x\", (ZooWatcherType)7, watcher, NULL, 1)",
            -8,
        ),
        ("allocate_String_vector(NULL, 3)", -8),
        ("deallocate_String_vector(NULL)", 0),
        ("zookeeper_interest(NULL, &fd, &interest, &tv)", -8),
        ("zookeeper_interest(zh, NULL, &interest, &tv)", -8),
        ("zookeeper_process(NULL, 0)", -8),
        ("zookeeper_close(zh)", 0),
        ("zoo_state(zh)", 0),
        ("zoo_aget(zh, \"/x\", 0, data_done, NULL)", -9),
        ("zoo_exists(zh, \"/x\", 0, &st)", -9),
        ("zoo_multi(zh, 0, ops, res)", -9),
        ("zoo_add_auth(zh, \"digest\", \"a:b\", 3, NULL, NULL)", -9),
        ("zoo_set_servers(zh, \"127.0.0.1:2\")", -9),
        ("is_unrecoverable(zh)", -9),
        ("zoo_client_id(zh) == NULL", 1),
        ("zookeeper_interest(zh, &fd, &interest, &tv)", -9),
    ];
    let results: Vec<(&str, i32)> = beyond
        .lines()
        .filter_map(|l| {
            let (call, rc) = l.rsplit_once(": ")?;
            Some((call, rc.parse().ok()?))
        })
        .collect();
    for (call, rc) in expected {
        let got: Vec<i32> = results
            .iter()
            .filter(|(c, _)| *c == call)
            .map(|(_, r)| *r)
            .collect();
        assert!(!got.is_empty(), "{call} not run:\n{beyond}");
        assert!(
            got.contains(&rc),
            "{call}: got {got:?}, want {rc}\n{beyond}"
        );
    }
    // Every ACL with a NULL or missing part is refused.
    let acl_cases = results
        .iter()
        .filter(|(c, _)| *c == "zoo_acreate(zh, \"/x\", \"v\", 1, &acl, 0, string_done, NULL)")
        .map(|(_, r)| *r)
        .collect::<Vec<_>>();
    assert_eq!(acl_cases, vec![-8, -8, -8]);
    // The second close of the same handle reports a closed handle.
    assert!(
        beyond.contains("zookeeper_close(zh): 0\nzookeeper_close(zh): -9\n"),
        "{beyond}"
    );
}
