//! `kernelscript check FILE.ks`: diagnostics only, for people (stderr) or
//! as JSON lines (stdout, `--message-format json`).

use super::Failure;
use crate::{kernel, project};
use kernelscript::driver::Analysis;
use std::path::Path;
use std::time::Instant;

pub fn run(
    file: &Path,
    btf: Option<&Path>,
    deny_warnings: bool,
    verbose: bool,
    format: project::MessageFormat,
) -> Result<(), Failure> {
    let target = kernel::load(btf)?;
    let started = Instant::now();
    let analysis = project::analyze_file_as(file, &target, deny_warnings, format)?;
    if verbose {
        eprintln!(
            "kernel BTF {}: read and parsed in {:.1} ms; analysis (indexing included) {:.1} ms",
            target.path.display(),
            target.load_time.as_secs_f64() * 1e3,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    refuse_errors(&analysis)
}

/// Fails on errors (warnings are errors already under `--deny-warnings`);
/// with warnings only, prints rustc's summary line and succeeds.
pub(crate) fn refuse_errors(analysis: &Analysis) -> Result<(), Failure> {
    let errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = analysis.warning_count();
    if errors > 0 {
        return Err(Failure::SourceErrors { count: errors });
    }
    if warnings > 0 {
        eprintln!(
            "warning: {warnings} warning{} emitted",
            if warnings == 1 { "" } else { "s" }
        );
    }
    Ok(())
}
