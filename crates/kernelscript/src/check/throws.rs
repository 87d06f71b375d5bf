//! Errors across eBPF functions: which codes a `throw` can carry out of
//! each eBPF function, decided over the call graph once every body is
//! checked (docs/design/kernel-lowering.md §2.3).
//!
//! `escapes(f)` is every code thrown in `f` outside a `try` that catches
//! it, plus, for each call `f` makes to an eBPF helper `g`, `escapes(g)`
//! minus what the `try`s around that call catch. A non-constant code
//! (`None`) is caught by `catch _` only. The eBPF call graph has no cycles
//! (recursion is reported by `limits.rs`; functions on a cycle are skipped
//! here), so a memoised walk computes every set.
//!
//! A helper with a non-empty set gets `Function::throws` (its C returns the
//! code, `codegen/c/lower/errors.rs`); a program or a struct_ops method with
//! one is an error naming one chain per code. Calls to a throwing helper
//! may stand anywhere an expression can (the generators hoist them,
//! `codegen/c/lower/hoist.rs`; in a `while` condition, inside the loop so
//! they run again before each test).
//! A deferred call runs at the function's exits, outside every `try` of
//! the function: what it throws goes to the callers.
//!
//! This file reads the facts the body checks left (`FnFacts`); it does not
//! look at source names to decide anything.

use std::collections::BTreeMap;

use crate::ir::{visit, ExprKind, Function, FunctionId, FunctionKind, StmtKind, Target};
use crate::span::Span;

use super::{errors, Checker};

/// How a code leaves a function: thrown there, or through a call.
#[derive(Clone, Debug)]
pub(crate) enum Origin {
    Thrown(Span),
    Call { callee: FunctionId, span: Span },
}

/// The codes that can leave a function, each with one way out.
type Escapes = BTreeMap<Option<i128>, Origin>;

impl Checker<'_> {
    pub(crate) fn check_throws(&mut self) {
        let count = self.program.functions.len();
        let mut memo: Vec<Option<Escapes>> = vec![None; count];
        let mut visiting = vec![false; count];
        for index in 0..count {
            if self.program.functions[index].kind.target() != Target::Ebpf {
                continue;
            }
            self.escapes(FunctionId(index as u32), &mut memo, &mut visiting);
        }
        for (index, escapes) in memo.into_iter().enumerate() {
            let Some(escapes) = escapes else {
                continue;
            };
            let id = FunctionId(index as u32);
            match self.program.functions[index].kind {
                FunctionKind::Helper => {
                    self.program.functions[index].throws = !escapes.is_empty();
                }
                _ => {
                    for (code, origin) in &escapes {
                        let chain = self.chain(id, *code, origin);
                        let function = &self.program.functions[index];
                        let entry = function.name.clone();
                        let (span, label) = match origin {
                            Origin::Thrown(span) => (*span, "not caught by an enclosing `try`"),
                            Origin::Call { span, .. } => (*span, "this call can throw it"),
                        };
                        let code_name = code.map(|code| self.code_name(code));
                        let call_statement = match origin {
                            Origin::Call { span, .. } => call_statement(function, *span),
                            Origin::Thrown(_) => None,
                        };
                        self.report(errors::uncaught_throw_in_ebpf(
                            span,
                            &entry,
                            code_name.as_deref(),
                            label,
                            &chain,
                            call_statement,
                        ));
                    }
                }
            }
        }
    }

    fn escapes(
        &self,
        id: FunctionId,
        memo: &mut Vec<Option<Escapes>>,
        visiting: &mut Vec<bool>,
    ) -> Escapes {
        if let Some(done) = &memo[id.index()] {
            return done.clone();
        }
        if visiting[id.index()] {
            // A cycle: recursion is reported elsewhere.
            return Escapes::new();
        }
        visiting[id.index()] = true;
        let facts = &self.fn_facts[id.index()];
        let mut escapes = Escapes::new();
        for site in &facts.throws {
            escapes
                .entry(site.code)
                .or_insert(Origin::Thrown(site.span));
        }
        for edge in facts.calls.clone() {
            if self.program.function(edge.callee).kind != FunctionKind::Helper {
                continue;
            }
            for code in self.escapes(edge.callee, memo, visiting).into_keys() {
                if edge.catches.iter().any(|set| set.catches(code)) {
                    continue;
                }
                escapes.entry(code).or_insert(Origin::Call {
                    callee: edge.callee,
                    span: edge.span,
                });
            }
        }
        visiting[id.index()] = false;
        memo[id.index()] = Some(escapes.clone());
        escapes
    }

    /// The way `code` travels from its `throw` up to a call in `from`:
    /// each step's span and what happens there, the throw first.
    fn chain(&self, from: FunctionId, code: Option<i128>, origin: &Origin) -> Vec<(Span, String)> {
        let count = self.program.functions.len();
        let (mut memo, mut visiting) = (vec![None; count], vec![false; count]);
        let mut steps = Vec::new();
        let mut current = from;
        let mut origin = origin.clone();
        while let Origin::Call { callee, span } = origin {
            if current != from {
                let caller = &self.program.function(current).name;
                steps.push((span, format!("`{caller}` calls it here")));
            }
            let next = self.escapes(callee, &mut memo, &mut visiting);
            let Some(next) = next.get(&code) else {
                break;
            };
            origin = next.clone();
            current = callee;
        }
        if let Origin::Thrown(span) = origin {
            if current != from {
                let thrower = &self.program.function(current).name;
                steps.push((span, format!("`{thrower}` throws it here")));
            }
        }
        steps.reverse();
        steps
    }

    /// A code as the user may have named it: a constant or an enum value
    /// with that value, and the number.
    fn code_name(&self, code: i128) -> String {
        let named = self
            .program
            .consts
            .iter()
            .find(|c| c.origin == crate::ir::Origin::Source && c.value == code);
        match named {
            Some(constant) => format!("{} ({code})", constant.name),
            None => format!("error code {code}"),
        }
    }
}

/// The span of the statement of `function` that is the call at `call`
/// (the callee's name) on its own (`f(x)`, its value unused), if any.
fn call_statement(function: &Function, call: Span) -> Option<Span> {
    let mut found = None;
    visit::walk_stmts(&function.body, &mut |stmt| {
        if let StmtKind::Expr(expr) = &stmt.kind {
            if expr.span.file == call.file
                && expr.span.start == call.start
                && matches!(expr.kind, ExprKind::Call { .. })
            {
                found = Some(stmt.span);
            }
        }
    });
    found
}
