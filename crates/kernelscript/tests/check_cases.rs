//! Data-driven checker tests: every `tests/check_cases/*.ks` file is parsed
//! and checked with the headers and modules it includes and imports (kept
//! in subdirectories). A line carrying `// ERROR: text`, in any of those
//! files, must get an error whose primary span starts on that line and
//! whose message contains `text` (a line may carry several), and likewise
//! `// WARNING: text` a warning; no other errors or warnings may appear
//! anywhere. A case without annotations must check cleanly (no errors, no
//! warnings) and produce a program.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read their data files

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use kernelscript::diagnostic::Severity;
use kernelscript::driver::{self, SourceLoader};
use kernelscript::span::LineIndex;

/// The annotation of each severity.
const MARKERS: [(Severity, &str); 2] = [
    (Severity::Error, "// ERROR:"),
    (Severity::Warning, "// WARNING:"),
];

fn word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn case_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_cases");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/check_cases exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "ks"))
        .collect();
    files.sort();
    files
}

/// `(severity, line, text)` for every annotation.
fn expected_diagnostics(text: &str) -> Vec<(Severity, u32, String)> {
    let mut expected = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some((start, severity, marker)) = MARKERS
            .iter()
            .filter_map(|(severity, marker)| Some((rest.find(marker)?, *severity, *marker)))
            .min_by_key(|(start, ..)| *start)
        {
            rest = &rest[start + marker.len()..];
            let end = MARKERS
                .iter()
                .filter_map(|(_, marker)| rest.find(marker))
                .min()
                .unwrap_or(rest.len());
            expected.push((severity, index as u32 + 1, rest[..end].trim().to_string()));
        }
    }
    expected
}

/// Reads the files a case includes and imports from `tests/check_cases`
/// (names relative to it: `modules/utils.ks`).
struct CaseFiles;

impl SourceLoader for CaseFiles {
    fn load(&mut self, including: &str, path: &str) -> Result<(String, String), String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_cases");
        let base = Path::new(including).parent().unwrap_or(Path::new(""));
        let mut parts: Vec<String> = Vec::new();
        for part in base.join(path).components() {
            match part {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir if !parts.is_empty() => {
                    parts.pop();
                }
                other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
            }
        }
        let name = parts.join("/");
        fs::read_to_string(dir.join(&name))
            .map(|text| (name, text))
            .map_err(|error| error.to_string())
    }
}

/// Checks one case (with the files it includes and imports, whose
/// annotations count too); returns a description of every mismatch.
fn run_case(path: &Path) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let text = fs::read_to_string(path).expect("case file is readable");
    let analysis = driver::analyze(&name, &text, &mut CaseFiles, support::kernel());
    let mut expected: Vec<(Severity, String, u32, String)> = Vec::new();
    for (_, source) in analysis.sources.files() {
        for (severity, line, text) in expected_diagnostics(&source.text) {
            expected.push((severity, source.name.clone(), line, text));
        }
    }
    let annotated = !expected.is_empty();
    let mut problems = Vec::new();
    for diagnostic in analysis.diagnostics.iter() {
        let (file, line) = diagnostic.primary_span().map_or((name.clone(), 0), |span| {
            let index = LineIndex::new(analysis.sources.text(span.file));
            (
                analysis.sources.name(span.file).to_string(),
                index.line(span.start),
            )
        });
        match expected
            .iter()
            .position(|(severity, expected_file, expected_line, text)| {
                *severity == diagnostic.severity
                    && *expected_file == file
                    && *expected_line == line
                    && diagnostic.message.contains(text.as_str())
            }) {
            Some(found) => {
                expected.remove(found);
            }
            None => problems.push(format!(
                "{name}: {file}:{line}: unexpected {}: {}",
                word(diagnostic.severity),
                diagnostic.message
            )),
        }
    }
    for (severity, file, line, text) in expected {
        problems.push(format!(
            "{name}: {file}:{line}: missing {} containing `{text}`",
            word(severity)
        ));
    }
    if !annotated && analysis.program().is_none() && problems.is_empty() {
        problems.push(format!("{name}: no program produced"));
    }
    problems
}

#[test]
fn check_cases_report_exactly_the_annotated_errors() {
    let files = case_files();
    assert!(!files.is_empty(), "no case files found");
    let problems: Vec<String> = files.iter().flat_map(|path| run_case(path)).collect();
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn annotations_are_found_on_their_lines() {
    let found = expected_diagnostics("a\nx = 1 // ERROR: one // WARNING: two // ERROR: 3\n");
    assert_eq!(
        found,
        vec![
            (Severity::Error, 2, "one".to_string()),
            (Severity::Warning, 2, "two".to_string()),
            (Severity::Error, 2, "3".to_string()),
        ]
    );
}
