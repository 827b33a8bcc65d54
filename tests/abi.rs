//! ABI checks against Debian's build of Apache's C client: the exported
//! symbols, the soname, and a probe of struct layouts and constants built
//! once with Apache's headers and once with ours.

mod common;

use common::*;

#[test]
fn every_symbol_of_apaches_library_is_exported() {
    testkit::ensure_packages();
    let ours: std::collections::HashMap<String, String> = dynamic_symbols(&our_library())
        .into_iter()
        .map(|(k, n)| (n, k))
        .collect();
    let theirs = dynamic_symbols(APACHE_LIB.as_ref());
    assert!(
        theirs.len() > 150,
        "Apache's library exports {}",
        theirs.len()
    );
    let mut missing = Vec::new();
    let mut wrong_kind = Vec::new();
    for (kind, name) in &theirs {
        match ours.get(name) {
            None => missing.push(name.clone()),
            // Code must stay code and data data; read-only data (R) may be
            // writable data (D) in ours only if Apache's is too.
            Some(k) if (kind == "T") != (k == "T") => {
                wrong_kind.push(format!("{name}: {kind} vs {k}"))
            }
            Some(_) => {}
        }
    }
    assert!(missing.is_empty(), "missing symbols: {missing:?}");
    assert!(wrong_kind.is_empty(), "kinds differ: {wrong_kind:?}");
}

#[test]
fn soname_is_apaches() {
    let o = std::process::Command::new("readelf")
        .arg("-d")
        .arg(our_library())
        .output()
        .expect("run readelf");
    let text = stdout(&o);
    assert!(
        text.contains("Library soname: [libzookeeper_mt.so.2]"),
        "{text}"
    );
}

fn probe(flavor: Flavor, threaded: bool, work: &Work) -> String {
    let bin = work.path().join(format!("probe-{flavor:?}-{threaded}"));
    let mut extra = vec![];
    if threaded {
        extra.push("-DTHREADED");
    }
    build(
        flavor,
        &[repo().join("tests/c/abi_probe.c")],
        &bin,
        &extra,
        work.path(),
    );
    let o = run(&bin, &[]);
    assert!(o.status.success(), "probe failed: {o:?}");
    stdout(&o)
}

#[test]
fn layouts_and_constants_match_apaches() {
    testkit::ensure_packages();
    let work = Work::new("abi");
    for threaded in [true, false] {
        let theirs = probe(Flavor::Apache, threaded, &work);
        let ours = probe(Flavor::Ours, threaded, &work);
        assert!(theirs.lines().count() > 400);
        for (a, b) in theirs.lines().zip(ours.lines()) {
            assert_eq!(a, b, "probe differs (THREADED={threaded})");
        }
        assert_eq!(theirs.lines().count(), ours.lines().count());
    }
}

/// Apache's API, used from C++ with and without THREADED: our headers must
/// accept whatever compiles against Apache's.
#[test]
fn headers_compile_as_c_and_cpp_like_apaches() {
    testkit::ensure_packages();
    let work = Work::new("hdr");
    for src in ["api_usage.c", "api_usage.cc"] {
        for threaded in [true, false] {
            for flavor in [Flavor::Apache, Flavor::Ours] {
                let bin = work.path().join(format!("{src}-{flavor:?}-{threaded}"));
                let mut extra = vec!["-Werror"];
                if threaded {
                    extra.push("-DTHREADED");
                }
                build(
                    flavor,
                    &[repo().join("tests/c").join(src)],
                    &bin,
                    &extra,
                    work.path(),
                );
            }
        }
    }
}

/// The static library links on its own (with the C runtime libraries Rust
/// code needs) and gives the same probe output as Apache's shared one.
#[test]
fn static_library_links_and_matches() {
    testkit::ensure_packages();
    let work = Work::new("static");
    let archive = our_library().with_file_name("libzookeeper_mt.a");
    assert!(archive.exists(), "{} not built", archive.display());
    let bin = work.path().join("probe-static");
    let o = std::process::Command::new("cc")
        .arg("-DTHREADED")
        .arg("-I")
        .arg(include_dir(Flavor::Ours))
        .arg(repo().join("tests/c/abi_probe.c"))
        .arg(&archive)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&bin)
        .output()
        .expect("run cc");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ours = stdout(&run(&bin, &[]));
    let theirs = probe(Flavor::Apache, true, &work);
    assert_eq!(ours, theirs);
}
