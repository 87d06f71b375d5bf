//! String literals cut to their `str(N)` buffer (integer literals are the
//! shared `codegen::c` speller's).

use crate::codegen::c::string_literal_bytes;

/// A string literal fitting `str(len)`: longer text is cut to `len - 1`
/// bytes (at a byte boundary; the terminator needs the last byte).
pub fn truncated_literal(text: &str, len: u32) -> String {
    let max = (len as usize).saturating_sub(1);
    let bytes = text.as_bytes();
    string_literal_bytes(&bytes[..bytes.len().min(max)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_literals_are_cut_to_the_buffer() {
        assert_eq!(truncated_literal("toolong", 6), "\"toolo\"");
        assert_eq!(truncated_literal("exact", 6), "\"exact\"");
    }
}
