//! Robustness tests: each structural rule has a blob that breaks it and the
//! expected [`BtfError`] (from parsing, or from [`Btf::validate`] for the
//! rules parsing leaves to it); then truncated, randomly mutated and random
//! garbage blobs are fed to the parser (and every query on whatever parses,
//! validated or not) to check that nothing panics, hangs or explodes in
//! memory. The random
//! generator is a fixed-seed xorshift so failures reproduce; these tests
//! must not time anything.

mod common;

use btf::{Btf, BtfError, TypeId, TypeKind};
use common::{blob_with_every_kind, kind, BlobBuilder, INT_SIGNED};

fn header_u32(blob: &mut [u8], offset: usize, value: u32) {
    blob[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

fn minimal_blob_with_int() -> Vec<u8> {
    let mut builder = BlobBuilder::new();
    builder.int("int", 4, INT_SIGNED, 32);
    builder.build()
}

#[test]
fn header_errors() {
    assert!(matches!(Btf::parse(&[]), Err(BtfError::Truncated { .. })));
    assert!(matches!(
        Btf::parse(&[0x9F, 0xEB, 1]),
        Err(BtfError::Truncated { .. })
    ));
    assert_eq!(
        Btf::parse(&[0x7F, b'E', b'L', b'F']).err(),
        Some(BtfError::BadMagic {
            found: [0x7F, b'E']
        })
    );

    let mut wrong_version = minimal_blob_with_int();
    wrong_version[2] = 2;
    assert_eq!(
        Btf::parse(&wrong_version).err(),
        Some(BtfError::UnsupportedVersion { version: 2 })
    );

    let mut short_header = minimal_blob_with_int();
    header_u32(&mut short_header, 4, 8);
    assert!(matches!(
        Btf::parse(&short_header),
        Err(BtfError::InvalidHeaderLength { .. })
    ));

    let mut huge_header = minimal_blob_with_int();
    header_u32(&mut huge_header, 4, u32::MAX);
    assert!(matches!(
        Btf::parse(&huge_header),
        Err(BtfError::InvalidHeaderLength { .. })
    ));

    let mut long_type_section = minimal_blob_with_int();
    header_u32(&mut long_type_section, 12, u32::MAX);
    assert!(matches!(
        Btf::parse(&long_type_section),
        Err(BtfError::SectionOutOfBounds {
            section: "type",
            ..
        })
    ));

    let mut far_strings = minimal_blob_with_int();
    header_u32(&mut far_strings, 16, u32::MAX);
    assert!(matches!(
        Btf::parse(&far_strings),
        Err(BtfError::SectionOutOfBounds {
            section: "string",
            ..
        })
    ));
}

#[test]
fn longer_future_headers_are_accepted() {
    let blob = minimal_blob_with_int();
    let mut longer = blob[..24].to_vec();
    header_u32(&mut longer, 4, 32);
    longer.extend_from_slice(&[0; 8]);
    longer.extend_from_slice(&blob[24..]);
    let btf = Btf::parse(&longer).expect("a 32-byte header is fine");
    assert_eq!(btf.c_type_name(TypeId(1)).as_deref(), Ok("int"));
}

#[test]
fn string_section_errors() {
    let blob = minimal_blob_with_int();
    let string_start = 24 + 16;

    let mut not_starting_empty = blob.clone();
    not_starting_empty[string_start] = b'x';
    assert!(matches!(
        Btf::parse(&not_starting_empty),
        Err(BtfError::MalformedStringSection { .. })
    ));

    let mut not_terminated = blob.clone();
    let last = not_terminated.len() - 1;
    not_terminated[last] = b'x';
    assert!(matches!(
        Btf::parse(&not_terminated),
        Err(BtfError::MalformedStringSection { .. })
    ));

    let mut empty = blob.clone();
    header_u32(&mut empty, 20, 0);
    assert!(matches!(
        Btf::parse(&empty),
        Err(BtfError::MalformedStringSection { .. })
    ));

    let mut builder = BlobBuilder::new();
    builder.record_with_name_offset(1000, kind::INT, false, 0, 4);
    builder.raw_u32(32);
    assert_eq!(
        Btf::parse(&builder.build()).err(),
        Some(BtfError::StringOffsetOutOfBounds {
            id: TypeId(1),
            offset: 1000,
        })
    );
}

#[test]
fn type_record_errors() {
    let expect_error = |builder: BlobBuilder| {
        Btf::parse(&builder.build())
            .and_then(|btf| btf.validate())
            .expect_err("must fail")
    };
    let expect_parse_error =
        |builder: BlobBuilder| Btf::parse(&builder.build()).expect_err("must fail to parse");

    let mut unknown_kind = BlobBuilder::new();
    unknown_kind.record("", 20, false, 0, 0);
    assert_eq!(
        expect_parse_error(unknown_kind),
        BtfError::UnknownKind {
            id: TypeId(1),
            kind: 20
        }
    );

    let mut kind_zero = BlobBuilder::new();
    kind_zero.record("", 0, false, 0, 0);
    assert_eq!(
        expect_parse_error(kind_zero),
        BtfError::UnknownKind {
            id: TypeId(1),
            kind: 0
        }
    );

    let mut dangling = BlobBuilder::new();
    dangling.pointer(7);
    let parsed = Btf::parse(&dangling.build()).expect("references are checked lazily");
    assert_eq!(
        parsed.size_of(TypeId(1)),
        Ok(8),
        "a pointer's size does not need its target"
    );
    assert_eq!(
        parsed.resolve(TypeId(7)),
        Err(BtfError::UnknownTypeId { id: TypeId(7) })
    );
    assert_eq!(
        expect_error(dangling),
        BtfError::DanglingTypeReference {
            from: TypeId(1),
            to: TypeId(7),
        }
    );

    let mut bad_function_linkage = BlobBuilder::new();
    let prototype = bad_function_linkage.function_prototype(0, &[], false);
    bad_function_linkage.function("f", prototype, 3);
    assert!(matches!(
        expect_parse_error(bad_function_linkage),
        BtfError::MalformedType { .. }
    ));

    let mut bad_variable_linkage = BlobBuilder::new();
    let int = bad_variable_linkage.int("int", 4, INT_SIGNED, 32);
    bad_variable_linkage.variable("v", int, 3);
    assert!(matches!(
        expect_parse_error(bad_variable_linkage),
        BtfError::MalformedType { .. }
    ));

    let mut void_parameter = BlobBuilder::new();
    let int = void_parameter.int("int", 4, INT_SIGNED, 32);
    void_parameter.function_prototype(0, &[("", 0), ("x", int)], false);
    assert!(matches!(
        expect_error(void_parameter),
        BtfError::MalformedType { .. }
    ));

    let mut bad_component = BlobBuilder::new();
    let int = bad_component.int("int", 4, INT_SIGNED, 32);
    bad_component.decl_tag("tag", int, -2);
    assert!(matches!(
        expect_parse_error(bad_component),
        BtfError::MalformedType { .. }
    ));

    let mut too_few_members = BlobBuilder::new();
    too_few_members.record("s", kind::STRUCT, false, 60_000, 4);
    assert!(matches!(
        expect_parse_error(too_few_members),
        BtfError::Truncated { .. }
    ));

    let mut partial_record = BlobBuilder::new();
    partial_record.raw_u32(0);
    assert!(matches!(
        expect_parse_error(partial_record),
        BtfError::Truncated { .. }
    ));
}

#[test]
fn errors_display_as_sentences() {
    let error = Btf::parse(&[1, 2, 3, 4]).expect_err("fails");
    assert_eq!(
        error.to_string(),
        "not BTF data: expected magic 0xEB9F, found bytes 01 02"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(error);
    assert!(!boxed.to_string().is_empty());
}

#[test]
fn exponentially_branching_anonymous_types_hit_the_query_budget() {
    let mut builder = BlobBuilder::new();
    let mut previous = builder.int("int", 4, INT_SIGNED, 32);
    for _ in 0..40 {
        previous = builder.structure("", 8, &[("", previous, 0, 0), ("", previous, 0, 0)]);
    }
    let btf = Btf::parse(&builder.build()).expect("structurally valid");
    assert!(matches!(
        btf.c_type_name(TypeId(previous)),
        Err(BtfError::QueryTooLarge { .. })
    ));
    assert!(matches!(
        btf.find_member(TypeId(previous), "missing"),
        Err(BtfError::QueryTooLarge { .. })
    ));
}

#[test]
fn names_are_borrowed_not_copied() {
    let mut builder = BlobBuilder::new();
    let long_name = builder.string(&"n".repeat(100_000));
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let count: u16 = 60_000;
    let big = builder.record("big", kind::STRUCT, false, count, 4);
    for _ in 0..count {
        builder.raw_u32(long_name);
        builder.raw_u32(int);
        builder.raw_u32(0);
    }
    let blob = builder.build();
    let btf = Btf::parse(&blob).expect("structurally valid");
    btf.build_name_index();
    assert!(
        btf.heap_bytes() < 2 * blob.len(),
        "{} heap bytes for a {}-byte blob",
        btf.heap_bytes(),
        blob.len()
    );
    let members = btf.members(TypeId(big)).expect("struct");
    assert_eq!(members.len(), usize::from(count));
    assert!(members.take(3).all(|member| member.name.len() == 100_000));
}

#[test]
fn unvalidated_dangling_member_names_read_as_a_replacement_character() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let holder = builder.record("holder", kind::STRUCT, false, 1, 4);
    builder.raw_u32(999_999);
    builder.raw_u32(int);
    builder.raw_u32(0);
    let btf = Btf::parse(&builder.build()).expect("member names are checked lazily");
    let member = btf
        .members(TypeId(holder))
        .expect("struct")
        .next()
        .expect("member");
    assert_eq!(member.name, "\u{FFFD}");
    assert_eq!(
        btf.validate(),
        Err(BtfError::StringOffsetOutOfBounds {
            id: TypeId(holder),
            offset: 999_999
        })
    );
}

/// xorshift64*: tiny, deterministic, good enough to pick bytes.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Parses `blob`; if it parses, runs every query on every id (and a few
/// past the end) and returns `true`. Only checks that nothing panics.
fn parse_and_query_everything(blob: &[u8]) -> bool {
    let Ok(btf) = Btf::parse(blob) else {
        return false;
    };
    let _ = btf.validate();
    let _ = format!("{btf:?}");
    let _ = btf.all_enum_constants().count();
    let _ = btf.enum_constant("RED");
    let _ = btf.kfuncs();
    let _ = btf.struct_ops_types();
    let _ = btf.lsm_hooks();
    let _ = btf.similar_type_names(&[TypeKind::Struct], "nodes");
    let last = btf.last_type_id().0;
    for number in 0..=last.saturating_add(2) {
        let id = TypeId(number);
        let _ = btf
            .type_by_id(id)
            .map(|found| (found.kind(), found.name().len()));
        let _ = btf.resolve(id);
        let _ = btf.size_of(id);
        let _ = btf.members(id);
        let _ = btf.find_member(id, "value");
        let _ = btf.find_member_path(id, "as_int");
        let _ = btf.flattened_members(id);
        let _ = btf.similar_member_names(id, "valeu");
        let _ = btf.natural_alignment(id);
        let _ = btf.kind_of(id);
        let _ = btf.is_function_pointer(id);
        let _ = btf.enum_values(id);
        let _ = btf.function_prototype(id);
        let _ = btf.c_type_name(id);
        let _ = btf.c_declaration(id, "x");
        if let Some(name) = btf.type_by_id(id).map(|found| found.name().to_string()) {
            let _ = btf.find_all_by_name(&name);
        }
    }
    let _ = Btf::parse_split(blob, &btf).map(|split| split.types().count());
    true
}

#[test]
fn every_truncation_is_rejected_without_panicking() {
    let blob = blob_with_every_kind();
    for length in 0..blob.len() {
        let result = Btf::parse(&blob[..length]);
        assert!(result.is_err(), "prefix of {length} bytes should not parse");
    }
    assert!(Btf::parse(&blob).is_ok());
}

#[test]
fn random_mutations_never_panic() {
    let original = blob_with_every_kind();
    let mut random = Random(0x5EED_B7F0_0000_0001);
    let interesting_words = [0, 1, 2, 7, 0xff, 0xffff, 0x7fff_ffff, 0x8000_0000, u32::MAX];
    let mut parsed = 0;
    let attempts = 20_000;
    for _ in 0..attempts {
        let mut blob = original.clone();
        for _ in 0..1 + random.below(4) {
            match random.below(4) {
                0 => {
                    let position = random.below(blob.len());
                    blob[position] = random.next() as u8;
                }
                1 => {
                    let position = random.below(blob.len());
                    blob[position] ^= 1 << random.below(8);
                }
                2 => {
                    // Overwrite an aligned word in the type section with a
                    // boundary value: ids, sizes, vlen and offsets.
                    let word_count = (blob.len() - 24) / 4;
                    let position = 24 + 4 * random.below(word_count);
                    let word = interesting_words[random.below(interesting_words.len())];
                    blob[position..position + 4].copy_from_slice(&word.to_le_bytes());
                }
                _ => {
                    let position = 24 + 4 * random.below((blob.len() - 24) / 4);
                    let small_id = (random.below(30) as u32).to_le_bytes();
                    blob[position..position + 4].copy_from_slice(&small_id);
                }
            }
        }
        parsed += usize::from(parse_and_query_everything(&blob));
    }
    // The queries only get exercised on blobs that still parse.
    eprintln!("{parsed} of {attempts} mutated blobs parsed");
    assert!(
        parsed > attempts / 10,
        "only {parsed} of {attempts} mutated blobs parsed"
    );
}

#[test]
fn random_garbage_after_a_valid_header_never_panics() {
    let mut random = Random(0xBAD_C0FF_EE00_0002);
    let mut parsed = 0;
    for _ in 0..5_000 {
        let type_length = 4 * random.below(40);
        let string_length = 1 + random.below(40);
        let mut blob = BlobBuilder::new().build()[..24].to_vec();
        header_u32(&mut blob, 12, type_length as u32);
        header_u32(&mut blob, 16, type_length as u32);
        header_u32(&mut blob, 20, string_length as u32);
        for _ in 0..type_length {
            // Bias towards small values so records look plausible.
            let byte = if random.below(3) == 0 {
                random.next() as u8
            } else {
                random.below(24) as u8
            };
            blob.push(byte);
        }
        blob.push(0);
        for _ in 1..string_length {
            blob.push(if random.below(4) == 0 {
                0
            } else {
                b'a' + random.below(26) as u8
            });
        }
        let last = blob.len() - 1;
        blob[last] = 0;
        parsed += usize::from(parse_and_query_everything(&blob));
    }
    eprintln!("{parsed} of 5000 garbage blobs parsed");
    assert!(
        parsed > 0,
        "no garbage blob parsed, so queries were never exercised"
    );
}

#[test]
fn fully_random_bytes_never_panic() {
    let mut random = Random(0x0123_4567_89AB_CDEF);
    for _ in 0..5_000 {
        let length = random.below(200);
        let blob: Vec<u8> = (0..length).map(|_| random.next() as u8).collect();
        let _ = parse_and_query_everything(&blob);
    }
}
