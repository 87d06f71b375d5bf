//! Proofs, in the running kernel, of the C shapes that
//! docs/design/kernel-lowering.md asks the compiler to emit for issue 9:
//! loops the verifier can afford (`loops`), errors across eBPF functions
//! (`errors`), object allocation and kptrs (`objects`), dynptr ring
//! buffers (`dynptr`), perf event arrays (`perf`) and insert-if-absent
//! (`noexist`). The fixtures are hand-written C in
//! `tests/data/lowering/`, each headed by the KernelScript source it
//! renders; the tests build them with clang, load them (the verifier
//! judges), run them and read their maps back.
//!
//! Every test holds the kernel lock while it touches the kernel. What the
//! host kernel refuses (kernel modules, a 6.1 kernel's verdicts) is proved
//! in the qemu guest by `tests/lowering_guest.rs`. Nothing here depends on
//! the compiler crates.

mod dynptr;
mod errors;
mod loops;
mod noexist;
mod objects;
mod perf;

use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::qemu::Scratch;
use testkit::{LoadError, LoadedObject};

/// `tests/data/lowering/REL`.
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lowering")
        .join(rel)
}

/// An eBPF object built from `tests/data/lowering/REL` (a `.bpf.c`) in a
/// scratch directory that lives as long as the value.
pub struct Built {
    scratch: Scratch,
    pub object: PathBuf,
}

pub fn build(rel: &str) -> Built {
    build_with(rel, &[])
}

/// As [`build`], with more clang arguments (`-D...`).
pub fn build_with(rel: &str, extra: &[&str]) -> Built {
    build_by(&testkit::clang_binary(), rel, extra)
}

/// As [`build_with`], with a given clang binary.
pub fn build_by(clang: &str, rel: &str, extra: &[&str]) -> Built {
    let source = data(rel);
    let stem = source
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".bpf.c"))
        .expect("fixtures are named NAME.bpf.c")
        .to_string();
    let scratch = Scratch::new(&stem).expect("scratch directory");
    let object = scratch.path().join(format!("{stem}.o"));
    let mut flags = vec!["-Wall", "-Werror"];
    flags.extend_from_slice(extra);
    let args = testkit::bpf_clang_args(&source, &object, &flags);
    let output = Command::new(clang)
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("running {clang}: {e}"));
    assert!(
        output.status.success(),
        "{clang} {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    Built { scratch, object }
}

impl Built {
    /// The scratch directory the object was built in.
    pub fn dir(&self) -> &Path {
        self.scratch.path()
    }

    pub fn load(&self) -> LoadedObject {
        LoadedObject::open_and_load(&self.object).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn load_err(&self) -> LoadError {
        match LoadedObject::open_and_load(&self.object) {
            Ok(_) => panic!(
                "{} loaded, but the kernel must refuse it",
                self.object.display()
            ),
            Err(e) => e,
        }
    }
}

/// A userspace C program from `tests/data/lowering/REL` built against the
/// system's libbpf (Debian 12: 1.1, the version generated userspace
/// code must work with) with `cc -Wall -Wextra -Werror`, into `dir`.
pub fn build_host_program(rel: &str, dir: &Path) -> PathBuf {
    let source = data(rel);
    let name = source
        .file_stem()
        .and_then(|n| n.to_str())
        .expect("a C file")
        .to_string();
    let binary = dir.join(name);
    let output = Command::new("cc")
        .args(["-Wall", "-Wextra", "-Werror", "-O2"])
        .arg(&source)
        .arg("-o")
        .arg(&binary)
        .arg("-lbpf")
        .output()
        .unwrap_or_else(|e| panic!("running cc: {e}"));
    assert!(
        output.status.success(),
        "cc {} failed:\n{}",
        source.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    binary
}

/// Runs a program built by [`build_host_program`] (the caller holds the
/// kernel lock) and returns its standard output; a failure panics with
/// its standard error.
pub fn run_host_program(binary: &Path, args: &[&str]) -> String {
    let output = Command::new(binary)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", binary.display()));
    assert!(
        output.status.success(),
        "{} {} failed ({}):\n{}{}",
        binary.display(),
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A 64-byte Ethernet frame: the programs under test do not parse it.
pub fn frame() -> Vec<u8> {
    testkit::Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .udp(1000, 2000)
        .payload(&[0u8; 22])
        .build()
}

/// Prints one measured figure (`cargo test -- --nocapture` shows them).
pub fn report(what: &str, insns: u32) {
    println!("verified_insns {what:<45} {insns:>8}");
}

pub fn u32_bytes(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_ne_bytes()).collect()
}

pub fn as_u64(bytes: &[u8]) -> u64 {
    u64::from_ne_bytes(bytes[..8].try_into().expect("8 bytes"))
}

pub fn as_u32(bytes: &[u8]) -> u32 {
    u32::from_ne_bytes(bytes[..4].try_into().expect("4 bytes"))
}

/// Entry `key` of an array map of u64 values.
pub fn slot(obj: &LoadedObject, map: &str, key: u32) -> u64 {
    as_u64(
        &obj.lookup(map, &key.to_ne_bytes())
            .unwrap()
            .unwrap_or_else(|| panic!("{map}[{key}] is missing")),
    )
}

/// Sets entries `0..n` of an array map of u64 values to zero.
pub fn clear(obj: &LoadedObject, map: &str, n: u32) {
    for key in 0..n {
        obj.update(map, &key.to_ne_bytes(), &0u64.to_ne_bytes())
            .unwrap();
    }
}

/// A clang that writes BTF type tags into the object (`btf_type_tag`,
/// which kptr map values need): LLVM 15 or later. Debian 12's default
/// clang 14 parses the attribute and drops it from BTF. `None` (after
/// printing `skipped: ...`) when there is none, unless
/// `KS_REQUIRE_KERNEL=1`, which makes it a failure.
pub fn type_tag_clang() -> Option<String> {
    let candidates = std::env::var("KS_CLANG")
        .ok()
        .into_iter()
        .chain((15..=21).rev().map(|v| format!("clang-{v}")))
        .chain(["clang".to_string()]);
    for clang in candidates {
        let Ok(output) = Command::new(&clang).arg("--version").output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&output.stdout);
        let major = text
            .split("clang version ")
            .nth(1)
            .and_then(|rest| rest.split('.').next())
            .and_then(|major| major.parse::<u32>().ok());
        if major.is_some_and(|major| major >= 15) {
            return Some(clang);
        }
    }
    let reason = "no clang >= 15 (BTF type tags for kptrs): install clang-16";
    assert!(!testkit::kernel_required(), "{reason}");
    println!("skipped: {reason}");
    None
}
