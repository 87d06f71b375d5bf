//! Tests of the IR the checker produces for key constructs. The rules
//! (which programs are rejected, with which message) are tested by the
//! annotated `.ks` cases in `tests/check_cases/`.

use crate::diagnostic::Diagnostics;
use crate::ir::{
    self, BinaryOp, Builtin, Callee, ExprKind, FunctionKind, IntType, MapKind, Method, Origin,
    StmtKind, Type, UnaryOp,
};
use crate::span::FileId;
use crate::syntax;
use crate::unit::{Role, Unit, UnitFile};

/// Checks one parsed main file.
fn check_file(file: syntax::ast::SourceFile) -> (ir::Program, Diagnostics) {
    let mut unit = Unit::new();
    unit.files.push(UnitFile {
        file: FileId(0),
        role: Role::Main,
        ast: file,
    });
    super::check(&unit, crate::kernel::test_kernel(), &Default::default())
}

/// Parses and checks `source`, failing the test on any error.
fn checked(source: &str) -> ir::Program {
    let (file, parse_diagnostics) = syntax::parse(FileId(0), source);
    assert_no_errors(&parse_diagnostics, source);
    let (program, diagnostics) = check_file(file);
    assert_no_errors(&diagnostics, source);
    program
}

fn assert_no_errors(diagnostics: &Diagnostics, source: &str) {
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let at = d.primary_span().map_or(0, |span| span.start as usize);
            format!(
                "{} at {:?}",
                d.message,
                &source[at..source.len().min(at + 30)]
            )
        })
        .collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
}

/// The messages of the errors `source` produces.
fn errors(source: &str) -> Vec<String> {
    let (file, _) = syntax::parse(FileId(0), source);
    let (_, diagnostics) = check_file(file);
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect()
}

fn function<'p>(program: &'p ir::Program, name: &str) -> &'p ir::Function {
    program
        .functions
        .iter()
        .find(|f| f.name == name)
        .expect("function exists")
}

/// The statements of `name`'s body.
fn body<'p>(program: &'p ir::Program, name: &str) -> &'p [ir::Stmt] {
    &function(program, name).body.stmts
}

const MAPS: &str = "
struct Stats { packets: u64, bytes: u64 }
var counts : hash<u32, u64>(1024)
var stats : hash<u32, Stats>(1024)
";

#[test]
fn compound_assignment_on_a_map_entry_is_a_map_compound() {
    let source = format!(
        "{MAPS} @xdp fn f(ctx: *xdp_md) -> xdp_action {{ counts[7] += 1 \n return XDP_PASS }}"
    );
    let program = checked(&source);
    let StmtKind::MapCompound {
        map,
        key,
        op,
        value,
    } = &body(&program, "f")[0].kind
    else {
        panic!(
            "expected MapCompound, got {:?}",
            body(&program, "f")[0].kind
        );
    };
    assert_eq!(program.map(*map).name, "counts");
    assert_eq!(*op, BinaryOp::Add);
    assert!(matches!(key.kind, ExprKind::Int(7, _)));
    assert_eq!(key.ty, Type::Int(IntType::U32));
    assert_eq!(value.ty, Type::Int(IntType::U64));
}

#[test]
fn field_update_of_a_map_entry_is_a_map_field_update() {
    let source =
        format!("{MAPS} @xdp fn f(ctx: *xdp_md) -> xdp_action {{ stats[1].bytes += 64 \n stats[1].packets = 2 \n return XDP_PASS }}");
    let program = checked(&source);
    let stmts = body(&program, "f");
    let StmtKind::MapFieldUpdate {
        path, op, value, ..
    } = &stmts[0].kind
    else {
        panic!("expected MapFieldUpdate, got {:?}", stmts[0].kind);
    };
    assert_eq!(path, &vec![1]);
    assert_eq!(*op, Some(BinaryOp::Add));
    assert_eq!(value.ty, Type::Int(IntType::U64));
    assert!(
        matches!(&stmts[1].kind, StmtKind::MapFieldUpdate { path, op: None, .. } if path == &vec![0])
    );
}

