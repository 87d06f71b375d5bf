//! Blocks and statements: declarations, assignments, `if`, the loops,
//! `return`, `break`, `continue`, `delete`, `try`/`catch`, `throw`, `defer`
//! and bare blocks.
//!
//! A block reads statements separated by newlines or `;`; after a broken
//! statement it skips to the next statement boundary, and when a line
//! starts with an item keyword it reports the missing `}` and returns so
//! the item parser can carry on. Expressions are parsed by `exprs.rs`;
//! whether an assignment's target is a place is decided here, what it
//! names and whether it may be written is the checker's business.

use super::{Mode, Parser};
use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::errors;
use crate::syntax::token::TokenKind;

impl Parser<'_> {
    /// `{ statements }`. A missing `{` is reported and yields an empty block.
    pub(super) fn parse_block(&mut self) -> Block {
        let start = self.span();
        if !self.at(TokenKind::LBrace) {
            if self.at(TokenKind::Unknown) {
                self.errors_reported += 1;
            } else {
                let found = self.found();
                self.report(errors::expected_block(self.missing_span(), &found));
            }
            return Block {
                stmts: Vec::new(),
                span: self.missing_span(),
            };
        }
        if !self.enter() {
            return Block {
                stmts: Vec::new(),
                span: self.span_from(start),
            };
        }
        let open = self.bump();
        let stmts = self.with_mode(Mode::BLOCK, |parser| parser.parse_block_body(open));
        self.leave();
        Block {
            stmts,
            span: self.span_from(start),
        }
    }

    fn parse_block_body(&mut self, open: Span) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        loop {
            while self.eat(TokenKind::Semi) {}
            if self.eat(TokenKind::RBrace) {
                break;
            }
            // An item keyword at the start of a line, unindented, begins
            // the next item: this block was never closed. (Indented, it is
            // an item misplaced in the block, reported by `parse_stmt`.)
            let next_item = self.at_item_start()
                && !matches!(self.kind(), TokenKind::Var | TokenKind::Const)
                && self.at_column_one();
            let unclosed = self.at(TokenKind::Eof) || next_item;
            if unclosed {
                self.expect_closing(TokenKind::RBrace, open);
                break;
            }
            let before = self.pos;
            let errors_before = self.errors_reported;
            stmts.push(self.parse_stmt());
            if self.errors_reported > errors_before {
                self.skip_to_statement_end();
            } else if !self.at_statement_end() {
                let found = self.found();
                self.report_at_token(errors::expected_statement_end(self.span(), &found));
                self.skip_to_statement_end();
            }
            if self.pos == before && !self.at(TokenKind::RBrace) {
                self.bump();
            }
        }
        stmts
    }

    /// The previous statement may end here: `;`, `}`, end of file, a new
    /// line, or right after a statement that ended with `}`.
    fn at_statement_end(&self) -> bool {
        matches!(
            self.kind(),
            TokenKind::Semi | TokenKind::RBrace | TokenKind::Eof
        ) || self.peek().newline_before
            || self.previous_kind() == Some(TokenKind::RBrace)
    }

    fn parse_stmt(&mut self) -> Stmt {
        let start = self.span();
        let kind = self.nested(|_| StmtKind::Error, Self::parse_stmt_kind);
        Stmt {
            kind,
            span: self.span_from(start),
        }
    }

    fn parse_stmt_kind(&mut self) -> StmtKind {
        use TokenKind as T;
        match self.kind() {
            T::Var => self.parse_var(),
            T::Const => self.parse_const().map_or(StmtKind::Error, StmtKind::Const),
            T::If => self.parse_if(),
            T::For => self.parse_for(),
            T::While => {
                self.bump();
                let condition = self.parse_paren_condition("while");
                let body = self.parse_block();
                StmtKind::While { condition, body }
            }
            T::Return => {
                self.bump();
                let ends = matches!(self.kind(), T::Semi | T::RBrace | T::Eof)
                    || self.peek().newline_before;
                StmtKind::Return((!ends).then(|| self.parse_expr()))
            }
            T::Break => {
                self.bump();
                StmtKind::Break
            }
            T::Continue => {
                self.bump();
                StmtKind::Continue
            }
            T::Delete => {
                self.bump();
                StmtKind::Delete(self.parse_expr())
            }
            T::Throw => {
                self.bump();
                StmtKind::Throw(self.parse_expr())
            }
            T::Defer => {
                self.bump();
                StmtKind::Defer(self.parse_expr())
            }
            T::Try => self.parse_try(),
            T::LBrace => StmtKind::Block(self.parse_block()),
            T::Else => {
                let span = self.bump();
                self.report(errors::else_without_if(span));
                StmtKind::Error
            }
            T::Catch => {
                let span = self.bump();
                self.report(errors::catch_without_try(span));
                StmtKind::Error
            }
            kind if self.at_item_start() => {
                let span = self.bump();
                self.report(errors::item_in_block(span, kind.spelling()));
                StmtKind::Error
            }
            kind if kind.is_closing_delimiter() => {
                let span = self.bump();
                self.report(errors::unexpected_closing_delimiter(span, kind.spelling()));
                StmtKind::Error
            }
            kind if is_binary_only_operator(kind) => {
                self.report(errors::statement_starts_with_operator(
                    self.span(),
                    kind.spelling(),
                ));
                StmtKind::Error
            }
            _ => self.parse_expr_or_assign(),
        }
    }

    /// `var name [: type] [= init]`
    fn parse_var(&mut self) -> StmtKind {
        self.bump();
        let Some(name) = self.expect_name() else {
            return StmtKind::Error;
        };
        let ty = self.eat(TokenKind::Colon).then(|| self.parse_type());
        let init = self.eat(TokenKind::Eq).then(|| self.parse_expr());
        StmtKind::Var { name, ty, init }
    }

    fn parse_expr_or_assign(&mut self) -> StmtKind {
        let target = self.parse_expr();
        let Some(op) = assignment_op(self.kind()) else {
            if let ExprKind::Ident(type_name) = &target.kind {
                if self.at(TokenKind::Ident) && !self.peek().newline_before {
                    let found = self.found();
                    self.report(errors::c_style_declaration(self.span(), &found, type_name));
                }
            }
            return StmtKind::Expr(target);
        };
        self.bump();
        let value = self.parse_expr();
        let target = if is_place(&target) {
            target
        } else {
            self.report(errors::invalid_assignment_target(target.span));
            Expr {
                kind: ExprKind::Error,
                span: target.span,
            }
        };
        StmtKind::Assign { target, op, value }
    }

    /// `if (cond) { } [else if ... | else { }]`; `else if` chains recurse,
    /// so each link counts as a nesting level.
    fn parse_if(&mut self) -> StmtKind {
        if !self.enter() {
            return StmtKind::Error;
        }
        self.bump();
        let condition = self.parse_if_condition();
        let then_block = self.parse_block();
        let else_branch = if self.eat(TokenKind::Else) {
            let start = self.span();
            let kind = match self.kind() {
                TokenKind::If => Some(self.parse_if()),
                TokenKind::LBrace => Some(StmtKind::Block(self.parse_block())),
                _ => {
                    self.report_missing("`{` or `if`");
                    None
                }
            };
            kind.map(|kind| {
                Box::new(Stmt {
                    kind,
                    span: self.span_from(start),
                })
            })
        } else {
            None
        };
        self.leave();
        StmtKind::If {
            condition,
            then_block,
            else_branch,
        }
    }

    /// `(expr)` or `(var name = value)` after `if`.
    fn parse_if_condition(&mut self) -> Condition {
        if !self.at(TokenKind::LParen) {
            self.report_at_token(errors::missing_condition_parens(self.span(), "if"));
            return Condition::Expr(self.parse_expr_before_block());
        }
        let open = self.bump();
        let errors_before = self.errors_reported;
        let condition = self.with_mode(Mode::GROUP, |parser| {
            if parser.eat(TokenKind::Var) {
                let name = parser.expect_name()?;
                if !parser.expect(TokenKind::Eq) {
                    return None;
                }
                let value = parser.parse_expr();
                Some(Condition::Let { name, value })
            } else {
                let condition = parser.parse_expr();
                if parser.at(TokenKind::Eq) {
                    parser.report(errors::assignment_in_condition(parser.span()));
                }
                Some(Condition::Expr(condition))
            }
        });
        let condition = condition.unwrap_or(Condition::Expr(Expr {
            kind: ExprKind::Error,
            span: open,
        }));
        self.close_condition(open, errors_before);
        condition
    }

    /// `(expr)` after `while` (and `match`, through `exprs.rs`).
    pub(super) fn parse_paren_condition(&mut self, keyword: &str) -> Expr {
        if !self.at(TokenKind::LParen) {
            self.report_at_token(errors::missing_condition_parens(self.span(), keyword));
            return self.parse_expr_before_block();
        }
        let open = self.bump();
        let errors_before = self.errors_reported;
        let condition = self.with_mode(Mode::GROUP, |parser| parser.parse_expr());
        if self.at(TokenKind::Eq) {
            self.report(errors::assignment_in_condition(self.span()));
        }
        self.close_condition(open, errors_before);
        condition
    }

    /// Consumes the `)` of a condition, first skipping whatever input is
    /// left inside. Leftover tokens after a complete expression (`if (x y >
    /// 100)`) are an error of their own, reported here at the first of them,
    /// unless the condition already reported one (errors counted since
    /// `errors_before`): skipping them silently would change the program.
    fn close_condition(&mut self, open: Span, errors_before: usize) {
        if self.at(TokenKind::RParen) {
            self.bump();
            return;
        }
        let clean = self.errors_reported == errors_before;
        if clean && !self.at(TokenKind::Unknown) && !self.after_unterminated_literal() {
            let found = self.found();
            let span = self.missing_span();
            self.report(errors::leftover_after_condition(span, &found, open));
        }
        self.with_mode(Mode::GROUP, |parser| parser.skip_in_list(TokenKind::RParen));
        if !self.eat(TokenKind::RParen) && !clean {
            self.expect_closing(TokenKind::RParen, open);
        }
    }

    /// `for (i in a..b) { }`, `for (k, v) in m { }`, `for (k, v in m) { }`
    /// and `for (x in m) { }`; without parentheses it is reported and
    /// parsed the same way.
    fn parse_for(&mut self) -> StmtKind {
        self.bump();
        let open = self.at(TokenKind::LParen).then(|| self.bump());
        if open.is_none() {
            self.report_at_token(errors::missing_condition_parens(self.span(), "for"));
        }
        let inner_mode = if open.is_some() {
            Mode::GROUP
        } else {
            self.mode
        };
        let saved = self.mode;
        self.mode = inner_mode;
        let result = self.parse_for_header(open);
        self.mode = saved;
        let Some(header) = result else {
            return StmtKind::Error;
        };
        let body = self.parse_block();
        match header {
            ForHeader::Range { var, start, end } => StmtKind::ForRange {
                var,
                start,
                end,
                body,
            },
            ForHeader::Each {
                key,
                value,
                iterable,
            } => StmtKind::ForEach {
                key,
                value,
                iterable,
                body,
            },
        }
    }

    fn parse_for_header(&mut self, open: Option<Span>) -> Option<ForHeader> {
        let errors_before = self.errors_reported;
        let key = self.expect_name()?;
        let value = if self.eat(TokenKind::Comma) {
            Some(self.expect_name()?)
        } else {
            None
        };
        if let (Some(open), true) = (open, self.at(TokenKind::RParen)) {
            // `for (k, v) in iterable {`
            self.expect_closing(TokenKind::RParen, open);
            self.mode = Mode::BLOCK;
            if !self.expect(TokenKind::In) {
                return None;
            }
            let iterable = self.parse_expr_before_block();
            return Some(ForHeader::Each {
                key,
                value,
                iterable,
            });
        }
        if !self.expect(TokenKind::In) {
            return None;
        }
        let first = if open.is_some() {
            self.parse_expr()
        } else {
            self.parse_expr_before_block()
        };
        let header = if self.eat(TokenKind::DotDot) {
            if let Some(value) = &value {
                self.report(errors::range_needs_one_name(value.span));
            }
            let end = if open.is_some() {
                self.parse_expr()
            } else {
                self.parse_expr_before_block()
            };
            ForHeader::Range {
                var: key,
                start: first,
                end,
            }
        } else {
            ForHeader::Each {
                key,
                value,
                iterable: first,
            }
        };
        if let Some(open) = open {
            self.close_condition(open, errors_before);
        }
        Some(header)
    }

    /// `try { } catch N { } catch _ { }`
    fn parse_try(&mut self) -> StmtKind {
        self.bump();
        let body = self.parse_block();
        let mut catches = Vec::new();
        while self.at(TokenKind::Catch) {
            let start = self.bump();
            let pattern = if self.at(TokenKind::Ident) && self.text_of(self.span()) == "_" {
                CatchPattern::Wildcard(self.bump())
            } else {
                CatchPattern::Value(self.parse_expr_before_block())
            };
            let body = self.parse_block();
            catches.push(CatchClause {
                pattern,
                body,
                span: self.span_from(start),
            });
        }
        StmtKind::Try { body, catches }
    }
}

