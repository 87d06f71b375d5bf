//! Orders C wants: a definition before its first use (structs before the
//! structs holding them, functions before their callers).

use std::collections::BTreeSet;

use crate::ir::{Program, StructId, Type};

/// `roots` and everything they reach through `edges`, each once, each
/// after everything it reaches (depth-first post-order, roots in the order
/// given). `edges` must not lead back to a node being visited (C's
/// dependencies have no cycles: a struct cannot hold itself, eBPF has no
/// recursion).
pub fn dependencies_first<T: Ord + Copy>(
    roots: impl IntoIterator<Item = T>,
    mut edges: impl FnMut(T) -> Vec<T>,
) -> Vec<T> {
    fn visit<T: Ord + Copy>(
        node: T,
        edges: &mut dyn FnMut(T) -> Vec<T>,
        done: &mut BTreeSet<T>,
        order: &mut Vec<T>,
    ) {
        if !done.insert(node) {
            return;
        }
        for next in edges(node) {
            visit(next, edges, done, order);
        }
        order.push(node);
    }
    let mut done = BTreeSet::new();
    let mut order = Vec::new();
    for root in roots {
        visit(root, &mut edges, &mut done, &mut order);
    }
    order
}

/// The struct a value of `ty` holds by value: its own, or its (nested)
/// array's element struct. A pointer holds none.
pub fn held_struct(ty: &Type) -> Option<StructId> {
    let mut ty = ty;
    while let Type::Array(element, _) = ty {
        ty = element;
    }
    match ty {
        Type::Struct(id) => Some(*id),
        _ => None,
    }
}

/// The structs struct `id` holds by value, in field order.
pub fn struct_fields_held(program: &Program, id: StructId) -> Vec<StructId> {
    let fields = &program.struct_def(id).fields;
    fields
        .iter()
        .filter_map(|field| held_struct(&field.ty))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_node_comes_after_what_it_reaches_and_once() {
        let edges = |node: u32| match node {
            1 => vec![2, 3],
            2 => vec![3],
            _ => vec![],
        };
        assert_eq!(dependencies_first([1, 3, 4], edges), vec![3, 2, 1, 4]);
    }
}