#[test]
fn store_read_presence_and_delete_lower_to_map_operations() {
    let source = format!(
        "{MAPS} @xdp fn f(ctx: *xdp_md) -> xdp_action {{
            counts[1] = 5
            var c = counts[1]
            if (counts[2] != null) {{ delete counts[2] }}
            if (counts[3] == null) {{ counts[3] = c }}
            return XDP_PASS
        }}"
    );
    let program = checked(&source);
    let stmts = body(&program, "f");
    assert!(matches!(stmts[0].kind, StmtKind::MapStore { .. }));
    let StmtKind::Let {
        init: Some(init),
        local,
    } = &stmts[1].kind
    else {
        panic!()
    };
    assert!(matches!(init.kind, ExprKind::MapGet { .. }));
    assert_eq!(
        function(&program, "f").local(*local).ty,
        Type::Int(IntType::U64)
    );
    let StmtKind::If {
        condition,
        then_block,
        ..
    } = &stmts[2].kind
    else {
        panic!()
    };
    assert!(matches!(condition.kind, ExprKind::MapContains { .. }));
    assert_eq!(condition.ty, Type::Bool);
    assert!(matches!(
        then_block.stmts[0].kind,
        StmtKind::MapDelete { .. }
    ));
    let StmtKind::If { condition, .. } = &stmts[3].kind else {
        panic!()
    };
    let ExprKind::Unary {
        op: UnaryOp::Not,
        operand,
    } = &condition.kind
    else {
        panic!("expected !contains, got {:?}", condition.kind)
    };
    assert!(matches!(operand.kind, ExprKind::MapContains { .. }));
}

#[test]
fn if_var_on_a_map_entry_binds_the_value_by_reference() {
    let source = format!(
        "{MAPS} @xdp fn f(ctx: *xdp_md) -> xdp_action {{
            if (var s = stats[4]) {{ s.packets += 1 }} else {{ stats[4] = Stats {{ packets: 1, bytes: 0 }} }}
            return XDP_PASS
        }}"
    );
    let program = checked(&source);
    let f = function(&program, "f");
    let StmtKind::IfLetMap {
        binding,
        then_block,
        else_block,
        ..
    } = &f.body.stmts[0].kind
    else {
        panic!("expected IfLetMap, got {:?}", f.body.stmts[0].kind);
    };
    let local = f.local(*binding);
    assert!(local.by_reference);
    assert_eq!(local.name, "s");
    assert!(matches!(local.ty, Type::Struct(_)));
    let StmtKind::Assign {
        target,
        op: Some(BinaryOp::Add),
        ..
    } = &then_block.stmts[0].kind
    else {
        panic!()
    };
    assert!(
        matches!(&target.kind, ExprKind::Field { base, field: 0 } if matches!(base.kind, ExprKind::Local(id) if id == *binding))
    );
    assert!(matches!(
        else_block.as_ref().unwrap().stmts[0].kind,
        StmtKind::MapStore { .. }
    ));
}

#[test]
fn if_var_on_a_pointer_binds_the_pointer() {
    let source = "struct Event { pid: u32 }
        var events : ringbuf<Event>(4096)
        @xdp fn f(ctx: *xdp_md) -> xdp_action {
            if (var e = events.reserve()) { e->pid = 1 \n events.submit(e) }
            return XDP_PASS
        }";
    let program = checked(source);
    let f = function(&program, "f");
    let StmtKind::IfLetPointer {
        binding,
        value,
        then_block,
        ..
    } = &f.body.stmts[0].kind
    else {
        panic!("expected IfLetPointer, got {:?}", f.body.stmts[0].kind);
    };
    assert!(!f.local(*binding).by_reference);
    assert!(matches!(f.local(*binding).ty, Type::Pointer(_)));
    assert!(matches!(
        value.kind,
        ExprKind::Call {
            callee: Callee::Method {
                method: Method::Reserve,
                ..
            },
            ..
        }
    ));
    let StmtKind::Expr(submit) = &then_block.stmts[1].kind else {
        panic!()
    };
    assert!(matches!(
        submit.kind,
        ExprKind::Call {
            callee: Callee::Method {
                method: Method::Submit,
                ..
            },
            ..
        }
    ));
    assert_eq!(program.maps[0].kind, MapKind::Ringbuf);
    assert_eq!(program.maps[0].key, Type::Void);
}

