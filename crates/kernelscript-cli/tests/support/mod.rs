//! Shared by the kernel test files: builds a `.ks` source the way a user
//! would — `kernelscript compile`, then the generated Makefile (with
//! `-Werror` for both C files) — in a scratch directory removed when the
//! `Project` drops.

use std::path::PathBuf;
use std::process::Command;

/// A built project: its directory (removed on drop) and binary.
pub struct Project {
    pub dir: PathBuf,
    pub binary: PathBuf,
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Compiles `source` as `NAME.ks` and builds it in
/// `$TMP/ks-SUITE-PID-NAME/out`.
pub fn build(suite: &str, name: &str, source: &str) -> Project {
    let dir = std::env::temp_dir().join(format!("ks-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("project directory");
    let project = Project {
        binary: dir.join("out").join(name),
        dir,
    };
    let source_path = project.dir.join(format!("{name}.ks"));
    std::fs::write(&source_path, source).expect("write the .ks file");
    let compiled = Command::new(env!("CARGO_BIN_EXE_kernelscript"))
        .arg("compile")
        .arg(&source_path)
        .arg("-o")
        .arg(project.dir.join("out"))
        .output()
        .expect("run kernelscript compile");
    assert!(
        compiled.status.success(),
        "kernelscript compile {name}.ks failed:\n{}",
        text(&compiled.stderr)
    );
    let made = Command::new("make")
        .args([
            "-s",
            "CFLAGS=-g -O2 -Wall -Werror",
            "BPF_CFLAGS=-g -O2 -Wall -Werror",
        ])
        .current_dir(project.dir.join("out"))
        .output()
        .expect("run make");
    assert!(
        made.status.success(),
        "make failed:\n{}{}",
        text(&made.stdout),
        text(&made.stderr)
    );
    project
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
