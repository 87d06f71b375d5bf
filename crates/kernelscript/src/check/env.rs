//! The global namespace: every top-level name of a compilation.
//!
//! Included headers and the main file share one namespace. `Env` maps each
//! name to what it denotes (`Symbol`) and where it was first defined, so a
//! second definition can point back at the first. Kernel-provided names
//! (context structs, `xdp_action`, `TC_ACT_*`, BPF helpers) and language
//! builtins live here too, with no source span. This file only stores and
//! looks up names; deciding what a use of a name means is `exprs.rs`'s job.

use std::collections::HashMap;

use crate::ir::{
    Builtin, ConfigId, ConstId, EnumId, ExternId, FunctionId, GlobalId, MapId, StructId, Type,
};
use crate::span::Span;

/// Index into `Checker::aliases`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AliasId(pub usize);

/// Index into `Checker::impls`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ImplId(pub usize);

/// What a global name denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Symbol {
    /// A primitive type name (`u32`, `bool`, `size_t`, ...): never shadowed.
    Primitive,
    Struct(StructId),
    Enum(EnumId),
    Alias(AliasId),
    /// An enum variant, a global constant in C style (`XDP_PASS`).
    Variant(EnumId, usize),
    Const(ConstId),
    Global(GlobalId),
    Map(MapId),
    Config(ConfigId),
    Function(FunctionId),
    Extern(ExternId),
    /// A BPF helper known to the kernel table (index into its helper list).
    Helper(usize),
    Builtin(Builtin),
    Impl(ImplId),
    /// `import name from "..."`: reported as unsupported where declared.
    Import,
}

impl Symbol {
    /// A noun for messages: "struct", "function", ...
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Symbol::Primitive => "built-in type",
            Symbol::Struct(_) => "struct",
            Symbol::Enum(_) => "enum",
            Symbol::Alias(_) => "type alias",
            Symbol::Variant(..) => "enum variant",
            Symbol::Const(_) => "constant",
            Symbol::Global(_) => "global variable",
            Symbol::Map(_) => "map",
            Symbol::Config(_) => "config",
            Symbol::Function(_) => "function",
            Symbol::Extern(_) => "extern function",
            Symbol::Helper(_) => "BPF helper",
            Symbol::Builtin(_) => "builtin function",
            Symbol::Impl(_) => "impl block",
            Symbol::Import => "imported module",
        }
    }

    /// Whether the name denotes a type.
    pub(crate) fn is_type(self) -> bool {
        matches!(
            self,
            Symbol::Primitive | Symbol::Struct(_) | Symbol::Enum(_) | Symbol::Alias(_)
        )
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub symbol: Symbol,
    /// Where the name was defined; `None` for kernel and language names.
    pub span: Option<Span>,
}

/// The global namespace.
#[derive(Debug, Default)]
pub(crate) struct Env {
    names: HashMap<String, Entry>,
}

impl Env {
    /// Defines `name`. Returns the existing entry instead when the name is
    /// taken (the caller reports or merges).
    pub(crate) fn define(
        &mut self,
        name: &str,
        symbol: Symbol,
        span: Option<Span>,
    ) -> Result<(), Entry> {
        if let Some(existing) = self.names.get(name) {
            return Err(*existing);
        }
        self.names.insert(name.to_string(), Entry { symbol, span });
        Ok(())
    }

    /// Replaces the meaning of `name` (a user definition of a builtin's
    /// name hides the builtin).
    pub(crate) fn redefine(&mut self, name: &str, symbol: Symbol, span: Option<Span>) {
        self.names.insert(name.to_string(), Entry { symbol, span });
    }

    pub(crate) fn get(&self, name: &str) -> Option<Entry> {
        self.names.get(name).copied()
    }

    pub(crate) fn symbol(&self, name: &str) -> Option<Symbol> {
        self.get(name).map(|entry| entry.symbol)
    }

    /// Every name whose symbol passes `filter`, for did-you-mean.
    pub(crate) fn names_where(&self, filter: impl Fn(Symbol) -> bool) -> Vec<&str> {
        self.names
            .iter()
            .filter(|(_, entry)| filter(entry.symbol))
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

/// The primitive type names and what they mean.
pub(crate) fn primitive_type(name: &str) -> Option<Type> {
    use crate::ir::IntType::*;
    Some(match name {
        "u8" => Type::Int(U8),
        "u16" => Type::Int(U16),
        "u32" => Type::Int(U32),
        "u64" => Type::Int(U64),
        "i8" => Type::Int(I8),
        "i16" => Type::Int(I16),
        "i32" => Type::Int(I32),
        "i64" => Type::Int(I64),
        // The seed README's `-> int`: C's `int`, as eBPF programs return it.
        "int" => Type::Int(I32),
        "size_t" => Type::Int(U64),
        "bool" => Type::Bool,
        "char" => Type::Char,
        "void" => Type::Void,
        "ProgramHandle" => Type::ProgramHandle,
        "PerfAttachment" => Type::PerfAttachment,
        _ => return None,
    })
}

pub(crate) const PRIMITIVE_NAMES: &[&str] = &[
    "u8",
    "u16",
    "u32",
    "u64",
    "i8",
    "i16",
    "i32",
    "i64",
    "int",
    "size_t",
    "bool",
    "char",
    "void",
    "ProgramHandle",
    "PerfAttachment",
];

/// The closest candidate to `name` by edit distance, if close enough to be
/// a plausible typo. Ties break alphabetically so output is deterministic.
pub(crate) fn did_you_mean<'n>(
    name: &str,
    candidates: impl IntoIterator<Item = &'n str>,
) -> Option<String> {
    let limit = (name.len() / 3).max(1);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate.to_string())
}

/// Levenshtein distance over bytes (identifiers are ASCII).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("counter", "counter"), 0);
        assert_eq!(edit_distance("countr", "counter"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn did_you_mean_picks_the_closest_plausible_name() {
        let names = ["packet_count", "packet_size", "total"];
        assert_eq!(
            did_you_mean("packet_cout", names),
            Some("packet_count".to_string())
        );
        assert_eq!(did_you_mean("zzz", names), None);
    }
}
