//! The eBPF object's answers to `codegen::c::Backend`: what the shared
//! lowering asks of this output.
//!
//! * Names: globals are C globals (`pin var` ones fields of the pinned
//!   entry), kernel constants and enum values their header names.
//! * Maps through helpers and accessors (`maps.rs`), `for (k, v) in m`
//!   through `bpf_for_each_map_elem` callbacks (`iteration.rs`).
//! * Operators: signed `/` and `%` through helpers (the BPF instruction set
//!   clang 14 targets has no signed division), shifts masked to their width
//!   where C would be undefined, strings compared by a bounded loop and
//!   built by the support functions of `strings.rs`, `+=` and `-=` on
//!   shared map entries atomic.
//! * Packet pointer fields of a context (`ctx->data`, `__u32` in C) read as
//!   `(void *)(long)ctx->data`, `(__u8 *)(long)ctx->data` in arithmetic.
//! * `print` is `bpf_printk`; a tail call is `bpf_tail_call` and, should the
//!   slot be empty, the program kind's failure result.
//! * `try`/`throw` within a function: the code goes to the function's
//!   `error` local and a `goto` to the catch; uncaught, the function returns
//!   its failure result.

use std::collections::BTreeMap;

use crate::codegen::c::backend::{Assign, Backend, RangeLoop};
use crate::codegen::c::lower::Lowering;
use crate::codegen::c::names::Output;
use crate::codegen::c::{string_literal, CExpr};
use crate::ir::{
    BinaryOp, Block, Builtin, Callee, Catch, ConfigId, ConstId, EnumId, Expr, ExprKind, FunctionId,
    GlobalId, LocalId, MapId, MapKind, Method, Origin, Stmt, StructOpsId, Type, UnaryOp,
};
use crate::kinds;
use crate::span::Span;

use super::{kernel_reads, maps, Generator, Support};

/// The state of one eBPF function's lowering besides the shared one.
pub(super) struct Ebpf<'g, 'a> {
    pub(super) gen: &'g mut Generator<'a>,
    /// The function being lowered.
    pub(super) current: FunctionId,
    /// By-reference locals bound to a map entry, with the map's kind (for
    /// atomic updates through them).
    pub(super) map_bindings: BTreeMap<LocalId, MapKind>,
    /// The local pointing at the `pin var` globals' map entry.
    pub(super) pinned_entry: Option<String>,
    /// How many loops of the function became callbacks so far.
    pub(super) loops: usize,
    /// Whether reads through kernel pointers are CO-RE probe reads
    /// (`Plan::kernel_reads`, `kernel_reads.rs`).
    pub(super) kernel_reads: bool,
}

pub(super) type Cx<'g, 'a> = Lowering<'a, Ebpf<'g, 'a>>;

