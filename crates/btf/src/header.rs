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
//! This file must not decide layout (that is `layout.rs`) and does no IO.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use crate::btf::Btf;
use crate::error::BtfError;
use crate::layout::{LayoutPlanner, Padding, RecordPlan};
use crate::types::{EnumType, FunctionPrototype, StructOrUnion, Type, TypeId, TypeKind};

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

/// Names the C compiler predefines: a BTF typedef of one of these is
/// written under `NAME___2` (its layout is the kernel's, not the BPF
/// target's: x86's `__builtin_va_list` is a 24-byte array, BPF's a pointer).
const COMPILER_BUILTIN_NAMES: [&str; 1] = ["__builtin_va_list"];

/// Deepest chain of definitions the ordering walk follows.
const MAXIMUM_ORDER_DEPTH: usize = 512;
/// Deepest inline nesting the writer follows.
const MAXIMUM_INLINE_DEPTH: usize = 128;
/// Most bytes of C one header may hold (vmlinux in full is about 3 MB).
const MAXIMUM_HEADER_BYTES: usize = 256 << 20;

impl Btf {
    /// C definitions of the types `roots` and everything they need (see
    /// the module documentation of `header.rs` in the design note). A
    /// `FUNC` root contributes the types of its prototype; `VAR` roots
    /// their type. The result compiles with `clang -target bpf` together
    /// with libbpf's `bpf_helpers.h`, `bpf_tracing.h` and
    /// `bpf_core_read.h`.
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
        let names = emitter
            .names
            .iter()
            .map(|(id, name)| (*id, name.clone()))
            .collect();
        Ok(CHeader {
            text: emitter.write(options)?,
            names,
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

    /// Gives every named type its C name: its BTF name, or `NAME___N` when
    /// a different type of the same namespace took it first (by id).
    fn assign_names(&mut self) -> Result<(), BtfError> {
        let mut named: BTreeSet<TypeId> = self.declared.clone();
        named.extend(self.definitions.iter().copied());
        let mut tags: BTreeMap<String, TypeId> = BTreeMap::new();
        let mut tag_kinds: BTreeMap<String, TypeKind> = BTreeMap::new();
        let mut ordinary: BTreeMap<String, TypeId> = COMPILER_BUILTIN_NAMES
            .iter()
            .map(|name| (name.to_string(), TypeId(u32::MAX)))
            .collect();
        // Records and enums first, so that a forward declaration reuses the
        // tag of the record it declares.
        let mut forwards = Vec::new();
        for &id in &named {
            let found = self.btf.type_or_error(id)?;
            let name = found.name().to_string();
            let chosen = match found {
                Type::Forward(_) => {
                    forwards.push(id);
                    continue;
                }
                Type::Typedef(_) => unique_name(&mut ordinary, &name, id),
                _ => {
                    let chosen = unique_name(&mut tags, &name, id);
                    tag_kinds.insert(chosen.clone(), record_kind(&found));
                    chosen
                }
            };
            self.names.insert(id, chosen);
        }
        for id in forwards {
            let Type::Forward(forward) = self.btf.type_or_error(id)? else {
                continue;
            };
            let kind = if forward.is_union {
                TypeKind::Union
            } else {
                TypeKind::Struct
            };
            // A forward declaration shares the tag of a record of its kind.
            let chosen = match tag_kinds.get(forward.name) {
                Some(existing) if *existing == kind => forward.name.to_string(),
                _ => {
                    let chosen = unique_name(&mut tags, forward.name, id);
                    tag_kinds.insert(chosen.clone(), kind);
                    chosen
                }
            };
            self.names.insert(id, chosen);
        }
        // Enumerators share the ordinary namespace with typedefs.
        let enums: Vec<TypeId> = self
            .definitions
            .iter()
            .copied()
            .chain(self.walked_inline_enums()?)
            .collect();
        for id in enums {
            let Some(enumeration) = self.btf.type_or_error(id)?.as_enum() else {
                continue;
            };
            for (index, value) in enumeration.values().enumerate() {
                let chosen = unique_name(&mut ordinary, value.name, id);
                self.enumerator_names.insert((id, index), chosen);
            }
        }
        Ok(())
    }

    /// Anonymous enums reached inline, in id order.
    fn walked_inline_enums(&self) -> Result<Vec<TypeId>, BtfError> {
        // Anonymous enums are not walked as records; find them through the
        // members of every record and typedef that will be written.
        let mut found = BTreeSet::new();
        let mut stack: Vec<TypeId> = self
            .definitions
            .iter()
            .chain(self.walked_inline.keys())
            .copied()
            .collect();
        let mut seen = BTreeSet::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let found_type = self.btf.type_or_error(id)?;
            match found_type {
                Type::Enum(enumeration) | Type::Enum64(enumeration)
                    if enumeration.name.is_empty() =>
                {
                    found.insert(id);
                }
                Type::Struct(composite) | Type::Union(composite) => {
                    for member in composite.members() {
                        self.push_inline_parts(member.type_id, &mut stack)?;
                    }
                }
                Type::Typedef(typedef) => self.push_inline_parts(typedef.type_id, &mut stack)?,
                _ => {}
            }
        }
        Ok(found.into_iter().collect())
    }

    /// Pushes the anonymous types written inline as part of `id`.
    fn push_inline_parts(&self, id: TypeId, stack: &mut Vec<TypeId>) -> Result<(), BtfError> {
        let mut current = id;
        for _ in 0..MAXIMUM_INLINE_DEPTH {
            match self.btf.type_or_error(current)? {
                Type::Pointer(target)
                | Type::Const(target)
                | Type::Volatile(target)
                | Type::Restrict(target) => current = target,
                Type::TypeTag(tag) => current = tag.type_id,
                Type::Array(array) => current = array.element_type,
                Type::Enum(enumeration) | Type::Enum64(enumeration)
                    if enumeration.name.is_empty() =>
                {
                    stack.push(current);
                    return Ok(());
                }
                Type::Struct(composite) | Type::Union(composite) if composite.name.is_empty() => {
                    stack.push(current);
                    return Ok(());
                }
                Type::FuncProto(prototype) => {
                    for parameter in prototype.parameters() {
                        self.push_inline_parts(parameter.type_id, stack)?;
                    }
                    current = prototype.return_type;
                }
                _ => return Ok(()),
            }
        }
        Err(BtfError::ReferenceChainTooLong { id })
    }

    fn name(&self, id: TypeId) -> &str {
        self.names.get(&id).map_or("", String::as_str)
    }

    fn write(mut self, options: &HeaderOptions) -> Result<String, BtfError> {
        let mut out = String::new();
        out.push_str(
            "/* Kernel types for a BPF program, emitted from BTF by KernelScript.\n \
             * Only the types the program uses and what they need. */\n\n",
        );
        if let Some(guard) = &options.include_guard {
            let _ = write!(out, "#ifndef {guard}\n#define {guard}\n\n");
        }
        out.push_str(
            "/* libbpf's bpf_tracing.h reads kernel pt_regs field names when this is set. */\n\
             #ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n#endif\n\n",
        );
        if options.preserve_access_index {
            out.push_str(
                "#if defined(__clang__) && !defined(BPF_NO_PRESERVE_ACCESS_INDEX)\n\
                 #pragma clang attribute push (__attribute__((preserve_access_index)), \
                 apply_to = record)\n#endif\n\n",
            );
        }
        let mut forwards: Vec<(String, &str)> = Vec::new();
        for &id in &self.declared {
            let keyword = match self.btf.type_or_error(id)? {
                Type::Union(_) => "union",
                Type::Forward(forward) if forward.is_union => "union",
                _ => "struct",
            };
            forwards.push((self.name(id).to_string(), keyword));
        }
        forwards.sort();
        forwards.dedup();
        for (name, keyword) in &forwards {
            let _ = writeln!(out, "{keyword} {name};");
        }
        if !forwards.is_empty() {
            out.push('\n');
        }
        self.text = out;
        for id in self.definitions.clone() {
            self.write_definition(id)?;
            if self.text.len() > MAXIMUM_HEADER_BYTES {
                return Err(BtfError::QueryTooLarge { id });
            }
        }
        if options.preserve_access_index {
            self.text.push_str(
                "#if defined(__clang__) && !defined(BPF_NO_PRESERVE_ACCESS_INDEX)\n\
                 #pragma clang attribute pop\n#endif\n\n",
            );
        }
        if let Some(guard) = &options.include_guard {
            let _ = writeln!(self.text, "#endif /* {guard} */");
        }
        Ok(self.text)
    }

    fn write_definition(&mut self, id: TypeId) -> Result<(), BtfError> {
        let text = match self.btf.type_or_error(id)? {
            Type::Struct(composite) => {
                format!("{};\n\n", self.record("struct", id, &composite, 0, 0)?)
            }
            Type::Union(composite) => {
                format!("{};\n\n", self.record("union", id, &composite, 0, 0)?)
            }
            Type::Enum(enumeration) | Type::Enum64(enumeration) => {
                if enumeration.name.is_empty() && self.written_anonymous_enums.contains(&id) {
                    // Already written inline: its constants exist.
                    return Ok(());
                }
                format!("{};\n\n", self.enumeration(id, &enumeration, 0)?)
            }
            Type::Typedef(typedef) => {
                let name = self.name(id).to_string();
                let declaration = self.declaration(typedef.type_id, name, 0, 0)?;
                format!("typedef {declaration};\n\n")
            }
            _ => return Ok(()),
        };
        self.text.push_str(&text);
        Ok(())
    }

    /// `struct NAME { ... } __attribute__((packed))` (the name omitted for
    /// anonymous records), members indented one level below `indent`.
    fn record(
        &mut self,
        keyword: &str,
        id: TypeId,
        composite: &StructOrUnion<'btf>,
        indent: usize,
        depth: usize,
    ) -> Result<String, BtfError> {
        if depth > MAXIMUM_INLINE_DEPTH {
            return Err(BtfError::ReferenceChainTooLong { id });
        }
        let plan: RecordPlan = self.layout.plan(id)?.clone();
        let inner = "\t".repeat(indent + 1);
        let mut text = String::from(keyword);
        if !composite.name.is_empty() {
            text.push(' ');
            text.push_str(self.name(id));
        }
        text.push_str(" {\n");
        for (member, member_plan) in composite.members().zip(&plan.members) {
            write_padding(&mut text, &inner, &member_plan.padding_before);
            let declaration = self.declaration(
                member.type_id,
                member.name.to_string(),
                indent + 1,
                depth + 1,
            )?;
            text.push_str(&inner);
            text.push_str(&declaration);
            if let Some(width) = member_plan.bitfield_width {
                let _ = write!(text, ": {width}");
            }
            text.push_str(";\n");
        }
        write_padding(&mut text, &inner, &plan.padding_after);
        if let Some(size) = plan.union_size_member {
            let _ = writeln!(text, "{inner}unsigned char __ks_union_size[{size}];");
        }
        text.push_str(&"\t".repeat(indent));
        text.push('}');
        if plan.packed {
            text.push_str(" __attribute__((packed))");
        }
        if let Some(alignment) = plan.aligned {
            let _ = write!(text, " __attribute__((aligned({alignment})))");
        }
        Ok(text)
    }

    /// `enum NAME { A = 1, ... }`, with a `mode` attribute when its size is
    /// not an int's.
    fn enumeration(
        &mut self,
        id: TypeId,
        enumeration: &EnumType<'btf>,
        indent: usize,
    ) -> Result<String, BtfError> {
        if enumeration.name.is_empty()
            && (enumeration.value_count() == 0 || !self.written_anonymous_enums.insert(id))
        {
            return Ok(integer_of_size(enumeration.byte_size, enumeration.is_signed).to_string());
        }
        if enumeration.value_count() == 0 {
            // pahole's record of a declared-only enum: C cannot define an
            // empty enum, but can declare one.
            return Ok(format!("enum {}", self.name(id)));
        }
        let inner = "\t".repeat(indent + 1);
        let mut text = String::from("enum");
        if !enumeration.name.is_empty() {
            text.push(' ');
            text.push_str(self.name(id));
        }
        text.push_str(" {\n");
        for (index, value) in enumeration.values().enumerate() {
            let name = self
                .enumerator_names
                .get(&(id, index))
                .map_or(value.name, String::as_str);
            let suffix = if value.value > i128::from(i64::MAX) {
                "ULL"
            } else {
                ""
            };
            let _ = writeln!(text, "{inner}{name} = {}{suffix},", value.value);
        }
        text.push_str(&"\t".repeat(indent));
        text.push('}');
        match enumeration.byte_size {
            1 => text.push_str(" __attribute__((mode(QI)))"),
            2 => text.push_str(" __attribute__((mode(HI)))"),
            8 => text.push_str(" __attribute__((mode(DI)))"),
            _ => {}
        }
        Ok(text)
    }

    /// The C declaration of `declarator` with type `id`, anonymous records
    /// and enums written inline at `indent`. Parameter names are left out
    /// of function types (a parameter named like a typedef would hide it).
    fn declaration(
        &mut self,
        id: TypeId,
        declarator: String,
        indent: usize,
        depth: usize,
    ) -> Result<String, BtfError> {
        if depth > MAXIMUM_INLINE_DEPTH {
            return Err(BtfError::ReferenceChainTooLong { id });
        }
        let depth = depth + 1;
        let base = match self.btf.type_or_error(id)? {
            Type::Void => "void".to_string(),
            Type::Int(int) => int.name.to_string(),
            Type::Float(float) => float.name.to_string(),
            Type::Typedef(_) => self.name(id).to_string(),
            Type::Forward(forward) => {
                let keyword = if forward.is_union { "union" } else { "struct" };
                format!("{keyword} {}", self.name(id))
            }
            Type::Struct(composite) | Type::Union(composite) => {
                let keyword = if self.btf.kind_of(id) == Some(TypeKind::Union) {
                    "union"
                } else {
                    "struct"
                };
                if composite.name.is_empty() {
                    self.record(keyword, id, &composite, indent, depth)?
                } else {
                    format!("{keyword} {}", self.name(id))
                }
            }
            Type::Enum(enumeration) | Type::Enum64(enumeration) => {
                if enumeration.name.is_empty() {
                    self.enumeration(id, &enumeration, indent)?
                } else {
                    format!("enum {}", self.name(id))
                }
            }
            Type::Pointer(target) => {
                return self.declaration(target, format!("*{declarator}"), indent, depth)
            }
            Type::Const(target) => {
                return self.qualified("const", target, declarator, indent, depth)
            }
            Type::Volatile(target) => {
                return self.qualified("volatile", target, declarator, indent, depth)
            }
            Type::Restrict(target) => {
                return self.qualified("restrict", target, declarator, indent, depth)
            }
            Type::TypeTag(tag) => return self.declaration(tag.type_id, declarator, indent, depth),
            Type::Array(array) => {
                let declarator = format!(
                    "{}[{}]",
                    parenthesize_pointer(declarator),
                    array.element_count
                );
                return self.declaration(array.element_type, declarator, indent, depth);
            }
            Type::FuncProto(prototype) => {
                let parameters = self.parameters(&prototype, indent, depth)?;
                let declarator = format!("{}({parameters})", parenthesize_pointer(declarator));
                return self.declaration(prototype.return_type, declarator, indent, depth);
            }
            Type::Func(function) => {
                return self.declaration(function.prototype, declarator, indent, depth)
            }
            Type::Var(variable) => {
                return self.declaration(variable.type_id, declarator, indent, depth)
            }
            found @ (Type::DataSec(_) | Type::DeclTag(_)) => {
                return Err(BtfError::UnexpectedKind {
                    id,
                    expected: "a type that has a C spelling",
                    found: found.kind(),
                })
            }
        };
        Ok(if declarator.is_empty() {
            base
        } else if declarator.starts_with('[') {
            format!("{base}{declarator}")
        } else {
            format!("{base} {declarator}")
        })
    }

    /// Qualifiers follow a pointer's `*` (`char *const p`) and lead
    /// anything else (`const char *p`).
    fn qualified(
        &mut self,
        keyword: &str,
        target: TypeId,
        declarator: String,
        indent: usize,
        depth: usize,
    ) -> Result<String, BtfError> {
        let mut current = target;
        for _ in 0..MAXIMUM_INLINE_DEPTH {
            match self.btf.type_or_error(current)? {
                Type::TypeTag(tag) => current = tag.type_id,
                Type::Pointer(_) => {
                    let declarator = if declarator.is_empty() {
                        keyword.to_string()
                    } else {
                        format!("{keyword} {declarator}")
                    };
                    return self.declaration(target, declarator, indent, depth);
                }
                _ => {
                    // `const` on an array of `const char` (BTF has both)
                    // must not be written twice.
                    let inner = self.declaration(target, declarator, indent, depth)?;
                    if inner.starts_with(keyword) && inner[keyword.len()..].starts_with(' ') {
                        return Ok(inner);
                    }
                    return Ok(format!("{keyword} {inner}"));
                }
            }
        }
        Err(BtfError::ReferenceChainTooLong { id: target })
    }

    fn parameters(
        &mut self,
        prototype: &FunctionPrototype<'btf>,
        indent: usize,
        depth: usize,
    ) -> Result<String, BtfError> {
        let mut parts = Vec::with_capacity(prototype.parameter_count() + 1);
        for parameter in prototype.parameters() {
            parts.push(self.declaration(parameter.type_id, String::new(), indent, depth)?);
        }
        if prototype.is_variadic {
            parts.push("...".to_string());
        }
        Ok(if parts.is_empty() {
            "void".to_string()
        } else {
            parts.join(", ")
        })
    }
}

/// The C integer type of an enum's size, for a second use of an anonymous
/// enum.
fn integer_of_size(byte_size: u32, is_signed: bool) -> &'static str {
    match (byte_size, is_signed) {
        (1, false) => "unsigned char",
        (1, true) => "signed char",
        (2, false) => "unsigned short",
        (2, true) => "short",
        (8, false) => "unsigned long long",
        (8, true) => "long long",
        (_, false) => "unsigned int",
        (_, true) => "int",
    }
}

fn write_padding(text: &mut String, indent: &str, pieces: &[Padding]) {
    for piece in pieces {
        let _ = writeln!(text, "{indent}{}: {};", piece.type_name, piece.width);
    }
}

fn parenthesize_pointer(declarator: String) -> String {
    if declarator.starts_with('*') {
        format!("({declarator})")
    } else {
        declarator
    }
}

fn record_kind(found: &Type<'_>) -> TypeKind {
    match found {
        Type::Enum64(_) => TypeKind::Enum,
        other => other.kind(),
    }
}

/// `name`, or `name___N` for the smallest N ≥ 2 that no other id took.
fn unique_name(taken: &mut BTreeMap<String, TypeId>, name: &str, id: TypeId) -> String {
    let mut candidate = name.to_string();
    let mut counter = 2;
    while let Some(&owner) = taken.get(&candidate) {
        if owner == id {
            return candidate;
        }
        candidate = format!("{name}___{counter}");
        counter += 1;
    }
    taken.insert(candidate.clone(), id);
    candidate
}
