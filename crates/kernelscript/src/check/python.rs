//! What the checker knows of an imported Python module: the functions its
//! source defines at the top level, read from the text without running
//! it — names, parameters (which have defaults, `*args`, `**kwargs`) and
//! the return annotation when it is one of the types that cross (`int`,
//! `bool`, `str`, `bytes`, `None`).
//!
//! The scan understands enough of Python's lexical structure to find
//! `def` at the start of a logical line at column 0: comments, string
//! literals of every quoting (so a `def` inside a docstring is not one),
//! brackets and backslash continuations. Anything else in the file is
//! ignored; nested functions and methods are not module functions.

use crate::span::{FileId, Span};

/// A top-level `def` of a Python module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PyFunction {
    pub name: String,
    /// The function's name in the `.py` file.
    pub span: Span,
    /// Parameters that must be given (no default, positional).
    pub required: usize,
    /// Positional parameters in all (with defaults); `None` with `*args`.
    pub max: Option<usize>,
    /// The return annotation, when it names a type that crosses.
    pub returns: Option<PyType>,
}

/// A Python type the bridge converts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PyType {
    Int,
    Bool,
    Str,
    Bytes,
    None,
}

impl PyType {
    fn from_annotation(annotation: &str) -> Option<PyType> {
        Some(match annotation.trim() {
            "int" => PyType::Int,
            "bool" => PyType::Bool,
            "str" => PyType::Str,
            "bytes" => PyType::Bytes,
            "None" => PyType::None,
            _ => return None,
        })
    }
}

/// The top-level functions of the Python source `text` (file `file`).
pub(crate) fn functions(file: FileId, text: &str) -> Vec<PyFunction> {
    headers(text)
        .into_iter()
        .filter_map(|(start, header)| parse_header(file, start, &header))
        .collect()
}

/// `(offset of the name, header text from the name to the `:` that ends
/// it, comments removed)` of every `def` at the start of a logical line in
/// column 0.
fn headers(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    // At the start of a physical line that starts a logical line.
    let mut line_start = true;
    let mut depth = 0usize;
    while i < bytes.len() {
        if line_start && depth == 0 {
            line_start = false;
            let rest = &text[i..];
            let def = if rest.starts_with("def ") {
                Some(4)
            } else if rest.starts_with("async def ") {
                Some(10)
            } else {
                None
            };
            if let Some(skip) = def {
                let name_start = i + skip;
                let (header, end) = header_text(text, name_start);
                if let Some(header) = header {
                    found.push((name_start, header));
                }
                i = end;
                continue;
            }
        }
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' | b'"' => i = skip_string(bytes, i),
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'\\' => i += 2,
            b'\n' => {
                i += 1;
                line_start = depth == 0;
            }
            _ => i += 1,
        }
    }
    found
}

/// The header text of a `def` whose name starts at `start`, up to (not
/// including) the `:` at bracket depth 0, comments dropped and strings
/// kept; and where the scan continues. `None` when the header never ends.
fn header_text(text: &str, start: usize) -> (Option<String>, usize) {
    let bytes = text.as_bytes();
    let mut i = start;
    let mut depth = 0usize;
    let mut header = String::new();
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' | b'"' => {
                let end = skip_string(bytes, i);
                header.push_str(&text[i..end]);
                i = end;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                header.push(bytes[i] as char);
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                header.push(bytes[i] as char);
                i += 1;
            }
            b':' if depth == 0 => return (Some(header), i + 1),
            b'\n' if depth == 0 => return (None, i),
            b'\\' => i += 2,
            _ => {
                let c = text[i..].chars().next().unwrap_or(' ');
                header.push(c);
                i += c.len_utf8();
            }
        }
    }
    (None, i)
}

