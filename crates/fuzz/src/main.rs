//! `ks-fuzz`: long fuzzing runs. Mutates the project's corpus (plus any
//! `--corpus DIR`), checks and compiles each mutant, builds every distinct
//! accepted output, prints the figures and the findings (saved under
//! `WORK/findings/`), and exits 1 when it found any failure.

use clap::Parser;
use kernelscript_fuzz::mutate::Corpus;
use kernelscript_fuzz::run::{self, Config};
use kernelscript_fuzz::toolchain::Toolchain;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "ks-fuzz",
    about = "Mutation fuzzer for the kernelscript compiler"
)]
struct Args {
    /// The run's seed: the same seed gives the same mutants.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Start at this mutant index (to replay the end of a run).
    #[arg(long, default_value_t = 0)]
    first: u64,
    /// Stop before this mutant index.
    #[arg(long)]
    mutants: Option<u64>,
    /// Stop after this many minutes (checked between batches of mutants).
    #[arg(long)]
    minutes: Option<f64>,
    /// Worker threads for analysis and builds.
    #[arg(long, short, default_value_t = 2)]
    jobs: usize,
    /// More seed directories (e.g. the reference implementation's examples).
    #[arg(long)]
    corpus: Vec<PathBuf>,
    /// Scratch and findings directory.
    #[arg(long, default_value = "fuzz-work")]
    work: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut seeds = kernelscript_fuzz::project_seeds();
    for dir in &args.corpus {
        seeds.extend(kernelscript_fuzz::seeds_in(dir));
    }
    if seeds.is_empty() {
        eprintln!("ks-fuzz: no seed programs found");
        return ExitCode::FAILURE;
    }
    if let Err(error) = std::fs::create_dir_all(&args.work) {
        eprintln!("ks-fuzz: cannot create {}: {error}", args.work.display());
        return ExitCode::FAILURE;
    }
    let toolchain = match Toolchain::discover(&args.work) {
        Ok(toolchain) => toolchain,
        Err(reason) => {
            eprintln!("ks-fuzz: {reason}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("ks-fuzz: {} seeds, seed {}", seeds.len(), args.seed);
    let corpus = Corpus::new(seeds);
    let config = Config {
        seed: args.seed,
        first: args.first,
        mutants: args.mutants,
        duration: args
            .minutes
            .map(|minutes| Duration::from_secs_f64(minutes * 60.0)),
        jobs: args.jobs.max(1),
        work_dir: args.work,
        verbose: true,
    };
    run::quiet_panics();
    let report = run::run(&corpus, &config, &toolchain);
    print!("{}", report.summary(args.seed));
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
