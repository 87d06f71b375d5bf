//! Tests of the reference-following queries (`resolve`, `size_of`,
//! `members`, `find_member`, `enum_values`, `function_prototype`), of the
//! C spelling (`c_type_name`, `c_declaration`) and of split BTF, all on
//! hand-built blobs. They must not depend on the running kernel and must
//! not re-test record decoding (that is `hand_built_kinds.rs`).

mod common;

use btf::{Btf, BtfError, TypeId, TypeKind};
use common::{blob_with_every_kind, BlobBuilder, INT_SIGNED};

fn every_kind() -> Btf {
    Btf::parse(&blob_with_every_kind()).expect("parses")
}

#[test]
fn resolve_skips_typedefs_qualifiers_and_type_tags_but_not_pointers() {
    let btf = every_kind();
    assert_eq!(btf.resolve(TypeId(5)), Ok(TypeId(1))); // __u32 -> unsigned int
    assert_eq!(btf.resolve(TypeId(14)), Ok(TypeId(3))); // const char -> char
    assert_eq!(btf.resolve(TypeId(16)), Ok(TypeId(2))); // volatile int -> int
    assert_eq!(btf.resolve(TypeId(24)), Ok(TypeId(7))); // type tag -> struct node
    assert_eq!(btf.resolve(TypeId(26)), Ok(TypeId(15))); // typedef -> restrict -> pointer
    assert_eq!(btf.resolve(TypeId(15)), Ok(TypeId(15))); // pointers stay
    assert_eq!(btf.resolve(TypeId::VOID), Ok(TypeId::VOID));
    assert_eq!(
        btf.resolve(TypeId(99)),
        Err(BtfError::UnknownTypeId { id: TypeId(99) })
    );
}

#[test]
fn resolve_reports_cycles_instead_of_looping() {
    let mut builder = BlobBuilder::new();
    builder.typedef("a", 2);
    builder.constant(3);
    builder.volatile(2);
    let btf = Btf::parse(&builder.build()).expect("structurally valid");
    assert_eq!(
        btf.resolve(TypeId(1)),
        Err(BtfError::ReferenceChainTooLong { id: TypeId(1) })
    );
    assert!(btf.size_of(TypeId(1)).is_err());
    assert!(btf.c_type_name(TypeId(2)).is_err());
}

#[test]
fn size_of_handles_every_sized_kind() {
    let btf = every_kind();
    assert_eq!(btf.size_of(TypeId(1)), Ok(4)); // unsigned int
    assert_eq!(btf.size_of(TypeId(5)), Ok(4)); // __u32
    assert_eq!(btf.size_of(TypeId(6)), Ok(8)); // pointer (long is 8 bytes)
    assert_eq!(btf.size_of(TypeId(7)), Ok(24)); // struct node
    assert_eq!(btf.size_of(TypeId(8)), Ok(8)); // char[8]
    assert_eq!(btf.size_of(TypeId(9)), Ok(8)); // union
    assert_eq!(btf.size_of(TypeId(11)), Ok(4)); // enum
    assert_eq!(btf.size_of(TypeId(12)), Ok(8)); // enum64
    assert_eq!(btf.size_of(TypeId(20)), Ok(4)); // var -> volatile int
    assert_eq!(btf.size_of(TypeId(21)), Ok(4)); // datasec
    assert_eq!(btf.size_of(TypeId(22)), Ok(8)); // double
    assert_eq!(btf.size_of(TypeId(24)), Ok(24)); // tagged struct
    for unsized_id in [0, 13, 18, 19, 23] {
        assert!(
            matches!(
                btf.size_of(TypeId(unsized_id)),
                Err(BtfError::TypeHasNoSize { .. })
            ),
            "type {unsized_id} should have no size"
        );
    }
}

#[test]
fn size_of_multiplies_nested_arrays_and_detects_overflow() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let row = builder.array(int, int, 3);
    let matrix = builder.array(row, int, 5);
    let huge = builder.array(int, int, u32::MAX);
    let btf = Btf::parse(&builder.build()).expect("parses");
    assert_eq!(btf.size_of(TypeId(matrix)), Ok(60));
    assert_eq!(
        btf.size_of(TypeId(huge)),
        Err(BtfError::SizeOverflow { id: TypeId(huge) })
    );
}

#[test]
fn members_resolve_through_typedefs_and_reject_non_composites() {
    let btf = every_kind();
    let members = btf.members(TypeId(24)).expect("tagged struct node");
    let members: Vec<_> = members.collect();
    let names: Vec<&str> = members.iter().map(|member| member.name).collect();
    assert_eq!(names, ["next", "value", "flags", "name"]);
    assert_eq!(members[2].bitfield_size, 3);
    assert_eq!(
        btf.members(TypeId(2)).err(),
        Some(BtfError::UnexpectedKind {
            id: TypeId(2),
            expected: "STRUCT or UNION",
            found: TypeKind::Int,
        })
    );
}

