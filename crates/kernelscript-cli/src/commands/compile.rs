//! `kernelscript compile FILE.ks`: check against the kernel's BTF, then
//! write the generated C (with the kernel header of the kernel types it
//! uses) and the Makefile into the output directory.

use super::Failure;
use crate::kernel;
use crate::project::{self, Project};
use kernelscript::driver;
use std::path::Path;

/// What `compile` wrote.
pub struct Compiled {
    pub project: Project,
    /// The userspace program embeds CPython.
    pub uses_python: bool,
    /// The eBPF object needs BTF type tags (maps of objects): clang >= 15.
    pub needs_type_tags: bool,
    /// `NAME.test.c` was written (asked for, and there are `@test`
    /// functions).
    pub has_tests: bool,
}

/// How to compile, besides the source file.
pub struct Settings<'a> {
    /// The output directory (`./NAME` when `None`).
    pub output: Option<&'a Path>,
    /// The target kernel's BTF (the running kernel's when `None`).
    pub btf: Option<&'a Path>,
    /// `--pin-path`: the pin directory (`/sys/fs/bpf/NAME` when `None`).
    pub pin_path: Option<&'a str>,
    pub write_makefile: bool,
    /// Also write the test runner `NAME.test.c` (`--test`).
    pub tests: bool,
    /// Warnings are errors (`--deny-warnings`).
    pub deny_warnings: bool,
    pub verbose: bool,
}

/// Compiles `file` for the kernel `settings` names and returns the project
/// layout written.
pub fn run(file: &Path, settings: &Settings) -> Result<Compiled, Failure> {
    let Settings {
        output,
        btf,
        pin_path,
        write_makefile,
        tests,
        deny_warnings,
        verbose,
    } = *settings;
    if let Some(pin_path) = pin_path {
        check_pin_path(pin_path)?;
    }
    let project = Project::new(file, output)?;
    let target = kernel::load(btf)?;
    if verbose {
        eprintln!(
            "kernel BTF {} loaded in {:.1} ms",
            target.path.display(),
            target.load_time.as_secs_f64() * 1e3
        );
    }
    let analysis = project::analyze_file(file, &target, deny_warnings)?;
    super::check::refuse_errors(&analysis)?;
    let driver::Analysis {
        checked: program,
        sources,
        ..
    } = analysis;
    let mut options = driver::GenerateOptions::new(&project.name);
    options.pin_path = pin_path.map(str::to_string);
    options.tests = tests;
    std::fs::create_dir_all(&project.dir).map_err(|error| {
        Failure::Message(format!(
            "cannot create `{}`: {error}",
            project.dir.display()
        ))
    })?;
    // `#line` directives name the sources relative to the output directory,
    // where clang runs, so it can read their lines into the BTF line info
    // (and so into verifier logs).
    let mut sources = sources;
    let files: Vec<_> = sources
        .files()
        .map(|(id, text)| (id, text.name.clone()))
        .collect();
    for (id, name) in files {
        sources.rename(id, project::path_from(&project.dir, Path::new(&name)));
    }
    let outputs = driver::generate(&program, &sources, &options);
    let mut files = vec![(project.ebpf_c(), outputs.ebpf_c.as_str())];
    if let Some(header) = &outputs.kernel_header {
        files.push((project.file(&header.file_name), header.text.as_str()));
    }
    if let Some(userspace_c) = &outputs.userspace_c {
        files.push((project.userspace_c(), userspace_c.as_str()));
    }
    if let Some(test_c) = &outputs.test_c {
        files.push((project.test_c(), test_c.as_str()));
    }
    if write_makefile {
        files.push((project.makefile(), outputs.makefile.as_str()));
    }
    if readme_is_ours(&project.file("README.md")) {
        files.push((project.file("README.md"), outputs.readme.as_str()));
    } else if verbose {
        eprintln!(
            "kept {}: kernelscript did not write it",
            project.file("README.md").display()
        );
    }
    if let Some(module) = &outputs.kernel_module {
        let kmod = project.file("kmod");
        std::fs::create_dir_all(&kmod).map_err(|error| {
            Failure::Message(format!("cannot create `{}`: {error}", kmod.display()))
        })?;
        files.push((
            project.file(&format!("{}.mod.c", project.name)),
            module.source.as_str(),
        ));
        files.push((kmod.join("Kbuild"), module.kbuild.as_str()));
        files.push((
            kmod.join(format!("{}.c", module.name)),
            module.wrapper.as_str(),
        ));
    }
    project.write_all(&files, verbose)?;
    Ok(Compiled {
        project,
        uses_python: outputs.plan.uses_python,
        needs_type_tags: outputs.plan.needs_type_tags,
        has_tests: outputs.test_c.is_some(),
    })
}

/// Whether `compile` may write `path`: it does not exist, or kernelscript
/// wrote it (its first line is the marker; a user's README stays).
fn readme_is_ours(path: &Path) -> bool {
    match std::fs::read_to_string(path) {
        Ok(text) => text.lines().next() == Some(kernelscript::codegen::readme::GENERATED_MARKER),
        Err(error) => error.kind() == std::io::ErrorKind::NotFound,
    }
}

/// `--pin-path` must be an absolute directory path that C can hold in a
/// string as written.
fn check_pin_path(path: &str) -> Result<(), Failure> {
    if !path.starts_with('/') || path.trim_end_matches('/').is_empty() {
        return Err(Failure::Message(format!(
            "--pin-path `{path}` must be an absolute directory below a bpffs mount, such as /sys/fs/bpf/myapp"
        )));
    }
    if path.chars().any(|c| c.is_control()) || path.len() > 200 {
        return Err(Failure::Message(format!(
            "--pin-path `{}` must be at most 200 bytes without control characters",
            path.escape_debug()
        )));
    }
    Ok(())
}
