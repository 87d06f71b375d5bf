//! Maps: declarations (kind, key/value types, size, flags, pinning) and
//! the expressions that touch them (`m[k]`, `m[k] != null`, methods).
//!
//! Decisions: a map name is not a value. It may be indexed (`m[k]` reads
//! the value, or zero when absent), tested (`m[k] != null`), iterated
//! (`for (k, v) in m`), written by statements (`stmts.rs`/`places.rs`), used
//! as a method receiver (ring buffers), or passed to `dispatch`. Array maps
//! take 32-bit keys and cannot delete entries; `lpm_trie` needs
//! `@flags(no_prealloc)`; a ring buffer holds structs and its size is a
//! power of two of at least 4096 bytes. Flags are checked against the map
//! kind, and `rdonly_prog`/`wronly_prog` (`rdonly`/`wronly`) are enforced
//! against eBPF (userspace) writes and reads.

use crate::ir::{
    self, Callee, ExprKind, IntType, MapDef, MapFlag, MapId, MapKind, Method, Target, Type,
};
use crate::span::Span;
use crate::syntax::ast;

use super::env::Symbol;
use super::exprs::{error_expr, node};
use super::{errors, Checker};

/// Map kinds by their KernelScript names.
pub(crate) const MAP_KINDS: &[(&str, MapKind)] = &[
    ("hash", MapKind::Hash),
    ("array", MapKind::Array),
    ("percpu_hash", MapKind::PercpuHash),
    ("percpu_array", MapKind::PercpuArray),
    ("lru_hash", MapKind::LruHash),
    ("lru_percpu_hash", MapKind::LruPercpuHash),
    ("lpm_trie", MapKind::LpmTrie),
    ("ringbuf", MapKind::Ringbuf),
    ("prog_array", MapKind::ProgArray),
    ("perf_event_array", MapKind::PerfEventArray),
    ("stack_trace", MapKind::StackTrace),
];

/// The deepest stack `bpf_get_stackid` records (the kernel's default
/// `kernel.perf_event_max_stack`).
const MAX_STACK_DEPTH: u32 = 127;

const FLAG_NAMES: &[&str] = &[
    "no_prealloc",
    "no_common_lru",
    "numa_node(N)",
    "rdonly",
    "wronly",
    "rdonly_prog",
    "wronly_prog",
    "mmapable",
];

/// The smallest ring buffer the kernel accepts (one page).
const MIN_RINGBUF_SIZE: u32 = 4096;

/// Whether a global's written type is a map type.
pub(crate) fn is_map_type(ty: &Option<ast::TypeExpr>) -> bool {
    matches!(
        ty,
        Some(ast::TypeExpr {
            kind: ast::TypeExprKind::Generic { .. },
            ..
        })
    )
}

