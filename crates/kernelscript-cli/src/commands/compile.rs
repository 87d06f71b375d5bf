//! `kernelscript compile FILE.ks`: check, then write the generated C and
//! the Makefile into the output directory.

use super::Failure;
use crate::project::{self, Project};
use kernelscript::driver;
use std::path::Path;

/// What `compile` wrote.
pub struct Compiled {
    pub project: Project,
    /// The eBPF C includes `vmlinux.h`; the build must generate it.
    pub needs_vmlinux_h: bool,
}

/// Compiles `file` and returns the project layout written.
pub fn run(
    file: &Path,
    output: Option<&Path>,
    write_makefile: bool,
    verbose: bool,
) -> Result<Compiled, Failure> {
    let mut analysis = project::analyze_file(file)?;
    let Some(program) = analysis.program.take() else {
        let count = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        return Err(Failure::SourceErrors { count });
    };
    let project = Project::new(file, output);
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
    project.write(&project.ebpf_c(), &outputs.ebpf_c, verbose)?;
    if let Some(userspace_c) = &outputs.userspace_c {
        project.write(&project.userspace_c(), userspace_c, verbose)?;
    }
    if write_makefile {
        project.write(&project.makefile(), &outputs.makefile, verbose)?;
    }
    Ok(Compiled {
        project,
        needs_vmlinux_h: outputs.needs_vmlinux_h(),
    })
}
