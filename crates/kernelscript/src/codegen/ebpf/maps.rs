//! Map operations: `m[k]`, `m[k] = v`, `m[k] op= v`, `m[k].f op= v`,
//! `delete m[k]`, `if (var v = m[k])`, ring buffer output (iteration is in
//! `iteration.rs`).
//!
//! BPF map helpers take keys and values by address. When the key (and
//! value) already live in addressable storage (a local, a global, a config
//! field) the helper is called directly: `bpf_map_lookup_elem(&flows, &key)`.
//! Otherwise the operation goes through a small accessor, emitted once per
//! map and operation and only when used, whose parameters give the values
//! an address: `counters_get(ip % 256)`, `counters_add(key, 1)`.
//!
//! `m[k] op= v` creates a missing entry from zero (libbpf-tools'
//! lookup-or-init: insert with `BPF_NOEXIST`, then look up again, so a
//! concurrent insert is never overwritten) and updates it in place. On
//! shared (non-per-CPU) maps `+=` and `-=` of 32/64-bit values use
//! `__sync_fetch_and_add` (`-=` adds the two's-complement negation: BPF
//! before v3 has no 32-bit atomic subtraction), so concurrent programs do
//! not lose counts; other operators and per-CPU maps update plainly.

use std::collections::BTreeMap;

use crate::codegen::c::backend::{Entry, EntryBinding, FieldWrite, MapLoop, Maps};
use crate::codegen::c::lower::Spelling;
use crate::codegen::c::types::{has_padding, is_array_like, Types};
use crate::codegen::c::{CExpr, CWriter, Precedence};
use crate::ir::{BinaryOp, Expr, ExprKind, MapId, MapKind, Type};

use super::policy::{Cx, Ebpf};
use super::Support;

/// A per-map accessor function some body needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Accessor {
    pub(super) map: MapId,
    pub(super) kind: AccessorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum AccessorKind {
    /// `V NAME_get(K key)`: the value, or zero when absent.
    Get,
    /// `V *NAME_lookup(K key)`: `bpf_map_lookup_elem` for a computed key.
    Lookup,
    /// `bool NAME_load(K key, V *value)`: copy the value out (zero when
    /// absent); whether the entry exists.
    Load,
    /// `long NAME_update(K key, V value)`: insert or replace.
    Update,
    /// `long NAME_delete(K key)`.
    Delete,
    /// `bool NAME_insert(K key, V value)`: store only if absent
    /// (`BPF_NOEXIST`); whether it stored.
    Insert,
    /// `long NAME_output(V event)`: copy an event into a ring buffer;
    /// `long NAME_output(void *context, V event)` for a perf event array.
    Output,
    /// `void NAME_OP(K key, V operand)`: `m[k] op= operand`.
    Apply(ApplyOp),
    /// Maps of objects: `void NAME_store(K key, struct T *object)`,
    /// `m[k] = object` (moves it in; `bpf_kptr_xchg`).
    Store,
    /// Maps of objects: `struct T *NAME_take(K key)`, `m.take(k)`.
    Take,
}

/// The operator of a compound map assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum ApplyOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

impl ApplyOp {
    fn from_binary(op: BinaryOp) -> ApplyOp {
        match op {
            BinaryOp::Sub => ApplyOp::Sub,
            BinaryOp::Mul => ApplyOp::Mul,
            BinaryOp::Div => ApplyOp::Div,
            BinaryOp::Rem => ApplyOp::Rem,
            BinaryOp::BitAnd => ApplyOp::And,
            BinaryOp::BitOr => ApplyOp::Or,
            BinaryOp::BitXor => ApplyOp::Xor,
            BinaryOp::Shl => ApplyOp::Shl,
            BinaryOp::Shr => ApplyOp::Shr,
            // Only arithmetic and bitwise operators have compound forms.
            _ => ApplyOp::Add,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ApplyOp::Add => "add",
            ApplyOp::Sub => "sub",
            ApplyOp::Mul => "mul",
            ApplyOp::Div => "div",
            ApplyOp::Rem => "mod",
            ApplyOp::And => "and",
            ApplyOp::Or => "or",
            ApplyOp::Xor => "xor",
            ApplyOp::Shl => "shl",
            ApplyOp::Shr => "shr",
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            ApplyOp::Add => "+=",
            ApplyOp::Sub => "-=",
            ApplyOp::Mul => "*=",
            ApplyOp::Div => "/=",
            ApplyOp::Rem => "%=",
            ApplyOp::And => "&=",
            ApplyOp::Or => "|=",
            ApplyOp::Xor => "^=",
            ApplyOp::Shl => "<<=",
            ApplyOp::Shr => ">>=",
        }
    }
}

