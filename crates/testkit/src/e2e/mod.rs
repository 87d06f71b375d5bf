//! Data-driven end-to-end tests: a `.ks` (or `.c`) file whose `//` comment
//! directives say which programs to run on which packets and what the maps
//! and globals must then hold. See `tests/e2e/README.md` for the syntax.
//!
//! [`run_file`] parses the directives, has the caller compile the file to
//! eBPF C (the compile step is a closure, so this crate never depends on the
//! compiler), builds it with clang, takes the kernel lock, loads it and runs
//! the directives in order. A file without checks, an unknown directive or a
//! mismatch is an error — the runner never passes vacuously.

mod annotations;
mod lexer;
mod packet_spec;
mod runner;
mod values;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use annotations::{
    parse_directive, parse_file, parse_retval, Directive, DirectiveKind, MapExpect, Retval,
};
pub use values::{BytesKind, Encoded, IntTy, Value};

/// A failed end-to-end file: where, which directive, and what differed.
#[derive(Debug)]
pub struct E2eError {
    pub file: PathBuf,
    /// 1-based line of the directive, when one is to blame.
    pub line: Option<usize>,
    /// The directive text, when one is to blame.
    pub directive: Option<String>,
    /// Expected vs actual, or what went wrong (with the verifier log for load failures).
    pub message: String,
    /// Where the generated C and object were kept for inspection.
    pub artifacts: Option<PathBuf>,
}

impl E2eError {
    pub(crate) fn at(file: &Path, line: usize, directive: &str, message: String) -> E2eError {
        E2eError {
            file: file.into(),
            line: Some(line),
            directive: Some(directive.into()),
            message,
            artifacts: None,
        }
    }

    fn whole(file: &Path, message: String) -> E2eError {
        E2eError {
            file: file.into(),
            line: None,
            directive: None,
            message,
            artifacts: None,
        }
    }
}