impl<'g, 'a> Backend<'a> for Ebpf<'g, 'a> {
    const OUTPUT: Output = Output::Ebpf;
    const STRING_BUFFERS: bool = true;

    fn global(cx: &mut Cx<'g, 'a>, id: GlobalId) -> CExpr {
        let name = cx.names.global(id).to_string();
        match (&cx.backend.pinned_entry, cx.program.global(id).pinned) {
            (Some(entry), true) => CExpr::postfix(format!("{entry}->{name}")),
            _ => CExpr::primary(name),
        }
    }

    fn config(cx: &mut Cx<'g, 'a>, config: ConfigId) -> CExpr {
        CExpr::primary(cx.names.config(config).to_string())
    }

    fn kernel_const(cx: &mut Cx<'g, 'a>, id: ConstId) -> CExpr {
        CExpr::primary(cx.program.const_def(id).name.clone())
    }

    fn kernel_variant(cx: &mut Cx<'g, 'a>, id: EnumId, variant: usize) -> CExpr {
        CExpr::primary(cx.program.enum_def(id).variants[variant].name.clone())
    }

    fn function_ref(cx: &mut Cx<'g, 'a>, id: FunctionId) -> CExpr {
        CExpr::primary(cx.names.function(id).to_string())
    }

    fn map_ref(cx: &mut Cx<'g, 'a>, map: MapId) -> CExpr {
        CExpr::unary(format!("&{}", cx.names.map(map)))
    }

    fn struct_ops_ref(cx: &mut Cx<'g, 'a>, id: StructOpsId) -> CExpr {
        CExpr::primary(cx.names.struct_ops(id).to_string())
    }

    fn call(cx: &mut Cx<'g, 'a>, callee: &'a Callee, args: &'a [Expr]) -> CExpr {
        let name = match callee {
            Callee::Extern(id) => cx.names.extern_name(*id).to_string(),
            Callee::BpfHelper(name) => name.clone(),
            Callee::TailCall(target) => {
                // Outside `return` (where `tail_call` handles it) a tail
                // call is just the helper call.
                let (map_name, index) = cx.backend.gen.tail_call_slot(*target);
                let context = args
                    .first()
                    .map(|arg| cx.expr(arg).text)
                    .unwrap_or_else(|| "ctx".into());
                return CExpr::postfix(format!("bpf_tail_call({context}, &{map_name}, {index})"));
            }
            Callee::Builtin(Builtin::Print) => return print(cx, args),
            Callee::Builtin(Builtin::Delete) => {
                let objects = cx.backend.gen.support_function(Support::Objects);
                let object = cx.expr(&args[0]).text;
                return CExpr::postfix(format!("{objects}_delete({object})"));
            }
            Callee::Builtin(builtin) => format!("{builtin:?}").to_lowercase(),
            Callee::Method { receiver, method } => {
                return ring_method(cx, *receiver, *method, args)
            }
            Callee::Function(_) | Callee::Indirect(_) => unreachable!("the shared lowering's"),
            Callee::Python { .. } => unreachable!("the checker keeps Python out of eBPF"),
        };
        let args: Vec<String> = args.iter().map(|arg| cx.expr(arg).text).collect();
        CExpr::call(&name, &args)
    }

    fn special(cx: &mut Cx<'g, 'a>, expr: &'a Expr) -> Option<CExpr> {
        if let (
            ExprKind::Call {
                callee: Callee::Builtin(Builtin::New(_)),
                ..
            },
            Type::Pointer(pointee),
        ) = (&expr.kind, &expr.ty)
        {
            if let Type::Struct(struct_id) = pointee.as_ref() {
                let new = cx.backend.gen.object_new(*struct_id);
                return Some(CExpr::postfix(format!("{new}()")));
            }
        }
        if kernel_reads::is_kernel_read(cx, expr) {
            return Some(kernel_reads::kernel_read(cx, expr));
        }
        if let Some(element) = super::records::read_element(cx, expr) {
            return Some(element);
        }
        match &expr.kind {
            ExprKind::Arrow { base, field } => {
                let raw = packet_pointer_field_at(cx, base, *field)?;
                Some(CExpr::unary(format!("(void *)(long){raw}")))
            }
            ExprKind::Index { base, index } => {
                let field = packet_pointer_field(cx, base)?;
                let index = cx.operand(index).text;
                Some(CExpr::postfix(format!("((__u8 *)(long){field})[{index}]")))
            }
            ExprKind::Unary {
                op: UnaryOp::Deref,
                operand,
            } => {
                let field = packet_pointer_field(cx, operand)?;
                Some(CExpr::unary(format!("*(__u8 *)(long){field}")))
            }
            ExprKind::Cast(inner) => {
                let field = packet_pointer_field(cx, inner)?;
                let target = cx.types.name(&expr.ty);
                Some(CExpr::unary(format!("({target})(long){field}")))
            }
            _ => None,
        }
    }

    fn binary(cx: &mut Cx<'g, 'a>, op: BinaryOp, lhs: &'a Expr, rhs: &'a Expr) -> Option<CExpr> {
        if matches!(op, BinaryOp::Div | BinaryOp::Rem) && is_signed_int(&lhs.ty) {
            let ty = lhs.ty.clone();
            let lhs = cx.operand(lhs).text;
            let rhs = cx.operand(rhs).text;
            let call = signed_division(cx, op, &lhs, &rhs);
            // The helpers compute in 64 bits: a narrower result (MIN / -1)
            // wraps back to its type, as the 32-bit instruction would.
            if matches!(ty, Type::Int(int) if int.bits() < 64) {
                return Some(CExpr::unary(format!("({}){call}", cx.types.name(&ty))));
            }
            return Some(CExpr::postfix(call));
        }
        if matches!(op, BinaryOp::Eq | BinaryOp::Ne) && matches!(lhs.ty, Type::Str(_)) {
            let Type::Str(len) = lhs.ty else {
                unreachable!("matched above")
            };
            let subject = cx.expr(lhs).text;
            let test = Self::strings_equal(cx, &subject, len, rhs);
            return Some(if op == BinaryOp::Ne {
                CExpr::unary(format!("!{test}"))
            } else {
                CExpr::postfix(test)
            });
        }
        if matches!(op, BinaryOp::Shl | BinaryOp::Shr)
            && crate::codegen::arithmetic::needs_definition(op, &lhs.ty, rhs)
        {
            let lhs_text = cx.expr(lhs).text;
            return Some(CExpr::unary(masked_shift(cx, op, &lhs_text, &lhs.ty, rhs)));
        }
        None
    }

    fn binary_operand(cx: &mut Cx<'g, 'a>, side: &'a Expr) -> Option<CExpr> {
        // Packet pointers compared or offset must be `__u8 *` on both sides.
        let field = packet_pointer_field(cx, side)?;
        Some(CExpr::unary(format!("(__u8 *)(long){field}")))
    }

    /// `strings_equal(a, b, n)`: byte-wise up to the first NUL, over at
    /// most the bytes both sides can hold (a literal: its length and NUL).
    fn strings_equal(cx: &mut Cx<'g, 'a>, subject: &str, len: u32, pattern: &'a Expr) -> String {
        let capacity = match (&pattern.kind, &pattern.ty) {
            (ExprKind::Str(text), _) => text.len() as u64 + 1,
            (_, Type::Str(size)) => u64::from(*size),
            _ => u64::MAX,
        };
        let size = u64::from(len).min(capacity);
        let name = cx.backend.gen.support_function(Support::StringsEqual);
        let pattern = cx.expr(pattern).text;
        format!("{name}({subject}, {pattern}, {size})")
    }

    /// A built string (`a + b`, `bytes as str(M)`, `+=`) through the
    /// string support functions (`strings.rs`), an array in kernel memory
    /// by a probe read, anything else a bounded `__builtin_memcpy`.
    fn store_aggregate(cx: &mut Cx<'g, 'a>, place: &str, ty: &Type, assign: Assign<'a>) {
        if let Type::Str(capacity) = ty {
            if super::strings::store(cx, place, *capacity, assign) {
                return;
            }
        }
        let value = assign.value;
        if let Some(read) = kernel_reads::array_read_into(cx, place, value) {
            return cx.out.line(read);
        }
        let size = match (ty, &value.kind, &value.ty) {
            // Copy the literal's bytes and its NUL, but never past the end.
            (Type::Str(capacity), ExprKind::Str(text), _) => (text.len() as u64 + 1)
                .min(u64::from(*capacity))
                .to_string(),
            // A narrower string (its capacity includes the NUL) copies only
            // its own bytes, never past them.
            (Type::Str(to), _, Type::Str(from)) if from < to => from.to_string(),
            _ => format!("sizeof({place})"),
        };
        let source = cx.expr(value).text;
        cx.out
            .line(format!("__builtin_memcpy({place}, {source}, {size});"));
    }

    fn declare_special(cx: &mut Cx<'g, 'a>, local: LocalId, init: &'a Expr) -> bool {
        super::records::declare_holder(cx, local, init)
    }

    fn assign_special(cx: &mut Cx<'g, 'a>, target: &'a Expr, value: &'a Expr) -> bool {
        super::records::write_element(cx, target, value)
    }

    fn compound_assign(cx: &mut Cx<'g, 'a>, target: &'a Expr, assign: Assign<'a>) -> bool {
        let (Some(op), value) = (assign.op, assign.value) else {
            return false;
        };
        if matches!(op, BinaryOp::Div | BinaryOp::Rem) && is_signed_int(&target.ty) {
            let place = cx.place(target).text;
            let value = cx.operand(value).text;
            let quotient = signed_division(cx, op, &place, &value);
            cx.out.line(format!("{place} = {quotient};"));
            return true;
        }
        if let Some(builtin) = maps::atomic_assignment(cx, target, op) {
            // `+= 0` / `-= 0` change nothing, and as an atomic operation on
            // 32 bits clang's BPF backend cannot even emit them.
            if matches!(value.kind, ExprKind::Int(0, _)) {
                return true;
            }
            let place = cx.address_of(target).text;
            let value = cx.expr(value).text;
            let operand = maps::atomic_operand(&cx.types, &target.ty, op, &value);
            cx.out.line(format!("{builtin}({place}, {operand});"));
            return true;
        }
        if matches!(op, BinaryOp::Shl | BinaryOp::Shr)
            && crate::codegen::arithmetic::needs_definition(op, &target.ty, value)
        {
            let place = cx.place(target).text;
            let shifted = masked_shift(cx, op, &place, &target.ty, value);
            cx.out.line(format!("{place} = {shifted};"));
            return true;
        }
        false
    }

    fn range_loop(cx: &mut Cx<'g, 'a>, range: RangeLoop<'a>) -> bool {
        super::loops::range_loop(cx, range)
    }

    fn while_loop(
        cx: &mut Cx<'g, 'a>,
        statement: &'a Stmt,
        condition: &'a Expr,
        body: &'a Block,
    ) -> bool {
        super::loops::while_loop(cx, statement, condition, body)
    }

    /// A callback looks the `pin var` globals' entry up itself.
    fn callback_prologue(cx: &mut Cx<'g, 'a>, body: &'a Block) {
        if let Some(entry) = cx.backend.pinned_entry.clone() {
            if super::uses_pinned_globals(cx.program, body) {
                super::emit_pinned_entry(cx, &entry);
            }
        }
    }

    fn try_catch(cx: &mut Cx<'g, 'a>, body: &'a Block, catches: &'a [Catch], stmt: &'a Stmt) {
        cx.goto_try_catch(body, catches, stmt);
    }

    fn throw(cx: &mut Cx<'g, 'a>, code: String, span: Span) {
        cx.goto_throw(code, span);
    }

    /// `return target(ctx)`: jump to `target` through the program array;
    /// only if that fails does execution go on, returning the failure
    /// result. Deferred calls run first: a tail call never returns.
    fn tail_call(cx: &mut Cx<'g, 'a>, target: FunctionId, args: &'a [Expr], span: Span) -> bool {
        let (_, index) = cx.backend.gen.tail_call_slot(target);
        if cx.in_callback() {
            // Not from a callback (a BPF subprogram): after the loop.
            cx.tail_call_in_callback(target, args, index.to_string(), span);
            return true;
        }
        Self::tail_call_at(cx, target, args, index.to_string(), span);
        true
    }

    fn tail_call_at(
        cx: &mut Cx<'g, 'a>,
        target: FunctionId,
        args: &'a [Expr],
        slot: String,
        span: Span,
    ) {
        cx.exit_work(span);
        let (map_name, _) = cx.backend.gen.tail_call_slot(target);
        let context = match args.first() {
            Some(arg) => cx.expr(arg).text,
            None => "ctx".to_string(),
        };
        let target_name = cx.names.function(target).to_string();
        cx.out.line(format!(
            "bpf_tail_call({context}, &{map_name}, {slot}); /* {target_name} */"
        ));
        let failure = Self::failure_result(cx);
        cx.out.line(format!("return {failure};"));
    }

    /// The program kind's failure result for programs, zero for helpers.
    fn failure_result(cx: &mut Cx<'g, 'a>) -> String {
        match cx.function.kind.program() {
            Some(program) => program.descriptor().failure_result.to_string(),
            None => cx.types.zero_value(&cx.function.ret),
        }
    }
}

