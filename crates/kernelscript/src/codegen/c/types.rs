//! C spellings of IR types for every output: declarations (`__u8 *data`,
//! `char name[16]`, `__u8 (*row)[4]`), abstract type names for casts and
//! `sizeof`, zero initialisers, and layout facts (padding).
//!
//! User structs and enums are spelled with the C names of the outputs plan
//! (`CNames`), kernel ones as the kernel names them. What differs between
//! outputs is a `TypePolicy`: userspace spells kernel enums as `int` (its
//! headers may not define them) and zeroes aggregates with `{0}`.

use crate::codegen::plan::CNames;
use crate::ir::KernelSpelling;
use crate::ir::{FunctionType, Origin, Program, Type};

/// What an output spells its own way.
#[derive(Clone, Copy, Debug)]
pub struct TypePolicy {
    /// Kernel enums are `int` (an output whose headers may lack them).
    pub kernel_enums_as_int: bool,
    /// The initialiser that zeroes an aggregate: `{}` or `{0}`.
    pub zero_aggregate: &'static str,
    /// Strings are passed to functions as `const char *` (userspace; the
    /// callee copies one it writes to) rather than as `char[N]`.
    pub string_parameters: bool,
    /// Prepended to the tags of the program's own structs: the kernel
    /// module's `ks_` keeps them clear of the kernel headers' tags (its
    /// objects never cross to the other outputs, so their names need not
    /// match).
    pub user_struct_prefix: &'static str,
}

/// The type speller of one output.
#[derive(Clone, Copy)]
pub struct Types<'a> {
    pub program: &'a Program,
    pub names: &'a CNames,
    pub policy: TypePolicy,
}

impl<'a> Types<'a> {
    pub fn new(program: &'a Program, names: &'a CNames, policy: TypePolicy) -> Types<'a> {
        Types {
            program,
            names,
            policy,
        }
    }

    /// `ty` declaring `name`: `__u32 count`, `char comm[16]`, `struct flow *f`.
    pub fn declaration(&self, ty: &Type, name: &str) -> String {
        self.build(ty, name.to_string())
    }

    /// `ty` as an abstract type name, for casts and `sizeof`: `struct flow *`.
    pub fn name(&self, ty: &Type) -> String {
        self.build(ty, String::new())
    }

    /// The C type of struct `id`: `struct flow`; a kernel record as its
    /// kernel header names it (`union bpf_attr`, the typedef `atomic_t`).
    pub fn struct_name(&self, id: crate::ir::StructId) -> String {
        let tag = self.names.struct_tag(self.program, id);
        let spelling = self
            .program
            .struct_def(id)
            .kernel
            .as_ref()
            .map(|k| k.spelling);
        match spelling {
            Some(KernelSpelling::Union) => format!("union {tag}"),
            // An anonymous record is never spelled (the checker keeps its
            // values in place).
            Some(KernelSpelling::Typedef | KernelSpelling::Anonymous) => tag.to_string(),
            Some(KernelSpelling::Struct) => format!("struct {tag}"),
            None if self.program.struct_def(id).struct_ops.is_none() => {
                format!("struct {}{tag}", self.policy.user_struct_prefix)
            }
            None => format!("struct {tag}"),
        }
    }

    /// The initialiser that zeroes a `ty` object: `0`, `NULL`, `false`,
    /// `{}`/`{0}`.
    pub fn zero(&self, ty: &Type) -> &'static str {
        match ty {
            Type::Bool => "false",
            Type::Pointer(_) | Type::Null | Type::Function(_) => "NULL",
            Type::Struct(_) | Type::Array(..) | Type::Str(_) => self.policy.zero_aggregate,
            _ => "0",
        }
    }

    /// A zero value of `ty` usable in an expression: `(struct s){0}` for
    /// aggregates, the scalar zero otherwise.
    pub fn zero_value(&self, ty: &Type) -> String {
        match ty {
            Type::Struct(_) | Type::Array(..) | Type::Str(_) => {
                format!("({}){}", self.name(ty), self.policy.zero_aggregate)
            }
            other => self.zero(other).to_string(),
        }
    }

    fn build(&self, ty: &Type, declarator: String) -> String {
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
            Type::Str(len) => self.build(&Type::Char, format!("{declarator}[{len}]")),
            // Length 0: a struct's flexible array member.
            Type::Array(element, 0) => self.build(element, format!("{declarator}[]")),
            Type::Array(element, len) => self.build(element, format!("{declarator}[{len}]")),
            Type::Pointer(pointee) => match pointee.as_ref() {
                Type::Array(..) | Type::Str(_) => self.build(pointee, format!("(*{declarator})")),
                // C has no function values: both are function pointers.
                Type::Function(_) => self.build(pointee, declarator),
                _ => self.build(pointee, format!("*{declarator}")),
            },
            // A function value is a function pointer.
            Type::Function(function) => {
                let params = self.parameter_types(function);
                self.build(&function.ret, format!("(*{declarator})({params})"))
            }
            Type::Struct(id) => base(&self.struct_name(*id)),
            Type::Enum(id) => {
                let def = self.program.enum_def(*id);
                if def.origin == Origin::Kernel && self.policy.kernel_enums_as_int {
                    // An int has the enum's size and holds every value.
                    base("int")
                } else {
                    base(&format!("enum {}", self.names.enum_tag(self.program, *id)))
                }
            }
            Type::Null => self.build(&Type::Pointer(Box::new(Type::Void)), declarator),
            // Program references are indices into the userspace program
            // table, handles program fds, perf attachments indices; maps,
            // impl blocks and errors are never declared.
            Type::Map(_)
            | Type::ProgramRef(_)
            | Type::ProgramHandle
            | Type::PerfAttachment
            | Type::StructOps(_)
            | Type::Error => base("int"),
        }
    }

    fn parameter_types(&self, function: &FunctionType) -> String {
        if function.params.is_empty() {
            return "void".to_string();
        }
        function
            .params
            .iter()
            .map(|param| self.parameter(param, ""))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A parameter of type `ty` named `name` (abstract when empty): a
    /// string is `const char *` under `string_parameters`.
    pub fn parameter(&self, ty: &Type, name: &str) -> String {
        match ty {
            Type::Str(_) if self.policy.string_parameters => {
                format!("const char *{name}").trim_end().to_string()
            }
            _ => self.declaration(ty, name),
        }
    }
}

