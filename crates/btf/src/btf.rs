//! The [`Btf`] container: owns a blob's bytes, the offset of every type
//! record (found by one structural pass), and the lazily built name
//! indexes; answers lookups by id and by name and iterates over types.
//! Records are decoded on demand into views borrowing from the `Btf`.
//! This file must not answer questions that follow references between
//! types (that is `query.rs`) and must not do file IO: callers read
//! `/sys/kernel/btf/vmlinux` or an ELF file themselves.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::decode::{scan_type_section, RecordPrefix};
use crate::error::BtfError;
use crate::index::{
    build_name_index, hash_c_string, hash_name, is_named, EnumeratorIndex, HashIndex,
};
use crate::reader::{parse_header, validate_string_section, Endianness};
use crate::types::{Type, TypeId, TypeKind};

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

/// What a name that is not valid UTF-8, or whose offset lies outside the
/// string sections (possible only in unvalidated blobs), reads as.
pub(crate) const INVALID_NAME: &str = "\u{FFFD}";

/// Parsed BTF: a base blob (such as `/sys/kernel/btf/vmlinux`) or a split
/// blob layered on a base (such as `/sys/kernel/btf/<module>`).
///
/// A `Btf` owns its bytes. Cloning is cheap (the data is shared behind an
/// [`Arc`]), and a split `Btf` keeps its base alive through such a clone.
/// `Btf` is `Send + Sync`; its indexes are built once, on first use, by
/// whichever thread asks first.
#[derive(Clone)]
pub struct Btf {
    shared: Arc<Blob>,
}

struct Blob {
    /// The base this blob was split from, if any.
    base: Option<Btf>,
    /// The whole BTF blob (header, type section, string section).
    bytes: Vec<u8>,
    endianness: Endianness,
    /// Absolute byte range of this blob's own string section.
    string_section: std::ops::Range<usize>,
    /// Id of the first own record: 1 for base BTF, base's last id + 1 for
    /// split BTF.
    first_own_type_id: u32,
    /// String offsets below this refer to the base's strings.
    first_own_string_offset: u32,
    /// Absolute offset in `bytes` of each own record, in id order.
    record_offsets: Vec<u32>,
    pointer_size: u32,
    names: OnceLock<HashIndex>,
    enumerators: OnceLock<EnumeratorIndex>,
}

impl Btf {
    /// Parses a complete (base) BTF blob, such as the contents of
    /// `/sys/kernel/btf/vmlinux` or the `.BTF` section of an object file.
    /// Copies the bytes; [`from_vec`](Btf::from_vec) takes ownership
    /// instead.
    pub fn parse(blob: &[u8]) -> Result<Btf, BtfError> {
        Btf::from_vec(blob.to_vec())
    }

    /// Parses base BTF, keeping `bytes` without copying them.
    ///
    /// Checks the header (magic `0xEB9F` in either byte order, version 1),
    /// the string section, and each record's kind, length, name offset and
    /// linkage fields, in one pass that records where each record starts.
    /// References between types are checked when queries follow them (or
    /// all at once by [`validate`](Btf::validate)). Never panics on
    /// malformed input.
    pub fn from_vec(bytes: Vec<u8>) -> Result<Btf, BtfError> {
        Btf::build(bytes, None)
    }

    /// Parses split BTF (such as `/sys/kernel/btf/<module>`) on top of
    /// `base`. The split blob's type ids continue after `base`'s last id,
    /// and its name offsets may point into `base`'s strings. Lookups on the
    /// result see base and split types together.
    pub fn parse_split(blob: &[u8], base: &Btf) -> Result<Btf, BtfError> {
        Btf::from_vec_split(blob.to_vec(), base)
    }

    /// [`parse_split`](Btf::parse_split), keeping `bytes` without copying.
    pub fn from_vec_split(bytes: Vec<u8>, base: &Btf) -> Result<Btf, BtfError> {
        Btf::build(bytes, Some(base))
    }

