//! The `kernelscript` command line.
//!
//! Parses arguments and dispatches to one module per subcommand. All IO of
//! the project lives in this crate: reading sources, writing outputs,
//! running clang/bpftool/cc. The compiler itself is the pure
//! `kernelscript` crate.

mod commands;
mod kernel;
mod loader;
mod panic;
mod project;
mod render;
mod render_json;
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
        /// Also write NAME.test.c, the runner of the @test functions, and
        /// its Makefile targets (`make test`).
        #[arg(long)]
        test: bool,
        /// The directory the program pins its `pin` maps and globals under
        /// [default: /sys/fs/bpf/NAME].
        #[arg(long, value_name = "DIR")]
        pin_path: Option<String>,
        /// The target kernel's BTF: a vmlinux image or a BTF file
        /// [default: /sys/kernel/btf/vmlinux].
        #[arg(long, value_name = "PATH")]
        btf_vmlinux_path: Option<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
        /// Print each step and the files written.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Check a .ks file and report diagnostics; exits 1 on errors (not on
    /// warnings, unless --deny-warnings).
    Check {
        /// The KernelScript source file.
        file: PathBuf,
        /// The target kernel's BTF: a vmlinux image or a BTF file
        /// [default: /sys/kernel/btf/vmlinux].
        #[arg(long, value_name = "PATH")]
        btf_vmlinux_path: Option<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
        /// Print how long loading the kernel's BTF and the analysis took.
        #[arg(short, long)]
        verbose: bool,
        /// `human` (on stderr) or `json`: one JSON object per diagnostic and
        /// line on stdout, in rustc's shape, with spans and suggestions.
        #[arg(long, value_name = "FORMAT", default_value = "human")]
        message_format: project::MessageFormat,
    },
    /// Apply the machine-applicable suggestions of a .ks file's diagnostics
    /// in place (the unambiguous ones: `as T`, a misspelt name, ...), then
    /// check it again and report what remains.
    Fix {
        /// The KernelScript source file (rewritten in place).
        file: PathBuf,
        /// The target kernel's BTF: a vmlinux image or a BTF file
        /// [default: /sys/kernel/btf/vmlinux].
        #[arg(long, value_name = "PATH")]
        btf_vmlinux_path: Option<PathBuf>,
    },
    /// Start a project: write NAME/NAME.ks (a small working program of
    /// TYPE, from the kernel's BTF) and NAME/README.md.
    ///
    /// TYPE: xdp, tc, kprobe[/FUNCTION], uprobe, tracepoint/CATEGORY/EVENT,
    /// lsm/HOOK, cgroup_skb, perf_event, fentry/FUNCTION, or a struct_ops
    /// type of the kernel (tcp_congestion_ops, ...).
    Init {
        /// The target kernel's BTF: a vmlinux image or a BTF file
        /// [default: /sys/kernel/btf/vmlinux].
        #[arg(long, value_name = "PATH")]
        btf_vmlinux_path: Option<PathBuf>,
        /// List the kernel's kfuncs with their prototypes (alone: on
        /// stdout; with a project: also as NAME/kfuncs.kh).
        #[arg(long)]
        kfuncs: bool,
        /// The program type.
        #[arg(value_name = "TYPE")]
        program_type: Option<String>,
        /// The project's name (its directory).
        name: Option<String>,
    },
    /// Compile, then build the eBPF object, its skeleton and the userspace
    /// binary with clang, bpftool and cc (no make needed).
    Build {
        /// The KernelScript source file.
        file: PathBuf,
        /// Output directory [default: ./NAME, NAME being the file's stem].
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// The target kernel's BTF: a vmlinux image or a BTF file
        /// [default: /sys/kernel/btf/vmlinux].
        #[arg(long, value_name = "PATH")]
        btf_vmlinux_path: Option<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
        /// Show each step's command.
        #[arg(short, long)]
        verbose: bool,
        /// The directory the program pins its `pin` maps and globals under
        /// [default: /sys/fs/bpf/NAME].
        #[arg(long, value_name = "DIR")]
        pin_path: Option<String>,
    },
    /// Compile and build the runner of the @test functions, then run each
    /// test against the kernel; exits non-zero when one fails.
    Test {
        /// The KernelScript source file.
        file: PathBuf,
        /// Run only the tests whose name contains TEXT.
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
        /// Output directory [default: ./NAME, NAME being the file's stem].
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// The target kernel's BTF: a vmlinux image or a BTF file
        /// [default: /sys/kernel/btf/vmlinux].
        #[arg(long, value_name = "PATH")]
        btf_vmlinux_path: Option<PathBuf>,
        /// Show each step's command.
        #[arg(short, long)]
        verbose: bool,
        /// The directory the program pins its `pin` maps and globals under
        /// [default: /sys/fs/bpf/NAME].
        #[arg(long, value_name = "DIR")]
        pin_path: Option<String>,
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
            test,
            pin_path,
            btf_vmlinux_path,
            deny_warnings,
            verbose,
        } => commands::compile::run(
            &file,
            &commands::compile::Settings {
                output: output.as_deref(),
                btf: btf_vmlinux_path.as_deref(),
                pin_path: pin_path.as_deref(),
                write_makefile: !no_makefile,
                tests: test,
                deny_warnings,
                verbose,
            },
        )
        .map(|_| ()),
        Command::Init {
            btf_vmlinux_path,
            kfuncs,
            program_type,
            name,
        } => commands::init::run(
            btf_vmlinux_path.as_deref(),
            kfuncs,
            program_type.as_deref(),
            name.as_deref(),
        ),
        Command::Check {
            file,
            btf_vmlinux_path,
            deny_warnings,
            verbose,
            message_format,
        } => commands::check::run(
            &file,
            btf_vmlinux_path.as_deref(),
            deny_warnings,
            verbose,
            message_format,
        ),
        Command::Fix {
            file,
            btf_vmlinux_path,
        } => commands::fix::run(&file, btf_vmlinux_path.as_deref()),
        Command::Build {
            file,
            output,
            btf_vmlinux_path,
            deny_warnings,
            verbose,
            pin_path,
        } => commands::build::run(
            &file,
            &commands::compile::Settings {
                output: output.as_deref(),
                btf: btf_vmlinux_path.as_deref(),
                pin_path: pin_path.as_deref(),
                write_makefile: true,
                tests: false,
                deny_warnings,
                verbose,
            },
        ),
        Command::Test {
            file,
            filter,
            output,
            btf_vmlinux_path,
            verbose,
            pin_path,
        } => commands::test::run(
            &file,
            &commands::compile::Settings {
                output: output.as_deref(),
                btf: btf_vmlinux_path.as_deref(),
                pin_path: pin_path.as_deref(),
                write_makefile: true,
                tests: true,
                deny_warnings: false,
                verbose,
            },
            filter.as_deref(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
