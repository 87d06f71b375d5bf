//! A compact, stable S-expression dump of a syntax tree, for tests.
//!
//! Items, statements, fields and match arms go on their own lines;
//! expressions and types are written inline as `(op operand ...)`, e.g.
//! `(+ a (* b c))`, `(call f x)`, `(-> ctx data)`, `(ptr xdp_md)`,
//! `(generic hash u32 u64 (size 1024))`; `<error>` is an `Error` node.
//! Spans are not printed. The output format is what golden tests compare,
//! so change it only together with their expectations. No parsing here.

use crate::syntax::ast::*;

/// Dumps every item of `file`, one after the other.
pub fn dump(file: &SourceFile) -> String {
    let mut out = String::new();
    for item in &file.items {
        render(&item_doc(item), 0, &mut out);
        out.push('\n');
    }
    out
}

/// A piece of output: text on one line, or a head with children on the
/// following lines (closed after the last child).
enum Doc {
    Inline(String),
    Nested { head: String, children: Vec<Doc> },
}

fn render(doc: &Doc, indent: usize, out: &mut String) {
    out.push_str(&" ".repeat(indent));
    match doc {
        Doc::Inline(text) => out.push_str(text),
        Doc::Nested { head, children } => {
            out.push('(');
            out.push_str(head);
            for child in children {
                out.push('\n');
                render(child, indent + 2, out);
            }
            out.push(')');
        }
    }
}

fn atom(text: impl Into<String>) -> Doc {
    Doc::Inline(text.into())
}

/// `(head child ...)`, on one line unless a child needs several; then the
/// children before the first multi-line one stay on the head's line.
fn list(head: &str, children: Vec<Doc>) -> Doc {
    let mut head_parts: Vec<String> = Vec::new();
    if !head.is_empty() {
        head_parts.push(head.to_string());
    }
    let mut rest = children.into_iter().peekable();
    while let Some(Doc::Inline(text)) = rest.peek() {
        head_parts.push(text.clone());
        rest.next();
    }
    let rest: Vec<Doc> = rest.collect();
    if rest.is_empty() {
        return Doc::Inline(format!("({})", head_parts.join(" ")));
    }
    nested(&head_parts.join(" "), rest)
}

/// `(head` with each child on its own line.
fn nested(head: &str, children: Vec<Doc>) -> Doc {
    if children.is_empty() {
        return atom(format!("({head})"));
    }
    Doc::Nested {
        head: head.to_string(),
        children,
    }
}

/// `(head inline-part` with `children` below; the inline part goes into the
/// head when it fits on one line, otherwise it becomes the first child.
fn headed(head: &str, inline_part: Doc, mut children: Vec<Doc>) -> Doc {
    match inline_part {
        Doc::Inline(text) => nested(&format!("{head} {text}"), children),
        nested_part => {
            children.insert(0, nested_part);
            nested(head, children)
        }
    }
}

fn inline_text(doc: Doc) -> String {
    match doc {
        Doc::Inline(text) => text,
        nested_doc => {
            let mut out = String::new();
            render(&nested_doc, 0, &mut out);
            out
        }
    }
}

fn item_doc(item: &Item) -> Doc {
    match &item.kind {
        ItemKind::Include { path } => list("include", vec![string(&path.value)]),
        ItemKind::Import { name, path } => {
            list("import", vec![atom(&name.name), string(&path.value)])
        }
        ItemKind::Config(config) => {
            let fields = config.fields.iter().map(|field| {
                let mut parts = vec![atom(&field.name.name), type_doc(&field.ty)];
                if let Some(default) = &field.default {
                    parts.push(atom("="));
                    parts.push(expr_doc(default));
                }
                list("field", parts)
            });
            nested(&format!("config {}", config.name.name), fields.collect())
        }
        ItemKind::GlobalVar(var) => {
            let mut parts = attribute_docs(&var.attributes);
            if var.pin {
                parts.push(atom("pin"));
            }
            if var.local {
                parts.push(atom("local"));
            }
            parts.push(atom(&var.name.name));
            parts.extend(typed_init(&var.ty, &var.init));
            list("global", parts)
        }
        ItemKind::Const(decl) => const_doc(decl),
        ItemKind::Struct(decl) => {
            let head = with_attributes(format!("struct {}", decl.name.name), &decl.attributes);
            let fields = decl.fields.iter().map(|field| {
                let mut parts = vec![type_doc(&field.ty)];
                parts.extend(field.default.as_ref().map(expr_doc));
                list(
                    &with_attributes(field.name.name.clone(), &field.attributes),
                    parts,
                )
            });
            nested(&head, fields.collect())
        }
        ItemKind::Enum(decl) => {
            let variants = decl.variants.iter().map(|variant| match &variant.value {
                Some(value) => list(&variant.name.name, vec![expr_doc(value)]),
                None => atom(&variant.name.name),
            });
            nested(&format!("enum {}", decl.name.name), variants.collect())
        }
        ItemKind::TypeAlias { name, ty } => list("type", vec![atom(&name.name), type_doc(ty)]),
        ItemKind::Function(function) => function_doc(function),
        ItemKind::Extern(decl) => {
            let mut parts = vec![atom(&decl.name.name), params_doc(&decl.params)];
            if let Some(ret) = &decl.ret {
                parts.push(list("->", vec![type_doc(ret)]));
            }
            list("extern", parts)
        }
        ItemKind::Impl(decl) => {
            let head = with_attributes(format!("impl {}", decl.name.name), &decl.attributes);
            let members = decl.members.iter().map(|member| match member {
                ImplMember::Function(function) => function_doc(function),
                ImplMember::Field { name, value } => {
                    list("field", vec![atom(&name.name), expr_doc(value)])
                }
            });
            nested(&head, members.collect())
        }
        ItemKind::Error => atom("<error>"),
    }
}

