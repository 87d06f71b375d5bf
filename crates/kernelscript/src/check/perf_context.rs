//! The program's context for `output` on a perf event array from a
//! `@helper` (docs/design/kernel-lowering.md §5): `bpf_perf_event_output`
//! takes the program's context, which only the program has. A helper that
//! outputs, or calls a helper that does, receives it as a hidden last
//! parameter (`void *`, so one helper serves every program type), and
//! every call to it passes the caller's: a program's context parameter, or
//! the calling helper's own hidden one.
//!
//! Run once every body is checked: which helpers need the context is a
//! property of the call graph (cycles are recursion, reported elsewhere
//! and skipped here). A program without a context (a probe of kernel
//! function arguments, a struct_ops method) that reaches such a helper is
//! an error naming the way to the `output`. (eBPF code holds no function
//! pointers, so every use of such a helper is a direct call.)

use crate::ir::{
    visit, Callee, Expr, ExprKind, FunctionId, FunctionKind, LocalDef, LocalId, Target, Type,
};
use crate::span::Span;

use super::{errors, Checker};

impl Checker<'_> {
    pub(crate) fn pass_program_contexts(&mut self) {
        let count = self.program.functions.len();
        let mut memo: Vec<Option<Option<Span>>> = vec![None; count];
        let mut visiting = vec![false; count];
        for index in 0..count {
            self.needs_context(FunctionId(index as u32), &mut memo, &mut visiting);
        }
        let needs: Vec<Option<Span>> = memo.into_iter().map(Option::flatten).collect();
        if needs.iter().all(Option::is_none) {
            return;
        }
        // The hidden parameter of each helper that needs it.
        let mut hidden: Vec<Option<LocalId>> = vec![None; count];
        for (index, need) in needs.iter().enumerate() {
            let Some(span) = need else { continue };
            let function = &mut self.program.functions[index];
            let local = match self.fn_facts[index].context_local {
                Some((local, _)) => local,
                None => {
                    function.locals.push(LocalDef {
                        name: "ctx".to_string(),
                        ty: Type::Pointer(Box::new(Type::Void)),
                        by_reference: false,
                        span: *span,
                    });
                    LocalId(function.locals.len() as u32 - 1)
                }
            };
            function.params.push(local);
            hidden[index] = Some(local);
        }
        // Every call to one of them passes the caller's context.
        let mut problems = Vec::new();
        for index in 0..count {
            if self.program.functions[index].kind.target() != Target::Ebpf {
                continue;
            }
            let context = self.context_of(FunctionId(index as u32), &hidden);
            let caller = self.program.functions[index].name.clone();
            let mut body = std::mem::take(&mut self.program.functions[index].body);
            visit::for_each_stmt_list_mut(&mut body, &mut |list| {
                for stmt in list.iter_mut() {
                    visit::for_each_stmt_expr_mut(stmt, &mut |expr| {
                        pass_context(expr, &needs, &context, &mut problems);
                    });
                }
            });
            self.program.functions[index].body = body;
            for problem in problems.drain(..) {
                let (callee, span) = problem;
                let callee_name = self.program.function(callee).name.clone();
                let chain = self.context_chain(callee, &needs);
                self.report(errors::helper_output_without_context(
                    span,
                    &caller,
                    &callee_name,
                    &chain,
                ));
            }
        }
    }

    /// Where `id` (a helper) first needs the program's context: its own
    /// `output`, or a call to a helper that needs it.
    fn needs_context(
        &self,
        id: FunctionId,
        memo: &mut Vec<Option<Option<Span>>>,
        visiting: &mut Vec<bool>,
    ) -> Option<Span> {
        if let Some(done) = memo[id.index()] {
            return done;
        }
        if visiting[id.index()] || self.program.function(id).kind != FunctionKind::Helper {
            return None;
        }
        visiting[id.index()] = true;
        let facts = &self.fn_facts[id.index()];
        let mut need = facts.context_local.map(|(_, span)| span);
        if need.is_none() {
            for edge in facts.calls.clone() {
                if self.needs_context(edge.callee, memo, visiting).is_some() {
                    need = Some(edge.span);
                    break;
                }
            }
        }
        visiting[id.index()] = false;
        memo[id.index()] = Some(need);
        need
    }

    /// The context `id` passes on: a helper's hidden parameter, a
    /// program's context parameter, or none.
    fn context_of(&self, id: FunctionId, hidden: &[Option<LocalId>]) -> Option<Expr> {
        let function = self.program.function(id);
        let (local, ty) = match &function.kind {
            FunctionKind::Helper => {
                let local = hidden[id.index()]?;
                (local, function.local(local).ty.clone())
            }
            FunctionKind::Program(decl)
                if matches!(
                    decl.kind.descriptor().signature,
                    crate::kinds::Signature::Context { .. }
                        | crate::kinds::Signature::TracepointRecord
                ) && !function.params.is_empty() =>
            {
                let local = function.params[0];
                (local, function.local(local).ty.clone())
            }
            _ => return None,
        };
        Some(Expr {
            kind: ExprKind::Local(local),
            ty,
            span: function.span,
        })
    }

    /// The way from helper `from` to its `output`: each call, then the
    /// `output`.
    fn context_chain(&self, from: FunctionId, needs: &[Option<Span>]) -> Vec<(Span, String)> {
        let mut steps = Vec::new();
        let mut current = from;
        for _ in 0..self.program.functions.len() {
            let name = self.program.function(current).name.clone();
            if let Some((_, span)) = self.fn_facts[current.index()].context_local {
                steps.push((span, format!("`{name}` writes to a perf event array here")));
                break;
            }
            let next = self.fn_facts[current.index()]
                .calls
                .iter()
                .find(|edge| needs[edge.callee.index()].is_some());
            let Some(edge) = next else { break };
            steps.push((edge.span, format!("`{name}` calls a helper that does")));
            current = edge.callee;
        }
        steps
    }
}

/// A call of a helper that needs the context from a function without one.
type Problem = (FunctionId, Span);

/// Appends `context` to every call in `expr` of a helper that needs it.
fn pass_context(
    expr: &mut Expr,
    needs: &[Option<Span>],
    context: &Option<Expr>,
    problems: &mut Vec<Problem>,
) {
    visit::for_each_child_mut(expr, &mut |child| {
        pass_context(child, needs, context, problems)
    });
    let span = expr.span;
    match &mut expr.kind {
        ExprKind::Call {
            callee: Callee::Function(callee),
            args,
        } if needs[callee.index()].is_some() => match context {
            Some(context) => args.push(context.clone()),
            None => problems.push((*callee, span)),
        },
        _ => {}
    }
}
