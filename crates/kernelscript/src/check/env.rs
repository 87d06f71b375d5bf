//! The global namespaces: every top-level name of a compilation.
//!
//! The main file and the headers it includes share one namespace; each
//! imported KernelScript module has its own (`module.name` reaches into
//! it). `Env` maps each name to what it denotes (`Symbol`) and where it was
//! first defined, so a second definition can point back at the first.
//! Kernel-provided names (context structs, `xdp_action`, `TC_ACT_*`, BPF
//! helpers) and language builtins live in a prelude every namespace sees,
//! with no source span. This file only stores and looks up names; deciding
//! what a use of a name means is `exprs.rs`'s job.

use std::collections::BTreeMap;

use crate::ir::{
    Builtin, ConfigId, ConstId, EnumId, ExternId, FunctionId, GlobalId, MapId, ModuleId, StructId,
    Type,
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
    /// `import name from "..."`: a KernelScript or Python module.
    Module(ModuleId),
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
            Symbol::Module(_) => "imported module",
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

/// A namespace: the main file's (0), or an imported module's.
pub(crate) type Space = usize;

/// The global namespaces.
///
/// Kernel names, primitive types and language builtins live in the
/// prelude, visible everywhere. Every KernelScript file belongs to one
/// namespace where its names are looked up: the main file to the main
/// namespace, an imported module's file to the module's own. A header's
/// definitions go to every namespace that includes it (directly or through
/// other headers), so two modules including one header share its types;
/// its own names are looked up in the first of those. Which namespace a
/// name is looked up in follows from the span of the use: its file.
#[derive(Debug, Default)]
pub(crate) struct Env {
    prelude: BTreeMap<String, Entry>,
    spaces: Vec<BTreeMap<String, Entry>>,
    /// By `FileId`: the namespace the file's names are looked up in.
    home: Vec<Space>,
    /// By `FileId`: the namespaces the file's definitions go to.
    visible: Vec<Vec<Space>>,
}

impl Env {
    /// Sets up `count` namespaces, and for every file (by `FileId` index)
    /// the namespaces its definitions are visible in (the first is where
    /// its own names are looked up). Files not listed belong to the main
    /// namespace.
    pub(crate) fn set_spaces(&mut self, count: usize, visible: Vec<Vec<Space>>) {
        self.spaces = (0..count.max(1)).map(|_| BTreeMap::new()).collect();
        self.home = visible
            .iter()
            .map(|spaces| spaces.first().copied().unwrap_or(0))
            .collect();
        self.visible = visible;
    }

    fn home_of(&self, at: Span) -> Space {
        self.home.get(at.file.0 as usize).copied().unwrap_or(0)
    }

    /// The namespaces a definition at `span` goes to.
    fn targets(&self, span: Span) -> Vec<Space> {
        match self.visible.get(span.file.0 as usize) {
            Some(spaces) if !spaces.is_empty() => spaces.clone(),
            _ => vec![0],
        }
    }

    /// Defines `name`: a kernel or language name (no span) in the prelude,
    /// a user name in the namespaces its file is visible in. Returns the
    /// existing entry instead when the name is taken there or in the
    /// prelude (the caller reports or hides a builtin with `redefine`).
    pub(crate) fn define(
        &mut self,
        name: &str,
        symbol: Symbol,
        span: Option<Span>,
    ) -> Result<(), Entry> {
        let entry = Entry { symbol, span };
        let Some(at) = span else {
            if let Some(existing) = self.prelude.get(name) {
                return Err(*existing);
            }
            self.prelude.insert(name.to_string(), entry);
            return Ok(());
        };
        if self.spaces.is_empty() {
            self.spaces.push(BTreeMap::new());
        }
        let targets = self.targets(at);
        for space in &targets {
            if let Some(existing) = self.spaces[*space].get(name) {
                return Err(*existing);
            }
        }
        if let Some(existing) = self.prelude.get(name) {
            return Err(*existing);
        }
        for space in targets {
            self.spaces[space].insert(name.to_string(), entry);
        }
        Ok(())
    }

    /// Gives `name` a user meaning that hides the prelude's (a user
    /// definition of a builtin's name), in the namespaces of `span`'s file.
    pub(crate) fn redefine(&mut self, name: &str, symbol: Symbol, span: Span) {
        if self.spaces.is_empty() {
            self.spaces.push(BTreeMap::new());
        }
        for space in self.targets(span) {
            self.spaces[space].insert(
                name.to_string(),
                Entry {
                    symbol,
                    span: Some(span),
                },
            );
        }
    }

    /// What `name` means where `at` is: its file's namespace, then the
    /// prelude.
    pub(crate) fn get(&self, name: &str, at: Span) -> Option<Entry> {
        self.spaces
            .get(self.home_of(at))
            .and_then(|space| space.get(name))
            .or_else(|| self.prelude.get(name))
            .copied()
    }

    pub(crate) fn symbol(&self, name: &str, at: Span) -> Option<Symbol> {
        self.get(name, at).map(|entry| entry.symbol)
    }

    /// What `name` means in the prelude (kernel and language names).
    pub(crate) fn prelude_symbol(&self, name: &str) -> Option<Symbol> {
        self.prelude.get(name).map(|entry| entry.symbol)
    }

    /// `name` as a member of namespace `space` (`module.name`): the
    /// namespace's own names only, not the prelude's.
    pub(crate) fn member(&self, space: Space, name: &str) -> Option<Entry> {
        self.spaces.get(space)?.get(name).copied()
    }

    /// The user names of namespace `space` whose symbol passes `filter`,
    /// for did-you-mean.
    pub(crate) fn members_where(&self, space: Space, filter: impl Fn(Symbol) -> bool) -> Vec<&str> {
        self.spaces
            .get(space)
            .into_iter()
            .flat_map(|names| names.iter())
            .filter(|(_, entry)| filter(entry.symbol))
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Every name visible where `at` is whose symbol passes `filter`, for
    /// did-you-mean.
    pub(crate) fn names_where(&self, at: Span, filter: impl Fn(Symbol) -> bool) -> Vec<&str> {
        let mut names = self.members_where(self.home_of(at), &filter);
        names.extend(
            self.prelude
                .iter()
                .filter(|(_, entry)| filter(entry.symbol))
                .map(|(name, _)| name.as_str()),
        );
        names
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