impl AccessorKind {
    /// Every accessor kind (names are allocated for all of them).
    pub(super) fn all() -> Vec<AccessorKind> {
        let mut all = vec![
            AccessorKind::Get,
            AccessorKind::Lookup,
            AccessorKind::Load,
            AccessorKind::Update,
            AccessorKind::Delete,
            AccessorKind::Insert,
            AccessorKind::Output,
            AccessorKind::Store,
            AccessorKind::Take,
        ];
        all.extend(
            [
                ApplyOp::Add,
                ApplyOp::Sub,
                ApplyOp::Mul,
                ApplyOp::Div,
                ApplyOp::Rem,
                ApplyOp::And,
                ApplyOp::Or,
                ApplyOp::Xor,
                ApplyOp::Shl,
                ApplyOp::Shr,
            ]
            .map(AccessorKind::Apply),
        );
        all
    }

    pub(super) fn suffix(self) -> &'static str {
        match self {
            AccessorKind::Get => "get",
            AccessorKind::Lookup => "lookup",
            AccessorKind::Load => "load",
            AccessorKind::Update => "update",
            AccessorKind::Delete => "delete",
            AccessorKind::Insert => "insert",
            AccessorKind::Output => "output",
            AccessorKind::Store => "store",
            AccessorKind::Take => "take",
            AccessorKind::Apply(op) => op.name(),
        }
    }
}

/// The C name of an accessor, requesting its emission.
fn accessor(cx: &mut Cx<'_, '_>, map: MapId, kind: AccessorKind) -> String {
    cx.backend.gen.accessor(Accessor { map, kind })
}

/// `&x` when `expr` denotes addressable storage of exactly type `ty` (a
/// local, global or config field, or a field of one).
fn address<'a>(emitter: &mut Cx<'_, 'a>, expr: &'a Expr, ty: &Type) -> Option<String> {
    // A key with padding goes through an accessor, which zeroes it.
    if &expr.ty != ty || !is_storage(emitter, expr) || has_padding(emitter.program, ty) {
        return None;
    }
    if let ExprKind::Local(id) = &expr.kind {
        if let Some(Spelling::Pointer(pointer)) = emitter.locals.get(id) {
            return Some(pointer.clone());
        }
    }
    let text = emitter.expr(expr);
    Some(format!("&{}", text.at(Precedence::UNARY)))
}

/// `&k` of a temporary `k = expr` for a scalar key (a struct key may have
/// padding, which only the accessors zero; C cannot assign arrays).
fn key_temporary<'a>(emitter: &mut Cx<'_, 'a>, expr: &'a Expr, ty: &Type) -> Option<String> {
    if !matches!(ty, Type::Int(_) | Type::Enum(_) | Type::Bool | Type::Char) {
        return None;
    }
    let text = emitter.expr(expr).text;
    let temp = emitter.temp("key");
    let declaration = emitter.types.declaration(ty, &temp);
    emitter.out.line(format!("{declaration} = {text};"));
    Some(format!("&{temp}"))
}

fn is_storage(emitter: &Cx<'_, '_>, expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Local(id) => emitter.locals.contains_key(id),
        ExprKind::Global(_) | ExprKind::ConfigField { .. } => true,
        ExprKind::Field { base, .. } => is_storage(emitter, base),
        _ => false,
    }
}

