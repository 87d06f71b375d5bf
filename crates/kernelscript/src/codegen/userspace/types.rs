//! Which structs the userspace program defines itself: the types it
//! shares with the eBPF object are spelled exactly as there (the shared
//! `codegen::c::types` and `items`, with the plan's names), because the
//! skeleton header names them and map values cross the boundary byte for
//! byte; kernel structs come from the headers userspace includes where
//! they are there (`kernel::USERSPACE_HEADER_STRUCTS`). The definitions come before `#include
//! "NAME.skel.h"`, which uses them.

use std::collections::BTreeSet;

use crate::codegen::c::order::{dependencies_first, held_struct, struct_fields_held};
use crate::ir::{self, Origin, Program, StructId, Type};

/// The types userspace shares with the eBPF object through the skeleton:
/// map keys and values, globals it sees, config fields. The structs they
/// hold by value are defined in userspace (`structs_to_define`).
pub fn shared_roots(program: &Program) -> Vec<Type> {
    program
        .maps
        .iter()
        .flat_map(|map| [map.key.clone(), map.value.clone()])
        .chain(
            program
                .globals
                .iter()
                .filter(|global| !global.local)
                .map(|global| global.ty.clone()),
        )
        .chain(
            program
                .configs
                .iter()
                .flat_map(|config| config.fields.iter().map(|field| field.ty.clone())),
        )
        .collect()
}

/// Whether userspace C has the definition of struct `id`: a header it
/// includes defines it, or it is among `structs_to_define` of the shared
/// roots. Userspace code may read fields only through such structs.
pub fn userspace_has_definition(program: &Program, id: StructId) -> bool {
    provided_by_headers(program.struct_def(id))
        || structs_to_define(program, &shared_roots(program)).contains(&id)
}

/// The `#include`-free definition order of the structs userspace needs:
/// every source struct, plus kernel structs outside `kernel::USERSPACE_HEADER_STRUCTS` used by
/// value by those (or by `extra_roots`), dependencies first.
pub fn structs_to_define(program: &Program, extra_roots: &[Type]) -> Vec<StructId> {
    let sources = (0..program.structs.len() as u32)
        .map(StructId)
        .filter(|id| program.struct_def(*id).origin == Origin::Source);
    let roots = sources.chain(extra_roots.iter().filter_map(held_struct));
    // A header defines its structs' field types too.
    let order = dependencies_first(roots, |id| {
        if provided_by_headers(program.struct_def(id)) {
            Vec::new()
        } else {
            struct_fields_held(program, id)
        }
    });
    order
        .into_iter()
        .filter(|id| {
            let def = program.struct_def(*id);
            def.struct_ops.is_none() && !provided_by_headers(def)
        })
        .collect()
}

/// Kernel structs that userspace functions point to (parameters, results,
/// locals) but that no header userspace includes declares and that are not
/// in `defined`: declared up front, so a pointer parameter does not declare
/// a new struct scoped to its prototype.
pub fn structs_to_forward_declare<'p>(program: &'p Program, defined: &[StructId]) -> Vec<&'p str> {
    userspace_pointees(program)
        .into_iter()
        .filter(|id| !defined.contains(id))
        .map(|id| program.struct_def(id))
        .filter(|def| def.origin == Origin::Kernel && !provided_by_headers(def))
        .map(|def| def.name.as_str())
        .collect()
}

/// Whether userspace functions point to the kernel struct `name` (so the
/// header that defines it must be included).
fn userspace_points_to(program: &Program, name: &str) -> bool {
    userspace_pointees(program)
        .into_iter()
        .any(|id| program.struct_def(id).name == name)
}

/// Whether userspace C names struct `name`: its code points to it, or a
/// map, global or config it shares with the object holds it by value.
pub fn userspace_names(program: &Program, name: &str) -> bool {
    fn holds(program: &Program, ty: &Type, name: &str, seen: &mut BTreeSet<StructId>) -> bool {
        match ty {
            Type::Struct(id) if seen.insert(*id) => {
                let def = program.struct_def(*id);
                def.name == name
                    || def
                        .fields
                        .iter()
                        .any(|field| holds(program, &field.ty, name, seen))
            }
            Type::Array(element, _) => holds(program, element, name, seen),
            _ => false,
        }
    }
    let mut seen = BTreeSet::new();
    userspace_points_to(program, name)
        || shared_roots(program)
            .iter()
            .any(|ty| holds(program, ty, name, &mut seen))
}

/// The structs userspace functions' parameters, results and locals point to.
fn userspace_pointees(program: &Program) -> BTreeSet<StructId> {
    let mut pointed = BTreeSet::new();
    for function in &program.functions {
        if function.kind.target() != ir::Target::Userspace {
            continue;
        }
        let types = function
            .locals
            .iter()
            .map(|local| &local.ty)
            .chain(std::iter::once(&function.ret));
        for ty in types {
            collect_pointees(ty, &mut pointed);
        }
    }
    pointed
}

fn collect_pointees(ty: &Type, pointed: &mut BTreeSet<StructId>) {
    match ty {
        Type::Pointer(inner) => match &**inner {
            Type::Struct(id) => {
                pointed.insert(*id);
            }
            other => collect_pointees(other, pointed),
        },
        Type::Array(element, _) => collect_pointees(element, pointed),
        Type::Function(function) => {
            for param in &function.params {
                collect_pointees(param, pointed);
            }
            collect_pointees(&function.ret, pointed);
        }
        _ => {}
    }
}

/// Whether the headers userspace includes define `def`.
fn provided_by_headers(def: &ir::StructDef) -> bool {
    def.origin == Origin::Kernel
        && crate::kernel::USERSPACE_HEADER_STRUCTS.contains(&def.name.as_str())
}
