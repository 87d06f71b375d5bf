//! What the checker knows about the kernel: its BTF, read on demand.
//!
//! Nothing is copied up front (vmlinux has ~100k types). A name the
//! program uses that neither a local, nor a source declaration, nor the
//! language defines is looked up in the kernel's BTF the first time it is
//! met, and imported into the IR (`import.rs`):
//!
//! * a type name (`task_struct`, `xdp_md`, `ethhdr`, `pid_t`) becomes a
//!   kernel struct, enum or the type a typedef names (`resolve_kernel_type`);
//! * a value name that is a kernel enumerator (`XDP_PASS`, `BPF_ANY`,
//!   `TASK_RUNNING`) becomes that enum's variant, or a kernel constant when
//!   the enum is anonymous (`resolve_kernel_value`);
//! * a called name that is a BPF helper (`bpf_get_stack`) becomes a helper
//!   with the prototype of the complete UAPI table (`helpers.rs`), if the
//!   kernel's `enum bpf_func_id` has it.
//!
//! UAPI macros that BTF cannot hold (`TC_ACT_*`) are a small table
//! (`uapi.rs`). User declarations of names the kernel defines are compared
//! with BTF field by field (`declared.rs`).
//!
//! Imported types are `Origin::Kernel` with a `KernelRecord`/`KernelEnum`
//! holding the BTF id, so the eBPF generator writes exactly them (and what
//! they need) into the kernel header instead of including `vmlinux.h`.

mod declared;
mod helpers;
mod import;
mod tracepoints;
pub(crate) mod uapi;

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

use btf::{Btf, TypeId, TypeKind};

use crate::ir::{EnumId, StructId, Type};
use crate::kernel::Kernel;
use crate::span::Span;

use super::env::Symbol;
use super::Checker;

pub(crate) use helpers::{helper_signature, BYTE_ORDER_MACROS};
pub(crate) use tracepoints::TracepointContext;

/// The kernel, as one checking run sees it: the BTF, the tracefs format
/// files the driver read, and what has been imported so far.
pub(crate) struct KernelView<'k> {
    pub kernel: &'k Kernel,
    pub btf: &'k Btf,
    /// Tracefs format files by `category/event`.
    pub formats: &'k BTreeMap<String, String>,
    /// Kernel records imported, by BTF id (the struct, union or typedef).
    records: BTreeMap<TypeId, StructId>,
    /// Kernel enums imported, by BTF id.
    enums: BTreeMap<TypeId, EnumId>,
    /// Imported records whose fields are not filled yet (reached through
    /// pointers only so far).
    incomplete: BTreeSet<StructId>,
    /// `BPF_FUNC_*` ids the kernel has (from `enum bpf_func_id`).
    helper_ids: OnceCell<BTreeSet<u32>>,
    tracepoints: OnceCell<btf::Tracepoints<'k>>,
}

impl<'k> KernelView<'k> {
    pub(crate) fn new(kernel: &'k Kernel, formats: &'k BTreeMap<String, String>) -> Self {
        KernelView {
            kernel,
            btf: kernel.btf(),
            formats,
            records: BTreeMap::new(),
            enums: BTreeMap::new(),
            incomplete: BTreeSet::new(),
            helper_ids: OnceCell::new(),
            tracepoints: OnceCell::new(),
        }
    }

    /// The kernel's tracepoint knowledge (built on first use, ~5 ms).
    pub(crate) fn tracepoints(&self) -> &btf::Tracepoints<'k> {
        self.tracepoints.get_or_init(|| self.btf.tracepoints())
    }

    /// Whether the kernel has BPF helper `id` (`enum bpf_func_id`). A BTF
    /// without that enum (not a vmlinux) is taken to have every helper.
    pub(crate) fn has_helper(&self, helper: &btf::BpfHelper) -> bool {
        let ids = self.helper_ids.get_or_init(|| {
            let Some(id) = self.btf.find_by_name(TypeKind::Enum, "bpf_func_id") else {
                return BTreeSet::new();
            };
            let Ok(values) = self.btf.enum_values(id) else {
                return BTreeSet::new();
            };
            values
                .filter(|value| value.name.starts_with("BPF_FUNC_"))
                .filter_map(|value| u32::try_from(value.value).ok())
                .collect()
        });
        ids.is_empty() || ids.contains(&helper.id)
    }

    /// The struct, union, typedef or enum named `name`, in that order.
    pub(crate) fn type_named(&self, name: &str) -> Option<TypeId> {
        [
            TypeKind::Struct,
            TypeKind::Union,
            TypeKind::Typedef,
            TypeKind::Enum,
            TypeKind::Enum64,
        ]
        .iter()
        .find_map(|kind| self.btf.find_by_name(*kind, name))
    }

    /// The struct, union or enum whose C tag is `name`: a source `struct`
    /// or `enum` of that name would be a second definition in C.
    pub(crate) fn tag_named(&self, name: &str) -> Option<TypeId> {
        [
            TypeKind::Struct,
            TypeKind::Union,
            TypeKind::Enum,
            TypeKind::Enum64,
        ]
        .iter()
        .find_map(|kind| self.btf.find_by_name(*kind, name))
    }

    /// Up to three kernel type names close to `name`, for "did you mean".
    pub(crate) fn similar_type_names(&self, name: &str) -> Vec<&'k str> {
        self.btf.similar_type_names(
            &[
                TypeKind::Struct,
                TypeKind::Union,
                TypeKind::Typedef,
                TypeKind::Enum,
                TypeKind::Enum64,
            ],
            name,
        )
    }
}

