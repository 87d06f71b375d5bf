//! Arguments of deferred calls are evaluated when the `defer` statement
//! runs, as in Go: `defer mark(i)` inside a loop records this iteration's
//! `i`, whatever `i` is when the function exits.
//!
//! Once a body is checked (after the ownership and null checks, which read
//! the calls as written), each `defer f(a, b)` whose arguments are not
//! constants becomes
//!
//! ```text
//! var deferred_1_arg_1 = a
//! var deferred_1_arg_2 = b
//! defer f(deferred_1_arg_1, deferred_1_arg_2)
//! ```
//!
//! The generators declare the locals a nested deferred call reads at the
//! top of the function (so they are in scope at every exit), which makes
//! these argument slots work from any block, loop bodies included.
//!
//! The address of a local (`defer unlock(&lock)`) is not copied: the local
//! itself is what the call needs, and the generators keep it alive to the
//! exits instead. A loop variable cannot be kept so (each iteration has
//! its own); taking its address in a deferred call is an error.
//!
//! Nothing else here reports errors; this file must not look at names to
//! decide anything (locals are matched by id).

use crate::ir::{self, visit, Expr, ExprKind, Stmt, StmtKind, Type, UnaryOp};

use super::exprs::node;
use super::{errors, Checker};

impl Checker<'_> {
    /// Rewrites every `defer` of `body` to evaluate its arguments at the
    /// statement (see the module documentation).
    pub(crate) fn slot_deferred_arguments(&mut self, body: &mut ir::Block) {
        // Numbered in source order (the rewrite visits inner lists first).
        let mut positions: Vec<(u32, u32)> = Vec::new();
        visit::walk_stmts(body, &mut |stmt| {
            if matches!(stmt.kind, StmtKind::Defer(_)) {
                positions.push((stmt.span.file.0, stmt.span.start));
            }
        });
        positions.sort_unstable();
        visit::for_each_stmt_list_mut(body, &mut |list| {
            let old = std::mem::take(list);
            for stmt in old {
                let StmtKind::Defer(mut call) = stmt.kind else {
                    list.push(stmt);
                    continue;
                };
                let position = (stmt.span.file.0, stmt.span.start);
                let number = positions.partition_point(|earlier| *earlier < position) + 1;
                let mut slot = 0;
                if let ExprKind::Call { args, .. } = &mut call.kind {
                    for arg in args.iter_mut() {
                        if !self.needs_slot(arg) {
                            continue;
                        }
                        slot += 1;
                        let name = format!("deferred_{number}_arg_{slot}");
                        let (ty, span) = (arg.ty.clone(), arg.span);
                        let local = self.fx.new_local(&name, ty.clone(), false, span);
                        let value = std::mem::replace(arg, node(ExprKind::Local(local), ty, span));
                        list.push(Stmt {
                            kind: StmtKind::Let {
                                local,
                                init: Some(value),
                            },
                            span: stmt.span,
                        });
                    }
                }
                list.push(Stmt {
                    kind: StmtKind::Defer(call),
                    span: stmt.span,
                });
            }
        });
    }

    /// Whether argument `arg` of a deferred call gets a slot: it is not a
    /// constant, a map or function named as such, nor the address of a
    /// local (reported when that local is a loop variable).
    fn needs_slot(&mut self, arg: &Expr) -> bool {
        match &arg.kind {
            ExprKind::MapRef(_)
            | ExprKind::FunctionRef(_)
            | ExprKind::StructOpsRef(_)
            | ExprKind::Str(_)
            | ExprKind::Null => return false,
            ExprKind::Unary {
                op: UnaryOp::AddrOf,
                operand,
            } => {
                if let Some(local) = visit::place_root(operand) {
                    if self.fx.local(local).by_reference {
                        return true;
                    }
                    if self.fx.facts[local.index()].loop_var {
                        let name = self.fx.local(local).name.clone();
                        self.report(errors::deferred_loop_variable_address(arg.span, &name));
                    }
                    return false;
                }
            }
            _ => {}
        }
        !matches!(arg.ty, Type::Void | Type::Error) && !self.is_constant(arg)
    }
}
