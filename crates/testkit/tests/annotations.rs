//! Unit tests of the annotation parser and value encoding, no kernel
//! needed: C layout of struct values, literal ranges, directive syntax,
//! what counts as a directive versus prose, and the error messages. These
//! must not load anything; kernel behaviour is `harness_selftest.rs`.

use testkit::e2e::{
    parse_directive, parse_file, parse_retval, DirectiveKind, IntTy, MapExpect, Value,
};

fn value(text: &str) -> Value {
    match parse_directive("global", &format!("x == {text}")) {
        Ok(DirectiveKind::Global { expect, .. }) => expect,
        other => panic!("{text}: {other:?}"),
    }
}

fn value_err(text: &str) -> String {
    parse_directive("global", &format!("x == {text}")).expect_err(text)
}

#[test]
fn scalars_encode_little_or_big_endian() {
    assert_eq!(value("u32 7").encode().bytes, vec![7, 0, 0, 0]);
    assert_eq!(value("be16 53").encode().bytes, vec![0, 53]);
    assert_eq!(value("be32 0x0a000001").encode().bytes, vec![10, 0, 0, 1]);
    assert_eq!(value("i8 -1").encode().bytes, vec![0xff]);
    assert_eq!(
        value("i64 -2").encode().bytes,
        vec![0xfe; 1]
            .into_iter()
            .chain([0xff; 7])
            .collect::<Vec<_>>()
    );
    assert_eq!(
        value("u64 1_000").encode().bytes,
        1000u64.to_le_bytes().to_vec()
    );
    assert_eq!(value("bool true").encode().bytes, vec![1]);
    assert_eq!(value("ipv4 10.0.0.2").encode().bytes, vec![10, 0, 0, 2]);
    assert_eq!(value("ipv6 ::1").encode().bytes.len(), 16);
    assert_eq!(
        value("mac 02:00:00:00:00:01").encode().bytes,
        vec![2, 0, 0, 0, 0, 1]
    );
    assert_eq!(value("hex 00ff_10").encode().bytes, vec![0, 0xff, 0x10]);
    assert_eq!(
        value("char[6] \"eth0\"").encode().bytes,
        b"eth0\0\0".to_vec()
    );
}

#[test]
fn structs_follow_c_layout() {
    // struct { u8 a; u64 b; }: 7 bytes of padding after a, size 16.
    let v = value("{u8 1, u64 2}");
    let enc = v.encode();
    assert_eq!(enc.bytes.len(), 16);
    assert_eq!(enc.bytes[0], 1);
    assert_eq!(enc.bytes[8], 2);
    assert_eq!(&enc.mask[1..8], &[false; 7]);
    // struct { __be32 saddr; __be16 dport; }: trailing padding to 8.
    let key = value("{ipv4 10.0.0.1, be16 53}").encode();
    assert_eq!(key.bytes, vec![10, 0, 0, 1, 0, 53, 0, 0]);
    assert_eq!(
        key.mask,
        vec![true, true, true, true, true, true, false, false]
    );
    // Nested structs align to their widest field.
    let nested = value("{u8 1, {u16 2, u32 3}, u8 4}").encode();
    assert_eq!(
        nested.bytes,
        vec![1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]
    );
    // Padding is ignored when comparing, fields are not.
    let mut actual = enc.bytes.clone();
    actual[3] = 0xaa;
    assert!(enc.matches(&actual));
    actual[8] = 3;
    assert!(!enc.matches(&actual));
    assert_eq!(v.render_like(&actual), "{u8 1, u64 3}");
    assert!(!enc.matches(&actual[..8]), "a shorter value never matches");
}

#[test]
fn literals_are_range_checked() {
    assert!(value_err("u8 256").contains("does not fit in u8"));
    assert!(value_err("i8 -129").contains("does not fit in i8"));
    assert!(value_err("u32 -1").contains("does not fit in u32"));
    assert!(value_err("u32 x").contains("not an integer"));
    assert!(value_err("u32 +5").contains("not an integer"));
    assert!(value_err("f32 1").contains("unknown value type `f32`"));
    assert!(value_err("hex 123").contains("odd number of hex digits"));
    assert!(value_err("char[2] \"abc\"").contains("cannot hold"));
    assert!(value_err("{}").contains("empty struct"));
    assert!(value_err("{u8 1").contains("to close the struct"));
    assert!(value_err("ipv4 10.0.0").contains("not an IPv4 address"));
    assert!(value_err("u8 1 u8 2").contains("unexpected text"));
    assert_eq!(IntTy::U8.wrap(256), 0);
    assert_eq!(IntTy::I8.wrap(255), -1);
}