impl<'g, 'a> Maps<'a> for Ebpf<'g, 'a> {
    /// `m[k]` as a value: the stored value, or zero.
    fn map_get(cx: &mut Cx<'g, 'a>, entry: Entry<'a>) -> CExpr {
        let name = accessor(cx, entry.map, AccessorKind::Get);
        let key = cx.expr(entry.key).text;
        if is_array_like(&cx.program.map(entry.map).value) {
            // C returns no arrays: the accessor returns a pointer to the
            // entry (or to a zeroed constant), read through here.
            return CExpr::primary(format!("(*{name}({key}))"));
        }
        CExpr::primary(format!("{name}({key})"))
    }

    /// `m[k] != null` (`m[k] == null` when `negated`): one lookup, compared.
    fn map_contains(cx: &mut Cx<'g, 'a>, entry: Entry<'a>, negated: bool) -> CExpr {
        let pointer = lookup(cx, entry);
        let op = if negated { BinaryOp::Eq } else { BinaryOp::Ne };
        CExpr::binary(op, CExpr::primary(pointer), CExpr::primary("NULL"))
    }

    /// `MapLoad`: `m_load(key, &x)` copies the entry into `x` (zero when
    /// absent) and is whether it exists.
    fn map_load(cx: &mut Cx<'g, 'a>, entry: Entry<'a>, dest: &'a Expr) -> CExpr {
        let name = accessor(cx, entry.map, AccessorKind::Load);
        let key = cx.expr(entry.key).text;
        let dest = cx.expr(dest).text;
        CExpr::primary(format!("{name}({key}, {dest})"))
    }

    /// `m[k] = v`: straight to the helper when key and value have
    /// addresses, else through the update accessor.
    fn map_store(cx: &mut Cx<'g, 'a>, entry: Entry<'a>, value: &'a Expr) {
        let map_def = cx.program.map(entry.map);
        if map_def.holds_objects() {
            cx.backend.gen.support_function(Support::Objects);
            let name = accessor(cx, entry.map, AccessorKind::Store);
            let key = cx.expr(entry.key).text;
            let object = cx.expr(value).text;
            cx.out.line(format!("{name}({key}, {object});"));
            return;
        }
        let key_type = map_def.key.clone();
        let value_address = address(cx, value, &map_def.value);
        // A computed key (`m[bpf_get_current_pid_tgid()] = v`) goes into a
        // temporary when the value has an address: passing a global
        // struct to the accessor by value made clang 14 exceed the stack.
        let key_address = match address(cx, entry.key, &key_type) {
            None if value_address.is_some() => key_temporary(cx, entry.key, &key_type),
            address => address,
        };
        if let (Some(key), Some(value)) = (key_address, value_address) {
            let map_name = cx.names.map(entry.map).to_string();
            cx.out.line(format!(
                "bpf_map_update_elem(&{map_name}, {key}, {value}, BPF_ANY);"
            ));
            return;
        }
        let name = accessor(cx, entry.map, AccessorKind::Update);
        let key = cx.expr(entry.key).text;
        let value = cx.expr(value).text;
        cx.out.line(format!("{name}({key}, {value});"));
    }

    /// `m[k] op= v`: the apply accessor (lookup-or-init, then in place).
    fn map_compound(cx: &mut Cx<'g, 'a>, entry: Entry<'a>, op: BinaryOp, value: &'a Expr) {
        let kind = AccessorKind::Apply(ApplyOp::from_binary(op));
        let name = accessor(cx, entry.map, kind);
        let key = cx.expr(entry.key).text;
        let value = cx.expr(value).text;
        cx.out.line(format!("{name}({key}, {value});"));
    }

    /// `m[k].a.b op= v`: in place through one lookup; nothing when absent.
    fn map_field_update(cx: &mut Cx<'g, 'a>, entry: Entry<'a>, write: FieldWrite<'a>) {
        let map_def = cx.program.map(entry.map);
        let entry_pointer = lookup(cx, entry);
        let pointer = cx.temp("entry");
        let decl = cx
            .types
            .declaration(&Type::Pointer(Box::new(map_def.value.clone())), &pointer);
        cx.out.line(format!("{decl} = {entry_pointer};"));
        let mut place = pointer.clone();
        let mut ty = map_def.value.clone();
        for (depth, index) in write.path.iter().enumerate() {
            let Type::Struct(id) = ty else { break };
            let field = &cx.program.struct_def(id).fields[*index];
            place.push_str(if depth == 0 { "->" } else { "." });
            place.push_str(cx.names.field(id, *index));
            ty = field.ty.clone();
        }
        let value = cx.expr(write.value).text;
        cx.out.open_block(format!("if ({pointer})"));
        match write.op {
            Some(op) => match atomic_update(map_def.kind, &ty, ApplyOp::from_binary(op)) {
                Some(builtin) => cx.out.line(format!("{builtin}(&{place}, {value});")),
                None => cx.out.line(format!("{place} {}= {value};", op.symbol())),
            },
            None => cx.out.line(format!("{place} = {value};")),
        }
        cx.out.close_block();
    }

    /// `delete m[k]`.
    fn map_delete(cx: &mut Cx<'g, 'a>, entry: Entry<'a>) {
        let map_def = cx.program.map(entry.map);
        match address(cx, entry.key, &map_def.key) {
            Some(key) => {
                let map_name = cx.names.map(entry.map).to_string();
                cx.out
                    .line(format!("bpf_map_delete_elem(&{map_name}, {key});"))
            }
            None => {
                let name = accessor(cx, entry.map, AccessorKind::Delete);
                let key = cx.expr(entry.key).text;
                cx.out.line(format!("{name}({key});"));
            }
        }
    }

    /// `if (var v = m[k]) { } else { }`: one lookup, `v` is the entry
    /// pointer.
    fn if_let_map(cx: &mut Cx<'g, 'a>, bound: EntryBinding<'a>) {
        let entry_pointer = lookup(cx, bound.entry);
        let map_def = cx.program.map(bound.entry.map);
        let name = cx.declare_local(bound.binding);
        // The binding reads through the pointer whatever the IR flag says.
        cx.locals
            .insert(bound.binding, Spelling::Pointer(name.clone()));
        cx.backend.map_bindings.insert(bound.binding, map_def.kind);
        let decl = cx
            .types
            .declaration(&Type::Pointer(Box::new(map_def.value.clone())), &name);
        cx.out.line(format!("{decl} = {entry_pointer};"));
        cx.if_present(&name, bound.then_block, bound.else_block);
    }

    fn for_each_map(cx: &mut Cx<'g, 'a>, each: MapLoop<'a>) {
        super::iteration::emit_for_each(cx, each)
    }
}

