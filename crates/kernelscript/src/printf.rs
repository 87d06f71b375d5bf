//! The `printf`-style conversions of a `print` format string, parsed once
//! for the checker (which pairs them with the values and their types) and
//! the userspace generator (which rewrites them for the values' C types).
//!
//! A conversion is `%[flags][width][.precision][length]conversion` with a
//! conversion among `diuxXocsp`; `%%` is a literal percent sign, and a `%`
//! not followed by a conversion (`100% sure`) is literal text too. Pure
//! text processing; no types here.

/// A parsed conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub flags: String,
    pub width: String,
    pub precision: Option<String>,
    pub conversion: char,
}

/// Parses the text after a `%`; returns the spec and the number of
/// characters it spans (`(None, 0)` when no conversion starts there).
pub fn parse_spec(text: &str) -> (Option<Spec>, usize) {
    let chars: Vec<char> = text.chars().collect();
    let mut index = 0;
    let mut flags = String::new();
    while index < chars.len() && "-+ #0".contains(chars[index]) {
        flags.push(chars[index]);
        index += 1;
    }
    let mut width = String::new();
    while index < chars.len() && chars[index].is_ascii_digit() {
        width.push(chars[index]);
        index += 1;
    }
    let mut precision = None;
    if index < chars.len() && chars[index] == '.' {
        index += 1;
        let mut digits = String::new();
        while index < chars.len() && chars[index].is_ascii_digit() {
            digits.push(chars[index]);
            index += 1;
        }
        precision = Some(digits);
    }
    while index < chars.len() && "hlLqjzt".contains(chars[index]) {
        index += 1;
    }
    match chars.get(index) {
        Some(&conversion) if "diuxXocsp".contains(conversion) => (
            Some(Spec {
                flags,
                width,
                precision,
                conversion,
            }),
            index + 1,
        ),
        _ => (None, 0),
    }
}

/// Every conversion of `format`, in order, with the byte offset of its `%`.
pub fn conversions(format: &str) -> Vec<(usize, Spec)> {
    let mut found = Vec::new();
    let mut chars = format.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c != '%' {
            continue;
        }
        if let Some((_, '%')) = chars.peek() {
            chars.next();
            continue;
        }
        let (spec, consumed) = parse_spec(&format[start + 1..]);
        if let Some(spec) = spec {
            for _ in 0..consumed {
                chars.next();
            }
            found.push((start, spec));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_skip_literal_percent_signs() {
        let found: Vec<(usize, char)> = conversions("%d%% of %-8.3s at %llx, 100%! done %")
            .into_iter()
            .map(|(at, spec)| (at, spec.conversion))
            .collect();
        assert_eq!(found, [(0, 'd'), (8, 's'), (18, 'x')]);
    }
}
