//! `try`/`throw` for outputs without unwinding (the eBPF object, the
//! kernel module): a thrown code goes to the function's `error` local and
//! a `goto` to the innermost enclosing `try`'s catch dispatch; a code no
//! clause matches goes on to the next `try` out, and one that leaves the
//! function takes its failure exit (`Lowering::failure_exit`). Inside a
//! loop callback, a code not caught in the body is recorded in the loop's
//! context and rethrown after the loop (`callback.rs`).
//!
//! ```c
//! /* try */
//! { ... error = N; goto catch; ... }
//! goto try_end;          (when the body can finish normally)
//! catch:
//! if (error == N) { } else { goto outer_catch / leave; }
//! try_end:;
//! ```

use super::callback::LoopExit;
use super::{Frame, Lowering};
use crate::codegen::c::backend::Backend;
use crate::ir::{
    visit, Block, Callee, Catch, Expr, ExprKind, FunctionId, Program, Stmt, StmtKind, Type,
};
use crate::span::Span;

/// The helper `expr` calls, when it is a call to one that can throw
/// (`Function::throws`).
pub fn throwing_call(program: &Program, expr: &Expr) -> Option<FunctionId> {
    match &expr.kind {
        ExprKind::Call {
            callee: Callee::Function(id),
            ..
        } if program.function(*id).throws => Some(*id),
        _ => None,
    }
}

/// Whether `stmt` can throw from where it stands: a `throw`, or a call to
/// a helper that can.
fn can_throw(program: &Program, stmt: &Stmt) -> bool {
    if matches!(stmt.kind, StmtKind::Throw(_)) {
        return true;
    }
    let mut throws = false;
    for expr in visit::stmt_exprs(stmt) {
        visit::walk_exprs(expr, &mut |inner| {
            throws |= throwing_call(program, inner).is_some();
        });
    }
    throws
}

/// Whether lowering `body` needs an `error` local: it has a `try` that can
/// catch something.
pub fn needs_error_code<'a, B: Backend<'a>>(_cx: &Lowering<'a, B>, body: &Block) -> bool {
    let mut needs = false;
    visit::walk_stmts(body, &mut |stmt| {
        needs |= matches!(stmt.kind, StmtKind::Try { .. });
    });
    needs
}

/// Whether the code local of `body` is only ever written: every `catch`
/// is `catch _`, so nothing compares it (the declaration then marks it
/// used, for `-Wunused-but-set-variable`).
pub fn error_code_unread(body: &Block) -> bool {
    let mut read = false;
    visit::walk_stmts(body, &mut |stmt| {
        if let StmtKind::Try { catches, .. } = &stmt.kind {
            read |= catches.iter().any(|catch| catch.code.is_some());
        }
    });
    !read
}