/// `rb.submit(value)` for a value that is not a reserved pointer
/// (`bpf_ringbuf_output`), and `events.output(value)` on a perf event
/// array (`bpf_perf_event_output` with the program's `context`). An event
/// without an address goes through the `NAME_output` accessor.
///
/// `output(value, n)` appends `n` bytes of the packet: the length goes in
/// the flags' bits 32..51 (`BPF_F_CTXLEN_MASK`), masked so a larger `n`
/// cannot set other flags; the kernel refuses (-EFAULT) more bytes than
/// the packet has.
pub(super) fn output<'a>(
    emitter: &mut Cx<'_, 'a>,
    map: MapId,
    context: Option<&'a Expr>,
    event: &'a Expr,
    bytes: Option<&'a Expr>,
) -> CExpr {
    let map_def = emitter.program.map(map);
    let value = map_def.value.clone();
    let context = context.map(|context| emitter.expr(context).text);
    let flags = match bytes {
        None => "0xffffffffULL /* BPF_F_CURRENT_CPU */".to_string(),
        Some(bytes) => {
            let bytes = emitter.expr(bytes).at(Precedence::UNARY);
            format!(
                "(0xffffffffULL /* BPF_F_CURRENT_CPU */ | (((__u64){bytes} & 0xfffffULL) << 32))"
            )
        }
    };
    let pointer = match &event.ty {
        Type::Pointer(_) => Some(emitter.expr(event).text),
        _ => address(emitter, event, &value),
    };
    let map_name = emitter.names.map(map).to_string();
    if let Some(pointer) = pointer {
        let size = emitter.types.name(&value);
        return CExpr::primary(match context {
            Some(context) => format!(
                "bpf_perf_event_output({context}, &{map_name}, {flags}, {pointer}, sizeof({size}))"
            ),
            None => format!("bpf_ringbuf_output(&{map_name}, {pointer}, sizeof({size}), 0)"),
        });
    }
    let name = accessor(emitter, map, AccessorKind::Output);
    let event = emitter.expr(event).text;
    CExpr::primary(match context {
        Some(context) => format!("{name}({context}, {event}, {flags})"),
        None => format!("{name}({event})"),
    })
}

/// A pointer to the entry for `key`: `bpf_map_lookup_elem(&m, &key)` or
/// `m_lookup(expr)`.
fn lookup<'a>(emitter: &mut Cx<'_, 'a>, entry: Entry<'a>) -> String {
    let Entry { map, key } = entry;
    let map_def = emitter.program.map(map);
    match address(emitter, key, &map_def.key) {
        Some(key) => format!("bpf_map_lookup_elem(&{}, {key})", emitter.names.map(map)),
        None => {
            let name = accessor(emitter, map, AccessorKind::Lookup);
            let key = emitter.expr(key).text;
            format!("{name}({key})")
        }
    }
}

/// The atomic builtin for `target op= value` when `target` lies in a map
/// entry bound by `if (var v = m[k])` and `atomic_update` applies.
pub(super) fn atomic_assignment(
    emitter: &Cx<'_, '_>,
    target: &Expr,
    op: BinaryOp,
) -> Option<&'static str> {
    let mut root = target;
    while let ExprKind::Field { base, .. } = &root.kind {
        root = base;
    }
    let ExprKind::Local(id) = &root.kind else {
        return None;
    };
    let kind = *emitter.backend.map_bindings.get(id)?;
    atomic_update(kind, &target.ty, ApplyOp::from_binary(op))
}

