//! Builds one accepted mutant's outputs the way its generated Makefile
//! does — clang for `fuzz.ebpf.c`, bpftool for the skeleton, cc for
//! `fuzz.c`, linked against libbpf — and sorts a failure into a class.
//!
//! Classes (`FailureClass`) and what the deterministic CI run does with
//! them:
//! * `name-collision` — a user identifier collides with a C name: a C
//!   keyword or a macro/typedef/function of the headers, or another
//!   generated name (clang says `redefinition of 'x'`, `conflicting types
//!   for 'x'`, `'x' redeclared as different kind of symbol`, ... naming an
//!   identifier of the mutant; or the mutant uses a C keyword as a name
//!   (also a field named like a KernelScript keyword that C reserves:
//!   `expected identifier before 'if'`); or
//!   the C line an error points at spells an identifier of the mutant that
//!   looks like a header macro, `ALL_CAPS` such as `TC_ACT_OK`).
//!   The shared C layer renames such names (`codegen::c::names`), so
//!   these fail the run like any other build failure; the class says
//!   where to look.
//! * `ebpf-clang`, `skeleton`, `userspace-cc` — any other error of the
//!   step: an accepted program that does not build. Always a failure.
//!
//! Warnings are not failures here (mutants are full of unused variables);
//! the golden and kernel tests hold the generators to `-Wall -Werror`.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailureClass {
    Panic,
    Hang,
    UnlocatedDiagnostic,
    UnboundedOutput,
    NameCollision,
    EbpfClang,
    Skeleton,
    UserspaceCc,
}

impl FailureClass {
    pub fn label(self) -> &'static str {
        match self {
            FailureClass::Panic => "panic",
            FailureClass::Hang => "hang",
            FailureClass::UnlocatedDiagnostic => "unlocated-diagnostic",
            FailureClass::UnboundedOutput => "unbounded-output",
            FailureClass::NameCollision => "name-collision",
            FailureClass::EbpfClang => "ebpf-clang",
            FailureClass::Skeleton => "skeleton",
            FailureClass::UserspaceCc => "userspace-cc",
        }
    }
}

/// Which of the generated Makefile's steps a mutant's outputs need.
#[derive(Clone, Copy)]
pub struct Steps {
    /// `fuzz.c`, the userspace program.
    pub userspace: bool,
    /// `fuzz.test.c`, the runner of the `@test` functions.
    pub tests: bool,
    /// The userspace C embeds CPython (`pkg-config python3-embed`).
    pub python: bool,
}

/// The tools and shared files of a run.
pub struct Toolchain {
    pub clang: String,
    pub cc: String,
    pub bpftool: String,
    /// A directory holding `vmlinux.h`, made once from the kernel's BTF.
    pub vmlinux_dir: Option<PathBuf>,
    pub multiarch: Option<PathBuf>,
}

