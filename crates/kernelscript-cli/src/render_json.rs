//! Renders core diagnostics for tools: `check --message-format json`.
//!
//! One JSON object per diagnostic, one per line, on stdout, in the shape
//! rustc gives (`message`, `level`, `spans` with `file_name`, byte and
//! line/column ranges, `label`, `is_primary`, `suggested_replacement` and
//! `suggestion_applicability`; `children` for `help:`/`note:` lines and
//! suggestions; `rendered` the human text), so editors and scripts that
//! read rustc's diagnostics read these. Lines and columns are 1-based,
//! columns count bytes. This file must not decide anything about the
//! diagnostics themselves; it only prints them.

use kernelscript::diagnostic::{Diagnostic, Severity, Suggestion};
use kernelscript::source::SourceMap;
use kernelscript::span::Span;
use serde_json::{json, Value};
use std::io::Write;

fn span_json(sources: &SourceMap, span: Span, label: Option<&str>, primary: bool) -> Value {
    let source = sources.get(span.file);
    let (line_start, column_start) = sources.line_col(span);
    let (line_end, column_end) = sources.end_line_col(span);
    json!({
        "file_name": source.name,
        "byte_start": span.start,
        "byte_end": span.end,
        "line_start": line_start,
        "line_end": line_end,
        "column_start": column_start,
        "column_end": column_end,
        "is_primary": primary,
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
    })
}

fn suggestion_json(sources: &SourceMap, suggestion: &Suggestion) -> Value {
    let spans: Vec<Value> = suggestion
        .edits
        .iter()
        .map(|edit| {
            let mut span = span_json(sources, edit.span, None, true);
            span["suggested_replacement"] = json!(edit.replacement);
            span["suggestion_applicability"] = json!(suggestion.applicability.as_str());
            span
        })
        .collect();
    json!({
        "message": suggestion.message,
        "level": "help",
        "spans": spans,
        "children": [],
        "rendered": null,
    })
}

/// The JSON object for one diagnostic; `rendered` is the human text.
pub fn diagnostic_json(sources: &SourceMap, diagnostic: &Diagnostic, rendered: &str) -> Value {
    let level = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let spans: Vec<Value> = diagnostic
        .labels
        .iter()
        .map(|label| span_json(sources, label.span, Some(&label.message), label.primary))
        .collect();
    let child = |level: &str, message: &str| json!({ "message": message, "level": level, "spans": [], "children": [], "rendered": null });
    let children: Vec<Value> = diagnostic
        .help
        .iter()
        .map(|help| child("help", help))
        .chain(diagnostic.notes.iter().map(|note| child("note", note)))
        .chain(
            diagnostic
                .suggestions
                .iter()
                .map(|suggestion| suggestion_json(sources, suggestion)),
        )
        .collect();
    json!({
        "$message_type": "diagnostic",
        "message": diagnostic.message,
        "code": null,
        "level": level,
        "spans": spans,
        "children": children,
        "rendered": rendered,
    })
}

/// Writes every diagnostic to stdout, one JSON object per line.
pub fn emit_all<'a>(sources: &SourceMap, diagnostics: impl IntoIterator<Item = &'a Diagnostic>) {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let plain = crate::render::plain(sources);
    for diagnostic in diagnostics {
        let rendered = plain(diagnostic);
        let line = diagnostic_json(sources, diagnostic, &rendered);
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
}
