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
}

/// Compiles `file` for the kernel of `btf` (the running kernel's when
/// `None`) and returns the project layout written.
pub fn run(
    file: &Path,
    output: Option<&Path>,
    btf: Option<&Path>,
    write_makefile: bool,
    verbose: bool,
) -> Result<Compiled, Failure> {
    let project = Project::new(file, output)?;
    let target = kernel::load(btf)?;
    if verbose {
        eprintln!(
            "kernel BTF {} loaded in {:.1} ms",
            target.path.display(),
            target.load_time.as_secs_f64() * 1e3
        );
    }
    let mut analysis = project::analyze_file(file, &target)?;
    let Some(program) = analysis.program.take() else {
        let count = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        return Err(Failure::SourceErrors { count });
    };
    let options = driver::GenerateOptions {
        project_name: project.name.clone(),
    };
    std::fs::create_dir_all(&project.dir).map_err(|error| {
        Failure::Message(format!(
            "cannot create `{}`: {error}",
            project.dir.display()
        ))
    })?;
    // `#line` directives name the sources relative to the output directory,
    // where clang runs, so it can read their lines into the BTF line info
    // (and so into verifier logs).
    let mut sources = analysis.sources;
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
    if write_makefile {
        files.push((project.makefile(), outputs.makefile.as_str()));
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
    Ok(Compiled { project })
}