/// Whether `ty` is a signed integer type.
fn is_signed_int(ty: &Type) -> bool {
    matches!(ty, Type::Int(int) if int.is_signed())
}

/// `signed_div(a, b)` / `signed_rem(a, b)`.
fn signed_division(cx: &mut Cx<'_, '_>, op: BinaryOp, lhs: &str, rhs: &str) -> String {
    let support = if op == BinaryOp::Div {
        Support::SignedDiv
    } else {
        Support::SignedRem
    };
    let name = cx.backend.gen.support_function(support);
    format!("{name}({lhs}, {rhs})")
}

/// `lhs << rhs` / `lhs >> rhs` as the BPF instruction computes it.
fn masked_shift<'a>(
    cx: &mut Cx<'_, 'a>,
    op: BinaryOp,
    lhs_text: &str,
    ty: &Type,
    rhs: &'a Expr,
) -> String {
    let Type::Int(int) = ty else {
        unreachable!("shifts are integer operations");
    };
    let c_type = cx.types.name(ty);
    let rhs = cx.expr(rhs).text;
    crate::codegen::arithmetic::masked_shift(op, lhs_text, *int, &c_type, &rhs)
}

/// `ctx->data` (raw, still `__u32`) when `expr` reads a packet pointer field
/// of a program context.
fn packet_pointer_field<'a>(cx: &mut Cx<'_, 'a>, expr: &'a Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Arrow { base, field } => packet_pointer_field_at(cx, base, *field),
        _ => None,
    }
}

