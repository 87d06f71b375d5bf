//! The [`Btf`] container: parsing a base or split blob into owned types,
//! looking types up by id and by name, and iterating over them. It ties the
//! header reader and type decoder together and owns the lazily built name
//! index. This file must not answer questions that follow references
//! between types (that is `query.rs`) and must not do file IO: callers
//! read `/sys/kernel/btf/vmlinux` or an object file themselves.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::decode::{decode_type_section, validate_references, NameSource};
use crate::error::BtfError;
use crate::reader::{c_string_at, parse_header, validate_string_section, Cursor, Endianness};
use crate::types::{Type, TypeId, TypeKind};

/// The `void` type returned for [`TypeId::VOID`].
static VOID_TYPE: Type = Type::Void;

/// Names of the C `long` type as compilers spell it in BTF; its size is
/// the target's pointer size (the same trick libbpf uses).
const LONG_TYPE_NAMES: [&str; 5] = [
    "long",
    "long int",
    "unsigned long",
    "long unsigned int",
    "unsigned long int",
];

/// Pointer size assumed when the blob has no `long` type to infer it from.
const DEFAULT_POINTER_SIZE: u32 = 8;

/// Parsed BTF: a base blob (such as `/sys/kernel/btf/vmlinux`) or a split
/// blob layered on a base (such as `/sys/kernel/btf/<module>`).
///
/// Cloning is cheap (the data is shared behind an [`Arc`]), and a split
/// `Btf` keeps its base alive through such a clone. `Btf` is `Send + Sync`.
#[derive(Clone)]
pub struct Btf {
    shared: Arc<ParsedBlob>,
}

struct ParsedBlob {
    /// The base this blob was split from, if any.
    base: Option<Btf>,
    endianness: Endianness,
    /// Id of `own_types[0]`: 1 for a base blob, base's last id + 1 for split.
    first_own_type_id: u32,
    own_types: Vec<Type>,
    /// This blob's string section; offsets below `first_own_string_offset`
    /// refer to the base's strings instead.
    own_strings: Vec<u8>,
    first_own_string_offset: u32,
    pointer_size: u32,
    /// Ids of named `own_types`, sorted by (name, id); built on first use.
    own_ids_sorted_by_name: OnceLock<Vec<TypeId>>,
}

impl Btf {
    /// Parses a complete (base) BTF blob, such as the contents of
    /// `/sys/kernel/btf/vmlinux` or the `.BTF` section of an object file.
    ///
    /// Validates the header (magic `0xEB9F` in either byte order, version
    /// 1), the string section, every type record, and that every referenced
    /// type id exists. Never panics on malformed input.
    pub fn parse(blob: &[u8]) -> Result<Btf, BtfError> {
        Btf::parse_blob(blob, None)
    }

    /// Parses split BTF (such as `/sys/kernel/btf/<module>`) on top of
    /// `base`. The split blob's type ids continue after `base`'s last id,
    /// and its name offsets may point into `base`'s strings. Lookups on the
    /// result see base and split types together.
    pub fn parse_split(blob: &[u8], base: &Btf) -> Result<Btf, BtfError> {
        Btf::parse_blob(blob, Some(base))
    }

    fn parse_blob(blob: &[u8], base: Option<&Btf>) -> Result<Btf, BtfError> {
        let header = parse_header(blob)?;
        if base.is_some_and(|base| base.shared.endianness != header.endianness) {
            return Err(BtfError::EndiannessMismatch);
        }
        let own_strings = blob.get(header.string_section.clone()).unwrap_or_default();
        validate_string_section(own_strings, base.is_some())?;

        let (first_own_type_id, first_own_string_offset) = match base {
            None => (1, 0),
            Some(base) => (
                base.last_type_id()
                    .0
                    .checked_add(1)
                    .ok_or(BtfError::TooManyTypes)?,
                base.total_string_length(),
            ),
        };
        let names = NameSource::new(base, first_own_string_offset, own_strings, blob.len());
        let mut cursor = Cursor::new(blob, header.type_section.clone(), header.endianness);
        let own_types = decode_type_section(&mut cursor, first_own_type_id, &names)?;
        validate_references(&own_types, first_own_type_id)?;
        // The last id must be representable too.
        let count = u32::try_from(own_types.len()).map_err(|_| BtfError::TooManyTypes)?;
        first_own_type_id
            .checked_add(count)
            .ok_or(BtfError::TooManyTypes)?;
        first_own_string_offset
            .checked_add(u32::try_from(own_strings.len()).map_err(|_| BtfError::TooManyTypes)?)
            .ok_or(BtfError::TooManyTypes)?;

        let pointer_size = infer_pointer_size(&own_types)
            .or_else(|| base.map(Btf::pointer_size))
            .unwrap_or(DEFAULT_POINTER_SIZE);
        Ok(Btf {
            shared: Arc::new(ParsedBlob {
                base: base.cloned(),
                endianness: header.endianness,
                first_own_type_id,
                own_types,
                own_strings: own_strings.to_vec(),
                first_own_string_offset,
                pointer_size,
                own_ids_sorted_by_name: OnceLock::new(),
            }),
        })
    }

    /// The base this split BTF was parsed on, or `None` for base BTF.
    pub fn base(&self) -> Option<&Btf> {
        self.shared.base.as_ref()
    }

