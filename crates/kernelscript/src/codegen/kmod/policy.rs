//! The kernel module's answers to `codegen::c::Backend`: what the shared
//! lowering asks of `@kfunc` and `@private` bodies compiled to kernel C.
//!
//! Module code reaches no maps, globals or configs (the checker refuses
//! them, `check/kernel_module.rs`), so those hooks are unreachable; `print`
//! is `pr_info`, `new T(FLAGS)` is `kzalloc(sizeof(T), FLAGS)` and `delete
//! p` is `kfree(p)` (a no-op for null), `try`/`throw` the shared goto
//! convention, and a function that fails returns its type's zero. Nothing here decides what the
//! module registers (that is `mod.rs`).

use crate::codegen::c::backend::{Assign, Backend, Entry, EntryBinding, FieldWrite, MapLoop, Maps};
use crate::codegen::c::lower::Lowering;
use crate::codegen::c::names::Output;
use crate::codegen::c::{string_literal, CExpr};
use crate::ir::{
    BinaryOp, Block, Builtin, Callee, Catch, ConfigId, ConstId, EnumId, Expr, ExprKind, FunctionId,
    GlobalId, MapId, Stmt, StructOpsId, Type,
};
use crate::span::Span;

/// The state of one module function's lowering besides the shared one
/// (none yet: module code has no maps or loops of its own kind).
pub(super) struct Module;

type Cx<'a> = Lowering<'a, Module>;

const NO_SHARED_STATE: &str = "the checker refuses maps, globals and configs in kernel module code";

impl<'a> Maps<'a> for Module {
    fn map_get(_cx: &mut Cx<'a>, _entry: Entry<'a>) -> CExpr {
        unreachable!("{NO_SHARED_STATE}")
    }
    fn map_contains(_cx: &mut Cx<'a>, _entry: Entry<'a>, _negated: bool) -> CExpr {
        unreachable!("{NO_SHARED_STATE}")
    }
    fn map_load(_cx: &mut Cx<'a>, _entry: Entry<'a>, _dest: &'a Expr) -> CExpr {
        unreachable!("{NO_SHARED_STATE}")
    }
    fn map_store(_cx: &mut Cx<'a>, _entry: Entry<'a>, _value: &'a Expr) {
        unreachable!("{NO_SHARED_STATE}")
    }
    fn map_compound(_cx: &mut Cx<'a>, _entry: Entry<'a>, _op: BinaryOp, _value: &'a Expr) {
        unreachable!("{NO_SHARED_STATE}")
    }
    fn map_field_update(_cx: &mut Cx<'a>, _entry: Entry<'a>, _write: FieldWrite<'a>) {
        unreachable!("{NO_SHARED_STATE}")
    }
    fn map_delete(_cx: &mut Cx<'a>, _entry: Entry<'a>) {
        unreachable!("{NO_SHARED_STATE}")
    }
    fn if_let_map(_cx: &mut Cx<'a>, _bound: EntryBinding<'a>) {
        unreachable!("{NO_SHARED_STATE}")
    }
    fn for_each_map(_cx: &mut Cx<'a>, _each: MapLoop<'a>) {
        unreachable!("{NO_SHARED_STATE}")
    }
}

impl<'a> Backend<'a> for Module {
    const OUTPUT: Output = Output::Ebpf;

    fn global(_cx: &mut Cx<'a>, _id: GlobalId) -> CExpr {
        unreachable!("{NO_SHARED_STATE}")
    }

    fn config(_cx: &mut Cx<'a>, _config: ConfigId) -> CExpr {
        unreachable!("{NO_SHARED_STATE}")
    }

    fn kernel_const(cx: &mut Cx<'a>, id: ConstId) -> CExpr {
        CExpr::primary(cx.program.const_def(id).name.clone())
    }

    fn kernel_variant(cx: &mut Cx<'a>, id: EnumId, variant: usize) -> CExpr {
        CExpr::primary(cx.program.enum_def(id).variants[variant].name.clone())
    }

    fn function_ref(cx: &mut Cx<'a>, id: FunctionId) -> CExpr {
        CExpr::primary(cx.names.function(id).to_string())
    }