#[test]
fn config_fields_are_read_through_config_field() {
    let source = "config net { limit: u32 = 1500, debug: bool }
        @xdp fn f(ctx: *xdp_md) -> xdp_action {
            if (net.limit > 100) { return XDP_DROP }
            return XDP_PASS
        }
        fn main() -> i32 { net.debug = true \n return 0 }";
    let program = checked(source);
    let StmtKind::If { condition, .. } = &body(&program, "f")[0].kind else {
        panic!()
    };
    let ExprKind::Binary { lhs, .. } = &condition.kind else {
        panic!()
    };
    assert!(matches!(lhs.kind, ExprKind::ConfigField { field: 0, .. }));
    let default = program.configs[0].fields[0].default.as_ref().unwrap();
    assert!(matches!(default.kind, ExprKind::Int(1500, _)));
    let StmtKind::Assign { target, .. } = &body(&program, "main")[0].kind else {
        panic!()
    };
    assert!(matches!(
        target.kind,
        ExprKind::ConfigField { field: 1, .. }
    ));
}

#[test]
fn returning_another_program_is_a_tail_call() {
    let source = "@xdp fn next(ctx: *xdp_md) -> xdp_action { return XDP_PASS }
        @xdp fn first(ctx: *xdp_md) -> xdp_action {
            if (ctx->ingress_ifindex == 1) { return next(ctx) }
            return match (ctx->ingress_ifindex) { 2: next(ctx), default: XDP_DROP }
        }";
    let program = checked(source);
    let next = program
        .functions
        .iter()
        .position(|f| f.name == "next")
        .unwrap();
    let stmts = body(&program, "first");
    let StmtKind::If { then_block, .. } = &stmts[0].kind else {
        panic!()
    };
    let StmtKind::Return(Some(call)) = &then_block.stmts[0].kind else {
        panic!()
    };
    assert!(
        matches!(&call.kind, ExprKind::Call { callee: Callee::TailCall(id), args } if id.index() == next && args.len() == 1)
    );
    let StmtKind::Return(Some(matched)) = &stmts[1].kind else {
        panic!()
    };
    let ExprKind::Match { arms, .. } = &matched.kind else {
        panic!()
    };
    assert!(matches!(
        arms[0].value.as_ref().unwrap().kind,
        ExprKind::Call {
            callee: Callee::TailCall(_),
            ..
        }
    ));
}

#[test]
fn packet_pointers_are_byte_pointers() {
    let source = "struct Eth { proto: u16 }
        @xdp fn f(ctx: *xdp_md) -> xdp_action {
            var len = ctx->data_end - ctx->data
            var eth = ctx->data as *Eth
            var next = ctx->data + 14
            return XDP_PASS
        }";
    let program = checked(source);
    let f = function(&program, "f");
    let byte_pointer = Type::Pointer(Box::new(Type::Int(IntType::U8)));
    assert_eq!(f.locals[1].ty, Type::Int(IntType::I64));
    assert!(matches!(&f.locals[2].ty, Type::Pointer(inner) if matches!(**inner, Type::Struct(_))));
    assert_eq!(f.locals[3].ty, byte_pointer);
    let xdp_md = program.structs.iter().find(|s| s.name == "xdp_md").unwrap();
    assert_eq!(xdp_md.origin, Origin::Kernel);
    assert_eq!(xdp_md.fields[0].ty, byte_pointer);
}

