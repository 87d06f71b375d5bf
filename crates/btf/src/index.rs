//! The hash tables behind lookups by name: a small open-addressing table
//! ([`HashIndex`]) that maps a name's hash to 32-bit payloads in insertion
//! order, the name index of a blob's types, and the index of every
//! enumerator of every enum. Tables store ids, never strings: a lookup
//! re-reads the candidate's name from the blob to confirm it. This file
//! must not decode records beyond names and kinds.

use crate::btf::Btf;
use crate::decode::PREFIX_LENGTH;
use crate::types::{Type, TypeId, TypeKind};

const HASH_MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

fn mix(hash: u64, word: u64) -> u64 {
    (hash.rotate_left(5) ^ word).wrapping_mul(HASH_MULTIPLIER)
}

/// The murmur3 finalizer, so that the low bits (the slot) and the high
/// bits (the check) are both well spread.
fn finish(hash: u64, length: usize) -> u64 {
    let mut hash = hash ^ length as u64;
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^ (hash >> 33)
}

/// A 64-bit hash of a name: FxHash-style mixing of little-endian 8-byte
/// words (the last one zero-padded).
pub(crate) fn hash_name(bytes: &[u8]) -> u64 {
    let mut hash = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = mix(hash, u64::from_le_bytes(word));
    }
    let remainder = chunks.remainder();
    if !remainder.is_empty() {
        let mut word = [0u8; 8];
        word[..remainder.len()].copy_from_slice(remainder);
        hash = mix(hash, u64::from_le_bytes(word));
    }
    finish(hash, bytes.len())
}

/// [`hash_name`] of the NUL-terminated string at the start of `tail`, and
/// its length, reading 8 bytes at a time (the index pass spends most of
/// its time here). `None` if `tail` has no NUL.
pub(crate) fn hash_c_string(tail: &[u8]) -> Option<(u64, usize)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut hash = 0;
    let mut position = 0;
    while let Some(chunk) = tail.get(position..position + 8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        // The lowest set bit marks the first zero byte exactly.
        let zeros = word.wrapping_sub(ONES) & !word & HIGHS;
        if zeros == 0 {
            hash = mix(hash, word);
            position += 8;
            continue;
        }
        let length_in_word = (zeros.trailing_zeros() / 8) as usize;
        if length_in_word > 0 {
            let kept = word & (u64::MAX >> (64 - 8 * length_in_word));
            hash = mix(hash, kept);
        }
        return Some((
            finish(hash, position + length_in_word),
            position + length_in_word,
        ));
    }
    let rest = &tail[position.min(tail.len())..];
    let length_in_rest = rest.iter().position(|&byte| byte == 0)?;
    if length_in_rest > 0 {
        let mut bytes = [0u8; 8];
        bytes[..length_in_rest].copy_from_slice(&rest[..length_in_rest]);
        hash = mix(hash, u64::from_le_bytes(bytes));
    }
    Some((
        finish(hash, position + length_in_rest),
        position + length_in_rest,
    ))
}

/// Open addressing with linear probing; a slot holds `(check << 32) |
/// payload` where `check` is the high half of the hash and `payload` is
/// never 0 (0 marks an empty slot). Entries with equal hashes are met in
/// insertion order while probing, which keeps lookups in id order.
pub(crate) struct HashIndex {
    slots: Vec<u64>,
    mask: usize,
}

impl HashIndex {
    /// A table for up to `entries` payloads at a load factor of at most ~0.67.
    pub(crate) fn with_capacity(entries: usize) -> Self {
        let capacity = (entries + entries / 2 + 1).next_power_of_two().max(8);
        HashIndex {
            slots: vec![0; capacity],
            mask: capacity - 1,
        }
    }

    /// Adds `payload` (non-zero) under `hash`. The table must have been
    /// sized for every insertion.
    pub(crate) fn insert(&mut self, hash: u64, payload: u32) {
        debug_assert!(payload != 0);
        let check = hash >> 32;
        let mut slot = hash as usize & self.mask;
        // Sized with spare room, so an empty slot is always found.
        for _ in 0..self.slots.len() {
            if self.slots[slot] == 0 {
                self.slots[slot] = (check << 32) | u64::from(payload);
                return;
            }
            slot = (slot + 1) & self.mask;
        }
    }

    /// The payloads stored under `hash` (and, rarely, under other hashes
    /// sharing its check bits and probe run), in insertion order.
    pub(crate) fn candidates(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let check = hash >> 32;
        let start = hash as usize & self.mask;
        (0..self.slots.len())
            .map(move |step| self.slots[(start + step) & self.mask])
            .take_while(|slot| *slot != 0)
            .filter(move |slot| slot >> 32 == check)
            .map(|slot| slot as u32)
    }

    /// Bytes of heap memory held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<u64>()
    }
}

/// Whether a record of this kind is entered in the name index. Tags are
/// left out: their "name" is the tag text, shared by hundreds of records.
fn is_indexed_kind(kind: TypeKind) -> bool {
    !matches!(kind, TypeKind::Void | TypeKind::DeclTag | TypeKind::TypeTag)
}

