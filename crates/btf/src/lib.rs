//! A small, dependency-free reader for BTF (BPF Type Format), the type
//! information the Linux kernel publishes in `/sys/kernel/btf/vmlinux` (and,
//! as split BTF, in `/sys/kernel/btf/<module>`), that kernel images and
//! modules carry in their `.BTF` ELF section, and that compilers emit in
//! BPF object files. This crate knows nothing about KernelScript and
//! performs no file IO: callers read the bytes and hand them over.
//!
//! The design note, with the measured costs, is `crates/btf/README.md`.
//!
//! # What it gives you
//!
//! * Loading that costs a few milliseconds for vmlinux: [`Btf::from_vec`]
//!   keeps the bytes and makes one structural pass that records where each
//!   type record starts; records are decoded on demand into cheap `Copy`
//!   views ([`Type`]) whose names borrow from the [`Btf`]. Name lookups use
//!   an index built in one pass on first use. [`Btf::from_elf`] reads the
//!   `.BTF` section of a vmlinux image or module ([`elf`]).
//! * Lookups: [`Btf::type_by_id`], [`Btf::find_by_name`],
//!   [`Btf::ids_by_name`], [`Btf::types`].
//! * Queries that follow references: [`Btf::resolve`], [`Btf::size_of`],
//!   [`Btf::natural_alignment`], [`Btf::members`], [`Btf::find_member_path`]
//!   (through anonymous members, with the path and bitfield layout),
//!   [`Btf::enum_values`], [`Btf::function_prototype`], C spelling with
//!   [`Btf::c_type_name`] / [`Btf::c_declaration`], and "did you mean"
//!   candidates ([`Btf::similar_type_names`], [`Btf::similar_member_names`]).
//! * What the kernel offers BPF: enum constants across all enums
//!   ([`Btf::enum_constant`]), kfuncs ([`Btf::kfuncs`], and
//!   [`Btf::kfuncs_in_btf_ids_section`] for kernels without kfunc tags),
//!   struct_ops types ([`Btf::struct_ops_types`]), LSM hooks
//!   ([`Btf::lsm_hooks`]), tracepoint context structs and raw tracepoint
//!   arguments ([`Btf::tracepoints`]).
//! * A C header of exactly the kernel types a program uses, in place of
//!   `vmlinux.h` ([`Btf::c_header`]).
//! * Every BPF helper's prototype, without BTF or IO ([`bpf_helpers`]).
//!
//! # Example
//!
//! ```no_run
//! use btf::{Btf, TypeKind};
//!
//! let kernel = Btf::from_vec(std::fs::read("/sys/kernel/btf/vmlinux")?)?;
//!
//! let xdp_md = kernel.find_by_name(TypeKind::Struct, "xdp_md").expect("struct xdp_md");
//! for member in kernel.members(xdp_md)? {
//!     println!(
//!         "{} at byte {}",
//!         kernel.c_declaration(member.type_id, member.name)?,
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
//! let kernel = Btf::from_vec(std::fs::read("/sys/kernel/btf/vmlinux")?)?;
//! let module = Btf::from_vec_split(std::fs::read("/sys/kernel/btf/nf_conntrack")?, &kernel)?;
//! assert!(module.first_own_type_id() > kernel.last_type_id());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Conventions
//!
//! * **Type ids.** [`TypeId::VOID`] (0) is `void` and is always valid:
//!   [`Btf::type_by_id`] returns [`Type::Void`] for it. Records are numbered
//!   from 1 in blob order; [`Btf::last_type_id`] is the highest id.
//! * **Validation.** Parsing checks the header, the string section and
//!   each record's kind, length, name offset and linkage fields. It does
//!   not follow references: a dangling id shows up as
//!   [`BtfError::UnknownTypeId`] from the query that follows it, and
//!   [`Btf::validate`] checks every reference (and every member, parameter
//!   and enumerator name) at once. Kernel BTF has been verified by the
//!   kernel already; call `validate` on BTF from an untrusted file.
//! * **Offsets and sizes.** Member offsets are in *bits*
//!   ([`Member::bit_offset`], with [`Member::byte_offset`] as a shortcut);
//!   every other size is in *bytes* (fields named `byte_size`,
//!   [`Btf::size_of`]).
//! * **Bitfields.** Structs whose record has the `kind_flag` set store the
//!   bitfield width in [`Member::bitfield_size`]. Older encodings describe
//!   a bitfield through an `INT` type whose [`IntType::bit_count`] is
//!   narrower than its storage; [`Btf::find_member_path`] understands both.
//! * **Enums.** [`EnumValue::value`] is an `i128`, which represents every
//!   signed or unsigned 32- or 64-bit enumerator exactly. Signedness comes
//!   from the record's `kind_flag`, as the kernel documents it.
//! * **Names.** Names are `&str` borrowed from the [`Btf`]; an empty name
//!   means anonymous. A name that is not UTF-8 (never produced by compilers
//!   or accepted by the kernel) reads as `"\u{FFFD}"`.
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
//! No input panics. Queries follow at most 256 references in a chain, nest
//! at most 64 levels and visit at most 100 000 types;
//! [`Btf::c_type_name`] also caps the text it produces. Real kernel data
//! stays far below all of these. Cyclic or pathological data produces
//! [`BtfError::ReferenceChainTooLong`] or [`BtfError::QueryTooLarge`]
//! rather than a hang or stack overflow.
//!
//! # Layout of the crate
//!
//! `reader` (header, string section) → `decode` (the structural pass,
//! record views, [`Btf::validate`]) → `btf` (the [`Btf`] container, ids)
//! and `index` (name hash tables) → `query` (reference-following
//! questions), `c_spelling` (C text), `suggest` (did you mean), `catalog`
//! (kfuncs, struct_ops, LSM hooks, enum constants), `tracepoint` (event
//! context structs); `header` and `layout` write C headers; `helpers` is
//! the BPF helper table; `elf` reads ELF64 sections.

