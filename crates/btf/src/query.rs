//! Questions that follow references between types: resolving typedefs and
//! qualifiers, sizes and alignments, struct/union members (including
//! members reached through anonymous nested structs/unions, with the path
//! taken), bitfield layout, enum values and function prototypes. Every
//! loop over references is bounded so that cyclic or absurd (malformed)
//! data yields an error instead of hanging or overflowing the stack. This
//! file must not decode bytes or render C text (that is `c_spelling.rs`).

use crate::btf::Btf;
use crate::error::BtfError;
use crate::types::{EnumValues, FunctionPrototype, Member, Members, Type, TypeId};

/// Most references a single chain may follow (typedef → const → typedef
/// ...). Real kernel chains are a handful long.
pub(crate) const MAXIMUM_REFERENCE_CHAIN: usize = 256;

/// Most nesting levels a recursive query (anonymous members, inline C
/// spelling) may descend.
pub(crate) const MAXIMUM_NESTING_DEPTH: usize = 64;

/// Most types a single recursive query may visit in total; guards against
/// data shaped as an exponentially branching DAG.
pub(crate) const MAXIMUM_VISITS_PER_QUERY: usize = 100_000;

/// Most bytes of text one C spelling may produce (counting every
/// intermediate piece); real inline anonymous types stay far below.
pub(crate) const MAXIMUM_TEXT_BYTES_PER_QUERY: usize = 4 << 20;

/// A countdown of visits (and produced text) for one recursive query.
pub(crate) struct VisitBudget {
    origin: TypeId,
    remaining_visits: usize,
    remaining_text_bytes: usize,
}

impl VisitBudget {
    pub(crate) fn new(origin: TypeId) -> Self {
        VisitBudget {
            origin,
            remaining_visits: MAXIMUM_VISITS_PER_QUERY,
            remaining_text_bytes: MAXIMUM_TEXT_BYTES_PER_QUERY,
        }
    }

    /// Accounts for `length` bytes of produced text.
    pub(crate) fn charge_text(&mut self, length: usize) -> Result<(), BtfError> {
        self.remaining_text_bytes = self
            .remaining_text_bytes
            .checked_sub(length)
            .ok_or(BtfError::QueryTooLarge { id: self.origin })?;
        Ok(())
    }

    /// Accounts for one visit at nesting `depth`; fails when the budget is
    /// spent or the nesting is too deep.
    pub(crate) fn charge(&mut self, depth: usize) -> Result<(), BtfError> {
        if depth > MAXIMUM_NESTING_DEPTH {
            return Err(BtfError::ReferenceChainTooLong { id: self.origin });
        }
        if self.remaining_visits == 0 {
            return Err(BtfError::QueryTooLarge { id: self.origin });
        }
        self.remaining_visits -= 1;
        Ok(())
    }
}

/// A member found by name, possibly inside anonymous structs/unions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundMember<'btf> {
    /// The member record as stored in its immediate container (its
    /// `bit_offset` is relative to that container).
    pub member: Member<'btf>,
    /// Offset from the start of the outer struct or union, in bits.
    pub bit_offset: u32,
    /// Width in bits: the bitfield width for bitfields (either encoding),
    /// otherwise `8 * size_of(member type)` (0 for flexible arrays).
    pub bit_size: u32,
    /// Whether the member is a bitfield (the `kind_flag` encoding, or a
    /// legacy `INT` whose value bits are narrower than its storage).
    pub is_bitfield: bool,
    /// Member indexes from the outer type down to the member: one per
    /// anonymous struct/union crossed, then the member's own index.
    pub path: Vec<u32>,
    /// The anonymous structs/unions crossed, outermost first (their ids as
    /// written in the members, before resolving typedefs).
    pub anonymous_containers: Vec<TypeId>,
}

impl FoundMember<'_> {
    /// The member's byte offset from the start of the outer type (rounded
    /// down for bitfields).
    pub fn byte_offset(&self) -> u32 {
        self.bit_offset / 8
    }
}