/// Prefixes of the constants of the UAPI headers every object includes.
const RESERVED_PREFIXES: &[&str] = &["BPF_", "XDP_", "TC_ACT_"];

impl Checker<'_> {
    /// What a global name means where `at` is: a source or language
    /// definition, else a kernel type, enumerator or BPF helper of that
    /// name (imported now, into the prelude every file sees).
    pub(crate) fn global_symbol(&mut self, name: &str, at: Span) -> Option<Symbol> {
        if let Some(symbol) = self.env.symbol(name, at) {
            return Some(symbol);
        }
        self.kernel_symbol(name)
    }

    /// Whether a source definition of `name` must give way to the kernel's:
    /// BPF helpers, and constants of the UAPI headers every object includes
    /// (`BPF_*`, `XDP_*`, `TC_ACT_*`). Other kernel enumerators and typedefs
    /// are shadowed by source definitions (their C never meets).
    pub(crate) fn is_reserved_kernel_name(&self, name: &str) -> bool {
        helpers::helper_index(name).is_some()
            || (RESERVED_PREFIXES
                .iter()
                .any(|prefix| name.starts_with(prefix))
                && self.kernel.btf.enum_constant(name).is_some())
    }

    /// The kernel's meaning of `name`, imported into the IR and the global
    /// namespace, if it has one.
    pub(crate) fn kernel_symbol(&mut self, name: &str) -> Option<Symbol> {
        if let Some(symbol) = self.resolve_kernel_type(name) {
            return Some(symbol);
        }
        if let Some(symbol) = self.resolve_kernel_value(name) {
            return Some(symbol);
        }
        let index = helpers::helper_index(name)?;
        if let Some(helper) = helpers::uapi_helper(index) {
            if !self.kernel.has_helper(helper) {
                return None;
            }
        }
        let symbol = Symbol::Helper(index);
        let _ = self.env.define(name, symbol, None);
        Some(symbol)
    }

    /// A kernel struct, union, typedef or enum called `name`, imported.
    pub(crate) fn resolve_kernel_type(&mut self, name: &str) -> Option<Symbol> {
        let id = self.kernel.type_named(name)?;
        let symbol = match self.import_btf_type(id, true) {
            Type::Struct(struct_id) => Symbol::Struct(struct_id),
            Type::Enum(enum_id) => Symbol::Enum(enum_id),
            // A typedef of a scalar, array or pointer (`pid_t`, `__be32`):
            // an alias already resolved.
            other => {
                let alias = super::env::AliasId(self.aliases.len());
                self.aliases.push(super::AliasSlot {
                    name: name.to_string(),
                    target: None,
                    state: super::Resolution::Done(other),
                });
                Symbol::Alias(alias)
            }
        };
        if self.env.prelude_symbol(name).is_none() {
            let _ = self.env.define(name, symbol, None);
        }
        Some(symbol)
    }

    /// A kernel enumerator called `name`: a variant of its (named) enum, or
    /// a kernel constant when its enum is anonymous.
    fn resolve_kernel_value(&mut self, name: &str) -> Option<Symbol> {
        let constant = self.kernel.btf.enum_constant(name)?;
        let (enum_id, enum_name, value, byte_size, is_signed) = (
            constant.enum_id,
            constant.enum_name,
            constant.value,
            constant.byte_size,
            constant.is_signed,
        );
        if enum_name.is_empty() {
            let symbol = self.define_kernel_constant(name, value, byte_size, is_signed);
            return Some(symbol);
        }
        let Type::Enum(imported) = self.import_btf_type(enum_id, true) else {
            return None;
        };
        let index = self
            .program
            .enum_def(imported)
            .variants
            .iter()
            .position(|variant| variant.name == name)?;
        let symbol = Symbol::Variant(imported, index);
        if self.env.prelude_symbol(name).is_none() {
            let _ = self.env.define(name, symbol, None);
        }
        Some(symbol)
    }

    /// Up to three kernel names close to `name` among types, for messages.
    pub(crate) fn kernel_type_suggestions(&self, name: &str) -> Vec<String> {
        self.kernel
            .similar_type_names(name)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Up to three kernel enumerators close to `name`.
    pub(crate) fn kernel_value_suggestions(&self, name: &str) -> Vec<String> {
        self.kernel
            .btf
            .similar_enum_constant_names(name)
            .into_iter()
            .map(str::to_string)
            .collect()
    }
}
