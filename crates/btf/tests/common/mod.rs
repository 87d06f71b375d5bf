//! A test-only builder that writes BTF blobs byte by byte, the way the
//! kernel's `btf.h` lays them out, so tests can hand-build every kind and
//! then break blobs on purpose. It must not use the crate under test to
//! produce bytes (that would make the tests circular) and must stay free of
//! assertions: tests decide what is right.

#![allow(dead_code)] // Each test binary uses a different subset.

/// Raw `BTF_KIND_*` numbers.
pub mod kind {
    pub const INT: u8 = 1;
    pub const PTR: u8 = 2;
    pub const ARRAY: u8 = 3;
    pub const STRUCT: u8 = 4;
    pub const UNION: u8 = 5;
    pub const ENUM: u8 = 6;
    pub const FWD: u8 = 7;
    pub const TYPEDEF: u8 = 8;
    pub const VOLATILE: u8 = 9;
    pub const CONST: u8 = 10;
    pub const RESTRICT: u8 = 11;
    pub const FUNC: u8 = 12;
    pub const FUNC_PROTO: u8 = 13;
    pub const VAR: u8 = 14;
    pub const DATASEC: u8 = 15;
    pub const FLOAT: u8 = 16;
    pub const DECL_TAG: u8 = 17;
    pub const TYPE_TAG: u8 = 18;
    pub const ENUM64: u8 = 19;
}

/// `BTF_INT_*` encoding bits.
pub const INT_SIGNED: u32 = 1;
pub const INT_CHAR: u32 = 2;
pub const INT_BOOL: u32 = 4;

/// Writes a header, a type section and a string section.
pub struct BlobBuilder {
    types: Vec<u8>,
    strings: Vec<u8>,
    /// Offset added to positions in `strings` (the base's string length for
    /// split BTF, 0 otherwise).
    string_offset_base: u32,
    next_type_id: u32,
    big_endian: bool,
}

impl BlobBuilder {
    /// A base blob: ids from 1, string section starting with `""`.
    pub fn new() -> Self {
        BlobBuilder {
            types: Vec::new(),
            strings: vec![0],
            string_offset_base: 0,
            next_type_id: 1,
            big_endian: false,
        }
    }

    /// The same, writing big-endian.
    pub fn new_big_endian() -> Self {
        BlobBuilder {
            big_endian: true,
            ..BlobBuilder::new()
        }
    }

    /// A split blob on a base whose last id is `base_last_type_id` and whose
    /// string section is `base_string_length` bytes long. The empty name is
    /// the base's offset 0.
    pub fn new_split(base_last_type_id: u32, base_string_length: u32) -> Self {
        BlobBuilder {
            types: Vec::new(),
            strings: Vec::new(),
            string_offset_base: base_string_length,
            next_type_id: base_last_type_id + 1,
            big_endian: false,
        }
    }

    /// The id the next record will get.
    pub fn next_id(&self) -> u32 {
        self.next_type_id
    }

    /// Adds `text` to the string section and returns its offset; `""` is
    /// offset 0 (present in every base blob).
    pub fn string(&mut self, text: &str) -> u32 {
        if text.is_empty() {
            return 0;
        }
        let offset = self.string_offset_base + self.strings.len() as u32;
        self.strings.extend_from_slice(text.as_bytes());
        self.strings.push(0);
        offset
    }

