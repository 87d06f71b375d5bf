//! A small, dependency-free reader for BTF (BPF Type Format), the type
//! information the Linux kernel publishes in `/sys/kernel/btf/vmlinux` (and,
//! as split BTF, in `/sys/kernel/btf/<module>`) and that compilers emit in
//! the `.BTF` section of BPF object files. This crate knows nothing about
//! KernelScript and performs no file IO: callers read the bytes themselves
//! and hand them to [`Btf::parse`] or [`Btf::parse_split`].
//!
//! # What it gives you
//!
//! * Parsing with full validation: the header (magic `0xEB9F` in either
//!   byte order, version 1), the string section, every record of every
//!   `BTF_KIND_*` up to current kernels (INT, PTR, ARRAY, STRUCT, UNION,
//!   ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO, VAR,
//!   DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64) and every type reference.
//!   Malformed input yields a [`BtfError`], never a panic.
//! * Owned, plain-data types: [`Type`] has one variant per kind holding a
//!   struct such as [`StructOrUnion`] or [`FunctionPrototype`]; names are
//!   `String`s.
//! * Lookups: [`Btf::type_by_id`], [`Btf::find_by_name`] (name index built
//!   lazily), [`Btf::types`].
//! * Queries the compiler needs: [`Btf::resolve`] (skip typedefs,
//!   qualifiers and type tags), [`Btf::size_of`], [`Btf::members`],
//!   [`Btf::find_member`] (looks through anonymous members),
//!   [`Btf::enum_values`], [`Btf::function_prototype`], and C spelling with
//!   [`Btf::c_type_name`] / [`Btf::c_declaration`].
//!
//! # Example
//!
//! ```no_run
//! use btf::{Btf, TypeKind};
//!
//! let bytes = std::fs::read("/sys/kernel/btf/vmlinux")?;
//! let kernel = Btf::parse(&bytes)?;
//!
//! let xdp_md = kernel.find_by_name(TypeKind::Struct, "xdp_md").expect("struct xdp_md");
//! for member in kernel.members(xdp_md)? {
//!     println!(
//!         "{} at byte {}",
//!         kernel.c_declaration(member.type_id, &member.name)?,
//!         member.byte_offset()
//!     );
//! }
//!
//! let ktime = kernel.find_by_name(TypeKind::Func, "bpf_ktime_get_ns").expect("helper");
//! let prototype = kernel.function_prototype(ktime)?;
//! assert_eq!(kernel.c_type_name(prototype.return_type)?, "u64");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Module BTF is split BTF on top of vmlinux:
//!
//! ```no_run
//! # use btf::Btf;
//! let kernel = Btf::parse(&std::fs::read("/sys/kernel/btf/vmlinux")?)?;
//! let module = Btf::parse_split(&std::fs::read("/sys/kernel/btf/nf_conntrack")?, &kernel)?;
//! assert!(module.first_own_type_id() > kernel.last_type_id());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Conventions
//!
//! * **Type ids.** [`TypeId::VOID`] (0) is `void` and is always valid:
//!   [`Btf::type_by_id`] returns [`Type::Void`] for it. Records are numbered
//!   from 1 in blob order; [`Btf::last_type_id`] is the highest id. Every
//!   id stored inside a parsed [`Type`] is guaranteed to exist (parsing
//!   checks it), but the data may still be nonsensical (a pointer to a
//!   `DECL_TAG`, a typedef cycle); queries report that as an error.
//! * **Offsets and sizes.** Member offsets are in *bits*
//!   ([`Member::bit_offset`], with [`Member::byte_offset`] as a shortcut);
//!   every other size is in *bytes* (fields named `byte_size`,
//!   [`Btf::size_of`]).
//! * **Bitfields.** Structs whose record has the `kind_flag` set store the
//!   bitfield width in [`Member::bitfield_size`]. Older encodings (no
//!   `kind_flag`) describe a bitfield through an `INT` type whose
//!   [`IntType::bit_count`] is narrower than its storage; this crate reports
//!   the raw data and does not merge the two encodings.
//! * **Enums.** [`EnumValue::value`] is an `i128`, which represents every
//!   signed or unsigned 32- or 64-bit enumerator exactly. Signedness comes
//!   from the record's `kind_flag`, as the kernel documents it.
//! * **Names.** Names are owned `String`s; an empty name means anonymous.
//!   Bytes that are not UTF-8 (never seen in practice) are replaced with
//!   U+FFFD.
//! * **Lookup by name.** [`Btf::find_by_name`] takes the kind to look for,
//!   because C keeps separate namespaces: vmlinux often has a `FWD`, a
//!   `STRUCT` and a `TYPEDEF` of the same name. It returns the lowest id.
//!
//! # Split BTF
//!
//! Split BTF extends a base: its first type id is one past the base's last
//! id, its string offsets continue after the base's string section, and its
//! records may refer to base types and base strings. [`Btf::parse_split`]
//! keeps a cheap clone of the base, so the resulting [`Btf`] answers every
//! query over base and split types together; [`Btf::own_types`] lists only
//! the split blob's own records.
//!
//! # Robustness limits
//!
//! Parsing copies names into `String`s; to keep a hostile blob that names
//! one long string thousands of times from exhausting memory, the copied
//! total is capped (64 MiB or 16 times the blob size, whichever is larger;
//! vmlinux needs about half its own size). Queries follow at most 256
//! references in a chain, nest at most 64 levels and visit at most 100 000
//! types; [`Btf::c_type_name`] also caps the text it produces. Real kernel
//! data stays far below all of these.
//!
//! # Layout of the crate
//!
//! `reader` (header, bounds-checked cursor, string section) → `decode`
//! (type records) → `btf` (the [`Btf`] container, ids and names) →
//! `query` (reference-following questions) and `c_spelling` (C text).
//! Every reference-following loop is bounded, so cyclic or pathological
//! data produces [`BtfError::ReferenceChainTooLong`] or
//! [`BtfError::QueryTooLarge`] rather than a hang or stack overflow.

#![deny(missing_docs)]

mod btf;
mod c_spelling;
mod decode;
mod error;
mod query;
mod reader;
mod types;

pub use crate::btf::Btf;
pub use crate::error::BtfError;
pub use crate::types::{
    ArrayType, DataSection, DataSectionEntry, DeclarationTag, EnumType, EnumValue, FloatType,
    ForwardDeclaration, Function, FunctionLinkage, FunctionPrototype, IntType, Member, Parameter,
    StructOrUnion, Type, TypeId, TypeKind, TypeTag, Typedef, Variable, VariableLinkage,
};