impl Checker<'_> {
    pub(crate) fn declare_maps(&mut self) {
        for index in 0..self.map_decls.len() {
            let decl = self.map_decls[index];
            let def = self.map_def(decl);
            self.program.maps[index] = def;
        }
    }

    fn map_def(&mut self, decl: &ast::GlobalVarDecl) -> MapDef {
        let mut def = MapDef {
            name: decl.name.name.clone(),
            kind: MapKind::Hash,
            key: Type::Error,
            value: Type::Error,
            max_entries: 1,
            flags: Vec::new(),
            pinned: decl.pin,
            span: decl.name.span,
        };
        if decl.local {
            self.report(errors::local_map(decl.name.span));
        }
        if let Some(init) = &decl.init {
            self.report(errors::map_with_initializer(init.span));
        }
        let Some(ast::TypeExpr {
            kind: ast::TypeExprKind::Generic { name, args, size },
            span,
        }) = &decl.ty
        else {
            return def;
        };
        let Some((_, kind)) = MAP_KINDS
            .iter()
            .find(|(kind_name, _)| *kind_name == name.name)
        else {
            let kinds: Vec<&str> = MAP_KINDS.iter().map(|(kind_name, _)| *kind_name).collect();
            self.report(errors::unknown_map_kind(name.span, &name.name, &kinds));
            return def;
        };
        def.kind = *kind;
        let types: Vec<Type> = args
            .iter()
            .map(|arg| {
                let what = match def.kind {
                    MapKind::Ringbuf => "ring buffer records",
                    _ => "map entries",
                };
                let ty = self.resolve_value_type(arg, what);
                self.reject_function_in_ebpf(&ty, arg.span);
                ty
            })
            .collect();
        match (def.kind, types.as_slice()) {
            (MapKind::Ringbuf | MapKind::PerfEventArray, [value]) => {
                def.key = Type::Void;
                def.value = value.clone();
                if !matches!(value, Type::Struct(_) | Type::Error) {
                    let found = self.type_name(value);
                    self.report(errors::ringbuf_value_not_struct(
                        args[0].span,
                        &found,
                        def.kind == MapKind::PerfEventArray,
                    ));
                }
            }
            (MapKind::Ringbuf, _) => self.report(errors::wrong_map_type_args(
                *span,
                "ringbuf",
                1,
                types.len(),
            )),
            (_, [key, value]) => {
                def.key = key.clone();
                def.value = value.clone();
                self.check_map_entry_types(&def, &args[0], &args[1]);
            }
            (kind, _) => self.report(errors::wrong_map_type_args(
                *span,
                kind.source_name(),
                2,
                types.len(),
            )),
        }
        match size {
            Some(size) => {
                if let Some(entries) = self.const_size(size, "map size") {
                    def.max_entries = entries;
                    if def.kind == MapKind::Ringbuf
                        && (entries < MIN_RINGBUF_SIZE || !entries.is_power_of_two())
                    {
                        self.report(errors::bad_ringbuf_size(size.span, entries));
                    }
                }
            }
            // libbpf sizes a perf event array to the number of CPUs.
            None if def.kind == MapKind::PerfEventArray && types.len() == 1 => {
                def.max_entries = 0;
            }
            None => self.report(errors::map_needs_size(*span)),
        }
        for attribute in &decl.attributes {
            if attribute.name.name == "flags" {
                for arg in &attribute.args {
                    self.map_flags(arg, &mut def);
                }
            } else {
                self.report(errors::unknown_attribute(
                    attribute.name.span,
                    &attribute.name.name,
                    &["flags"],
                ));
            }
        }
        self.check_flag_combination(decl, &def);
        def
    }

    fn check_map_entry_types(
        &mut self,
        def: &MapDef,
        key_written: &ast::TypeExpr,
        value_written: &ast::TypeExpr,
    ) {
        let entries = [
            (&def.key, key_written, "keys"),
            (&def.value, value_written, "values"),
        ];
        for (ty, written, what) in entries {
            if what == "values" && self.is_object_pointer(ty) {
                if !matches!(def.kind, MapKind::Hash | MapKind::LruHash | MapKind::Array) {
                    self.report(errors::objects_in_map_kind(
                        written.span,
                        def.kind.source_name(),
                    ));
                }
                continue;
            }
            if matches!(
                ty,
                Type::Pointer(_) | Type::Function(_) | Type::ProgramHandle | Type::PerfAttachment
            ) {
                let found = self.type_name(ty);
                self.report(errors::pointer_in_map(written.span, &found));
            } else if *ty != Type::Error && ty.size(&self.program) == 0 {
                let found = self.type_name(ty);
                self.report(errors::empty_map_entry(written.span, what, &found));
            }
        }
        let key_ok = match def.kind {
            MapKind::Array
            | MapKind::PercpuArray
            | MapKind::ProgArray
            | MapKind::PerfEventArray => {
                matches!(
                    def.key,
                    Type::Int(IntType::U32 | IntType::I32) | Type::Enum(_) | Type::Error
                )
            }
            MapKind::LpmTrie => matches!(def.key, Type::Struct(_) | Type::Error),
            MapKind::StackTrace => matches!(def.key, Type::Int(IntType::U32) | Type::Error),
            _ => true,
        };
        if def.kind == MapKind::StackTrace {
            let value_ok = match &def.value {
                Type::Array(element, depth) => {
                    **element == Type::Int(IntType::U64) && (1..=MAX_STACK_DEPTH).contains(depth)
                }
                Type::Error => true,
                _ => false,
            };
            if !value_ok {
                let found = self.type_name(&def.value);
                self.report(errors::bad_stack_trace_value(
                    value_written.span,
                    &found,
                    MAX_STACK_DEPTH,
                ));
            }
        }
        if !key_ok {
            let found = self.type_name(&def.key);
            self.report(errors::bad_map_key(
                key_written.span,
                def.kind.source_name(),
                &found,
            ));
        }
    }

    fn map_flags(&mut self, expr: &ast::Expr, def: &mut MapDef) {
        let flag = match &expr.kind {
            ast::ExprKind::Binary {
                op: ast::BinaryOp::BitOr,
                lhs,
                rhs,
            } => {
                self.map_flags(lhs, def);
                self.map_flags(rhs, def);
                return;
            }
            ast::ExprKind::Ident(name) => match flag_name(name) {
                "no_prealloc" => MapFlag::NoPrealloc,
                "no_common_lru" => MapFlag::NoCommonLru,
                "rdonly" => MapFlag::Rdonly,
                "wronly" => MapFlag::Wronly,
                "rdonly_prog" => MapFlag::RdonlyProg,
                "wronly_prog" => MapFlag::WronlyProg,
                "mmapable" => MapFlag::Mmapable,
                "numa_node" => {
                    self.report(errors::numa_node_needs_arg(expr.span));
                    return;
                }
                _ => {
                    self.report(errors::unknown_map_flag(expr.span, name, FLAG_NAMES));
                    return;
                }
            },
            ast::ExprKind::Call { callee, args } if matches!(&callee.kind, ast::ExprKind::Ident(name) if flag_name(name) == "numa_node") =>
            {
                let [node_expr] = args.as_slice() else {
                    self.report(errors::numa_node_needs_arg(expr.span));
                    return;
                };
                match self.const_int(node_expr, Some(&Type::Int(IntType::U32))) {
                    Some(node) => MapFlag::NumaNode(node as u32),
                    None => return,
                }
            }
            _ => {
                self.report(errors::unknown_map_flag(
                    expr.span,
                    "this expression",
                    FLAG_NAMES,
                ));
                return;
            }
        };
        let allowed = match flag {
            MapFlag::NoPrealloc => matches!(
                def.kind,
                MapKind::Hash | MapKind::PercpuHash | MapKind::LpmTrie
            ),
            MapFlag::NoCommonLru => matches!(def.kind, MapKind::LruHash | MapKind::LruPercpuHash),
            MapFlag::Mmapable => def.kind == MapKind::Array,
            _ => def.kind != MapKind::Ringbuf || matches!(flag, MapFlag::NumaNode(_)),
        };
        if !allowed {
            self.report(errors::flag_not_for_kind(
                expr.span,
                flag_label(flag),
                def.kind.source_name(),
            ));
            return;
        }
        if def.flags.contains(&flag) {
            self.report(errors::duplicate_map_flag(expr.span, flag_label(flag)));
            return;
        }
        def.flags.push(flag);
    }

    fn check_flag_combination(&mut self, decl: &ast::GlobalVarDecl, def: &MapDef) {
        let has = |flag| def.flags.contains(&flag);
        if has(MapFlag::Rdonly) && has(MapFlag::Wronly)
            || has(MapFlag::RdonlyProg) && has(MapFlag::WronlyProg)
        {
            self.report(errors::conflicting_map_flags(decl.name.span));
        }
        if def.kind == MapKind::LpmTrie && !has(MapFlag::NoPrealloc) {
            self.report(errors::lpm_needs_no_prealloc(decl.name.span));
        }
    }

    /// The map `e` names, when it is a map name not shadowed by a local
    /// (or `module.map`).
    pub(crate) fn map_index_target(&mut self, e: &ast::Expr) -> Option<MapId> {
        match self.item_symbol(e) {
            Some(Symbol::Map(id)) => Some(id),
            _ => None,
        }
    }

    /// `m[k]` as a value.
    pub(crate) fn map_get(
        &mut self,
        map: MapId,
        base: &ast::Expr,
        index: &ast::Expr,
        span: Span,
    ) -> ir::Expr {
        let Some(key) = self.map_key(map, base, index) else {
            return error_expr(span);
        };
        self.check_map_access(map, span, false);
        self.check_object_map_side(map, span);
        let value = self.program.map(map).value.clone();
        node(
            ExprKind::MapGet {
                map,
                key: Box::new(key),
            },
            value,
            span,
        )
    }

    /// Checks the key of `m[k]` for a keyed map.
    pub(crate) fn map_key(
        &mut self,
        map: MapId,
        base: &ast::Expr,
        index: &ast::Expr,
    ) -> Option<ir::Expr> {
        let def = self.program.map(map);
        if matches!(
            def.kind,
            MapKind::Ringbuf | MapKind::ProgArray | MapKind::PerfEventArray
        ) {
            let (name, kind) = (def.name.clone(), def.kind.source_name());
            self.report(errors::map_not_indexable(base.span, &name, kind));
            self.expr(index, None);
            return None;
        }
        if def.kind == MapKind::StackTrace && self.fx.is_ebpf() {
            let name = def.name.clone();
            self.report(errors::stack_trace_in_ebpf(base.span, &name));
            self.expr(index, None);
            return None;
        }
        let key_type = def.key.clone();
        let key = self.expr_as(index, &key_type);
        (key.ty != Type::Error).then_some(key)
    }

    /// `m[k] != null` for the AST `m[k]`, if `entry` is a map entry.
    pub(crate) fn map_presence(&mut self, entry: &ast::Expr, span: Span) -> Option<ir::Expr> {
        let ast::ExprKind::Index { base, index } = &entry.kind else {
            return None;
        };
        let map = self.map_index_target(base)?;
        if self.program.map(map).holds_objects() {
            // The pointer itself is compared: null when absent or empty.
            return None;
        }
        let Some(key) = self.map_key(map, base, index) else {
            return Some(error_expr(span));
        };
        self.check_map_access(map, span, false);
        Some(node(
            ExprKind::MapContains {
                map,
                key: Box::new(key),
            },
            Type::Bool,
            span,
        ))
    }

    /// Reports reads (`write == false`) or writes the map's flags forbid
    /// from the current side.
    pub(crate) fn check_map_access(&mut self, map: MapId, span: Span, write: bool) {
        let Some(target) = self.fx.target() else {
            return;
        };
        let def = self.program.map(map);
        let forbidden = match (target, write) {
            (Target::Ebpf, true) => def
                .flags
                .contains(&MapFlag::RdonlyProg)
                .then_some("rdonly_prog"),
            (Target::Ebpf, false) => def
                .flags
                .contains(&MapFlag::WronlyProg)
                .then_some("wronly_prog"),
            (Target::Userspace, true) => def.flags.contains(&MapFlag::Rdonly).then_some("rdonly"),
            (Target::Userspace, false) => def.flags.contains(&MapFlag::Wronly).then_some("wronly"),
            (Target::KernelModule, _) => {
                let name = def.name.clone();
                self.report(errors::map_in_kernel_module(span, &name));
                return;
            }
        };
        if let Some(flag) = forbidden {
            let name = def.name.clone();
            self.report(errors::map_access_forbidden_by_flag(
                span, &name, flag, write,
            ));
        }
    }

    /// `rb.reserve()`, `rb.submit(p)`, `rb.discard(p)`, `rb.on_event(f)`;
    /// `m.insert(k, v)` on hash maps.
    pub(crate) fn map_method(
        &mut self,
        map: MapId,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ir::Expr {
        let def = self.program.map(map);
        let (map_name, kind, value) = (def.name.clone(), def.kind, def.value.clone());
        if kind == MapKind::PerfEventArray && name.name == "output" {
            return self.perf_output(map, name, args, span);
        }
        // Variable-size records reserve `sizeof(T) + n` bytes; fixed-size
        // ones exactly `sizeof(T)` (docs/language.md §6.6).
        let dynptr = ir::records::is_dynptr_map(&self.program, map);
        if kind == MapKind::Ringbuf && name.name == "reserve" && dynptr == args.is_empty() {
            let record = self.type_name(&value);
            self.report(match dynptr {
                true => errors::reserve_needs_size(span, &map_name, &record),
                false => errors::reserve_fixed_with_size(span, &map_name, &record),
            });
            self.skip_args(args);
            return error_expr(span);
        }
        let method = match name.name.as_str() {
            "reserve" => Method::Reserve,
            "submit" => Method::Submit,
            "discard" => Method::Discard,
            "on_event" => Method::OnEvent,
            "insert" if def_holds_objects(self, map) => {
                self.report(errors::object_map_operation(name.span, &map_name, "insert"));
                self.skip_args(args);
                return error_expr(span);
            }
            "insert" => return self.map_insert(map, name, args, span),
            "take" if def_holds_objects(self, map) => {
                return self.map_take(map, args, span);
            }
            _ => {
                self.report(errors::unknown_map_method(
                    name.span,
                    &name.name,
                    &map_name,
                    kind.source_name(),
                ));
                self.skip_args(args);
                return error_expr(span);
            }
        };
        let events = kind == MapKind::Ringbuf
            || (method == Method::OnEvent && self.program.map(map).is_event_source());
        if !events {
            self.report(errors::unknown_map_method(
                name.span,
                &name.name,
                &map_name,
                kind.source_name(),
            ));
            self.skip_args(args);
            return error_expr(span);
        }
        let userspace_method = method == Method::OnEvent;
        let target = self.fx.target();
        let on_right_side = match target {
            Some(Target::Userspace) => userspace_method,
            Some(Target::Ebpf) => !userspace_method,
            _ => false,
        };
        if !on_right_side {
            self.report(errors::ringbuf_method_wrong_side(
                name.span,
                &name.name,
                userspace_method,
            ));
            self.skip_args(args);
            return error_expr(span);
        }
        let event_pointer = Type::Pointer(Box::new(value.clone()));
        let size = Type::Int(IntType::U32);
        let (params, ret) = match method {
            Method::Reserve if dynptr => (vec![size], event_pointer),
            Method::Reserve => (vec![], event_pointer),
            Method::Submit | Method::Discard => (vec![event_pointer], Type::Void),
            Method::Insert | Method::Output | Method::Take => unreachable!("checked apart"),
            Method::OnEvent if kind == MapKind::PerfEventArray => {
                return self.perf_on_event(map, name, args, span);
            }
            Method::OnEvent => {
                // A variable-size record comes with its size in bytes.
                let params = match dynptr {
                    true => vec![event_pointer, size],
                    false => vec![event_pointer],
                };
                (vec![handler_type(params)], Type::Void)
            }
        };
        let args = self.call_args(&params, args, &format!("{map_name}.{}", name.name), span);
        node(
            ExprKind::Call {
                callee: Callee::Method {
                    receiver: map,
                    method,
                },
                args,
            },
            ret,
            span,
        )
    }
}