#[test]
fn literals_take_the_expected_type() {
    let source = "@helper fn f(x: u8) -> u64 {
            var a: u8 = 5
            var b = 7
            var c = -1
            var d = x + 1
            var e: u64 = 1 << 40
            return e
        }";
    let program = checked(source);
    let f = function(&program, "f");
    let types: Vec<&Type> = f.locals.iter().skip(1).map(|local| &local.ty).collect();
    use IntType::*;
    assert_eq!(
        types,
        vec![
            &Type::Int(U8),
            &Type::Int(U32),
            &Type::Int(I32),
            &Type::Int(U8),
            &Type::Int(U64)
        ]
    );
}

#[test]
fn named_returns_and_trailing_values_return() {
    let source = "@helper fn named(x: u32) -> total: u32 { total = x \n if (x > 3) { return } }
        @helper fn trailing(x: u32) -> u32 { match (x) { 1: 10, default: 20 } }";
    let program = checked(source);
    let named = function(&program, "named");
    assert_eq!(named.named_return, Some(ir::LocalId(1)));
    assert!(matches!(
        named.body.stmts.last().unwrap().kind,
        StmtKind::Return(None)
    ));
    let StmtKind::Return(Some(value)) = &body(&program, "trailing")[0].kind else {
        panic!()
    };
    assert!(matches!(value.kind, ExprKind::Match { .. }));
    assert_eq!(value.ty, Type::Int(IntType::U32));
}

#[test]
fn kernel_items_are_predefined() {
    let source = "@tc(\"ingress\") fn f(ctx: *__sk_buff) -> i32 { return TC_ACT_SHOT }
        @xdp fn g(ctx: *xdp_md) -> xdp_action { return XDP_TX }";
    let program = checked(source);
    let StmtKind::Return(Some(shot)) = &body(&program, "f")[0].kind else {
        panic!()
    };
    let ExprKind::Const(id) = shot.kind else {
        panic!()
    };
    let def = program.const_def(id);
    assert_eq!(
        (def.name.as_str(), def.value, def.origin),
        ("TC_ACT_SHOT", 2, Origin::Kernel)
    );
    let StmtKind::Return(Some(tx)) = &body(&program, "g")[0].kind else {
        panic!()
    };
    let ExprKind::EnumVariant { enum_id, variant } = tx.kind else {
        panic!()
    };
    let action = program.enum_def(enum_id);
    assert_eq!(action.origin, Origin::Kernel);
    assert_eq!(action.variants[variant].value, 3);
    let tc = function(&program, "f").kind.program().expect("a program");
    assert_eq!(
        (tc.descriptor().attribute, tc.target.as_str()),
        ("tc", "ingress")
    );
}

