//! The one error type of this crate, [`BtfError`], and its human-readable
//! `Display` text. Both parsing (malformed blobs) and queries (asking a
//! question a type cannot answer) report through it. This file must not
//! decide *when* something is an error—that belongs to the reader, decoder
//! and query code—and must not pull in external error crates.

use std::fmt;

use crate::types::{TypeId, TypeKind};

/// Everything that can go wrong while parsing a BTF blob or querying it.
///
/// Parsing never panics: every malformed input maps to one of these
/// variants. Variants carry the offsets, ids and kinds needed to explain the
/// problem; their `Display` text is a complete sentence fragment suitable
/// for a compiler diagnostic ("BTF: ...").
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BtfError {
    /// The blob ended before a field could be read.
    Truncated {
        /// What was being read, e.g. `"STRUCT members"`.
        what: &'static str,
        /// Absolute byte offset in the blob where the read started.
        offset: usize,
        /// Bytes the read needed.
        needed: usize,
        /// Bytes that were left in the enclosing section.
        available: usize,
    },
    /// The first two bytes are not the BTF magic `0xEB9F` in either byte order.
    BadMagic {
        /// The two bytes found at the start of the blob.
        found: [u8; 2],
    },
    /// The header's version byte is not 1.
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// The header's `hdr_len` is smaller than the 24-byte v1 header or
    /// larger than the blob.
    InvalidHeaderLength {
        /// The declared header length.
        header_length: u32,
        /// The total blob length.
        blob_length: usize,
    },
    /// A section declared by the header does not fit inside the blob.
    SectionOutOfBounds {
        /// `"type"` or `"string"`.
        section: &'static str,
        /// Absolute start offset (header length + section offset).
        start: u64,
        /// Declared section length.
        length: u64,
        /// The total blob length.
        blob_length: usize,
    },
    /// The string section breaks a structural rule (for example it does not
    /// end with a NUL byte).
    MalformedStringSection {
        /// Which rule was broken.
        reason: &'static str,
    },
    /// A name offset points outside the string section(s).
    StringOffsetOutOfBounds {
        /// The type whose record holds the offset.
        id: TypeId,
        /// The offending offset.
        offset: u32,
    },
    /// A type record has a kind number this reader does not know.
    UnknownKind {
        /// The id the record would have had.
        id: TypeId,
        /// The raw kind number (bits 24..29 of `info`).
        kind: u8,
    },
    /// A type record is structurally invalid for its kind.
    MalformedType {
        /// The offending type.
        id: TypeId,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// A type refers to a type id that does not exist.
    DanglingTypeReference {
        /// The referring type.
        from: TypeId,
        /// The missing type id.
        to: TypeId,
    },
    /// The type ids would not fit in 32 bits.
    TooManyTypes,
    /// A split blob does not use the same byte order as its base.
    EndiannessMismatch,
    /// A query named a type id that does not exist.
    UnknownTypeId {
        /// The missing id.
        id: TypeId,
    },
    /// A query needed a different kind of type.
    UnexpectedKind {
        /// The type looked at (after resolving typedefs and qualifiers
        /// where the query does so).
        id: TypeId,
        /// The kinds the query accepts, e.g. `"STRUCT or UNION"`.
        expected: &'static str,
        /// The kind found.
        found: TypeKind,
    },
    /// `size_of` was asked about a type without a size (void, function,
    /// forward declaration, ...).
    TypeHasNoSize {
        /// The unsized type.
        id: TypeId,
        /// Its kind.
        kind: TypeKind,
    },
    /// A computed size does not fit in 32 bits.
    SizeOverflow {
        /// The type whose size overflowed.
        id: TypeId,
    },
    /// Following references took too many steps; the data is cyclic or
    /// absurdly deep.
    ReferenceChainTooLong {
        /// The type the query started from.
        id: TypeId,
    },
    /// A query would have to visit too many types (for example rendering a
    /// huge anonymous type inline); the data is pathological.
    QueryTooLarge {
        /// The type the query started from.
        id: TypeId,
    },
    /// An ELF file is malformed or of a kind the reader does not support.
    Elf {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An ELF file has no `.BTF` section (a kernel built without
    /// `CONFIG_DEBUG_INFO_BTF`, or a stripped object).
    NoBtfSection,
}

impl fmt::Display for BtfError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BtfError::Truncated {
                what,
                offset,
                needed,
                available,
            } => write!(
                formatter,
                "BTF data truncated: reading {what} at byte {offset} needs {needed} bytes \
                 but only {available} remain"
            ),
            BtfError::BadMagic { found } => write!(
                formatter,
                "not BTF data: expected magic 0xEB9F, found bytes {:02x} {:02x}",
                found[0], found[1]
            ),
            BtfError::UnsupportedVersion { version } => {
                write!(
                    formatter,
                    "unsupported BTF version {version} (only 1 is known)"
                )
            }
            BtfError::InvalidHeaderLength {
                header_length,
                blob_length,
            } => write!(
                formatter,
                "invalid BTF header length {header_length} for a {blob_length}-byte blob \
                 (must be at least 24)"
            ),
            BtfError::SectionOutOfBounds {
                section,
                start,
                length,
                blob_length,
            } => write!(
                formatter,
                "BTF {section} section (start {start}, length {length}) lies outside the \
                 {blob_length}-byte blob"
            ),
            BtfError::MalformedStringSection { reason } => {
                write!(formatter, "malformed BTF string section: {reason}")
            }
            BtfError::StringOffsetOutOfBounds { id, offset } => write!(
                formatter,
                "BTF type {id} names string offset {offset}, which is outside the string section"
            ),
            BtfError::UnknownKind { id, kind } => {
                write!(formatter, "BTF type {id} has unknown kind {kind}")
            }
            BtfError::MalformedType { id, reason } => {
                write!(formatter, "malformed BTF type {id}: {reason}")
            }
            BtfError::DanglingTypeReference { from, to } => write!(
                formatter,
                "BTF type {from} refers to type {to}, which does not exist"
            ),
            BtfError::TooManyTypes => write!(formatter, "too many BTF types for 32-bit type ids"),
            BtfError::EndiannessMismatch => write!(
                formatter,
                "split BTF uses a different byte order than its base BTF"
            ),
            BtfError::UnknownTypeId { id } => write!(formatter, "no BTF type with id {id}"),
            BtfError::UnexpectedKind {
                id,
                expected,
                found,
            } => write!(formatter, "BTF type {id} is a {found}, expected {expected}"),
            BtfError::TypeHasNoSize { id, kind } => {
                write!(formatter, "BTF type {id} ({kind}) has no size")
            }
            BtfError::SizeOverflow { id } => {
                write!(formatter, "size of BTF type {id} does not fit in 32 bits")
            }
            BtfError::ReferenceChainTooLong { id } => write!(
                formatter,
                "following references from BTF type {id} does not terminate (cyclic or too deep)"
            ),
            BtfError::QueryTooLarge { id } => write!(
                formatter,
                "query on BTF type {id} visits too many types (pathological data)"
            ),
            BtfError::Elf { reason } => write!(formatter, "malformed ELF file: {reason}"),
            BtfError::NoBtfSection => write!(
                formatter,
                "the ELF file has no .BTF section (was the kernel built with \
                 CONFIG_DEBUG_INFO_BTF=y?)"
            ),
        }
    }
}

impl std::error::Error for BtfError {}
