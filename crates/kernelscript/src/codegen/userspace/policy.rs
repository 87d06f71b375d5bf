//! The userspace program's answers to `codegen::c::Backend`: what the
//! shared lowering asks of this output.
//!
//! * Names: globals and configs live in the skeleton's `.data`
//!   (`ks_skel->data->g`), `pin var` globals in the mapped entry
//!   (`ks_pinned_globals()->g`); kernel constants and enum values are
//!   spelled by value (userspace headers may lack them); a program used as
//!   a value is its index in the program table (`KS_PROG_name`).
//! * Strings are bounded operands (`strings.rs`), arrays pointers to their
//!   elements (`aggregates.rs`); both are copied by the runtime's
//!   `ks_str_copy`/`memcpy`, compared by `ks_str_eq`, returned inside a
//!   one-member struct (`ks_str16_t`).
//! * Division and shifts keep eBPF's meaning (`arithmetic.rs`).
//! * Maps through the typed per-map helpers (`statements.rs`, `maps.rs`):
//!   `if (var v = m[k])` copies the value out and writes it back when the
//!   branch may change it; `for (k, v) in m` walks the keys.
//! * `try`/`throw` are `setjmp`/`longjmp` on a chain of frames
//!   (`ks_try_top`), across functions; a function with `defer`s in a
//!   program that throws catches, runs its deferred calls and rethrows.
//! * `while` loops check for SIGINT/SIGTERM on every iteration.

use std::collections::BTreeSet;

use crate::codegen::c::backend::{Assign, Backend};
use crate::codegen::c::lower::Lowering;
use crate::codegen::c::names::Output;
use crate::codegen::c::types::is_array_like;
use crate::codegen::c::{const_literal, CExpr};
use crate::ir::{
    BinaryOp, Block, Builtin, Callee, Catch, ConfigId, ConstId, EnumId, Expr, ExprKind, FunctionId,
    GlobalId, IntType, LocalId, MapId, Radix, Stmt, StructOpsId, Type,
};
use crate::span::Span;

use super::{aggregates, arithmetic, calls, statements, strings, Generator};

/// The shared lowering's context for a userspace function.
pub(super) type Cx<'g, 'a> = Lowering<'a, Userspace<'g, 'a>>;

/// The state of one userspace function's lowering besides the shared one.
pub(super) struct Userspace<'g, 'a> {
    pub(super) gen: &'g mut Generator<'a>,
    /// Locals declared `volatile`: changed inside a `try` body (or read by
    /// deferred calls run after a `longjmp`) and read after it.
    pub(super) volatile_locals: BTreeSet<LocalId>,
    /// Whether the function opens a frame that catches an error
    /// propagating out of it, to run its deferred calls first.
    pub(super) defer_frame: bool,
}

