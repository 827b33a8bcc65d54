//! The embedded server's C API (zkserver.h): a C program starts the bundled
//! server in its own process, runs a client session on it through
//! zookeeper.h, stops it, and gets errno for every bad argument.

mod common;

use common::{build, repo, run, stdout, Flavor, Work};

#[test]
fn c_program_embeds_the_server_and_talks_to_it() {
    let work = Work::new("embedded-server");
    let exe = work.path().join("embedded_server");
    build(
        Flavor::Ours,
        &[repo().join("tests/c/embedded_server.c")],
        &exe,
        &["-DTHREADED"],
        work.path(),
    );
    let out = run(&exe, &[]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "bad address NULL errno=EINVAL\n\
         bad port NULL errno=EINVAL\n\
         missing cfg NULL errno=ENOENT\n\
         port of NULL -1\n\
         stop NULL -1 errno=EINVAL\n\
         port valid 1\n\
         busy port NULL errno=EADDRINUSE\n\
         connected 1\n\
         create 0 /embedded\n\
         get 0 yes\n\
         stop 0\n"
    );
}