#[test]
fn find_member_looks_through_anonymous_members_and_adds_offsets() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let inner = builder.structure("", 8, &[("a", int, 0, 0), ("b", int, 32, 0)]);
    let middle = builder.union("", 8, &[("", inner, 0, 0), ("whole", int, 0, 0)]);
    let outer = builder.structure("outer", 16, &[("head", int, 0, 0), ("", middle, 64, 0)]);
    let btf = Btf::parse(&builder.build()).expect("parses");
    let found = btf
        .find_member(TypeId(outer), "b")
        .expect("query")
        .expect("b exists");
    assert_eq!(found.bit_offset, 96);
    assert_eq!(found.type_id, TypeId(int));
    assert_eq!(found.name, "b");
    assert_eq!(
        btf.find_member(TypeId(outer), "whole")
            .expect("query")
            .map(|m| m.bit_offset),
        Some(64)
    );
    assert_eq!(
        btf.find_member(TypeId(outer), "head")
            .expect("query")
            .map(|m| m.bit_offset),
        Some(0)
    );
    assert_eq!(btf.find_member(TypeId(outer), "missing"), Ok(None));
}

#[test]
fn enum_values_and_function_prototypes() {
    let btf = every_kind();
    let mut values = btf.enum_values(TypeId(11)).expect("enum color");
    assert_eq!(values.find(|v| v.name == "BLUE").map(|v| v.value), Some(2));
    assert!(btf.enum_values(TypeId(7)).is_err());

    let from_func = btf.function_prototype(TypeId(19)).expect("FUNC printk");
    assert_eq!(from_func.return_type, TypeId(2));
    assert!(from_func.is_variadic);
    assert_eq!(from_func.parameter(0).expect("parameter").name, "format");
    let from_proto = btf.function_prototype(TypeId(18)).expect("FUNC_PROTO");
    assert_eq!(from_proto, from_func);
    assert!(matches!(
        btf.function_prototype(TypeId(2)),
        Err(BtfError::UnexpectedKind {
            found: TypeKind::Int,
            ..
        })
    ));
}

#[test]
fn function_prototype_follows_function_pointers() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let prototype = builder.function_prototype(int, &[("", int)], false);
    let pointer = builder.pointer(prototype);
    let callback = builder.typedef("callback_t", pointer);
    let ops = builder.structure("ops", 8, &[("run", callback, 0, 0)]);
    let btf = Btf::parse(&builder.build()).expect("parses");
    let member = btf
        .members(TypeId(ops))
        .expect("struct")
        .next()
        .expect("member");
    let found = btf
        .function_prototype(member.type_id)
        .expect("pointer to FUNC_PROTO");
    assert_eq!(found.parameter_count(), 1);
    assert_eq!(
        btf.c_declaration(TypeId(pointer), "run").as_deref(),
        Ok("int (*run)(int)")
    );
}

#[test]
fn c_type_names_of_simple_types() {
    let btf = every_kind();
    let spelled = |id: u32| btf.c_type_name(TypeId(id)).expect("spellable");
    assert_eq!(spelled(0), "void");
    assert_eq!(spelled(1), "unsigned int");
    assert_eq!(spelled(5), "__u32");
    assert_eq!(spelled(6), "struct node *");
    assert_eq!(spelled(7), "struct node");
    assert_eq!(spelled(8), "char[8]");
    assert_eq!(spelled(9), "union { long int as_long; int as_int; }");
    assert_eq!(spelled(11), "enum color");
    assert_eq!(spelled(13), "struct opaque");
    assert_eq!(spelled(14), "const char");
    assert_eq!(spelled(15), "const char *");
    assert_eq!(spelled(16), "volatile int");
    assert_eq!(spelled(17), "const char *restrict");
    assert_eq!(spelled(18), "int (const char *format, ...)");
    assert_eq!(spelled(19), "int printk(const char *format, ...)");
    assert_eq!(spelled(20), "volatile int counter");
    assert_eq!(spelled(22), "double");
    assert_eq!(spelled(25), "struct node *"); // the type tag is omitted
    assert_eq!(spelled(26), "restricted_string");
    for not_a_c_type in [21, 23] {
        assert!(matches!(
            btf.c_type_name(TypeId(not_a_c_type)),
            Err(BtfError::UnexpectedKind { .. })
        ));
    }
}

