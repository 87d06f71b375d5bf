//! Renders core diagnostics for people, with codespan-reporting.
//!
//! This is the one place diagnostics become text: `file:line:col`, the
//! source line, a caret under the span, labels, `help:` and `note:` lines.
//! Colour is used only when stderr is a terminal. Output is bounded: at
//! most `MAX_ERRORS_SHOWN` errors are rendered (each repeats its source
//! line, so an unbounded list grows with the square of a broken file), and
//! it goes through one buffered writer.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{
    self,
    termcolor::{BufferedStandardStream, ColorChoice},
};
use kernelscript::diagnostic::{Diagnostic, Severity};
use kernelscript::source::SourceMap;
use std::io::{IsTerminal, Write};

/// Converts a diagnostic to codespan's form; file ids are `FileId.0`.
fn to_codespan(diagnostic: &Diagnostic) -> cs::Diagnostic<usize> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let labels = diagnostic
        .labels
        .iter()
        .map(|label| {
            let range = label.span.start as usize..label.span.end as usize;
            let file = label.span.file.0 as usize;
            let codespan_label = if label.primary {
                cs::Label::primary(file, range)
            } else {
                cs::Label::secondary(file, range)
            };
            codespan_label.with_message(label.message.clone())
        })
        .collect();
    let notes = diagnostic
        .help
        .iter()
        .map(|help| format!("help: {help}"))
        .chain(diagnostic.notes.iter().map(|note| format!("note: {note}")))
        .collect();
    cs::Diagnostic::new(severity)
        .with_message(diagnostic.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

fn files_of(sources: &SourceMap) -> SimpleFiles<String, String> {
    let mut files = SimpleFiles::new();
    for (_, source) in sources.files() {
        files.add(source.name.clone(), source.text.clone());
    }
    files
}

/// A function giving one diagnostic as the human text `emit_all` writes
/// (without colour).
pub fn plain(sources: &SourceMap) -> impl Fn(&Diagnostic) -> String {
    let files = files_of(sources);
    move |diagnostic| plain_text(&files, diagnostic)
}

fn plain_text(files: &SimpleFiles<String, String>, diagnostic: &Diagnostic) -> String {
    let mut buffer = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    let config = term::Config::default();
    if term::emit_to_write_style(&mut buffer, &config, files, &to_codespan(diagnostic)).is_err() {
        return format!("error: {}\n", diagnostic.message);
    }
    String::from_utf8_lossy(&buffer.into_inner()).into_owned()
}

/// The most errors rendered for one file; the rest are counted only.
pub const MAX_ERRORS_SHOWN: usize = 50;

/// Writes the diagnostics to stderr, errors up to `MAX_ERRORS_SHOWN`
/// (warnings only while errors are still shown); the caller's summary
/// gives the total.
pub fn emit_all<'a>(sources: &SourceMap, diagnostics: impl IntoIterator<Item = &'a Diagnostic>) {
    let files = files_of(sources);
    let choice = if std::io::stderr().is_terminal() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let mut writer = BufferedStandardStream::stderr(choice);
    let config = term::Config::default();
    let mut errors_shown = 0;
    for diagnostic in diagnostics {
        if errors_shown == MAX_ERRORS_SHOWN {
            break;
        }
        errors_shown += usize::from(diagnostic.is_error());
        // A span outside its file is a compiler bug; codespan reports it as
        // an error, and we fall back to the bare message.
        if term::emit_to_write_style(&mut writer, &config, &files, &to_codespan(diagnostic))
            .is_err()
        {
            let _ = writeln!(writer, "error: {}", diagnostic.message);
        }
    }
    let _ = writer.flush();
}
