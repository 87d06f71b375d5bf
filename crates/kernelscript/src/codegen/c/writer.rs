//! An indentation-aware writer of C text, shared by the C generators.
//!
//! `CWriter` collects lines, indents them with tabs (kernel style), keeps
//! braces balanced through `open_block` / `close_block`, and tracks `#line`
//! directives: after `map_to_source(file, line)` every written line counts
//! as the next line of `file`, so a directive is only written when the text
//! actually drifts from the source; `map_to_output(name)` switches back to
//! the generated file's own line numbers (resolved in `finish`, so text can
//! be produced in pieces and spliced together with `append`).
//!
//! It knows nothing about KernelScript or the IR and must stay that way: it
//! is a text utility with a small API. Also here: C literal spellings
//! (`string_literal`, `char_literal`).

/// One stored line: text already indented, or a placeholder for a
/// `#line N "output"` directive whose `N` is only known in `finish`.
#[derive(Clone, Debug)]
enum Line {
    Text(String),
    OutputLineDirective(String),
}

/// Accumulates C source text. See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct CWriter {
    lines: Vec<Line>,
    indent: usize,
    /// When mapped to a source file: that file and the source line the
    /// next written line corresponds to (as the C compiler will count it).
    mapping: Option<(String, u32)>,
    /// Whether the last line is a `#line` to a source file.
    ends_with_source_directive: bool,
}

impl CWriter {
    pub fn new() -> CWriter {
        CWriter::default()
    }

    /// Writes `text` as one line at the current indentation. Text holding
    /// newlines is written as several lines, each indented. Empty text
    /// writes an empty line.
    pub fn line(&mut self, text: impl AsRef<str>) {
        for piece in text.as_ref().split('\n') {
            if piece.is_empty() {
                self.push(String::new());
            } else {
                self.push(format!("{}{}", "\t".repeat(self.indent), piece));
            }
        }
    }

    /// Writes `text` at column 0 whatever the indentation: preprocessor
    /// directives and `goto` labels.
    pub fn unindented(&mut self, text: impl AsRef<str>) {
        for piece in text.as_ref().split('\n') {
            self.push(piece.to_string());
        }
    }

    /// Writes an empty line, unless the text is empty so far or already
    /// ends with an empty line or an opening brace: separates groups
    /// without ever doubling blank lines.
    pub fn blank_line(&mut self) {
        match self.lines.last() {
            None => {}
            Some(Line::Text(last)) if last.is_empty() || last.ends_with('{') => {}
            Some(_) => self.push(String::new()),
        }
    }

    /// Writes `head {` (just `{` when `head` is empty) and indents.
    pub fn open_block(&mut self, head: impl AsRef<str>) {
        let head = head.as_ref();
        if head.is_empty() {
            self.line("{");
        } else {
            self.line(format!("{head} {{"));
        }
        self.indent += 1;
    }

    /// Dedents and writes `}`.
    pub fn close_block(&mut self) {
        self.close_block_with("");
    }

    /// Dedents and writes `}` followed by `tail` (e.g. `;` for a struct
    /// definition, or ` while (0);`).
    pub fn close_block_with(&mut self, tail: impl AsRef<str>) {
        self.dedent();
        self.line(format!("}}{}", tail.as_ref()));
    }

    /// Closes the current block and opens the next one on the same line:
    /// `} middle {` (e.g. `} else {`, `} else if (x) {`).
    pub fn reopen_block(&mut self, middle: impl AsRef<str>) {
        self.dedent();
        self.line(format!("}} {} {{", middle.as_ref()));
        self.indent += 1;
    }

    pub fn indent(&mut self) {
        self.indent += 1;
    }

    pub fn dedent(&mut self) {
        debug_assert!(self.indent > 0, "unbalanced CWriter::dedent");
        self.indent = self.indent.saturating_sub(1);
    }

