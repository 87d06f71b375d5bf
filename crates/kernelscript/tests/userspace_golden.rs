//! Golden tests of the userspace C generator and the Makefile.
//!
//! Each `tests/data/userspace/NAME.ks` is parsed, checked and generated:
//! the userspace C must equal `NAME.c` and the output of `NAME --help`
//! must equal `NAME.help` (bless both with
//! `UPDATE_EXPECT=1 cargo test -p kernelscript --test userspace_golden`);
//! `rate_limiter` also pins the `Makefile`. Then the project is built
//! exactly as a user builds it: the generated eBPF C, userspace C and
//! Makefile in one directory, `make` (clang, bpftool gen skeleton, cc with
//! the system libbpf). The binary runs with the arguments the `.ks` lists:
//!
//! ```text
//! // run: --limit=abc
//! // exit: 2
//! // stderr: rate_limiter: invalid value 'abc' for --limit: ...
//! ```
//!
//! (`stderr:`/`stdout:` lines give the complete output, line by line). Runs
//! only reach argument parsing: loading into the kernel is the job of the
//! CLI's `userspace_*` kernel tests. `every_golden_builds_with_current_libbpf`
//! compiles every golden against libbpf 1.7 (the sources vendored by the
//! `libbpf-sys` crate) as well.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read their data files

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use expect_test::expect_file;
use kernelscript::driver::{analyze, generate as generate_outputs, GenerateOptions, NoIncludes};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/userspace")
}

/// The generated files of one `.ks`.
struct Generated {
    source: String,
    ebpf_c: String,
    userspace_c: String,
    makefile: String,
    /// `NAME.vmlinux.h` and its text, when the object uses kernel types.
    kernel_header: Option<(String, String)>,
}

fn generate(name: &str) -> Generated {
    let source_path = data_dir().join(format!("{name}.ks"));
    let source = std::fs::read_to_string(&source_path)
        .unwrap_or_else(|error| panic!("{}: {error}", source_path.display()));
    let file_name = format!("{name}.ks");
    let analysis = analyze(&file_name, &source, &mut NoIncludes, support::kernel());
    let Some(program) = analysis.program() else {
        let messages: Vec<String> = analysis
            .diagnostics
            .iter()
            .map(|diagnostic| {
                let line = diagnostic
                    .primary_span()
                    .map_or(0, |span| analysis.sources.line(span));
                format!("{file_name}:{line}: {}", diagnostic.message)
            })
            .collect();
        panic!("{file_name} does not check:\n{}", messages.join("\n"));
    };
    let outputs = generate_outputs(program, &analysis.sources, &GenerateOptions::new(name));
    let userspace_c = outputs
        .userspace_c
        .unwrap_or_else(|| panic!("{file_name} has no main"));
    let (ebpf_c, makefile) = (outputs.ebpf_c, outputs.makefile);
    Generated {
        source,
        ebpf_c,
        userspace_c,
        makefile,
        kernel_header: outputs
            .kernel_header
            .map(|header| (header.file_name, header.text)),
    }
}

/// A fresh directory holding the generated project (and the `.ks`, which
/// clang reads for BTF line info).
fn project_dir(name: &str, tag: &str, generated: &Generated) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ks-userspace-{tag}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    for (file, text) in [
        (format!("{name}.ks"), &generated.source),
        (format!("{name}.ebpf.c"), &generated.ebpf_c),
        (format!("{name}.c"), &generated.userspace_c),
        ("Makefile".to_string(), &generated.makefile),
    ] {
        std::fs::write(dir.join(file), text).expect("write generated file");
    }
    if let Some((file, text)) = &generated.kernel_header {
        std::fs::write(dir.join(file), text).expect("write the kernel header");
    }
    dir
}

