//! What truly differs between the C outputs, as one trait each generator
//! implements; everything else about lowering a function is the shared
//! `lower` module's.
//!
//! The hooks are associated functions taking the lowering context
//! (`cx: &mut Lowering<Self>`): a backend reaches both the shared state
//! (the writer, the C names of locals, the exit frames) and its own
//! (`cx.backend`). Hooks returning `Option` may decline, leaving the
//! shared lowering to do the usual thing.

use crate::ir::{
    BinaryOp, Block, Callee, Catch, ConfigId, ConstId, EnumId, Expr, FunctionId, GlobalId, LocalId,
    MapId, Stmt, StructOpsId, Type,
};
use crate::span::Span;

use super::expr::CExpr;
use super::lower::{LoopKind, Lowering};
use super::names::Output;

pub trait Backend<'a>: Sized {
    /// Whose reserved words locals and temporaries avoid.
    const OUTPUT: Output;

    // ---- names of things outside the function --------------------------

    /// A global variable (`g`, `ks_skel->data->g`, a pinned entry's field).
    fn global(cx: &mut Lowering<'a, Self>, id: GlobalId) -> CExpr;
    /// `cfg.field`.
    fn config_field(cx: &mut Lowering<'a, Self>, config: ConfigId, field: usize) -> CExpr;
    /// A kernel constant: its header's name, or its value.
    fn kernel_const(cx: &mut Lowering<'a, Self>, id: ConstId) -> CExpr;
    /// A kernel enum's variant: its header's name, or its value.
    fn kernel_variant(cx: &mut Lowering<'a, Self>, id: EnumId, variant: usize) -> CExpr;
    /// A function or program used as a value.
    fn function_ref(cx: &mut Lowering<'a, Self>, id: FunctionId) -> CExpr;
    /// A map or struct_ops impl named as an argument.
    fn map_ref(cx: &mut Lowering<'a, Self>, map: MapId) -> CExpr;
    fn struct_ops_ref(cx: &mut Lowering<'a, Self>, id: StructOpsId) -> CExpr;

    // ---- expressions -------------------------------------------------

    /// A call of anything but the program's own functions and function
    /// pointers (builtins, BPF helpers, externs, methods, tail calls).
    fn call(cx: &mut Lowering<'a, Self>, callee: &'a Callee, args: &'a [Expr]) -> CExpr;
    /// An argument of a call of the program's own function.
    fn argument(cx: &mut Lowering<'a, Self>, arg: &'a Expr) -> String {
        cx.expr(arg).text
    }
    /// `expr` spelled the output's own way before anything else is tried
    /// (strings as bounded operands, packet pointer fields).
    fn special(_cx: &mut Lowering<'a, Self>, _expr: &'a Expr) -> Option<CExpr> {
        None
    }
    /// `lhs op rhs` with a meaning plain C lacks (string equality, signed
    /// division, division by zero, masked shifts).
    fn binary(
        cx: &mut Lowering<'a, Self>,
        op: BinaryOp,
        lhs: &'a Expr,
        rhs: &'a Expr,
    ) -> Option<CExpr>;
    /// A binary operand that must be spelled differently (a packet pointer
    /// in pointer arithmetic).
    fn binary_operand(_cx: &mut Lowering<'a, Self>, _side: &'a Expr) -> Option<CExpr> {
        None
    }
    /// `m[k]` as a value.
    fn map_get(cx: &mut Lowering<'a, Self>, map: MapId, key: &'a Expr) -> CExpr;
    /// `m[k] != null` (`== null` when `negated`).
    fn map_contains(cx: &mut Lowering<'a, Self>, map: MapId, key: &'a Expr, negated: bool)
        -> CExpr;
    /// `ir::ExprKind::MapLoad`.
    fn map_load(cx: &mut Lowering<'a, Self>, map: MapId, key: &'a Expr, dest: &'a Expr) -> CExpr;
    /// Whether `a == b` on strings (as a C condition).
    fn strings_equal(
        cx: &mut Lowering<'a, Self>,
        subject: &CExpr,
        subject_ty: &Type,
        pattern: &'a Expr,
    ) -> String;
    /// `expr` as a condition, when the output spells some conditions its
    /// own way (a string is true when not empty).
    fn condition(_cx: &mut Lowering<'a, Self>, _expr: &'a Expr) -> Option<String> {
        None
    }
    /// The type a value of array-like `ty` is held in when an expression
    /// must produce one (a `match` in an expression), and the member that
    /// reaches the array; `None` when it is the array itself.
    fn array_holder(_cx: &mut Lowering<'a, Self>, _ty: &Type) -> Option<(String, String)> {
        None
    }

    // ---- statements --------------------------------------------------

    /// `place = value` / `place op= value` for a place of array-like `ty`
    /// (strings, arrays): the statements that copy.
    fn store_aggregate(
        cx: &mut Lowering<'a, Self>,
        place: &str,
        ty: &Type,
        op: Option<BinaryOp>,
        value: &'a Expr,
    );
    /// `target op= value` spelled the output's own way (atomic updates of
    /// map entries, signed division), or `false`.
    fn compound_assign(
        _cx: &mut Lowering<'a, Self>,
        _target: &'a Expr,
        _op: BinaryOp,
        _value: &'a Expr,
    ) -> bool {
        false
    }
    /// An expression statement spelled the output's own way, or `false`.
    fn expression_statement(_cx: &mut Lowering<'a, Self>, _expr: &'a Expr) -> bool {
        false
    }
    fn map_store(cx: &mut Lowering<'a, Self>, map: MapId, key: &'a Expr, value: &'a Expr);
    fn map_compound(
        cx: &mut Lowering<'a, Self>,
        map: MapId,
        key: &'a Expr,
        op: BinaryOp,
        value: &'a Expr,
    );
    fn map_field_update(
        cx: &mut Lowering<'a, Self>,
        map: MapId,
        key: &'a Expr,
        path: &[usize],
        op: Option<BinaryOp>,
        value: &'a Expr,
    );
    fn map_delete(cx: &mut Lowering<'a, Self>, map: MapId, key: &'a Expr);
    /// `if (var v = m[k]) { } else { }`.
    fn if_let_map(
        cx: &mut Lowering<'a, Self>,
        binding: LocalId,
        map: MapId,
        key: &'a Expr,
        then_block: &'a Block,
        else_block: Option<&'a Block>,
    );
    /// `for (k, v) in m { }`.
    fn for_each_map(
        cx: &mut Lowering<'a, Self>,
        key: LocalId,
        value: Option<LocalId>,
        map: MapId,
        body: &'a Block,
        span: Span,
    );
    /// The first statements of every iteration of a loop.
    fn loop_prologue(_cx: &mut Lowering<'a, Self>) {}
    /// `break` (`continue` when `!is_break`) out of a loop the output
    /// lowered itself (`LoopKind::Callback`).
    fn callback_jump(_cx: &mut Lowering<'a, Self>, _is_break: bool) {}
    /// `try { } catch ...`.
    fn try_catch(
        cx: &mut Lowering<'a, Self>,
        body: &'a Block,
        catches: &'a [Catch],
        stmt: &'a Stmt,
    );
    /// `throw code`.
    fn throw(cx: &mut Lowering<'a, Self>, code: &'a Expr, span: Span);
    /// `return target(ctx)`; `false` when the output has no tail calls.
    fn tail_call(
        _cx: &mut Lowering<'a, Self>,
        _target: FunctionId,
        _args: &'a [Expr],
        _span: Span,
    ) -> bool {
        false
    }
    /// `return value` of an array-like type, the output's own way; `false`
    /// when it returns them as any other value.
    fn return_aggregate(_cx: &mut Lowering<'a, Self>, _value: &'a Expr) -> bool {
        false
    }
    /// What the function returns when it fails (an uncaught `throw`, a
    /// failed tail call) or falls off its end without a value.
    fn failure_result(cx: &mut Lowering<'a, Self>) -> String;
    /// Leaving the function from inside a loop the output lowered itself
    /// (`LoopKind::Callback`): the statement to write instead.
    fn return_from_callback(_cx: &mut Lowering<'a, Self>) -> String {
        "return 1;".to_string()
    }

    // ---- declarations ------------------------------------------------

    /// A qualifier a local's declaration needs (`volatile `), or "".
    fn local_qualifier(_cx: &Lowering<'a, Self>, _local: LocalId) -> &'static str {
        ""
    }
    /// Whether every `defer` needs a reached-flag (the output may run the
    /// deferred calls from a place that cannot tell which were reached).
    fn flag_every_defer(_cx: &Lowering<'a, Self>) -> bool {
        false
    }
    /// The loop kind a `while` or `for` of the source becomes.
    fn plain_loop(_cx: &Lowering<'a, Self>) -> LoopKind {
        LoopKind::Plain
    }
}
