//! How a struct or union must be written in C so that a compiler for the
//! kernel's ABI (System V: x86-64, arm64, BPF) lays it out exactly as BTF
//! records it. BTF keeps offsets and sizes but not `__packed` or
//! `__aligned(N)`, so this file simulates the compiler: it walks the
//! members in order, decides whether the record must be `packed`, and
//! lists the explicit padding (unnamed bitfields) that puts each member at
//! its recorded bit offset and the record at its recorded size. It must not
//! produce C text beyond the padding pieces; `header/` writes the rest.

use std::collections::HashMap;

use crate::btf::Btf;
use crate::error::BtfError;
use crate::types::{Type, TypeId};

/// One unnamed bitfield of padding: `TYPE : width;`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Padding {
    /// `"char"` or `"long"`.
    pub(crate) type_name: &'static str,
    /// Width in bits (1..=8 for `char`, 64 for `long`).
    pub(crate) width: u32,
}

/// Where one member goes and what precedes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MemberPlan {
    /// Padding to emit before the member.
    pub(crate) padding_before: Vec<Padding>,
    /// The bitfield width to declare (`: width`), if the member is one.
    pub(crate) bitfield_width: Option<u32>,
}

/// How to write one struct or union.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RecordPlan {
    /// Whether to add `__attribute__((packed))`.
    pub(crate) packed: bool,
    /// `__attribute__((aligned(N)))` for a union whose size only its
    /// alignment explains.
    pub(crate) aligned: Option<u32>,
    /// One entry per BTF member, in order.
    pub(crate) members: Vec<MemberPlan>,
    /// Padding after the last member (structs only).
    pub(crate) padding_after: Vec<Padding>,
    /// For a union larger than its members and its alignment explain: the
    /// size of a named `unsigned char` array member that makes it so (an
    /// unnamed bitfield cannot be wider than 64 bits).
    pub(crate) union_size_member: Option<u32>,
    /// The record's alignment as written (1 when packed).
    pub(crate) alignment: u32,
}

/// A member's placement as BTF records it.
struct Placement {
    type_id: TypeId,
    /// Absolute bit offset in the record.
    bit_offset: u32,
    /// Bitfield width, if a bitfield (either encoding).
    bitfield_width: Option<u32>,
}

/// Decides, and remembers, the plans of records; alignments of records
/// depend on the plans of the records they contain.
pub(crate) struct LayoutPlanner<'btf> {
    btf: &'btf Btf,
    plans: HashMap<TypeId, RecordPlan>,
    depth: usize,
}

/// Deepest nesting of records by value the planner follows.
const MAXIMUM_RECORD_NESTING: usize = 256;

fn round_up(value: u64, multiple: u64) -> u64 {
    if multiple == 0 {
        return value;
    }
    value.div_ceil(multiple) * multiple
}

/// Unnamed bitfields covering bits `from..to`: `char` pieces up to a byte
/// boundary, whole `char`s up to an 8-byte boundary, `long : 64` runs, then
/// the remaining `char`s. Each piece fits its storage unit exactly, so a
/// compiler places it at the current offset, packed or not.
pub(crate) fn padding_between(from: u64, to: u64) -> Vec<Padding> {
    let mut pieces = Vec::new();
    let mut current = from;
    if !current.is_multiple_of(8) && current < to {
        let width = (8 - current % 8).min(to - current);
        pieces.push(Padding {
            type_name: "char",
            width: width as u32,
        });
        current += width;
    }
    while current < to {
        let width = if current.is_multiple_of(64) && to - current >= 64 {
            64
        } else {
            (to - current).min(8)
        };
        pieces.push(Padding {
            type_name: if width == 64 { "long" } else { "char" },
            width: width as u32,
        });
        current += width;
    }
    pieces
}

impl<'btf> LayoutPlanner<'btf> {
    pub(crate) fn new(btf: &'btf Btf) -> Self {
        LayoutPlanner {
            btf,
            plans: HashMap::new(),
            depth: 0,
        }
    }

