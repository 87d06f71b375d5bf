//! The parser's state and the helpers every grammar file shares.
//!
//! `Parser` walks the token vector with one token of lookahead (a little
//! more for struct literals and named fields), reports through `report`
//! (which drops a second error at the same position to avoid cascades),
//! and recovers by skipping to a statement, list or item boundary. It also
//! guards nesting: `enter`/`leave` bound recursion and `check_height`
//! bounds the height of trees built by loops (`a + b + c ...`), so no input
//! overflows the stack here or in later passes. The grammar itself lives in
//! `items.rs`, `stmts.rs`, `exprs.rs` and `types.rs`; this file must not
//! know any production beyond "what starts an item".

mod exprs;
mod height;
mod items;
mod stmts;
mod types;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::span::{FileId, Span};
use crate::syntax::ast;
use crate::syntax::errors;
use crate::syntax::token::{Token, TokenKind};

/// The deepest nesting of blocks, statements, expressions and types the
/// parser builds; deeper input gets one "nesting too deep" error.
pub const MAX_DEPTH: u32 = 256;

/// Parses a whole file from its tokens (which end with `Eof`).
pub fn parse_tokens(
    file: FileId,
    text: &str,
    tokens: Vec<Token>,
) -> (ast::SourceFile, Diagnostics) {
    let mut parser = Parser {
        text,
        file,
        tokens,
        pos: 0,
        diagnostics: Diagnostics::new(),
        errors_reported: 0,
        last_error_start: None,
        depth: 0,
        too_deep_reported: false,
        mode: Mode::BLOCK,
        prev_end: 0,
        in_struct_fields: false,
    };
    let source_file = parser.parse_source_file();
    (source_file, parser.diagnostics)
}

/// How the tokens being parsed are read; saved and restored around groups.
#[derive(Clone, Copy, Debug)]
struct Mode {
    /// A newline ends an expression before a binary operator, `(`, `[` or
    /// `{` (true in blocks, false inside `(...)`, `[...]` and lists).
    newlines_significant: bool,
    /// `Name {` starts a struct literal (false where a block follows the
    /// expression, as in `for (k, v) in m {` or `catch CODE {`).
    struct_literals: bool,
}

impl Mode {
    const BLOCK: Mode = Mode {
        newlines_significant: true,
        struct_literals: true,
    };
    const GROUP: Mode = Mode {
        newlines_significant: false,
        struct_literals: true,
    };
}

struct Parser<'a> {
    text: &'a str,
    file: FileId,
    /// Never empty: the last token is `Eof`.
    tokens: Vec<Token>,
    pos: usize,
    diagnostics: Diagnostics,
    /// Errors reported so far, counting the ones dropped as duplicates;
    /// grammar code compares it before and after to decide on recovery.
    errors_reported: usize,
    last_error_start: Option<u32>,
    depth: u32,
    /// "nesting too deep" was reported for the current item.
    too_deep_reported: bool,
    mode: Mode,
    /// End offset of the last consumed token.
    prev_end: u32,
    /// Inside a struct's field list, where `@` at a line start begins a
    /// field's attributes rather than the next item.
    in_struct_fields: bool,
}

impl<'a> Parser<'a> {
    // ---- Looking at tokens --------------------------------------------

    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn kind(&self) -> TokenKind {
        self.peek().kind
    }

    fn nth(&self, offset: usize) -> TokenKind {
        self.tokens
            .get(self.pos + offset)
            .map_or(TokenKind::Eof, |token| token.kind)
    }

    fn at(&self, kind: TokenKind) -> bool {
        self.kind() == kind
    }

    /// The span of the current token.
    fn span(&self) -> Span {
        self.peek().span
    }

    fn text_of(&self, span: Span) -> &'a str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// A span from the start of `start` to the end of the last consumed token.
    fn span_from(&self, start: Span) -> Span {
        Span::new(
            self.file,
            start.start as usize,
            self.prev_end.max(start.start) as usize,
        )
    }

    /// The current token may continue the expression before it: it is on
    /// the same line, or newlines do not matter here.
    fn continues_line(&self) -> bool {
        !self.mode.newlines_significant || !self.peek().newline_before
    }

    fn previous_kind(&self) -> Option<TokenKind> {
        self.pos.checked_sub(1).map(|index| self.tokens[index].kind)
    }