fn packet_pointer_field_at<'a>(
    cx: &mut Cx<'_, 'a>,
    base: &'a Expr,
    field: usize,
) -> Option<String> {
    let Type::Struct(id) = base.ty.pointee()? else {
        return None;
    };
    let def = cx.program.struct_def(*id);
    let field_def = def.fields.get(field)?;
    let is_packet_pointer = def.origin == Origin::Kernel
        && field_def.ty.is_pointer()
        && kinds::is_packet_pointer_field(&def.name, &field_def.name);
    if !is_packet_pointer {
        return None;
    }
    let base = cx.expr(base);
    Some(CExpr::arrow(&base, &field_def.name).text)
}

/// `print(fmt, args...)` is `bpf_printk`. A format without any `%`
/// followed by arguments (`print("count: ", n, " of ", total)`) is printed
/// piece by piece: string literal arguments join the format, the others get
/// a conversion for their type, separated by spaces as in userspace.
fn print<'a>(cx: &mut Cx<'_, 'a>, args: &'a [Expr]) -> CExpr {
    let mut parts = Vec::new();
    let mut rest = args;
    if let Some((
        Expr {
            kind: ExprKind::Str(format),
            ..
        },
        tail,
    )) = args.split_first()
    {
        if format.contains('%') || tail.is_empty() {
            parts.push(string_literal(format));
            rest = tail;
        } else {
            let mut joined = format.clone();
            let mut values = Vec::new();
            for arg in tail {
                if !joined.is_empty() && !joined.ends_with(char::is_whitespace) {
                    joined.push(' ');
                }
                match &arg.kind {
                    ExprKind::Str(text) => joined.push_str(&text.replace('%', "%%")),
                    _ => {
                        joined.push_str(conversion(cx.program, &arg.ty));
                        values.push(cx.value(arg));
                    }
                }
            }
            parts.push(string_literal(&joined));
            parts.extend(values);
            rest = &[];
        }
    }
    for arg in rest {
        parts.push(cx.value(arg));
    }
    CExpr::postfix(format!("bpf_printk({})", parts.join(", ")))
}

