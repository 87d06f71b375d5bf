//! `match`: a `switch` (or an `if`/`else if` chain) when the match is a
//! statement of its own, returned or assigned; a `?:` chain when it sits
//! inside another expression and its arms are plain values; otherwise a
//! GNU statement expression `({ ... })` around the statement form.
//!
//! `switch` needs integer-like scrutinees (integers, enums, chars) and
//! constant patterns, and is avoided when an arm would `break` out of an
//! enclosing loop (a `break` inside a `switch` only leaves the `switch`).
//! A match without `default` covers every value of its enum (the checker
//! says so); when no arm lets control go on (every arm returns, as in a
//! returned `match`), its last arm is the C `default`/`else`, so C sees
//! the paths end too: an enum value that is none of the variants (made
//! with `as`) takes the last arm.

use crate::codegen::c::backend::Backend;
use crate::codegen::c::types::is_array_like;
use crate::codegen::c::{CExpr, Precedence};
use crate::ir::{visit, Callee, Expr, ExprKind, MatchArm, Stmt, StmtKind, Type};

use super::exprs::statement_expression;
use super::stmts::is_plain_value;
use super::Lowering;

/// Where the value of a statement-level `match` goes.
#[derive(Clone, Debug)]
pub enum Sink {
    /// `return` it from the function (arm values may be tail calls).
    Return,
    /// Assign it to this lvalue.
    Assign(String),
    /// Evaluate it for its effects only.
    Discard,
}