    /// The current token starts a top-level item.
    fn at_item_start(&self) -> bool {
        use TokenKind::*;
        match self.kind() {
            Fn | Extern | Include | Import | Pin | Struct | Enum | Impl | Var | Const | Config
            | Local | At => true,
            // `type: u16` is a field named `type`, not an alias.
            Type => self.nth(1) != Colon,
            _ => false,
        }
    }

    /// The current token is the first thing on its line, unindented.
    fn at_column_one(&self) -> bool {
        let start = self.span().start as usize;
        start == 0 || self.text.as_bytes().get(start - 1) == Some(&b'\n')
    }

    /// The current token begins a line with a word that only starts an
    /// item or a statement, so an unclosed group before it has ended.
    fn at_line_start_keyword(&self) -> bool {
        use TokenKind::*;
        if !self.peek().newline_before || self.nth(1) == Colon {
            return false;
        }
        if self.in_struct_fields && self.at(At) {
            return false;
        }
        self.at_item_start()
            || matches!(
                self.kind(),
                If | For | While | Return | Break | Continue | Delete | Try | Throw | Defer
            )
    }

    // ---- Consuming tokens ---------------------------------------------

    /// Consumes the current token (never moves past `Eof`).
    fn bump(&mut self) -> Span {
        let span = self.span();
        if !self.at(TokenKind::Eof) {
            self.pos += 1;
            self.prev_end = span.end;
        }
        span
    }