/// The atomic builtin for `op` on a value of `ty` in a map of `kind`, when
/// one applies (see the module documentation).
fn atomic_update(kind: MapKind, ty: &Type, op: ApplyOp) -> Option<&'static str> {
    let wide = matches!(ty, Type::Int(int) if int.bits() >= 32);
    if kind.is_percpu() || !wide {
        return None;
    }
    match op {
        ApplyOp::Add | ApplyOp::Sub => Some("__sync_fetch_and_add"),
        _ => None,
    }
}

/// The operand the atomic add of `op` takes: `operand` for `+=`, its
/// two's-complement negation (computed unsigned, so never overflowing) for
/// `-=`.
pub(super) fn atomic_operand(types: &Types, ty: &Type, op: BinaryOp, operand: &str) -> String {
    if op != BinaryOp::Sub {
        return operand.to_string();
    }
    let unsigned = match ty {
        Type::Int(int) if int.bits() == 64 => "__u64",
        _ => "__u32",
    };
    format!("({})(0 - ({unsigned})({operand}))", types.name(ty))
}

/// Local names inside accessors, chosen not to shadow any map.
struct AccessorLocals {
    key: String,
    value: String,
    zero: String,
    operand: String,
    event: String,
    entry: String,
    context: String,
}

impl AccessorLocals {
    fn new(types: &Types) -> AccessorLocals {
        let program = types.program;
        let free = |base: &str| {
            crate::codegen::c::names::first_free(base, |name| {
                (0..program.maps.len() as u32).any(|id| types.names.map(MapId(id)) == name)
            })
        };
        AccessorLocals {
            key: free("key"),
            value: free("value"),
            zero: free("zero"),
            operand: free("operand"),
            event: free("event"),
            entry: free("entry"),
            context: free("context"),
        }
    }
}

/// Inside an accessor: the key to hand to map helpers. A key type with
/// padding is copied field by field into a zero-initialised local first,
/// so the padding bytes are zero (map keys compare as bytes).
/// The address of accessor parameter `name` of type `ty`: `&name`, or an
/// array parameter (a pointer in C) itself.
fn address_of(ty: &Type, name: &str) -> String {
    if is_array_like(ty) {
        name.to_string()
    } else {
        format!("&{name}")
    }
}

fn key_storage(out: &mut CWriter, types: &Types, map: MapId, key: &str) -> String {
    let key_ty = &types.program.map(map).key;
    if !has_padding(types.program, key_ty) {
        return key.to_string();
    }
    let copy = format!("{key}_bytes");
    out.line("/* Map keys compare as bytes: rebuild the key with zeroed padding. */");
    out.line(format!(
        "{} = {};",
        types.declaration(key_ty, &copy),
        types.zero(key_ty)
    ));
    out.blank_line();
    copy_fields(out, types, key_ty, &copy, key);
    copy
}

/// `dst.f = src.f;` for each field of the struct type `ty`, recursing into
/// structs with padding (whose own padding must stay zero).
fn copy_fields(out: &mut CWriter, types: &Types, ty: &Type, dst: &str, src: &str) {
    let Type::Struct(id) = ty else { return };
    for (index, field) in types.program.struct_def(*id).fields.iter().enumerate() {
        let name = types.names.field(*id, index);
        let (dst, src) = (format!("{dst}.{name}"), format!("{src}.{name}"));
        match &field.ty {
            Type::Struct(_) if has_padding(types.program, &field.ty) => {
                copy_fields(out, types, &field.ty, &dst, &src)
            }
            Type::Array(..) | Type::Str(_) => {
                out.line(format!("__builtin_memcpy({dst}, {src}, sizeof({dst}));"))
            }
            _ => out.line(format!("{dst} = {src};")),
        }
    }
}

