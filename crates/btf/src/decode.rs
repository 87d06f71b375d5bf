//! Type records at the byte level: the one structural pass over a type
//! section that finds where every record starts (checking kinds, lengths,
//! prefix names and linkage fields as it goes), the decoding of one record
//! into a [`Type`] view, and the deep check ([`Btf::validate`]) of what the
//! structural pass leaves for later (references, trailing names, `void`
//! parameters). This file must not parse the header or answer questions
//! that follow references between types.

use std::ops::Range;

use crate::btf::Btf;
use crate::error::BtfError;
use crate::reader::Endianness;
use crate::types::{
    ArrayType, DataSection, DeclarationTag, EnumType, FloatType, ForwardDeclaration, Function,
    FunctionLinkage, FunctionPrototype, IntType, Records, StructOrUnion, Type, TypeId, TypeKind,
    TypeTag, Typedef, Variable, VariableLinkage,
};

/// Size of the `btf_type` prefix every record starts with.
pub(crate) const PREFIX_LENGTH: usize = 12;

/// The fixed 12-byte prefix of a record.
#[derive(Clone, Copy)]
pub(crate) struct RecordPrefix {
    pub(crate) name_offset: u32,
    pub(crate) kind: TypeKind,
    pub(crate) kind_flag: bool,
    pub(crate) vlen: usize,
    /// The `size`/`type` union.
    pub(crate) size_or_type: u32,
}

impl RecordPrefix {
    /// Splits the `info` word. `None` for an unknown kind (or kind 0).
    pub(crate) fn from_words(name_offset: u32, info: u32, size_or_type: u32) -> Option<Self> {
        let raw_kind = ((info >> 24) & 0x1f) as u8;
        let kind = TypeKind::from_raw(raw_kind).filter(|kind| *kind != TypeKind::Void)?;
        Some(RecordPrefix {
            name_offset,
            kind,
            kind_flag: info & 0x8000_0000 != 0,
            vlen: (info & 0xffff) as usize,
            size_or_type,
        })
    }

    /// Bytes of kind-specific data after the prefix.
    pub(crate) fn trailing_length(&self) -> usize {
        match self.kind {
            TypeKind::Int | TypeKind::Var | TypeKind::DeclTag => 4,
            TypeKind::Array => 12,
            TypeKind::Struct | TypeKind::Union | TypeKind::DataSec | TypeKind::Enum64 => {
                12 * self.vlen
            }
            TypeKind::Enum | TypeKind::FuncProto => 8 * self.vlen,
            TypeKind::Void
            | TypeKind::Pointer
            | TypeKind::Forward
            | TypeKind::Typedef
            | TypeKind::Volatile
            | TypeKind::Const
            | TypeKind::Restrict
            | TypeKind::Func
            | TypeKind::Float
            | TypeKind::TypeTag => 0,
        }
    }
}

/// What the structural pass learned.
pub(crate) struct ScannedSection {
    /// Absolute offset in the blob of each record, in id order.
    pub(crate) record_offsets: Vec<u32>,
    /// Ids of the `INT` records (there are a handful), to infer the
    /// pointer size from `long`.
    pub(crate) int_ids: Vec<TypeId>,
}

fn read_word(bytes: &[u8], position: usize, endianness: Endianness) -> Option<u32> {
    let word: [u8; 4] = bytes.get(position..position + 4)?.try_into().ok()?;
    Some(endianness.u32_from(word))
}

