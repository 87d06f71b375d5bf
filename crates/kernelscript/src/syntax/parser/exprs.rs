//! Expressions: a Pratt parser for the C-like operators, `as` casts,
//! prefix and postfix operators, and the primary forms (literals, names,
//! struct and array literals, `match`, `new`, `sizeof`, parentheses).
//!
//! Precedence, lowest first: `||`, `&&`, `|`, `^`, `&`, `== !=`,
//! `< <= > >=`, `<< >>`, `+ -`, `* / %`, `as`, prefix `- ! ~ * &`, postfix
//! call / index / `.` / `->`. Where newlines are significant, a binary
//! operator, `(`, `[` or `{` at the start of a line begins a new statement
//! instead of continuing this one. Each parse function returns the tree
//! with its height so loops can keep trees within `MAX_DEPTH`. This file
//! decides shape only: no names are resolved and no types are checked.

use super::height::expr_height;
use super::{Mode, Parser};
use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::errors;
use crate::syntax::token::{Literal, Radix, TokenKind};

/// A parsed expression with the height of its tree.
type Tree = (Expr, u32);

/// Left binding power of `as`: tighter than every binary operator, looser
/// than prefix operators (`-x as u32` casts `-x`).
const CAST_POWER: u8 = 21;

impl Parser<'_> {
    pub(super) fn parse_expr(&mut self) -> Expr {
        self.expr_with_height().0
    }

    pub(super) fn expr_with_height(&mut self) -> Tree {
        self.expr_bp(0)
    }

    /// An expression directly followed by a block (`for (k, v) in m {`,
    /// `catch CODE {`): `Name {` is not read as a struct literal there.
    pub(super) fn parse_expr_before_block(&mut self) -> Expr {
        let mode = Mode {
            struct_literals: false,
            ..self.mode
        };
        self.with_mode(mode, |parser| parser.parse_expr())
    }

    fn error_tree(&self, span: Span) -> Tree {
        let expr = Expr {
            kind: ExprKind::Error,
            span,
        };
        (expr, 1)
    }

    fn expr_bp(&mut self, min_power: u8) -> Tree {
        let start = self.span();
        if !self.enter() {
            return self.error_tree(start);
        }
        let (mut lhs, mut height) = self.unary();
        loop {
            if self.at(TokenKind::As) {
                if CAST_POWER < min_power {
                    break;
                }
                self.bump();
                let (ty, type_height) = self.cast_type_with_height();
                height = 1 + height.max(type_height);
                let span = lhs.span.to(ty.span);
                lhs = Expr {
                    kind: ExprKind::Cast {
                        expr: Box::new(lhs),
                        ty,
                    },
                    span,
                };
            } else {
                let Some((op, left_power, right_power)) = binary_op(self.kind()) else {
                    break;
                };
                if left_power < min_power || !self.continues_line() {
                    break;
                }
                self.bump();
                let (rhs, rhs_height) = self.expr_bp(right_power);
                height = 1 + height.max(rhs_height);
                let span = lhs.span.to(rhs.span);
                lhs = Expr {
                    kind: ExprKind::Binary {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span,
                };
            }
            if !self.check_height(height) {
                self.leave();
                return self.error_tree(start.to(lhs.span));
            }
        }
        self.leave();
        (lhs, height)
    }

    fn unary(&mut self) -> Tree {
        let op = match self.kind() {
            TokenKind::Minus => UnaryOp::Neg,
            TokenKind::Bang => UnaryOp::Not,
            TokenKind::Tilde => UnaryOp::BitNot,
            TokenKind::Star => UnaryOp::Deref,
            TokenKind::Amp => UnaryOp::AddrOf,
            _ => {
                let primary = self.primary();
                return self.postfix(primary);
            }
        };
        let start = self.span();
        if !self.enter() {
            return self.error_tree(start);
        }
        self.bump();
        let (operand, height) = self.unary();
        self.leave();
        let span = start.to(operand.span);
        let expr = Expr {
            kind: ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
            span,
        };
        (expr, height + 1)
    }

    /// Calls, indexing and field access after `base`.
    fn postfix(&mut self, (mut base, mut height): Tree) -> Tree {
        loop {
            let kind = match self.kind() {
                TokenKind::Dot | TokenKind::Arrow => {
                    let arrow = self.at(TokenKind::Arrow);
                    self.bump();
                    let Some(name) = self.expect_field_name() else {
                        return self.error_tree(base.span);
                    };
                    height += 1;
                    let base = Box::new(base);
                    if arrow {
                        ExprKind::Arrow { base, name }
                    } else {
                        ExprKind::Field { base, name }
                    }
                }
                TokenKind::LParen if self.continues_line() => {
                    let Some((args, args_height)) =
                        self.nested(|_| None, |parser| Some(parser.call_args()))
                    else {
                        return self.error_tree(base.span);
                    };
                    height = 1 + height.max(args_height);
                    ExprKind::Call {
                        callee: Box::new(base),
                        args,
                    }
                }
                TokenKind::LBracket if self.continues_line() => {
                    let Some((index, index_height)) =
                        self.nested(|_| None, |parser| Some(parser.index()))
                    else {
                        return self.error_tree(base.span);
                    };
                    height = 1 + height.max(index_height);
                    ExprKind::Index {
                        base: Box::new(base),
                        index: Box::new(index),
                    }
                }
                _ => return (base, height),
            };
            let span = self.span_from(base_start(&kind));
            base = Expr { kind, span };
            if !self.check_height(height) {
                return self.error_tree(base.span);
            }
        }
    }

    /// `(args)` of a call; returns the arguments and their greatest height.
    fn call_args(&mut self) -> (Vec<Expr>, u32) {
        let open = self.bump();
        let mut args_height = 0;
        let args = self.parse_comma_list(open, TokenKind::RParen, |parser| {
            let (arg, arg_height) = parser.expr_with_height();
            args_height = args_height.max(arg_height);
            Some(arg)
        });
        (args, args_height)
    }

    /// `[index]` after an expression.
    fn index(&mut self) -> Tree {
        let open = self.bump();
        let index = self.with_mode(Mode::GROUP, |parser| {
            let tree = parser.expr_with_height();
            if !parser.at(TokenKind::RBracket) {
                parser.report_missing("`]`");
                parser.skip_in_list(TokenKind::RBracket);
            }
            tree
        });
        self.expect_closing(TokenKind::RBracket, open);
        index
    }

    fn primary(&mut self) -> Tree {
        let span = self.span();
        let kind = match self.kind() {
            TokenKind::Int => {
                let (value, radix) = match self.peek().literal {
                    Literal::Int(value, radix) => (value, radix),
                    _ => (0, Radix::Decimal),
                };
                self.bump();
                ExprKind::Int(value, radix)
            }
            TokenKind::Str => {
                let value = match &self.peek().literal {
                    Literal::Str(value) => value.clone(),
                    _ => String::new(),
                };
                self.bump();
                ExprKind::Str(value)
            }
            TokenKind::Char => {
                let value = match self.peek().literal {
                    Literal::Char(value) => value,
                    _ => 0,
                };
                self.bump();
                ExprKind::Char(value)
            }
            TokenKind::True | TokenKind::False => {
                let value = self.at(TokenKind::True);
                self.bump();
                ExprKind::Bool(value)
            }
            TokenKind::Null => {
                self.bump();
                ExprKind::Null
            }
            TokenKind::Ident => {
                if self.at_struct_literal() {
                    return self.nested(|parser| parser.error_tree(span), Self::struct_literal);
                }
                self.bump();
                ExprKind::Ident(self.text_of(span).to_string())
            }
            TokenKind::LParen => return self.parenthesized(),
            TokenKind::LBracket => return self.array_literal(),
            TokenKind::Match => {
                return self.nested(|parser| parser.error_tree(span), Self::match_expr)
            }
            TokenKind::New => return self.nested(|parser| parser.error_tree(span), Self::new_expr),
            TokenKind::Sizeof => {
                self.bump();
                let open = self.span();
                if !self.expect(TokenKind::LParen) {
                    return self.error_tree(span);
                }
                let (ty, type_height) =
                    self.with_mode(Mode::GROUP, |parser| parser.type_with_height());
                self.expect_closing(TokenKind::RParen, open);
                let expr = Expr {
                    kind: ExprKind::Sizeof(ty),
                    span: self.span_from(span),
                };
                return (expr, type_height + 1);
            }
            _ => {
                let found = self.found();
                self.report_at_token(errors::expected_expression(self.missing_span(), &found));
                return self.error_tree(self.missing_span());
            }
        };
        (Expr { kind, span }, 1)
    }

    /// `Name {` (or `module.Name {`) followed by `}` or `field:` starts a
    /// struct literal, where struct literals are allowed and the `{` is on
    /// the same line.
    fn at_struct_literal(&self) -> bool {
        let brace = if self.nth(1) == TokenKind::Dot && self.nth(2) == TokenKind::Ident {
            3
        } else {
            1
        };
        self.mode.struct_literals
            && self.nth(brace) == TokenKind::LBrace
            && (!self.mode.newlines_significant || !self.tokens[self.pos + brace].newline_before)
            && (self.nth(brace + 1) == TokenKind::RBrace
                || ((self.nth(brace + 1) == TokenKind::Ident || self.nth(brace + 1).is_keyword())
                    && self.nth(brace + 2) == TokenKind::Colon))
    }

    /// `Name { field: value, ... }` or `module.Name { ... }`
    fn struct_literal(&mut self) -> Tree {
        let start = self.bump();
        let mut name = self.ident(start);
        let mut module = None;
        if self.at(TokenKind::Dot) {
            self.bump();
            let member = self.bump();
            module = Some(std::mem::replace(&mut name, self.ident(member)));
        }
        let open = self.bump();
        let mut fields_height = 0;
        let fields = self.parse_comma_list(open, TokenKind::RBrace, |parser| {
            let name = parser.expect_field_name()?;
            if !parser.expect(TokenKind::Colon) {
                return None;
            }
            let (value, value_height) = parser.expr_with_height();
            fields_height = fields_height.max(value_height);
            Some(FieldInit { name, value })
        });
        let expr = Expr {
            kind: ExprKind::StructLit {
                module,
                name,
                fields,
            },
            span: self.span_from(start),
        };
        (expr, fields_height + 1)
    }

    /// `( expr )`: no node of its own, only the grouping.
    fn parenthesized(&mut self) -> Tree {
        let open = self.span();
        if !self.enter() {
            return self.error_tree(open);
        }
        self.bump();
        let (mut expr, height) = self.with_mode(Mode::GROUP, |parser| {
            let tree = parser.expr_with_height();
            if !parser.at(TokenKind::RParen) {
                parser.report_missing("`)`");
                parser.skip_in_list(TokenKind::RParen);
            }
            tree
        });
        self.expect_closing(TokenKind::RParen, open);
        self.leave();
        expr.span = self.span_from(open);
        (expr, height)
    }

    /// `[a, b, c]`; `[value; count]` is reported (not in the language).
    fn array_literal(&mut self) -> Tree {
        let open = self.span();
        if !self.enter() {
            return self.error_tree(open);
        }
        self.bump();
        let mut elements_height = 0;
        let elements = self.parse_comma_list(open, TokenKind::RBracket, |parser| {
            let (element, element_height) = parser.expr_with_height();
            elements_height = elements_height.max(element_height);
            if parser.at(TokenKind::Semi) {
                parser.report(errors::array_repeat_unsupported(parser.span()));
            }
            Some(element)
        });
        self.leave();
        let expr = Expr {
            kind: ExprKind::ArrayLit(elements),
            span: self.span_from(open),
        };
        (expr, elements_height + 1)
    }

    /// `new T()` or `new T(arg)`
    fn new_expr(&mut self) -> Tree {
        let start = self.bump();
        let (ty, mut height) = self.type_with_height();
        let mut arg = None;
        if self.at(TokenKind::LParen) {
            let open = self.bump();
            let args = self.parse_comma_list(open, TokenKind::RParen, |parser| {
                Some(parser.expr_with_height())
            });
            let mut args = args.into_iter();
            if let Some((first, first_height)) = args.next() {
                height = height.max(first_height);
                arg = Some(Box::new(first));
            }
            if let Some((extra, _)) = args.next() {
                self.report(errors::new_takes_one_argument(extra.span));
            }
        } else {
            self.report_missing("`(`");
        }
        let expr = Expr {
            kind: ExprKind::New { ty, arg },
            span: self.span_from(start),
        };
        (expr, height + 1)
    }

    /// `match (scrutinee) { pattern: expr, pattern: { stmts }, default: e }`
    fn match_expr(&mut self) -> Tree {
        let start = self.bump();
        let scrutinee = self.parse_paren_condition("match");
        if !self.at(TokenKind::LBrace) {
            self.report_missing("`{`");
            let expr = Expr {
                kind: ExprKind::Match {
                    scrutinee: Box::new(scrutinee),
                    arms: Vec::new(),
                },
                span: self.span_from(start),
            };
            return (expr, 2);
        }
        let open = self.bump();
        let arms = self.with_mode(Mode::GROUP, |parser| parser.match_arms(open));
        let expr = Expr {
            kind: ExprKind::Match {
                scrutinee: Box::new(scrutinee),
                arms,
            },
            span: self.span_from(start),
        };
        // Arms may hold blocks, parsed as statements: measure the result.
        let height = expr_height(&expr);
        if !self.check_height(height) {
            return self.error_tree(expr.span);
        }
        (expr, height)
    }

    fn match_arms(&mut self, open: Span) -> Vec<MatchArm> {
        let mut arms = Vec::new();
        loop {
            if self.eat(TokenKind::RBrace) {
                break;
            }
            if self.at(TokenKind::Eof) || self.at_line_start_keyword() {
                self.expect_closing(TokenKind::RBrace, open);
                break;
            }
            let before = self.pos;
            let errors_before = self.errors_reported;
            let arm_start = self.span();
            let pattern = match self.kind() {
                TokenKind::Default => MatchPattern::Default(self.bump()),
                TokenKind::Ident if self.text_of(self.span()) == "_" => {
                    MatchPattern::Default(self.bump())
                }
                _ => MatchPattern::Value(self.parse_expr()),
            };
            let mut block_body = false;
            if self.expect(TokenKind::Colon) {
                let body = if self.at(TokenKind::LBrace) {
                    block_body = true;
                    MatchArmBody::Block(self.parse_block())
                } else {
                    MatchArmBody::Expr(self.parse_expr())
                };
                arms.push(MatchArm {
                    pattern,
                    body,
                    span: self.span_from(arm_start),
                });
            }
            if self.eat(TokenKind::Comma) || self.at(TokenKind::RBrace) {
                continue;
            }
            if errors_before == self.errors_reported {
                if block_body || self.peek().newline_before {
                    if !block_body {
                        let found = self.found();
                        let span = self.missing_span();
                        self.report(errors::missing_comma(span, &found));
                    }
                    continue;
                }
                let found = self.found();
                let span = self.missing_span();
                self.report(errors::expected_match_arm_separator(span, &found));
            }
            self.skip_in_list(TokenKind::RBrace);
            self.eat(TokenKind::Comma);
            if self.pos == before {
                break;
            }
        }
        arms
    }
}

