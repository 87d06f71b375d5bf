//! The one diagnostic type every pass reports with.
//!
//! A `Diagnostic` is data: a severity, a short lowercase message, labelled
//! spans and `help:`/`note:` lines. Passes push them into a `Diagnostics`
//! sink and keep going; the CLI renders them once, at the edge. The wording
//! of each diagnostic lives in the owning pass's `errors.rs`, one small
//! constructor per diagnostic.
//!
//! A diagnostic whose help proposes an edit also carries it as data: a
//! `Suggestion` of byte-range replacements, marked machine-applicable when
//! applying it is unambiguous (`kernelscript fix` applies only those, with
//! `apply_suggestions` here; `check --message-format json` shows them all).

use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A span with a message shown under the caret. The primary label is the
/// place the error is; secondary labels give context ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    /// Lines rendered as `= help: ...`.
    pub help: Vec<String>,
    /// Lines rendered as `= note: ...`.
    pub notes: Vec<String>,
    /// Edits that fix the problem, as data (the help line words them).
    pub suggestions: Vec<Suggestion>,
}

/// An edit a diagnostic proposes: replacements of byte ranges, all applied
/// together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// What the edit does ("convert with `as u32`").
    pub message: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

/// Replace the text of `span` with `replacement` (an empty span inserts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// rustc's applicability levels, the two this compiler uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    /// The edit is the fix: `kernelscript fix` applies it.
    MachineApplicable,
    /// The edit is one plausible fix; a person must decide.
    MaybeIncorrect,
}

impl Applicability {
    /// The name rustc's JSON uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
        }
    }
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: Vec::new(),
            notes: Vec::new(),
            suggestions: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    /// Adds the primary label: where the problem is.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Adds a secondary label: context for the problem.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Diagnostic {
        self.help.push(text.into());
        self
    }

    pub fn note(mut self, text: impl Into<String>) -> Diagnostic {
        self.notes.push(text.into());
        self
    }

    /// Adds a suggestion: `edits` applied together fix the problem.
    pub fn suggest(
        mut self,
        message: impl Into<String>,
        edits: Vec<Edit>,
        applicability: Applicability,
    ) -> Diagnostic {
        self.suggestions.push(Suggestion {
            message: message.into(),
            edits,
            applicability,
        });
        self
    }

    /// The span of the first primary label, if any.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|label| label.primary)
            .map(|label| label.span)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A sink passes push diagnostics into; it never stops a pass.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Orders diagnostics by file and position of their primary label
    /// (stable: diagnostics at one place keep their order); diagnostics
    /// without a label come last.
    pub fn sort_by_position(&mut self) {
        self.items.sort_by_key(|diagnostic| {
            diagnostic
                .primary_span()
                .map(|span| (0, span.file, span.start))
                .unwrap_or((1, Default::default(), 0))
        });
    }

    /// Makes every warning an error (`--deny-warnings`), saying so.
    pub fn deny_warnings(&mut self) {
        for diagnostic in &mut self.items {
            if diagnostic.severity == Severity::Warning {
                diagnostic.severity = Severity::Error;
                diagnostic
                    .notes
                    .push("a warning, made an error by `--deny-warnings`".to_string());
            }
        }
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl Edit {
    pub fn replace(span: Span, replacement: impl Into<String>) -> Edit {
        Edit {
            span,
            replacement: replacement.into(),
        }
    }

    /// Inserts `text` before the start of `span`.
    pub fn insert_before(span: Span, text: impl Into<String>) -> Edit {
        Edit::replace(
            Span {
                end: span.start,
                ..span
            },
            text,
        )
    }

    /// Inserts `text` after the end of `span`.
    pub fn insert_after(span: Span, text: impl Into<String>) -> Edit {
        Edit::replace(span.end_point(), text)
    }
}

/// The machine-applicable suggestions of `diagnostics` applied to `text`
/// (the source of `file`): a suggestion is taken only when all its edits
/// are in `file`, inside the text, and none overlaps an edit already
/// taken (the first diagnostic wins; the re-check finds what remains).
/// Returns the new text and how many suggestions were applied.
pub fn apply_suggestions<'a>(
    text: &str,
    file: crate::span::FileId,
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
) -> (String, usize) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    let overlaps = |a: &Edit, b: &Edit| {
        let (a, b) = (a.span, b.span);
        // Two insertions at one point are ambiguous in order; so is an
        // insertion inside a replaced range.
        a.start < b.end && b.start < a.end || a.start == b.start || a.end == b.end
    };
    for diagnostic in diagnostics {
        for suggestion in &diagnostic.suggestions {
            if suggestion.applicability != Applicability::MachineApplicable
                || suggestion.edits.is_empty()
            {
                continue;
            }
            let fits = suggestion.edits.iter().all(|edit| {
                edit.span.file == file
                    && (edit.span.end as usize) <= text.len()
                    && text.is_char_boundary(edit.span.start as usize)
                    && text.is_char_boundary(edit.span.end as usize)
            });
            let free = suggestion.edits.iter().enumerate().all(|(index, edit)| {
                !taken.iter().any(|other| overlaps(edit, other))
                    && !suggestion.edits[..index]
                        .iter()
                        .any(|other| overlaps(edit, other) && other.span != edit.span)
            });
            if fits && free {
                taken.extend(&suggestion.edits);
                applied += 1;
            }
        }
    }
    // Apply from the end so earlier offsets stay valid; insertions at one
    // point keep the order they were given in.
    let mut order: Vec<(usize, &Edit)> = taken.into_iter().enumerate().collect();
    order.sort_by(|(ia, a), (ib, b)| {
        (b.span.start, b.span.end, ib).cmp(&(a.span.start, a.span.end, ia))
    });
    let mut result = text.to_string();
    for (_, edit) in order {
        result.replace_range(
            edit.span.start as usize..edit.span.end as usize,
            &edit.replacement,
        );
    }
    (result, applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn span(start: usize, end: usize) -> Span {
        Span::new(FileId(0), start, end)
    }

    #[test]
    fn machine_applicable_edits_are_applied_and_overlapping_ones_skipped() {
        let text = "var x: u32 = len + 1";
        let cast = Diagnostic::error("mismatched types").suggest(
            "convert",
            vec![
                Edit::insert_before(span(13, 20), "("),
                Edit::insert_after(span(13, 20), ") as u32"),
            ],
            Applicability::MachineApplicable,
        );
        let rename = Diagnostic::error("unknown").suggest(
            "rename",
            vec![Edit::replace(span(13, 16), "length")],
            Applicability::MachineApplicable,
        );
        let unsure = Diagnostic::error("other").suggest(
            "maybe",
            vec![Edit::replace(span(4, 5), "y")],
            Applicability::MaybeIncorrect,
        );
        let (fixed, applied) = apply_suggestions(text, FileId(0), [&cast, &rename, &unsure]);
        assert_eq!(applied, 1);
        assert_eq!(fixed, "var x: u32 = (len + 1) as u32");
        let (fixed, applied) = apply_suggestions(text, FileId(0), [&rename, &unsure]);
        assert_eq!((fixed.as_str(), applied), ("var x: u32 = length + 1", 1));
        let (fixed, applied) = apply_suggestions(text, FileId(1), [&rename]);
        assert_eq!((fixed.as_str(), applied), (text, 0));
    }
}