impl<'a, B: Backend<'a>> Lowering<'a, B> {
    /// `try { body } catch ...` by `goto` (see the module documentation).
    pub fn goto_try_catch(&mut self, body: &'a Block, catches: &'a [Catch], stmt: &'a Stmt) {
        let mut throws = false;
        let program = self.program;
        visit::walk_stmts(body, &mut |inner| throws |= can_throw(program, inner));
        let Some(error) = self.error_code.clone().filter(|_| throws) else {
            // Nothing can be caught: the body is all there is.
            self.out.open_block("");
            self.block_body(body);
            self.out.close_block();
            return;
        };
        let catch_label = self.label("catch");
        self.frames.push(Frame::Try {
            name: catch_label.clone(),
            leave: None,
        });
        self.out.line("/* try */");
        self.out.open_block("");
        self.block_body(body);
        self.out.close_block();
        self.frames.pop();

        // Catches fall through to the code after them; the label is for
        // the body's jump over them only (unused, it is a -Wall warning).
        let end_label = body.completes.then(|| self.label("try_end"));
        if let Some(end_label) = &end_label {
            self.out.line(format!("goto {end_label};"));
        }
        self.out.unindented(format!("{catch_label}:"));
        let catch_all = catches.iter().find(|catch| catch.code.is_none());
        let coded: Vec<&Catch> = catches
            .iter()
            .filter(|catch| catch.code.is_some())
            .collect();
        if coded.is_empty() {
            match catch_all {
                Some(catch) => {
                    self.map_line(catch.span);
                    self.out.open_block("");
                    self.block_body(&catch.body);
                    self.out.close_block();
                }
                None => self.goto_rethrow(&error, stmt.span),
            }
        } else {
            for (index, catch) in coded.iter().enumerate() {
                self.map_line(catch.span);
                let code = catch.code.expect("filtered");
                let condition = format!("{error} == {code}");
                if index == 0 {
                    self.out.open_block(format!("if ({condition})"));
                } else {
                    self.out.reopen_block(format!("else if ({condition})"));
                }
                self.block_body(&catch.body);
            }
            match catch_all {
                Some(catch) => {
                    self.map_line(catch.span);
                    self.out.reopen_block("else");
                    self.block_body(&catch.body);
                }
                None => {
                    self.out.reopen_block("else");
                    self.goto_rethrow(&error, stmt.span);
                }
            }
            self.out.close_block();
        }
        if let Some(end_label) = end_label {
            self.out.unindented(format!("{end_label}:;"));
        }
    }

    /// `throw code` (C text) by `goto`: to the innermost enclosing catch,
    /// out of a callback through its context, or out of the function.
    pub fn goto_throw(&mut self, code: String, span: Span) {
        match (self.innermost_try(), self.error_code.clone()) {
            (Some(label), Some(error)) => {
                if code != error {
                    self.out.line(format!("{error} = {code};"));
                }
                self.out.line(format!("goto {label};"));
            }
            _ if self.in_callback() => {
                let code_field = self.context_fields().code;
                self.leave_callback(LoopExit::Throw, Some((&code_field, code)));
            }
            _ if self.function.throws => self.propagate(code, span),
            _ => self.failure_exit(span),
        }
    }

    /// A code leaves a helper that can throw: its deferred calls, then the
    /// code as the C result (the caller's `if` takes it on).
    fn propagate(&mut self, code: String, span: Span) {
        let code = if self.has_exit_work() && !is_simple(&code) {
            let temp = self.temp("thrown");
            self.out.line(format!("__s64 {temp} = {code};"));
            temp
        } else {
            code
        };
        self.exit_work(span);
        self.out.line(format!("return {code};"));
    }

    /// A call to a helper that can throw, standing alone: `thrown =
    /// f(args[, &dest]); if (thrown) <throw>`. `dest` receives its value
    /// (a temporary is used when the value is discarded).
    pub fn call_throwing(&mut self, call: &'a Expr, dest: Option<String>, span: Span) {
        let thrown = self.throwing_call(call, dest, "call");
        self.out.open_block(format!("if ({thrown})"));
        B::throw(self, thrown, span);
        self.out.close_block();
    }

    /// A deferred call to a helper that can throw, at an exit: a code it
    /// throws leaves the function at once (the deferred calls registered
    /// before it do not run, and it replaces a code already leaving), as
    /// a throw from a deferred call does in userspace. Only a helper that
    /// can throw runs one: a program's would be an uncaught throw, which
    /// the checker refuses.
    pub fn deferred_throwing_call(&mut self, call: &'a Expr) {
        self.out.open_block("");
        let thrown = self.throwing_call(call, None, "discarded");
        if self.function.throws && !self.in_callback() {
            self.out.open_block(format!("if ({thrown})"));
            self.out.line(format!("return {thrown};"));
            self.out.close_block();
        } else {
            self.out.line(format!("(void){thrown};"));
        }
        self.out.close_block();
    }

    /// `__s64 thrown = f(args[, &dest]);` for a call to a helper that can
    /// throw; its value goes to `dest`, or to a zeroed temporary named
    /// after `discard` when there is none. Returns the code's variable.
    fn throwing_call(&mut self, call: &'a Expr, dest: Option<String>, discard: &str) -> String {
        let ExprKind::Call {
            callee: Callee::Function(id),
            args,
        } = &call.kind
        else {
            unreachable!("checked: a call to a throwing helper");
        };
        let mut texts: Vec<String> = args.iter().map(|arg| B::argument(self, arg)).collect();
        let callee = self.program.function(*id);
        if callee.ret != Type::Void {
            let dest = match dest {
                Some(dest) => dest,
                None => {
                    let temp = self.temp(discard);
                    let declaration = self.types.declaration(&callee.ret, &temp);
                    let zero = self.types.zero(&callee.ret);
                    self.out.line(format!("{declaration} = {zero};"));
                    temp
                }
            };
            texts.push(format!("&{dest}"));
        }
        let name = self.names.function(*id).to_string();
        let thrown = self.temp("thrown");
        self.out
            .line(format!("__s64 {thrown} = {name}({});", texts.join(", ")));
        thrown
    }

    /// The code in `error` goes on to the next enclosing catch, or leaves.
    fn goto_rethrow(&mut self, error: &str, span: Span) {
        self.goto_throw(error.to_string(), span);
    }

    /// The label of the innermost enclosing `try`.
    pub fn innermost_try(&self) -> Option<String> {
        self.frames.iter().rev().find_map(|frame| match frame {
            Frame::Try { name, .. } => Some(name.clone()),
            _ => None,
        })
    }
}

/// Whether C text `code` is a literal or a name (nothing an exit's
/// deferred calls could change, other than a local they cannot reach).
fn is_simple(code: &str) -> bool {
    code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