/// The type of an event handler taking `params` (`-> i32`; a handler
/// returning nothing is accepted too).
fn handler_type(params: Vec<Type>) -> Type {
    Type::Function(Box::new(ir::FunctionType {
        params,
        ret: Type::Int(IntType::I32),
        function: None,
    }))
}

impl Checker<'_> {
    /// `events.on_event(handler)` on a `perf_event_array<T>`: the handler
    /// is `fn(event: *T)`, or `fn(event: *T, bytes: *u8, len: u32)` for
    /// the packet bytes `output(value, n)` appends (`len` is what follows
    /// the event in the sample, the kernel's padding to 8 bytes included).
    fn perf_on_event(
        &mut self,
        map: MapId,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ir::Expr {
        let def = self.program.map(map);
        let (map_name, value) = (def.name.clone(), def.value.clone());
        let event_pointer = Type::Pointer(Box::new(value));
        let [arg] = args else {
            let handler = handler_type(vec![event_pointer]);
            self.call_args(&[handler], args, &format!("{map_name}.{}", name.name), span);
            return error_expr(span);
        };
        let checked = self.expr(arg, None);
        let with_bytes =
            matches!(&checked.ty, Type::Function(function) if function.params.len() == 3);
        let params = match with_bytes {
            true => vec![
                event_pointer,
                Type::Pointer(Box::new(Type::Int(IntType::U8))),
                Type::Int(IntType::U32),
            ],
            false => vec![event_pointer],
        };
        let handler = self.coerce(checked, &handler_type(params), arg.span);
        node(
            ExprKind::Call {
                callee: Callee::Method {
                    receiver: map,
                    method: Method::OnEvent,
                },
                args: vec![handler],
            },
            Type::Void,
            span,
        )
    }

    /// `events.output(value) -> i64` on a `perf_event_array<T>` (or
    /// `output(value, n)`, appending `n` bytes of the packet), from a
    /// program whose first parameter is its context (the helper needs it),
    /// or from a `@helper`, which then receives that context from its
    /// callers as a hidden parameter (`perf_context.rs`).
    /// `value` is a `T` or a `*T` (`&record`).
    fn perf_output(
        &mut self,
        map: MapId,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ir::Expr {
        let def = self.program.map(map);
        let (map_name, value, event_map) =
            (def.name.clone(), def.value.clone(), def.key == Type::Void);
        if !event_map {
            self.report(errors::perf_output_needs_event_type(name.span, &map_name));
            self.skip_args(args);
            return error_expr(span);
        }
        if !self.fx.is_ebpf() {
            self.report(errors::ringbuf_method_wrong_side(
                name.span, "output", false,
            ));
            self.skip_args(args);
            return error_expr(span);
        }
        let context = match &self.fx.kind {
            Some(ir::FunctionKind::Program(decl))
                if matches!(
                    decl.kind.descriptor().signature,
                    crate::kinds::Signature::Context { .. }
                        | crate::kinds::Signature::TracepointRecord
                ) && self.fx.params > 0 =>
            {
                let ty = self.fx.locals[0].ty.clone();
                Some(node(ExprKind::Local(ir::LocalId(0)), ty, span))
            }
            // A helper gets the program's context as a hidden parameter
            // (`perf_context.rs`).
            Some(ir::FunctionKind::Helper) => {
                let ty = Type::Pointer(Box::new(Type::Void));
                let local = match self.fx.context_local {
                    Some((local, _)) => local,
                    None => {
                        let local = self.fx.new_local("ctx", ty.clone(), false, span);
                        self.fx.context_local = Some((local, span));
                        local
                    }
                };
                Some(node(ExprKind::Local(local), ty, span))
            }
            _ => None,
        };
        let Some(context) = context else {
            self.report(errors::perf_output_needs_context(name.span, &map_name));
            self.skip_args(args);
            return error_expr(span);
        };
        let (arg, bytes) = match args {
            [arg] => (arg, None),
            [arg, bytes] => (arg, Some(bytes)),
            _ => {
                self.report(errors::wrong_arg_count(
                    span,
                    &format!("{map_name}.output"),
                    1,
                    args.len(),
                ));
                self.skip_args(args);
                return error_expr(span);
            }
        };
        // `output(value, n)`: `n` bytes of the packet follow the value, in
        // the programs whose kernel helper takes them (not in a helper,
        // which every kind may call).
        let bytes = match bytes {
            None => None,
            Some(bytes) => {
                let packet_program = match &self.fx.kind {
                    Some(ir::FunctionKind::Program(decl)) => {
                        decl.kind.descriptor().perf_packet_bytes
                    }
                    _ => false,
                };
                if !packet_program {
                    self.report(errors::perf_packet_bytes_outside_packet_program(
                        bytes.span, &map_name,
                    ));
                    self.skip_args(args);
                    return error_expr(span);
                }
                Some(self.expr_as(bytes, &Type::Int(IntType::U32)))
            }
        };
        let by_address = matches!(
            &arg.kind,
            ast::ExprKind::Unary {
                op: ast::UnaryOp::AddrOf,
                ..
            }
        );
        let expected = if by_address {
            Type::Pointer(Box::new(value))
        } else {
            value
        };
        let event = self.expr_as(arg, &expected);
        let mut args = vec![context, event];
        args.extend(bytes);
        node(
            ExprKind::Call {
                callee: Callee::Method {
                    receiver: map,
                    method: Method::Output,
                },
                args,
            },
            Type::Int(IntType::I64),
            span,
        )
    }

    /// `m.insert(key, value) -> bool`: a hash kind, from eBPF or userspace.
    fn map_insert(
        &mut self,
        map: MapId,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ir::Expr {
        let def = self.program.map(map);
        let (map_name, kind) = (def.name.clone(), def.kind);
        let (key, value) = (def.key.clone(), def.value.clone());
        let hash = matches!(
            kind,
            MapKind::Hash | MapKind::LruHash | MapKind::PercpuHash | MapKind::LruPercpuHash
        );
        if !hash {
            let diagnostic = if kind.is_array() {
                errors::insert_into_array(name.span, &map_name)
            } else {
                errors::unknown_map_method(name.span, &name.name, &map_name, kind.source_name())
            };
            self.report(diagnostic);
            self.skip_args(args);
            return error_expr(span);
        }
        self.check_map_access(map, span, true);
        let args = self.call_args(&[key, value], args, &format!("{map_name}.insert"), span);
        node(
            ExprKind::Call {
                callee: Callee::Method {
                    receiver: map,
                    method: Method::Insert,
                },
                args,
            },
            Type::Bool,
            span,
        )
    }
}

fn def_holds_objects(checker: &Checker<'_>, map: MapId) -> bool {
    checker.program.map(map).holds_objects()
}

/// Accepts the C spelling `BPF_F_NO_PREALLOC` for `no_prealloc`.
fn flag_name(name: &str) -> &str {
    match name {
        "BPF_F_NO_PREALLOC" => "no_prealloc",
        "BPF_F_NO_COMMON_LRU" => "no_common_lru",
        "BPF_F_NUMA_NODE" => "numa_node",
        "BPF_F_RDONLY" => "rdonly",
        "BPF_F_WRONLY" => "wronly",
        "BPF_F_RDONLY_PROG" => "rdonly_prog",
        "BPF_F_WRONLY_PROG" => "wronly_prog",
        "BPF_F_MMAPABLE" => "mmapable",
        other => other,
    }
}

fn flag_label(flag: MapFlag) -> &'static str {
    match flag {
        MapFlag::NoPrealloc => "no_prealloc",
        MapFlag::NoCommonLru => "no_common_lru",
        MapFlag::NumaNode(_) => "numa_node",
        MapFlag::Rdonly => "rdonly",
        MapFlag::Wronly => "wronly",
        MapFlag::RdonlyProg => "rdonly_prog",
        MapFlag::WronlyProg => "wronly_prog",
        MapFlag::Mmapable => "mmapable",
    }
}
