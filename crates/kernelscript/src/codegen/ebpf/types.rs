//! C spellings of IR types: declarations (`__u8 *data`, `char name[16]`,
//! `__u8 (*row)[4]`), abstract type names for casts and `sizeof`, zero
//! initialisers, and layout facts the emitters need (padding).
//!
//! Pure functions of the IR; nothing here writes text to the output.

use crate::ir::{Program, Type};

/// `ty` declaring `name`: `__u32 count`, `char comm[16]`, `struct flow *f`.
pub(super) fn declaration(program: &Program, ty: &Type, name: &str) -> String {
    build(program, ty, name.to_string())
}

/// `ty` as an abstract type name, for casts and `sizeof`: `struct flow *`.
pub(super) fn type_name(program: &Program, ty: &Type) -> String {
    build(program, ty, String::new())
}

fn build(program: &Program, ty: &Type, declarator: String) -> String {
    let base = |name: &str| {
        if declarator.is_empty() {
            name.to_string()
        } else if declarator.starts_with('[') {
            format!("{name}{declarator}")
        } else {
            format!("{name} {declarator}")
        }
    };
    match ty {
        Type::Void => base("void"),
        Type::Bool => base("bool"),
        Type::Char => base("char"),
        Type::Int(int) => base(int.c_name()),
        Type::Str(len) => build(program, &Type::Char, format!("{declarator}[{len}]")),
        Type::Array(element, len) => build(program, element, format!("{declarator}[{len}]")),
        Type::Pointer(pointee) => match pointee.as_ref() {
            Type::Array(..) | Type::Str(_) | Type::Function(_) => {
                build(program, pointee, format!("(*{declarator})"))
            }
            _ => build(program, pointee, format!("*{declarator}")),
        },
        Type::Function(function) => {
            let params = if function.params.is_empty() {
                "void".to_string()
            } else {
                function
                    .params
                    .iter()
                    .map(|param| type_name(program, param))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            build(program, &function.ret, format!("{declarator}({params})"))
        }
        Type::Struct(id) => base(&format!("struct {}", program.struct_def(*id).name)),
        Type::Enum(id) => base(&format!("enum {}", program.enum_def(*id).name)),
        // Not data in eBPF C; a checked program never declares these here.
        Type::Null => build(program, &Type::Pointer(Box::new(Type::Void)), declarator),
        Type::Map(_)
        | Type::ProgramRef(_)
        | Type::ProgramHandle
        | Type::PerfAttachment
        | Type::StructOps(_)
        | Type::Error => base("int"),
    }
}

/// The initialiser that zeroes a `ty` object: `0`, `NULL`, `false`, `{}`.
pub(super) fn zero_initializer(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "false",
        Type::Pointer(_) | Type::Null | Type::Function(_) => "NULL",
        Type::Struct(_) | Type::Array(..) | Type::Str(_) => "{}",
        _ => "0",
    }
}

/// Whether values of `ty` are C aggregates (no `=`, `==` on arrays; `{}`
/// initialisers).
pub(super) fn is_array_like(ty: &Type) -> bool {
    matches!(ty, Type::Array(..) | Type::Str(_))
}

/// Whether `ty` is an integer type narrower than `int`, whose arithmetic C
/// performs in `int` (so results must be cast back to wrap like KernelScript).
pub(super) fn is_narrow_int(ty: &Type) -> bool {
    matches!(ty, Type::Int(int) if int.bits() < 32) || matches!(ty, Type::Char)
}

/// Whether a struct (or an aggregate containing one) has padding bytes.
/// Map keys compare as bytes, so such keys are rebuilt with zeroed padding
/// before a map helper sees them.
pub(super) fn has_padding(program: &Program, ty: &Type) -> bool {
    match ty {
        Type::Array(element, _) => has_padding(program, element),
        Type::Struct(id) => {
            let fields = &program.struct_def(*id).fields;
            let payload: u64 = fields.iter().map(|field| field.ty.size(program)).sum();
            payload != ty.size(program)
                || fields.iter().any(|field| has_padding(program, &field.ty))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{FieldDef, FunctionType, IntType, Origin, StructDef, StructId};

    fn program_with_struct() -> Program {
        let mut program = Program::default();
        program.structs.push(StructDef {
            name: "flow".into(),
            fields: vec![
                FieldDef {
                    name: "a".into(),
                    ty: Type::Int(IntType::U8),
                },
                FieldDef {
                    name: "b".into(),
                    ty: Type::Int(IntType::U32),
                },
            ],
            origin: Origin::Source,
            struct_ops: None,
            kernel: None,
            span: Default::default(),
        });
        program
    }

    #[test]
    fn declarations_nest_pointers_arrays_and_functions() {
        let program = program_with_struct();
        let u8_ty = Type::Int(IntType::U8);
        let flow = Type::Struct(StructId(0));
        let pointer = |ty: Type| Type::Pointer(Box::new(ty));
        assert_eq!(declaration(&program, &u8_ty, "x"), "__u8 x");
        assert_eq!(
            declaration(&program, &pointer(u8_ty.clone()), "p"),
            "__u8 *p"
        );
        assert_eq!(
            declaration(&program, &pointer(pointer(flow.clone())), "pp"),
            "struct flow **pp"
        );
        assert_eq!(
            declaration(&program, &Type::Str(16), "comm"),
            "char comm[16]"
        );
        let matrix = Type::Array(Box::new(Type::Array(Box::new(u8_ty.clone()), 4)), 2);
        assert_eq!(declaration(&program, &matrix, "m"), "__u8 m[2][4]");
        let row_pointer = pointer(Type::Array(Box::new(u8_ty.clone()), 4));
        assert_eq!(declaration(&program, &row_pointer, "row"), "__u8 (*row)[4]");
        let callback = pointer(Type::Function(Box::new(FunctionType {
            params: vec![u8_ty.clone(), pointer(flow.clone())],
            ret: Type::Int(IntType::I32),
            function: None,
        })));
        assert_eq!(
            declaration(&program, &callback, "cb"),
            "__s32 (*cb)(__u8, struct flow *)"
        );
        assert_eq!(type_name(&program, &pointer(flow.clone())), "struct flow *");
        assert_eq!(type_name(&program, &Type::Str(8)), "char[8]");
        assert_eq!(type_name(&program, &flow), "struct flow");
    }

    #[test]
    fn padding_is_detected() {
        let program = program_with_struct();
        assert!(has_padding(&program, &Type::Struct(StructId(0))));
        assert!(!has_padding(&program, &Type::Int(IntType::U64)));
    }
}
