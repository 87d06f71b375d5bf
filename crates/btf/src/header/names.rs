//! C names for the types a header writes: each named type keeps its BTF
//! name unless a different type of the same C namespace (tags: struct,
//! union, enum; ordinary identifiers: typedefs and enumerators) took it
//! first, in id order; then it becomes `NAME___2`, `NAME___3`, ... which
//! CO-RE matches to `NAME`. Compiler-predefined names are never reused.
//! This file must not write C text.

use std::collections::{BTreeMap, BTreeSet};

use super::{Emitter, MAXIMUM_INLINE_DEPTH};
use crate::error::BtfError;
use crate::types::{Type, TypeId, TypeKind};

/// Names the C compiler predefines: a BTF typedef of one of these is
/// written under `NAME___2` (its layout is the kernel's, not the BPF
/// target's: x86's `__builtin_va_list` is a 24-byte array, BPF's a pointer).
const COMPILER_BUILTIN_NAMES: [&str; 1] = ["__builtin_va_list"];

impl Emitter<'_> {
    /// Gives every named type its C name: its BTF name, or `NAME___N` when
    /// a different type of the same namespace took it first (by id).
    pub(super) fn assign_names(&mut self) -> Result<(), BtfError> {
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
}

/// The tag namespace entry of a record or enum (`ENUM64` is an `enum` in C).
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
