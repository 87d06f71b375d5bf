//! `kernelscript check FILE.ks`: diagnostics only, for people (stderr) or
//! as JSON lines (stdout, `--message-format json`).

use super::Failure;
use crate::{kernel, project};
use std::path::Path;
use std::time::Instant;

pub fn run(
    file: &Path,
    btf: Option<&Path>,
    verbose: bool,
    format: project::MessageFormat,
) -> Result<(), Failure> {
    let target = kernel::load(btf)?;
    let started = Instant::now();
    let analysis = project::analyze_file_as(file, &target, format)?;
    if verbose {
        eprintln!(
            "kernel BTF {}: read and parsed in {:.1} ms; analysis (indexing included) {:.1} ms",
            target.path.display(),
            target.load_time.as_secs_f64() * 1e3,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    if analysis.has_errors() {
        let count = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        return Err(Failure::SourceErrors { count });
    }
    Ok(())
}
