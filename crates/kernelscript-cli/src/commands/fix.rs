//! `kernelscript fix FILE.ks`: applies the machine-applicable suggestions
//! of the file's diagnostics in place, then checks it again.
//!
//! Only suggestions marked `MachineApplicable` are taken, only in the file
//! itself (never in an included header), and never two that touch the same
//! text (`diagnostic::apply_suggestions` decides). A fix can make new
//! suggestions appear (a cast that resolves one error lets checking reach
//! the next), so rounds repeat while they change something, at most
//! `MAX_ROUNDS` times. The file is rewritten only when its text changed;
//! what remains is printed as `check` prints it.

use super::Failure;
use crate::{kernel, project, render};
use kernelscript::diagnostic::apply_suggestions;
use std::path::Path;

const MAX_ROUNDS: usize = 8;

pub fn run(file: &Path, btf: Option<&Path>) -> Result<(), Failure> {
    let target = kernel::load(btf)?;
    let original = project::read(file)?;
    let mut text = original.clone();
    let mut applied = 0;
    let mut analysis = project::analyze_text(file, &text, &target);
    for _ in 0..MAX_ROUNDS {
        let (fixed, count) =
            apply_suggestions(&text, analysis.main_file, analysis.diagnostics.iter());
        if count == 0 || fixed == text {
            break;
        }
        applied += count;
        text = fixed;
        analysis = project::analyze_text(file, &text, &target);
    }
    if text != original {
        write_in_place(file, &text)?;
    }
    render::emit_all(&analysis.sources, analysis.diagnostics.iter());
    let noun = if applied == 1 { "fix" } else { "fixes" };
    eprintln!("{}: applied {applied} {noun}", file.display());
    if analysis.has_errors() {
        let count = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        return Err(Failure::SourceErrors { count });
    }
    Ok(())
}

/// Replaces `file`'s contents through a temporary file and a rename, so an
/// interrupted fix never leaves half a file.
fn write_in_place(file: &Path, text: &str) -> Result<(), Failure> {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".fix-{}", std::process::id()));
    let temporary = file.with_file_name(name);
    let result = std::fs::write(&temporary, text).and_then(|()| {
        if let Ok(metadata) = std::fs::metadata(file) {
            std::fs::set_permissions(&temporary, metadata.permissions())?;
        }
        std::fs::rename(&temporary, file)
    });
    result.map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        Failure::Message(format!("cannot write `{}`: {error}", file.display()))
    })
}
