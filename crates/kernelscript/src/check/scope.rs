//! Per-function state: lexical scopes, locals and what the body does.
//!
//! `FnCtx` is the context of the body being checked: where it runs, its
//! return type, its locals (every local of the function, parameters first),
//! the stack of block scopes (a name declared in a nested block shadows an
//! outer one until the block ends; redeclaring a name in the same block is
//! an error), the loop depth for `break`/`continue`, the enclosing `try`
//! blocks for `throw`, and the calls it makes (for the call graph).
//! Global initialisers and constants are checked in a `FnCtx` with no
//! function (`FnCtx::global`), where no local can exist.

use crate::ir::{FunctionId, FunctionKind, LocalDef, LocalId, Target, Type};
use crate::span::Span;

/// A name bound in a block scope.
#[derive(Clone, Debug)]
pub(crate) enum Binding {
    Local(LocalId),
    /// `const N = ...` inside a function: its uses become literals.
    Const {
        value: i128,
        ty: Type,
        radix: crate::ir::Radix,
    },
}

/// Facts about a local the IR does not keep.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LocalFacts {
    /// A `for` loop variable: the bound proof needs it unmodified.
    pub loop_var: bool,
    /// Declared as `var x = m[k]`: a copy of a map value.
    pub copied_from_map: bool,
    /// Declared as `var x = m[k]` with the map's value type: `x == null`
    /// asks whether the entry existed (see `presence.rs`).
    pub may_track_presence: bool,
    /// The `bool` local recording whether the entry existed, added when
    /// the body first compares `x` with `null`.
    pub found: Option<LocalId>,
}

/// What a `try` block catches, for checking that eBPF throws are caught.
#[derive(Clone, Debug, Default)]
pub(crate) struct CatchSet {
    pub codes: Vec<i128>,
    pub wildcard: bool,
}

impl CatchSet {
    /// Whether a thrown `code` (`None`: not a constant) is caught here.
    pub(crate) fn catches(&self, code: Option<i128>) -> bool {
        self.wildcard || code.is_some_and(|code| self.codes.contains(&code))
    }
}

/// One call from the body, for the call graph.
#[derive(Clone, Debug)]
pub(crate) struct CallEdge {
    pub callee: FunctionId,
    pub span: Span,
    /// The `try`s of the caller around the call, innermost last.
    pub catches: Vec<CatchSet>,
}

/// A `throw` no `try` of its own function catches (eBPF code).
#[derive(Clone, Debug)]
pub(crate) struct ThrowSite {
    /// The code, when it is a constant.
    pub code: Option<i128>,
    pub span: Span,
}

#[derive(Debug)]
pub(crate) struct FnCtx {
    /// The function being checked (empty for global initialisers).
    pub name: String,
    pub kind: Option<FunctionKind>,
    pub ret: Type,
    pub named_return: Option<LocalId>,
    /// How many of `locals` are the parameters (the first ones).
    pub params: usize,
    pub locals: Vec<LocalDef>,
    pub facts: Vec<LocalFacts>,
    scopes: Vec<Vec<(String, Binding)>>,
    pub loop_depth: u32,
    pub try_stack: Vec<CatchSet>,
    pub calls: Vec<CallEdge>,
    /// Throws not caught in the function (eBPF code).
    pub throws: Vec<ThrowSite>,
    /// In a helper that writes to a perf event array: the hidden local
    /// holding the program's context, and the first `output` using it.
    pub context_local: Option<(LocalId, Span)>,
}

impl FnCtx {
    /// The context of global initialisers, constants and sizes.
    pub(crate) fn global() -> FnCtx {
        FnCtx {
            name: String::new(),
            kind: None,
            ret: Type::Void,
            named_return: None,
            params: 0,
            locals: Vec::new(),
            facts: Vec::new(),
            scopes: vec![Vec::new()],
            loop_depth: 0,
            try_stack: Vec::new(),
            calls: Vec::new(),
            throws: Vec::new(),
            context_local: None,
        }
    }

    pub(crate) fn function(name: &str, kind: FunctionKind, ret: Type) -> FnCtx {
        FnCtx {
            name: name.to_string(),
            kind: Some(kind),
            ret,
            ..FnCtx::global()
        }
    }

    /// Where this code runs; `None` for global initialisers.
    pub(crate) fn target(&self) -> Option<Target> {
        self.kind.as_ref().map(FunctionKind::target)
    }

    pub(crate) fn is_ebpf(&self) -> bool {
        self.target() == Some(Target::Ebpf)
    }

    pub(crate) fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    pub(crate) fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    /// Adds a local to the function (not to any scope).
    pub(crate) fn new_local(
        &mut self,
        name: &str,
        ty: Type,
        by_reference: bool,
        span: Span,
    ) -> LocalId {
        self.locals.push(LocalDef {
            name: name.to_string(),
            ty,
            by_reference,
            span,
        });
        self.facts.push(LocalFacts::default());
        LocalId(self.locals.len() as u32 - 1)
    }

    /// Binds `name` in the innermost scope. Returns the span of an earlier
    /// binding of the same name in that scope, if any (the caller reports).
    pub(crate) fn bind(&mut self, name: &str, binding: Binding) -> Result<(), Option<Span>> {
        let scope = self.scopes.last_mut().expect("a scope is always open");
        if let Some((_, existing)) = scope.iter().find(|(bound, _)| bound == name) {
            let span = match existing {
                Binding::Local(id) => Some(self.locals[id.index()].span),
                Binding::Const { .. } => None,
            };
            return Err(span);
        }
        scope.push((name.to_string(), binding));
        Ok(())
    }

    /// Declares a fresh local and binds it in the innermost scope.
    pub(crate) fn declare(
        &mut self,
        name: &str,
        ty: Type,
        span: Span,
    ) -> (LocalId, Result<(), Option<Span>>) {
        let id = self.new_local(name, ty, false, span);
        let bound = self.bind(name, Binding::Local(id));
        (id, bound)
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|(bound, _)| bound == name)
            .map(|(_, binding)| binding)
    }

    /// Every name visible in the current scopes, for did-you-mean.
    pub(crate) fn visible_names(&self) -> Vec<&str> {
        self.scopes
            .iter()
            .flat_map(|scope| scope.iter().map(|(name, _)| name.as_str()))
            .collect()
    }

    pub(crate) fn local(&self, id: LocalId) -> &LocalDef {
        &self.locals[id.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::IntType;

    #[test]
    fn inner_scopes_shadow_and_restore() {
        let mut fx = FnCtx::global();
        let span = Span::default();
        let (outer, ok) = fx.declare("x", Type::Int(IntType::U32), span);
        assert!(ok.is_ok());
        fx.push_scope();
        let (inner, ok) = fx.declare("x", Type::Bool, span);
        assert!(ok.is_ok());
        assert!(matches!(fx.lookup("x"), Some(Binding::Local(id)) if *id == inner));
        fx.pop_scope();
        assert!(matches!(fx.lookup("x"), Some(Binding::Local(id)) if *id == outer));
        assert!(fx.declare("x", Type::Bool, span).1.is_err());
    }
}
