//! The deterministic fuzz run CI does: 5,000 mutants of the project's
//! corpus with seed 1. It fails on any panic, hang, unlocated or unbounded
//! diagnostics, and on any accepted mutant whose C does not build (name
//! collisions included; see `toolchain`). Needs clang, bpftool, cc and libbpf: without them it
//! prints `skipped:`, unless `KS_REQUIRE_KERNEL=1` (as in CI) makes that a
//! failure.

use kernelscript_fuzz::mutate::Corpus;
use kernelscript_fuzz::run::{self, Config};
use kernelscript_fuzz::toolchain::Toolchain;

#[test]
fn five_thousand_mutants_of_the_corpus() {
    let work = std::env::temp_dir().join(format!("ks-fuzz-short-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let toolchain = match Toolchain::discover(&work) {
        Ok(toolchain) => toolchain,
        Err(reason) if std::env::var_os("KS_REQUIRE_KERNEL").is_none() => {
            eprintln!("skipped: {reason}");
            return;
        }
        Err(reason) => panic!("{reason}"),
    };
    let corpus = Corpus::new(kernelscript_fuzz::project_seeds());
    let config = Config {
        seed: 1,
        first: 0,
        mutants: Some(5000),
        duration: None,
        jobs: 2,
        work_dir: work.clone(),
        verbose: false,
    };
    run::quiet_panics();
    let report = run::run(&corpus, &config, &toolchain);
    let summary = report.summary(config.seed);
    eprint!("{summary}");
    assert!(report.accepted > 50, "too few accepted mutants:\n{summary}");
    assert!(report.passed(), "the fuzz run found failures:\n{summary}");
    let _ = std::fs::remove_dir_all(&work);
}