impl<'a, B: Backend<'a>> Lowering<'a, B> {
    /// A `match` whose value goes to `sink`.
    pub fn lower_match(
        &mut self,
        scrutinee: &'a Expr,
        arms: &'a [MatchArm],
        ty: &Type,
        sink: Sink,
    ) {
        self.hoist(scrutinee, true);
        let switchable = is_switch_type(&scrutinee.ty)
            && arms
                .iter()
                .all(|arm| arm.pattern.as_ref().is_none_or(is_case_label))
            && !arms.iter().any(|arm| breaks_enclosing_loop(&arm.stmts));
        // The last arm stands for "anything else" when the arms cover every
        // value and none lets control go on (C must see that too): a
        // returned `match` is a value, exhaustive, and every arm returns.
        let last_is_default = !arms.iter().any(|arm| arm.pattern.is_none())
            && (matches!(sink, Sink::Return) || !arms.iter().any(|arm| arm.completes));
        if switchable {
            self.switch(scrutinee, arms, ty, &sink, last_is_default);
        } else {
            self.if_chain(scrutinee, arms, ty, &sink, last_is_default);
        }
    }

    fn switch(
        &mut self,
        scrutinee: &'a Expr,
        arms: &'a [MatchArm],
        ty: &Type,
        sink: &Sink,
        last_is_default: bool,
    ) {
        let subject = self.expr(scrutinee).text;
        self.out.open_block(format!("switch ({subject})"));
        for (index, arm) in arms.iter().enumerate() {
            let label = match &arm.pattern {
                Some(_) if last_is_default && index + 1 == arms.len() => "default:".to_string(),
                Some(pattern) => {
                    let pattern = self.case_label(pattern);
                    format!("case {pattern}:")
                }
                None => "default:".to_string(),
            };
            // Kernel style: labels at the `switch`'s indentation.
            self.out.dedent();
            if let Some(result) = self.one_line_result(arm, ty, sink) {
                // `case 80: return XDP_PASS;`: a table like the source's,
                // each arm on its source line.
                self.map_line(arm.span);
                self.out.line(format!("{label} {result}"));
                self.out.indent();
            } else if arm.stmts.is_empty() && !self.arm_value_throws(arm) {
                self.out.line(label);
                self.out.indent();
                self.arm_result(arm, ty, sink, true);
            } else {
                // Braced, so the arm may declare locals.
                self.out.open_block(label);
                self.open_scope();
                self.stmts(&arm.stmts);
                self.arm_result(arm, ty, sink, true);
                self.close_scope();
                self.out.close_block();
                self.out.indent();
            }
        }
        self.out.close_block();
    }

    fn if_chain(
        &mut self,
        scrutinee: &'a Expr,
        arms: &'a [MatchArm],
        ty: &Type,
        sink: &Sink,
        last_is_default: bool,
    ) {
        let tests = arms.iter().filter(|arm| arm.pattern.is_some()).count();
        let subject = if tests <= 1 || is_plain_value(scrutinee) {
            self.expr(scrutinee)
        } else {
            // Evaluate the scrutinee once.
            let value = self.expr(scrutinee).text;
            let name = self.temp("matched");
            // A string is held by a pointer to its bytes (C cannot copy an
            // array in a declaration).
            let declaration = match &scrutinee.ty {
                Type::Str(_) => format!("const char *{name}"),
                ty => self.types.declaration(ty, &name),
            };
            self.out.line(format!("{declaration} = {value};"));
            CExpr::primary(name)
        };
        let coded: Vec<&MatchArm> = arms.iter().filter(|arm| arm.pattern.is_some()).collect();
        let default = arms.iter().find(|arm| arm.pattern.is_none());
        for (index, arm) in coded.iter().enumerate() {
            if index > 0 {
                // The test is code of this arm; the first one shares the
                // `match` line.
                self.map_line(arm.span);
            }
            if last_is_default && index + 1 == coded.len() && index > 0 {
                self.out.reopen_block("else");
            } else {
                let pattern = arm.pattern.as_ref().expect("filtered");
                let test = self.pattern_test(&subject, &scrutinee.ty, pattern);
                if index == 0 {
                    self.out.open_block(format!("if ({test})"));
                } else {
                    self.out.reopen_block(format!("else if ({test})"));
                }
            }
            self.arm_body(arm, ty, sink);
        }
        if let Some(arm) = default {
            if coded.is_empty() {
                self.out.open_block("");
            } else {
                self.out.reopen_block("else");
            }
            self.arm_body(arm, ty, sink);
        }
        if !coded.is_empty() || default.is_some() {
            self.out.close_block();
        }
    }

    fn arm_body(&mut self, arm: &'a MatchArm, ty: &Type, sink: &Sink) {
        self.open_scope();
        self.stmts(&arm.stmts);
        self.arm_result(arm, ty, sink, false);
        self.close_scope();
    }

    /// The whole of a statement-free arm's result as one line of C, when it
    /// is that short: `return X;`, `v = X; break;`, `break;`.
    fn one_line_result(&mut self, arm: &'a MatchArm, ty: &Type, sink: &Sink) -> Option<String> {
        if !arm.stmts.is_empty() {
            return None;
        }
        let value = arm.value.as_ref()?;
        if self.arm_value_throws(arm) {
            return None;
        }
        let simple = !matches!(
            value.kind,
            ExprKind::Match { .. }
                | ExprKind::Call {
                    callee: Callee::TailCall(_),
                    ..
                }
        ) && !is_array_like(&value.ty)
            && !is_array_like(ty);
        if !simple {
            return None;
        }
        match sink {
            Sink::Return => {
                let plain_return = !self.has_exit_work()
                    && self.function.ret != Type::Void
                    && value.ty != Type::Void
                    && !self.in_callback();
                plain_return.then(|| format!("return {};", self.expr(value).text))
            }
            Sink::Assign(target) => Some(format!("{target} = {}; break;", self.expr(value).text)),
            Sink::Discard if has_effects(value) => {
                Some(format!("{}; break;", self.statement_text(value)))
            }
            Sink::Discard => Some("break;".to_string()),
        }
    }

    /// Whether `arm`'s value calls a helper that can throw (its calls are
    /// hoisted into the arm's own branch, which then needs braces).
    fn arm_value_throws(&self, arm: &MatchArm) -> bool {
        arm.value
            .as_ref()
            .is_some_and(|value| self.contains_hoisted(value))
    }

    /// An expression evaluated for its effects, as C statement text.
    fn statement_text(&mut self, value: &'a Expr) -> String {
        let text = self.expr(value).text;
        if matches!(value.kind, ExprKind::Call { .. }) {
            text
        } else {
            format!("(void)({text})")
        }
    }

    /// The arm's value delivered to `sink`, then `break;` when in a
    /// `switch` and control would otherwise fall into the next case.
    fn arm_result(&mut self, arm: &'a MatchArm, ty: &Type, sink: &Sink, in_switch: bool) {
        if arm.stmts.is_empty() {
            self.map_line(arm.span);
        }
        let Some(value) = &arm.value else {
            // No value: the arm's statements end in `return`/`throw`, or the
            // match is a statement.
            if in_switch && arm.completes {
                self.out.line("break;");
            }
            return;
        };
        match sink {
            Sink::Return => self.lower_return(Some(value), arm.span),
            Sink::Assign(target) => {
                match &value.kind {
                    ExprKind::Match { scrutinee, arms } => {
                        self.lower_match(scrutinee, arms, &value.ty, sink.clone())
                    }
                    _ if is_array_like(ty) || is_array_like(&value.ty) => {
                        self.hoist(value, true);
                        let target = target.clone();
                        B::store_aggregate(self, &target, ty, super::plain(value));
                    }
                    _ => {
                        self.hoist(value, true);
                        let text = self.expr(value).text;
                        self.out.line(format!("{target} = {text};"));
                    }
                }
                if in_switch {
                    self.out.line("break;");
                }
            }
            Sink::Discard => {
                match &value.kind {
                    ExprKind::Match { scrutinee, arms } => {
                        self.lower_match(scrutinee, arms, &value.ty, Sink::Discard)
                    }
                    _ if super::errors::throwing_call(self.program, value).is_some() => {
                        self.hoist(value, false);
                        self.call_throwing(value, None, value.span);
                    }
                    _ if has_effects(value) => {
                        self.hoist(value, true);
                        let text = self.statement_text(value);
                        self.out.line(format!("{text};"));
                    }
                    _ => {}
                }
                if in_switch {
                    self.out.line("break;");
                }
            }
        }
    }

    /// A `match` inside another expression.
    pub fn match_expression(
        &mut self,
        scrutinee: &'a Expr,
        arms: &'a [MatchArm],
        ty: &Type,
    ) -> CExpr {
        let plain_arms = arms
            .iter()
            .all(|arm| arm.stmts.is_empty() && arm.value.is_some());
        if plain_arms && is_plain_value(scrutinee) && !is_array_like(ty) && *ty != Type::Void {
            return self.conditional_chain(scrutinee, arms, ty);
        }
        // A GNU statement expression around the statement form.
        let saved_out = std::mem::take(&mut self.out);
        let saved_map_lines = std::mem::replace(&mut self.map_lines, false);
        let result = if *ty == Type::Void {
            self.lower_match(scrutinee, arms, ty, Sink::Discard);
            String::new()
        } else {
            let result = self.temp("result");
            let (declaration, place) = match B::array_holder(self, ty) {
                Some((holder, member)) => {
                    (format!("{holder} {result}"), format!("{result}{member}"))
                }
                None => (self.types.declaration(ty, &result), result.clone()),
            };
            let zero = if is_array_like(ty) {
                self.types.policy.zero_aggregate
            } else {
                self.types.zero(ty)
            };
            self.out.line(format!("{declaration} = {zero};"));
            self.lower_match(scrutinee, arms, ty, Sink::Assign(place));
            format!("{result};")
        };
        if !result.is_empty() {
            self.out.line(result);
        }
        let inner = std::mem::replace(&mut self.out, saved_out).finish();
        self.map_lines = saved_map_lines;
        CExpr::primary(statement_expression(&inner))
    }

    /// `s == A ? a : s == B ? b : d` (zero when nothing matches and there
    /// is no `default`).
    fn conditional_chain(&mut self, scrutinee: &'a Expr, arms: &'a [MatchArm], ty: &Type) -> CExpr {
        let subject = self.expr(scrutinee);
        let mut text = String::new();
        for arm in arms.iter().filter(|arm| arm.pattern.is_some()) {
            let pattern = arm.pattern.as_ref().expect("filtered");
            let test = self.pattern_test(&subject, &scrutinee.ty, pattern);
            let value = self
                .expr(arm.value.as_ref().expect("plain arm"))
                .at(Precedence::CONDITIONAL + 1);
            text.push_str(&format!("{test} ? {value} : "));
        }
        let fallback = match arms.iter().find(|arm| arm.pattern.is_none()) {
            Some(arm) => self
                .expr(arm.value.as_ref().expect("plain arm"))
                .at(Precedence::CONDITIONAL),
            None => self.types.zero_value(ty),
        };
        if text.is_empty() {
            return CExpr::primary(format!("({fallback})"));
        }
        text.push_str(&fallback);
        CExpr::conditional(text)
    }

    /// `subject == pattern`, or the backend's string equality.
    fn pattern_test(&mut self, subject: &CExpr, subject_ty: &Type, pattern: &'a Expr) -> String {
        match (subject_ty, &pattern.kind) {
            (Type::Bool, ExprKind::Bool(true)) => return subject.text.clone(),
            (Type::Bool, ExprKind::Bool(false)) => {
                return format!("!{}", subject.at(Precedence::UNARY))
            }
            (Type::Str(len), _) => return B::strings_equal(self, &subject.text, *len, pattern),
            _ => {}
        }
        let pattern_text = self.expr(pattern).at(Precedence::RELATIONAL);
        format!("{} == {pattern_text}", subject.at(Precedence::RELATIONAL))
    }

    /// A pattern as a `case` label: an integer constant expression (a
    /// constant C cannot use as one is spelled by its value).
    fn case_label(&mut self, pattern: &'a Expr) -> String {
        match &pattern.kind {
            ExprKind::Const(id) if !self.names.is_enumerator_constant(self.program, *id) => {
                self.constant_value(*id).text
            }
            _ => self.expr(pattern).text,
        }
    }
}

