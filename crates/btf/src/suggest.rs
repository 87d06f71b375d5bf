//! "Did you mean" candidates for misspelt names: a bounded edit distance
//! (optimal string alignment: insertions, deletions, substitutions and
//! adjacent transpositions each cost 1) and the queries that rank type,
//! member and enumerator names by it. Cost is bounded: candidates whose
//! length differs by more than the limit are skipped without computing a
//! distance, and each distance gives up once every cell of a row exceeds
//! the limit. This file must not decide how suggestions are worded.

use crate::btf::Btf;
use crate::error::BtfError;
use crate::types::{TypeId, TypeKind};

/// How many candidates the `similar_*` queries return at most.
pub const MAXIMUM_SUGGESTIONS: usize = 3;

/// The largest edit distance at which `name` still suggests a candidate:
/// one edit per three characters, at least 1 and at most 4.
pub fn suggestion_limit(name: &str) -> usize {
    (name.chars().count() / 3).clamp(1, 4)
}

/// The optimal-string-alignment distance between `left` and `right` (on
/// bytes), or `None` when it exceeds `limit`.
pub fn edit_distance(left: &str, right: &str, limit: usize) -> Option<usize> {
    let left = left.as_bytes();
    let right = right.as_bytes();
    if left.len().abs_diff(right.len()) > limit {
        return None;
    }
    let width = right.len() + 1;
    let mut before_previous = vec![usize::MAX; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current = vec![0; width];
    for row in 1..=left.len() {
        current[0] = row;
        let mut row_minimum = current[0];
        for column in 1..width {
            let substitution = usize::from(left[row - 1] != right[column - 1]);
            let mut best = (previous[column] + 1)
                .min(current[column - 1] + 1)
                .min(previous[column - 1] + substitution);
            if row > 1
                && column > 1
                && left[row - 1] == right[column - 2]
                && left[row - 2] == right[column - 1]
            {
                best = best.min(before_previous[column - 2].saturating_add(1));
            }
            current[column] = best;
            row_minimum = row_minimum.min(best);
        }
        if row_minimum > limit {
            return None;
        }
        std::mem::swap(&mut before_previous, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[right.len()];
    (distance <= limit).then_some(distance)
}

/// The candidates closest to `name` within [`suggestion_limit`], best
/// first (by distance, then alphabetically), without duplicates and
/// without `name` itself; at most [`MAXIMUM_SUGGESTIONS`].
pub fn closest_names<'name>(
    name: &str,
    candidates: impl IntoIterator<Item = &'name str>,
) -> Vec<&'name str> {
    let limit = suggestion_limit(name);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|candidate| *candidate != name && !candidate.is_empty())
        .filter_map(|candidate| {
            // A different capitalisation is as close as it gets.
            if candidate.eq_ignore_ascii_case(name) {
                return Some((0, candidate));
            }
            edit_distance(name, candidate, limit).map(|distance| (distance, candidate))
        })
        .collect();
    scored.sort_unstable();
    scored.dedup_by(|left, right| left.1 == right.1);
    scored
        .into_iter()
        .take(MAXIMUM_SUGGESTIONS)
        .map(|(_, candidate)| candidate)
        .collect()
}

impl Btf {
    /// Every named type whose kind is in `kinds`, base first, read from
    /// record prefixes without decoding the records.
    pub fn names_of_kinds(&self, kinds: &[TypeKind]) -> impl Iterator<Item = (TypeId, &str)> + '_ {
        self.names_where(kinds, |_| true)
    }

    /// Every named type whose kind is in `kinds` and whose name starts
    /// with `prefix` (e.g. all `bpf_lsm_*` functions), base first.
    pub fn names_with_prefix<'query>(
        &'query self,
        kinds: &[TypeKind],
        prefix: &'query str,
    ) -> impl Iterator<Item = (TypeId, &'query str)> + 'query {
        self.names_where(kinds, move |name| name.starts_with(prefix.as_bytes()))
    }

    /// Named types of the given kinds whose name bytes pass `keep` (tested
    /// before the name is decoded, which keeps scans of 100 000 types cheap).
    pub(crate) fn names_where<'query>(
        &'query self,
        kinds: &[TypeKind],
        keep: impl Fn(&[u8]) -> bool + Clone + 'query,
    ) -> Box<dyn Iterator<Item = (TypeId, &'query str)> + 'query> {
        let wanted = kinds.iter().fold(0u32, |mask, kind| mask | 1 << kind.raw());
        let base = self
            .base()
            .map(|base| base.names_where(kinds, keep.clone()))
            .into_iter()
            .flatten();
        let first = self.first_own_type_id().0;
        let own = (0..self.own_type_count()).filter_map(move |index| {
            let id = TypeId(first + index as u32);
            let prefix = self.own_prefix(id)?;
            if wanted & (1 << prefix.kind.raw()) == 0 || prefix.name_offset == 0 {
                return None;
            }
            let bytes = self.name_bytes_at(prefix.name_offset)?;
            if bytes.is_empty() || !keep(bytes) {
                return None;
            }
            Some((id, self.name_at(prefix.name_offset)))
        });
        Box::new(base.chain(own))
    }

    /// Names of types of the given kinds that are close to `name`, for a
    /// "did you mean" note: `similar_type_names(&[TypeKind::Struct],
    /// "task_strcut")` gives `["task_struct"]`.
    pub fn similar_type_names(&self, kinds: &[TypeKind], name: &str) -> Vec<&str> {
        let limit = suggestion_limit(name);
        let length = name.len();
        let candidates = self
            .names_where(kinds, move |bytes| bytes.len().abs_diff(length) <= limit)
            .map(|(_, found)| found);
        closest_names(name, candidates)
    }

    /// Member names of struct or union `id` (anonymous members flattened)
    /// close to `name`.
    pub fn similar_member_names(&self, id: TypeId, name: &str) -> Result<Vec<&str>, BtfError> {
        let members = self.flattened_members(id)?;
        Ok(closest_names(
            name,
            members.iter().map(|found| found.member.name),
        ))
    }

    /// Enumerator names (of every enum) close to `name`.
    pub fn similar_enum_constant_names(&self, name: &str) -> Vec<&str> {
        closest_names(
            name,
            self.all_enum_constants().map(|constant| constant.name),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_each_kind_of_edit_once() {
        assert_eq!(edit_distance("task_struct", "task_struct", 3), Some(0));
        assert_eq!(edit_distance("task_strcut", "task_struct", 3), Some(1));
        assert_eq!(edit_distance("tsk_struct", "task_struct", 3), Some(1));
        assert_eq!(edit_distance("task_structs", "task_struct", 3), Some(1));
        assert_eq!(edit_distance("tack_struct", "task_struct", 3), Some(1));
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance("kitten", "sitting", 2), None);
        assert_eq!(edit_distance("", "abc", 3), Some(3));
        assert_eq!(edit_distance("abc", "", 2), None);
        assert_eq!(edit_distance("sk_buff", "inode", 3), None);
    }

    #[test]
    fn closest_names_rank_by_distance_then_name() {
        let candidates = ["sock", "sk_buff", "socket", "sock_common", "Sock", "sock"];
        assert_eq!(closest_names("sok", candidates), ["sock"]);
        assert_eq!(closest_names("sockt", candidates), ["sock", "socket"]);
        assert_eq!(closest_names("SOCK", candidates), ["Sock", "sock"]);
        assert!(closest_names("inode", candidates).is_empty());
    }
}