    fn build(bytes: Vec<u8>, base: Option<&Btf>) -> Result<Btf, BtfError> {
        let header = parse_header(&bytes)?;
        if base.is_some_and(|base| base.shared.endianness != header.endianness) {
            return Err(BtfError::EndiannessMismatch);
        }
        let own_strings = bytes.get(header.string_section.clone()).unwrap_or_default();
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
        let own_string_length =
            u32::try_from(own_strings.len()).map_err(|_| BtfError::TooManyTypes)?;
        let string_limit = first_own_string_offset
            .checked_add(own_string_length)
            .ok_or(BtfError::TooManyTypes)?;
        let scanned = scan_type_section(
            &bytes,
            header.type_section.clone(),
            header.endianness,
            first_own_type_id,
            u64::from(string_limit),
        )?;
        // The last id must be representable too.
        let count =
            u32::try_from(scanned.record_offsets.len()).map_err(|_| BtfError::TooManyTypes)?;
        first_own_type_id
            .checked_add(count)
            .ok_or(BtfError::TooManyTypes)?;
        let mut btf = Btf {
            shared: Arc::new(Blob {
                base: base.cloned(),
                bytes,
                endianness: header.endianness,
                string_section: header.string_section,
                first_own_type_id,
                first_own_string_offset,
                record_offsets: scanned.record_offsets,
                pointer_size: DEFAULT_POINTER_SIZE,
                names: OnceLock::new(),
                enumerators: OnceLock::new(),
            }),
        };
        let pointer_size = scanned
            .int_ids
            .iter()
            .find_map(|&id| match btf.type_by_id(id) {
                Some(Type::Int(int)) if LONG_TYPE_NAMES.contains(&int.name) => {
                    matches!(int.byte_size, 4 | 8).then_some(int.byte_size)
                }
                _ => None,
            })
            .or_else(|| base.map(Btf::pointer_size))
            .unwrap_or(DEFAULT_POINTER_SIZE);
        if let Some(blob) = Arc::get_mut(&mut btf.shared) {
            blob.pointer_size = pointer_size;
        }
        Ok(btf)
    }

    /// The base this split BTF was parsed on, or `None` for base BTF.
    pub fn base(&self) -> Option<&Btf> {
        self.shared.base.as_ref()
    }