    /// The alignment of `id` as the emitted header makes it: natural
    /// alignment for scalars and pointers, the element's for arrays, the
    /// planned alignment for records.
    pub(crate) fn alignment(&mut self, id: TypeId) -> Result<u32, BtfError> {
        let (resolved, found) = self.btf.resolved_type(id)?;
        match found {
            Type::Struct(_) | Type::Union(_) => Ok(self.plan(resolved)?.alignment),
            Type::Array(array) => self.alignment(array.element_type),
            Type::Var(variable) => self.alignment(variable.type_id),
            _ => self.btf.natural_alignment(resolved),
        }
    }

    /// The plan of struct or union `id` (computed once).
    pub(crate) fn plan(&mut self, id: TypeId) -> Result<&RecordPlan, BtfError> {
        if !self.plans.contains_key(&id) {
            if self.depth > MAXIMUM_RECORD_NESTING {
                return Err(BtfError::ReferenceChainTooLong { id });
            }
            self.depth += 1;
            let plan = self.compute(id);
            self.depth -= 1;
            self.plans.insert(id, plan?);
        }
        Ok(&self.plans[&id])
    }

    fn placements(&self, id: TypeId) -> Result<(bool, u32, Vec<Placement>), BtfError> {
        let found = self.btf.type_or_error(id)?;
        let (is_union, composite) = match found {
            Type::Struct(composite) => (false, composite),
            Type::Union(composite) => (true, composite),
            other => {
                return Err(BtfError::UnexpectedKind {
                    id,
                    expected: "STRUCT or UNION",
                    found: other.kind(),
                })
            }
        };
        let mut placements = Vec::with_capacity(composite.member_count());
        for member in composite.members() {
            let mut placement = Placement {
                type_id: member.type_id,
                bit_offset: member.bit_offset,
                bitfield_width: member.is_bitfield().then_some(member.bitfield_size),
            };
            if !member.is_bitfield() {
                // The legacy encoding: a narrow INT.
                if let (_, Type::Int(int)) = self.btf.resolved_type(member.type_id)? {
                    let storage = int.byte_size.saturating_mul(8);
                    if u32::from(int.bit_count) < storage || int.bit_offset != 0 {
                        placement.bitfield_width = Some(u32::from(int.bit_count));
                        placement.bit_offset = placement
                            .bit_offset
                            .saturating_add(u32::from(int.bit_offset));
                    }
                }
            }
            placements.push(placement);
        }
        Ok((is_union, composite.byte_size, placements))
    }

    fn compute(&mut self, id: TypeId) -> Result<RecordPlan, BtfError> {
        let (is_union, byte_size, placements) = self.placements(id)?;
        // Sizes and alignments of the members as emitted.
        let mut members = Vec::with_capacity(placements.len());
        for placement in &placements {
            let size = match self.btf.size_of(placement.type_id) {
                Ok(size) => u64::from(size),
                Err(BtfError::TypeHasNoSize { .. }) => 0,
                Err(error) => return Err(error),
            };
            let alignment = u64::from(self.alignment(placement.type_id).unwrap_or(1).max(1));
            members.push((size, alignment));
        }
        if is_union {
            return Ok(self.union_plan(byte_size, &placements, &members));
        }
        if let Some(plan) = struct_plan(byte_size, &placements, &members, false) {
            return Ok(plan);
        }
        struct_plan(byte_size, &placements, &members, true).ok_or(BtfError::MalformedType {
            id,
            reason: "members overlap or lie past the end of the struct",
        })
    }

    fn union_plan(
        &self,
        byte_size: u32,
        placements: &[Placement],
        members: &[(u64, u64)],
    ) -> RecordPlan {
        let plans = placements
            .iter()
            .map(|placement| MemberPlan {
                padding_before: Vec::new(),
                bitfield_width: placement.bitfield_width,
            })
            .collect();
        let largest = placements
            .iter()
            .zip(members)
            .map(|(placement, (size, _))| {
                let bits = placement.bitfield_width.map_or(size * 8, u64::from);
                u64::from(placement.bit_offset) + bits
            })
            .max()
            .unwrap_or(0);
        let alignment = members
            .iter()
            .map(|(_, alignment)| *alignment)
            .max()
            .unwrap_or(1);
        let size_bits = u64::from(byte_size) * 8;
        let natural = round_up(largest, alignment * 8);
        let mut plan = RecordPlan {
            packed: false,
            aligned: None,
            members: plans,
            padding_after: Vec::new(),
            union_size_member: None,
            alignment: alignment as u32,
        };
        if natural > size_bits {
            // Only packing makes it this small.
            plan.packed = true;
            plan.alignment = 1;
            if largest < size_bits {
                plan.union_size_member = Some(byte_size);
            }
        } else if natural < size_bits {
            // A larger alignment (a cacheline-aligned union) explains the
            // size, or else a member as large as the union does.
            let explaining = (0..=12)
                .map(|shift| 1u64 << shift)
                .filter(|candidate| *candidate > alignment)
                .find(|candidate| round_up(largest, candidate * 8) == size_bits);
            match explaining {
                Some(candidate) => {
                    plan.aligned = Some(candidate as u32);
                    plan.alignment = candidate as u32;
                }
                None => plan.union_size_member = Some(byte_size),
            }
        }
        plan
    }
}