    fn eat(&mut self, kind: TokenKind) -> bool {
        if self.at(kind) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Consumes `kind` or reports it missing (without consuming anything).
    fn expect(&mut self, kind: TokenKind) -> bool {
        if self.eat(kind) {
            return true;
        }
        self.report_missing(&format!("`{}`", kind.spelling()));
        false
    }

    /// Consumes the closing delimiter `close` of a group opened at `open`,
    /// or reports it missing with a label on the opening delimiter.
    fn expect_closing(&mut self, close: TokenKind, open: Span) -> bool {
        if self.eat(close) {
            return true;
        }
        if self.at(TokenKind::Unknown) || self.after_unterminated_literal() {
            self.errors_reported += 1;
            return false;
        }
        let found = self.found();
        let span = self.missing_span();
        self.report(errors::unclosed_delimiter(
            span,
            close.spelling(),
            &found,
            open,
        ));
        false
    }

    /// An identifier, or an error naming what was found. A keyword used as
    /// a name is reported and then taken as the name, so parsing goes on
    /// as the writer meant (unless it starts the next line's statement).
    fn expect_name(&mut self) -> Option<ast::Ident> {
        if self.at(TokenKind::Ident) {
            let span = self.bump();
            return Some(self.ident(span));
        }
        if self.at(TokenKind::Unknown) {
            self.errors_reported += 1;
            return None;
        }
        let found = self.found();
        if self.at_line_start_keyword() {
            // The name is missing; the keyword starts the next statement.
            self.report(errors::expected_name(self.missing_span(), &found, false));
            return None;
        }
        let keyword = self.kind().is_keyword();
        self.report(errors::expected_name(self.span(), &found, keyword));
        if keyword {
            let span = self.bump();
            return Some(self.ident(span));
        }
        None
    }

    /// A field name: an identifier or any keyword (`ctx->type`, `type: u16`).
    fn expect_field_name(&mut self) -> Option<ast::Ident> {
        if self.kind().is_keyword() && !self.at_line_start_keyword() {
            let span = self.bump();
            return Some(self.ident(span));
        }
        self.expect_name()
    }

    fn at_field_name(&self) -> bool {
        self.at(TokenKind::Ident) || self.kind().is_keyword()
    }

    fn ident(&self, span: Span) -> ast::Ident {
        ast::Ident {
            name: self.text_of(span).to_string(),
            span,
        }
    }

    /// Runs `parse` with `mode`, restoring the current mode afterwards.
    fn with_mode<T>(&mut self, mode: Mode, parse: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.mode;
        self.mode = mode;
        let result = parse(self);
        self.mode = saved;
        result
    }

    // ---- Reporting ----------------------------------------------------

    /// Describes the current token for "found X".
    fn found(&self) -> String {
        self.peek().describe(self.text)
    }

    /// Where a missing token should have been: the current token, or just
    /// after the previous one when the current token starts a new line.
    fn missing_span(&self) -> Span {
        let token = self.peek();
        if (token.newline_before || token.kind == TokenKind::Eof) && self.pos > 0 {
            Span::new(self.file, self.prev_end as usize, self.prev_end as usize)
        } else {
            token.span
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.errors_reported += 1;
        let start = diagnostic.primary_span().map(|span| span.start);
        if start.is_some() && start == self.last_error_start {
            return;
        }
        self.last_error_start = start;
        self.diagnostics.push(diagnostic);
    }

    /// Reports that `what` was expected where the current token is; stays
    /// quiet on an unknown character, which the lexer already reported.
    fn report_missing(&mut self, what: &str) {
        if self.at(TokenKind::Unknown) || self.after_unterminated_literal() {
            self.errors_reported += 1;
            return;
        }
        let found = self.found();
        let span = self.missing_span();
        self.report(errors::expected(span, what, &found));
    }

    /// The previous token is a string or character literal that lost the
    /// rest of its line.
    fn after_unterminated_literal(&self) -> bool {
        self.pos
            .checked_sub(1)
            .is_some_and(|index| self.tokens[index].unterminated)
    }

    /// Reports `diagnostic` unless the current token is an unknown
    /// character (already reported by the lexer).
    fn report_at_token(&mut self, diagnostic: Diagnostic) {
        if self.at(TokenKind::Unknown) {
            self.errors_reported += 1;
        } else {
            self.report(diagnostic);
        }
    }

    // ---- Nesting bounds -----------------------------------------------

    /// Enters one level of nesting. At the limit, reports it, skips the
    /// construct at hand and returns false; the caller then returns an
    /// `Error` node without calling `leave`.
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            self.too_deep();
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Runs `parse` one nesting level deeper, or returns `at_limit(self)`
    /// when the limit is reached (reported and skipped by `enter`). Used
    /// on top of the basic guards where one level of nesting takes several
    /// stack frames (`match`, calls, struct literals, statements), so the
    /// stack used per level stays roughly the same for every construct.
    fn nested<T>(
        &mut self,
        at_limit: impl FnOnce(&Self) -> T,
        parse: impl FnOnce(&mut Self) -> T,
    ) -> T {
        if !self.enter() {
            return at_limit(self);
        }
        let result = parse(self);
        self.leave();
        result
    }

    /// Checks that a tree of `height` built at the current depth stays
    /// within the limit; if not, reports and skips like `enter`.
    fn check_height(&mut self, height: u32) -> bool {
        if self.depth + height > MAX_DEPTH {
            self.too_deep();
            return false;
        }
        true
    }

    /// Reports the nesting limit (once per item) and skips the construct
    /// at hand. The enclosing constructs then usually miss a closing token
    /// right where the skip stopped; that error is a consequence of this
    /// one and is dropped like a duplicate.
    fn too_deep(&mut self) {
        if self.too_deep_reported {
            self.errors_reported += 1;
        } else {
            self.too_deep_reported = true;
            self.report(errors::nesting_too_deep(self.span(), MAX_DEPTH));
        }
        if self.kind().is_opening_delimiter() {
            self.skip_group();
        } else {
            self.skip_to_boundary();
        }
        self.last_error_start = Some(self.missing_span().start);
    }

    // ---- Recovery -----------------------------------------------------

    /// Skips a balanced `(...)`, `[...]` or `{...}` group starting at the
    /// current opening delimiter (to the end of the file if unclosed).
    fn skip_group(&mut self) {
        let mut balance = 0usize;
        loop {
            let kind = self.kind();
            if kind == TokenKind::Eof {
                return;
            }
            self.bump();
            if kind.is_opening_delimiter() {
                balance += 1;
            } else if kind.is_closing_delimiter() {
                balance = balance.saturating_sub(1);
                if balance == 0 {
                    return;
                }
            }
        }
    }

    /// Skips to the end of the current expression: a `,`, `;` or closing
    /// delimiter of an enclosing group, or a new line where newlines count.
    fn skip_to_boundary(&mut self) {
        let mut balance = 0usize;
        let mut skipped = false;
        loop {
            let token = self.peek();
            let kind = token.kind;
            if kind == TokenKind::Eof {
                return;
            }
            if balance == 0 {
                let new_line = skipped && token.newline_before && self.mode.newlines_significant;
                if new_line
                    || kind.is_closing_delimiter()
                    || matches!(kind, TokenKind::Comma | TokenKind::Semi)
                {
                    return;
                }
            }
            if kind.is_opening_delimiter() {
                balance += 1;
            } else if kind.is_closing_delimiter() {
                balance -= 1;
            }
            self.bump();
            skipped = true;
        }
    }

    /// Skips the rest of a broken statement: to a `;`, a closing delimiter
    /// of an enclosing group, the next line (outside groups opened while
    /// skipping), or a line starting with an item keyword.
    fn skip_to_statement_end(&mut self) {
        let mut balance = 0usize;
        loop {
            let token = self.peek();
            let kind = token.kind;
            if kind == TokenKind::Eof {
                return;
            }
            if token.newline_before && (balance == 0 || self.at_item_start()) {
                return;
            }
            if kind.is_closing_delimiter() {
                if balance == 0 {
                    return;
                }
                balance -= 1;
            } else if kind.is_opening_delimiter() {
                balance += 1;
            } else if kind == TokenKind::Semi && balance == 0 {
                return;
            }
            self.bump();
        }
    }

    /// Skips a broken list element: to the next `,` or `close` at this
    /// level, an unmatched closing delimiter, or a line starting with an
    /// item or statement keyword (the list was never closed). In a `(...)`
    /// or `[...]` list it also stops at a `{`, which most likely opens the
    /// body after an unclosed parameter list or condition.
    fn skip_in_list(&mut self, close: TokenKind) {
        let mut balance = 0usize;
        loop {
            let kind = self.kind();
            if kind == TokenKind::Eof || self.at_line_start_keyword() {
                return;
            }
            let at_body = kind == TokenKind::LBrace && close != TokenKind::RBrace;
            if balance == 0 && (kind == TokenKind::Comma || kind == close || at_body) {
                return;
            }
            if kind.is_closing_delimiter() {
                if balance == 0 {
                    return;
                }
                balance -= 1;
            } else if kind.is_opening_delimiter() {
                balance += 1;
            }
            self.bump();
        }
    }

    /// Skips to the next token that starts an item, stepping over whole
    /// `{...}` groups so a broken function body is skipped in one piece.
    fn skip_to_item_start(&mut self) {
        let mut balance = 0usize;
        loop {
            let kind = self.kind();
            if kind == TokenKind::Eof || (balance == 0 && self.at_item_start()) {
                return;
            }
            if kind.is_opening_delimiter() {
                balance += 1;
            } else if kind.is_closing_delimiter() {
                balance = balance.saturating_sub(1);
            }
            self.bump();
        }
    }

    /// Parses `element, element, ...` up to `close` (trailing comma
    /// allowed) after the opening delimiter at `open` was consumed; newlines
    /// do not end anything inside. Consumes `close`, or reports it missing
    /// (unless an error inside the list already explains it).
    fn parse_comma_list<T>(
        &mut self,
        open: Span,
        close: TokenKind,
        mut element: impl FnMut(&mut Self) -> Option<T>,
    ) -> Vec<T> {
        let saved = self.mode;
        self.mode = Mode::GROUP;
        let mut elements = Vec::new();
        let errors_before_list = self.errors_reported;
        loop {
            if self.at(close) || self.at(TokenKind::Eof) || self.at_line_start_keyword() {
                break;
            }
            let before = self.pos;
            let errors_before = self.errors_reported;
            if let Some(parsed) = element(self) {
                elements.push(parsed);
            }
            if self.eat(TokenKind::Comma) {
                continue;
            }
            if self.at(close) || !self.after_element(close, before, errors_before) {
                break;
            }
        }
        self.mode = saved;
        if self.at(close) || self.errors_reported == errors_before_list {
            self.expect_closing(close, open);
        }
        elements
    }

    /// After a list element not followed by `,` or `close`: reports what
    /// is wrong and recovers. Returns whether the list goes on.
    fn after_element(&mut self, close: TokenKind, before: usize, errors_before: usize) -> bool {
        let progressed = self.pos > before;
        if errors_before == self.errors_reported {
            let at_body = self.at(TokenKind::LBrace) && close != TokenKind::RBrace;
            if self.at(TokenKind::Eof) || self.at_line_start_keyword() || at_body {
                // Unclosed list: the caller reports the missing `close`.
                return false;
            }
            if self.peek().newline_before && progressed {
                let found = self.found();
                let span = self.missing_span();
                self.report(errors::missing_comma(span, &found));
                return true;
            }
            self.report_missing(&format!("`,` or `{}`", close.spelling()));
        }
        self.skip_in_list(close);
        progressed && self.eat(TokenKind::Comma)
    }
}
