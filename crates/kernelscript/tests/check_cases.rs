//! Data-driven checker tests: every `tests/check_cases/*.ks` file is parsed
//! and checked. A line carrying `// ERROR: text` must get an error whose
//! primary span starts on that line and whose message contains `text` (a
//! line may carry several); no other errors may appear anywhere. A file
//! without annotations must check cleanly and produce a program.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use kernelscript::check;
use kernelscript::span::{FileId, LineIndex};
use kernelscript::syntax;

const MARKER: &str = "// ERROR:";

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

/// `(line, text)` for every annotation.
fn expected_errors(text: &str) -> Vec<(u32, String)> {
    let mut expected = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find(MARKER) {
            rest = &rest[start + MARKER.len()..];
            let end = rest.find(MARKER).unwrap_or(rest.len());
            expected.push((index as u32 + 1, rest[..end].trim().to_string()));
        }
    }
    expected
}

/// Checks one case; returns a description of every mismatch.
fn run_case(path: &Path) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let text = fs::read_to_string(path).expect("case file is readable");
    let (ast, parse_diagnostics) = syntax::parse(FileId(0), &text);
    let index = LineIndex::new(&text);
    let mut problems = Vec::new();
    for diagnostic in parse_diagnostics.iter().filter(|d| d.is_error()) {
        let line = diagnostic
            .primary_span()
            .map_or(0, |span| index.line(span.start));
        problems.push(format!(
            "{name}:{line}: parse error: {}",
            diagnostic.message
        ));
    }
    let (program, diagnostics) = check::check(&[ast], support::kernel(), &Default::default());
    let mut expected = expected_errors(&text);
    let mut unexpected = Vec::new();
    for diagnostic in diagnostics.iter().filter(|d| d.is_error()) {
        let line = diagnostic
            .primary_span()
            .map_or(0, |span| index.line(span.start));
        match expected.iter().position(|(expected_line, text)| {
            *expected_line == line && diagnostic.message.contains(text.as_str())
        }) {
            Some(found) => {
                expected.remove(found);
            }
            None => unexpected.push(format!(
                "{name}:{line}: unexpected error: {}",
                diagnostic.message
            )),
        }
    }
    problems.extend(unexpected);
    for (line, text) in expected {
        problems.push(format!("{name}:{line}: missing error containing `{text}`"));
    }
    let annotated = text.contains(MARKER);
    if !annotated && program.is_none() && problems.is_empty() {
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
    let found = expected_errors("a\nx = 1 // ERROR: one // ERROR: two\n");
    assert_eq!(found, vec![(2, "one".to_string()), (2, "two".to_string())]);
}
