//! The `kernelscript` command line.
//!
//! Parses arguments and dispatches to one module per subcommand. All IO of
//! the project lives in this crate: reading sources, writing outputs,
//! running clang/bpftool/cc. The compiler itself is the pure
//! `kernelscript` crate.

mod commands;
mod loader;
mod panic;
mod project;
mod render;
mod toolchain;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// KernelScript: eBPF programs, their maps and the userspace that drives
/// them, from one `.ks` file.
#[derive(Parser)]
#[command(name = "kernelscript", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a .ks file and generate NAME.ebpf.c, NAME.c and a Makefile.
    Compile {
        /// The KernelScript source file.
        file: PathBuf,
        /// Output directory [default: ./NAME, NAME being the file's stem].
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Do not write a Makefile.
        #[arg(long)]
        no_makefile: bool,
        /// Print each step and the files written.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Check a .ks file and report diagnostics; exits 1 on errors.
    Check {
        /// The KernelScript source file.
        file: PathBuf,
    },
    /// Compile, then build the eBPF object, its skeleton and the userspace
    /// binary with clang, bpftool and cc (no make needed).
    Build {
        /// The KernelScript source file.
        file: PathBuf,
        /// Output directory [default: ./NAME, NAME being the file's stem].
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Show each step's command.
        #[arg(short, long)]
        verbose: bool,
    },
}

fn main() -> ExitCode {
    panic::install_hook();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compile {
            file,
            output,
            no_makefile,
            verbose,
        } => commands::compile::run(&file, output.as_deref(), !no_makefile, verbose).map(|_| ()),
        Command::Check { file } => commands::check::run(&file),
        Command::Build {
            file,
            output,
            verbose,
        } => commands::build::run(&file, output.as_deref(), verbose),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
