//! Decoding tests: one hand-built blob per `BTF_KIND_*`, checking that each
//! record's fields land in the right [`Type`] variant, plus the id and name
//! lookups of [`Btf`] and big-endian input. These tests must not depend on
//! the running kernel (see `vmlinux.rs` for that) and must not test
//! reference-following queries (see `queries_and_spelling.rs`).

mod common;

use btf::{
    ArrayType, Btf, DataSectionEntry, DeclarationTag, EnumValue, FloatType, ForwardDeclaration,
    Function, FunctionLinkage, IntType, Member, Parameter, Type, TypeId, TypeKind, TypeTag,
    Typedef, Variable, VariableLinkage,
};
use common::{blob_with_every_kind, BlobBuilder, INT_BOOL, INT_CHAR, INT_SIGNED};

fn parse(builder: &BlobBuilder) -> Btf {
    Btf::parse(&builder.build()).expect("hand-built blob parses")
}

fn type_at(btf: &Btf, id: u32) -> Type<'_> {
    btf.type_by_id(TypeId(id)).expect("type exists")
}

#[test]
fn int_records_keep_encoding_offset_and_bits() {
    let mut builder = BlobBuilder::new();
    builder.int("int", 4, INT_SIGNED, 32);
    builder.int("char", 1, INT_SIGNED | INT_CHAR, 8);
    builder.int("_Bool", 1, INT_BOOL, 1);
    builder.int_with_bit_offset("legacy_bitfield", 4, 5, 3);
    let btf = parse(&builder);
    assert_eq!(
        type_at(&btf, 1),
        Type::Int(IntType {
            name: "int",
            byte_size: 4,
            is_signed: true,
            is_char: false,
            is_bool: false,
            bit_offset: 0,
            bit_count: 32,
        })
    );
    let Type::Int(character) = type_at(&btf, 2) else {
        panic!("char is an INT")
    };
    assert!(character.is_signed && character.is_char && !character.is_bool);
    let Type::Int(boolean) = type_at(&btf, 3) else {
        panic!("_Bool is an INT")
    };
    assert!(boolean.is_bool && !boolean.is_signed);
    assert_eq!(boolean.bit_count, 1);
    let Type::Int(legacy) = type_at(&btf, 4) else {
        panic!("INT")
    };
    assert_eq!((legacy.bit_offset, legacy.bit_count), (5, 3));
}

#[test]
fn pointer_array_and_qualifiers_reference_their_targets() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let pointer = builder.pointer(int);
    let void_pointer = builder.pointer(0);
    let array = builder.array(int, int, 16);
    let volatile = builder.volatile(int);
    let constant = builder.constant(pointer);
    let restrict = builder.restrict(pointer);
    let btf = parse(&builder);
    assert_eq!(type_at(&btf, pointer), Type::Pointer(TypeId(int)));
    assert_eq!(type_at(&btf, void_pointer), Type::Pointer(TypeId::VOID));
    assert_eq!(
        type_at(&btf, array),
        Type::Array(ArrayType {
            element_type: TypeId(int),
            index_type: TypeId(int),
            element_count: 16,
        })
    );
    assert_eq!(type_at(&btf, volatile), Type::Volatile(TypeId(int)));
    assert_eq!(type_at(&btf, constant), Type::Const(TypeId(pointer)));
    assert_eq!(type_at(&btf, restrict), Type::Restrict(TypeId(pointer)));
    assert_eq!(type_at(&btf, constant).name(), "");
}

#[test]
fn struct_members_without_kind_flag_have_plain_bit_offsets() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let point = builder.structure("point", 8, &[("x", int, 0, 0), ("y", int, 32, 0)]);
    let btf = parse(&builder);
    let Type::Struct(composite) = type_at(&btf, point) else {
        panic!("STRUCT")
    };
    assert_eq!(composite.name, "point");
    assert_eq!(composite.byte_size, 8);
    assert_eq!(
        composite.members().collect::<Vec<_>>(),
        vec![
            Member {
                name: "x",
                type_id: TypeId(int),
                bit_offset: 0,
                bitfield_size: 0,
            },
            Member {
                name: "y",
                type_id: TypeId(int),
                bit_offset: 32,
                bitfield_size: 0,
            },
        ]
    );
    assert_eq!(composite.member(1).expect("second member").byte_offset(), 4);
    assert!(!composite.member(1).expect("second member").is_bitfield());
}

