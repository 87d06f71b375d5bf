//! C identifiers for generated things and renamed locals.
//!
//! `Namer` hands out names that collide with nothing it already knows:
//! file-scope names (maps, globals, functions, constants, enum variants, C
//! keywords and libbpf macros) are reserved up front, so no local or
//! generated helper ever shadows a global the code refers to. Suffixes are
//! `_2`, `_3`, ... in request order, so output is deterministic.

use std::collections::BTreeSet;

/// C keywords and names the included headers define as macros or types,
/// which a local or generated name must never take.
const RESERVED: &[&str] = &[
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
    "_Bool",
    "asm",
    "typeof",
    "bool",
    "true",
    "false",
    "NULL",
    "SEC",
    "LICENSE",
    "__u8",
    "__u16",
    "__u32",
    "__u64",
    "__s8",
    "__s16",
    "__s32",
    "__s64",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "bpf_printk",
    "likely",
    "unlikely",
    "barrier",
    "offsetof",
    "container_of",
    "min",
    "max",
];

#[derive(Clone, Debug, Default)]
pub(super) struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// A namer that already refuses C keywords and header macros.
    pub(super) fn with_reserved_words() -> Namer {
        let mut namer = Namer::default();
        for word in RESERVED {
            namer.reserve(word);
        }
        namer
    }

    pub(super) fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    pub(super) fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// `base`, or `base_2`, `base_3`, ... : the first name not taken, which
    /// becomes taken.
    pub(super) fn fresh(&mut self, base: &str) -> String {
        let name = first_free(base, |candidate| self.taken.contains(candidate));
        self.taken.insert(name.clone());
        name
    }
}

/// `base` or the first of `base_2`, `base_3`, ... for which `taken` is false.
pub(super) fn first_free(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2u32..)
        .map(|suffix| format!("{base}_{suffix}"))
        .find(|candidate| !taken(candidate))
        .expect("an unbounded range of suffixes has a free one")
}

/// `text` made a C identifier: non-identifier characters become `_`, and a
/// leading digit gets a `_` prefix (used for the project name).
pub(super) fn c_identifier(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_names_skip_taken_ones_deterministically() {
        let mut namer = Namer::with_reserved_words();
        namer.reserve("counters");
        assert_eq!(namer.fresh("counters"), "counters_2");
        assert_eq!(namer.fresh("counters"), "counters_3");
        assert_eq!(namer.fresh("int"), "int_2");
        assert_eq!(namer.fresh("value"), "value");
        assert!(namer.is_taken("value"));
    }

    #[test]
    fn identifiers_are_sanitised() {
        assert_eq!(c_identifier("my-proj.v2"), "my_proj_v2");
        assert_eq!(c_identifier("9lives"), "_9lives");
    }
}
