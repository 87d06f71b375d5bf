//! The files of one compilation and how they link: the main file, the
//! headers it `include`s, the KernelScript modules it `import`s (with their
//! own headers and imports) and the Python modules it imports.
//!
//! The driver builds a `Unit` by asking the caller's `SourceLoader` for
//! each file an `include` or `import` names; the checker reads it. Every
//! `include` and `import` item gets a `Link`: the file it reached, or why
//! it reached none (unreadable, a cycle, too deep, not a header, not a
//! module). The driver decides nothing else and reports nothing: the
//! checker turns failed links into diagnostics at the item, like any other
//! error. This file holds data only and does no IO.

use std::collections::BTreeMap;

use crate::span::{FileId, Span};
use crate::syntax::ast;

/// What a parsed KernelScript file is to the compilation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The file the compiler was given.
    Main,
    /// A file reached by `include`: declarations only.
    Header,
    /// A file reached by `import name from "x.ks"`: a namespace of its own.
    Module,
}

/// One parsed KernelScript file.
#[derive(Clone, Debug)]
pub struct UnitFile {
    pub file: FileId,
    pub role: Role,
    pub ast: ast::SourceFile,
}

/// A Python module reached by `import name from "x.py"`: its text, which
/// the checker reads the functions' signatures from and the userspace
/// program embeds.
#[derive(Clone, Debug)]
pub struct PythonFile {
    pub file: FileId,
    /// The display name the loader gave it (a path).
    pub name: String,
    pub text: String,
}

/// Where an `include` or `import` led.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// `include`: the header's file.
    Header(FileId),
    /// `import` of a `.ks` file: the module's file.
    Module(FileId),
    /// `import` of a `.py` file: index into `Unit::python`.
    Python(usize),
    /// The loader could not read the file; its reason.
    Unreadable(String),
    /// The file is already being included (`chain`: the files from the one
    /// first including it to this one).
    IncludeCycle(Vec<String>),
    /// The module is already being imported (`chain` as above).
    ImportCycle(Vec<String>),
    /// More than `MAX_DEPTH` nested includes or imports.
    TooDeep,
    /// `include` of a file that is not a `.kh` header.
    NotAHeader,
    /// `import` of a file that is neither `.ks` nor `.py`.
    NotAModule,
}

/// Includes and imports nest at most this deep.
pub const MAX_DEPTH: usize = 16;

/// The parsed files of one compilation and their links.
#[derive(Clone, Debug, Default)]
pub struct Unit {
    /// Every KernelScript file, in the order they were reached (the main
    /// file first).
    pub files: Vec<UnitFile>,
    pub python: Vec<PythonFile>,
    /// The link of each `include`/`import` item, by the span of its path.
    links: BTreeMap<(FileId, u32), Link>,
}

impl Unit {
    pub fn new() -> Unit {
        Unit::default()
    }

    pub fn add_link(&mut self, path: Span, link: Link) {
        self.links.insert((path.file, path.start), link);
    }

    /// The link of the `include`/`import` whose path literal is at `path`.
    pub fn link(&self, path: Span) -> Option<&Link> {
        self.links.get(&(path.file, path.start))
    }

    pub fn file(&self, file: FileId) -> Option<&UnitFile> {
        self.files.iter().find(|unit_file| unit_file.file == file)
    }

    /// The files reached by the `include`s of `file` (directly).
    pub fn headers_of(&self, file: &UnitFile) -> Vec<FileId> {
        file.ast
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ast::ItemKind::Include { path } => match self.link(path.span) {
                    Some(Link::Header(header)) => Some(*header),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }
}
