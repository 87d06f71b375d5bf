//! Reads source files from disk: the main `.ks` file and, for the core's
//! `SourceLoader`, the files it `include`s and the tracefs format files of
//! the tracepoints it names (of the running kernel only).
//!
//! Only regular files are read, and at most `MAX_SOURCE_BYTES` of them, so
//! `include "/dev/zero"` or a FIFO is an error instead of unbounded memory
//! or a hang. Text must be UTF-8; the error for anything else names the
//! line and column of the first bad byte. An include path is resolved
//! relative to the directory of the file that includes it and normalised
//! lexically (`a/./b/../c.kh` is `a/c.kh`); that name is the display name,
//! so diagnostics and `#line` directives name files the way the user can
//! open them, and it is what the driver compares to include a header once.

use kernelscript::driver::SourceLoader;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest source file read (16 MiB): far above any real program, far
/// below what would exhaust memory.
pub const MAX_SOURCE_BYTES: u64 = 16 << 20;

pub struct FsLoader {
    /// Whether tracefs describes the kernel being compiled for (it is the
    /// running kernel).
    pub tracefs: bool,
}

impl SourceLoader for FsLoader {
    fn load(&mut self, including: &str, path: &str) -> Result<(String, String), String> {
        let base = Path::new(including).parent().unwrap_or(Path::new(""));
        let full = normalize(&base.join(path));
        let name = full.to_string_lossy().into_owned();
        read_source(&full).map(|text| (name, text))
    }

    fn tracepoint_format(&mut self, category: &str, event: &str) -> Option<String> {
        if !self.tracefs {
            return None;
        }
        crate::kernel::tracepoint_format(category, event)
    }
}

/// Reads a source file: a regular file of at most `MAX_SOURCE_BYTES`, in
/// UTF-8. The error is a sentence without the path (the caller names it).
pub fn read_source(path: &Path) -> Result<String, String> {
    // Checked before opening: opening a FIFO blocks until a writer comes.
    let metadata = std::fs::metadata(path).map_err(|error| error.to_string())?;
    if !metadata.is_file() {
        return Err("not a regular file".to_string());
    }
    let file = std::fs::File::open(path).map_err(|error| error.to_string())?;
    if metadata.len() > MAX_SOURCE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| error.to_string())?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
        let line_start = valid
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |index| index + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        format!("invalid UTF-8 at line {line}, column {column}")
    })
}

fn too_large() -> String {
    format!(
        "larger than {} MiB, the largest source file read",
        MAX_SOURCE_BYTES >> 20
    )
}

/// `a/./b/../c` → `a/c`, without touching the disk (a `..` that cannot be
/// resolved is kept).
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = normal.components().next_back();
                if matches!(last, Some(Component::Normal(_))) {
                    normal.pop();
                } else if !matches!(last, Some(Component::RootDir)) {
                    normal.push("..");
                }
            }
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::Path;

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(normalize(Path::new("a/./b/../c.kh")), Path::new("a/c.kh"));
        assert_eq!(normalize(Path::new("../x/../y.kh")), Path::new("../y.kh"));
        assert_eq!(normalize(Path::new("/../y.kh")), Path::new("/y.kh"));
        assert_eq!(normalize(Path::new("a/../../b")), Path::new("../b"));
    }
}
