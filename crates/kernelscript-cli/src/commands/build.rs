//! `kernelscript build FILE.ks`: compile, then build everything without
//! make: the eBPF object (clang), its skeleton (bpftool) and the userspace
//! binary (cc, libbpf). The commands are the ones the generated Makefile
//! runs, so `make` and `kernelscript build` produce the same files.
//! `kernelscript test` builds the same way, with the test runner
//! `NAME.test` instead of (besides) the userspace binary.

use super::compile::Compiled;
use super::Failure;
use crate::toolchain::{self, BPFTOOL, CC, CLANG};
use std::path::Path;

pub fn run(file: &Path, settings: &super::compile::Settings) -> Result<(), Failure> {
    build(file, settings).map(|_| ())
}

/// Compiles `file` (with the test runner when `settings.tests`) and builds
/// what was generated.
pub fn build(file: &Path, settings: &super::compile::Settings) -> Result<Compiled, Failure> {
    let verbose = settings.verbose;
    let clang = CLANG.require()?;
    let bpftool = BPFTOOL.require()?;
    let cc = CC.require()?;
    toolchain::require_libbpf_headers()?;

    let compiled = super::compile::run(file, settings)?;
    let clang = match compiled.needs_type_tags {
        true => toolchain::type_tag_clang()?,
        false => clang,
    };
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

    let userspace = project.userspace_c().is_file();
    if !userspace && !compiled.has_tests {
        if verbose {
            eprintln!(
                "no userspace program: built {}",
                project.ebpf_object().display()
            );
        }
        return Ok(compiled);
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

    let (python_cflags, python_libs) = if compiled.uses_python {
        toolchain::python_embed_flags()?
    } else {
        (Vec::new(), Vec::new())
    };
    let mut binaries = Vec::new();
    if userspace {
        binaries.push((format!("{name}.c"), project.binary()));
    }
    if compiled.has_tests {
        binaries.push((format!("{name}.test.c"), project.test_binary()));
    }
    for (source, binary) in binaries {
        let mut cc_args = vec!["-g".to_string(), "-O2".to_string(), "-Wall".to_string()];
        cc_args.extend(python_cflags.iter().cloned());
        cc_args.extend([
            source,
            "-o".to_string(),
            // cc runs in the project directory.
            binary
                .file_name()
                .map_or_else(String::new, |file| file.to_string_lossy().into_owned()),
            "-lbpf".to_string(),
            "-lelf".to_string(),
            "-lz".to_string(),
        ]);
        cc_args.extend(python_libs.iter().cloned());
        toolchain::run(&cc, &cc_args, dir, None, verbose)?;
        if verbose {
            eprintln!("built {}", binary.display());
        }
    }
    Ok(compiled)
}
