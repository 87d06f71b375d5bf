//! Unit tests on hand-built IR, for shapes the checker may not (yet)
//! produce from source. Whole-program behaviour is covered by the golden
//! tests (`tests/ebpf_golden.rs`), which start from `.ks` text.

use expect_test::expect;

use super::generate;
use crate::codegen::plan::Plan;
use crate::ir::*;
use crate::source::SourceMap;
use crate::span::Span;

fn u32_ty() -> Type {
    Type::Int(IntType::U32)
}

fn u64_ty() -> Type {
    Type::Int(IntType::U64)
}

fn expr(kind: ExprKind, ty: Type) -> Expr {
    Expr {
        kind,
        ty,
        span: Span::default(),
    }
}

fn int(value: u64, ty: Type) -> Expr {
    expr(ExprKind::Int(value, Radix::Decimal), ty)
}

fn local(id: u32, ty: Type) -> Expr {
    expr(ExprKind::Local(LocalId(id)), ty)
}

fn stmt(kind: StmtKind) -> Stmt {
    Stmt {
        kind,
        span: Span::default(),
    }
}

fn local_def(name: &str, ty: Type) -> LocalDef {
    LocalDef {
        name: name.into(),
        ty,
        by_reference: false,
        span: Span::default(),
    }
}

fn plan(program: &Program) -> Plan {
    Plan {
        line_directives: false,
        ..Plan::new(program, "unit")
    }
}

/// `@xdp fn count(ctx: *xdp_md) -> xdp_action` over a hash map, with a
/// shadowed local and a global.
fn counter_program() -> Program {
    let mut program = Program::default();
    program.structs.push(StructDef {
        name: "xdp_md".into(),
        fields: vec![
            FieldDef {
                name: "data".into(),
                ty: Type::Pointer(Box::new(Type::Int(IntType::U8))),
            },
            FieldDef {
                name: "data_end".into(),
                ty: Type::Pointer(Box::new(Type::Int(IntType::U8))),
            },
        ],
        origin: Origin::Kernel,
        struct_ops: None,
        kernel: None,
        span: Span::default(),
    });
    program.enums.push(EnumDef {
        name: "xdp_action".into(),
        variants: vec![
            EnumVariantDef {
                name: "XDP_ABORTED".into(),
                value: 0,
            },
            EnumVariantDef {
                name: "XDP_DROP".into(),
                value: 1,
            },
            EnumVariantDef {
                name: "XDP_PASS".into(),
                value: 2,
            },
        ],
        origin: Origin::Kernel,
        kernel: None,
        span: Span::default(),
    });
    program.maps.push(MapDef {
        name: "counters".into(),
        kind: MapKind::Hash,
        key: u32_ty(),
        value: u64_ty(),
        max_entries: 1024,
        flags: vec![MapFlag::NoPrealloc],
        pinned: true,
        span: Span::default(),
    });
    program.globals.push(GlobalDef {
        name: "total".into(),
        ty: u64_ty(),
        init: Some(int(0, u64_ty())),
        pinned: false,
        local: false,
        span: Span::default(),
    });
    let ctx_ty = Type::Pointer(Box::new(Type::Struct(StructId(0))));
    let byte_ptr = Type::Pointer(Box::new(Type::Int(IntType::U8)));
    let pass = expr(
        ExprKind::EnumVariant {
            enum_id: EnumId(0),
            variant: 2,
        },
        Type::Enum(EnumId(0)),
    );
    let data = expr(
        ExprKind::Arrow {
            base: Box::new(local(0, ctx_ty.clone())),
            field: 0,
        },
        byte_ptr.clone(),
    );
    let data_end = expr(
        ExprKind::Arrow {
            base: Box::new(local(0, ctx_ty.clone())),
            field: 1,
        },
        byte_ptr.clone(),
    );
    let length = expr(
        ExprKind::Binary {
            op: BinaryOp::Sub,
            lhs: Box::new(data_end),
            rhs: Box::new(data),
        },
        Type::Int(IntType::I64),
    );
    let body = vec![
        stmt(StmtKind::Let {
            local: LocalId(1),
            init: Some(int(7, u32_ty())),
        }),
        stmt(StmtKind::Block(Block::new(vec![
            // A shadowing `key` that must not hide the outer one below.
            stmt(StmtKind::Let {
                local: LocalId(2),
                init: Some(expr(ExprKind::Cast(Box::new(length)), u32_ty())),
            }),
            stmt(StmtKind::MapCompound {
                map: MapId(0),
                key: local(2, u32_ty()),
                op: BinaryOp::Add,
                value: int(1, u64_ty()),
            }),
        ]))),
        stmt(StmtKind::MapCompound {
            map: MapId(0),
            key: local(1, u32_ty()),
            op: BinaryOp::Add,
            value: int(1, u64_ty()),
        }),
        stmt(StmtKind::Assign {
            target: expr(ExprKind::Global(GlobalId(0)), u64_ty()),
            op: Some(BinaryOp::Add),
            value: expr(
                ExprKind::MapGet {
                    map: MapId(0),
                    key: Box::new(local(1, u32_ty())),
                },
                u64_ty(),
            ),
        }),
        stmt(StmtKind::Return(Some(pass))),
    ];
    program.functions.push(Function {
        name: "count".into(),
        kind: FunctionKind::Program(ProgramDecl {
            kind: crate::kinds::by_attribute("xdp").expect("a kind"),
            target: String::new(),
            entry: crate::kinds::Entry::Context,
        }),
        params: vec![LocalId(0)],
        ret: Type::Enum(EnumId(0)),
        named_return: None,
        throws: false,
        locals: vec![
            local_def("ctx", ctx_ty),
            local_def("key", u32_ty()),
            local_def("key", u32_ty()),
        ],
        body: Block {
            stmts: body,
            completes: false,
        },
        span: Span::default(),
    });
    program
}