    /// Appends one `u32` in the blob's byte order to the type section.
    pub fn raw_u32(&mut self, value: u32) {
        let bytes = if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        };
        self.types.extend_from_slice(&bytes);
    }

    /// Writes a `btf_type` prefix with a name offset and returns the id.
    pub fn record_with_name_offset(
        &mut self,
        name_offset: u32,
        raw_kind: u8,
        kind_flag: bool,
        vlen: u16,
        size_or_type: u32,
    ) -> u32 {
        let info = (u32::from(kind_flag) << 31) | (u32::from(raw_kind) << 24) | u32::from(vlen);
        self.raw_u32(name_offset);
        self.raw_u32(info);
        self.raw_u32(size_or_type);
        let id = self.next_type_id;
        self.next_type_id += 1;
        id
    }

    /// Writes a `btf_type` prefix and returns the id.
    pub fn record(
        &mut self,
        name: &str,
        raw_kind: u8,
        kind_flag: bool,
        vlen: u16,
        size_or_type: u32,
    ) -> u32 {
        let name_offset = self.string(name);
        self.record_with_name_offset(name_offset, raw_kind, kind_flag, vlen, size_or_type)
    }

    pub fn int(&mut self, name: &str, byte_size: u32, encoding: u32, bits: u32) -> u32 {
        let id = self.record(name, kind::INT, false, 0, byte_size);
        self.raw_u32((encoding << 24) | bits);
        id
    }

    pub fn int_with_bit_offset(
        &mut self,
        name: &str,
        byte_size: u32,
        bit_offset: u32,
        bits: u32,
    ) -> u32 {
        let id = self.record(name, kind::INT, false, 0, byte_size);
        self.raw_u32((bit_offset << 16) | bits);
        id
    }

    pub fn pointer(&mut self, target: u32) -> u32 {
        self.record("", kind::PTR, false, 0, target)
    }

    pub fn array(&mut self, element: u32, index: u32, count: u32) -> u32 {
        let id = self.record("", kind::ARRAY, false, 0, 0);
        self.raw_u32(element);
        self.raw_u32(index);
        self.raw_u32(count);
        id
    }

    /// Members are `(name, type, bit offset, bitfield size)`; the
    /// `kind_flag` encoding is used when any bitfield size is non-zero.
    pub fn structure(
        &mut self,
        name: &str,
        byte_size: u32,
        members: &[(&str, u32, u32, u32)],
    ) -> u32 {
        self.composite(kind::STRUCT, name, byte_size, members)
    }

    pub fn union(&mut self, name: &str, byte_size: u32, members: &[(&str, u32, u32, u32)]) -> u32 {
        self.composite(kind::UNION, name, byte_size, members)
    }

    fn composite(
        &mut self,
        raw_kind: u8,
        name: &str,
        byte_size: u32,
        members: &[(&str, u32, u32, u32)],
    ) -> u32 {
        let uses_bitfields = members.iter().any(|member| member.3 != 0);
        let id = self.record(
            name,
            raw_kind,
            uses_bitfields,
            members.len() as u16,
            byte_size,
        );
        for &(member_name, type_id, bit_offset, bitfield_size) in members {
            let name_offset = self.string(member_name);
            self.raw_u32(name_offset);
            self.raw_u32(type_id);
            self.raw_u32(if uses_bitfields {
                (bitfield_size << 24) | bit_offset
            } else {
                bit_offset
            });
        }
        id
    }

    pub fn enumeration(
        &mut self,
        name: &str,
        byte_size: u32,
        is_signed: bool,
        values: &[(&str, i64)],
    ) -> u32 {
        let id = self.record(name, kind::ENUM, is_signed, values.len() as u16, byte_size);
        for &(value_name, value) in values {
            let name_offset = self.string(value_name);
            self.raw_u32(name_offset);
            self.raw_u32(value as u32);
        }
        id
    }

    pub fn enum64(
        &mut self,
        name: &str,
        byte_size: u32,
        is_signed: bool,
        values: &[(&str, u64)],
    ) -> u32 {
        let id = self.record(
            name,
            kind::ENUM64,
            is_signed,
            values.len() as u16,
            byte_size,
        );
        for &(value_name, value) in values {
            let name_offset = self.string(value_name);
            self.raw_u32(name_offset);
            self.raw_u32(value as u32);
            self.raw_u32((value >> 32) as u32);
        }
        id
    }

    pub fn forward(&mut self, name: &str, is_union: bool) -> u32 {
        self.record(name, kind::FWD, is_union, 0, 0)
    }

    pub fn typedef(&mut self, name: &str, target: u32) -> u32 {
        self.record(name, kind::TYPEDEF, false, 0, target)
    }

    pub fn volatile(&mut self, target: u32) -> u32 {
        self.record("", kind::VOLATILE, false, 0, target)
    }

    pub fn constant(&mut self, target: u32) -> u32 {
        self.record("", kind::CONST, false, 0, target)
    }

    pub fn restrict(&mut self, target: u32) -> u32 {
        self.record("", kind::RESTRICT, false, 0, target)
    }

    /// `linkage`: 0 static, 1 global, 2 extern.
    pub fn function(&mut self, name: &str, prototype: u32, linkage: u16) -> u32 {
        self.record(name, kind::FUNC, false, linkage, prototype)
    }

    /// Parameters are `(name, type)`; `variadic` appends the `(0, 0)` marker.
    pub fn function_prototype(
        &mut self,
        return_type: u32,
        parameters: &[(&str, u32)],
        variadic: bool,
    ) -> u32 {
        let count = parameters.len() + usize::from(variadic);
        let id = self.record("", kind::FUNC_PROTO, false, count as u16, return_type);
        for &(parameter_name, type_id) in parameters {
            let name_offset = self.string(parameter_name);
            self.raw_u32(name_offset);
            self.raw_u32(type_id);
        }
        if variadic {
            self.raw_u32(0);
            self.raw_u32(0);
        }
        id
    }

    /// `linkage`: 0 static, 1 global allocated, 2 global extern.
    pub fn variable(&mut self, name: &str, type_id: u32, linkage: u32) -> u32 {
        let id = self.record(name, kind::VAR, false, 0, type_id);
        self.raw_u32(linkage);
        id
    }

    /// Entries are `(type, offset, size)`.
    pub fn datasec(&mut self, name: &str, byte_size: u32, entries: &[(u32, u32, u32)]) -> u32 {
        let id = self.record(name, kind::DATASEC, false, entries.len() as u16, byte_size);
        for &(type_id, offset, size) in entries {
            self.raw_u32(type_id);
            self.raw_u32(offset);
            self.raw_u32(size);
        }
        id
    }

    pub fn float(&mut self, name: &str, byte_size: u32) -> u32 {
        self.record(name, kind::FLOAT, false, 0, byte_size)
    }

    pub fn decl_tag(&mut self, value: &str, target: u32, component_index: i32) -> u32 {
        let id = self.record(value, kind::DECL_TAG, false, 0, target);
        self.raw_u32(component_index as u32);
        id
    }

    pub fn type_tag(&mut self, value: &str, target: u32) -> u32 {
        self.record(value, kind::TYPE_TAG, false, 0, target)
    }

    /// The complete blob: 24-byte header, type section, string section.
    pub fn build(&self) -> Vec<u8> {
        let mut blob = Vec::new();
        let push = |blob: &mut Vec<u8>, value: u32| {
            if self.big_endian {
                blob.extend_from_slice(&value.to_be_bytes());
            } else {
                blob.extend_from_slice(&value.to_le_bytes());
            }
        };
        let magic: u16 = 0xEB9F;
        blob.extend_from_slice(&if self.big_endian {
            magic.to_be_bytes()
        } else {
            magic.to_le_bytes()
        });
        blob.push(1); // version
        blob.push(0); // flags
        push(&mut blob, 24); // hdr_len
        push(&mut blob, 0); // type_off
        push(&mut blob, self.types.len() as u32);
        push(&mut blob, self.types.len() as u32); // str_off
        push(&mut blob, self.strings.len() as u32);
        blob.extend_from_slice(&self.types);
        blob.extend_from_slice(&self.strings);
        blob
    }
}