/// `*v op= o` with KernelScript's meaning (`codegen::arithmetic`): signed
/// division on magnitudes (BPF before v4 has no signed division), shift
/// amounts masked to the operation's width; the rest as C writes it.
fn emit_apply(out: &mut CWriter, types: &Types, ty: &Type, op: ApplyOp, v: &str, o: &str) {
    let Type::Int(int) = ty else {
        out.line(format!("*{v} {} {o};", op.symbol()));
        return;
    };
    let c_type = types.name(ty);
    match op {
        ApplyOp::Div | ApplyOp::Rem if int.is_signed() => {
            out.line(format!("__s64 dividend = *{v}, divisor = {o};"));
            out.line("__u64 magnitude_a = dividend < 0 ? -(__u64)dividend : (__u64)dividend;");
            out.line("__u64 magnitude_b = divisor < 0 ? -(__u64)divisor : (__u64)divisor;");
            if op == ApplyOp::Div {
                out.line("__u64 result = magnitude_a / magnitude_b;");
                out.blank_line();
                out.line(format!(
                    "*{v} = ({c_type})(__s64)((dividend < 0) != (divisor < 0) ? 0 - result : result);"
                ));
            } else {
                out.line("__u64 result = magnitude_a % magnitude_b;");
                out.blank_line();
                out.line(format!(
                    "*{v} = ({c_type})(__s64)(dividend < 0 ? 0 - result : result);"
                ));
            }
        }
        ApplyOp::Shl | ApplyOp::Shr => {
            let width = crate::codegen::arithmetic::shift_width(*int);
            let amount = format!("{o} & {}", width - 1);
            if op == ApplyOp::Shr {
                out.line(format!("*{v} = ({c_type})(*{v} >> ({amount}));"));
            } else {
                let unsigned = if width == 64 { "__u64" } else { "__u32" };
                out.line(format!(
                    "*{v} = ({c_type})(({unsigned})*{v} << ({amount}));"
                ));
            }
        }
        _ => out.line(format!("*{v} {} {o};", op.symbol())),
    }
}

/// Writes the requested accessors, grouped by map.
pub(super) fn emit_accessors(
    out: &mut CWriter,
    types: &Types,
    accessors: &BTreeMap<Accessor, String>,
    objects: &ObjectNames,
) {
    let locals = AccessorLocals::new(types);
    for (accessor, name) in accessors {
        out.blank_line();
        if types.program.map(accessor.map).holds_objects() {
            let (map, kind) = (accessor.map, accessor.kind);
            emit_object_accessor(out, types, map, name, kind, &locals, objects);
            continue;
        }
        emit_accessor(out, types, accessor.map, name, accessor.kind, &locals);
    }
}

