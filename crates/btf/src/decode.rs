//! Decoding of the type section: turns the sequence of `struct btf_type`
//! records (each followed by its kind-specific trailing data) into owned
//! [`Type`] values, resolving name offsets through the string section(s),
//! and then checks that every referenced type id exists. This file must not
//! parse the header or answer questions about decoded types; it only reads
//! bytes through the bounds-checked [`Cursor`].

use std::cell::Cell;

use crate::btf::Btf;
use crate::error::BtfError;
use crate::reader::{c_string_at, Cursor};
use crate::types::{
    ArrayType, DataSection, DataSectionEntry, DeclarationTag, EnumType, EnumValue, FloatType,
    ForwardDeclaration, Function, FunctionLinkage, FunctionPrototype, IntType, Member, Parameter,
    StructOrUnion, Type, TypeId, TypeKind, TypeTag, Typedef, Variable, VariableLinkage,
};

/// Byte sizes of the kind-specific records that follow a `btf_type`.
const MEMBER_RECORD_LENGTH: usize = 12;
const ENUM_VALUE_RECORD_LENGTH: usize = 8;
const ENUM64_VALUE_RECORD_LENGTH: usize = 12;
const PARAMETER_RECORD_LENGTH: usize = 8;
const DATASEC_ENTRY_RECORD_LENGTH: usize = 12;

/// Names are copied into owned `String`s. Many records may name the same
/// long string, so a hostile blob could make copying quadratic in its size;
/// the total copied is therefore capped at this many bytes or
/// [`NAME_BYTES_PER_BLOB_BYTE`] times the blob size, whichever is larger.
/// (vmlinux copies about half its own size.)
const MINIMUM_NAME_BYTE_ALLOWANCE: usize = 64 << 20;
const NAME_BYTES_PER_BLOB_BYTE: usize = 16;

/// Where name offsets point: offsets below `first_own_offset` belong to the
/// base blob's strings (split BTF), the rest to this blob's own section.
pub(crate) struct NameSource<'a> {
    base: Option<&'a Btf>,
    first_own_offset: u32,
    own_strings: &'a [u8],
    remaining_name_bytes: Cell<usize>,
}

impl<'a> NameSource<'a> {
    pub(crate) fn new(
        base: Option<&'a Btf>,
        first_own_offset: u32,
        own_strings: &'a [u8],
        blob_length: usize,
    ) -> Self {
        let allowance = blob_length
            .saturating_mul(NAME_BYTES_PER_BLOB_BYTE)
            .max(MINIMUM_NAME_BYTE_ALLOWANCE);
        NameSource {
            base,
            first_own_offset,
            own_strings,
            remaining_name_bytes: Cell::new(allowance),
        }
    }

