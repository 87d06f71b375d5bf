//! Map-read locals that remember whether their entry existed.
//!
//! `var x = m[k]` copies the stored value into `x` (zero when the key is
//! absent). When the body also asks `x == null` / `x != null`, the local
//! remembers whether the entry existed: the checker adds a companion `bool`
//! local (`x_found`), lowers the comparisons to `!x_found` / `x_found`, and,
//! once the body is complete (only then is it known which locals need a
//! flag), rewrites the declaration into `var x` (zero) followed by
//! `var x_found = MapLoad { m, k, &x }` (one lookup; see `ir::ExprKind`).
//!
//! Rules:
//! * Only a local declared by exactly `var x = m[k]`, without a type or with
//!   the map's value type, remembers. `x == null` on any other value that is
//!   not a pointer stays an error.
//! * `x = m2[k2]` (a map read of the same value type) reads again and
//!   refreshes whether the entry existed.
//! * Every other write (`x = v`, `x.f = v`, `x += v`) changes only the copy,
//!   never the map and never the answer to `x == null`: write the map back
//!   with `m[k] = x`.
//!
//! Nothing here reports errors; this file must not look at names to decide
//! anything (locals are matched by id).

use crate::ir::{self, Block, Expr, ExprKind, LocalId, Stmt, StmtKind, Type, UnaryOp};
use crate::span::Span;
use crate::syntax::ast;

use super::exprs::node;
use super::scope::Binding;
use super::Checker;

impl Checker<'_> {
    /// `x != null` for a map-read local `x` (the AST operand compared with
    /// `null`): the local's found flag. `None` when `operand` is not such a
    /// local.
    pub(crate) fn local_presence(&mut self, operand: &ast::Expr, span: Span) -> Option<ir::Expr> {
        let ast::ExprKind::Ident(name) = &operand.kind else {
            return None;
        };
        let Some(Binding::Local(local)) = self.fx.lookup(name) else {
            return None;
        };
        let local = *local;
        let facts = self.fx.facts[local.index()];
        if !facts.may_track_presence {
            return None;
        }
        let found = match facts.found {
            Some(found) => found,
            None => {
                let def = self.fx.local(local);
                let (flag_name, def_span) = (format!("{}_found", def.name), def.span);
                let found = self.fx.new_local(&flag_name, Type::Bool, false, def_span);
                self.fx.facts[local.index()].found = Some(found);
                found
            }
        };
        Some(node(ExprKind::Local(found), Type::Bool, span))
    }

    /// Rewrites the declarations and re-reads of the locals some comparison
    /// gave a found flag (see the module documentation).
    pub(crate) fn add_presence_flags(&self, body: &mut Block) {
        let flags: Vec<(LocalId, LocalId)> = self
            .fx
            .facts
            .iter()
            .enumerate()
            .filter_map(|(index, facts)| Some((LocalId(index as u32), facts.found?)))
            .collect();
        if flags.is_empty() {
            return;
        }
        let rewriter = Rewriter {
            flags,
            locals: &self.fx.locals,
        };
        rewriter.stmts(&mut body.stmts);
    }
}

struct Rewriter<'a> {
    /// `(local, its found flag)`.
    flags: Vec<(LocalId, LocalId)>,
    locals: &'a [ir::LocalDef],
}