impl Btf {
    /// Follows `typedef`, `const`, `volatile`, `restrict` and type tags
    /// until reaching a type that is none of them, and returns its id.
    ///
    /// `resolve` of a `__u32` typedef gives the `unsigned int` INT; of
    /// `const struct sock *` gives the pointer itself (pointers are not
    /// skipped).
    pub fn resolve(&self, id: TypeId) -> Result<TypeId, BtfError> {
        let mut current = id;
        for _ in 0..MAXIMUM_REFERENCE_CHAIN {
            match self.type_or_error(current)? {
                Type::Typedef(typedef) => current = typedef.type_id,
                Type::TypeTag(tag) => current = tag.type_id,
                Type::Const(target) | Type::Volatile(target) | Type::Restrict(target) => {
                    current = target
                }
                _ => return Ok(current),
            }
        }
        Err(BtfError::ReferenceChainTooLong { id })
    }

    /// [`resolve`](Btf::resolve) followed by a lookup of the resolved type.
    pub fn resolved_type(&self, id: TypeId) -> Result<(TypeId, Type<'_>), BtfError> {
        let resolved = self.resolve(id)?;
        Ok((resolved, self.type_or_error(resolved)?))
    }

    /// The size in bytes of a value of type `id`, as `sizeof` in C.
    ///
    /// Follows typedefs, qualifiers, type tags and variables; pointers have
    /// [`pointer_size`](Btf::pointer_size); arrays multiply. Void,
    /// functions, prototypes, forward declarations and declaration tags
    /// have no size and give [`BtfError::TypeHasNoSize`].
    pub fn size_of(&self, id: TypeId) -> Result<u32, BtfError> {
        let mut current = id;
        let mut element_multiplier: u32 = 1;
        for _ in 0..MAXIMUM_REFERENCE_CHAIN {
            let found = self.type_or_error(current)?;
            let element_size = match found {
                Type::Int(int) => int.byte_size,
                Type::Float(float) => float.byte_size,
                Type::Enum(enumeration) | Type::Enum64(enumeration) => enumeration.byte_size,
                Type::Struct(composite) | Type::Union(composite) => composite.byte_size,
                Type::DataSec(section) => section.byte_size,
                Type::Pointer(_) => self.pointer_size(),
                Type::Typedef(typedef) => {
                    current = typedef.type_id;
                    continue;
                }
                Type::Var(variable) => {
                    current = variable.type_id;
                    continue;
                }
                Type::TypeTag(tag) => {
                    current = tag.type_id;
                    continue;
                }
                Type::Const(target) | Type::Volatile(target) | Type::Restrict(target) => {
                    current = target;
                    continue;
                }
                Type::Array(array) => {
                    element_multiplier = element_multiplier
                        .checked_mul(array.element_count)
                        .ok_or(BtfError::SizeOverflow { id })?;
                    current = array.element_type;
                    continue;
                }
                Type::Void
                | Type::Forward(_)
                | Type::Func(_)
                | Type::FuncProto(_)
                | Type::DeclTag(_) => {
                    return Err(BtfError::TypeHasNoSize {
                        id: current,
                        kind: found.kind(),
                    })
                }
            };
            return element_size
                .checked_mul(element_multiplier)
                .ok_or(BtfError::SizeOverflow { id });
        }
        Err(BtfError::ReferenceChainTooLong { id })
    }

    /// The natural alignment in bytes of type `id` as a C compiler for the
    /// kernel's ABI (x86-64, arm64, BPF, ...) lays it out: scalars align to
    /// their size (at most 16), arrays to their element, structs and
    /// unions to their most aligned member. It cannot see
    /// `__attribute__((packed))` or `aligned(N)`, which BTF does not
    /// record; the header emitter infers those from offsets.
    pub fn natural_alignment(&self, id: TypeId) -> Result<u32, BtfError> {
        let mut budget = VisitBudget::new(id);
        self.alignment_below(id, 0, &mut budget)
    }

