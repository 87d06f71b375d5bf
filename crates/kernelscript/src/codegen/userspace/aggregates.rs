//! Values built from parts: struct and array literals (brace
//! initializers, with copies for string and array fields that are not
//! literals), array values as pointers, and `match` as a GCC statement
//! expression (gcc and clang both accept them): the scrutinee evaluated
//! once, arms tried in order, `default` last.

use crate::codegen::c::CWriter;
use crate::ir::{Expr, ExprKind, MatchArm, Type};

use super::expressions::PREC_POSTFIX;
use super::functions::FunctionEmitter;
use super::literals::truncated_literal;
use super::types;

impl FunctionEmitter<'_, '_> {
    /// An array value as a pointer to its elements (a compound literal for
    /// array literals).
    pub fn array_source(&mut self, expr: &Expr) -> String {
        if let ExprKind::ArrayLit(_) = expr.kind {
            let ty = types::type_name(self.gen.program, &expr.ty);
            let (initializer, post) = self.initializer(expr, "ks_value");
            if post.is_empty() {
                return format!("({ty}){initializer}");
            }
            let data = types::declaration(self.gen.program, &expr.ty, "ks_value");
            let mut body = format!("struct {{ {data}; }} ks_wrapper;\n");
            body.push_str(&format!(
                "memcpy(ks_wrapper.ks_value, ({ty}){initializer}, sizeof(ks_wrapper.ks_value));\n"
            ));
            for line in post {
                body.push_str(&format!(
                    "{}\n",
                    line.replace("ks_value", "ks_wrapper.ks_value")
                ));
            }
            body.push_str("ks_wrapper;\n");
            return format!("{}.ks_value", statement_expression(&body));
        }
        self.expr(expr).at(PREC_POSTFIX)
    }

    /// A brace initializer for a struct or array literal, and the copies
    /// that must follow the declaration of `base` (string or array fields
    /// whose values are not literals).
    pub fn initializer(&mut self, expr: &Expr, base: &str) -> (String, Vec<String>) {
        let mut post = Vec::new();
        let text = self.initializer_into(expr, base, &mut post);
        (text, post)
    }

    fn initializer_into(&mut self, expr: &Expr, base: &str, post: &mut Vec<String>) -> String {
        match &expr.kind {
            ExprKind::StructLit { struct_id, fields } => {
                if fields.is_empty() {
                    return "{0}".into();
                }
                let def = self.gen.program.struct_def(*struct_id);
                let mut parts = Vec::new();
                for (index, value) in fields {
                    let field = &def.fields[*index];
                    let place = format!("{base}.{}", field.name);
                    if let Some(text) = self.element_initializer(&field.ty, value, &place, post) {
                        parts.push(format!(".{} = {text}", field.name));
                    }
                }
                if parts.is_empty() {
                    "{0}".into()
                } else {
                    format!("{{ {} }}", parts.join(", "))
                }
            }
            ExprKind::ArrayLit(elements) => {
                let element_ty = match &expr.ty {
                    Type::Array(element, _) => (**element).clone(),
                    _ => Type::Error,
                };
                if elements.is_empty() {
                    return "{0}".into();
                }
                let mut parts = Vec::new();
                for (index, element) in elements.iter().enumerate() {
                    let place = format!("{base}[{index}]");
                    let text = self
                        .element_initializer(&element_ty, element, &place, post)
                        .unwrap_or_else(|| "{0}".into());
                    parts.push(text);
                }
                format!("{{ {} }}", parts.join(", "))
            }
            _ => self.value(expr),
        }
    }

    /// The initializer of one field or element of type `ty`, or `None`
    /// when it is filled by a copy after the declaration.
    pub(super) fn element_initializer(
        &mut self,
        ty: &Type,
        value: &Expr,
        place: &str,
        post: &mut Vec<String>,
    ) -> Option<String> {
        match (ty, &value.kind) {
            (_, ExprKind::StructLit { .. }) | (_, ExprKind::ArrayLit(_)) => {
                Some(self.initializer_into(value, place, post))
            }
            (Type::Str(len), ExprKind::Str(text)) => Some(truncated_literal(text, *len)),
            (Type::Str(len), _) => {
                self.gen.needs.str_copy = true;
                let source = self.str_operand(value);
                post.push(format!(
                    "ks_str_copy({place}, {len}, {}, {});",
                    source.text, source.cap
                ));
                None
            }
            (Type::Array(..), _) => {
                let source = self.array_source(value);
                post.push(format!("memcpy({place}, {source}, sizeof({place}));"));
                None
            }
            _ => Some(self.value(value)),
        }
    }

