//! What truly differs between the C outputs, as one trait each generator
//! implements; everything else about lowering a function is the shared
//! `lower` module's.
//!
//! The hooks are associated functions taking the lowering context
//! (`cx: &mut Lowering<Self>`): a backend reaches both the shared state
//! (the writer, the C names of locals, the exit frames) and its own
//! (`cx.backend`). Hooks returning `Option` may decline, leaving the
//! shared lowering to do the usual thing. How an output reaches map
//! entries is a trait of its own, `Maps`, which a backend implements
//! beside its map code.

use crate::ir::{
    BinaryOp, Block, Callee, Catch, ConfigId, ConstId, EnumId, Expr, FunctionId, GlobalId, LocalId,
    MapId, Stmt, StructOpsId, Type,
};
use crate::span::Span;

use super::expr::CExpr;
use super::lower::Lowering;
use super::names::Output;

/// `= value` (`op= value` when `op` is given).
#[derive(Clone, Copy)]
pub struct Assign<'a> {
    pub op: Option<BinaryOp>,
    pub value: &'a Expr,
}

/// A map entry the source names: `map[key]`.
#[derive(Clone, Copy)]
pub struct Entry<'a> {
    pub map: MapId,
    pub key: &'a Expr,
}

/// `entry.a.b = value` (`op=` when `op` is given): `path` holds the field
/// indices.
#[derive(Clone, Copy)]
pub struct FieldWrite<'a> {
    pub path: &'a [usize],
    pub op: Option<BinaryOp>,
    pub value: &'a Expr,
}

/// `if (var binding = entry) { then_block } else { else_block }`.
#[derive(Clone, Copy)]
pub struct EntryBinding<'a> {
    pub binding: LocalId,
    pub entry: Entry<'a>,
    pub then_block: &'a Block,
    pub else_block: Option<&'a Block>,
}

/// `for (var in start..end) { body }`.
#[derive(Clone, Copy)]
pub struct RangeLoop<'a> {
    pub statement: &'a Stmt,
    pub var: LocalId,
    pub start: &'a Expr,
    pub end: &'a Expr,
    pub body: &'a Block,
    pub span: Span,
}

/// `for (key, value) in map { body }`.
#[derive(Clone, Copy)]
pub struct MapLoop<'a> {
    pub key: LocalId,
    pub value: Option<LocalId>,
    pub map: MapId,
    pub body: &'a Block,
    pub span: Span,
}