fn function_doc(function: &FunctionDecl) -> Doc {
    let mut head = with_attributes(format!("fn {}", function.name.name), &function.attributes);
    head.push(' ');
    head.push_str(&inline_text(params_doc(&function.params)));
    if let Some(ret) = &function.ret {
        let mut parts = Vec::new();
        if let Some(name) = &ret.name {
            parts.push(atom(&name.name));
        }
        parts.push(type_doc(&ret.ty));
        head.push(' ');
        head.push_str(&inline_text(list("->", parts)));
    }
    nested(&head, stmt_docs(&function.body))
}

fn params_doc(params: &[Param]) -> Doc {
    let params = params
        .iter()
        .map(|param| inline_text(list(&param.name.name, vec![type_doc(&param.ty)])));
    atom(format!("({})", params.collect::<Vec<_>>().join(" ")))
}

fn with_attributes(mut head: String, attributes: &[Attribute]) -> String {
    for attribute in attribute_docs(attributes) {
        head.push(' ');
        head.push_str(&inline_text(attribute));
    }
    head
}

fn attribute_docs(attributes: &[Attribute]) -> Vec<Doc> {
    attributes
        .iter()
        .map(|attribute| {
            let name = format!("@{}", attribute.name.name);
            if attribute.args.is_empty() {
                atom(name)
            } else {
                list(&name, attribute.args.iter().map(expr_doc).collect())
            }
        })
        .collect()
}

/// `: type = init`, each part only when present.
fn typed_init(ty: &Option<TypeExpr>, init: &Option<Expr>) -> Vec<Doc> {
    let mut parts = Vec::new();
    if let Some(ty) = ty {
        parts.push(atom(":"));
        parts.push(type_doc(ty));
    }
    if let Some(init) = init {
        parts.push(atom("="));
        parts.push(expr_doc(init));
    }
    parts
}

fn const_doc(decl: &ConstDecl) -> Doc {
    let mut parts = vec![atom(&decl.name.name)];
    parts.extend(typed_init(&decl.ty, &Some(decl.value.clone())));
    list("const", parts)
}

fn stmt_docs(block: &Block) -> Vec<Doc> {
    block.stmts.iter().map(stmt_doc).collect()
}

fn stmt_doc(stmt: &Stmt) -> Doc {
    match &stmt.kind {
        StmtKind::Var { name, ty, init } => {
            let mut parts = vec![atom(&name.name)];
            parts.extend(typed_init(ty, init));
            list("var", parts)
        }
        StmtKind::Const(decl) => const_doc(decl),
        StmtKind::Assign { target, op, value } => {
            let op = op.map_or("=".to_string(), |op| format!("{}=", op.symbol()));
            list(&op, vec![expr_doc(target), expr_doc(value)])
        }
        StmtKind::Expr(expr) => expr_doc(expr),
        StmtKind::If {
            condition,
            then_block,
            else_branch,
        } => {
            let condition = match condition {
                Condition::Expr(expr) => expr_doc(expr),
                Condition::Let { name, value } => {
                    list("let", vec![atom(&name.name), expr_doc(value)])
                }
            };
            let mut children = vec![nested("then", stmt_docs(then_block))];
            if let Some(else_branch) = else_branch {
                let else_children = match &else_branch.kind {
                    StmtKind::Block(block) => stmt_docs(block),
                    _ => vec![stmt_doc(else_branch)],
                };
                children.push(nested("else", else_children));
            }
            headed("if", condition, children)
        }
        StmtKind::ForRange {
            var,
            start,
            end,
            body,
        } => {
            let header = list(
                &var.name,
                vec![list("range", vec![expr_doc(start), expr_doc(end)])],
            );
            headed("for", header, stmt_docs(body))
        }
        StmtKind::ForEach {
            key,
            value,
            iterable,
            body,
        } => {
            let mut names = vec![atom(&key.name)];
            names.extend(value.iter().map(|value| atom(&value.name)));
            let header = list("in", vec![list("", names), expr_doc(iterable)]);
            headed("for-each", header, stmt_docs(body))
        }
        StmtKind::While { condition, body } => {
            headed("while", expr_doc(condition), stmt_docs(body))
        }
        StmtKind::Break => atom("(break)"),
        StmtKind::Continue => atom("(continue)"),
        StmtKind::Return(value) => list("return", value.iter().map(expr_doc).collect()),
        StmtKind::Delete(expr) => list("delete", vec![expr_doc(expr)]),
        StmtKind::Throw(expr) => list("throw", vec![expr_doc(expr)]),
        StmtKind::Defer(expr) => list("defer", vec![expr_doc(expr)]),
        StmtKind::Try { body, catches } => {
            let mut children = vec![nested("body", stmt_docs(body))];
            for clause in catches {
                let pattern = match &clause.pattern {
                    CatchPattern::Value(expr) => expr_doc(expr),
                    CatchPattern::Wildcard(_) => atom("_"),
                };
                children.push(headed("catch", pattern, stmt_docs(&clause.body)));
            }
            nested("try", children)
        }
        StmtKind::Block(block) => nested("block", stmt_docs(block)),
        StmtKind::Error => atom("<error>"),
    }
}