#[test]
fn struct_members_with_kind_flag_split_bitfield_size_from_offset() {
    let mut builder = BlobBuilder::new();
    let unsigned_int = builder.int("unsigned int", 4, 0, 32);
    let flags = builder.structure(
        "flags",
        4,
        &[
            ("a", unsigned_int, 0, 1),
            ("b", unsigned_int, 1, 7),
            ("c", unsigned_int, 8, 0),
        ],
    );
    let btf = parse(&builder);
    let members: Vec<Member> = type_at(&btf, flags)
        .as_struct_or_union()
        .expect("struct")
        .members()
        .collect();
    let layout: Vec<(u32, u32)> = members
        .iter()
        .map(|m| (m.bit_offset, m.bitfield_size))
        .collect();
    assert_eq!(layout, vec![(0, 1), (1, 7), (8, 0)]);
    assert!(members[1].is_bitfield());
}

#[test]
fn union_and_forward_declarations_decode() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let union = builder.union("value", 4, &[("i", int, 0, 0), ("u", int, 0, 0)]);
    let forward_struct = builder.forward("sock", false);
    let forward_union = builder.forward("bpf_attr", true);
    let btf = parse(&builder);
    assert_eq!(type_at(&btf, union).kind(), TypeKind::Union);
    assert_eq!(
        type_at(&btf, union)
            .as_struct_or_union()
            .map(|u| u.member_count()),
        Some(2)
    );
    assert_eq!(
        type_at(&btf, forward_struct),
        Type::Forward(ForwardDeclaration {
            name: "sock",
            is_union: false,
        })
    );
    assert_eq!(
        type_at(&btf, forward_union),
        Type::Forward(ForwardDeclaration {
            name: "bpf_attr",
            is_union: true,
        })
    );
}

#[test]
fn enum_values_follow_the_signedness_flag() {
    let mut builder = BlobBuilder::new();
    let unsigned = builder.enumeration(
        "xdp_action",
        4,
        false,
        &[("XDP_ABORTED", 0), ("XDP_PASS", 2)],
    );
    let signed = builder.enumeration("signed_enum", 4, true, &[("MINUS_ONE", -1)]);
    let unsigned_all_ones = builder.enumeration("flags", 4, false, &[("ALL", -1)]);
    let btf = parse(&builder);
    let values: Vec<EnumValue> = type_at(&btf, unsigned)
        .as_enum()
        .expect("enum")
        .values()
        .collect();
    assert_eq!(
        values,
        vec![
            EnumValue {
                name: "XDP_ABORTED",
                value: 0,
            },
            EnumValue {
                name: "XDP_PASS",
                value: 2,
            },
        ]
    );
    assert_eq!(
        type_at(&btf, signed)
            .as_enum()
            .expect("enum")
            .value(0)
            .expect("first value")
            .value,
        -1
    );
    assert!(type_at(&btf, signed).as_enum().expect("enum").is_signed);
    assert_eq!(
        type_at(&btf, unsigned_all_ones)
            .as_enum()
            .expect("enum")
            .value(0)
            .expect("first value")
            .value,
        i128::from(u32::MAX)
    );
}

#[test]
fn enum64_values_combine_both_halves() {
    let mut builder = BlobBuilder::new();
    let unsigned = builder.enum64("big", 8, false, &[("MAX", u64::MAX), ("SMALL", 5)]);
    let signed = builder.enum64("big_signed", 8, true, &[("MIN", i64::MIN as u64)]);
    let btf = parse(&builder);
    assert_eq!(type_at(&btf, unsigned).kind(), TypeKind::Enum64);
    let values: Vec<EnumValue> = type_at(&btf, unsigned)
        .as_enum()
        .expect("enum64")
        .values()
        .collect();
    assert_eq!(values[0].value, i128::from(u64::MAX));
    assert_eq!(values[1].value, 5);
    assert_eq!(
        type_at(&btf, signed)
            .as_enum()
            .expect("enum64")
            .value(0)
            .expect("first value")
            .value,
        i128::from(i64::MIN)
    );
}