    fn map_ref(_cx: &mut Cx<'a>, _map: MapId) -> CExpr {
        unreachable!("{NO_SHARED_STATE}")
    }

    fn struct_ops_ref(_cx: &mut Cx<'a>, _id: StructOpsId) -> CExpr {
        unreachable!("the checker refuses struct_ops in kernel module code")
    }

    fn call(cx: &mut Cx<'a>, callee: &'a Callee, args: &'a [Expr]) -> CExpr {
        match callee {
            Callee::Builtin(Builtin::Print) => print(cx, args),
            Callee::Builtin(Builtin::Delete) => {
                let object = cx.value(&args[0]);
                CExpr::postfix(format!("kfree({object})"))
            }
            _ => unreachable!("the checker refuses {callee:?} in kernel module code"),
        }
    }

    fn special(cx: &mut Cx<'a>, expr: &'a Expr) -> Option<CExpr> {
        match (&expr.kind, &expr.ty) {
            (
                ExprKind::Call {
                    callee: Callee::Builtin(Builtin::New(flags)),
                    ..
                },
                Type::Pointer(pointee),
            ) => {
                // Zeroed, as objects are everywhere else.
                let ty = cx.types.name(pointee);
                let flags = flags.c_expression();
                Some(CExpr::postfix(format!("kzalloc(sizeof({ty}), {flags})")))
            }
            _ => None,
        }
    }

    fn binary(_cx: &mut Cx<'a>, _op: BinaryOp, _lhs: &'a Expr, _rhs: &'a Expr) -> Option<CExpr> {
        None
    }

    fn strings_equal(_cx: &mut Cx<'a>, _subject: &str, _len: u32, _pattern: &'a Expr) -> String {
        unreachable!("the checker refuses strings in kernel module code")
    }

    fn store_aggregate(_cx: &mut Cx<'a>, _place: &str, _ty: &Type, _assign: Assign<'a>) {
        unreachable!("the checker refuses arrays and strings in kernel module code")
    }

    fn try_catch(cx: &mut Cx<'a>, body: &'a Block, catches: &'a [Catch], stmt: &'a Stmt) {
        cx.goto_try_catch(body, catches, stmt);
    }

    fn throw(cx: &mut Cx<'a>, code: String, span: Span) {
        cx.goto_throw(code, span);
    }

    fn failure_result(cx: &mut Cx<'a>) -> String {
        cx.types.zero_value(&cx.function.ret)
    }
}

/// `print(fmt, args...)` is `pr_info(fmt "\n", args...)`; a format without
/// `%` followed by arguments is printed piece by piece, as in eBPF.
fn print<'a>(cx: &mut Cx<'a>, args: &'a [Expr]) -> CExpr {
    let mut format = String::new();
    let mut values = Vec::new();
    let mut rest = args;
    if let Some((
        Expr {
            kind: ExprKind::Str(first),
            ..
        },
        tail,
    )) = args.split_first()
    {
        format.push_str(first);
        rest = tail;
        if first.contains('%') {
            for arg in tail {
                values.push(cx.value(arg));
            }
            rest = &[];
        }
    }
    for arg in rest {
        if !format.is_empty() && !format.ends_with(char::is_whitespace) {
            format.push(' ');
        }
        match &arg.kind {
            ExprKind::Str(text) => format.push_str(&text.replace('%', "%%")),
            _ => {
                format.push_str(conversion(&arg.ty));
                values.push(cx.value(arg));
            }
        }
    }
    format.push('\n');
    let mut parts = vec![string_literal(&format)];
    parts.extend(values);
    CExpr::postfix(format!("pr_info({})", parts.join(", ")))
}

/// The `printk` conversion for an argument of type `ty` (the checker allows
/// integers, `bool` and `char` in module code).
fn conversion(ty: &Type) -> &'static str {
    match ty {
        Type::Int(int) => match (int.is_signed(), int.bits()) {
            (true, 64) => "%lld",
            (false, 64) => "%llu",
            (true, _) => "%d",
            (false, _) => "%u",
        },
        Type::Char => "%c",
        _ => "%d",
    }
}