/// The start of the node that `kind` extends (for postfix spans).
fn base_start(kind: &ExprKind) -> Span {
    match kind {
        ExprKind::Field { base, .. }
        | ExprKind::Arrow { base, .. }
        | ExprKind::Index { base, .. } => base.span,
        ExprKind::Call { callee, .. } => callee.span,
        _ => Span::default(),
    }
}

/// Binary operators with their left and right binding powers.
fn binary_op(kind: TokenKind) -> Option<(BinaryOp, u8, u8)> {
    use TokenKind as T;
    let (op, power) = match kind {
        T::OrOr => (BinaryOp::Or, 1),
        T::AndAnd => (BinaryOp::And, 3),
        T::Pipe => (BinaryOp::BitOr, 5),
        T::Caret => (BinaryOp::BitXor, 7),
        T::Amp => (BinaryOp::BitAnd, 9),
        T::EqEq => (BinaryOp::Eq, 11),
        T::NotEq => (BinaryOp::Ne, 11),
        T::Lt => (BinaryOp::Lt, 13),
        T::Le => (BinaryOp::Le, 13),
        T::Gt => (BinaryOp::Gt, 13),
        T::Ge => (BinaryOp::Ge, 13),
        T::Shl => (BinaryOp::Shl, 15),
        T::Shr => (BinaryOp::Shr, 15),
        T::Plus => (BinaryOp::Add, 17),
        T::Minus => (BinaryOp::Sub, 17),
        T::Star => (BinaryOp::Mul, 19),
        T::Slash => (BinaryOp::Div, 19),
        T::Percent => (BinaryOp::Rem, 19),
        _ => return None,
    };
    Some((op, power, power + 1))
}