/// One accessor (see `AccessorKind`).
fn emit_accessor(
    out: &mut CWriter,
    types: &Types,
    map_id: MapId,
    name: &str,
    kind: AccessorKind,
    locals: &AccessorLocals,
) {
    let map = types.program.map(map_id);
    let AccessorLocals {
        key: k,
        value: v,
        zero: z,
        operand: o,
        event: e,
        entry,
        context,
    } = locals;
    let map_name = types.names.map(map_id);
    let key_param = types.declaration(&map.key, k);
    let value_pointer = Type::Pointer(Box::new(map.value.clone()));
    let signature = match kind {
        AccessorKind::Get if is_array_like(&map.value) => {
            // `char (*NAME_get(K key))[N]`, and the zeroed value it returns
            // for a missing key (readers never write through it). Placed in
            // `.bss` by name: clang would otherwise make it a constant in a
            // mergeable `.rodata.cst*` section, which libbpf 1.1 cannot load.
            let zero = types.declaration(&map.value, &format!("{name}_zero"));
            out.line(format!("static {zero} SEC(\".bss\");"));
            out.blank_line();
            types.declaration(&value_pointer, &format!("{name}({key_param})"))
        }
        AccessorKind::Get => types.declaration(&map.value, name) + &format!("({key_param})"),
        AccessorKind::Lookup => types.declaration(&value_pointer, name) + &format!("({key_param})"),
        AccessorKind::Load => format!(
            "bool {name}({key_param}, {})",
            types.declaration(&value_pointer, v)
        ),
        AccessorKind::Update => {
            format!(
                "long {name}({key_param}, {})",
                types.declaration(&map.value, v)
            )
        }
        AccessorKind::Delete => format!("long {name}({key_param})"),
        AccessorKind::Insert => {
            format!(
                "bool {name}({key_param}, {})",
                types.declaration(&map.value, v)
            )
        }
        AccessorKind::Apply(_) => {
            format!(
                "void {name}({key_param}, {})",
                types.declaration(&map.value, o)
            )
        }
        AccessorKind::Output if map.kind == MapKind::PerfEventArray => format!(
            "long {name}(void *{context}, {}, __u64 flags)",
            types.declaration(&map.value, e)
        ),
        AccessorKind::Output => format!("long {name}({})", types.declaration(&map.value, e)),
        AccessorKind::Store | AccessorKind::Take => unreachable!("maps of objects only"),
    };
    out.line(format!("static __always_inline {signature}"));
    out.open_block("");
    let key = match kind {
        AccessorKind::Output => String::new(),
        _ => key_storage(out, types, map_id, k),
    };
    let key_ref = address_of(&map.key, &key);
    let v_ref = address_of(&map.value, v);
    match kind {
        AccessorKind::Store | AccessorKind::Take => unreachable!("maps of objects only"),
        AccessorKind::Output if map.kind == MapKind::PerfEventArray => {
            out.line(format!(
                "return bpf_perf_event_output({context}, &{map_name}, flags, &{e}, sizeof({e}));"
            ));
        }
        AccessorKind::Output => {
            out.line(format!(
                "return bpf_ringbuf_output(&{map_name}, &{e}, sizeof({e}), 0);"
            ));
        }
        AccessorKind::Lookup => {
            out.line(format!(
                "return bpf_map_lookup_elem(&{map_name}, {key_ref});"
            ));
        }
        AccessorKind::Load => {
            let pointer = types.declaration(&value_pointer, entry);
            out.line(format!(
                "{pointer} = bpf_map_lookup_elem(&{map_name}, {key_ref});"
            ));
            out.blank_line();
            out.open_block(format!("if (!{entry})"));
            match &map.value {
                Type::Array(..) | Type::Str(_) => {
                    out.line(format!("__builtin_memset({v}, 0, sizeof(*{v}));"))
                }
                Type::Struct(_) => out.line(format!("*{v} = {};", types.zero_value(&map.value))),
                other => out.line(format!("*{v} = {};", types.zero(other))),
            }
            out.line("return false;");
            out.close_block();
            match &map.value {
                Type::Array(..) | Type::Str(_) => {
                    out.line(format!("__builtin_memcpy({v}, {entry}, sizeof(*{v}));"))
                }
                _ => out.line(format!("*{v} = *{entry};")),
            }
            out.line("return true;");
        }
        AccessorKind::Update => {
            out.line(format!(
                "return bpf_map_update_elem(&{map_name}, {key_ref}, {v_ref}, BPF_ANY);"
            ));
        }
        AccessorKind::Delete => {
            out.line(format!(
                "return bpf_map_delete_elem(&{map_name}, {key_ref});"
            ));
        }
        AccessorKind::Insert => {
            // -EEXIST (present: unchanged) and -E2BIG (full) are both `false`.
            out.line(format!(
                "return bpf_map_update_elem(&{map_name}, {key_ref}, {v_ref}, BPF_NOEXIST) == 0;"
            ));
        }
        AccessorKind::Get => {
            let pointer = types.declaration(&value_pointer, v);
            out.line(format!(
                "{pointer} = bpf_map_lookup_elem(&{map_name}, {key_ref});"
            ));
            out.blank_line();
            match &map.value {
                value if is_array_like(value) => {
                    out.line(format!("return {v} ? {v} : &{name}_zero;"))
                }
                Type::Struct(_) => {
                    out.open_block(format!("if ({v})"));
                    out.line(format!("return *{v};"));
                    out.close_block();
                    out.line(format!("return {};", types.zero_value(&map.value)));
                }
                other => out.line(format!("return {v} ? *{v} : {};", types.zero(other))),
            }
        }
        AccessorKind::Apply(op) => {
            let pointer = types.declaration(&value_pointer, v);
            out.line(format!(
                "{pointer} = bpf_map_lookup_elem(&{map_name}, {key_ref});"
            ));
            out.blank_line();
            if !map.kind.is_array() {
                // Missing: insert zero (unless another CPU just did), look up again.
                out.open_block(format!("if (!{v})"));
                let zero = types.declaration(&map.value, z);
                out.line(format!("{zero} = {};", types.zero(&map.value)));
                out.blank_line();
                out.line(format!(
                    "bpf_map_update_elem(&{map_name}, {key_ref}, &{z}, BPF_NOEXIST);"
                ));
                out.line(format!(
                    "{v} = bpf_map_lookup_elem(&{map_name}, {key_ref});"
                ));
                out.close_block();
            }
            out.open_block(format!("if (!{v})"));
            out.line("return;");
            out.close_block();
            match atomic_update(map.kind, &map.value, op) {
                Some(builtin) => {
                    // Hidden from the optimiser: an inlined constant 0 would
                    // turn the add into an atomic load, which BPF before v3
                    // cannot do on 32 bits (clang crashes).
                    out.line(format!("asm volatile(\"\" : \"+r\"({o}));"));
                    let binary = if op == ApplyOp::Sub {
                        BinaryOp::Sub
                    } else {
                        BinaryOp::Add
                    };
                    let operand = atomic_operand(types, &map.value, binary, o);
                    out.line(format!("{builtin}({v}, {operand});"));
                }
                None => emit_apply(out, types, &map.value, op, v, o),
            }
        }
    }
    out.close_block();
}

