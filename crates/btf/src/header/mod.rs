//! The C header emitter: given the kernel types a BPF program uses, writes
//! C definitions of exactly those types and what they need, in an order a
//! C compiler accepts, instead of a 3 MB `vmlinux.h`.
//!
//! What a use needs follows C's rules: a struct or union used by value
//! needs its full definition first; one reached only through a pointer
//! (or in a function prototype) needs only `struct NAME;`, and every named
//! record referenced at all gets such a forward declaration at the top. A
//! typedef is always defined before use; an enum is always defined (C has
//! no forward enum declarations). Anonymous structs, unions and enums are
//! written inline where used. Layout follows `layout.rs` (`packed`,
//! explicit padding, bitfields); enums whose size is not 4 get a `mode`
//! attribute. Two different types of one name get `NAME___2`, which CO-RE
//! matches to `NAME` (libbpf ignores a `___suffix`). Records get
//! `preserve_access_index` through a clang pragma around the whole header,
//! so field reads through kernel pointers become CO-RE relocations.
//!
//! `mod.rs` holds the API and the ordering walk; `names.rs` gives types
//! their C names, `writer.rs` writes the text. Nothing here decides layout
//! (that is `layout.rs`) or does IO.

mod names;
mod writer;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::btf::Btf;
use crate::error::BtfError;
use crate::layout::LayoutPlanner;
use crate::types::{StructOrUnion, Type, TypeId, TypeKind};

/// The typedefs libbpf's `bpf_helpers.h`, `bpf_helper_defs.h`,
/// `bpf_tracing.h`, `bpf_core_read.h` and `bpf_endian.h` use without
/// defining (`vmlinux.h` or `<linux/types.h>` normally provides them).
/// Every header includes them when the BTF has them.
pub const BASE_TYPEDEFS: [&str; 11] = [
    "__u8", "__u16", "__u32", "__u64", "__s8", "__s16", "__s32", "__s64", "__be16", "__be32",
    "__wsum",
];

/// A header emitted by [`Btf::c_header`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CHeader {
    /// The C text.
    pub text: String,
    /// The C name of every named type the header declares or defines:
    /// its BTF name, or `NAME___N` where two different types share a name.
    /// Generated code must spell types with these names.
    pub names: BTreeMap<TypeId, String>,
    /// Every ordinary identifier the header declares (typedef and
    /// enumerator names, as written): what code including it must not
    /// declare again at file scope.
    pub ordinary: BTreeSet<String>,
}

impl CHeader {
    /// The C name the header gives type `id` (`None` if it does not
    /// declare it).
    pub fn name_of(&self, id: TypeId) -> Option<&str> {
        self.names.get(&id).map(String::as_str)
    }
}

/// Choices for [`Btf::c_header`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderOptions {
    /// The include guard macro (`#ifndef GUARD`), if any.
    pub include_guard: Option<String>,
    /// Whether to add [`BASE_TYPEDEFS`] to the roots.
    pub base_typedefs: bool,
    /// Whether to wrap the header in the clang pragma that gives every
    /// record `__attribute__((preserve_access_index))` (CO-RE).
    pub preserve_access_index: bool,
}

impl Default for HeaderOptions {
    fn default() -> Self {
        HeaderOptions {
            include_guard: Some("__KERNELSCRIPT_VMLINUX_H__".into()),
            base_typedefs: true,
            preserve_access_index: true,
        }
    }
}

/// Deepest chain of definitions the ordering walk follows.
const MAXIMUM_ORDER_DEPTH: usize = 512;
/// Deepest inline nesting the writer follows.
const MAXIMUM_INLINE_DEPTH: usize = 128;
/// Most bytes of C one header may hold (vmlinux in full is about 3 MB).
const MAXIMUM_HEADER_BYTES: usize = 256 << 20;