#[test]
fn typedef_func_and_func_proto_decode() {
    let mut builder = BlobBuilder::new();
    let unsigned_int = builder.int("unsigned int", 4, 0, 32);
    let u32_typedef = builder.typedef("u32", unsigned_int);
    let prototype = builder.function_prototype(
        u32_typedef,
        &[("a", u32_typedef), ("", unsigned_int)],
        false,
    );
    let variadic = builder.function_prototype(0, &[("format", unsigned_int)], true);
    let static_function = builder.function("helper", prototype, 0);
    let global_function = builder.function("exported", prototype, 1);
    let extern_function = builder.function("imported", variadic, 2);
    let btf = parse(&builder);
    assert_eq!(
        type_at(&btf, u32_typedef),
        Type::Typedef(Typedef {
            name: "u32",
            type_id: TypeId(unsigned_int),
        })
    );
    let Type::FuncProto(decoded) = type_at(&btf, prototype) else {
        panic!("FUNC_PROTO")
    };
    assert_eq!(decoded.return_type, TypeId(u32_typedef));
    assert_eq!(
        decoded.parameters().collect::<Vec<_>>(),
        vec![
            Parameter {
                name: "a",
                type_id: TypeId(u32_typedef),
            },
            Parameter {
                name: "",
                type_id: TypeId(unsigned_int),
            },
        ]
    );
    assert!(!decoded.is_variadic);
    let Type::FuncProto(decoded_variadic) = type_at(&btf, variadic) else {
        panic!("FUNC_PROTO")
    };
    assert!(decoded_variadic.is_variadic);
    assert_eq!(decoded_variadic.parameter_count(), 1);
    assert_eq!(decoded_variadic.return_type, TypeId::VOID);
    assert_eq!(
        type_at(&btf, static_function),
        Type::Func(Function {
            name: "helper",
            prototype: TypeId(prototype),
            linkage: FunctionLinkage::Static,
        })
    );
    let linkage_of = |id| match type_at(&btf, id) {
        Type::Func(function) => function.linkage,
        other => panic!("expected FUNC, got {other:?}"),
    };
    assert_eq!(linkage_of(global_function), FunctionLinkage::Global);
    assert_eq!(linkage_of(extern_function), FunctionLinkage::Extern);
}

#[test]
fn var_datasec_and_float_decode() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let static_variable = builder.variable("counter", int, 0);
    let global_variable = builder.variable("total", int, 1);
    let extern_variable = builder.variable("CONFIG_HZ", int, 2);
    let section = builder.datasec(
        ".data",
        8,
        &[(static_variable, 0, 4), (global_variable, 4, 4)],
    );
    let double = builder.float("double", 8);
    let btf = parse(&builder);
    assert_eq!(
        type_at(&btf, static_variable),
        Type::Var(Variable {
            name: "counter",
            type_id: TypeId(int),
            linkage: VariableLinkage::Static,
        })
    );
    let linkage_of = |id| match type_at(&btf, id) {
        Type::Var(variable) => variable.linkage,
        other => panic!("expected VAR, got {other:?}"),
    };
    assert_eq!(
        linkage_of(global_variable),
        VariableLinkage::GlobalAllocated
    );
    assert_eq!(linkage_of(extern_variable), VariableLinkage::GlobalExtern);
    let Type::DataSec(decoded) = type_at(&btf, section) else {
        panic!("DATASEC")
    };
    assert_eq!(decoded.name, ".data");
    assert_eq!(decoded.byte_size, 8);
    assert_eq!(
        decoded.entries().nth(1).expect("second entry"),
        DataSectionEntry {
            type_id: TypeId(global_variable),
            offset: 4,
            byte_size: 4,
        }
    );
    assert_eq!(
        type_at(&btf, double),
        Type::Float(FloatType {
            name: "double",
            byte_size: 8,
        })
    );
}

#[test]
fn decl_tag_and_type_tag_decode() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let holder = builder.structure("holder", 4, &[("field", int, 0, 0)]);
    let whole = builder.decl_tag("whole", holder, -1);
    let member = builder.decl_tag("member", holder, 0);
    let type_tag = builder.type_tag("user", int);
    let attribute_tag = builder.record("aligned(8)", common::kind::TYPE_TAG, true, 0, int);
    let btf = parse(&builder);
    assert_eq!(
        type_at(&btf, whole),
        Type::DeclTag(DeclarationTag {
            value: "whole",
            type_id: TypeId(holder),
            component_index: None,
            is_attribute: false,
        })
    );
    let Type::DeclTag(member_tag) = type_at(&btf, member) else {
        panic!("DECL_TAG")
    };
    assert_eq!(member_tag.component_index, Some(0));
    assert_eq!(
        type_at(&btf, type_tag),
        Type::TypeTag(TypeTag {
            value: "user",
            type_id: TypeId(int),
            is_attribute: false,
        })
    );
    assert_eq!(type_at(&btf, type_tag).name(), "user");
    let Type::TypeTag(attribute) = type_at(&btf, attribute_tag) else {
        panic!("TYPE_TAG")
    };
    assert!(attribute.is_attribute);
}