#[test]
fn hand_built_counter_program() {
    let program = counter_program();
    let text = generate(&program, &SourceMap::new(), &plan(&program));
    expect![[r#"
        /* unit.ebpf.c: eBPF programs generated by KernelScript from unit.ks. Do not edit. */

        #include <linux/types.h>
        #include <linux/bpf.h>
        #include <linux/pkt_cls.h>
        #include <bpf/bpf_helpers.h>
        #include <bpf/bpf_endian.h>

        struct {
        	__uint(type, BPF_MAP_TYPE_HASH);
        	__uint(max_entries, 1024);
        	__type(key, __u32);
        	__type(value, __u64);
        	__uint(map_flags, BPF_F_NO_PREALLOC);
        	__uint(pinning, LIBBPF_PIN_BY_NAME);
        } counters SEC(".maps");

        __u64 total SEC(".data") = 0;

        static __always_inline __u64 counters_get(__u32 key)
        {
        	__u64 *value = bpf_map_lookup_elem(&counters, &key);

        	return value ? *value : 0;
        }

        static __always_inline void counters_add(__u32 key, __u64 operand)
        {
        	__u64 *value = bpf_map_lookup_elem(&counters, &key);

        	if (!value) {
        		__u64 zero = 0;

        		bpf_map_update_elem(&counters, &key, &zero, BPF_NOEXIST);
        		value = bpf_map_lookup_elem(&counters, &key);
        	}
        	if (!value) {
        		return;
        	}
        	asm volatile("" : "+r"(operand));
        	__sync_fetch_and_add(value, operand);
        }

        SEC("xdp")
        int count(struct xdp_md *ctx)
        {
        	__u32 key = 7;
        	{
        		__u32 key_2 = (__u32)((__u8 *)(long)ctx->data_end - (__u8 *)(long)ctx->data);
        		counters_add(key_2, 1);
        	}
        	counters_add(key, 1);
        	total += counters_get(key);
        	return XDP_PASS;
        }

        char LICENSE[] SEC("license") = "GPL";
    "#]]
    .assert_eq(&text);
}
