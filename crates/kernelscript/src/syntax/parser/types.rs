//! Types as written: names (`u32`, `xdp_md`, `PacketInfo`), `str(N)`,
//! `*T`, `T[N]` / `[T; N]` / `[T N]`, `fn(T, U) -> R` and generic map
//! types `name<K, V>(N)`.
//!
//! `*` binds tighter than a `[N]` suffix, so `*u8[4]` is an array of four
//! pointers. After `as` the type takes neither generic arguments nor a
//! `[N]` suffix, so `x as u32 < y` compares. Sizes are expressions, parsed
//! by `exprs.rs`. This file never decides what a name means: `u32` and
//! `hash` are identifiers like any other.

use super::{Mode, Parser};
use crate::syntax::ast::*;
use crate::syntax::errors;
use crate::syntax::token::TokenKind;

/// A parsed type with the height of its tree.
type Tree = (TypeExpr, u32);

/// Where a type is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Declarations, parameters, `sizeof`, `new`: every form.
    Declaration,
    /// After `as`: no generic arguments and no `[N]` suffix.
    Cast,
}

impl Parser<'_> {
    pub(super) fn parse_type(&mut self) -> TypeExpr {
        self.type_with_height().0
    }

    pub(super) fn type_with_height(&mut self) -> Tree {
        self.type_in(Context::Declaration)
    }

    pub(super) fn cast_type_with_height(&mut self) -> Tree {
        self.type_in(Context::Cast)
    }

    fn error_type(&self) -> Tree {
        let ty = TypeExpr {
            kind: TypeExprKind::Error,
            span: self.missing_span(),
        };
        (ty, 1)
    }

    fn type_in(&mut self, context: Context) -> Tree {
        let start = self.span();
        let (mut ty, mut height) = self.type_atom(context);
        while context == Context::Declaration
            && self.at(TokenKind::LBracket)
            && self.continues_line()
        {
            let open = self.bump();
            // `T[]`: a flexible array (the checker says where it may be).
            let (size, size_height) = if self.at(TokenKind::RBracket) {
                (None, 0)
            } else {
                let (size, height) =
                    self.with_mode(Mode::GROUP, |parser| parser.expr_with_height());
                (Some(Box::new(size)), height)
            };
            self.expect_closing(TokenKind::RBracket, open);
            height = 1 + height.max(size_height);
            ty = TypeExpr {
                kind: TypeExprKind::Array {
                    element: Box::new(ty),
                    size,
                },
                span: self.span_from(start),
            };
            if !self.check_height(height) {
                return self.error_type();
            }
        }
        (ty, height)
    }

    /// A type without a `[N]` suffix. Every nested type goes through here,
    /// so this is where nesting is bounded.
    fn type_atom(&mut self, context: Context) -> Tree {
        if !self.enter() {
            return self.error_type();
        }
        let tree = self.type_atom_inner(context);
        self.leave();
        tree
    }

    fn type_atom_inner(&mut self, context: Context) -> Tree {
        let start = self.span();
        let (kind, height) = match self.kind() {
            TokenKind::Star => {
                self.bump();
                let (pointee, height) = self.type_atom(context);
                (TypeExprKind::Pointer(Box::new(pointee)), height + 1)
            }
            TokenKind::LBracket => {
                let open = self.bump();
                let (kind, height) = self.with_mode(Mode::GROUP, |parser| {
                    let (element, element_height) = parser.type_in(Context::Declaration);
                    parser.eat(TokenKind::Semi);
                    let (size, size_height) = parser.expr_with_height();
                    let kind = TypeExprKind::Array {
                        element: Box::new(element),
                        size: Some(Box::new(size)),
                    };
                    (kind, 1 + element_height.max(size_height))
                });
                self.expect_closing(TokenKind::RBracket, open);
                (kind, height)
            }
            TokenKind::Fn => self.nested(|_| (TypeExprKind::Error, 1), Self::function_type),
            TokenKind::Ident => {
                let name_span = self.bump();
                let name = self.text_of(name_span);
                if name == "str" && self.at(TokenKind::LParen) {
                    let open = self.bump();
                    let (size, height) =
                        self.with_mode(Mode::GROUP, |parser| parser.expr_with_height());
                    self.expect_closing(TokenKind::RParen, open);
                    (TypeExprKind::Str(Box::new(size)), height + 1)
                } else if context == Context::Declaration && self.at(TokenKind::Lt) {
                    let name = self.ident(name_span);
                    self.nested(
                        |_| (TypeExprKind::Error, 1),
                        |parser| parser.generic_type(name),
                    )
                } else if self.at(TokenKind::Dot) && self.nth(1) == TokenKind::Ident {
                    let module = self.ident(name_span);
                    self.bump();
                    let member_span = self.bump();
                    let name = self.ident(member_span);
                    (TypeExprKind::Qualified { module, name }, 1)
                } else {
                    (TypeExprKind::Named(name.to_string()), 1)
                }
            }
            _ => {
                let found = self.found();
                self.report_at_token(errors::expected_type(self.missing_span(), &found));
                return self.error_type();
            }
        };
        let ty = TypeExpr {
            kind,
            span: self.span_from(start),
        };
        (ty, height)
    }

    /// `fn(T, name: U) -> R`; parameter names and a return name are
    /// allowed and dropped.
    fn function_type(&mut self) -> (TypeExprKind, u32) {
        self.bump();
        let mut height = 1;
        let mut params = Vec::new();
        if self.at(TokenKind::LParen) {
            let open = self.bump();
            params = self.parse_comma_list(open, TokenKind::RParen, |parser| {
                if parser.at_field_name() && parser.nth(1) == TokenKind::Colon {
                    parser.bump();
                    parser.bump();
                }
                let (param, param_height) = parser.type_in(Context::Declaration);
                height = height.max(param_height + 1);
                Some(param)
            });
        } else {
            self.report_missing("`(`");
        }
        let ret = if self.eat(TokenKind::Arrow) {
            if self.at(TokenKind::Ident) && self.nth(1) == TokenKind::Colon {
                // A named return, `-> hash: u64`; the name is dropped.
                self.bump();
                self.bump();
            }
            let (ret, ret_height) = self.type_in(Context::Declaration);
            height = height.max(ret_height + 1);
            Some(Box::new(ret))
        } else {
            None
        };
        (TypeExprKind::Function { params, ret }, height)
    }

    /// `name<T, U>` and an optional `(size)`, as in `hash<u32, u64>(1024)`.
    fn generic_type(&mut self, name: Ident) -> (TypeExprKind, u32) {
        let open = self.bump();
        let mut height = 1;
        let mut args = Vec::new();
        let errors_before_list = self.errors_reported;
        self.with_mode(Mode::GROUP, |parser| loop {
            if parser.at_closing_angle()
                || parser.at(TokenKind::Eof)
                || parser.at_line_start_keyword()
            {
                break;
            }
            let before = parser.pos;
            let errors_before = parser.errors_reported;
            let (arg, arg_height) = parser.type_in(Context::Declaration);
            height = height.max(arg_height + 1);
            args.push(arg);
            if parser.eat(TokenKind::Comma) {
                continue;
            }
            if parser.at_closing_angle()
                || !parser.after_element(TokenKind::Gt, before, errors_before)
            {
                break;
            }
        });
        if !self.eat_closing_angle() && self.errors_reported == errors_before_list {
            self.expect_closing(TokenKind::Gt, open);
        }
        let mut size = None;
        if self.at(TokenKind::LParen) && self.continues_line() {
            let open = self.bump();
            let (value, value_height) =
                self.with_mode(Mode::GROUP, |parser| parser.expr_with_height());
            self.expect_closing(TokenKind::RParen, open);
            height = height.max(value_height + 1);
            size = Some(Box::new(value));
        }
        (TypeExprKind::Generic { name, args, size }, height)
    }

    /// `>`, or a token starting with `>` (`>>`, `>=`, `>>=`) that closes
    /// nested generic arguments.
    fn at_closing_angle(&self) -> bool {
        matches!(
            self.kind(),
            TokenKind::Gt | TokenKind::Shr | TokenKind::Ge | TokenKind::ShrEq
        )
    }

    /// Consumes one `>`, splitting `>>`, `>=` and `>>=` so the rest stays.
    fn eat_closing_angle(&mut self) -> bool {
        let rest = match self.kind() {
            TokenKind::Gt => {
                self.bump();
                return true;
            }
            TokenKind::Shr => TokenKind::Gt,
            TokenKind::Ge => TokenKind::Eq,
            TokenKind::ShrEq => TokenKind::Ge,
            _ => return false,
        };
        let token = &mut self.tokens[self.pos];
        token.kind = rest;
        token.span.start += 1;
        token.newline_before = false;
        self.prev_end = token.span.start;
        true
    }
}