    fn alignment_below(
        &self,
        id: TypeId,
        depth: usize,
        budget: &mut VisitBudget,
    ) -> Result<u32, BtfError> {
        budget.charge(depth)?;
        let (resolved, found) = self.resolved_type(id)?;
        Ok(match found {
            Type::Int(int) => int.byte_size.clamp(1, 16),
            Type::Float(float) => float.byte_size.clamp(1, 16),
            Type::Enum(enumeration) | Type::Enum64(enumeration) => {
                enumeration.byte_size.clamp(1, 8)
            }
            Type::Pointer(_) => self.pointer_size(),
            Type::Array(array) => self.alignment_below(array.element_type, depth + 1, budget)?,
            Type::Struct(composite) | Type::Union(composite) => {
                let mut alignment = 1;
                for member in composite.members() {
                    let member_alignment =
                        self.alignment_below(member.type_id, depth + 1, budget)?;
                    alignment = alignment.max(member_alignment);
                }
                alignment
            }
            Type::Var(variable) => self.alignment_below(variable.type_id, depth + 1, budget)?,
            other => {
                return Err(BtfError::TypeHasNoSize {
                    id: resolved,
                    kind: other.kind(),
                })
            }
        })
    }

    /// The direct members of the struct or union `id` (after
    /// [`resolve`](Btf::resolve)), in declaration order. Anonymous nested
    /// structs/unions appear as members with an empty name; use
    /// [`find_member`](Btf::find_member) to look through them.
    pub fn members(&self, id: TypeId) -> Result<Members<'_>, BtfError> {
        let (resolved, found) = self.resolved_type(id)?;
        match found.as_struct_or_union() {
            Some(composite) => Ok(composite.members()),
            None => Err(BtfError::UnexpectedKind {
                id: resolved,
                expected: "STRUCT or UNION",
                found: found.kind(),
            }),
        }
    }

    /// The member called `name` of struct or union `id`, looking through
    /// anonymous nested structs/unions as C does. The returned member's
    /// `bit_offset` is relative to the start of `id` (offsets of the
    /// enclosing anonymous members are added). `Ok(None)` if there is no
    /// such member. [`find_member_path`](Btf::find_member_path) also tells
    /// the path and the bitfield layout.
    pub fn find_member(&self, id: TypeId, name: &str) -> Result<Option<Member<'_>>, BtfError> {
        Ok(self.find_member_path(id, name)?.map(|found| Member {
            bit_offset: found.bit_offset,
            ..found.member
        }))
    }

    /// Like [`find_member`](Btf::find_member), with the path through
    /// anonymous members, the absolute bit offset and the bitfield layout.
    pub fn find_member_path(
        &self,
        id: TypeId,
        name: &str,
    ) -> Result<Option<FoundMember<'_>>, BtfError> {
        if name.is_empty() {
            return Ok(None);
        }
        let mut found = None;
        let mut budget = VisitBudget::new(id);
        self.walk_members(id, &mut budget, &mut |candidate| {
            if candidate.member.name == name {
                found = Some(candidate);
                return false;
            }
            true
        })?;
        found.map(|found| self.with_layout(found)).transpose()
    }

    /// Every named member of struct or union `id`, with members of
    /// anonymous nested structs/unions flattened in (as C sees them), in
    /// declaration order.
    pub fn flattened_members(&self, id: TypeId) -> Result<Vec<FoundMember<'_>>, BtfError> {
        let mut all = Vec::new();
        let mut budget = VisitBudget::new(id);
        self.walk_members(id, &mut budget, &mut |candidate| {
            all.push(candidate);
            true
        })?;
        all.into_iter()
            .map(|found| self.with_layout(found))
            .collect()
    }

    /// Calls `visit` with each named member reachable from `id` without
    /// crossing a named member, depth first in declaration order, until it
    /// returns `false`. Layout fields are filled in later.
    fn walk_members<'btf>(
        &'btf self,
        id: TypeId,
        budget: &mut VisitBudget,
        visit: &mut dyn FnMut(FoundMember<'btf>) -> bool,
    ) -> Result<bool, BtfError> {
        let mut path = Vec::new();
        let mut containers = Vec::new();
        self.walk_members_below(id, 0, &mut path, &mut containers, 0, budget, visit)
    }

    fn walk_members_below<'btf>(
        &'btf self,
        composite_id: TypeId,
        base_bit_offset: u32,
        path: &mut Vec<u32>,
        containers: &mut Vec<TypeId>,
        depth: usize,
        budget: &mut VisitBudget,
        visit: &mut dyn FnMut(FoundMember<'btf>) -> bool,
    ) -> Result<bool, BtfError> {
        budget.charge(depth)?;
        for (index, member) in self.members(composite_id)?.enumerate() {
            budget.charge(depth)?;
            let bit_offset = base_bit_offset.saturating_add(member.bit_offset);
            path.push(index as u32);
            let keep_going = if member.name.is_empty() {
                let (_, found) = self.resolved_type(member.type_id)?;
                if found.as_struct_or_union().is_some() {
                    containers.push(member.type_id);
                    let keep_going = self.walk_members_below(
                        member.type_id,
                        bit_offset,
                        path,
                        containers,
                        depth + 1,
                        budget,
                        visit,
                    )?;
                    containers.pop();
                    keep_going
                } else {
                    true
                }
            } else {
                visit(FoundMember {
                    member,
                    bit_offset,
                    bit_size: 0,
                    is_bitfield: false,
                    path: path.clone(),
                    anonymous_containers: containers.clone(),
                })
            };
            path.pop();
            if !keep_going {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Fills in `bit_size` and `is_bitfield`, understanding both bitfield
    /// encodings (the struct's `kind_flag`, or a narrow legacy `INT`).
    fn with_layout<'btf>(
        &'btf self,
        mut found: FoundMember<'btf>,
    ) -> Result<FoundMember<'btf>, BtfError> {
        if found.member.is_bitfield() {
            found.is_bitfield = true;
            found.bit_size = found.member.bitfield_size;
            return Ok(found);
        }
        let (_, resolved) = self.resolved_type(found.member.type_id)?;
        if let Type::Int(int) = resolved {
            let storage_bits = int.byte_size.saturating_mul(8);
            if u32::from(int.bit_count) < storage_bits || int.bit_offset != 0 {
                found.is_bitfield = true;
                found.bit_size = u32::from(int.bit_count);
                found.bit_offset = found.bit_offset.saturating_add(u32::from(int.bit_offset));
                return Ok(found);
            }
        }
        found.bit_size = match self.size_of(found.member.type_id) {
            Ok(size) => size.saturating_mul(8),
            Err(BtfError::TypeHasNoSize { .. }) => 0,
            Err(error) => return Err(error),
        };
        Ok(found)
    }

    /// The enumerators of the `ENUM` or `ENUM64` `id` (after
    /// [`resolve`](Btf::resolve)).
    pub fn enum_values(&self, id: TypeId) -> Result<EnumValues<'_>, BtfError> {
        let (resolved, found) = self.resolved_type(id)?;
        match found.as_enum() {
            Some(enumeration) => Ok(enumeration.values()),
            None => Err(BtfError::UnexpectedKind {
                id: resolved,
                expected: "ENUM or ENUM64",
                found: found.kind(),
            }),
        }
    }

    /// The prototype (parameters and return type) of a function-like type.
    ///
    /// Accepts a `FUNC` (the kernel's functions and kfuncs), a
    /// `FUNC_PROTO`, or a pointer to a `FUNC_PROTO` (function-pointer
    /// members such as `tcp_congestion_ops::ssthresh`, or the
    /// `btf_trace_<event>` typedefs), each possibly behind typedefs and
    /// qualifiers.
    pub fn function_prototype(&self, id: TypeId) -> Result<FunctionPrototype<'_>, BtfError> {
        let (resolved, found) = self.resolved_type(id)?;
        let prototype_id = match found {
            Type::FuncProto(prototype) => return Ok(prototype),
            Type::Func(function) => function.prototype,
            Type::Pointer(target) => target,
            other => {
                return Err(BtfError::UnexpectedKind {
                    id: resolved,
                    expected: "FUNC, FUNC_PROTO or pointer to FUNC_PROTO",
                    found: other.kind(),
                })
            }
        };
        let (resolved_prototype, found_prototype) = self.resolved_type(prototype_id)?;
        match found_prototype {
            Type::FuncProto(prototype) => Ok(prototype),
            other => Err(BtfError::UnexpectedKind {
                id: resolved_prototype,
                expected: "FUNC_PROTO",
                found: other.kind(),
            }),
        }
    }

    /// Whether `id` is a pointer (after resolving typedefs and qualifiers)
    /// to a function prototype: a function-pointer member or typedef.
    pub fn is_function_pointer(&self, id: TypeId) -> bool {
        match self.resolved_type(id) {
            Ok((_, Type::Pointer(target))) => {
                matches!(self.resolved_type(target), Ok((_, Type::FuncProto(_))))
            }
            _ => false,
        }
    }
}
