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
    /// The userspace program embeds CPython.
    pub uses_python: bool,
}

/// Compiles `file` and returns the project layout written.
pub fn run(
    file: &Path,
    output: Option<&Path>,
    write_makefile: bool,
    verbose: bool,
) -> Result<Compiled, Failure> {
    let project = Project::new(file, output)?;
    let mut analysis = project::analyze_file(file)?;
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
    if let Some(userspace_c) = &outputs.userspace_c {
        files.push((project.userspace_c(), userspace_c.as_str()));
    }
    if write_makefile {
        files.push((project.makefile(), outputs.makefile.as_str()));
    }
    project.write_all(&files, verbose)?;
    Ok(Compiled {
        project,
        needs_vmlinux_h: outputs.needs_vmlinux_h(),
        uses_python: outputs.plan.uses_python,
    })
}