impl Btf {
    /// C definitions of the types `roots` and everything they need, in an
    /// order C accepts (see `crates/btf/README.md`). Roots are needed by
    /// value; a `FUNC` root contributes the types of its prototype, a `VAR`
    /// root its type, an anonymous enum root its constants. The result
    /// compiles with `clang -target bpf` together with libbpf's
    /// `bpf_helpers.h`, `bpf_tracing.h` and `bpf_core_read.h`; generated
    /// code must spell each type as [`CHeader::name_of`] says.
    pub fn c_header(&self, roots: &[TypeId], options: &HeaderOptions) -> Result<CHeader, BtfError> {
        let mut emitter = Emitter::new(self);
        if options.base_typedefs {
            for name in BASE_TYPEDEFS {
                if let Some(id) = self.find_by_name(TypeKind::Typedef, name) {
                    emitter.order(id, false, 0)?;
                }
            }
        }
        for &root in roots {
            emitter.order(root, true, 0)?;
        }
        emitter.assign_names()?;
        let names: BTreeMap<TypeId, String> = emitter
            .names
            .iter()
            .map(|(id, name)| (*id, name.clone()))
            .collect();
        let typedefs = names
            .iter()
            .filter(|(id, _)| self.kind_of(**id) == Some(TypeKind::Typedef))
            .map(|(_, name)| name.clone());
        let ordinary = emitter
            .enumerator_names
            .values()
            .cloned()
            .chain(typedefs)
            .collect();
        Ok(CHeader {
            text: emitter.write(options)?,
            names,
            ordinary,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    InProgress,
    Done,
}

struct Emitter<'btf> {
    btf: &'btf Btf,
    layout: LayoutPlanner<'btf>,
    /// Top-level definitions (named records, named enums, typedefs).
    visits: HashMap<TypeId, Visit>,
    definitions: Vec<TypeId>,
    /// Named records and forward declarations referenced anywhere.
    declared: BTreeSet<TypeId>,
    /// Anonymous records and enums already walked (inline each time).
    walked_inline: HashMap<TypeId, Visit>,
    /// The C name of each named type written (after renaming duplicates).
    names: HashMap<TypeId, String>,
    /// Enumerator names, renamed where two enums share one.
    enumerator_names: HashMap<(TypeId, usize), String>,
    /// Anonymous enums whose body has been written (once: a second body
    /// would redefine its enumerators; later uses get the integer type).
    written_anonymous_enums: BTreeSet<TypeId>,
    text: String,
}

impl<'btf> Emitter<'btf> {
    fn new(btf: &'btf Btf) -> Self {
        Emitter {
            btf,
            layout: LayoutPlanner::new(btf),
            visits: HashMap::new(),
            definitions: Vec::new(),
            declared: BTreeSet::new(),
            walked_inline: HashMap::new(),
            names: HashMap::new(),
            enumerator_names: HashMap::new(),
            written_anonymous_enums: BTreeSet::new(),
            text: String::new(),
        }
    }

    /// Makes sure that everything a use of `id` needs comes first: by
    /// value (`by_value`) or through a pointer.
    fn order(&mut self, id: TypeId, by_value: bool, depth: usize) -> Result<(), BtfError> {
        if depth > MAXIMUM_ORDER_DEPTH {
            return Err(BtfError::ReferenceChainTooLong { id });
        }
        let depth = depth + 1;
        match self.btf.type_or_error(id)? {
            Type::Void | Type::Int(_) | Type::Float(_) => Ok(()),
            Type::Pointer(target) => self.order(target, false, depth),
            Type::Array(array) => self.order(array.element_type, true, depth),
            Type::Const(target)
            | Type::Volatile(target)
            | Type::Restrict(target)
            | Type::TypeTag(crate::types::TypeTag {
                type_id: target, ..
            }) => self.order(target, by_value, depth),
            Type::FuncProto(prototype) => {
                self.order(prototype.return_type, false, depth)?;
                for parameter in prototype.parameters() {
                    self.order(parameter.type_id, false, depth)?;
                }
                Ok(())
            }
            Type::Func(function) => self.order(function.prototype, false, depth),
            Type::Var(variable) => self.order(variable.type_id, true, depth),
            Type::Forward(_) => {
                self.declared.insert(id);
                Ok(())
            }
            Type::Struct(composite) | Type::Union(composite) if composite.name.is_empty() => {
                self.order_inline(id, &composite, depth)
            }
            Type::Struct(_) | Type::Union(_) => {
                self.declared.insert(id);
                if by_value {
                    self.define(id, depth)?;
                }
                Ok(())
            }
            Type::Enum(enumeration) | Type::Enum64(enumeration) => {
                // An anonymous enum is written inline, unless it is a root
                // (wanted for its constants).
                if enumeration.name.is_empty() && depth > 1 {
                    return Ok(());
                }
                self.define(id, depth)
            }
            Type::Typedef(typedef) => {
                self.define(id, depth)?;
                if by_value {
                    self.order(typedef.type_id, true, depth)?;
                }
                Ok(())
            }
            Type::DataSec(_) | Type::DeclTag(_) => Err(BtfError::UnexpectedKind {
                id,
                expected: "a type that has a C definition",
                found: self.btf.type_or_error(id)?.kind(),
            }),
        }
    }

    /// An anonymous record is written inline wherever it is used, so its
    /// members are needed by value.
    fn order_inline(
        &mut self,
        id: TypeId,
        composite: &StructOrUnion<'btf>,
        depth: usize,
    ) -> Result<(), BtfError> {
        match self.walked_inline.get(&id) {
            Some(Visit::Done) => return Ok(()),
            Some(Visit::InProgress) => {
                return Err(BtfError::MalformedType {
                    id,
                    reason: "an anonymous struct or union contains itself",
                })
            }
            None => {}
        }
        self.walked_inline.insert(id, Visit::InProgress);
        for member in composite.members() {
            self.order(member.type_id, true, depth)?;
        }
        self.walked_inline.insert(id, Visit::Done);
        Ok(())
    }

    /// Emits the top-level definition of `id` after what it needs.
    fn define(&mut self, id: TypeId, depth: usize) -> Result<(), BtfError> {
        if self.visits.contains_key(&id) {
            // Done, or in progress: a cycle only pointers can close, which
            // the forward declarations already satisfy.
            return Ok(());
        }
        self.visits.insert(id, Visit::InProgress);
        match self.btf.type_or_error(id)? {
            Type::Struct(composite) | Type::Union(composite) => {
                for member in composite.members() {
                    self.order(member.type_id, true, depth)?;
                }
            }
            Type::Typedef(typedef) => self.order(typedef.type_id, false, depth)?,
            _ => {}
        }
        self.visits.insert(id, Visit::Done);
        self.definitions.push(id);
        Ok(())
    }

    fn name(&self, id: TypeId) -> &str {
        self.names.get(&id).map_or("", String::as_str)
    }
}