fn expr_doc(expr: &Expr) -> Doc {
    match &expr.kind {
        ExprKind::Int(value, _) => atom(value.to_string()),
        ExprKind::Bool(value) => atom(value.to_string()),
        ExprKind::Char(value) => atom(format!("'{}'", std::ascii::escape_default(*value))),
        ExprKind::Str(value) => string(value),
        ExprKind::Null => atom("null"),
        ExprKind::Ident(name) => atom(name),
        ExprKind::Unary { op, operand } => {
            let name = match op {
                UnaryOp::Neg => "neg",
                UnaryOp::Not => "not",
                UnaryOp::BitNot => "bitnot",
                UnaryOp::Deref => "deref",
                UnaryOp::AddrOf => "addr",
            };
            list(name, vec![expr_doc(operand)])
        }
        ExprKind::Binary { op, lhs, rhs } => list(op.symbol(), vec![expr_doc(lhs), expr_doc(rhs)]),
        ExprKind::Cast { expr, ty } => list("as", vec![expr_doc(expr), type_doc(ty)]),
        ExprKind::Sizeof(ty) => list("sizeof", vec![type_doc(ty)]),
        ExprKind::Call { callee, args } => {
            let mut parts = vec![expr_doc(callee)];
            parts.extend(args.iter().map(expr_doc));
            list("call", parts)
        }
        ExprKind::Field { base, name } => list(".", vec![expr_doc(base), atom(&name.name)]),
        ExprKind::Arrow { base, name } => list("->", vec![expr_doc(base), atom(&name.name)]),
        ExprKind::Index { base, index } => list("index", vec![expr_doc(base), expr_doc(index)]),
        ExprKind::StructLit {
            module,
            name,
            fields,
        } => {
            let mut parts = vec![match module {
                Some(module) => atom(format!("{}.{}", module.name, name.name)),
                None => atom(&name.name),
            }];
            parts.extend(
                fields
                    .iter()
                    .map(|field| list(&field.name.name, vec![expr_doc(&field.value)])),
            );
            list("struct", parts)
        }
        ExprKind::ArrayLit(elements) => list("array", elements.iter().map(expr_doc).collect()),
        ExprKind::Match { scrutinee, arms } => {
            let arms = arms.iter().map(|arm| {
                let pattern = match &arm.pattern {
                    MatchPattern::Value(expr) => expr_doc(expr),
                    MatchPattern::Default(_) => atom("default"),
                };
                match &arm.body {
                    MatchArmBody::Expr(expr) => list("arm", vec![pattern, expr_doc(expr)]),
                    MatchArmBody::Block(block) => {
                        headed("arm", pattern, vec![nested("block", stmt_docs(block))])
                    }
                }
            });
            headed("match", expr_doc(scrutinee), arms.collect())
        }
        ExprKind::New { ty, arg } => {
            let mut parts = vec![type_doc(ty)];
            parts.extend(arg.iter().map(|arg| expr_doc(arg)));
            list("new", parts)
        }
        ExprKind::Error => atom("<error>"),
    }
}

fn type_doc(ty: &TypeExpr) -> Doc {
    match &ty.kind {
        TypeExprKind::Named(name) => atom(name),
        TypeExprKind::Qualified { module, name } => atom(format!("{}.{}", module.name, name.name)),
        TypeExprKind::Str(size) => list("str", vec![expr_doc(size)]),
        TypeExprKind::Array { element, size } => {
            let mut parts = vec![type_doc(element)];
            parts.extend(size.iter().map(|size| expr_doc(size)));
            list("arr", parts)
        }
        TypeExprKind::Pointer(pointee) => list("ptr", vec![type_doc(pointee)]),
        TypeExprKind::Function { params, ret } => {
            let mut parts = vec![list("", params.iter().map(type_doc).collect())];
            parts.extend(ret.iter().map(|ret| type_doc(ret)));
            list("fn", parts)
        }
        TypeExprKind::Generic { name, args, size } => {
            let mut parts = vec![atom(&name.name)];
            parts.extend(args.iter().map(type_doc));
            if let Some(size) = size {
                parts.push(list("size", vec![expr_doc(size)]));
            }
            list("generic", parts)
        }
        TypeExprKind::Error => atom("<error>"),
    }
}

fn string(value: &str) -> Doc {
    atom(format!("{value:?}"))
}