impl Toolchain {
    /// Finds the tools; `None` (with the reason) when one is missing.
    pub fn discover(work: &Path) -> Result<Toolchain, String> {
        let clang = std::env::var("KS_CLANG").unwrap_or_else(|_| "clang".to_string());
        for tool in [clang.as_str(), "cc", "bpftool"] {
            let found = Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|output| output.status.success());
            if !found {
                return Err(format!("`{tool}` is not installed"));
            }
        }
        let multiarch = Command::new("cc")
            .arg("-print-multiarch")
            .output()
            .ok()
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
            .filter(|triple| !triple.is_empty())
            .map(|triple| PathBuf::from("/usr/include").join(triple));
        let vmlinux_dir = work.join("vmlinux");
        std::fs::create_dir_all(&vmlinux_dir).map_err(|error| error.to_string())?;
        let header = vmlinux_dir.join("vmlinux.h");
        let dumped = Path::new("/sys/kernel/btf/vmlinux").exists()
            && Command::new("sh")
                .arg("-c")
                .arg("bpftool btf dump file /sys/kernel/btf/vmlinux format c > \"$0\"")
                .arg(&header)
                .status()
                .is_ok_and(|status| status.success());
        Ok(Toolchain {
            clang,
            cc: "cc".to_string(),
            bpftool: "bpftool".to_string(),
            vmlinux_dir: dumped.then_some(vmlinux_dir),
            multiarch,
        })
    }

    /// Builds `fuzz.ebpf.c` (and `fuzz.c`, `fuzz.test.c` when present) in
    /// `dir` as the generated Makefile would; on failure the class and the
    /// tool's error lines.
    pub fn build(
        &self,
        dir: &Path,
        steps: Steps,
        identifiers: &[String],
    ) -> Result<(), (FailureClass, String)> {
        let mut clang = vec![
            "-g".to_string(),
            "-O2".to_string(),
            "-Wall".to_string(),
            "-target".to_string(),
            "bpf".to_string(),
            format!("-D__TARGET_ARCH_{}", target_arch()),
        ];
        if let Some(include) = &self.multiarch {
            clang.push(format!("-I{}", include.display()));
        }
        if let Some(vmlinux) = &self.vmlinux_dir {
            clang.push(format!("-I{}", vmlinux.display()));
        }
        clang.extend(["-c", "fuzz.ebpf.c", "-o", "fuzz.ebpf.o"].map(String::from));
        run(dir, &self.clang, &clang, None)
            .map_err(|errors| classify(FailureClass::EbpfClang, errors, identifiers, dir))?;
        if !steps.userspace && !steps.tests {
            return Ok(());
        }
        let skeleton = ["gen", "skeleton", "fuzz.ebpf.o", "name", "fuzz_ebpf"].map(String::from);
        run(
            dir,
            &self.bpftool,
            &skeleton,
            Some(&dir.join("fuzz.skel.h")),
        )
        .map_err(|errors| (FailureClass::Skeleton, errors))?;
        let python = if steps.python {
            python_flags()
                .map_err(|error| (FailureClass::UserspaceCc, format!("python3-embed: {error}")))?
        } else {
            Vec::new()
        };
        let sources = [(steps.userspace, "fuzz"), (steps.tests, "fuzz.test")];
        for (_, output) in sources.iter().filter(|(wanted, _)| *wanted) {
            let mut cc: Vec<String> = ["-g", "-O2", "-Wall"].map(String::from).to_vec();
            cc.extend([format!("{output}.c"), "-o".to_string(), output.to_string()]);
            cc.extend(["-lbpf", "-lelf", "-lz"].map(String::from));
            cc.extend(python.iter().cloned());
            run(dir, &self.cc, &cc, None)
                .map_err(|errors| classify(FailureClass::UserspaceCc, errors, identifiers, dir))?;
        }
        Ok(())
    }
}

/// `pkg-config --cflags --libs python3-embed`, as the generated Makefile
/// asks for when the userspace C embeds CPython.
fn python_flags() -> Result<Vec<String>, String> {
    let output = Command::new("pkg-config")
        .args(["--cflags", "--libs", "python3-embed"])
        .output()
        .map_err(|error| format!("cannot run pkg-config: {error}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(String::from)
        .collect())
}

fn target_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "x86",
        "aarch64" => "arm64",
        "riscv64" => "riscv",
        "powerpc64" => "powerpc",
        other => other,
    }
}

/// Runs `tool args` in `dir` (stdout to `stdout_file` when given) under a
/// 120 s limit; on failure its error lines (or the whole output).
fn run(dir: &Path, tool: &str, args: &[String], stdout_file: Option<&Path>) -> Result<(), String> {
    let output = Command::new("timeout")
        .arg("120")
        .arg(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|error| format!("cannot run {tool}: {error}"))?;
    if let Some(file) = stdout_file {
        std::fs::write(file, &output.stdout).map_err(|error| error.to_string())?;
    }
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("error"))
        .collect();
    Err(if errors.is_empty() {
        format!("{tool} failed ({}): {stderr}", output.status)
    } else {
        errors.join("\n")
    })
}

/// C keywords (C11 and the GNU ones clang accepts) and `NULL` that a
/// KernelScript identifier may spell. Words KernelScript itself uses as
/// types or literals (`bool`, `char`, `void`, `true`, `false`) are not
/// here: every program spells them, and C reads them the same way.
const C_RESERVED: &[&str] = &[
    "auto", "break", "case", "continue", "default", "do", "double", "float", "goto", "inline",
    "int", "long", "register", "restrict", "short", "signed", "static", "switch", "typedef",
    "union", "unsigned", "volatile", "asm", "typeof", "NULL",
];

/// Error wordings of clang and gcc for a name declared twice, or used as
/// the wrong kind of thing because a header or the generator owns it.
const COLLISION_WORDINGS: &[&str] = &[
    "redefinition of",
    "conflicting types for",
    "redeclared as different kind of symbol",
    "redefinition of typedef",
    "non-static declaration of",
    "static declaration of",
    "previous definition",
    "must use 'struct' tag",
    "must use 'enum' tag",
    "must use 'union' tag",
    "nested redefinition",
    "is not a function or function pointer",
    "called object type",
    "expected identifier",
    "is already defined",
    "macro",
];