/// Whether values of `ty` are C arrays (no `=`, `==`, return by value).
pub fn is_array_like(ty: &Type) -> bool {
    matches!(ty, Type::Array(..) | Type::Str(_))
}

/// Whether `ty` is an integer type narrower than `int`, whose arithmetic C
/// performs in `int` (so results must be cast back to wrap like
/// KernelScript).
pub fn is_narrow_int(ty: &Type) -> bool {
    matches!(ty, Type::Int(int) if int.bits() < 32) || matches!(ty, Type::Char)
}

/// Whether a value of `ty` has padding bytes (map keys compare as bytes,
/// so such keys are copied field by field into zeroed storage first).
pub fn has_padding(program: &Program, ty: &Type) -> bool {
    match ty {
        Type::Struct(id) => {
            let fields = &program.struct_def(*id).fields;
            let mut offset = 0u64;
            for field in fields {
                let align = field.ty.align(program);
                if !offset.is_multiple_of(align) || has_padding(program, &field.ty) {
                    return true;
                }
                offset += field.ty.size(program);
            }
            offset != ty.size(program)
        }
        Type::Array(element, _) => has_padding(program, element),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{FieldDef, IntType, StructDef, StructId};

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
        let names = CNames::new(&program, &Default::default());
        let types = Types::new(
            &program,
            &names,
            TypePolicy {
                kernel_enums_as_int: false,
                zero_aggregate: "{}",
                string_parameters: false,
                user_struct_prefix: "",
            },
        );
        let u8_ty = Type::Int(IntType::U8);
        let flow = Type::Struct(StructId(0));
        let pointer = |ty: Type| Type::Pointer(Box::new(ty));
        assert_eq!(types.declaration(&u8_ty, "x"), "__u8 x");
        assert_eq!(types.declaration(&pointer(u8_ty.clone()), "p"), "__u8 *p");
        assert_eq!(
            types.declaration(&pointer(pointer(flow.clone())), "pp"),
            "struct flow **pp"
        );
        assert_eq!(types.declaration(&Type::Str(16), "comm"), "char comm[16]");
        let matrix = Type::Array(Box::new(Type::Array(Box::new(u8_ty.clone()), 4)), 2);
        assert_eq!(types.declaration(&matrix, "m"), "__u8 m[2][4]");
        let row_pointer = pointer(Type::Array(Box::new(u8_ty.clone()), 4));
        assert_eq!(types.declaration(&row_pointer, "row"), "__u8 (*row)[4]");
        assert_eq!(types.name(&row_pointer), "__u8 (*)[4]");
        let callback = pointer(Type::Function(Box::new(FunctionType {
            params: vec![u8_ty.clone(), pointer(flow.clone())],
            ret: Type::Int(IntType::I32),
            function: None,
        })));
        assert_eq!(
            types.declaration(&callback, "cb"),
            "__s32 (*cb)(__u8, struct flow *)"
        );
        assert_eq!(types.name(&pointer(flow.clone())), "struct flow *");
        assert_eq!(types.name(&Type::Str(8)), "char[8]");
    }

    #[test]
    fn padding_is_detected_inside_and_at_the_end() {
        let program = program_with_struct();
        assert!(has_padding(&program, &Type::Struct(StructId(0))));
        assert!(!has_padding(&program, &Type::Int(IntType::U64)));
    }
}
