//! C identifiers for generated things and renamed locals.
//!
//! `Namer` hands out names that collide with nothing it already knows:
//! file-scope names (maps, globals, functions, constants, enum variants, C
//! keywords and libbpf macros) are reserved up front, so no local or
//! generated helper ever shadows a global the code refers to. Suffixes are
//! `_2`, `_3`, ... in request order, so output is deterministic.

use std::collections::BTreeSet;

pub(super) use crate::codegen::plan::first_free;

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
}