    /// The type with id `id`, decoded from its record: [`Type::Void`] for
    /// id 0, a base type for ids below
    /// [`first_own_type_id`](Btf::first_own_type_id), `None` past the last
    /// id.
    pub fn type_by_id(&self, id: TypeId) -> Option<Type<'_>> {
        if id.is_void() {
            return Some(Type::Void);
        }
        if id.0 < self.shared.first_own_type_id {
            return self.shared.base.as_ref()?.type_by_id(id);
        }
        Some(self.decode_at(self.record_position(id)?))
    }

    /// Like [`type_by_id`](Btf::type_by_id) but with an error for unknown
    /// ids, for use with `?` inside queries.
    pub(crate) fn type_or_error(&self, id: TypeId) -> Result<Type<'_>, BtfError> {
        self.type_by_id(id).ok_or(BtfError::UnknownTypeId { id })
    }

    /// The kind of type `id` without decoding it; `None` past the last id.
    pub fn kind_of(&self, id: TypeId) -> Option<TypeKind> {
        if id.is_void() {
            return Some(TypeKind::Void);
        }
        if id.0 < self.shared.first_own_type_id {
            return self.shared.base.as_ref()?.kind_of(id);
        }
        Some(self.prefix_at(self.record_position(id)?).kind)
    }

    /// The name of type `id` (`""` when anonymous or unknown).
    pub fn name_of(&self, id: TypeId) -> &str {
        self.type_by_id(id).map_or("", |found| found.name())
    }

    /// Absolute blob offset of one of this blob's own records.
    pub(crate) fn record_position(&self, id: TypeId) -> Option<usize> {
        let index = id.0.checked_sub(self.shared.first_own_type_id)?;
        self.shared
            .record_offsets
            .get(index as usize)
            .map(|&offset| offset as usize)
    }

    /// The prefix of one of this blob's own records.
    pub(crate) fn own_prefix(&self, id: TypeId) -> Option<RecordPrefix> {
        Some(self.prefix_at(self.record_position(id)?))
    }

    /// The `u32` at absolute blob offset `position` in the blob's byte
    /// order; 0 past the end (records were bounds-checked when parsing, so
    /// this only guards against misuse).
    pub(crate) fn word_at(&self, position: usize) -> u32 {
        self.shared
            .bytes
            .get(position..position + 4)
            .and_then(|bytes| bytes.try_into().ok())
            .map_or(0, |word| self.shared.endianness.u32_from(word))
    }

    /// Reads a `u32` in this blob's byte order (for sections of the same
    /// image, such as `.BTF_ids`).
    pub(crate) fn u32_from_blob_order(&self, bytes: [u8; 4]) -> u32 {
        self.shared.endianness.u32_from(bytes)
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
        TypeId(self.shared.first_own_type_id + self.shared.record_offsets.len() as u32 - 1)
    }

    /// How many records this blob itself holds (without its base's).
    pub fn own_type_count(&self) -> usize {
        self.shared.record_offsets.len()
    }

    /// All types in id order, base types first, excluding `void`.
    pub fn types(&self) -> impl Iterator<Item = (TypeId, Type<'_>)> + '_ {
        (1..=self.last_type_id().0).filter_map(move |number| {
            let id = TypeId(number);
            self.type_by_id(id).map(|found| (id, found))
        })
    }

    /// Only the types decoded from this blob (for split BTF: without the
    /// base's types), in id order.
    pub fn own_types(&self) -> impl Iterator<Item = (TypeId, Type<'_>)> + '_ {
        let first = self.shared.first_own_type_id;
        self.shared
            .record_offsets
            .iter()
            .enumerate()
            .map(move |(index, &offset)| {
                (
                    TypeId(first + index as u32),
                    self.decode_at(offset as usize),
                )
            })
    }

    /// The lowest id of a type of kind `kind` named `name`, searching the
    /// base first. For example `find_by_name(TypeKind::Struct, "xdp_md")`.
    /// The name index is built on the first lookup (one pass, a few
    /// milliseconds for vmlinux).
    pub fn find_by_name(&self, kind: TypeKind, name: &str) -> Option<TypeId> {
        self.ids_by_name(kind, name).into_iter().next()
    }

    /// Every id of kind `kind` named `name`, base first, ascending. vmlinux
    /// occasionally holds two different structs of one name (from
    /// different compilation units).
    pub fn ids_by_name(&self, kind: TypeKind, name: &str) -> Vec<TypeId> {
        let mut ids = self.find_all_by_name(name);
        ids.retain(|&id| {
            self.type_by_id(id)
                .is_some_and(|found| is_named(&found, kind, name))
        });
        ids
    }

    /// The ids of all types (any kind, base first) named `name`, ascending.
    /// Declaration and type tags are not looked up by name.
    pub fn find_all_by_name(&self, name: &str) -> Vec<TypeId> {
        let mut ids = self
            .base()
            .map(|base| base.find_all_by_name(name))
            .unwrap_or_default();
        if name.is_empty() {
            return ids;
        }
        let hash = hash_name(name.as_bytes());
        ids.extend(
            self.name_index()
                .candidates(hash)
                .map(TypeId)
                .filter(|&id| {
                    self.own_prefix(id)
                        .and_then(|prefix| self.name_bytes_at(prefix.name_offset))
                        .is_some_and(|bytes| bytes == name.as_bytes())
                }),
        );
        ids
    }

    /// This blob's name index, built on first use.
    pub(crate) fn name_index(&self) -> &HashIndex {
        self.shared.names.get_or_init(|| build_name_index(self))
    }

    /// This blob's enumerator index, built on first use.
    pub(crate) fn enumerator_index(&self) -> &EnumeratorIndex {
        self.shared
            .enumerators
            .get_or_init(|| EnumeratorIndex::build(self))
    }

    /// Builds the name index now instead of on the first lookup (to
    /// measure it, or to move the cost off a latency-sensitive path).
    pub fn build_name_index(&self) {
        if let Some(base) = self.base() {
            base.build_name_index();
        }
        self.name_index();
    }

    /// Size of a pointer in bytes: the size of the blob's `long` integer
    /// type (from the base for split BTF), or 8 if there is none.
    pub fn pointer_size(&self) -> u32 {
        self.shared.pointer_size
    }

    /// The raw bytes of the string at `offset` in the combined (base + own)
    /// string space, without the terminating NUL.
    pub(crate) fn name_bytes_at(&self, offset: u32) -> Option<&[u8]> {
        if offset < self.shared.first_own_string_offset {
            return self.shared.base.as_ref()?.name_bytes_at(offset);
        }
        let own_offset = (offset - self.shared.first_own_string_offset) as usize;
        let section = &self.shared.string_section;
        let start = section.start.checked_add(own_offset)?;
        if start >= section.end {
            return None;
        }
        let tail = self.shared.bytes.get(start..section.end)?;
        // Names are short: a plain scan beats `memchr`'s setup cost here.
        let length = tail.iter().position(|&byte| byte == 0)?;
        tail.get(..length)
    }

    /// [`hash_name`] and length of the string at `offset`, hashed in place.
    pub(crate) fn hash_name_at(&self, offset: u32) -> Option<(u64, usize)> {
        if offset < self.shared.first_own_string_offset {
            return self.shared.base.as_ref()?.hash_name_at(offset);
        }
        let own_offset = (offset - self.shared.first_own_string_offset) as usize;
        let section = &self.shared.string_section;
        let start = section.start.checked_add(own_offset)?;
        hash_c_string(self.shared.bytes.get(start..section.end)?)
    }

    /// The string at `offset` as `&str`; see [`INVALID_NAME`].
    pub(crate) fn name_at(&self, offset: u32) -> &str {
        if offset == 0 && self.shared.first_own_string_offset == 0 {
            return "";
        }
        self.name_bytes_at(offset)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or(INVALID_NAME)
    }

    /// Length of the combined string space, where a split blob's own string
    /// offsets begin.
    pub(crate) fn total_string_length(&self) -> u32 {
        let section = &self.shared.string_section;
        // Cannot overflow: checked when parsing.
        self.shared.first_own_string_offset + (section.end - section.start) as u32
    }

    /// Approximate heap memory held by this blob (not its base): the bytes,
    /// the record offsets, and whichever indexes have been built.
    pub fn heap_bytes(&self) -> usize {
        let shared = &self.shared;
        shared.bytes.capacity()
            + shared.record_offsets.capacity() * std::mem::size_of::<u32>()
            + shared.names.get().map_or(0, HashIndex::heap_bytes)
            + shared
                .enumerators
                .get()
                .map_or(0, EnumeratorIndex::heap_bytes)
    }

    /// Whether two handles share the same parsed blob (cheap identity test).
    pub fn ptr_eq(&self, other: &Btf) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl fmt::Debug for Btf {
    /// A summary, not a dump: printing 150 000 kernel types is never useful.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let section = &self.shared.string_section;
        formatter
            .debug_struct("Btf")
            .field("is_split", &self.base().is_some())
            .field("first_own_type_id", &self.first_own_type_id())
            .field("last_type_id", &self.last_type_id())
            .field("own_string_bytes", &(section.end - section.start))
            .field("pointer_size", &self.pointer_size())
            .finish()
    }
}
