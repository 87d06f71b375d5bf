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
use crate::ir::{visit, Block, Catch, Stmt, StmtKind};
use crate::span::Span;

/// Whether lowering `body` needs an `error` local: it has a `try` that can
/// catch something.
pub fn needs_error_code<'a, B: Backend<'a>>(_cx: &Lowering<'a, B>, body: &Block) -> bool {
    let mut needs = false;
    visit::walk_stmts(body, &mut |stmt| {
        needs |= matches!(stmt.kind, StmtKind::Try { .. });
    });
    needs
}

impl<'a, B: Backend<'a>> Lowering<'a, B> {
    /// `try { body } catch ...` by `goto` (see the module documentation).
    pub fn goto_try_catch(&mut self, body: &'a Block, catches: &'a [Catch], stmt: &'a Stmt) {
        let mut throws = false;
        visit::walk_stmts(body, &mut |inner| {
            throws |= matches!(inner.kind, StmtKind::Throw(_))
        });
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

        let catches_complete = catches.iter().any(|catch| catch.body.completes);
        let end_label = (body.completes || catches_complete).then(|| self.label("try_end"));
        if let (Some(end_label), true) = (&end_label, body.completes) {
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
            _ => self.failure_exit(span),
        }
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