/// `name-collision` when the errors quote an identifier of the mutant in a
/// collision wording, or the mutant names something with a C keyword;
/// `otherwise` else.
fn classify(
    otherwise: FailureClass,
    errors: String,
    identifiers: &[String],
    dir: &Path,
) -> (FailureClass, String) {
    if identifiers
        .iter()
        .any(|name| C_RESERVED.contains(&name.as_str()))
    {
        return (FailureClass::NameCollision, errors);
    }
    let macro_like = |name: &str| {
        name.len() > 1
            && name.chars().any(|c| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    };
    let at_macro = errors.lines().any(|line| {
        error_line_text(dir, line).is_some_and(|text| {
            words(&text)
                .iter()
                .any(|word| macro_like(word) && identifiers.contains(word))
        })
    });
    if at_macro {
        return (FailureClass::NameCollision, errors);
    }
    // A C keyword quoted in an error (`expected identifier before 'if'`):
    // the generators never misplace one, a KernelScript name (a field
    // called `if`, which KernelScript allows) put it there.
    let collision = errors.lines().any(|line| {
        let quoted = quoted_names(line);
        let keyword = quoted
            .iter()
            .any(|name| C_RESERVED.contains(&name.as_str()) && line.contains("before"));
        let user_name = COLLISION_WORDINGS
            .iter()
            .any(|wording| line.contains(wording))
            && quoted
                .iter()
                .any(|name| identifiers.iter().any(|identifier| identifier == name));
        keyword || user_name
    });
    if collision {
        (FailureClass::NameCollision, errors)
    } else {
        (otherwise, errors)
    }
}

/// The source line an error line (`FILE:LINE:COL: error: ...`) points at,
/// read from `dir` (the generated C, or the `.ks` through `#line`).
fn error_line_text(dir: &Path, error: &str) -> Option<String> {
    let mut parts = error.splitn(3, ':');
    let file = parts.next()?;
    let line: usize = parts.next()?.trim().parse().ok()?;
    let name = Path::new(file).file_name()?;
    let text = std::fs::read_to_string(dir.join(name)).ok()?;
    text.lines().nth(line.checked_sub(1)?).map(str::to_string)
}

/// The identifier-like words of a line.
fn words(line: &str) -> Vec<String> {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

/// The `'name'` (clang) and `‘name’` (gcc) quoted words of an error line.
fn quoted_names(line: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (open, close) in [('\'', '\''), ('‘', '’')] {
        let mut rest = line;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + open.len_utf8()..];
            let Some(end) = after.find(close) else {
                break;
            };
            let quoted = &after[..end];
            // `struct foo` and `int (*)(void)` name their last word.
            for word in quoted.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if !word.is_empty() {
                    names.push(word.to_string());
                }
            }
            rest = &after[end + close.len_utf8()..];
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collisions_need_a_user_name_in_a_collision_wording() {
        let names = vec!["bpf_map_lookup_elem".to_string(), "count".to_string()];
        let (class, _) = classify(
            FailureClass::EbpfClang,
            "x.c:3:5: error: redefinition of 'bpf_map_lookup_elem' as different kind of symbol"
                .to_string(),
            &names,
            Path::new("/nonexistent"),
        );
        assert_eq!(class, FailureClass::NameCollision);
        let (class, _) = classify(
            FailureClass::EbpfClang,
            "x.c:3:5: error: array is too large (4294967296 elements)".to_string(),
            &names,
            Path::new("/nonexistent"),
        );
        assert_eq!(class, FailureClass::EbpfClang);
        let (class, _) = classify(
            FailureClass::UserspaceCc,
            "x.c:3:5: error: redefinition of 'other'".to_string(),
            &names,
            Path::new("/nonexistent"),
        );
        assert_eq!(class, FailureClass::UserspaceCc);
    }

    #[test]
    fn a_user_name_spelled_like_a_macro_on_the_error_line_is_a_collision() {
        let dir = std::env::temp_dir().join(format!("ks-fuzz-classify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("fuzz.ebpf.c"),
            "struct S {\n\t__u32 TC_ACT_OK;\n};\n",
        )
        .unwrap();
        let error = "fuzz.ebpf.c:2:8: error: expected member name or ';'".to_string();
        let user = vec!["TC_ACT_OK".to_string()];
        let (class, _) = classify(FailureClass::EbpfClang, error.clone(), &user, &dir);
        assert_eq!(class, FailureClass::NameCollision);
        let (class, _) = classify(FailureClass::EbpfClang, error, &[], &dir);
        assert_eq!(class, FailureClass::EbpfClang, "not a name of the mutant");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
