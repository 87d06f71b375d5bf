//! Building eBPF objects from C the way a user's Makefile would:
//! `clang -g -O2 -target bpf -D__TARGET_ARCH_<arch> -I/usr/include/<multiarch> -c`.
//!
//! Only the compiler is run here; nothing is loaded into the kernel. The
//! flags must stay those a user would type, so that a test which passes here
//! proves the generated C builds for users too. `KS_CLANG` may name another
//! clang binary (e.g. `clang-16`) to try a newer compiler. C that uses BTF
//! type tags (kptr map values) is built, as the generated Makefile does,
//! with a clang >= 15 (Debian 12's clang 14 drops the tags from BTF).

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why `clang` did not produce an object.
#[derive(Debug)]
pub enum BuildError {
    /// The clang binary could not be started at all.
    Spawn {
        clang: String,
        error: std::io::Error,
    },
    /// clang ran and failed; `stderr` is its complete diagnostic output.
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Spawn { clang, error } => {
                write!(f, "could not run `{clang}`: {error} (is it installed?)")
            }
            BuildError::Failed {
                command,
                status,
                stderr,
            } => {
                let tool = command.split(' ').next().unwrap_or("build step");
                write!(f, "{tool} failed ({status}):\n  {command}\n{stderr}")
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// The clang binary used: `$KS_CLANG`, or `clang`.
pub fn clang_binary() -> String {
    std::env::var("KS_CLANG")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "clang".into())
}

/// The `__TARGET_ARCH_*` suffix libbpf's `bpf_tracing.h` expects for this host.
pub fn target_arch_define() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" | "x86" => "x86",
        "aarch64" => "arm64",
        "arm" => "arm",
        "riscv64" => "riscv",
        "powerpc64" => "powerpc",
        "s390x" => "s390",
        "loongarch64" => "loongarch",
        other => other,
    }
}

/// The Debian multiarch include directory (`/usr/include/x86_64-linux-gnu`),
/// which holds `asm/types.h` that `linux/bpf.h` needs under `-target bpf`.
pub fn multiarch_include_dir() -> PathBuf {
    let guess = match std::env::consts::ARCH {
        "x86_64" => "x86_64-linux-gnu".to_string(),
        "aarch64" => "aarch64-linux-gnu".to_string(),
        "arm" => "arm-linux-gnueabihf".to_string(),
        "powerpc64" => "powerpc64le-linux-gnu".to_string(),
        other => format!("{other}-linux-gnu"),
    };
    let dir = Path::new("/usr/include").join(&guess);
    if dir.is_dir() {
        return dir;
    }
    // Ask the C compiler, as `$(shell $(CC) -print-multiarch)` in a Makefile would.
    if let Ok(out) = Command::new("cc").arg("-print-multiarch").output() {
        let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && !name.is_empty() {
            return Path::new("/usr/include").join(name);
        }
    }
    dir
}

/// The complete clang argument list used for `c_file` -> `out_o`, without the
/// binary name; `extra` goes before `-c` (e.g. more `-I` directories).
pub fn bpf_clang_args(c_file: &Path, out_o: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "-g".into(),
        "-O2".into(),
        "-target".into(),
        "bpf".into(),
        format!("-D__TARGET_ARCH_{}", target_arch_define()),
        format!("-I{}", multiarch_include_dir().display()),
    ];
    if let Some(dir) = c_file.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Lets a generated `#include "vmlinux.h"` find a header written next to it.
        args.push(format!("-I{}", dir.display()));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push("-c".into());
    args.push(c_file.display().to_string());
    args.push("-o".into());
    args.push(out_o.display().to_string());
    args
}

/// Compiles one eBPF C file into a BPF ELF object.
pub fn build_bpf_object(c_file: &Path, out_o: &Path) -> Result<(), BuildError> {
    build_bpf_object_with(c_file, out_o, &[])
}

/// The first clang of `$KS_CLANG`, `clang-21` ... `clang-15`, `clang` that
/// is LLVM 15 or later: one that writes BTF type tags into the object.
pub fn type_tag_clang_binary() -> Option<String> {
    let candidates = std::env::var("KS_CLANG")
        .ok()
        .filter(|s| !s.is_empty())
        .into_iter()
        .chain((15..=21).rev().map(|v| format!("clang-{v}")))
        .chain(["clang".to_string()]);
    candidates.into_iter().find(|clang| {
        let Ok(output) = Command::new(clang).arg("--version").output() else {
            return false;
        };
        let text = String::from_utf8_lossy(&output.stdout);
        text.split("clang version ")
            .nth(1)
            .and_then(|rest| rest.split('.').next())
            .and_then(|major| major.parse::<u32>().ok())
            .is_some_and(|major| major >= 15)
    })
}

/// The clang for `c_file`: [`type_tag_clang_binary`] when it uses BTF type
/// tags (and one exists), else [`clang_binary`].
fn clang_for(c_file: &Path) -> String {
    let tags = std::fs::read_to_string(c_file).is_ok_and(|text| text.contains("btf_type_tag("));
    tags.then(type_tag_clang_binary)
        .flatten()
        .unwrap_or_else(clang_binary)
}

/// As [`build_bpf_object`], with extra clang arguments placed before `-c`.
pub fn build_bpf_object_with(
    c_file: &Path,
    out_o: &Path,
    extra: &[&str],
) -> Result<(), BuildError> {
    let clang = clang_for(c_file);
    let args = bpf_clang_args(c_file, out_o, extra);
    let output = Command::new(&clang)
        .args(&args)
        .output()
        .map_err(|error| BuildError::Spawn {
            clang: clang.clone(),
            error,
        })?;
    if output.status.success() {
        return Ok(());
    }
    Err(BuildError::Failed {
        command: format!("{clang} {}", args.join(" ")),
        status: output.status.to_string(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Writes `dir/vmlinux.h` from the running kernel's BTF
/// (`bpftool btf dump file /sys/kernel/btf/vmlinux format c`), for generated
/// C that includes it; [`bpf_clang_args`] already puts the C file's own
/// directory on the include path. Returns the header's path.
pub fn write_vmlinux_h(dir: &Path) -> Result<PathBuf, BuildError> {
    let bpftool = std::env::var("KS_BPFTOOL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "bpftool".into());
    let args = [
        "btf",
        "dump",
        "file",
        "/sys/kernel/btf/vmlinux",
        "format",
        "c",
    ];
    let output = Command::new(&bpftool)
        .args(args)
        .output()
        .map_err(|error| BuildError::Spawn {
            clang: bpftool.clone(),
            error,
        })?;
    if !output.status.success() {
        return Err(BuildError::Failed {
            command: format!("{bpftool} {}", args.join(" ")),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    let header = dir.join("vmlinux.h");
    std::fs::write(&header, &output.stdout).map_err(|error| BuildError::Spawn {
        clang: format!("writing {}", header.display()),
        error,
    })?;
    Ok(header)
}