#![deny(missing_docs)]

mod btf;
mod c_spelling;
mod catalog;
mod decode;
pub mod elf;
mod error;
mod header;
mod helpers;
mod index;
mod layout;
mod query;
mod reader;
mod suggest;
mod tracepoint;
mod types;

pub use crate::btf::Btf;
pub use crate::catalog::{
    EnumConstant, KfuncSetEntry, StructOpsMember, StructOpsType, KFUNC_DECL_TAG, LSM_HOOK_PREFIX,
    STRUCT_OPS_VALUE_PREFIX,
};
pub use crate::error::BtfError;
pub use crate::header::{CHeader, HeaderOptions, BASE_TYPEDEFS};
pub use crate::helpers::{
    bpf_helper, bpf_helper_by_id, bpf_helpers, bpf_helpers_source, BpfHelper, HelperParameter,
    HelperType,
};
pub use crate::query::FoundMember;
pub use crate::suggest::{closest_names, edit_distance, suggestion_limit, MAXIMUM_SUGGESTIONS};
pub use crate::tracepoint::{
    ContextSource, FieldLocation, FormatError, FormatField, RawTracepoint, TracepointContext,
    TracepointError, TracepointFormat, Tracepoints, CLASS_FUNCTION_PREFIX, EVENT_STRUCT_PREFIX,
    RAW_TRACEPOINT_TYPEDEF_PREFIX,
};
pub use crate::types::{
    ArrayType, DataSection, DataSectionEntry, DeclarationTag, EnumType, EnumValue, EnumValues,
    FloatType, ForwardDeclaration, Function, FunctionLinkage, FunctionPrototype, IntType, Member,
    Members, Parameter, Parameters, StructOrUnion, Type, TypeId, TypeKind, TypeTag, Typedef,
    Variable, VariableLinkage,
};