impl<'g, 'a> Backend<'a> for Userspace<'g, 'a> {
    const OUTPUT: Output = Output::Userspace;

    fn global(cx: &mut Cx<'g, 'a>, id: GlobalId) -> CExpr {
        let name = cx.names.global(id);
        if cx.program.global(id).pinned {
            cx.backend.gen.needs.pinned_globals = true;
            CExpr::postfix(format!("{}()->{name}", super::pinned::ACCESSOR))
        } else {
            CExpr::postfix(format!("ks_skel->data->{name}"))
        }
    }

    fn config(cx: &mut Cx<'g, 'a>, config: ConfigId) -> CExpr {
        CExpr::postfix(format!("ks_skel->data->{}", cx.names.config(config)))
    }

    fn kernel_const(cx: &mut Cx<'g, 'a>, id: ConstId) -> CExpr {
        let def = cx.program.const_def(id);
        const_literal(def.value, &def.ty, def.radix)
    }

    fn kernel_variant(cx: &mut Cx<'g, 'a>, id: EnumId, variant: usize) -> CExpr {
        let def = cx.program.enum_def(id);
        let ty = if def.is_unsigned_64() {
            IntType::U64
        } else {
            IntType::I64
        };
        const_literal(def.value(variant), &Type::Int(ty), Radix::Decimal)
    }

    fn function_ref(cx: &mut Cx<'g, 'a>, id: FunctionId) -> CExpr {
        if cx.program.function(id).kind.is_program() {
            cx.backend.gen.needs.program_table = true;
            CExpr::primary(super::program_constant(cx.program, id))
        } else {
            CExpr::primary(cx.names.function(id).to_string())
        }
    }

    fn map_ref(cx: &mut Cx<'g, 'a>, map: MapId) -> CExpr {
        CExpr::postfix(format!("ks_skel->maps.{}", cx.names.map(map)))
    }

    fn struct_ops_ref(cx: &mut Cx<'g, 'a>, id: StructOpsId) -> CExpr {
        CExpr::primary(format!("KS_OPS_{}", cx.names.struct_ops(id)))
    }

    fn call(cx: &mut Cx<'g, 'a>, callee: &'a Callee, args: &'a [Expr]) -> CExpr {
        calls::call(cx, callee, args)
    }

    /// Strings are passed as `const char *`, arrays as their elements'
    /// address.
    fn argument(cx: &mut Cx<'g, 'a>, arg: &'a Expr) -> String {
        match &arg.ty {
            Type::Str(_) => strings::operand(cx, arg).text,
            Type::Array(..) => aggregates::array_source(cx, arg),
            _ => cx.expr(arg).text,
        }
    }

    fn special(cx: &mut Cx<'g, 'a>, expr: &'a Expr) -> Option<CExpr> {
        if super::python::is_python_call(expr) {
            return Some(super::python::call(cx, expr));
        }
        match (&expr.ty, &expr.kind) {
            (
                Type::Pointer(pointee),
                ExprKind::Call {
                    callee: Callee::Builtin(Builtin::New(_)),
                    ..
                },
            ) => {
                // Zeroed, as `bpf_obj_new` objects are after the null test.
                let ty = cx.types.name(pointee);
                Some(CExpr::postfix(format!("calloc(1, sizeof({ty}))")))
            }
            (Type::Str(_), kind) if !matches!(kind, ExprKind::Char(_)) => {
                Some(strings::operand(cx, expr).expr())
            }
            (_, ExprKind::ArrayLit(_)) => Some(CExpr::postfix(aggregates::array_source(cx, expr))),
            _ => None,
        }
    }

    fn binary(cx: &mut Cx<'g, 'a>, op: BinaryOp, lhs: &'a Expr, rhs: &'a Expr) -> Option<CExpr> {
        if matches!(lhs.ty, Type::Str(_)) && matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
            let left = strings::operand(cx, lhs);
            let call = strings::equal(cx, &left, rhs);
            return Some(if op == BinaryOp::Eq {
                CExpr::postfix(call)
            } else {
                CExpr::unary(format!("!{call}"))
            });
        }
        if crate::codegen::arithmetic::needs_definition(op, &lhs.ty, rhs) {
            let lhs_text = cx.value(lhs);
            let text = arithmetic::defined(cx, op, &lhs_text, &lhs.ty, rhs)?;
            return Some(CExpr::unary(text));
        }
        None
    }

    fn strings_equal(cx: &mut Cx<'g, 'a>, subject: &str, len: u32, pattern: &'a Expr) -> String {
        let subject = strings::StrOperand {
            text: subject.to_string(),
            cap: len,
        };
        strings::equal(cx, &subject, pattern)
    }

    /// A string is true when it is not empty.
    fn condition(cx: &mut Cx<'g, 'a>, expr: &'a Expr) -> Option<String> {
        if !matches!(expr.ty, Type::Str(_)) {
            return None;
        }
        let operand = strings::operand(cx, expr).expr();
        Some(format!(
            "{}[0] != '\\0'",
            operand.at(crate::codegen::c::Precedence::POSTFIX)
        ))
    }

    fn array_holder(cx: &mut Cx<'g, 'a>, ty: &Type) -> Option<(String, String)> {
        Some((cx.backend.gen.return_type(ty), ".data".to_string()))
    }

    fn store_aggregate(cx: &mut Cx<'g, 'a>, place: &str, ty: &Type, assign: Assign<'a>) {
        match ty {
            Type::Str(len) => strings::store(cx, place, *len, assign),
            _ => {
                let source = aggregates::array_source(cx, assign.value);
                cx.out
                    .line(format!("memcpy({place}, {source}, sizeof({place}));"));
            }
        }
    }

    /// Division and shifts with eBPF's meaning.
    fn compound_assign(cx: &mut Cx<'g, 'a>, target: &'a Expr, assign: Assign<'a>) -> bool {
        let (Some(op), value) = (assign.op, assign.value) else {
            return false;
        };
        if !crate::codegen::arithmetic::needs_definition(op, &target.ty, value) {
            return false;
        }
        let place = cx.expr(target).text;
        match arithmetic::defined(cx, op, &place, &target.ty, value) {
            Some(text) => {
                cx.out.line(format!("{place} = {text};"));
                true
            }
            None => false,
        }
    }

    /// `attach(...)` whose result is ignored: a failure exits.
    fn expression_statement(cx: &mut Cx<'g, 'a>, expr: &'a Expr) -> bool {
        let ExprKind::Call {
            callee: Callee::Builtin(Builtin::Attach),
            args,
        } = &expr.kind
        else {
            return false;
        };
        cx.backend.gen.needs.attach_or_exit |=
            !super::attach_perf::is_perf_attach(cx.program, args);
        let call = calls::attach_call(cx, "ks_attach_or_exit", args);
        cx.out.line(format!("{call};"));
        true
    }

    /// SIGINT/SIGTERM end the program between iterations.
    fn loop_prologue(cx: &mut Cx<'g, 'a>) {
        cx.backend.gen.needs.check_exit = true;
        cx.out.line("ks_check_exit();");
    }

    fn try_catch(cx: &mut Cx<'g, 'a>, body: &'a Block, catches: &'a [Catch], _stmt: &'a Stmt) {
        statements::try_catch(cx, body, catches)
    }

    /// `ks_throw(code)`: a `longjmp` to the innermost `try` frame, in this
    /// function or a caller.
    fn throw(cx: &mut Cx<'g, 'a>, code: String, _span: Span) {
        cx.backend.gen.needs.throw = true;
        cx.pay_to_try();
        cx.out.line(format!("ks_throw({code});"));
    }

    fn return_aggregate(cx: &mut Cx<'g, 'a>, value: &'a Expr) -> bool {
        statements::return_aggregate(cx, value);
        true
    }

    /// Zero (`main` falling off its end returns status 0).
    fn failure_result(cx: &mut Cx<'g, 'a>) -> String {
        let ret = cx.function.ret.clone();
        if is_array_like(&ret) {
            let wrapper = cx.backend.gen.return_type(&ret);
            return format!("({wrapper}){{0}}");
        }
        cx.types.zero_value(&ret)
    }

    fn local_qualifier(cx: &Cx<'g, 'a>, local: LocalId) -> &'static str {
        if cx.backend.volatile_locals.contains(&local) {
            "volatile "
        } else {
            ""
        }
    }

    /// With a defer frame, the frame's handler runs the deferred calls that
    /// were reached, which only flags can tell.
    fn flag_every_defer(cx: &Cx<'g, 'a>) -> bool {
        cx.backend.defer_frame
    }
}