impl Rewriter<'_> {
    fn found(&self, local: LocalId) -> Option<LocalId> {
        self.flags
            .iter()
            .find(|(with_flag, _)| *with_flag == local)
            .map(|(_, found)| *found)
    }

    fn stmts(&self, stmts: &mut Vec<Stmt>) {
        let old = std::mem::take(stmts);
        for mut stmt in old {
            self.nested(&mut stmt);
            let span = stmt.span;
            match stmt.kind {
                StmtKind::Let {
                    local,
                    init:
                        Some(Expr {
                            kind: ExprKind::MapGet { map, key },
                            span: init_span,
                            ..
                        }),
                } if self.found(local).is_some() => {
                    let found = self.found(local).expect("checked by the guard");
                    stmts.push(Stmt {
                        kind: StmtKind::Let { local, init: None },
                        span,
                    });
                    let load = self.load(map, key, local, init_span);
                    stmts.push(Stmt {
                        kind: StmtKind::Let {
                            local: found,
                            init: Some(load),
                        },
                        span,
                    });
                }
                StmtKind::Assign {
                    target:
                        Expr {
                            kind: ExprKind::Local(local),
                            span: target_span,
                            ..
                        },
                    op: None,
                    value:
                        Expr {
                            kind: ExprKind::MapGet { map, key },
                            ty: value_ty,
                            span: value_span,
                        },
                } if self.found(local).is_some() && value_ty == self.locals[local.index()].ty => {
                    let found = self.found(local).expect("checked by the guard");
                    stmts.push(Stmt {
                        kind: StmtKind::Assign {
                            target: node(ExprKind::Local(found), Type::Bool, target_span),
                            op: None,
                            value: self.load(map, key, local, value_span),
                        },
                        span,
                    });
                }
                kind => stmts.push(Stmt { kind, span }),
            }
        }
    }

    /// `MapLoad { map, key, &local }`.
    fn load(&self, map: ir::MapId, key: Box<Expr>, local: LocalId, span: Span) -> Expr {
        let ty = self.locals[local.index()].ty.clone();
        let place = node(ExprKind::Local(local), ty.clone(), span);
        let dest = node(
            ExprKind::Unary {
                op: UnaryOp::AddrOf,
                operand: Box::new(place),
            },
            Type::Pointer(Box::new(ty)),
            span,
        );
        node(
            ExprKind::MapLoad {
                map,
                key,
                dest: Box::new(dest),
            },
            Type::Bool,
            span,
        )
    }

    /// The statement lists nested in `stmt`: its blocks and the block arms
    /// of `match` expressions it holds.
    fn nested(&self, stmt: &mut Stmt) {
        match &mut stmt.kind {
            StmtKind::Let { init, .. } => {
                if let Some(init) = init {
                    self.expr(init);
                }
            }
            StmtKind::Assign { target, value, .. } => {
                self.expr(target);
                self.expr(value);
            }
            StmtKind::MapStore { key, value, .. }
            | StmtKind::MapCompound { key, value, .. }
            | StmtKind::MapFieldUpdate { key, value, .. } => {
                self.expr(key);
                self.expr(value);
            }
            StmtKind::MapDelete { key, .. } => self.expr(key),
            StmtKind::Expr(expr) | StmtKind::Throw(expr) | StmtKind::Defer(expr) => self.expr(expr),
            StmtKind::Return(value) => {
                if let Some(value) = value {
                    self.expr(value);
                }
            }
            StmtKind::If {
                condition,
                then_block,
                else_block,
            } => {
                self.expr(condition);
                self.block(then_block);
                if let Some(else_block) = else_block {
                    self.block(else_block);
                }
            }
            StmtKind::IfLetMap {
                key: value,
                then_block,
                else_block,
                ..
            }
            | StmtKind::IfLetPointer {
                value,
                then_block,
                else_block,
                ..
            } => {
                self.expr(value);
                self.block(then_block);
                if let Some(else_block) = else_block {
                    self.block(else_block);
                }
            }
            StmtKind::ForRange {
                start, end, body, ..
            } => {
                self.expr(start);
                self.expr(end);
                self.block(body);
            }
            StmtKind::While { condition, body } => {
                self.expr(condition);
                self.block(body);
            }
            StmtKind::ForEachMap { body, .. } | StmtKind::Block(body) => self.block(body),
            StmtKind::Try { body, catches } => {
                self.block(body);
                for catch in catches {
                    self.block(&mut catch.body);
                }
            }
            StmtKind::Break | StmtKind::Continue => {}
        }
    }

    fn block(&self, block: &mut Block) {
        self.stmts(&mut block.stmts);
    }

    /// Rewrites the statements of `match` arms inside `expr`.
    fn expr(&self, expr: &mut Expr) {
        match &mut expr.kind {
            ExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee);
                for arm in arms {
                    if let Some(pattern) = &mut arm.pattern {
                        self.expr(pattern);
                    }
                    self.stmts(&mut arm.stmts);
                    if let Some(value) = &mut arm.value {
                        self.expr(value);
                    }
                }
            }
            ExprKind::Unary { operand, .. } | ExprKind::Cast(operand) => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Call { callee, args } => {
                if let ir::Callee::Indirect(target) = callee {
                    self.expr(target);
                }
                for arg in args {
                    self.expr(arg);
                }
            }
            ExprKind::Field { base, .. } | ExprKind::Arrow { base, .. } => self.expr(base),
            ExprKind::Index { base, index } => {
                self.expr(base);
                self.expr(index);
            }
            ExprKind::MapGet { key, .. } | ExprKind::MapContains { key, .. } => self.expr(key),
            ExprKind::MapLoad { key, dest, .. } => {
                self.expr(key);
                self.expr(dest);
            }
            ExprKind::StructLit { fields, .. } => {
                for (_, value) in fields {
                    self.expr(value);
                }
            }
            ExprKind::ArrayLit(elements) => {
                for element in elements {
                    self.expr(element);
                }
            }
            ExprKind::Int(..)
            | ExprKind::Bool(_)
            | ExprKind::Char(_)
            | ExprKind::Str(_)
            | ExprKind::Null
            | ExprKind::Local(_)
            | ExprKind::Global(_)
            | ExprKind::ConfigField { .. }
            | ExprKind::Const(_)
            | ExprKind::EnumVariant { .. }
            | ExprKind::FunctionRef(_)
            | ExprKind::MapRef(_)
            | ExprKind::StructOpsRef(_)
            | ExprKind::Sizeof(_) => {}
        }
    }
}