    /// Makes the following lines count as `line` of `file` (1-based),
    /// writing `#line line "file"` only when the lines written since the
    /// last directive do not already land there. A directive with nothing
    /// after it yet is replaced rather than followed by another.
    pub fn map_to_source(&mut self, file: &str, line: u32) {
        if let Some((mapped_file, next_line)) = &self.mapping {
            if mapped_file == file && *next_line == line {
                return;
            }
        }
        let directive = Line::Text(format!("#line {line} {}", string_literal(file)));
        if self.ends_with_source_directive {
            *self.lines.last_mut().expect("a directive was written") = directive;
        } else {
            self.lines.push(directive);
        }
        self.ends_with_source_directive = true;
        self.mapping = Some((file.to_string(), line));
    }

    /// Makes the following lines count as lines of the generated file
    /// itself, named `output_file`, if they were mapped to a source.
    pub fn map_to_output(&mut self, output_file: &str) {
        if self.mapping.take().is_some() {
            let directive = Line::OutputLineDirective(output_file.to_string());
            if self.ends_with_source_directive {
                // Nothing was mapped by the last directive: replace it.
                *self.lines.last_mut().expect("a directive was written") = directive;
            } else {
                self.lines.push(directive);
            }
            self.ends_with_source_directive = false;
        }
    }

