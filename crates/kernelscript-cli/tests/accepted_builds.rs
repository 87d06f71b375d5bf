//! Accepted programs build: every `tests/builds/*.ks` (reproducers of
//! programs the checker accepted but whose C failed to compile) is
//! compiled with `kernelscript compile` and built with its generated
//! Makefile under `-Wall -Werror`, as a user would. Needs clang, bpftool,
//! cc and libbpf (scripts/install-deps.sh installs them). The fuzzer seeds
//! from this directory too.

mod support;

use std::path::Path;

#[test]
fn every_accepted_reproducer_builds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/builds");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/builds exists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "ks"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(&file).unwrap();
        // Panics with the compiler's or make's output on failure.
        let project = support::build("builds", &name, &source);
        assert!(project.binary.exists() || !source.contains("fn main"));
    }
}