enum ForHeader {
    Range {
        var: Ident,
        start: Expr,
        end: Expr,
    },
    Each {
        key: Ident,
        value: Option<Ident>,
        iterable: Expr,
    },
}

fn assignment_op(kind: TokenKind) -> Option<Option<BinaryOp>> {
    use TokenKind as T;
    Some(match kind {
        T::Eq => None,
        T::PlusEq => Some(BinaryOp::Add),
        T::MinusEq => Some(BinaryOp::Sub),
        T::StarEq => Some(BinaryOp::Mul),
        T::SlashEq => Some(BinaryOp::Div),
        T::PercentEq => Some(BinaryOp::Rem),
        T::AmpEq => Some(BinaryOp::BitAnd),
        T::PipeEq => Some(BinaryOp::BitOr),
        T::CaretEq => Some(BinaryOp::BitXor),
        T::ShlEq => Some(BinaryOp::Shl),
        T::ShrEq => Some(BinaryOp::Shr),
        _ => return None,
    })
}

/// Operators that cannot start an expression (unlike `-`, `*`, `&`, `!`).
fn is_binary_only_operator(kind: TokenKind) -> bool {
    use TokenKind as T;
    matches!(
        kind,
        T::Plus
            | T::Slash
            | T::Percent
            | T::Pipe
            | T::Caret
            | T::EqEq
            | T::NotEq
            | T::Lt
            | T::Le
            | T::Gt
            | T::Ge
            | T::Shl
            | T::Shr
            | T::AndAnd
            | T::OrOr
            | T::Eq
            | T::PlusEq
            | T::MinusEq
            | T::StarEq
            | T::SlashEq
            | T::PercentEq
            | T::AmpEq
            | T::PipeEq
            | T::CaretEq
            | T::ShlEq
            | T::ShrEq
            | T::As
            | T::Dot
            | T::Arrow
            | T::DotDot
    )
}

/// Expressions that name a storage location.
fn is_place(expr: &Expr) -> bool {
    matches!(
        &expr.kind,
        ExprKind::Ident(_)
            | ExprKind::Field { .. }
            | ExprKind::Arrow { .. }
            | ExprKind::Index { .. }
            | ExprKind::Unary {
                op: UnaryOp::Deref,
                ..
            }
            | ExprKind::Error
    )
}
