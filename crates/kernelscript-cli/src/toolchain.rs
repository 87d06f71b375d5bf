//! Finding and running the external tools a build needs: clang, bpftool,
//! a C compiler, and the libbpf headers and library.
//!
//! A missing tool is reported with the Debian package that provides it.
//! With `--verbose`, every command is echoed before it runs.

use crate::commands::Failure;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// An external program, the environment variable overriding it, and the
/// Debian/Ubuntu package that provides it.
pub struct Tool {
    pub default: &'static str,
    pub env_var: &'static str,
    pub package: &'static str,
}

pub const CLANG: Tool = Tool {
    default: "clang",
    env_var: "CLANG",
    package: "clang",
};
pub const BPFTOOL: Tool = Tool {
    default: "bpftool",
    env_var: "BPFTOOL",
    package: "bpftool",
};
pub const CC: Tool = Tool {
    default: "cc",
    env_var: "CC",
    package: "gcc",
};

impl Tool {
    /// The command to run: `$ENV_VAR` if set, else the default name.
    pub fn program(&self) -> String {
        std::env::var(self.env_var).unwrap_or_else(|_| self.default.to_string())
    }

    /// Fails with a message naming the package when the tool is absent.
    pub fn require(&self) -> Result<String, Failure> {
        let program = self.program();
        if find_in_path(&program).is_some() {
            Ok(program)
        } else {
            Err(Failure::Message(format!(
                "`{program}` was not found; install it with `apt-get install {}` (or set {} to its path)",
                self.package, self.env_var
            )))
        }
    }
}

/// The clang for an object with maps of objects, whose kptr values need
/// BTF type tags, which only LLVM 15 and later write: `$CLANG` when set,
/// else the newest `clang-21` ... `clang-15` on `PATH`, else `clang` when
/// it is 15 or later.
pub fn type_tag_clang() -> Result<String, Failure> {
    if std::env::var(CLANG.env_var).is_ok() {
        return CLANG.require();
    }
    let versioned = (15..=21)
        .rev()
        .map(|version| format!("clang-{version}"))
        .find(|name| find_in_path(name).is_some());
    if let Some(clang) = versioned {
        return Ok(clang);
    }
    let plain = CLANG.require()?;
    let major = std::process::Command::new(&plain)
        .arg("--version")
        .output()
        .ok()
        .and_then(|output| {
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            let rest = text.split("clang version ").nth(1)?.to_string();
            rest.split('.').next()?.parse::<u32>().ok()
        });
    match major {
        Some(major) if major >= 15 => Ok(plain),
        _ => Err(Failure::Message(
            "maps of objects need clang 15 or later (it writes the BTF type tags of \
             kptr values); install it with `apt-get install clang-16` (or set CLANG to its path)"
                .to_string(),
        )),
    }
}

/// Resolves a program name against `PATH` (or checks a path directly).
pub fn find_in_path(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let path = PathBuf::from(program);
        return path.is_file().then_some(path);
    }
    let path_var = std::env::var_os("PATH")?;
    std::env::split_paths(&path_var)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The include directory holding `asm/types.h` for BPF builds
/// (`/usr/include/x86_64-linux-gnu` on Debian x86-64).
pub fn multiarch_include() -> Option<PathBuf> {
    let machine = std::env::consts::ARCH;
    let dir = PathBuf::from(format!("/usr/include/{machine}-linux-gnu"));
    dir.is_dir().then_some(dir)
}

/// The `-D__TARGET_ARCH_*` value for this machine.
pub fn target_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "x86",
        "aarch64" => "arm64",
        "s390x" => "s390",
        "powerpc64" => "powerpc",
        "riscv64" => "riscv",
        other => other,
    }
}

/// Fails naming libbpf-dev when the libbpf headers are missing.
pub fn require_libbpf_headers() -> Result<(), Failure> {
    if Path::new("/usr/include/bpf/bpf_helpers.h").is_file()
        || Path::new("/usr/local/include/bpf/bpf_helpers.h").is_file()
    {
        Ok(())
    } else {
        Err(Failure::Message(
            "the libbpf headers (bpf/bpf_helpers.h) were not found; install them with `apt-get install libbpf-dev`".to_string(),
        ))
    }
}

/// The compiler and linker flags of the embedded CPython
/// (`pkg-config python3-embed`), for programs that import Python modules.
pub fn python_embed_flags() -> Result<(Vec<String>, Vec<String>), Failure> {
    let missing = || {
        Failure::Message(
            "this program imports a Python module, which needs the CPython headers and library; \
             install them with `apt-get install python3-dev pkg-config`"
                .to_string(),
        )
    };
    let query = |what: &str| -> Result<Vec<String>, Failure> {
        let output =
            Command::new(std::env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".into()))
                .args([what, "python3-embed"])
                .stderr(Stdio::null())
                .output()
                .map_err(|_| missing())?;
        if !output.status.success() {
            return Err(missing());
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect())
    };
    Ok((query("--cflags")?, query("--libs")?))
}

/// Runs `command` in `dir`, echoing it when `verbose`. Output goes to a
/// file when `stdout_to` is given. A non-zero exit is a failure carrying
/// the tool's stderr; after a success, anything the tool wrote to stderr
/// (warnings) is passed on to ours.
pub fn run(
    program: &str,
    args: &[String],
    dir: &Path,
    stdout_to: Option<&Path>,
    verbose: bool,
) -> Result<(), Failure> {
    if verbose {
        let redirect = stdout_to
            .map(|path| format!(" > {}", path.display()))
            .unwrap_or_default();
        eprintln!(
            "+ (cd {} && {program} {}{redirect})",
            dir.display(),
            args.join(" ")
        );
    }
    let mut command = Command::new(program);
    command.args(args).current_dir(dir).stderr(Stdio::piped());
    if stdout_to.is_some() {
        command.stdout(Stdio::piped());
    }
    let output = command
        .output()
        .map_err(|error| Failure::Message(format!("cannot run `{program}`: {error}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Failure::Message(format!(
            "`{program} {}` failed ({}):\n{}",
            args.join(" "),
            output.status,
            stderr.trim_end()
        )));
    }
    // Warnings of a successful run (clang's, cc's) are shown, not hidden:
    // generated C is meant to draw none, so any is worth seeing.
    if !output.stderr.is_empty() {
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
    }
    if let Some(path) = stdout_to {
        std::fs::write(path, &output.stdout).map_err(|error| {
            Failure::Message(format!("cannot write `{}`: {error}", path.display()))
        })?;
    }
    Ok(())
}
