//! Golden tests of the kernel module generator (`codegen::kmod`).
//!
//! Each `tests/data/kmod/NAME.ks` is checked and generated; `NAME.mod.c`,
//! the `Kbuild` and the wrapper must equal `NAME.mod.c`, `NAME.Kbuild` and
//! `NAME_kfuncs.c` (bless with `UPDATE_EXPECT=1 cargo test -p kernelscript
//! --test kmod_golden`). That the module builds against real kernel
//! headers, inserts and serves its kfuncs is proved in the qemu tier
//! (`kernelscript-cli/tests/qemu_kfunc_module.rs`); this pins the text.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read their data files

mod support;

use std::path::{Path, PathBuf};

use expect_test::expect_file;
use kernelscript::driver::{analyze, generate, GenerateOptions, NoIncludes};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kmod")
}

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
            .map(|diagnostic| diagnostic.message.clone())
            .collect();
        panic!("{file_name} does not check:\n{}", messages.join("\n"));
    };
    let options = GenerateOptions::new(name);
    let outputs = generate(program, &analysis.sources, &options);
    let module = outputs
        .kernel_module
        .expect("a program with kfuncs has a module");
    assert_eq!(module.name, format!("{name}_kfuncs"));
    expect_file![data_dir().join(format!("{name}.mod.c"))].assert_eq(&module.source);
    expect_file![data_dir().join(format!("{name}.Kbuild"))].assert_eq(&module.kbuild);
    expect_file![data_dir().join(format!("{name}_kfuncs.c"))].assert_eq(&module.wrapper);
    // The eBPF side declares the kfuncs it calls, never the private ones.
    assert!(outputs
        .ebpf_c
        .contains("extern __u64 weigh(__u32 x, bool heavy) __ksym;"));
    assert!(!outputs.ebpf_c.contains("clamp"));
}

#[test]
fn kfuncs() {
    golden("kfuncs");
}

#[test]
fn programs_without_kfuncs_have_no_module() {
    let analysis = analyze(
        "plain.ks",
        "@xdp\nfn f(ctx: *xdp_md) -> xdp_action {\n    return XDP_PASS\n}\n",
        &mut NoIncludes,
        support::kernel(),
    );
    let program = analysis.program().expect("checks");
    let outputs = generate(program, &analysis.sources, &GenerateOptions::new("plain"));
    assert!(outputs.kernel_module.is_none());
    assert!(!outputs.makefile.contains("module"));
}
