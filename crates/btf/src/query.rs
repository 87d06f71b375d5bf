//! Questions that follow references between types: resolving typedefs and
//! qualifiers, sizes, struct/union members (including members reached
//! through anonymous nested structs/unions), enum values and function
//! prototypes. Every loop over references is bounded so that cyclic or
//! absurd (malformed) data yields an error instead of hanging or
//! overflowing the stack. This file must not decode bytes or render C text
//! (that is `c_spelling.rs`).

use crate::btf::Btf;
use crate::error::BtfError;
use crate::types::{EnumValue, FunctionPrototype, Member, Type, TypeId};

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
                    current = *target
                }
                _ => return Ok(current),
            }
        }
        Err(BtfError::ReferenceChainTooLong { id })
    }

    /// [`resolve`](Btf::resolve) followed by a lookup of the resolved type.
    pub(crate) fn resolved_type(&self, id: TypeId) -> Result<(TypeId, &Type), BtfError> {
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
                    current = *target;
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

    /// The direct members of the struct or union `id` (after
    /// [`resolve`](Btf::resolve)), in declaration order. Anonymous nested
    /// structs/unions appear as members with an empty name; use
    /// [`find_member`](Btf::find_member) to look through them.
    pub fn members(&self, id: TypeId) -> Result<&[Member], BtfError> {
        let (resolved, found) = self.resolved_type(id)?;
        match found.as_struct_or_union() {
            Some(composite) => Ok(&composite.members),
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
    /// such member.
    pub fn find_member(&self, id: TypeId, name: &str) -> Result<Option<Member>, BtfError> {
        let mut budget = VisitBudget::new(id);
        self.find_member_below(id, name, 0, 0, &mut budget)
    }

    fn find_member_below(
        &self,
        composite_id: TypeId,
        name: &str,
        base_bit_offset: u32,
        depth: usize,
        budget: &mut VisitBudget,
    ) -> Result<Option<Member>, BtfError> {
        budget.charge(depth)?;
        for member in self.members(composite_id)? {
            budget.charge(depth)?;
            let bit_offset = base_bit_offset.saturating_add(member.bit_offset);
            if member.name == name {
                return Ok(Some(Member {
                    bit_offset,
                    ..member.clone()
                }));
            }
            if member.name.is_empty() {
                let (resolved, found) = self.resolved_type(member.type_id)?;
                if found.as_struct_or_union().is_some() {
                    let nested =
                        self.find_member_below(resolved, name, bit_offset, depth + 1, budget)?;
                    if nested.is_some() {
                        return Ok(nested);
                    }
                }
            }
        }
        Ok(None)
    }

    /// The enumerators of the `ENUM` or `ENUM64` `id` (after
    /// [`resolve`](Btf::resolve)).
    pub fn enum_values(&self, id: TypeId) -> Result<&[EnumValue], BtfError> {
        let (resolved, found) = self.resolved_type(id)?;
        match found.as_enum() {
            Some(enumeration) => Ok(&enumeration.values),
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
    /// members such as `tcp_congestion_ops::ssthresh`), each possibly behind
    /// typedefs and qualifiers.
    pub fn function_prototype(&self, id: TypeId) -> Result<&FunctionPrototype, BtfError> {
        let (resolved, found) = self.resolved_type(id)?;
        let prototype_id = match found {
            Type::FuncProto(prototype) => return Ok(prototype),
            Type::Func(function) => function.prototype,
            Type::Pointer(target) => *target,
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
}
