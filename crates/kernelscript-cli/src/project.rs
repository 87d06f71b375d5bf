//! Where a compilation's inputs come from and its outputs go.
//!
//! `analyze_file` reads the main file, runs the core's analysis with a
//! filesystem include loader and prints the diagnostics. `Project` names
//! the output files for `NAME.ks`: `NAME.ebpf.c`, its kernel header
//! `NAME.vmlinux.h`, `NAME.c`, `Makefile`, `NAME.ebpf.o`, `NAME.skel.h`
//! and the binary `NAME`.

use crate::commands::Failure;
use crate::kernel::Target;
use crate::loader::{self, FsLoader};
use crate::{render, render_json};
use kernelscript::driver::{self, Analysis};
use std::path::{Path, PathBuf};

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageFormat {
    /// Rendered with source lines and carets, on stderr.
    Human,
    /// One JSON object per line on stdout (`render_json`).
    Json,
}

/// Reads, parses and checks `file` against `target`'s kernel, printing
/// its diagnostics to stderr; with `deny_warnings`, warnings are errors.
pub fn analyze_file(
    file: &Path,
    target: &Target,
    deny_warnings: bool,
) -> Result<Analysis, Failure> {
    analyze_file_as(file, target, deny_warnings, MessageFormat::Human)
}

/// `analyze_file`, printing the diagnostics in `format`.
pub fn analyze_file_as(
    file: &Path,
    target: &Target,
    deny_warnings: bool,
    format: MessageFormat,
) -> Result<Analysis, Failure> {
    let text = read(file)?;
    let mut analysis = analyze_text(file, &text, target);
    if deny_warnings {
        analysis.diagnostics.deny_warnings();
    }
    match format {
        MessageFormat::Human => render::emit_all(&analysis.sources, analysis.diagnostics.iter()),
        MessageFormat::Json => {
            render_json::emit_all(&analysis.sources, analysis.diagnostics.iter())
        }
    }
    Ok(analysis)
}

/// The source text of `file`.
pub fn read(file: &Path) -> Result<String, Failure> {
    loader::read_source(file)
        .map_err(|error| Failure::Message(format!("cannot read `{}`: {error}", file.display())))
}

/// Parses and checks `text` as the contents of `file`, printing nothing.
pub fn analyze_text(file: &Path, text: &str, target: &Target) -> Analysis {
    let name = file.to_string_lossy().into_owned();
    let mut loader = FsLoader {
        tracefs: target.is_running_kernel,
    };
    driver::analyze(&name, text, &mut loader, &target.kernel)
}

/// The output layout of one `.ks` file.
pub struct Project {
    /// A C identifier derived from the file stem.
    pub name: String,
    pub dir: PathBuf,
}

/// Names the generated Makefile gives a meaning of its own: a binary of
/// that name would be the Makefile itself or one of its phony targets.
const RESERVED_NAMES: &[&str] = &["Makefile", "makefile", "GNUmakefile", "all", "clean"];

impl Project {
    /// The layout for `file`; an error when the file's name would make an
    /// output clash with the generated Makefile.
    pub fn new(file: &Path, output: Option<&Path>) -> Result<Project, Failure> {
        let stem = file
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = c_identifier(&stem);
        if RESERVED_NAMES.contains(&name.as_str()) {
            return Err(Failure::Message(format!(
                "`{}` would build a program named `{name}`, which the generated Makefile \
                 uses for itself; rename the file (e.g. `{name}_prog.ks`)",
                file.display()
            )));
        }
        let dir = match output {
            Some(dir) => dir.to_path_buf(),
            None => PathBuf::from(&name),
        };
        Ok(Project { name, dir })
    }

    pub fn ebpf_c(&self) -> PathBuf {
        self.dir.join(format!("{}.ebpf.c", self.name))
    }
    pub fn ebpf_object(&self) -> PathBuf {
        self.dir.join(format!("{}.ebpf.o", self.name))
    }
    pub fn skeleton(&self) -> PathBuf {
        self.dir.join(format!("{}.skel.h", self.name))
    }
    pub fn userspace_c(&self) -> PathBuf {
        self.dir.join(format!("{}.c", self.name))
    }
    pub fn binary(&self) -> PathBuf {
        self.dir.join(&self.name)
    }
    /// `NAME.test.c`: the runner of the `@test` functions.
    pub fn test_c(&self) -> PathBuf {
        self.dir.join(format!("{}.test.c", self.name))
    }
    /// `NAME.test`: the built test runner.
    pub fn test_binary(&self) -> PathBuf {
        self.dir.join(format!("{}.test", self.name))
    }
    pub fn makefile(&self) -> PathBuf {
        self.dir.join("Makefile")
    }
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes every `(path, contents)` or none: all go to temporary files
    /// first, which are renamed into place only once all were written.
    pub fn write_all(&self, outputs: &[(PathBuf, &str)], verbose: bool) -> Result<(), Failure> {
        let temporary = |path: &Path| {
            let mut name = path.file_name().unwrap_or_default().to_os_string();
            name.push(format!(".tmp-{}", std::process::id()));
            path.with_file_name(name)
        };
        let mut written = Vec::new();
        let mut failure = None;
        for (path, contents) in outputs {
            let temporary = temporary(path);
            let result = std::fs::write(&temporary, contents);
            written.push(temporary);
            if let Err(error) = result {
                failure = Some(format!("cannot write `{}`: {error}", path.display()));
                break;
            }
        }
        if failure.is_none() {
            for ((path, _), temporary) in outputs.iter().zip(&written) {
                if let Err(error) = std::fs::rename(temporary, path) {
                    failure = Some(format!("cannot write `{}`: {error}", path.display()));
                    break;
                }
            }
        }
        if let Some(message) = failure {
            for temporary in &written {
                let _ = std::fs::remove_file(temporary);
            }
            return Err(Failure::Message(message));
        }
        if verbose {
            for (path, _) in outputs {
                eprintln!("wrote {}", path.display());
            }
        }
        Ok(())
    }
}

/// How `target` is reached from the directory `from`: a relative path
/// when both resolve on disk, else `target` made absolute.
pub fn path_from(from: &Path, target: &Path) -> String {
    let (Ok(from), Ok(target)) = (from.canonicalize(), target.canonicalize()) else {
        return std::path::absolute(target)
            .unwrap_or_else(|_| target.to_path_buf())
            .to_string_lossy()
            .into_owned();
    };
    let common = from
        .components()
        .zip(target.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut relative = PathBuf::new();
    for _ in from.components().skip(common) {
        relative.push("..");
    }
    for component in target.components().skip(common) {
        relative.push(component);
    }
    relative.to_string_lossy().into_owned()
}

/// `my-prog.v2` → `my_prog_v2`; a leading digit gets a `_` prefix.
pub fn c_identifier(stem: &str) -> String {
    let mut name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::c_identifier;

    #[test]
    fn stems_become_c_identifiers() {
        assert_eq!(c_identifier("packet_filter"), "packet_filter");
        assert_eq!(c_identifier("my-prog.v2"), "my_prog_v2");
        assert_eq!(c_identifier("3way"), "_3way");
        assert_eq!(c_identifier(""), "_");
    }
}
