//! Golden tests of the eBPF C generator.
//!
//! Each `tests/data/ebpf/NAME.ks` is parsed, checked and generated; the C
//! must equal `NAME.ebpf.c` (bless with
//! `UPDATE_EXPECT=1 cargo test -p kernelscript --test ebpf_golden`). Then
//! the golden is built with clang exactly as a user's Makefile does and the
//! object is loaded into the running kernel, so the verifier judges every
//! file. A `.ks` whose first line is `// golden: compile-only (REASON)` is
//! only built (for program kinds this kernel refuses to load).
//!
//! Behaviour (return values, map contents) is the end-to-end tier's job
//! (`tests/e2e/*.ks`); these tests pin the text and prove it is valid.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read their data files

mod support;

use std::path::{Path, PathBuf};

use expect_test::expect_file;
use kernelscript::driver::{analyze, generate, GenerateOptions, NoIncludes};
use testkit::libbpf_rs::ObjectBuilder;

const COMPILE_ONLY: &str = "// golden: compile-only";

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ebpf")
}

/// Generates `NAME.ks`, compares with `NAME.ebpf.c`, builds and loads it.
fn golden(name: &str) {
    let source_path = data_dir().join(format!("{name}.ks"));
    let text = std::fs::read_to_string(&source_path)
        .unwrap_or_else(|error| panic!("{}: {error}", source_path.display()));
    let file_name = format!("{name}.ks");
    let analysis = analyze(&file_name, &text, &mut NoIncludes, support::kernel());
    let Some(program) = analysis.program() else {
        let messages: Vec<String> = analysis
            .diagnostics
            .iter()
            .map(|diagnostic| {
                let line = diagnostic
                    .primary_span()
                    .map_or(0, |span| analysis.sources.line(span));
                format!("{file_name}:{line}: {}", diagnostic.message)
            })
            .collect();
        panic!("{file_name} does not check:\n{}", messages.join("\n"));
    };
    let options = GenerateOptions::new(name);
    let outputs = generate(program, &analysis.sources, &options);
    let c = outputs.ebpf_c;
    expect_file![data_dir().join(format!("{name}.ebpf.c"))].assert_eq(&c);

    let work = std::env::temp_dir().join(format!("ks-ebpf-golden-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temporary directory");
    let c_path = work.join(format!("{name}.ebpf.c"));
    let object = work.join(format!("{name}.ebpf.o"));
    std::fs::write(&c_path, &c).expect("write C");
    if let Some(header) = &outputs.kernel_header {
        std::fs::write(work.join(&header.file_name), &header.text)
            .expect("write the kernel header");
    }
    testkit::build_bpf_object(&c_path, &object).unwrap_or_else(|error| panic!("{name}: {error}"));
    if !text.starts_with(COMPILE_ONLY) {
        load(name, &object);
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// Loads every program and map of `object`, pinning `pin` maps under a
/// directory of its own (removed afterwards) rather than `/sys/fs/bpf`.
fn load(name: &str, object: &Path) {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let pin_root = PathBuf::from(format!(
        "/sys/fs/bpf/ks-golden-{}-{name}",
        std::process::id()
    ));
    let (result, log) = testkit::with_libbpf_log(|| -> Result<(), String> {
        let mut builder = ObjectBuilder::default();
        builder
            .pin_root_path(&pin_root)
            .map_err(|error| error.to_string())?;
        let open = builder
            .open_file(object)
            .map_err(|error| error.to_string())?;
        let loaded = open.load().map_err(|error| error.to_string())?;
        drop(loaded);
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&pin_root);
    if let Err(error) = result {
        panic!("{name}: the kernel refused the object: {error}\n{log}");
    }
}

macro_rules! goldens {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                golden(stringify!($name));
            }
        )*

        /// Every `.ks` in the data directory has a test above.
        #[test]
        fn every_golden_is_listed() {
            let listed = [$(stringify!($name)),*];
            let mut missing = Vec::new();
            for entry in std::fs::read_dir(data_dir()).expect("data directory") {
                let path = entry.expect("directory entry").path();
                if path.extension().is_some_and(|extension| extension == "ks") {
                    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                    if !listed.contains(&stem.as_str()) {
                        missing.push(stem);
                    }
                }
            }
            assert!(missing.is_empty(), "add to goldens!: {missing:?}");
        }
    };
}

goldens!(
    control_flow,
    errors_defer,
    globals_configs,
    map_iteration,
    map_operations,
    objects,
    match_forms,
    packet_parser,
    pinned_globals,
    print_strings,
    string_building,
    probe_fentry,
    raw_tracepoint,
    ringbuf_events,
    ringbuf_records,
    struct_ops_cc,
    tail_calls,
    tc_classifier,
    tracing_programs,
    unsigned_enums,
    uprobe_counter,
    xdp_counter,
);