/// A blob using every kind at least once, for tests that want "a bit of
/// everything" (including the fuzz test). Returns the bytes.
pub fn blob_with_every_kind() -> Vec<u8> {
    let mut builder = BlobBuilder::new();
    let unsigned_int = builder.int("unsigned int", 4, 0, 32); // 1
    let int = builder.int("int", 4, INT_SIGNED, 32); // 2
    let character = builder.int("char", 1, INT_SIGNED | INT_CHAR, 8); // 3
    let long = builder.int("long int", 8, INT_SIGNED, 64); // 4
    let u32_typedef = builder.typedef("__u32", unsigned_int); // 5
    let self_pointer = builder.pointer(builder.next_id() + 1); // 6 -> 7
    let node = builder.structure(
        "node",
        24,
        &[
            ("next", self_pointer, 0, 0),
            ("value", u32_typedef, 64, 0),
            ("flags", unsigned_int, 96, 3),
            ("name", builder.next_id() + 1, 128, 0),
        ],
    ); // 7
    let name_array = builder.array(character, int, 8); // 8
    assert_eq!((self_pointer, node, name_array), (6, 7, 8));
    let anonymous_union = builder.union("", 8, &[("as_long", long, 0, 0), ("as_int", int, 0, 0)]); // 9
    builder.structure(
        "wrapper",
        16,
        &[("", anonymous_union, 0, 0), ("tail", int, 64, 0)],
    ); // 10
    builder.enumeration("color", 4, false, &[("RED", 0), ("GREEN", 1), ("BLUE", 2)]); // 11
    builder.enum64("big", 8, false, &[("HUGE", u64::MAX)]); // 12
    builder.forward("opaque", false); // 13
    let const_char = builder.constant(character); // 14
    let const_char_pointer = builder.pointer(const_char); // 15
    let volatile_int = builder.volatile(int); // 16
    let restrict_pointer = builder.restrict(const_char_pointer); // 17
    let prototype = builder.function_prototype(int, &[("format", const_char_pointer)], true); // 18
    builder.function("printk", prototype, 1); // 19
    let variable = builder.variable("counter", volatile_int, 1); // 20
    builder.datasec(".data", 4, &[(variable, 0, 4)]); // 21
    builder.float("double", 8); // 22
    builder.decl_tag("kfunc", 19, -1); // 23
    let tagged = builder.type_tag("rcu", node); // 24
    builder.pointer(tagged); // 25
    builder.typedef("restricted_string", restrict_pointer); // 26
    builder.build()
}