/// Walks the type section once, recording where each record starts and
/// checking what can be checked without following references: a known
/// kind, the record's trailing data inside the section, the name offset
/// below `string_limit`, and the linkage / component fields of `FUNC`,
/// `VAR` and `DECL_TAG`. `first_type_id` numbers the records.
pub(crate) fn scan_type_section(
    bytes: &[u8],
    section: Range<usize>,
    endianness: Endianness,
    first_type_id: u32,
    string_limit: u64,
) -> Result<ScannedSection, BtfError> {
    let mut record_offsets = Vec::with_capacity((section.end - section.start) / 24);
    let mut int_ids = Vec::new();
    let mut position = section.start;
    while position < section.end {
        let index = u32::try_from(record_offsets.len()).map_err(|_| BtfError::TooManyTypes)?;
        let id = TypeId(
            first_type_id
                .checked_add(index)
                .ok_or(BtfError::TooManyTypes)?,
        );
        let truncated = |needed: usize| BtfError::Truncated {
            what: "type record",
            offset: position,
            needed,
            available: section.end - position,
        };
        if section.end - position < PREFIX_LENGTH {
            return Err(truncated(PREFIX_LENGTH));
        }
        let word = |at: usize| read_word(bytes, at, endianness).ok_or(truncated(at + 4 - position));
        let name_offset = word(position)?;
        let info = word(position + 4)?;
        let size_or_type = word(position + 8)?;
        let prefix = RecordPrefix::from_words(name_offset, info, size_or_type).ok_or(
            BtfError::UnknownKind {
                id,
                kind: ((info >> 24) & 0x1f) as u8,
            },
        )?;
        let length = PREFIX_LENGTH + prefix.trailing_length();
        if section.end - position < length {
            return Err(BtfError::Truncated {
                what: trailing_description(prefix.kind),
                offset: position + PREFIX_LENGTH,
                needed: prefix.trailing_length(),
                available: section.end - position - PREFIX_LENGTH,
            });
        }
        if u64::from(name_offset) >= string_limit {
            return Err(BtfError::StringOffsetOutOfBounds {
                id,
                offset: name_offset,
            });
        }
        match prefix.kind {
            TypeKind::Func if prefix.vlen > 2 => {
                return Err(malformed(id, "FUNC has an unknown linkage"))
            }
            TypeKind::Var if word(position + PREFIX_LENGTH)? > 2 => {
                return Err(malformed(id, "VAR has an unknown linkage"))
            }
            TypeKind::DeclTag if (word(position + PREFIX_LENGTH)? as i32) < -1 => {
                return Err(malformed(id, "DECL_TAG component index is below -1"))
            }
            TypeKind::Int => int_ids.push(id),
            _ => {}
        }
        record_offsets.push(u32::try_from(position).map_err(|_| BtfError::TooManyTypes)?);
        position += length;
    }
    Ok(ScannedSection {
        record_offsets,
        int_ids,
    })
}

fn trailing_description(kind: TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct | TypeKind::Union => "STRUCT/UNION members",
        TypeKind::Enum => "ENUM values",
        TypeKind::Enum64 => "ENUM64 values",
        TypeKind::FuncProto => "FUNC_PROTO parameters",
        TypeKind::DataSec => "DATASEC entries",
        TypeKind::Int => "INT encoding",
        TypeKind::Array => "ARRAY record",
        TypeKind::Var => "VAR linkage",
        TypeKind::DeclTag => "DECL_TAG component index",
        _ => "type record",
    }
}

fn malformed(id: TypeId, reason: &'static str) -> BtfError {
    BtfError::MalformedType { id, reason }
}

impl Btf {
    /// The prefix of the record at absolute blob offset `position` (which
    /// the structural pass found).
    pub(crate) fn prefix_at(&self, position: usize) -> RecordPrefix {
        let name_offset = self.word_at(position);
        let info = self.word_at(position + 4);
        let size_or_type = self.word_at(position + 8);
        // The structural pass accepted this record, so the kind is known.
        RecordPrefix::from_words(name_offset, info, size_or_type).unwrap_or(RecordPrefix {
            name_offset: 0,
            kind: TypeKind::Int,
            kind_flag: false,
            vlen: 0,
            size_or_type: 0,
        })
    }