#[test]
fn c_declarations_place_pointers_arrays_and_qualifiers_correctly() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let array = builder.array(int, int, 4); // int[4]
    let pointer_to_array = builder.pointer(array); // int (*)[4]
    let pointer = builder.pointer(int); // int *
    let array_of_pointers = builder.array(pointer, int, 2); // int *[2]
    let const_pointer = builder.constant(pointer); // int *const
    let pointer_to_const_pointer = builder.pointer(const_pointer); // int *const *
    let prototype = builder.function_prototype(pointer, &[], false); // int *(void)
    let function_pointer = builder.pointer(prototype); // int *(*)(void)
    let function_pointer_array = builder.array(function_pointer, int, 3);
    let anonymous_enum = builder.enumeration("", 4, false, &[("A", 1), ("B", 2)]);
    let bits = builder.structure("", 4, &[("low", int, 0, 3), ("high", int, 3, 5)]);
    let btf = Btf::parse(&builder.build()).expect("parses");
    let declared = |id: u32, name: &str| btf.c_declaration(TypeId(id), name).expect("spellable");
    assert_eq!(declared(array, "values"), "int values[4]");
    assert_eq!(declared(pointer_to_array, "p"), "int (*p)[4]");
    assert_eq!(declared(pointer_to_array, ""), "int (*)[4]");
    assert_eq!(declared(array_of_pointers, "table"), "int *table[2]");
    assert_eq!(declared(const_pointer, "fixed"), "int *const fixed");
    assert_eq!(declared(const_pointer, ""), "int *const");
    assert_eq!(declared(pointer_to_const_pointer, "pp"), "int *const *pp");
    assert_eq!(declared(function_pointer, "make"), "int *(*make)(void)");
    assert_eq!(
        declared(function_pointer_array, "handlers"),
        "int *(*handlers[3])(void)"
    );
    assert_eq!(declared(anonymous_enum, "e"), "enum { A = 1, B = 2 } e");
    assert_eq!(declared(bits, "b"), "struct { int low: 3; int high: 5; } b");
}

#[test]
fn split_btf_continues_ids_and_shares_base_strings() {
    let mut base_builder = BlobBuilder::new();
    let int = base_builder.int("int", 4, INT_SIGNED, 32);
    let sock = base_builder.structure("sock", 4, &[("refcount", int, 0, 0)]);
    let base_blob = base_builder.build();
    let base = Btf::parse(&base_blob).expect("base parses");
    let base_string_length = u32::from_le_bytes(base_blob[20..24].try_into().expect("4 bytes"));

    let mut split_builder = BlobBuilder::new_split(base.last_type_id().0, base_string_length);
    let pointer = split_builder.pointer(sock);
    // A member whose name reuses the base's "refcount" string.
    let base_strings = &base_blob[base_blob.len() - base_string_length as usize..];
    let refcount_offset = base_strings
        .windows(9)
        .position(|window| window == b"refcount\0")
        .expect("base has the string") as u32;
    let module_struct = split_builder.record("module_state", common::kind::STRUCT, false, 2, 16);
    split_builder.raw_u32(refcount_offset);
    split_builder.raw_u32(int);
    split_builder.raw_u32(0);
    let socket_offset = split_builder.string("socket");
    split_builder.raw_u32(socket_offset);
    split_builder.raw_u32(pointer);
    split_builder.raw_u32(64);
    let split = Btf::parse_split(&split_builder.build(), &base).expect("split parses");

    assert_eq!(split.first_own_type_id(), TypeId(3));
    assert_eq!(split.last_type_id(), TypeId(4));
    assert_eq!(split.own_types().count(), 2);
    assert_eq!(split.types().count(), 4);
    assert!(split.base().is_some());
    assert_eq!(
        split.find_by_name(TypeKind::Struct, "sock"),
        Some(TypeId(sock))
    );
    assert_eq!(
        split.find_by_name(TypeKind::Struct, "module_state"),
        Some(TypeId(module_struct))
    );
    assert_eq!(base.find_by_name(TypeKind::Struct, "module_state"), None);
    let members: Vec<_> = split
        .members(TypeId(module_struct))
        .expect("struct")
        .collect();
    assert_eq!(members[0].name, "refcount");
    assert_eq!(members[1].name, "socket");
    assert_eq!(
        split.c_type_name(members[1].type_id).as_deref(),
        Ok("struct sock *")
    );
    assert_eq!(split.size_of(TypeId(module_struct)), Ok(16));
    assert_eq!(split.pointer_size(), base.pointer_size());
}

#[test]
fn split_btf_rejects_references_past_its_end_and_foreign_byte_order() {
    let base = Btf::parse(&blob_with_every_kind()).expect("base parses");
    let mut split_builder = BlobBuilder::new_split(base.last_type_id().0, 1000);
    split_builder.pointer(base.last_type_id().0 + 2);
    let split = Btf::parse_split(&split_builder.build(), &base).expect("structurally valid");
    assert!(matches!(
        split.validate(),
        Err(BtfError::DanglingTypeReference { .. })
    ));
    assert!(base.validate().is_ok());

    let big_endian_split = BlobBuilder::new_big_endian().build();
    assert_eq!(
        Btf::parse_split(&big_endian_split, &base).err(),
        Some(BtfError::EndiannessMismatch)
    );
}