/// Plans a struct as packed or not; `None` when that choice cannot
/// reproduce the recorded layout. Padding is written only where the
/// compiler would not place the next member (or end the struct) at the
/// recorded offset on its own.
fn struct_plan(
    byte_size: u32,
    placements: &[Placement],
    members: &[(u64, u64)],
    packed: bool,
) -> Option<RecordPlan> {
    let mut current: u64 = 0;
    let mut record_alignment: u64 = 1;
    let mut plans = Vec::with_capacity(placements.len());
    for (placement, &(size, alignment)) in placements.iter().zip(members) {
        let target = u64::from(placement.bit_offset);
        // A zero-size member (flexible array, empty struct) may sit at the
        // offset where the previous member ends, or inside it.
        if target < current && !(size == 0 && placement.bitfield_width.is_none()) {
            return None;
        }
        let (natural, end) = match placement.bitfield_width {
            Some(width) => {
                let width = u64::from(width);
                let unit = size * 8;
                if packed {
                    (current, target + width)
                } else {
                    // A bitfield may not straddle a unit of its type.
                    let straddles = |offset: u64| offset / unit != (offset + width - 1) / unit;
                    if unit == 0 || width == 0 || width > unit || straddles(target) {
                        return None;
                    }
                    record_alignment = record_alignment.max(alignment);
                    let natural = if straddles(current) {
                        round_up(current, unit)
                    } else {
                        current
                    };
                    (natural, target + width)
                }
            }
            None if packed => (current, target + size * 8),
            None => {
                if target % (alignment * 8) != 0 {
                    return None;
                }
                record_alignment = record_alignment.max(alignment);
                (round_up(current, alignment * 8), target + size * 8)
            }
        };
        let padding_before = if natural == target || target < current {
            Vec::new()
        } else {
            padding_between(current, target)
        };
        plans.push(MemberPlan {
            padding_before,
            bitfield_width: placement.bitfield_width,
        });
        current = current.max(end);
    }
    let size_bits = u64::from(byte_size) * 8;
    if current > size_bits {
        return None;
    }
    let alignment_bits = if packed { 8 } else { record_alignment * 8 };
    if size_bits % alignment_bits != 0 {
        return None;
    }
    let padding_after = if round_up(current, alignment_bits) == size_bits {
        Vec::new()
    } else {
        padding_between(current, size_bits)
    };
    Some(RecordPlan {
        packed,
        aligned: None,
        members: plans,
        padding_after,
        union_size_member: None,
        alignment: if packed { 1 } else { record_alignment as u32 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widths(pieces: &[Padding]) -> Vec<(&str, u32)> {
        pieces
            .iter()
            .map(|piece| (piece.type_name, piece.width))
            .collect()
    }

    #[test]
    fn padding_fills_bits_then_bytes_then_longs() {
        assert!(padding_between(64, 64).is_empty());
        assert_eq!(widths(&padding_between(3, 8)), [("char", 5)]);
        assert_eq!(widths(&padding_between(3, 5)), [("char", 2)]);
        assert_eq!(
            widths(&padding_between(40, 192)),
            [
                ("char", 8),
                ("char", 8),
                ("char", 8),
                ("long", 64),
                ("long", 64)
            ]
        );
        assert_eq!(widths(&padding_between(0, 72)), [("long", 64), ("char", 8)]);
    }
}
