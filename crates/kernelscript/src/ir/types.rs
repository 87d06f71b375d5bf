//! Semantic types of checked programs.
//!
//! `Type` is what the checker assigns to every expression and declaration.
//! Aliases are resolved away; structs and enums are ids into the program's
//! tables (user-declared and kernel-provided alike). Sizes and alignment
//! follow the C ABI of BPF and x86-64, which agree for these types.

use super::{EnumId, FieldDef, FunctionId, MapId, Program, ProgramKind, StructId, StructOpsId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntType {
    U8,
    U16,
    U32,
    U64,
    I8,
    I16,
    I32,
    I64,
}

impl IntType {
    pub fn bits(self) -> u32 {
        match self {
            IntType::U8 | IntType::I8 => 8,
            IntType::U16 | IntType::I16 => 16,
            IntType::U32 | IntType::I32 => 32,
            IntType::U64 | IntType::I64 => 64,
        }
    }

    pub fn is_signed(self) -> bool {
        matches!(
            self,
            IntType::I8 | IntType::I16 | IntType::I32 | IntType::I64
        )
    }

    /// The KernelScript spelling (`u32`).
    pub fn source_name(self) -> &'static str {
        match self {
            IntType::U8 => "u8",
            IntType::U16 => "u16",
            IntType::U32 => "u32",
            IntType::U64 => "u64",
            IntType::I8 => "i8",
            IntType::I16 => "i16",
            IntType::I32 => "i32",
            IntType::I64 => "i64",
        }
    }

    /// The kernel C spelling (`__u32`), valid in eBPF and userspace C.
    pub fn c_name(self) -> &'static str {
        match self {
            IntType::U8 => "__u8",
            IntType::U16 => "__u16",
            IntType::U32 => "__u32",
            IntType::U64 => "__u64",
            IntType::I8 => "__s8",
            IntType::I16 => "__s16",
            IntType::I32 => "__s32",
            IntType::I64 => "__s64",
        }
    }

    /// Smallest and largest value, as i128.
    pub fn range(self) -> (i128, i128) {
        let bits = self.bits();
        if self.is_signed() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Void,
    Bool,
    /// A single byte character.
    Char,
    Int(IntType),
    /// `str(N)`: a NUL-terminated string in an N-byte buffer.
    Str(u32),
    Array(Box<Type>, u32),
    Pointer(Box<Type>),
    Struct(StructId),
    Enum(EnumId),
    Function(Box<FunctionType>),
    /// The type of a map name; maps are not first-class values.
    Map(MapId),
    /// The type of a program function name used as a value (`load(prog)`).
    ProgramRef(ProgramKind),
    /// What `load()` returns; `attach` only accepts this.
    ProgramHandle,
    /// What `attach(handle, perf_options { ... }, 0)` returns: one open
    /// perf counter with the program attached, for `read` and `detach`.
    PerfAttachment,
    /// The type of a struct_ops impl block name (`register(impl)`).
    StructOps(StructOpsId),
    /// The type of `null` before it meets a pointer.
    Null,
    /// The type of an expression that already produced a diagnostic; it
    /// unifies with everything and never reaches a code generator.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FunctionType {
    pub params: Vec<Type>,
    pub ret: Type,
    /// Set when the value is a known function (direct calls).
    pub function: Option<FunctionId>,
}

impl Type {
    /// A C string `print` shows as text: `*u8`/`*i8`/`*char` (up to its
    /// NUL) or a `u8`/`i8`/`char` array (up to its NUL or its length).
    pub fn is_byte_string(&self) -> bool {
        let byte = |ty: &Type| {
            matches!(
                ty,
                Type::Char | Type::Int(IntType::U8) | Type::Int(IntType::I8)
            )
        };
        match self {
            Type::Pointer(inner) | Type::Array(inner, _) => byte(inner),
            _ => false,
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, Type::Int(_))
    }

    pub fn is_pointer(&self) -> bool {
        matches!(self, Type::Pointer(_) | Type::Null)
    }

    pub fn pointee(&self) -> Option<&Type> {
        match self {
            Type::Pointer(inner) => Some(inner),
            _ => None,
        }
    }

    /// Size in bytes as laid out in C; 0 for void and non-data types.
    /// Saturating: the checker rejects types larger than its limit, so a
    /// saturated size only ever reaches that check.
    pub fn size(&self, program: &Program) -> u64 {
        match self {
            Type::Void
            | Type::Map(_)
            | Type::ProgramRef(_)
            | Type::StructOps(_)
            | Type::Error
            | Type::Null => 0,
            Type::Bool | Type::Char => 1,
            Type::Int(int) => u64::from(int.bits() / 8),
            Type::Str(len) => u64::from(*len),
            Type::Array(element, len) => element.size(program).saturating_mul(u64::from(*len)),
            Type::Pointer(_) | Type::Function(_) => 8,
            Type::ProgramHandle | Type::PerfAttachment => 4,
            // C's rule: `int` when every value fits, else `unsigned int`
            // when every value fits that, else 64 bits.
            Type::Enum(id) if program.enum_def(*id).kernel.is_some() => {
                program.enum_def(*id).kernel.map_or(4, |kernel| kernel.size)
            }
            Type::Enum(id) => {
                let values = program.enum_def(*id).variants.iter().map(|v| v.value);
                let fits_int = values.clone().all(|v| i32::try_from(v).is_ok());
                let fits_unsigned = values.clone().all(|v| u32::try_from(v).is_ok());
                if fits_int || fits_unsigned {
                    4
                } else {
                    8
                }
            }
            Type::Struct(id) if program.struct_def(*id).kernel.is_some() => program
                .struct_def(*id)
                .kernel
                .as_ref()
                .map_or(0, |kernel| kernel.size),
            Type::Struct(id) => sequential_size(program, &program.struct_def(*id).fields),
        }
    }

    /// Alignment in bytes as laid out in C (at least 1).
    pub fn align(&self, program: &Program) -> u64 {
        match self {
            Type::Array(element, _) => element.align(program),
            Type::Struct(id) if program.struct_def(*id).kernel.is_some() => program
                .struct_def(*id)
                .kernel
                .as_ref()
                .map_or(1, |kernel| kernel.align.max(1)),
            Type::Struct(id) => program
                .struct_def(*id)
                .fields
                .iter()
                .map(|field| field.ty.align(program))
                .max()
                .unwrap_or(1),
            other => other.size(program).clamp(1, 8),
        }
    }
}

/// The size C gives a struct of `fields` laid out one after another,
/// each at its alignment (a source struct's layout; a kernel struct's
/// when it has no unions, anonymous members or bitfields).
pub fn sequential_size(program: &Program, fields: &[FieldDef]) -> u64 {
    let mut offset = 0u64;
    let mut max_align = 1u64;
    for field in fields {
        let align = field.ty.align(program);
        max_align = max_align.max(align);
        offset = round_up(offset, align).saturating_add(field.ty.size(program));
    }
    round_up(offset, max_align)
}

/// `value` rounded up to a multiple of `align` (≥ 1), saturating.
fn round_up(value: u64, align: u64) -> u64 {
    match value % align {
        0 => value,
        rest => value.saturating_add(align - rest),
    }
}