#[test]
fn userspace_builtins_are_typed() {
    let source = "struct Event { pid: u32 }
        var events : ringbuf<Event>(8192)
        @xdp fn prog(ctx: *xdp_md) -> xdp_action { return XDP_PASS }
        fn on_event(e: *Event) -> i32 { return 0 }
        fn main() -> i32 {
            var handle = load(prog)
            var result = attach(handle, \"eth0\", 0)
            events.on_event(on_event)
            dispatch(events)
            detach(handle)
            return result
        }";
    let program = checked(source);
    let main = function(&program, "main");
    assert_eq!(main.kind, FunctionKind::Main);
    assert_eq!(main.locals[0].ty, Type::ProgramHandle);
    let StmtKind::Let {
        init: Some(load), ..
    } = &main.body.stmts[0].kind
    else {
        panic!()
    };
    let ExprKind::Call {
        callee: Callee::Builtin(Builtin::Load),
        args,
    } = &load.kind
    else {
        panic!()
    };
    assert!(matches!(args[0].kind, ExprKind::FunctionRef(_)));
    assert!(matches!(args[0].ty, Type::ProgramRef(kind) if kind.descriptor().attribute == "xdp"));
    let StmtKind::Expr(dispatch) = &main.body.stmts[3].kind else {
        panic!()
    };
    let ExprKind::Call { args, .. } = &dispatch.kind else {
        panic!()
    };
    assert!(matches!(args[0].kind, ExprKind::MapRef(_)));
}

#[test]
fn struct_ops_impls_become_struct_ops_definitions() {
    let source = "@struct_ops(\"tcp_congestion_ops\")
        impl my_cc {
            fn ssthresh(sk: *sock) -> u32 { return 16 }
            name: \"my_cc\",
        }
        fn main() -> i32 { return register(my_cc) }";
    let program = checked(source);
    let def = &program.struct_ops[0];
    assert_eq!(
        (def.name.as_str(), def.ops_type.as_str()),
        ("my_cc", "tcp_congestion_ops")
    );
    assert_eq!(def.methods.len(), 1);
    assert!(matches!(
        program.function(def.methods[0].1).kind,
        FunctionKind::StructOpsMethod { ref impl_name } if impl_name == "my_cc"
    ));
    assert!(matches!(def.fields[0].1.kind, ExprKind::Str(_)));
    let StmtKind::Return(Some(register)) = &body(&program, "main")[0].kind else {
        panic!()
    };
    let ExprKind::Call { args, .. } = &register.kind else {
        panic!()
    };
    assert!(matches!(args[0].kind, ExprKind::StructOpsRef(_)));
}

#[test]
fn local_constants_are_inlined_and_loop_variables_take_the_bound_type() {
    let source = "@helper fn f(n: u16) -> u32 {
            const STEP: u16 = 3
            var total: u32 = 0
            for (i in 0..n) { total += STEP }
            return total
        }";
    let program = checked(source);
    let f = function(&program, "f");
    let StmtKind::ForRange {
        var, start, body, ..
    } = &f.body.stmts[1].kind
    else {
        panic!()
    };
    assert_eq!(f.local(*var).ty, Type::Int(IntType::U16));
    assert_eq!(start.ty, Type::Int(IntType::U16));
    let StmtKind::Assign { value, .. } = &body.stmts[0].kind else {
        panic!()
    };
    assert!(matches!(value.kind, ExprKind::Int(3, _)));
}

#[test]
fn diagnostics_carry_help_and_secondary_labels() {
    let (file, _) = syntax::parse(
        FileId(0),
        "var a: u32 = 1\nvar a: u32 = 2\n@tc(\"sideways\") fn t(ctx: *__sk_buff) -> i32 { return 0 }",
    );
    let (_, diagnostics) = check_file(file);
    let duplicate = diagnostics
        .iter()
        .find(|d| d.message.contains("more than once"))
        .unwrap();
    assert_eq!(duplicate.labels.len(), 2);
    assert!(!duplicate.labels[1].primary);
    let bad_direction = diagnostics
        .iter()
        .find(|d| d.message.contains("`@tc` target"))
        .unwrap();
    assert!(
        bad_direction.help[0].contains("@tc(\"ingress\")")
            && bad_direction.help[0].contains("@tc(\"egress\")")
    );
}

#[test]
fn one_mistake_gives_one_error() {
    let messages =
        errors("@helper fn f() -> u32 { var x = undefined_thing \n var y = x + 1 \n return y }");
    assert_eq!(
        messages,
        vec!["cannot find value `undefined_thing` in this scope".to_string()]
    );
}

#[test]
fn headers_redeclaring_kernel_types_exactly_are_accepted() {
    let header = "struct xdp_md { data: u32, data_end: u32, data_meta: u32,
            ingress_ifindex: u32, rx_queue_index: u32, egress_ifindex: u32 }
        enum xdp_action { XDP_ABORTED = 0, XDP_DROP = 1, XDP_PASS = 2, XDP_TX = 3, XDP_REDIRECT = 4 }";
    let main = "@xdp fn f(ctx: *xdp_md) -> xdp_action { var t = bpf_ktime_get_ns() \n var n = ctx->data_end - ctx->data \n return XDP_PASS }";
    let main = format!("include \"kernel.kh\"\n{main}");
    let mut files = crate::driver::MemoryFiles::new().with("kernel.kh", header);
    let analysis =
        crate::driver::analyze("main.ks", &main, &mut files, crate::kernel::test_kernel());
    let (program, diagnostics) = (analysis.checked, analysis.diagnostics);
    assert!(
        !diagnostics.has_errors(),
        "{:?}",
        diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    let f = function(&program, "f");
    assert_eq!(f.locals[2].ty, Type::Int(IntType::I64));
    // One `xdp_md`: the kernel's, from BTF.
    let xdp_md: Vec<_> = program
        .structs
        .iter()
        .filter(|s| s.name == "xdp_md")
        .collect();
    assert_eq!(xdp_md.len(), 1);
    assert_eq!(xdp_md[0].origin, Origin::Kernel);
    assert!(xdp_md[0].kernel.is_some());
}