fn is_switch_type(ty: &Type) -> bool {
    // Not `bool`: C compilers warn about a switch on a boolean.
    matches!(ty, Type::Int(_) | Type::Enum(_) | Type::Char)
}

/// Whether `pattern` is an integer constant expression C accepts after
/// `case`.
fn is_case_label(pattern: &Expr) -> bool {
    match &pattern.kind {
        ExprKind::Int(..)
        | ExprKind::Char(_)
        | ExprKind::Bool(_)
        | ExprKind::Const(_)
        | ExprKind::EnumVariant { .. } => true,
        ExprKind::Unary { operand, .. } | ExprKind::Cast(operand) => is_case_label(operand),
        ExprKind::Binary { lhs, rhs, .. } => is_case_label(lhs) && is_case_label(rhs),
        _ => false,
    }
}

/// Whether evaluating `expr` can do anything besides producing a value.
fn has_effects(expr: &Expr) -> bool {
    let mut effects = false;
    visit::walk_exprs(expr, &mut |expr| {
        effects |= matches!(expr.kind, ExprKind::Call { .. } | ExprKind::Match { .. });
    });
    effects
}

/// Whether `stmts` contain a `break` that would leave a loop enclosing
/// them (one not nested in a loop of their own).
fn breaks_enclosing_loop(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|stmt| match &stmt.kind {
        StmtKind::Break => true,
        StmtKind::ForRange { .. } | StmtKind::While { .. } | StmtKind::ForEachMap { .. } => false,
        _ => {
            visit::child_blocks(stmt)
                .iter()
                .any(|block| breaks_enclosing_loop(&block.stmts))
                || visit::stmt_exprs(stmt).into_iter().any(match_arms_break)
        }
    })
}

fn match_arms_break(expr: &Expr) -> bool {
    let mut found = false;
    visit::walk_exprs(expr, &mut |expr| {
        if let ExprKind::Match { arms, .. } = &expr.kind {
            found |= arms.iter().any(|arm| breaks_enclosing_loop(&arm.stmts));
        }
    });
    found
}
