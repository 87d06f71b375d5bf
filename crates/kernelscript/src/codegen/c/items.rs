//! Definitions of the user types and constants every C output carries:
//! structs (each after the structs it holds by value), enums, the structs of
//! `config` blocks, and constants (enumerators, or `static const` objects
//! for types whose arithmetic is not `int`'s; see
//! `CNames::is_enumerator_constant`). Spelled with the plan's C names, so
//! both outputs define the same layouts under the same names.

use std::collections::BTreeSet;

use super::literals::const_literal;
use super::order::{dependencies_first, struct_fields_held};
use super::types::Types;
use super::writer::CWriter;
use crate::ir::{ConfigId, ConstId, EnumId, IntType, Origin, Radix, StructId, Type};

/// `struct TAG { ... };` for each of `ids`, dependencies first; structs
/// already written (`done`) are skipped.
pub fn write_structs(
    out: &mut CWriter,
    types: &Types,
    ids: &[StructId],
    done: &mut BTreeSet<StructId>,
) {
    let program = types.program;
    let is_user = |id: StructId| {
        let def = program.struct_def(id);
        def.origin == Origin::Source && def.struct_ops.is_none()
    };
    let order = dependencies_first(ids.iter().copied(), |id| {
        if is_user(id) {
            struct_fields_held(program, id)
        } else {
            Vec::new()
        }
    });
    for id in order {
        if is_user(id) && done.insert(id) {
            write_struct(out, types, id);
        }
    }
}

/// `struct TAG { fields };` as declared (any origin).
pub fn write_struct(out: &mut CWriter, types: &Types, id: StructId) {
    let def = types.program.struct_def(id);
    out.blank_line();
    out.open_block(types.struct_name(id));
    for (index, field) in def.fields.iter().enumerate() {
        let name = types.names.field(id, index);
        out.line(format!("{};", types.declaration(&field.ty, name)));
    }
    out.close_block_with(";");
}

/// `enum TAG { VARIANT = value, ... };` for a user enum. Values are C
/// literals of a 64-bit type (`9223372036854775809ULL`,
/// `(-9223372036854775807LL - 1)`), so C gives the enum the width the
/// checker gave it (`ir::types`: 4 bytes when every value fits `int` or
/// `unsigned int`, else 8; unsigned when a value is above `i64::MAX`).
pub fn write_enum(out: &mut CWriter, types: &Types, id: EnumId) {
    let def = types.program.enum_def(id);
    let literal_type = Type::Int(if def.is_unsigned_64() {
        IntType::U64
    } else {
        IntType::I64
    });
    out.blank_line();
    out.open_block(format!("enum {}", types.names.enum_tag(types.program, id)));
    for (index, variant) in def.variants.iter().enumerate() {
        let value = const_literal(variant.value, &literal_type, Radix::Decimal);
        out.line(format!(
            "{} = {},",
            types.names.variant(id, index),
            value.text
        ));
    }
    out.close_block_with(";");
}

/// `struct NAME_config { ... };`: the layout of a `config NAME` block.
pub fn write_config_struct(out: &mut CWriter, types: &Types, id: ConfigId) {
    let config = types.program.config(id);
    out.blank_line();
    out.open_block(format!("struct {}", config_struct_tag(types, id)));
    for (index, field) in config.fields.iter().enumerate() {
        let name = types.names.config_field(id, index);
        out.line(format!("{};", types.declaration(&field.ty, name)));
    }
    out.close_block_with(";");
}

/// `struct NAME { ... };`: the `pin var` globals, in declaration order,
/// as the value of their one-entry map (`Plan::pinned_globals`).
pub fn write_pinned_globals_struct(out: &mut CWriter, types: &Types, name: &str) {
    out.open_block(format!("struct {name}"));
    for (index, global) in types.program.globals.iter().enumerate() {
        if global.pinned {
            let field = types.names.global(crate::ir::GlobalId(index as u32));
            out.line(format!("{};", types.declaration(&global.ty, field)));
        }
    }
    out.close_block_with(";");
}

/// `NAME_config`.
pub fn config_struct_tag(types: &Types, id: ConfigId) -> String {
    format!("{}_config", types.names.config(id))
}

/// The user constants `ids`: enumerators in one `enum { ... };`, then the
/// `static const` objects.
pub fn write_constants(out: &mut CWriter, types: &Types, ids: &[ConstId]) {
    let program = types.program;
    let (enumerators, objects): (Vec<ConstId>, Vec<ConstId>) = ids
        .iter()
        .filter(|id| program.const_def(**id).origin == Origin::Source)
        .partition(|id| types.names.is_enumerator_constant(program, **id));
    if !enumerators.is_empty() {
        out.blank_line();
        out.open_block("enum");
        for id in &enumerators {
            let def = program.const_def(*id);
            let value = const_literal(def.value, &def.ty, def.radix).text;
            out.line(format!("{} = {value},", types.names.constant(*id)));
        }
        out.close_block_with(";");
    }
    if !objects.is_empty() {
        out.blank_line();
    }
    for id in &objects {
        let def = program.const_def(*id);
        let value = const_literal(def.value, &def.ty, def.radix).text;
        let declaration = types.declaration(&def.ty, types.names.constant(*id));
        out.line(format!("static const {declaration} = {value};"));
    }
}
