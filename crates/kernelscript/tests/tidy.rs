//! Tidy rules of the whole workspace that no compiler lint states: every
//! Rust source file opens with a `//!` paragraph (what it holds, what it
//! must not do); no file outside `kinds/` names a `ProgramKind` variant
//! (a kind is its descriptor); and the core crate keeps the `clippy.toml`
//! and lint levels that ban IO and hash-ordered collections in it (so
//! that a later edit cannot drop the enforcement silently).

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // a tidy test reads the tree

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`, skipping build output.
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && !name.to_string_lossy().starts_with('.') {
                rust_files(&path, found);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_source_file_opens_with_a_module_comment() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates"), &mut files);
    assert!(files.len() > 100, "found only {} files", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            !text.starts_with("//!")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files not opening with a `//!` paragraph:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_core_crate_keeps_its_io_ban() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = std::fs::read_to_string(core.join("clippy.toml")).expect("core clippy.toml");
    for banned in [
        "std::collections::HashMap",
        "std::collections::HashSet",
        "std::fs::read_to_string",
        "std::process::Command",
        "std::env::var",
        "std::time::Instant::now",
    ] {
        assert!(
            config.contains(banned),
            "clippy.toml no longer bans {banned}"
        );
    }
    let lib = std::fs::read_to_string(core.join("src/lib.rs")).unwrap();
    assert!(
        lib.contains("#![deny(\n    clippy::disallowed_methods,\n    clippy::disallowed_types,")
    );
}

#[test]
fn only_the_kinds_folder_names_program_kinds() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let naming: Vec<String> = files
        .iter()
        .filter(|path| !path.starts_with(src.join("kinds")))
        .filter(|path| {
            std::fs::read_to_string(path)
                .unwrap_or_default()
                .contains("ProgramKind::")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        naming.is_empty(),
        "`ProgramKind::` named outside kinds/ (consult the descriptor instead):\n{}",
        naming.join("\n")
    );
}