/// The `bpf_printk` conversion for an argument of type `ty`.
fn conversion(program: &crate::ir::Program, ty: &Type) -> &'static str {
    match ty {
        Type::Enum(id) if ty.size(program) == 8 => {
            if program.enum_def(*id).is_unsigned_64() {
                "%llu"
            } else {
                "%lld"
            }
        }
        Type::Int(int) => match (int.is_signed(), int.bits()) {
            (true, 64) => "%lld",
            (false, 64) => "%llu",
            (true, _) => "%d",
            (false, _) => "%u",
        },
        Type::Char => "%c",
        Type::Str(_) => "%s",
        Type::Array(..) if ty.is_byte_string() => "%s",
        Type::Pointer(_) => "%p",
        _ => "%d",
    }
}

/// `rb.reserve()`, `rb.submit(p)`, `rb.discard(p)`, `events.output(e)`.
fn ring_method<'a>(cx: &mut Cx<'_, 'a>, map: MapId, method: Method, args: &'a [Expr]) -> CExpr {
    let map_name = cx.names.map(map).to_string();
    match method {
        Method::Reserve => {
            let value = cx.types.name(&cx.program.map(map).value);
            CExpr::postfix(format!(
                "bpf_ringbuf_reserve(&{map_name}, sizeof({value}), 0)"
            ))
        }
        Method::Submit | Method::Discard => {
            let Some(arg) = args.first() else {
                return CExpr::primary("0");
            };
            if !arg.ty.is_pointer() && method == Method::Submit {
                // A value rather than a reserved pointer: copy it in.
                return maps::output(cx, map, None, arg, None);
            }
            if let Some(release) = super::records::release(cx, map, method, arg) {
                return release;
            }
            let pointer = cx.expr(arg).text;
            let helper = if method == Method::Submit {
                "bpf_ringbuf_submit"
            } else {
                "bpf_ringbuf_discard"
            };
            CExpr::postfix(format!("{helper}({pointer}, 0)"))
        }
        Method::OnEvent => CExpr::primary("0"),
        Method::Output => match args {
            [context, event] => maps::output(cx, map, Some(context), event, None),
            [context, event, bytes] => maps::output(cx, map, Some(context), event, Some(bytes)),
            _ => CExpr::primary("0"),
        },
        Method::Insert => maps::insert(cx, map, &args[0], &args[1]),
        Method::Take => maps::take(cx, map, &args[0]),
    }
}
