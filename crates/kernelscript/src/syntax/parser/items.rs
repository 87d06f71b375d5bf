//! Top-level items: functions, globals and maps, `const`, `config`,
//! `struct`, `enum`, `type`, `impl`, `extern`, `include` and `import`, with
//! their attributes and the `pin` / `local` modifiers.
//!
//! Each item parser consumes one declaration and leaves the cursor after
//! it; `parse_source_file` skips to the next item start after an error. The
//! checker decides what attributes and modifiers mean (for example that
//! `pin local var` is rejected); this file only checks they are placed
//! where the grammar allows them.

use super::{Mode, Parser};
use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::errors;
use crate::syntax::token::{Literal, TokenKind};

/// `pin` and `local` as written before an item.
#[derive(Default)]
struct Modifiers {
    pin: Option<Span>,
    local: Option<Span>,
}

impl Parser<'_> {
    pub(super) fn parse_source_file(&mut self) -> SourceFile {
        let mut items = Vec::new();
        loop {
            while self.eat(TokenKind::Semi) {}
            let kind = self.kind();
            if kind == TokenKind::Eof {
                break;
            }
            if self.at_item_start() {
                items.push(self.parse_item());
            } else if kind.is_closing_delimiter() {
                let span = self.bump();
                self.report(errors::unexpected_closing_delimiter(span, kind.spelling()));
            } else {
                let found = self.found();
                self.report_at_token(errors::expected_item(self.span(), &found));
                self.skip_to_item_start();
            }
        }
        SourceFile { items }
    }

    fn parse_item(&mut self) -> Item {
        let start = self.span();
        let errors_before = self.errors_reported;
        self.too_deep_reported = false;
        let kind = self.parse_item_kind();
        let item = Item {
            kind,
            span: self.span_from(start),
        };
        let broken = self.errors_reported > errors_before;
        if broken && !self.at_item_start() && !self.at(TokenKind::Eof) {
            self.skip_to_item_start();
        }
        item
    }

    fn parse_item_kind(&mut self) -> ItemKind {
        let mut attributes = Vec::new();
        let mut modifiers = Modifiers::default();
        loop {
            match self.kind() {
                TokenKind::At => attributes.extend(self.parse_attribute()),
                TokenKind::Pin => {
                    let span = self.bump();
                    set_modifier(self, &mut modifiers.pin, span, "pin");
                }
                TokenKind::Local => {
                    let span = self.bump();
                    set_modifier(self, &mut modifiers.local, span, "local");
                }
                _ => break,
            }
        }
        if self.at(TokenKind::Var) {
            return self.parse_global_var(attributes, &modifiers);
        }
        let what = match self.kind() {
            TokenKind::Fn => "a function",
            TokenKind::Impl => "an `impl` block",
            TokenKind::Struct => "a struct",
            TokenKind::Enum => "an enum",
            TokenKind::Config => "a `config` block",
            TokenKind::Type => "a type alias",
            TokenKind::Const => "a `const`",
            TokenKind::Include => "an `include`",
            TokenKind::Import => "an `import`",
            TokenKind::Extern => "an `extern` declaration",
            _ => {
                let found = self.found();
                self.report_at_token(errors::expected(
                    self.span(),
                    "`fn`, `impl`, `struct` or `var`",
                    &found,
                ));
                return ItemKind::Error;
            }
        };
        for (span, modifier) in [(modifiers.pin, "pin"), (modifiers.local, "local")] {
            if let Some(span) = span {
                self.report(errors::modifier_not_allowed(span, modifier, what));
            }
        }
        let takes_attributes = matches!(
            self.kind(),
            TokenKind::Fn | TokenKind::Impl | TokenKind::Struct
        );
        if !takes_attributes {
            for attribute in &attributes {
                self.report(errors::attributes_not_allowed(attribute.span, what));
            }
        }
        match self.kind() {
            TokenKind::Fn => self
                .parse_function(attributes)
                .map_or(ItemKind::Error, ItemKind::Function),
            TokenKind::Impl => self.parse_impl(attributes),
            TokenKind::Struct => self.parse_struct(attributes),
            TokenKind::Enum => self.parse_enum(),
            TokenKind::Config => self.parse_config(),
            TokenKind::Type => self.parse_type_alias(),
            TokenKind::Const => self.parse_const().map_or(ItemKind::Error, ItemKind::Const),
            TokenKind::Include => self.parse_include(),
            TokenKind::Import => self.parse_import(),
            _ => self.parse_extern(),
        }
    }

    /// `@name`, `@name(args)`; the arguments are expressions. `None` when
    /// the name is missing (reported).
    fn parse_attribute(&mut self) -> Option<Attribute> {
        let start = self.bump();
        let name = self.expect_name()?;
        let mut args = Vec::new();
        if self.at(TokenKind::LParen) {
            let open = self.bump();
            args =
                self.parse_comma_list(open, TokenKind::RParen, |parser| Some(parser.parse_expr()));
        }
        Some(Attribute {
            name,
            args,
            span: self.span_from(start),
        })
    }

    /// `var name [: type] [= init]` after any attributes and modifiers.
    fn parse_global_var(&mut self, attributes: Vec<Attribute>, modifiers: &Modifiers) -> ItemKind {
        self.bump();
        let Some(name) = self.expect_name() else {
            return ItemKind::Error;
        };
        let ty = self.eat(TokenKind::Colon).then(|| self.parse_type());
        let init = self.eat(TokenKind::Eq).then(|| self.parse_expr());
        ItemKind::GlobalVar(GlobalVarDecl {
            attributes,
            pin: modifiers.pin.is_some(),
            local: modifiers.local.is_some(),
            name,
            ty,
            init,
        })
    }

    /// `fn name(params) [-> [name:] type] { body }`; also the members of
    /// `impl` blocks.
    fn parse_function(&mut self, attributes: Vec<Attribute>) -> Option<FunctionDecl> {
        self.bump();
        let name = self.expect_name()?;
        let params = self.parse_params()?;
        let ret = if self.eat(TokenKind::Arrow) {
            let named = self.at(TokenKind::Ident) && self.nth(1) == TokenKind::Colon;
            let name = named.then(|| {
                let span = self.bump();
                self.bump();
                self.ident(span)
            });
            Some(ReturnType {
                name,
                ty: self.parse_type(),
            })
        } else {
            None
        };
        let body = self.parse_block();
        Some(FunctionDecl {
            attributes,
            name,
            params,
            ret,
            body,
        })
    }

    /// `(name: type, ...)`
    fn parse_params(&mut self) -> Option<Vec<Param>> {
        if !self.at(TokenKind::LParen) {
            self.report_missing("`(`");
            return None;
        }
        let open = self.bump();
        Some(self.parse_comma_list(open, TokenKind::RParen, |parser| {
            let name = parser.expect_name()?;
            if !parser.expect(TokenKind::Colon) {
                return None;
            }
            let ty = parser.parse_type();
            Some(Param { name, ty })
        }))
    }

    /// `extern name(params) [-> type]`
    fn parse_extern(&mut self) -> ItemKind {
        self.bump();
        let Some(name) = self.expect_name() else {
            return ItemKind::Error;
        };
        let Some(params) = self.parse_params() else {
            return ItemKind::Error;
        };
        let ret = self.eat(TokenKind::Arrow).then(|| self.parse_type());
        ItemKind::Extern(ExternDecl { name, params, ret })
    }

    /// `[@attrs] impl Name { fn ... / name: value, ... }`
    fn parse_impl(&mut self, attributes: Vec<Attribute>) -> ItemKind {
        self.bump();
        let Some(name) = self.expect_name() else {
            return ItemKind::Error;
        };
        if !self.at(TokenKind::LBrace) {
            self.report_missing("`{`");
            return ItemKind::Error;
        }
        let open = self.bump();
        let members = self.with_mode(Mode::BLOCK, |parser| parser.parse_impl_members(open));
        ItemKind::Impl(ImplDecl {
            attributes,
            name,
            members,
        })
    }

    fn parse_impl_members(&mut self, open: Span) -> Vec<ImplMember> {
        let mut members = Vec::new();
        loop {
            while self.eat(TokenKind::Semi) || self.eat(TokenKind::Comma) {}
            let before = self.pos;
            let errors_before = self.errors_reported;
            match self.kind() {
                TokenKind::RBrace => {
                    self.bump();
                    break;
                }
                TokenKind::Eof => {
                    self.expect_closing(TokenKind::RBrace, open);
                    break;
                }
                TokenKind::Fn | TokenKind::At => {
                    let mut attributes = Vec::new();
                    while self.at(TokenKind::At) {
                        attributes.extend(self.parse_attribute());
                    }
                    if self.at(TokenKind::Fn) {
                        if let Some(function) = self.parse_function(attributes) {
                            members.push(ImplMember::Function(function));
                        }
                    } else {
                        self.report_missing("`fn`");
                    }
                }
                _ if self.at_line_start_keyword() => {
                    self.expect_closing(TokenKind::RBrace, open);
                    break;
                }
                _ if self.at_field_name() && self.nth(1) == TokenKind::Colon => {
                    if let Some(field) = self.parse_impl_field() {
                        members.push(field);
                    }
                }
                _ => {
                    let found = self.found();
                    self.report_at_token(errors::expected(
                        self.span(),
                        "`fn` or `name: value`",
                        &found,
                    ));
                }
            }
            if self.errors_reported > errors_before {
                self.skip_to_statement_end();
            }
            if self.pos == before && !self.at(TokenKind::RBrace) {
                self.bump();
            }
        }
        members
    }

    /// `name: value,` inside an `impl` block.
    fn parse_impl_field(&mut self) -> Option<ImplMember> {
        let name = self.expect_field_name()?;
        self.bump();
        let value = self.with_mode(Mode::GROUP, |parser| parser.parse_expr());
        if !self.eat(TokenKind::Comma) && !self.at(TokenKind::RBrace) {
            let found = self.found();
            let span = self.missing_span();
            self.report(errors::missing_comma(span, &found));
        }
        Some(ImplMember::Field { name, value })
    }

    /// `[@attrs] struct Name { [@attrs] field: type [= default], ... }`
    fn parse_struct(&mut self, attributes: Vec<Attribute>) -> ItemKind {
        self.bump();
        let Some(name) = self.expect_name() else {
            return ItemKind::Error;
        };
        if !self.at(TokenKind::LBrace) {
            self.report_missing("`{`");
            return ItemKind::Error;
        }
        let open = self.bump();
        let outer = std::mem::replace(&mut self.in_struct_fields, true);
        let fields = self.parse_comma_list(open, TokenKind::RBrace, |parser| {
            let mut attributes = Vec::new();
            while parser.at(TokenKind::At) {
                attributes.extend(parser.parse_attribute());
            }
            let name = parser.expect_field_name()?;
            if !parser.expect(TokenKind::Colon) {
                return None;
            }
            let ty = parser.parse_type();
            let default = parser.eat(TokenKind::Eq).then(|| parser.parse_expr());
            Some(StructField {
                attributes,
                name,
                ty,
                default,
            })
        });
        self.in_struct_fields = outer;
        ItemKind::Struct(StructDecl {
            attributes,
            name,
            fields,
        })
    }

    /// `enum Name { A [= value], ... }`
    fn parse_enum(&mut self) -> ItemKind {
        self.bump();
        let Some(name) = self.expect_name() else {
            return ItemKind::Error;
        };
        if !self.at(TokenKind::LBrace) {
            self.report_missing("`{`");
            return ItemKind::Error;
        }
        let open = self.bump();
        let variants = self.parse_comma_list(open, TokenKind::RBrace, |parser| {
            let name = parser.expect_name()?;
            let value = parser.eat(TokenKind::Eq).then(|| parser.parse_expr());
            Some(EnumVariant { name, value })
        });
        ItemKind::Enum(EnumDecl { name, variants })
    }

    /// `config name { field: type [= default], ... }`
    fn parse_config(&mut self) -> ItemKind {
        self.bump();
        let Some(name) = self.expect_name() else {
            return ItemKind::Error;
        };
        if !self.at(TokenKind::LBrace) {
            self.report_missing("`{`");
            return ItemKind::Error;
        }
        let open = self.bump();
        let fields = self.parse_comma_list(open, TokenKind::RBrace, |parser| {
            let name = parser.expect_field_name()?;
            if !parser.expect(TokenKind::Colon) {
                return None;
            }
            let ty = parser.parse_type();
            let default = parser.eat(TokenKind::Eq).then(|| parser.parse_expr());
            Some(ConfigField { name, ty, default })
        });
        ItemKind::Config(ConfigDecl { name, fields })
    }

    /// `type Name = type`
    fn parse_type_alias(&mut self) -> ItemKind {
        self.bump();
        let Some(name) = self.expect_name() else {
            return ItemKind::Error;
        };
        if !self.expect(TokenKind::Eq) {
            return ItemKind::Error;
        }
        let ty = self.parse_type();
        ItemKind::TypeAlias { name, ty }
    }

    /// `const NAME [: type] = value`, at the top level or in a block.
    pub(super) fn parse_const(&mut self) -> Option<ConstDecl> {
        self.bump();
        let name = self.expect_name()?;
        let ty = self.eat(TokenKind::Colon).then(|| self.parse_type());
        if !self.expect(TokenKind::Eq) {
            return None;
        }
        let value = self.parse_expr();
        Some(ConstDecl { name, ty, value })
    }

    /// `include "file.kh"`
    fn parse_include(&mut self) -> ItemKind {
        self.bump();
        self.expect_string()
            .map_or(ItemKind::Error, |path| ItemKind::Include { path })
    }

    /// `import name from "path"`
    fn parse_import(&mut self) -> ItemKind {
        self.bump();
        let Some(name) = self.expect_name() else {
            return ItemKind::Error;
        };
        if !self.expect(TokenKind::From) {
            return ItemKind::Error;
        }
        self.expect_string()
            .map_or(ItemKind::Error, |path| ItemKind::Import { name, path })
    }

    fn expect_string(&mut self) -> Option<StrLit> {
        if !self.at(TokenKind::Str) {
            self.report_missing("a string literal");
            return None;
        }
        let value = match &self.peek().literal {
            Literal::Str(value) => value.clone(),
            _ => String::new(),
        };
        let span = self.bump();
        Some(StrLit { value, span })
    }
}

fn set_modifier(parser: &mut Parser<'_>, slot: &mut Option<Span>, span: Span, modifier: &str) {
    if slot.is_some() {
        parser.report(errors::duplicate_modifier(span, modifier));
    } else {
        *slot = Some(span);
    }
}
