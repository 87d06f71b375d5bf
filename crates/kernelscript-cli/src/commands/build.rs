//! `kernelscript build FILE.ks`: compile, then build everything without
//! make: the eBPF object (clang), its skeleton (bpftool) and the userspace
//! binary (cc, libbpf). The commands are the ones the generated Makefile
//! runs, so `make` and `kernelscript build` produce the same files.

use super::Failure;
use crate::toolchain::{self, BPFTOOL, CC, CLANG};
use std::path::Path;

pub fn run(file: &Path, settings: &super::compile::Settings) -> Result<(), Failure> {
    let verbose = settings.verbose;
    let clang = CLANG.require()?;
    let bpftool = BPFTOOL.require()?;
    let cc = CC.require()?;
    toolchain::require_libbpf_headers()?;

    let compiled = super::compile::run(file, settings)?;
    let project = &compiled.project;
    let name = &project.name;
    let dir = &project.dir;

    let mut clang_args = vec![
        "-g".to_string(),
        "-O2".to_string(),
        "-Wall".to_string(),
        "-target".to_string(),
        "bpf".to_string(),
        format!("-D__TARGET_ARCH_{}", toolchain::target_arch()),
    ];
    if let Some(include) = toolchain::multiarch_include() {
        clang_args.push(format!("-I{}", include.display()));
    }
    clang_args.extend([
        "-c".to_string(),
        format!("{name}.ebpf.c"),
        "-o".to_string(),
        format!("{name}.ebpf.o"),
    ]);
    toolchain::run(&clang, &clang_args, dir, None, verbose)?;

    if !project.userspace_c().is_file() {
        if verbose {
            eprintln!(
                "no userspace program: built {}",
                project.ebpf_object().display()
            );
        }
        return Ok(());
    }
    let skeleton_args = [
        "gen".to_string(),
        "skeleton".to_string(),
        format!("{name}.ebpf.o"),
        "name".to_string(),
        format!("{name}_ebpf"),
    ];
    toolchain::run(
        &bpftool,
        &skeleton_args,
        dir,
        Some(&project.skeleton()),
        verbose,
    )?;

    let cc_args = [
        "-g".to_string(),
        "-O2".to_string(),
        "-Wall".to_string(),
        format!("{name}.c"),
        "-o".to_string(),
        name.clone(),
        "-lbpf".to_string(),
        "-lelf".to_string(),
        "-lz".to_string(),
    ];
    toolchain::run(&cc, &cc_args, dir, None, verbose)?;
    if verbose {
        eprintln!("built {}", project.binary().display());
    }
    Ok(())
}