/// How an output reads and writes map entries.
pub trait Maps<'a>: Sized {
    /// `m[k]` as a value.
    fn map_get(cx: &mut Lowering<'a, Self>, entry: Entry<'a>) -> CExpr;
    /// `m[k] != null` (`== null` when `negated`).
    fn map_contains(cx: &mut Lowering<'a, Self>, entry: Entry<'a>, negated: bool) -> CExpr;
    /// `ir::ExprKind::MapLoad` into `dest`.
    fn map_load(cx: &mut Lowering<'a, Self>, entry: Entry<'a>, dest: &'a Expr) -> CExpr;
    /// `m[k] = value`.
    fn map_store(cx: &mut Lowering<'a, Self>, entry: Entry<'a>, value: &'a Expr);
    /// `m[k] op= value`.
    fn map_compound(cx: &mut Lowering<'a, Self>, entry: Entry<'a>, op: BinaryOp, value: &'a Expr);
    /// `m[k].a.b (op)= value`.
    fn map_field_update(cx: &mut Lowering<'a, Self>, entry: Entry<'a>, write: FieldWrite<'a>);
    /// `delete m[k]`.
    fn map_delete(cx: &mut Lowering<'a, Self>, entry: Entry<'a>);
    /// `if (var v = m[k]) { } else { }`.
    fn if_let_map(cx: &mut Lowering<'a, Self>, bound: EntryBinding<'a>);
    /// `for (k, v) in m { }`.
    fn for_each_map(cx: &mut Lowering<'a, Self>, each: MapLoop<'a>);
}

pub trait Backend<'a>: Maps<'a> {
    /// Whose reserved words locals and temporaries avoid.
    const OUTPUT: Output;
    /// Whether a string built at run time (`ir::strings`) that is not
    /// stored straight into a place is first written into a buffer before
    /// its statement (`lower/hoist.rs`); `store_aggregate` then writes it.
    const STRING_BUFFERS: bool = false;

    // ---- names of things outside the function --------------------------

    /// A global variable (`g`, `ks_skel->data->g`, a pinned entry's field).
    fn global(cx: &mut Lowering<'a, Self>, id: GlobalId) -> CExpr;
    /// The object of a `config` block (`cfg`, `ks_skel->data->cfg`).
    fn config(cx: &mut Lowering<'a, Self>, config: ConfigId) -> CExpr;
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
    /// Whether string `subject` (a `str(len)`) equals `pattern`, as a C
    /// condition.
    fn strings_equal(
        cx: &mut Lowering<'a, Self>,
        subject: &str,
        len: u32,
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
    fn store_aggregate(cx: &mut Lowering<'a, Self>, place: &str, ty: &Type, assign: Assign<'a>);
    /// `var local = init` spelled the output's own way (a dynptr
    /// reservation), or `false`.
    fn declare_special(_cx: &mut Lowering<'a, Self>, _local: LocalId, _init: &'a Expr) -> bool {
        false
    }
    /// `target = value` spelled the output's own way (an element of a
    /// variable-size record), or `false`.
    fn assign_special(_cx: &mut Lowering<'a, Self>, _target: &'a Expr, _value: &'a Expr) -> bool {
        false
    }
    /// `target op= value` spelled the output's own way (atomic updates of
    /// map entries, signed division), or `false`.
    fn compound_assign(
        _cx: &mut Lowering<'a, Self>,
        _target: &'a Expr,
        _assign: Assign<'a>,
    ) -> bool {
        false
    }
    /// An expression statement spelled the output's own way, or `false`.
    fn expression_statement(_cx: &mut Lowering<'a, Self>, _expr: &'a Expr) -> bool {
        false
    }
    /// The first statements of every iteration of a loop.
    fn loop_prologue(_cx: &mut Lowering<'a, Self>) {}
    /// `for (var in start..end) { body }` lowered the output's own way (a
    /// callback), or `false` for a C loop.
    fn range_loop(_cx: &mut Lowering<'a, Self>, _range: RangeLoop<'a>) -> bool {
        false
    }
    /// `while (condition) { body }` lowered the output's own way, or
    /// `false` for a C loop.
    fn while_loop(
        _cx: &mut Lowering<'a, Self>,
        _statement: &'a Stmt,
        _condition: &'a Expr,
        _body: &'a Block,
    ) -> bool {
        false
    }
    /// The first statements of a loop callback's body, after its own
    /// locals (what the function's prologue gives the function itself).
    fn callback_prologue(_cx: &mut Lowering<'a, Self>, _body: &'a Block) {}
    /// `try { } catch ...`.
    fn try_catch(
        cx: &mut Lowering<'a, Self>,
        body: &'a Block,
        catches: &'a [Catch],
        stmt: &'a Stmt,
    );
    /// `throw code`, the code already C text.
    fn throw(cx: &mut Lowering<'a, Self>, code: String, span: Span);
    /// `return target(ctx)`; `false` when the output has no tail calls.
    fn tail_call(
        _cx: &mut Lowering<'a, Self>,
        _target: FunctionId,
        _args: &'a [Expr],
        _span: Span,
    ) -> bool {
        false
    }
    /// A tail call a loop callback recorded: to `target`'s program type's
    /// table at the slot `slot` (C text), made after the loop.
    fn tail_call_at(
        _cx: &mut Lowering<'a, Self>,
        _target: FunctionId,
        _args: &'a [Expr],
        _slot: String,
        _span: Span,
    ) {
    }
    /// `return value` of an array-like type, the output's own way; `false`
    /// when it returns them as any other value.
    fn return_aggregate(_cx: &mut Lowering<'a, Self>, _value: &'a Expr) -> bool {
        false
    }
    /// What the function returns when it fails (an uncaught `throw`, a
    /// failed tail call) or falls off its end without a value.
    fn failure_result(cx: &mut Lowering<'a, Self>) -> String;

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
}