    /// The type with id `id`: [`Type::Void`] for id 0, a base type for ids
    /// below [`first_own_type_id`](Btf::first_own_type_id), `None` past the
    /// last id.
    pub fn type_by_id(&self, id: TypeId) -> Option<&Type> {
        if id.is_void() {
            return Some(&VOID_TYPE);
        }
        if id.0 < self.shared.first_own_type_id {
            return self.shared.base.as_ref()?.type_by_id(id);
        }
        let index = (id.0 - self.shared.first_own_type_id) as usize;
        self.shared.own_types.get(index)
    }

    /// Like [`type_by_id`](Btf::type_by_id) but with an error for unknown
    /// ids, for use with `?` inside queries.
    pub(crate) fn type_or_error(&self, id: TypeId) -> Result<&Type, BtfError> {
        self.type_by_id(id).ok_or(BtfError::UnknownTypeId { id })
    }

    /// The first id decoded from this blob: 1 for base BTF, one past the
    /// base's last id for split BTF.
    pub fn first_own_type_id(&self) -> TypeId {
        TypeId(self.shared.first_own_type_id)
    }

    /// The highest valid type id (including base types); `TypeId::VOID` if
    /// there are no types at all.
    pub fn last_type_id(&self) -> TypeId {
        // Cannot overflow: checked when parsing.
        TypeId(self.shared.first_own_type_id + self.shared.own_types.len() as u32 - 1)
    }

    /// All types in id order, base types first, excluding `void`.
    pub fn types(&self) -> impl Iterator<Item = (TypeId, &Type)> + '_ {
        (1..=self.last_type_id().0).filter_map(move |number| {
            let id = TypeId(number);
            self.type_by_id(id).map(|found| (id, found))
        })
    }

    /// Only the types decoded from this blob (for split BTF: without the
    /// base's types), in id order.
    pub fn own_types(&self) -> impl Iterator<Item = (TypeId, &Type)> + '_ {
        let first = self.shared.first_own_type_id;
        self.shared
            .own_types
            .iter()
            .enumerate()
            .map(move |(index, found)| (TypeId(first + index as u32), found))
    }

    /// The lowest id of a type of kind `kind` named `name`, searching the
    /// base first. For example `find_by_name(TypeKind::Struct, "xdp_md")`.
    /// The name index is built on the first call.
    pub fn find_by_name(&self, kind: TypeKind, name: &str) -> Option<TypeId> {
        if let Some(found) = self.base().and_then(|base| base.find_by_name(kind, name)) {
            return Some(found);
        }
        self.own_ids_named(name).iter().copied().find(|&id| {
            self.type_by_id(id)
                .is_some_and(|found| found.kind() == kind)
        })
    }

    /// The ids of all types (any kind, base first) named `name`, ascending.
    pub fn find_all_by_name(&self, name: &str) -> Vec<TypeId> {
        let mut found = self
            .base()
            .map(|base| base.find_all_by_name(name))
            .unwrap_or_default();
        found.extend_from_slice(self.own_ids_named(name));
        found
    }

    /// The slice of the name index holding this blob's types named `name`.
    fn own_ids_named(&self, name: &str) -> &[TypeId] {
        let sorted = self.own_ids_sorted_by_name();
        let name_of = |id: &TypeId| self.type_by_id(*id).map_or("", Type::name);
        let start = sorted.partition_point(|id| name_of(id) < name);
        let length = sorted[start..].partition_point(|id| name_of(id) == name);
        &sorted[start..start + length]
    }

    fn own_ids_sorted_by_name(&self) -> &[TypeId] {
        self.shared.own_ids_sorted_by_name.get_or_init(|| {
            let mut named: Vec<TypeId> = self
                .own_types()
                .filter(|(_, found)| !found.name().is_empty())
                .map(|(id, _)| id)
                .collect();
            // Stable sort keeps equal names in ascending id order.
            named.sort_by(|left, right| {
                let name_of = |id: &TypeId| self.type_by_id(*id).map_or("", Type::name);
                name_of(left).cmp(name_of(right))
            });
            named
        })
    }

    /// Size of a pointer in bytes: the size of the blob's `long` integer
    /// type (from the base for split BTF), or 8 if there is none.
    pub fn pointer_size(&self) -> u32 {
        self.shared.pointer_size
    }

    /// The bytes of the string at `offset` in the combined (base + own)
    /// string space, without the terminating NUL.
    pub(crate) fn string_bytes_at(&self, offset: u32) -> Option<&[u8]> {
        if offset < self.shared.first_own_string_offset {
            return self.shared.base.as_ref()?.string_bytes_at(offset);
        }
        let own_offset = (offset - self.shared.first_own_string_offset) as usize;
        c_string_at(&self.shared.own_strings, own_offset)
    }

    /// Length of the combined string space, where a split blob's own string
    /// offsets begin.
    fn total_string_length(&self) -> u32 {
        // Cannot overflow: checked when parsing.
        self.shared.first_own_string_offset + self.shared.own_strings.len() as u32
    }
}

/// The size of the first `INT` named like C `long`, if it is 4 or 8.
fn infer_pointer_size(types: &[Type]) -> Option<u32> {
    types.iter().find_map(|candidate| match candidate {
        Type::Int(int) if LONG_TYPE_NAMES.contains(&int.name.as_str()) => {
            matches!(int.byte_size, 4 | 8).then_some(int.byte_size)
        }
        _ => None,
    })
}

impl fmt::Debug for Btf {
    /// A summary, not a dump: printing 150 000 kernel types is never useful.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Btf")
            .field("is_split", &self.base().is_some())
            .field("first_own_type_id", &self.first_own_type_id())
            .field("last_type_id", &self.last_type_id())
            .field("own_string_bytes", &self.shared.own_strings.len())
            .field("pointer_size", &self.pointer_size())
            .finish()
    }
}