/// `m.insert(key, value)`: the insert accessor (`BPF_NOEXIST`).
pub(super) fn insert<'a>(cx: &mut Cx<'_, 'a>, map: MapId, key: &'a Expr, value: &'a Expr) -> CExpr {
    let name = accessor(cx, map, AccessorKind::Insert);
    let key = cx.expr(key).text;
    let value = cx.expr(value).text;
    CExpr::postfix(format!("{name}({key}, {value})"))
}

/// `m.take(key)` on a map of objects.
pub(super) fn take<'a>(cx: &mut Cx<'_, 'a>, map: MapId, key: &'a Expr) -> CExpr {
    let name = accessor(cx, map, AccessorKind::Take);
    let key = cx.expr(key).text;
    CExpr::postfix(format!("{name}({key})"))
}

/// The names the accessors of maps of objects use.
pub(super) struct ObjectNames<'n> {
    /// Each map's value struct.
    pub(super) values: &'n BTreeMap<MapId, String>,
    /// `ks_obj_drop`, when the object needs `new`/`delete` support.
    pub(super) drop: Option<String>,
}

/// An accessor of a map of objects (docs/design/kernel-lowering.md §3.2):
/// `get` borrows the object in place, `store` moves one in (creating the
/// entry, never overwriting it: an update would free the object in it;
/// the object it replaces, or the stored one when no entry can be made,
/// is dropped), `take` moves it out, `delete` removes the entry (the
/// kernel frees its object).
fn emit_object_accessor(
    out: &mut CWriter,
    types: &Types,
    map_id: MapId,
    name: &str,
    kind: AccessorKind,
    locals: &AccessorLocals,
    objects: &ObjectNames,
) {
    let map = types.program.map(map_id);
    let map_name = types.names.map(map_id);
    let (k, v, e) = (&locals.key, &locals.value, &locals.entry);
    let key_param = types.declaration(&map.key, k);
    let object = types.name(&map.value);
    let value = format!("struct {} *", objects.values[&map_id]);
    let value_struct = format!("struct {}", objects.values[&map_id]);
    let signature = match kind {
        AccessorKind::Get => format!("{object}{name}({key_param})"),
        AccessorKind::Take => format!("{object}{name}({key_param})"),
        AccessorKind::Store => format!("void {name}({key_param}, {object}{e})"),
        AccessorKind::Delete => format!("long {name}({key_param})"),
        _ => unreachable!("the checker allows no {kind:?} on a map of objects"),
    };
    out.line(format!("static __always_inline {signature}"));
    out.open_block("");
    let key = key_storage(out, types, map_id, k);
    let key_ref = address_of(&map.key, &key);
    if kind == AccessorKind::Delete {
        out.line(format!(
            "return bpf_map_delete_elem(&{map_name}, {key_ref});"
        ));
        out.close_block();
        return;
    }
    out.line(format!(
        "{value}{v} = bpf_map_lookup_elem(&{map_name}, {key_ref});"
    ));
    out.blank_line();
    match kind {
        AccessorKind::Get => out.line(format!("return {v} ? {v}->object : NULL;")),
        AccessorKind::Take => {
            out.open_block(format!("if (!{v})"));
            out.line("return NULL;");
            out.close_block();
            out.line(format!("return bpf_kptr_xchg(&{v}->object, NULL);"));
        }
        _ => {
            let drop = objects.drop.as_deref().unwrap_or("bpf_obj_drop");
            if !map.kind.is_array() {
                out.open_block(format!("if (!{v})"));
                out.line(format!("{value_struct} {} = {{}};", locals.zero));
                out.blank_line();
                out.line(format!(
                    "bpf_map_update_elem(&{map_name}, {key_ref}, &{}, BPF_NOEXIST);",
                    locals.zero
                ));
                out.line(format!(
                    "{v} = bpf_map_lookup_elem(&{map_name}, {key_ref});"
                ));
                out.close_block();
            }
            out.open_block(format!("if (!{v})"));
            out.line("/* No entry (the map is full): the object is freed. */");
            out.line(format!("{drop}({e});"));
            out.line("return;");
            out.close_block();
            out.line(format!("{e} = bpf_kptr_xchg(&{v}->object, {e});"));
            out.open_block(format!("if ({e})"));
            out.line("/* The object the entry held before. */");
            out.line(format!("{drop}({e});"));
            out.close_block();
        }
    }
    out.close_block();
}
