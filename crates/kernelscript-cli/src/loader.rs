//! Reads included files from disk for the core's `SourceLoader`.
//!
//! An include path is resolved relative to the directory of the file that
//! includes it; the display name is that joined path, so diagnostics and
//! `#line` directives name files the way the user can open them.

use kernelscript::driver::SourceLoader;
use std::path::Path;

pub struct FsLoader;

impl SourceLoader for FsLoader {
    fn load(&mut self, including: &str, path: &str) -> Result<(String, String), String> {
        let base = Path::new(including).parent().unwrap_or(Path::new(""));
        let full = base.join(path);
        let name = full.to_string_lossy().into_owned();
        match std::fs::read(&full) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Ok((name, text)),
                Err(_) => Err("the file is not valid UTF-8".to_string()),
            },
            Err(error) => Err(error.to_string()),
        }
    }
}
