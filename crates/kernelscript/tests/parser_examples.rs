//! Every `.ks` program and `.kh` header of the reference implementation's
//! `examples/` directory must parse without a single diagnostic.
//!
//! Every prefix ending at a line break parses too (with errors, but
//! without panicking). The directory is taken from the `KS_REFERENCE_EXAMPLES` environment
//! variable (the files are not part of this repository); without it the
//! test prints that it was skipped. Subdirectories are included.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read their data files

use std::path::{Path, PathBuf};

use kernelscript::span::{FileId, LineIndex};
use kernelscript::syntax::parse;

fn collect_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_sources(&path, out);
        } else if matches!(
            path.extension().and_then(|ext| ext.to_str()),
            Some("ks" | "kh")
        ) {
            out.push(path);
        }
    }
}

#[test]
fn reference_examples_parse_without_diagnostics() {
    let Some(dir) = std::env::var_os("KS_REFERENCE_EXAMPLES") else {
        println!("skipped: KS_REFERENCE_EXAMPLES not set");
        return;
    };
    let mut paths = Vec::new();
    collect_sources(Path::new(&dir), &mut paths);
    assert!(!paths.is_empty(), "no .ks or .kh files under {dir:?}");

    let mut failures = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("readable source");
        let (file, diagnostics) = parse(FileId(0), &text);
        assert!(!file.items.is_empty(), "{}: no items", path.display());
        let lines = LineIndex::new(&text);
        for diagnostic in diagnostics.iter() {
            let (line, column) = diagnostic
                .primary_span()
                .map_or((0, 0), |span| lines.line_col(span.start));
            failures.push(format!(
                "{}:{line}:{column}: {}",
                path.display(),
                diagnostic.message
            ));
        }
    }
    let ks = paths
        .iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "ks"))
        .count();
    println!("parsed {ks} .ks and {} .kh files", paths.len() - ks);
    assert!(failures.is_empty(), "diagnostics:\n{}", failures.join("\n"));
}