    /// A `match` as a GCC statement expression: the scrutinee is evaluated
    /// once, arms are tried in order, `default` last; an unmatched value
    /// without `default` yields zero.
    pub(super) fn match_expression(
        &mut self,
        scrutinee: &Expr,
        arms: &[MatchArm],
        ty: &Type,
    ) -> String {
        let mut body = CWriter::new();
        std::mem::swap(&mut body, &mut self.out);
        self.embedded += 1;

        let subject = self.fresh("ks_match_value");
        let is_string = matches!(scrutinee.ty, Type::Str(_));
        let subject_cap;
        if is_string {
            let operand = self.str_operand(scrutinee);
            subject_cap = operand.cap;
            self.out
                .line(format!("const char *{subject} = {};", operand.text));
        } else {
            subject_cap = 0;
            let value = self.value(scrutinee);
            let declaration = types::declaration(self.gen.program, &scrutinee.ty, &subject);
            self.out.line(format!("{declaration} = {value};"));
        }
        let result = (*ty != Type::Void).then(|| self.fresh("ks_match_result"));
        let result_type = if types::is_array_like(ty) {
            self.gen.return_type(ty)
        } else {
            types::type_name(self.gen.program, ty)
        };
        if let Some(result) = &result {
            let zero = if types::is_array_like(ty) {
                "{0}"
            } else {
                types::zero_initializer(ty)
            };
            self.out.line(format!("{result_type} {result} = {zero};"));
        }
        let mut first = true;
        let ordered: Vec<&MatchArm> = arms
            .iter()
            .filter(|arm| arm.pattern.is_some())
            .chain(arms.iter().filter(|arm| arm.pattern.is_none()))
            .collect();
        for arm in ordered {
            let test = arm.pattern.as_ref().map(|pattern| {
                if is_string {
                    self.gen.needs.str_eq = true;
                    let pattern = self.str_operand(pattern);
                    format!(
                        "ks_str_eq({subject}, {subject_cap}, {}, {})",
                        pattern.text, pattern.cap
                    )
                } else {
                    let pattern = self.value(pattern);
                    format!("{subject} == {pattern}")
                }
            });
            match (first, test) {
                (true, Some(test)) => self.out.open_block(format!("if ({test})")),
                (true, None) => self.out.open_block(""),
                (false, Some(test)) => self.out.reopen_block(format!("else if ({test})")),
                (false, None) => self.out.reopen_block("else"),
            }
            first = false;
            for stmt in &arm.stmts {
                self.statement(stmt);
            }
            if let (Some(result), Some(value)) = (&result, &arm.value) {
                match ty {
                    Type::Str(len) => {
                        self.gen.needs.str_copy = true;
                        let source = self.str_operand(value);
                        self.out.line(format!(
                            "ks_str_copy({result}.data, {len}, {}, {});",
                            source.text, source.cap
                        ));
                    }
                    _ => {
                        let value = self.value(value);
                        self.out.line(format!("{result} = {value};"));
                    }
                }
            } else if let Some(value) = &arm.value {
                let value = self.value(value);
                self.out.line(format!("(void)({value});"));
            }
        }
        if !first {
            self.out.close_block();
        }
        if let Some(result) = &result {
            self.out.line(format!("{result};"));
        }

        std::mem::swap(&mut body, &mut self.out);
        self.embedded -= 1;
        statement_expression(&body.finish())
    }
}

/// `({ ... })` around statements (one level deeper).
pub(super) fn statement_expression(body: &str) -> String {
    let mut text = String::from("({\n");
    for line in body.lines() {
        if !line.is_empty() {
            text.push('\t');
            text.push_str(line);
        }
        text.push('\n');
    }
    text.push_str("})");
    text
}