    /// Appends everything `other` wrote, as written (its indentation is
    /// kept, not shifted). The mapping state becomes `other`'s: when
    /// `other`'s first lines are not mapped, call `map_to_output` first.
    pub fn append(&mut self, other: CWriter) {
        if !other.lines.is_empty() {
            self.ends_with_source_directive = other.ends_with_source_directive;
        }
        self.lines.extend(other.lines);
        self.mapping = other.mapping;
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The text, each line ending in a newline, with output line
    /// directives resolved to their real line numbers.
    pub fn finish(self) -> String {
        let mut text = String::new();
        for (index, line) in self.lines.iter().enumerate() {
            match line {
                Line::Text(line) => text.push_str(line),
                Line::OutputLineDirective(file) => {
                    // `#line N` names the line after the directive itself.
                    let next_line = index + 2;
                    text.push_str(&format!("#line {next_line} {}", string_literal(file)));
                }
            }
            text.push('\n');
        }
        text
    }

    fn push(&mut self, text: String) {
        self.ends_with_source_directive = false;
        self.lines.push(Line::Text(text));
        if let Some((_, next_line)) = &mut self.mapping {
            *next_line += 1;
        }
    }
}

/// `text` as a C string literal, quoted and escaped (non-printable bytes as
/// three-digit octal escapes, which cannot swallow following digits).
pub fn string_literal(text: &str) -> String {
    string_literal_bytes(text.as_bytes())
}

/// `bytes` as a C string literal, escaped as `string_literal` does; a
/// second `?` of `??` is escaped so it cannot start a trigraph.
pub fn string_literal_bytes(bytes: &[u8]) -> String {
    let mut literal = String::with_capacity(bytes.len() + 2);
    literal.push('"');
    let mut previous = 0u8;
    for &byte in bytes {
        if byte == b'?' && previous == b'?' {
            literal.push_str("\\?");
        } else {
            push_escaped(&mut literal, byte, b'"');
        }
        previous = byte;
    }
    literal.push('"');
    literal
}

/// `byte` as a C character literal (`'a'`, `'\n'`, `'\''`).
pub fn char_literal(byte: u8) -> String {
    if byte == 0 {
        return "'\\0'".to_string();
    }
    let mut literal = String::from("'");
    push_escaped(&mut literal, byte, b'\'');
    literal.push('\'');
    literal
}

fn push_escaped(out: &mut String, byte: u8, quote: u8) {
    match byte {
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\t' => out.push_str("\\t"),
        b'\r' => out.push_str("\\r"),
        _ if byte == quote => {
            out.push('\\');
            out.push(byte as char);
        }
        0x20..=0x7e => out.push(byte as char),
        _ => out.push_str(&format!("\\{byte:03o}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_controls_high_bytes_and_trigraphs() {
        assert_eq!(string_literal("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(string_literal_bytes(&[0x01, b'7']), r#""\0017""#);
        assert_eq!(char_literal(b'\''), r"'\''");
        assert_eq!(char_literal(0), r"'\0'");
        assert_eq!(string_literal("??="), r#""?\?=""#);
    }

    #[test]
    fn blocks_indent_with_tabs_and_balance_braces() {
        let mut writer = CWriter::new();
        writer.open_block("int main(void)");
        writer.open_block("if (x)");
        writer.line("y();");
        writer.reopen_block("else");
        writer.line("z();");
        writer.close_block();
        writer.line("return 0;");
        writer.close_block();
        writer.open_block("struct s");
        writer.line("int a;");
        writer.close_block_with(";");
        assert_eq!(
            writer.finish(),
            "int main(void) {\n\tif (x) {\n\t\ty();\n\t} else {\n\t\tz();\n\t}\n\treturn 0;\n}\nstruct s {\n\tint a;\n};\n"
        );
    }

    #[test]
    fn multi_line_text_is_indented_line_by_line() {
        let mut writer = CWriter::new();
        writer.indent();
        writer.line("a\n\nb");
        writer.unindented("label:");
        writer.dedent();
        assert_eq!(writer.finish(), "\ta\n\n\tb\nlabel:\n");
    }

    #[test]
    fn blank_lines_are_never_doubled_or_leading() {
        let mut writer = CWriter::new();
        writer.blank_line();
        writer.line("a;");
        writer.blank_line();
        writer.blank_line();
        writer.open_block("b");
        writer.blank_line();
        writer.close_block();
        assert_eq!(writer.finish(), "a;\n\nb {\n}\n");
    }

    #[test]
    fn line_directives_are_written_only_when_lines_drift() {
        let mut writer = CWriter::new();
        writer.line("// generated");
        writer.map_to_source("x.ks", 3);
        writer.line("a();"); // line 3
        writer.map_to_source("x.ks", 4); // already there: no directive
        writer.line("b();"); // line 4
        writer.map_to_source("x.ks", 4); // drifted to 5: directive
        writer.line("c();");
        writer.map_to_source("y.kh", 9); // replaced by the next one
        writer.map_to_source("y.kh", 5); // other file: directive
        writer.line("d();");
        writer.map_to_output("out.c");
        writer.line("e();");
        writer.map_to_output("out.c"); // already unmapped: nothing
        assert_eq!(
            writer.finish(),
            "// generated\n#line 3 \"x.ks\"\na();\nb();\n#line 4 \"x.ks\"\nc();\n\
             #line 5 \"y.kh\"\nd();\n#line 10 \"out.c\"\ne();\n"
        );
    }

    #[test]
    fn output_directives_are_resolved_after_appending() {
        let mut piece = CWriter::new();
        piece.map_to_source("a.ks", 7);
        piece.line("x;");
        piece.map_to_output("out.c");
        piece.line("y;");
        let mut writer = CWriter::new();
        writer.line("first;");
        writer.append(piece);
        writer.line("z;");
        assert_eq!(
            writer.finish(),
            "first;\n#line 7 \"a.ks\"\nx;\n#line 5 \"out.c\"\ny;\nz;\n"
        );
    }

    #[test]
    fn literals_are_escaped() {
        assert_eq!(string_literal("a\"b\\c\n\u{7}"), "\"a\\\"b\\\\c\\n\\007\"");
        assert_eq!(string_literal("\u{0}1"), "\"\\0001\"");
        assert_eq!(string_literal("it's"), "\"it's\"");
        assert_eq!(char_literal(b'\''), "'\\''");
        assert_eq!(char_literal(b'"'), "'\"'");
        assert_eq!(char_literal(0), "'\\0'");
        assert_eq!(char_literal(b'z'), "'z'");
    }
}