fn run(command: &mut Command, what: &str) -> std::process::Output {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {what}: {error}"));
    if !output.status.success() {
        panic!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

/// `// run:` cases of a `.ks`: arguments, expected status and output.
struct RunCase {
    args: Vec<String>,
    exit: i32,
    stdout: Vec<String>,
    stderr: Vec<String>,
}

fn run_cases(source: &str) -> Vec<RunCase> {
    let mut cases: Vec<RunCase> = Vec::new();
    for line in source.lines() {
        let Some(annotation) = line.strip_prefix("// ") else {
            continue;
        };
        if let Some(args) = annotation.strip_prefix("run:") {
            cases.push(RunCase {
                args: args.split_whitespace().map(str::to_string).collect(),
                exit: 0,
                stdout: Vec::new(),
                stderr: Vec::new(),
            });
            continue;
        }
        let Some(case) = cases.last_mut() else {
            continue;
        };
        if let Some(code) = annotation.strip_prefix("exit:") {
            case.exit = code.trim().parse().expect("exit status");
        } else if let Some(text) = annotation.strip_prefix("stdout: ") {
            case.stdout.push(text.to_string());
        } else if let Some(text) = annotation.strip_prefix("stderr: ") {
            case.stderr.push(text.to_string());
        }
    }
    cases
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::to_string)
        .collect()
}

fn golden(name: &str) {
    let generated = generate(name);
    expect_file![data_dir().join(format!("{name}.c"))].assert_eq(&generated.userspace_c);
    if name == "rate_limiter" {
        expect_file![data_dir().join(format!("{name}.Makefile"))].assert_eq(&generated.makefile);
    }

    let dir = project_dir(name, "golden", &generated);
    run(
        Command::new("make")
            .args(["-s", "CFLAGS=-g -O2 -Wall -Werror"])
            .current_dir(&dir),
        "make",
    );
    let binary = dir.join(name);

    let help = run(Command::new(&binary).arg("--help"), "--help");
    expect_file![data_dir().join(format!("{name}.help"))]
        .assert_eq(&String::from_utf8_lossy(&help.stdout));

    for case in run_cases(&generated.source) {
        let output = Command::new(&binary)
            .args(&case.args)
            .output()
            .expect("run the program");
        let context = format!("{name} {}", case.args.join(" "));
        assert_eq!(
            output.status.code(),
            Some(case.exit),
            "{context}: exit status"
        );
        assert_eq!(lines(&output.stdout), case.stdout, "{context}: stdout");
        assert_eq!(lines(&output.stderr), case.stderr, "{context}: stderr");
    }
    remove_unless_kept(&dir);
}

/// Removes a project directory, unless `KS_KEEP_GOLDEN_BUILDS` is set (to
/// inspect or run a build by hand).
fn remove_unless_kept(dir: &Path) {
    if std::env::var_os("KS_KEEP_GOLDEN_BUILDS").is_some() {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// libbpf 1.7 built from the sources the `libbpf-sys` crate vendors, once
/// per test run: `(include dir, libbpf.a)`.
fn current_libbpf() -> Option<(PathBuf, PathBuf)> {
    static BUILT: std::sync::OnceLock<Option<(PathBuf, PathBuf)>> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo_home = std::env::var_os("CARGO_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))?;
            let registry = cargo_home.join("registry/src");
            let source = std::fs::read_dir(&registry)
                .ok()?
                .flatten()
                .flat_map(|index| {
                    std::fs::read_dir(index.path())
                        .into_iter()
                        .flatten()
                        .flatten()
                })
                .map(|entry| entry.path())
                .filter(|path| {
                    path.file_name()
                        .is_some_and(|name| name.to_string_lossy().starts_with("libbpf-sys-"))
                })
                .max()?
                .join("libbpf/src");
            let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("libbpf-current");
            let library = out.join("libbpf.a");
            let include = out.join("include");
            if !library.is_file() {
                std::fs::create_dir_all(&out).ok()?;
                let built = Command::new("make")
                    .arg("-s")
                    .arg("-C")
                    .arg(&source)
                    .arg("BUILD_STATIC_ONLY=y")
                    .arg(format!("OBJDIR={}", out.join("obj").display()))
                    .arg(format!("DESTDIR={}", out.join("install").display()))
                    .arg("PREFIX=/")
                    .arg("install")
                    .output()
                    .ok()?;
                if !built.status.success() {
                    eprintln!("{}", String::from_utf8_lossy(&built.stderr));
                    return None;
                }
                std::fs::copy(out.join("install/lib64/libbpf.a"), &library)
                    .or_else(|_| std::fs::copy(out.join("install/lib/libbpf.a"), &library))
                    .ok()?;
                let _ = std::fs::remove_dir_all(&include);
                std::fs::rename(out.join("install/include"), &include).ok()?;
            }
            Some((include, library))
        })
        .clone()
}

/// Every golden also builds against the current libbpf (1.7), linked
/// statically, with the skeleton from the system bpftool.
#[test]
fn every_golden_builds_with_current_libbpf() {
    let Some((include, library)) = current_libbpf() else {
        panic!("cannot build libbpf from the libbpf-sys sources in the cargo registry");
    };
    for name in GOLDENS {
        let generated = generate(name);
        let dir = project_dir(name, "libbpf-current", &generated);
        run(
            Command::new("make")
                .arg("-s")
                .arg(format!("{name}.skel.h"))
                .current_dir(&dir),
            "make skeleton",
        );
        run(
            Command::new("cc")
                .args(["-g", "-O2", "-Wall", "-Werror"])
                .arg(format!("-I{}", include.display()))
                .arg(format!("{name}.c"))
                .arg("-o")
                .arg(name)
                .arg(&library)
                .args(["-lelf", "-lz"])
                .current_dir(&dir),
            &format!("cc {name}.c with libbpf 1.7"),
        );
        let help = run(Command::new(dir.join(name)).arg("--help"), "--help");
        expect_file![data_dir().join(format!("{name}.help"))]
            .assert_eq(&String::from_utf8_lossy(&help.stdout));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

macro_rules! goldens {
    ($($name:ident),* $(,)?) => {
        const GOLDENS: &[&str] = &[$(stringify!($name)),*];

        $(
            #[test]
            fn $name() {
                golden(stringify!($name));
            }
        )*

        /// Every `.ks` in the data directory has a test above.
        #[test]
        fn every_golden_is_listed() {
            let mut missing = Vec::new();
            for entry in std::fs::read_dir(data_dir()).expect("data directory") {
                let path = entry.expect("directory entry").path();
                if path.extension().is_some_and(|extension| extension == "ks") {
                    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                    if !GOLDENS.contains(&stem.as_str()) {
                        missing.push(stem);
                    }
                }
            }
            assert!(missing.is_empty(), "add to goldens!: {missing:?}");
        }
    };
}

goldens!(
    control_flow,
    events_demo,
    kernel_structs,
    lifecycle_demo,
    maps_demo,
    pinned_globals,
    rate_limiter,
    strings_demo,
    unsigned_enums,
);
