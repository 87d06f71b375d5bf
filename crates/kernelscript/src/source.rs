//! The texts of one compilation: the main file and every included header.
//!
//! `SourceMap` hands out a `FileId` per text and answers "which line is this
//! span on", which `#line` directives and diagnostics need. It holds text
//! the CLI read; it never reads anything itself.

use crate::span::{FileId, LineIndex, Span};

#[derive(Clone, Debug)]
pub struct SourceText {
    /// The name shown in diagnostics and `#line` directives (a path as the
    /// user wrote it or as the CLI resolved it).
    pub name: String,
    pub text: String,
    line_index: LineIndex,
}

#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceText>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let line_index = LineIndex::new(&text);
        self.files.push(SourceText {
            name: name.into(),
            text,
            line_index,
        });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, file: FileId) -> &SourceText {
        &self.files[file.0 as usize]
    }

    pub fn name(&self, file: FileId) -> &str {
        &self.get(file).name
    }

    /// Changes the name a file is known by (the CLI names files relative
    /// to the output directory for `#line`, so clang finds their text).
    pub fn rename(&mut self, file: FileId, name: impl Into<String>) {
        self.files[file.0 as usize].name = name.into();
    }

    pub fn text(&self, file: FileId) -> &str {
        &self.get(file).text
    }

    /// 1-based line of the start of `span`.
    pub fn line(&self, span: Span) -> u32 {
        self.get(span.file).line_index.line(span.start)
    }

    /// 1-based (line, column) of the start of `span`.
    pub fn line_col(&self, span: Span) -> (u32, u32) {
        self.get(span.file).line_index.line_col(span.start)
    }

    /// 1-based (line, column) of the end of `span`.
    pub fn end_line_col(&self, span: Span) -> (u32, u32) {
        self.get(span.file).line_index.line_col(span.end)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceText)> {
        self.files
            .iter()
            .enumerate()
            .map(|(index, text)| (FileId(index as u32), text))
    }
}