#[test]
fn declarations_that_differ_from_the_kernel_and_externs_of_helpers_are_errors() {
    // A declaration of a kernel struct is a view: any of its fields, in
    // any order.
    assert!(errors("struct xdp_md { data_end: u32, data: u32 }").is_empty());
    assert!(errors("struct filename { name: *u8 }").is_empty());
    assert_eq!(
        errors("struct xdp_md { data: u32, dat_end: u32 }"),
        ["the kernel's `xdp_md` has no field `dat_end`"]
    );
    assert_eq!(
        errors("enum xdp_action { XDP_PASS = 1 }"),
        ["declaration of kernel enum `xdp_action` does not match the kernel's"]
    );
    assert_eq!(
        errors("extern bpf_ktime_get_ns(x: *u8) -> u64"),
        ["`bpf_ktime_get_ns` is a BPF helper"]
    );
}

#[test]
fn tracepoint_contexts_come_from_btf_without_declarations() {
    let source = "struct Local { x: u32 }
        @tracepoint(\"sched/sched_switch\")
        fn on_switch(ctx: *trace_event_raw_sched_switch) -> i32 {
            var next = ctx->next_pid
            return 0
        }
        @tracepoint(\"sched/sched_wakeup\")
        fn on_wakeup(ctx: *trace_event_raw_sched_wakeup_template) -> i32 {
            var pid = ctx->pid
            return 0
        }";
    let program = checked(source);
    let switch = program
        .structs
        .iter()
        .find(|s| s.name == "trace_event_raw_sched_switch")
        .unwrap();
    assert_eq!(switch.origin, Origin::Kernel);
    assert!(switch.field_index("prev_comm").is_some());
    assert_eq!(
        function(&program, "on_switch").locals[1].ty,
        Type::Int(IntType::I32)
    );
    let local = program.structs.iter().find(|s| s.name == "Local").unwrap();
    assert_eq!(local.origin, Origin::Source);
}

#[test]
fn map_read_locals_compared_with_null_get_a_found_flag() {
    let source = format!(
        "{MAPS} @xdp fn f(ctx: *xdp_md) -> xdp_action {{
            var c = counts[1]
            var untested = counts[2]
            if (c == null) {{ return XDP_DROP }}
            c = counts[3]
            if (c != null) {{ return XDP_TX }}
            return XDP_PASS
        }}"
    );
    let program = checked(&source);
    let f = function(&program, "f");
    let stmts = &f.body.stmts;
    // `var c = counts[1]` became `var c` and `var c_found = MapLoad`.
    let StmtKind::Let {
        local: c,
        init: None,
    } = &stmts[0].kind
    else {
        panic!("expected `var c`, got {:?}", stmts[0].kind)
    };
    let StmtKind::Let {
        local: found,
        init: Some(load),
    } = &stmts[1].kind
    else {
        panic!("expected `var c_found = ...`, got {:?}", stmts[1].kind)
    };
    assert_eq!(f.local(*found).name, "c_found");
    assert_eq!(f.local(*found).ty, Type::Bool);
    let ExprKind::MapLoad { key, dest, .. } = &load.kind else {
        panic!("expected MapLoad, got {:?}", load.kind)
    };
    assert!(matches!(key.kind, ExprKind::Int(1, _)));
    assert!(matches!(
        &dest.kind,
        ExprKind::Unary { op: UnaryOp::AddrOf, operand } if matches!(operand.kind, ExprKind::Local(id) if id == *c)
    ));
    // A local never compared with null stays a plain copy.
    assert!(matches!(
        &stmts[2].kind,
        StmtKind::Let { init: Some(init), .. } if matches!(init.kind, ExprKind::MapGet { .. })
    ));
    // `c == null` reads `!c_found`.
    let StmtKind::If { condition, .. } = &stmts[3].kind else {
        panic!()
    };
    assert!(matches!(
        &condition.kind,
        ExprKind::Unary { op: UnaryOp::Not, operand } if matches!(operand.kind, ExprKind::Local(id) if id == *found)
    ));
    // `c = counts[3]` reads again: `c_found = MapLoad`.
    assert!(matches!(
        &stmts[4].kind,
        StmtKind::Assign { target, value, .. }
            if matches!(target.kind, ExprKind::Local(id) if id == *found)
                && matches!(value.kind, ExprKind::MapLoad { .. })
    ));
    let StmtKind::If { condition, .. } = &stmts[5].kind else {
        panic!()
    };
    assert!(matches!(condition.kind, ExprKind::Local(id) if id == *found));
}

