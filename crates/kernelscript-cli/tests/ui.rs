//! Diagnostic tests: each `tests/ui/NAME.ks` is checked with
//! `kernelscript check`, and its rendered stderr must equal `NAME.stderr`
//! byte for byte. `tests/ui/warnings/NAME.ks` have warnings only: `check`
//! exits 0 with `NAME.stderr`, and 1 with `NAME.deny.stderr` under
//! `--deny-warnings`. `UPDATE_EXPECT=1 cargo test --test ui` rewrites the
//! expected files; review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui")
}

/// The `.ks` files of `dir`, sorted; at least one.
fn ks_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "ks"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .ks files in {}", dir.display());
    files
}

#[test]
fn diagnostics_match_their_stderr_files() {
    let dir = ui_dir();
    let files = ks_files(&dir);
    let bless = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut mismatches = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        // Run from the ui directory so file names in diagnostics are short.
        let output = Command::new(env!("CARGO_BIN_EXE_kernelscript"))
            .arg("check")
            .arg(&name)
            .current_dir(&dir)
            .output()
            .expect("kernelscript runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: `kernelscript check` must exit 1 on errors; stderr:\n{stderr}"
        );
        let expected_path = file.with_extension("stderr");
        if bless {
            std::fs::write(&expected_path, &stderr).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != stderr {
            mismatches.push(format!(
                "{name}: stderr differs from {}\n--- expected\n{expected}\n--- actual\n{stderr}",
                expected_path.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Runs `kernelscript check ARGS NAME` in `dir`: exit code and stderr.
fn check_in(dir: &Path, name: &str, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kernelscript"))
        .arg("check")
        .args(args)
        .arg(name)
        .current_dir(dir)
        .output()
        .expect("kernelscript runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn warnings_exit_zero_unless_denied() {
    let dir = ui_dir().join("warnings");
    let bless = std::env::var_os("UPDATE_EXPECT").is_some();
    for file in &ks_files(&dir) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for (args, code, expected_path) in [
            (&[][..], 0, file.with_extension("stderr")),
            (
                &["--deny-warnings"][..],
                1,
                file.with_extension("deny.stderr"),
            ),
        ] {
            let (status, stderr) = check_in(&dir, &name, args);
            assert_eq!(status, Some(code), "{name} {args:?}: stderr:\n{stderr}");
            assert!(stderr.contains(if code == 0 { "warning: " } else { "error: " }));
            if bless {
                std::fs::write(&expected_path, &stderr).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            assert_eq!(expected, stderr, "{name} {args:?}");
        }
    }
}