impl fmt::Display for E2eError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        match &self.directive {
            Some(d) => writeln!(f, ": `{d}`")?,
            None => writeln!(f, ":")?,
        }
        for line in self.message.lines() {
            writeln!(f, "    {line}")?;
        }
        if let Some(dir) = &self.artifacts {
            writeln!(f, "    (generated files kept in {})", dir.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for E2eError {}

/// What a passing file did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub file: PathBuf,
    /// Directives that checked something (`run`, `out`, `map`, `global`, `expect-load-error`).
    pub checks: usize,
    /// `Some(reason)` when the kernel was unavailable and the file was only compiled.
    pub skipped: Option<String>,
}

/// Parses a file's directives and checks they form a meaningful test.
pub fn parse_and_validate(file: &Path, source: &str) -> Result<Vec<Directive>, E2eError> {
    let directives = parse_file(source).map_err(|(line, msg)| {
        let text = source.lines().nth(line - 1).unwrap_or("").trim();
        let text = text.strip_prefix("//").unwrap_or(text).trim();
        E2eError::at(file, line, text, msg)
    })?;
    let checks = directives.iter().filter(|d| {
        !matches!(
            d.kind,
            DirectiveKind::GlobalSet { .. }
                | DirectiveKind::MapSet { .. }
                | DirectiveKind::MapSetProg { .. }
                | DirectiveKind::MapDelete { .. }
        )
    });
    if checks.count() == 0 {
        return Err(E2eError::whole(file, "no checking directive (`run:`, `map:`, `global:`, `expect-load-error:`); an e2e test must check something".into()));
    }
    if let Some(pos) = directives
        .iter()
        .position(|d| matches!(d.kind, DirectiveKind::ExpectLoadError { .. }))
    {
        let stray = directives.iter().enumerate().find(|(i, d)| match d.kind {
            DirectiveKind::ExpectLoadError { .. } => false,
            DirectiveKind::GlobalSet { .. } => *i > pos,
            _ => true,
        });
        if let Some((_, d)) = stray {
            let m = "a file with `expect-load-error:` may only have `global-set:` before it \
                     and more `expect-load-error:` lines after it";
            return Err(E2eError::at(file, d.line, &d.text, m.into()));
        }
    }
    Ok(directives)
}

/// Runs the directives of `test_file` against an already built `object`.
/// The caller must hold the kernel lock (see [`crate::skip_unless_capable`]).
pub fn run_object(test_file: &Path, object: &Path) -> Result<Report, E2eError> {
    let source = std::fs::read_to_string(test_file)
        .map_err(|e| E2eError::whole(test_file, format!("cannot read: {e}")))?;
    let directives = parse_and_validate(test_file, &source)?;
    run_directives(test_file, object, None, &directives)
}

fn run_directives(
    test_file: &Path,
    object: &Path,
    c_file: Option<&Path>,
    directives: &[Directive],
) -> Result<Report, E2eError> {
    let mut runner = runner::Runner::new(test_file, object, c_file);
    runner.run_all(directives)?;
    Ok(Report {
        file: test_file.into(),
        checks: runner.checks,
        skipped: None,
    })
}

static SCRATCH_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh scratch directory for one file's generated outputs.
pub fn scratch_dir(stem: &str) -> std::io::Result<PathBuf> {
    let n = SCRATCH_COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ks-e2e-{}-{n}-{stem}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The whole pipeline for one test file: parse directives, `compile(file,
/// out_dir)` to eBPF C, build with clang, then — if the kernel is usable —
/// load and run the directives under the kernel lock. Without kernel access
/// it prints `skipped: ...` and reports `skipped` (or panics under
/// `KS_REQUIRE_KERNEL=1`). Generated files are deleted on success and kept
/// (and named in the error) on failure.
pub fn run_file<F>(file: &Path, compile: F) -> Result<Report, E2eError>
where
    F: FnOnce(&Path, &Path) -> Result<PathBuf, String>,
{
    let source = std::fs::read_to_string(file)
        .map_err(|e| E2eError::whole(file, format!("cannot read: {e}")))?;
    let directives = parse_and_validate(file, &source)?;
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "test".into());
    let dir = scratch_dir(&stem)
        .map_err(|e| E2eError::whole(file, format!("cannot create a scratch directory: {e}")))?;
    let keep = |mut e: E2eError| {
        e.artifacts = Some(dir.clone());
        e
    };
    let c_file = compile(file, &dir)
        .map_err(|m| keep(E2eError::whole(file, format!("compiling failed:\n{m}"))))?;
    let object = dir.join(format!("{stem}.o"));
    crate::build_bpf_object(&c_file, &object)
        .map_err(|e| keep(E2eError::whole(file, e.to_string())))?;
    let report = match crate::check_capable() {
        Err(reason) => {
            println!("skipped: {reason} ({})", file.display());
            Report {
                file: file.into(),
                checks: 0,
                skipped: Some(reason),
            }
        }
        Ok(_kernel) => run_directives(file, &object, Some(&c_file), &directives).map_err(keep)?,
    };
    let _ = std::fs::remove_dir_all(&dir);
    Ok(report)
}

/// Runs every file with extension `ext` directly in `dir` (sorted), and
/// fails with all failures at once. No matching file is a failure too.
pub fn run_dir<F>(dir: &Path, ext: &str, compile: F) -> Result<Vec<Report>, String>
where
    F: Fn(&Path, &Path) -> Result<PathBuf, String>,
{
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no *.{ext} files in {}", dir.display()));
    }
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for f in &files {
        match run_file(f, &compile) {
            Ok(r) => {
                println!("e2e ok: {} ({} checks)", f.display(), r.checks);
                reports.push(r);
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    if failures.is_empty() {
        Ok(reports)
    } else {
        Err(format!(
            "{} of {} e2e files failed:\n\n{}",
            failures.len(),
            files.len(),
            failures.join("\n")
        ))
    }
}

/// A compile step for hand-written C test files: copies `src` to
/// `out_dir/STEM.ebpf.c`, as if a compiler had generated it.
pub fn copy_c_source(src: &Path, out_dir: &Path) -> Result<PathBuf, String> {
    let stem = src
        .file_stem()
        .ok_or("no file name")?
        .to_string_lossy()
        .into_owned();
    let dest = out_dir.join(format!("{stem}.ebpf.c"));
    std::fs::copy(src, &dest)
        .map_err(|e| format!("copying {} -> {}: {e}", src.display(), dest.display()))?;
    Ok(dest)
}

/// A compile step running the compiler CLI: `BIN compile FILE.ks -o OUT_DIR`,
/// which writes `OUT_DIR/STEM.ebpf.c`. E.g. in the CLI crate's tests:
/// `kernelscript_cli(env!("CARGO_BIN_EXE_kernelscript"))`.
pub fn kernelscript_cli(
    bin: impl Into<PathBuf>,
) -> impl Fn(&Path, &Path) -> Result<PathBuf, String> {
    let bin = bin.into();
    move |src: &Path, out_dir: &Path| {
        let output = Command::new(&bin)
            .arg("compile")
            .arg(src)
            .arg("-o")
            .arg(out_dir)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        let text = || {
            format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        };
        if !output.status.success() {
            return Err(format!(
                "`{} compile {}` failed ({}):\n{}",
                bin.display(),
                src.display(),
                output.status,
                text()
            ));
        }
        let stem = src
            .file_stem()
            .ok_or("no file name")?
            .to_string_lossy()
            .into_owned();
        let c_file = out_dir.join(format!("{stem}.ebpf.c"));
        if !c_file.is_file() {
            return Err(format!(
                "the compiler succeeded but wrote no {}:\n{}",
                c_file.display(),
                text()
            ));
        }
        Ok(c_file)
    }
}