#[test]
fn a_maybe_null_pointer_error_points_at_the_use_and_the_source() {
    let source = "struct E { n: u32 }
        var events : ringbuf<E>(4096)
        @xdp fn f(ctx: *xdp_md) -> xdp_action {
            var e = events.reserve()
            events.submit(e)
            return XDP_PASS
        }";
    let (file, _) = syntax::parse(FileId(0), source);
    let (_, diagnostics) = check_file(file);
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1);
    let error = errors[0];
    assert_eq!(error.message, "`e` may be null here");
    let text = |span: crate::span::Span| &source[span.start as usize..span.end as usize];
    assert!(error.labels[0].primary);
    assert_eq!(text(error.labels[0].span), "e");
    assert_eq!(error.labels[0].message, "passed to `events.submit` here");
    assert!(!error.labels[1].primary);
    assert_eq!(text(error.labels[1].span), "events.reserve()");
    assert_eq!(
        error.help,
        vec!["check it first: `if (e != null) { ... }`".to_string()]
    );
}

#[test]
fn an_extern_of_a_helper_in_its_own_shape_is_redundant_not_an_error() {
    // The reference's include_demo headers declare helpers this way
    // (with `i32` where the kernel says `long`): calls use the real
    // prototype, the declaration only earns a warning.
    let source = "extern bpf_ktime_get_ns() -> u64
        extern bpf_trace_printk(fmt: *u8, fmt_size: u32) -> i32
        extern bpf_xdp_adjust_head(ctx: *xdp_md, delta: i32) -> i32
        @xdp fn f(ctx: *xdp_md) -> xdp_action {
            var r = bpf_xdp_adjust_head(ctx, -14)
            if (bpf_ktime_get_ns() > 0 && r >= 0) { return XDP_PASS }
            return XDP_DROP
        }";
    let (file, _) = syntax::parse(FileId(0), source);
    let (program, diagnostics) = check_file(file);
    let warnings: Vec<&str> = diagnostics
        .iter()
        .filter(|d| !d.is_error())
        .map(|d| d.message.as_str())
        .collect();
    assert!(!diagnostics.has_errors(), "{warnings:?}");
    assert_eq!(
        warnings,
        [
            "`bpf_ktime_get_ns` is a BPF helper; this `extern` is redundant",
            "`bpf_trace_printk` is a BPF helper; this `extern` is redundant",
            "`bpf_xdp_adjust_head` is a BPF helper; this `extern` is redundant",
        ]
    );
    let f = function(&program, "f");
    // `r` has the helper's real result type (long), not the extern's i32.
    assert_eq!(f.locals[1].ty, Type::Int(IntType::I64));
}