    /// The string at `offset`, decoded as UTF-8 (invalid sequences become
    /// U+FFFD; BTF names are ASCII in practice).
    fn name(&self, id: TypeId, offset: u32) -> Result<String, BtfError> {
        let bytes = if offset < self.first_own_offset {
            self.base.and_then(|base| base.string_bytes_at(offset))
        } else {
            let own_offset = (offset - self.first_own_offset) as usize;
            c_string_at(self.own_strings, own_offset)
        };
        let bytes = bytes.ok_or(BtfError::StringOffsetOutOfBounds { id, offset })?;
        let remaining = self
            .remaining_name_bytes
            .get()
            .checked_sub(bytes.len())
            .ok_or(BtfError::MalformedType {
                id,
                reason: "names repeat long strings so often that copying them would exhaust memory",
            })?;
        self.remaining_name_bytes.set(remaining);
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// The fixed 12-byte prefix every type record starts with.
struct RecordPrefix {
    name_offset: u32,
    kind: TypeKind,
    kind_flag: bool,
    vlen: usize,
    /// The `size`/`type` union.
    size_or_type: u32,
}

/// Decodes every record of the type section. The first record gets id
/// `first_type_id` (1 for base BTF, one past the base's last id for split
/// BTF).
pub(crate) fn decode_type_section(
    cursor: &mut Cursor<'_>,
    first_type_id: u32,
    names: &NameSource<'_>,
) -> Result<Vec<Type>, BtfError> {
    let mut types = Vec::new();
    while cursor.remaining() > 0 {
        let index = u32::try_from(types.len()).map_err(|_| BtfError::TooManyTypes)?;
        let id = first_type_id
            .checked_add(index)
            .ok_or(BtfError::TooManyTypes)?;
        types.push(decode_one_type(cursor, TypeId(id), names)?);
    }
    Ok(types)
}

fn read_record_prefix(cursor: &mut Cursor<'_>, id: TypeId) -> Result<RecordPrefix, BtfError> {
    let name_offset = cursor.read_u32("type name offset")?;
    let info = cursor.read_u32("type info")?;
    let size_or_type = cursor.read_u32("type size or referenced type")?;
    let raw_kind = ((info >> 24) & 0x1f) as u8;
    let kind = match TypeKind::from_raw(raw_kind) {
        Some(TypeKind::Void) | None => return Err(BtfError::UnknownKind { id, kind: raw_kind }),
        Some(kind) => kind,
    };
    Ok(RecordPrefix {
        name_offset,
        kind,
        kind_flag: info & 0x8000_0000 != 0,
        vlen: (info & 0xffff) as usize,
        size_or_type,
    })
}

fn decode_one_type(
    cursor: &mut Cursor<'_>,
    id: TypeId,
    names: &NameSource<'_>,
) -> Result<Type, BtfError> {
    let prefix = read_record_prefix(cursor, id)?;
    let name = || names.name(id, prefix.name_offset);
    let referenced = TypeId(prefix.size_or_type);
    let decoded = match prefix.kind {
        TypeKind::Void => return Err(BtfError::UnknownKind { id, kind: 0 }),
        TypeKind::Int => {
            let encoding = cursor.read_u32("INT encoding")?;
            let flags = (encoding >> 24) & 0x0f;
            Type::Int(IntType {
                name: name()?,
                byte_size: prefix.size_or_type,
                is_signed: flags & 1 != 0,
                is_char: flags & 2 != 0,
                is_bool: flags & 4 != 0,
                bit_offset: ((encoding >> 16) & 0xff) as u8,
                bit_count: (encoding & 0xff) as u8,
            })
        }
        TypeKind::Pointer => Type::Pointer(referenced),
        TypeKind::Array => {
            let element_type = TypeId(cursor.read_u32("ARRAY element type")?);
            let index_type = TypeId(cursor.read_u32("ARRAY index type")?);
            let element_count = cursor.read_u32("ARRAY element count")?;
            Type::Array(ArrayType {
                element_type,
                index_type,
                element_count,
            })
        }
        TypeKind::Struct | TypeKind::Union => {
            let composite = StructOrUnion {
                name: name()?,
                byte_size: prefix.size_or_type,
                members: decode_members(cursor, id, &prefix, names)?,
            };
            if prefix.kind == TypeKind::Struct {
                Type::Struct(composite)
            } else {
                Type::Union(composite)
            }
        }
        TypeKind::Enum => Type::Enum(EnumType {
            name: name()?,
            byte_size: prefix.size_or_type,
            is_signed: prefix.kind_flag,
            values: decode_enum_values(cursor, id, &prefix, names)?,
        }),
        TypeKind::Enum64 => Type::Enum64(EnumType {
            name: name()?,
            byte_size: prefix.size_or_type,
            is_signed: prefix.kind_flag,
            values: decode_enum64_values(cursor, id, &prefix, names)?,
        }),
        TypeKind::Forward => Type::Forward(ForwardDeclaration {
            name: name()?,
            is_union: prefix.kind_flag,
        }),
        TypeKind::Typedef => Type::Typedef(Typedef {
            name: name()?,
            type_id: referenced,
        }),
        TypeKind::Volatile => Type::Volatile(referenced),
        TypeKind::Const => Type::Const(referenced),
        TypeKind::Restrict => Type::Restrict(referenced),
        TypeKind::Func => Type::Func(Function {
            name: name()?,
            prototype: referenced,
            linkage: match prefix.vlen {
                0 => FunctionLinkage::Static,
                1 => FunctionLinkage::Global,
                2 => FunctionLinkage::Extern,
                _ => return Err(malformed(id, "FUNC has an unknown linkage")),
            },
        }),
        TypeKind::FuncProto => decode_function_prototype(cursor, id, &prefix, names)?,
        TypeKind::Var => Type::Var(Variable {
            name: name()?,
            type_id: referenced,
            linkage: match cursor.read_u32("VAR linkage")? {
                0 => VariableLinkage::Static,
                1 => VariableLinkage::GlobalAllocated,
                2 => VariableLinkage::GlobalExtern,
                _ => return Err(malformed(id, "VAR has an unknown linkage")),
            },
        }),
        TypeKind::DataSec => Type::DataSec(DataSection {
            name: name()?,
            byte_size: prefix.size_or_type,
            entries: decode_datasec_entries(cursor, &prefix)?,
        }),
        TypeKind::Float => Type::Float(FloatType {
            name: name()?,
            byte_size: prefix.size_or_type,
        }),
        TypeKind::DeclTag => {
            let component_index = match cursor.read_i32("DECL_TAG component index")? {
                -1 => None,
                index if index >= 0 => Some(index as u32),
                _ => return Err(malformed(id, "DECL_TAG component index is below -1")),
            };
            Type::DeclTag(DeclarationTag {
                value: name()?,
                type_id: referenced,
                component_index,
                is_attribute: prefix.kind_flag,
            })
        }
        TypeKind::TypeTag => Type::TypeTag(TypeTag {
            value: name()?,
            type_id: referenced,
            is_attribute: prefix.kind_flag,
        }),
    };
    Ok(decoded)
}

fn malformed(id: TypeId, reason: &'static str) -> BtfError {
    BtfError::MalformedType { id, reason }
}

/// Checks that `vlen` records of `record_length` bytes follow, before any
/// allocation sized by the (untrusted) `vlen`.
fn ensure_trailing_records(
    cursor: &Cursor<'_>,
    prefix: &RecordPrefix,
    record_length: usize,
    what: &'static str,
) -> Result<(), BtfError> {
    cursor.ensure_remaining(prefix.vlen * record_length, what)
}

fn decode_members(
    cursor: &mut Cursor<'_>,
    id: TypeId,
    prefix: &RecordPrefix,
    names: &NameSource<'_>,
) -> Result<Vec<Member>, BtfError> {
    ensure_trailing_records(cursor, prefix, MEMBER_RECORD_LENGTH, "STRUCT/UNION members")?;
    let mut members = Vec::with_capacity(prefix.vlen);
    for _ in 0..prefix.vlen {
        let name_offset = cursor.read_u32("member name offset")?;
        let type_id = TypeId(cursor.read_u32("member type")?);
        let offset = cursor.read_u32("member offset")?;
        let (bit_offset, bitfield_size) = if prefix.kind_flag {
            (offset & 0x00ff_ffff, offset >> 24)
        } else {
            (offset, 0)
        };
        members.push(Member {
            name: names.name(id, name_offset)?,
            type_id,
            bit_offset,
            bitfield_size,
        });
    }
    Ok(members)
}

fn decode_enum_values(
    cursor: &mut Cursor<'_>,
    id: TypeId,
    prefix: &RecordPrefix,
    names: &NameSource<'_>,
) -> Result<Vec<EnumValue>, BtfError> {
    ensure_trailing_records(cursor, prefix, ENUM_VALUE_RECORD_LENGTH, "ENUM values")?;
    let mut values = Vec::with_capacity(prefix.vlen);
    for _ in 0..prefix.vlen {
        let name_offset = cursor.read_u32("enumerator name offset")?;
        let raw = cursor.read_u32("enumerator value")?;
        let value = if prefix.kind_flag {
            i128::from(raw as i32)
        } else {
            i128::from(raw)
        };
        values.push(EnumValue {
            name: names.name(id, name_offset)?,
            value,
        });
    }
    Ok(values)
}

fn decode_enum64_values(
    cursor: &mut Cursor<'_>,
    id: TypeId,
    prefix: &RecordPrefix,
    names: &NameSource<'_>,
) -> Result<Vec<EnumValue>, BtfError> {
    ensure_trailing_records(cursor, prefix, ENUM64_VALUE_RECORD_LENGTH, "ENUM64 values")?;
    let mut values = Vec::with_capacity(prefix.vlen);
    for _ in 0..prefix.vlen {
        let name_offset = cursor.read_u32("enumerator name offset")?;
        let low = cursor.read_u32("enumerator value (low 32 bits)")?;
        let high = cursor.read_u32("enumerator value (high 32 bits)")?;
        let raw = (u64::from(high) << 32) | u64::from(low);
        let value = if prefix.kind_flag {
            i128::from(raw as i64)
        } else {
            i128::from(raw)
        };
        values.push(EnumValue {
            name: names.name(id, name_offset)?,
            value,
        });
    }
    Ok(values)
}

/// A final parameter with neither name nor type marks a variadic prototype;
/// a `void` parameter anywhere else is invalid (as in the kernel).
fn decode_function_prototype(
    cursor: &mut Cursor<'_>,
    id: TypeId,
    prefix: &RecordPrefix,
    names: &NameSource<'_>,
) -> Result<Type, BtfError> {
    ensure_trailing_records(
        cursor,
        prefix,
        PARAMETER_RECORD_LENGTH,
        "FUNC_PROTO parameters",
    )?;
    let mut parameters = Vec::with_capacity(prefix.vlen);
    let mut is_variadic = false;
    for index in 0..prefix.vlen {
        let name_offset = cursor.read_u32("parameter name offset")?;
        let type_id = TypeId(cursor.read_u32("parameter type")?);
        if type_id.is_void() {
            if index + 1 == prefix.vlen && name_offset == 0 {
                is_variadic = true;
                continue;
            }
            return Err(malformed(
                id,
                "FUNC_PROTO has a void parameter that is not the variadic marker",
            ));
        }
        parameters.push(Parameter {
            name: names.name(id, name_offset)?,
            type_id,
        });
    }
    Ok(Type::FuncProto(FunctionPrototype {
        return_type: TypeId(prefix.size_or_type),
        parameters,
        is_variadic,
    }))
}

fn decode_datasec_entries(
    cursor: &mut Cursor<'_>,
    prefix: &RecordPrefix,
) -> Result<Vec<DataSectionEntry>, BtfError> {
    ensure_trailing_records(
        cursor,
        prefix,
        DATASEC_ENTRY_RECORD_LENGTH,
        "DATASEC entries",
    )?;
    let mut entries = Vec::with_capacity(prefix.vlen);
    for _ in 0..prefix.vlen {
        entries.push(DataSectionEntry {
            type_id: TypeId(cursor.read_u32("DATASEC entry type")?),
            offset: cursor.read_u32("DATASEC entry offset")?,
            byte_size: cursor.read_u32("DATASEC entry size")?,
        });
    }
    Ok(entries)
}

/// Checks that every type id referenced by `types` (whose first element has
/// id `first_type_id`) is below `first_type_id + types.len()`, i.e. names
/// void, a base type, or one of `types`.
pub(crate) fn validate_references(types: &[Type], first_type_id: u32) -> Result<(), BtfError> {
    let end = u64::from(first_type_id) + types.len() as u64;
    let mut first_dangling = None;
    for (index, decoded) in types.iter().enumerate() {
        decoded.for_each_referenced_type(|target| {
            if u64::from(target.0) >= end && first_dangling.is_none() {
                first_dangling = Some((TypeId(first_type_id + index as u32), target));
            }
        });
        if let Some((from, to)) = first_dangling {
            return Err(BtfError::DanglingTypeReference { from, to });
        }
    }
    Ok(())
}
