//! The project's mutation fuzzer (issue 6): token- and line-level mutants
//! of the example corpus go through the whole front end and the code
//! generators in process, and every distinct accepted output is built
//! with clang, bpftool and cc. It checks what the compiler promises: no
//! panic, no hang, bounded and located diagnostics, and that an accepted
//! program builds. Runs on stable Rust with an in-repo seedable mutator,
//! so a run is reproducible from its seed alone.
//!
//! `tests/short_run.rs` is the deterministic run CI does; `ks-fuzz` (and
//! `scripts/fuzz.sh`) the long runs. Findings are saved under the work
//! directory's `findings/`.

pub mod mutate;
pub mod rng;
pub mod run;
pub mod toolchain;

use mutate::Seed;
use std::path::{Path, PathBuf};

/// The directories of the repository whose `.ks` files seed the fuzzer.
pub const PROJECT_CORPUS: &[&str] = &[
    "tests/e2e",
    "examples",
    "crates/kernelscript/tests/check_cases",
    "crates/kernelscript/tests/data/ebpf",
    "crates/kernelscript/tests/data/userspace",
    "crates/kernelscript-cli/tests/builds",
];

/// The repository root (two levels above this crate).
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.ks` file directly in `dir`, sorted by name.
pub fn seeds_in(dir: &Path) -> Vec<Seed> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "ks"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            Some(Seed {
                name: path.display().to_string(),
                text,
                dir: Some(dir.to_path_buf()),
            })
        })
        .collect()
}

/// The project's own corpus (`PROJECT_CORPUS`).
pub fn project_seeds() -> Vec<Seed> {
    let root = repository_root();
    PROJECT_CORPUS
        .iter()
        .flat_map(|dir| seeds_in(&root.join(dir)))
        .collect()
}
