//! `kernelscript check FILE.ks`: diagnostics only.

use super::Failure;
use crate::project;
use std::path::Path;

pub fn run(file: &Path) -> Result<(), Failure> {
    let analysis = project::analyze_file(file)?;
    if analysis.has_errors() {
        let count = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        return Err(Failure::SourceErrors { count });
    }
    Ok(())
}