#[test]
fn ids_iteration_and_void() {
    let btf = Btf::parse(&blob_with_every_kind()).expect("parses");
    assert_eq!(btf.type_by_id(TypeId::VOID), Some(Type::Void));
    assert_eq!(btf.first_own_type_id(), TypeId(1));
    assert_eq!(btf.last_type_id(), TypeId(26));
    assert!(btf.type_by_id(TypeId(27)).is_none());
    assert!(btf.type_by_id(TypeId(u32::MAX)).is_none());
    let ids: Vec<u32> = btf.types().map(|(id, _)| id.0).collect();
    assert_eq!(ids, (1..=26).collect::<Vec<_>>());
    assert_eq!(btf.own_types().count(), 26);
    assert!(btf.base().is_none());
    let kinds: std::collections::HashSet<TypeKind> =
        btf.types().map(|(_, found)| found.kind()).collect();
    for kind in TypeKind::ALL.iter().filter(|kind| **kind != TypeKind::Void) {
        assert!(kinds.contains(kind), "blob_with_every_kind lacks {kind}");
    }
}

#[test]
fn find_by_name_filters_by_kind_and_prefers_lowest_id() {
    let mut builder = BlobBuilder::new();
    let forward = builder.forward("sock", false);
    let full = builder.structure("sock", 0, &[]);
    let typedef = builder.typedef("sock", full);
    let second = builder.structure("sock", 0, &[]);
    let btf = parse(&builder);
    assert_eq!(
        btf.find_by_name(TypeKind::Struct, "sock"),
        Some(TypeId(full))
    );
    assert_eq!(
        btf.find_by_name(TypeKind::Forward, "sock"),
        Some(TypeId(forward))
    );
    assert_eq!(
        btf.find_by_name(TypeKind::Typedef, "sock"),
        Some(TypeId(typedef))
    );
    assert_eq!(btf.find_by_name(TypeKind::Union, "sock"), None);
    assert_eq!(btf.find_by_name(TypeKind::Struct, "sk"), None);
    assert_eq!(btf.find_by_name(TypeKind::Struct, ""), None);
    assert_eq!(
        btf.find_all_by_name("sock"),
        vec![
            TypeId(forward),
            TypeId(full),
            TypeId(typedef),
            TypeId(second)
        ]
    );
}

#[test]
fn big_endian_blobs_decode_like_little_endian_ones() {
    let mut big = BlobBuilder::new_big_endian();
    let mut little = BlobBuilder::new();
    for builder in [&mut big, &mut little] {
        let int = builder.int("int", 4, INT_SIGNED, 32);
        builder.structure("pair", 8, &[("first", int, 0, 0), ("second", int, 32, 0)]);
        builder.enum64("wide", 8, false, &[("X", 0x1_0000_0002)]);
    }
    let big = parse(&big);
    let little = parse(&little);
    let big_types: Vec<Type> = big.types().map(|(_, found)| found).collect();
    let little_types: Vec<Type> = little.types().map(|(_, found)| found).collect();
    assert_eq!(big_types, little_types);
    assert_eq!(
        big.enum_values(TypeId(3))
            .expect("enum64")
            .next()
            .expect("one value")
            .value,
        0x1_0000_0002
    );
}

#[test]
fn empty_type_section_is_valid() {
    let btf = parse(&BlobBuilder::new());
    assert_eq!(btf.last_type_id(), TypeId::VOID);
    assert_eq!(btf.types().count(), 0);
    assert_eq!(btf.pointer_size(), 8);
}

#[test]
fn pointer_size_comes_from_long() {
    let mut builder = BlobBuilder::new();
    builder.int("long int", 4, INT_SIGNED, 32);
    let pointer = builder.pointer(0);
    let btf = parse(&builder);
    assert_eq!(btf.pointer_size(), 4);
    assert_eq!(btf.size_of(TypeId(pointer)), Ok(4));
}

#[test]
fn btf_is_cheap_to_share_across_threads() {
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
    assert_send_sync_clone::<Btf>();
    let btf = Btf::parse(&blob_with_every_kind()).expect("parses");
    let clone = btf.clone();
    let found = std::thread::spawn(move || clone.find_by_name(TypeKind::Struct, "node"))
        .join()
        .expect("thread");
    assert_eq!(found, Some(TypeId(7)));
}