#[test]
fn run_directive_parses_packets_and_results() {
    let d = parse_directive(
        "run",
        "prog(eth ipv4 10.0.0.1 -> 10.0.0.2 udp 1 -> 53 payload \"hi\\x00\") == XDP_DROP",
    )
    .unwrap();
    let DirectiveKind::Run {
        prog,
        packet,
        expect,
    } = d
    else {
        panic!("{d:?}")
    };
    assert_eq!(prog, "prog");
    assert_eq!(packet.len(), 14 + 20 + 8 + 3);
    assert_eq!(&packet[packet.len() - 3..], b"hi\0");
    assert_eq!(expect.value, 1);

    let raw = parse_directive("run", "p(raw 00:11:22:33:44:55 66778899aabb 0800 01) == 7").unwrap();
    let DirectiveKind::Run { packet, expect, .. } = raw else {
        panic!()
    };
    assert_eq!(packet.len(), 15);
    assert_eq!(packet[0..2], [0x00, 0x11]);
    assert_eq!(expect.name, None);

    for bad in [
        ("p(eth ipv4 10.0.0.1 10.0.0.2) == 1", "expected `->`"),
        ("p(eth tcp 1 -> 2) == 1", "`tcp` cannot follow `eth`"),
        (
            "p(eth ipv4 1.1.1.1 -> 2.2.2.2 udp 1 -> 2 flags=SYN) == 1",
            "`flags=` is not an option of `udp`",
        ),
        (
            "p(eth ipv4 1.1.1.1 -> 2.2.2.2 tcp 1 -> 2 flags=SYN|BOGUS) == 1",
            "unknown TCP flag `BOGUS`",
        ),
        (
            "p(eth ipv4 1.1.1.1 -> 2.2.2.2 udp 1 -> 70000) == 1",
            "out of range",
        ),
        ("p(eth frob) == 1", "unknown packet word `frob`"),
        ("p(eth) == XDP_DORP", "unknown return value `XDP_DORP`"),
        ("p(eth) XDP_DROP", "expected `==`"),
        ("p(eth", "expected `)`"),
        ("p(eth payload \"unterminated) == 1", "unterminated string"),
    ] {
        let err = parse_directive("run", bad.0).expect_err(bad.0);
        assert!(err.contains(bad.1), "{}: {err}", bad.0);
    }
}

#[test]
fn return_values() {
    assert_eq!(parse_retval("TC_ACT_UNSPEC").unwrap().value, u32::MAX);
    assert_eq!(parse_retval("-1").unwrap().value, u32::MAX);
    assert_eq!(parse_retval("0x10").unwrap().value, 16);
    assert_eq!(
        parse_retval("XDP_REDIRECT").unwrap().to_string(),
        "XDP_REDIRECT (4)"
    );
    assert!(parse_retval("4294967296").is_err());
}

#[test]
fn map_and_global_directives() {
    match parse_directive("map", "stats[u32 7] == absent").unwrap() {
        DirectiveKind::Map {
            map,
            expect: MapExpect::Absent,
            ..
        } => assert_eq!(map, "stats"),
        other => panic!("{other:?}"),
    }
    match parse_directive("map", "hits[u32 0] == sum u64 3").unwrap() {
        DirectiveKind::Map {
            expect: MapExpect::Sum(Value::Int { value: 3, .. }),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert!(parse_directive("map", "hits[u32 0] == sum {u64 3}")
        .unwrap_err()
        .contains("`sum` needs an integer"));
    assert!(parse_directive("map", "hits u32 0 == u64 1")
        .unwrap_err()
        .contains("expected `[`"));
    assert!(matches!(
        parse_directive("map-set", "m[u32 1] = u64 2").unwrap(),
        DirectiveKind::MapSet { .. }
    ));
    assert!(matches!(
        parse_directive("map-delete", "m[u32 1]").unwrap(),
        DirectiveKind::MapDelete { .. }
    ));
    assert!(matches!(
        parse_directive("global-set", "limit = u32 9").unwrap(),
        DirectiveKind::GlobalSet { .. }
    ));
    assert!(parse_directive("global-set", "limit == u32 9")
        .unwrap_err()
        .contains("expected `=`"));
    assert!(parse_directive("expect-load-error", "")
        .unwrap_err()
        .contains("needs the text"));
}

#[test]
fn directives_versus_prose() {
    let src = "\
// An XDP test. Note: capitalised prose with a colon is fine.
/// doc: comments are prose too
//! inner: doc
// See https://example.org/x for details
// run: p(eth) == XDP_PASS
fn p() {} // a trailing prose comment: fine
/* run: inside a block comment is not a directive */
   //   map: m[u32 0] == u64 1
";
    let ds = parse_file(src).unwrap();
    assert_eq!(ds.iter().map(|d| d.line).collect::<Vec<_>>(), vec![5, 8]);
    assert_eq!(ds[1].text, "map: m[u32 0] == u64 1");

    let (line, err) = parse_file("// ok prose\n// note: lower-case word and colon\n").unwrap_err();
    assert_eq!(line, 2);
    assert!(err.contains("unknown directive `note:`"), "{err}");
    let (line, err) = parse_file("x = 1; // map: m[u32 0] == absent\n").unwrap_err();
    assert_eq!(line, 1);
    assert!(err.contains("on a line of its own"), "{err}");
}