    /// Decodes the record at absolute blob offset `position` into a view.
    pub(crate) fn decode_at(&self, position: usize) -> Type<'_> {
        let prefix = self.prefix_at(position);
        let trailing = position + PREFIX_LENGTH;
        let name = self.name_at(prefix.name_offset);
        let referenced = TypeId(prefix.size_or_type);
        let records = |count: usize| Records {
            btf: self,
            start: trailing,
            count,
        };
        match prefix.kind {
            TypeKind::Void => Type::Void,
            TypeKind::Int => {
                let encoding = self.word_at(trailing);
                let flags = (encoding >> 24) & 0x0f;
                Type::Int(IntType {
                    name,
                    byte_size: prefix.size_or_type,
                    is_signed: flags & 1 != 0,
                    is_char: flags & 2 != 0,
                    is_bool: flags & 4 != 0,
                    bit_offset: ((encoding >> 16) & 0xff) as u8,
                    bit_count: (encoding & 0xff) as u8,
                })
            }
            TypeKind::Pointer => Type::Pointer(referenced),
            TypeKind::Array => Type::Array(ArrayType {
                element_type: TypeId(self.word_at(trailing)),
                index_type: TypeId(self.word_at(trailing + 4)),
                element_count: self.word_at(trailing + 8),
            }),
            TypeKind::Struct | TypeKind::Union => {
                let composite = StructOrUnion {
                    name,
                    byte_size: prefix.size_or_type,
                    records: records(prefix.vlen),
                    has_bitfield_encoding: prefix.kind_flag,
                };
                if prefix.kind == TypeKind::Struct {
                    Type::Struct(composite)
                } else {
                    Type::Union(composite)
                }
            }
            TypeKind::Enum | TypeKind::Enum64 => {
                let enumeration = EnumType {
                    name,
                    byte_size: prefix.size_or_type,
                    is_signed: prefix.kind_flag,
                    records: records(prefix.vlen),
                    is_64_bit: prefix.kind == TypeKind::Enum64,
                };
                if prefix.kind == TypeKind::Enum {
                    Type::Enum(enumeration)
                } else {
                    Type::Enum64(enumeration)
                }
            }
            TypeKind::Forward => Type::Forward(ForwardDeclaration {
                name,
                is_union: prefix.kind_flag,
            }),
            TypeKind::Typedef => Type::Typedef(Typedef {
                name,
                type_id: referenced,
            }),
            TypeKind::Volatile => Type::Volatile(referenced),
            TypeKind::Const => Type::Const(referenced),
            TypeKind::Restrict => Type::Restrict(referenced),
            TypeKind::Func => Type::Func(Function {
                name,
                prototype: referenced,
                linkage: match prefix.vlen {
                    0 => FunctionLinkage::Static,
                    1 => FunctionLinkage::Global,
                    _ => FunctionLinkage::Extern,
                },
            }),
            TypeKind::FuncProto => {
                // A final parameter with neither name nor type is `...`.
                let is_variadic = prefix.vlen > 0 && {
                    let last = trailing + 8 * (prefix.vlen - 1);
                    self.word_at(last) == 0 && self.word_at(last + 4) == 0
                };
                Type::FuncProto(FunctionPrototype {
                    return_type: referenced,
                    is_variadic,
                    records: records(prefix.vlen - usize::from(is_variadic)),
                })
            }
            TypeKind::Var => Type::Var(Variable {
                name,
                type_id: referenced,
                linkage: match self.word_at(trailing) {
                    0 => VariableLinkage::Static,
                    1 => VariableLinkage::GlobalAllocated,
                    _ => VariableLinkage::GlobalExtern,
                },
            }),
            TypeKind::DataSec => Type::DataSec(DataSection {
                name,
                byte_size: prefix.size_or_type,
                records: records(prefix.vlen),
            }),
            TypeKind::Float => Type::Float(FloatType {
                name,
                byte_size: prefix.size_or_type,
            }),
            TypeKind::DeclTag => Type::DeclTag(DeclarationTag {
                value: name,
                type_id: referenced,
                component_index: u32::try_from(self.word_at(trailing) as i32).ok(),
                is_attribute: prefix.kind_flag,
            }),
            TypeKind::TypeTag => Type::TypeTag(TypeTag {
                value: name,
                type_id: referenced,
                is_attribute: prefix.kind_flag,
            }),
        }
    }

    /// Checks everything parsing leaves for later, over this blob's own
    /// records: every referenced type id exists, every member, parameter
    /// and enumerator name offset lies inside the string sections, and a
    /// `void` parameter appears only as the final variadic marker.
    ///
    /// Parsing is deliberately shallow (it must stay a few milliseconds for
    /// vmlinux); queries on unvalidated data never panic, but they may
    /// report [`BtfError::UnknownTypeId`] for a dangling reference and read
    /// an out-of-range name as `"\u{FFFD}"`. Call this once on BTF from an
    /// untrusted file to get the precise error up front.
    pub fn validate(&self) -> Result<(), BtfError> {
        let last = u64::from(self.last_type_id().0);
        let string_limit = u64::from(self.total_string_length());
        for (id, found) in self.own_types() {
            let mut dangling = None;
            found.for_each_referenced_type(|target| {
                if u64::from(target.0) > last && dangling.is_none() {
                    dangling = Some(target);
                }
            });
            if let Some(to) = dangling {
                return Err(BtfError::DanglingTypeReference { from: id, to });
            }
            let position = self.record_position(id).unwrap_or_default();
            let prefix = self.prefix_at(position);
            let trailing = position + PREFIX_LENGTH;
            let (record_length, has_names) = match prefix.kind {
                TypeKind::Struct | TypeKind::Union | TypeKind::Enum64 => (12, true),
                TypeKind::Enum | TypeKind::FuncProto => (8, true),
                _ => (0, false),
            };
            if has_names {
                for index in 0..prefix.vlen {
                    let offset = self.word_at(trailing + index * record_length);
                    if u64::from(offset) >= string_limit {
                        return Err(BtfError::StringOffsetOutOfBounds { id, offset });
                    }
                }
            }
            if let Type::FuncProto(prototype) = found {
                if prototype
                    .parameters()
                    .any(|parameter| parameter.type_id.is_void())
                {
                    return Err(malformed(
                        id,
                        "FUNC_PROTO has a void parameter that is not the variadic marker",
                    ));
                }
            }
        }
        Ok(())
    }
}