/// The offset after the string literal starting at `start` (a quote;
/// prefixes such as `r`, `b`, `f` are ordinary identifier characters to
/// the scan, and `\` escapes are skipped in every kind, which is right for
/// finding the end).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if !triple => return i,
            c if c == quote => {
                if !triple {
                    return i + 1;
                }
                if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// `name(params) -> annotation` into a function.
fn parse_header(file: FileId, start: usize, header: &str) -> Option<PyFunction> {
    let open = header.find('(')?;
    let name = header[..open].trim();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let close = matching_paren(header, open)?;
    let params = split_top_level(&header[open + 1..close]);
    let mut required = 0;
    let mut positional = 0;
    let mut var_args = false;
    let mut keyword_only = false;
    for param in &params {
        let param = param.trim();
        if param.is_empty() || param == "/" {
            continue;
        }
        if param == "*" {
            keyword_only = true;
            continue;
        }
        if param.starts_with("**") {
            continue;
        }
        if param.starts_with('*') {
            var_args = true;
            keyword_only = true;
            continue;
        }
        if keyword_only {
            continue;
        }
        positional += 1;
        if !has_default(param) {
            required += 1;
        }
    }
    let returns = header[close + 1..]
        .trim()
        .strip_prefix("->")
        .and_then(PyType::from_annotation);
    Some(PyFunction {
        name: name.to_string(),
        span: Span::new(file, start, start + name.len()),
        required,
        max: (!var_args).then_some(positional),
        returns,
    })
}

fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = text.as_bytes();
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `text` split at the commas outside brackets and strings.
fn split_top_level(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&text[start..]);
    parts
}

/// Whether a parameter (`x`, `x=1`, `x: int = 1`, `x: dict[str, int]`)
/// has a default: an `=` outside brackets and strings that is not part of
/// `==`, `<=`, ... (which can only appear in an annotation's expression).
fn has_default(param: &str) -> bool {
    let bytes = param.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'=' if depth == 0 => {
                let before = i.checked_sub(1).map(|j| bytes[j]);
                let after = bytes.get(i + 1).copied();
                if !matches!(before, Some(b'=' | b'<' | b'>' | b'!')) && after != Some(b'=') {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Vec<(String, usize, Option<usize>, Option<PyType>)> {
        functions(FileId(0), text)
            .into_iter()
            .map(|f| (f.name, f.required, f.max, f.returns))
            .collect()
    }

    #[test]
    fn top_level_functions_with_defaults_and_annotations() {
        let text = "\"\"\"Docs.\ndef not_a_function(x):\n\"\"\"\nimport os\n\n\
            def calculate(packets, size=1500):\n    return packets * size\n\n\
            @decorator\ndef mtu() -> int:\n    def inner(y):\n        return y\n    return 1500\n\n\
            class C:\n    def method(self):\n        pass\n\n\
            def spread(a, *rest, key=None, **options) -> str:  # comment\n    pass\n\
            def multi(\n    a: int,\n    b: dict[str, int] = {'x': 1},\n) -> bool:\n    return True\n\
            async def later(): pass\n\
            x = '''\ndef fake(): pass\n'''\n";
        assert_eq!(
            scan(text),
            vec![
                ("calculate".to_string(), 1, Some(2), None),
                ("mtu".to_string(), 0, Some(0), Some(PyType::Int)),
                ("spread".to_string(), 1, None, Some(PyType::Str)),
                ("multi".to_string(), 1, Some(2), Some(PyType::Bool)),
                ("later".to_string(), 0, Some(0), None),
            ]
        );
    }

    #[test]
    fn the_name_span_points_into_the_file() {
        let text = "# c\ndef get_default_mtu():\n    return 1500\n";
        let function = &functions(FileId(3), text)[0];
        assert_eq!(
            &text[function.span.start as usize..function.span.end as usize],
            "get_default_mtu"
        );
        assert_eq!(function.span.file, FileId(3));
    }

    #[test]
    fn broken_headers_are_skipped() {
        assert!(scan("def (x):\n").is_empty());
        assert!(scan("def f(x\n").is_empty());
        assert!(scan("def f(x)\n").is_empty());
    }
}