/// Builds the name index of `btf`'s own records: one cheap pass reading
/// each prefix and hashing its name bytes.
pub(crate) fn build_name_index(btf: &Btf) -> HashIndex {
    let first = btf.first_own_type_id().0;
    let count = btf.own_type_count();
    let mut named = Vec::with_capacity(count);
    for index in 0..count {
        let id = TypeId(first + index as u32);
        let Some(prefix) = btf.own_prefix(id) else {
            continue;
        };
        if prefix.name_offset == 0 || !is_indexed_kind(prefix.kind) {
            continue;
        }
        if let Some((hash, length)) = btf.hash_name_at(prefix.name_offset) {
            if length > 0 {
                named.push((hash, id.0));
            }
        }
    }
    let mut table = HashIndex::with_capacity(named.len());
    for (hash, id) in named {
        table.insert(hash, id);
    }
    table
}

/// Every enumerator of every `ENUM`/`ENUM64` of a blob, by name.
pub(crate) struct EnumeratorIndex {
    table: HashIndex,
    /// `(enum type id, enumerator index)`; payload `n` is `entries[n - 1]`.
    entries: Vec<(TypeId, u32)>,
}

impl EnumeratorIndex {
    pub(crate) fn build(btf: &Btf) -> Self {
        let mut entries = Vec::new();
        let mut hashes = Vec::new();
        let first = btf.first_own_type_id().0;
        for index in 0..btf.own_type_count() {
            let id = TypeId(first + index as u32);
            let Some(position) = btf.record_position(id) else {
                continue;
            };
            let prefix = btf.prefix_at(position);
            let record_length = match prefix.kind {
                TypeKind::Enum => 8,
                TypeKind::Enum64 => 12,
                _ => continue,
            };
            for value in 0..prefix.vlen {
                let name_offset = btf.word_at(position + PREFIX_LENGTH + value * record_length);
                if let Some((hash, length)) = btf.hash_name_at(name_offset) {
                    if length > 0 {
                        entries.push((id, value as u32));
                        hashes.push(hash);
                    }
                }
            }
        }
        let mut table = HashIndex::with_capacity(entries.len());
        for (position, hash) in hashes.into_iter().enumerate() {
            table.insert(hash, position as u32 + 1);
        }
        EnumeratorIndex { table, entries }
    }

    /// `(enum id, enumerator index)` of every enumerator named `name`, in
    /// id order.
    pub(crate) fn lookup<'index>(
        &'index self,
        btf: &'index Btf,
        name: &'index str,
    ) -> impl Iterator<Item = (TypeId, u32)> + 'index {
        self.table
            .candidates(hash_name(name.as_bytes()))
            .filter_map(|payload| self.entries.get(payload as usize - 1).copied())
            .filter(move |(id, index)| {
                btf.type_by_id(*id)
                    .and_then(|found| found.as_enum())
                    .and_then(|enumeration| enumeration.value(*index as usize))
                    .is_some_and(|value| value.name == name)
            })
    }

    /// Every entry, in id then declaration order.
    pub(crate) fn entries(&self) -> &[(TypeId, u32)] {
        &self.entries
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.table.heap_bytes() + self.entries.capacity() * std::mem::size_of::<(TypeId, u32)>()
    }
}

/// Whether `found` has kind `kind` and the name `name`.
pub(crate) fn is_named(found: &Type<'_>, kind: TypeKind, name: &str) -> bool {
    found.kind() == kind && found.name() == name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_hashes_come_back_in_insertion_order() {
        let mut table = HashIndex::with_capacity(4);
        let hash = hash_name(b"sock");
        table.insert(hash, 7);
        table.insert(hash_name(b"other"), 3);
        table.insert(hash, 2);
        assert_eq!(table.candidates(hash).collect::<Vec<_>>(), [7, 2]);
    }

    #[test]
    fn hashing_in_place_agrees_with_hashing_a_slice() {
        for name in [
            "",
            "a",
            "sock",
            "task_struct",
            "abcdefgh",
            "abcdefghi",
            "x".repeat(40).as_str(),
        ] {
            let mut terminated = name.as_bytes().to_vec();
            terminated.push(0);
            for padding in [&b""[..], b"zz\0", b"0123456789"] {
                let mut tail = terminated.clone();
                tail.extend_from_slice(padding);
                assert_eq!(
                    hash_c_string(&tail),
                    Some((hash_name(name.as_bytes()), name.len()))
                );
            }
        }
        assert_eq!(hash_c_string(b"no terminator"), None);
        assert_eq!(hash_c_string(b"0123456789abcdef"), None);
    }

    #[test]
    fn hashes_differ_for_near_names() {
        assert_ne!(hash_name(b"task_struct"), hash_name(b"task_structs"));
        assert_ne!(hash_name(b""), hash_name(b"\0"));
        assert_ne!(hash_name(b"abcdefgh"), hash_name(b"abcdefgh\0"));
    }
}
