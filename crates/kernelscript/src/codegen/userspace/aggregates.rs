//! Array values in userspace: C cannot assign, pass or return arrays, so
//! an array value is spelled as a pointer to its elements (a compound
//! literal for an array literal), copied with `memcpy`.

use crate::codegen::c::lower::statement_expression;
use crate::codegen::c::Precedence;
use crate::ir::{Expr, ExprKind};

use super::policy::Cx;

/// An array value as a pointer to its elements.
pub fn array_source<'a>(cx: &mut Cx<'_, 'a>, expr: &'a Expr) -> String {
    if !matches!(expr.kind, ExprKind::ArrayLit(_)) {
        return cx.expr(expr).at(Precedence::POSTFIX);
    }
    let ty = cx.types.name(&expr.ty);
    let placeholder = "\u{1}array\u{1}";
    let mut post = Vec::new();
    let initializer = cx.initializer(expr, placeholder, &mut post);
    if post.is_empty() {
        return format!("({ty}){initializer}");
    }
    // Elements copied after the initialiser: into an array inside a
    // struct, which a statement expression can yield (an array would
    // decay to a pointer to a dead object).
    let wrapper = cx.temp("wrapper");
    let data = cx.types.declaration(&expr.ty, "data");
    let place = format!("{wrapper}.data");
    let mut body = format!("struct {{ {data}; }} {wrapper} = {{ {initializer} }};\n");
    for line in post {
        body.push_str(&format!("{}\n", line.replace(placeholder, &place)));
    }
    body.push_str(&format!("{wrapper};\n"));
    format!("{}.data", statement_expression(&body))
}
