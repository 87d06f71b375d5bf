//! BTF types as IR types: kernel structs, unions and enums imported into
//! the program's tables on first use, once per BTF id.
//!
//! Decisions:
//! * C `char` is `char`; `_Bool` is `bool`; other integers map by size
//!   and signedness (`u8` … `i64`); 128-bit integers and floats are byte
//!   arrays of their size (readable, not computable).
//! * Typedefs, `const`, `volatile`, `restrict` and type tags are
//!   transparent, except a typedef naming an anonymous struct or union
//!   (`atomic_t`), which is the record's name in C.
//! * A pointer to a function is `*void` (KernelScript cannot call it).
//! * A struct or union imported by value gets its fields now: every member
//!   C can name directly, members of anonymous structs and unions
//!   included (`flattened_members`); bitfields are listed in its
//!   `KernelRecord`. One reached only through a pointer gets its fields
//!   when a field is first read (`complete_kernel_struct`), so following
//!   `task_struct` pointers does not import the kernel.
//! * A struct BTF only forward-declares is opaque: usable behind pointers.
//! * An anonymous enum's type is the integer of its size.
//! * The packet pointer fields of program contexts (`xdp_md.data`,
//!   `__sk_buff.data_end`, ...; `kinds::is_packet_pointer_field`) are
//!   `*u8`: `__u32` in C, pointers for the verifier, so
//!   `ctx->data_end - ctx->data` is the packet length. Generators read them
//!   as `(void *)(long)ctx->data`.
//!
//! This file only imports: deciding whether a use is allowed is the
//! callers' job.

use btf::{Type as BtfType, TypeId};

use crate::ir::{
    EnumDef, EnumId, EnumVariantDef, FieldDef, IntType, KernelEnum, KernelRecord, KernelSpelling,
    Origin, StructDef, StructId, Type,
};
use crate::span::Span;

use super::super::Checker;

/// Deepest chain of nested types an import follows (real kernels need
/// about 20); deeper BTF imports as an error type.
const MAXIMUM_IMPORT_DEPTH: usize = 96;

impl Checker<'_> {
    /// The IR type of BTF type `id`; `by_value` when the program holds a
    /// value of it (its fields are needed), not just a pointer to it.
    pub(crate) fn import_btf_type(&mut self, id: TypeId, by_value: bool) -> Type {
        self.import_at(id, by_value, 0)
    }

    fn import_at(&mut self, id: TypeId, by_value: bool, depth: usize) -> Type {
        if depth > MAXIMUM_IMPORT_DEPTH {
            return Type::Error;
        }
        let btf = self.kernel.btf;
        let Some(found) = btf.type_by_id(id) else {
            return Type::Error;
        };
        match found {
            BtfType::Void => Type::Void,
            BtfType::Int(int) => int_type(int.byte_size, int.is_signed, int.is_bool, int.name),
            BtfType::Pointer(target) => {
                let is_function = matches!(
                    btf.resolved_type(target),
                    Ok((_, BtfType::FuncProto(_) | BtfType::Func(_)))
                );
                let inner = if is_function {
                    Type::Void
                } else {
                    self.import_at(target, false, depth + 1)
                };
                match inner {
                    Type::Error => Type::Error,
                    inner => Type::Pointer(Box::new(inner)),
                }
            }
            BtfType::Array(array) => {
                match self.import_at(array.element_type, by_value, depth + 1) {
                    Type::Error | Type::Void => Type::Error,
                    element => Type::Array(Box::new(element), array.element_count),
                }
            }
            BtfType::Struct(record) | BtfType::Union(record) => {
                let spelling = match (record.name.is_empty(), found.kind()) {
                    (true, _) => KernelSpelling::Anonymous,
                    (false, btf::TypeKind::Union) => KernelSpelling::Union,
                    (false, _) => KernelSpelling::Struct,
                };
                let name = if record.name.is_empty() {
                    anonymous_name(spelling, found.kind())
                } else {
                    record.name.to_string()
                };
                Type::Struct(self.import_record(id, id, name, spelling, by_value))
            }
            BtfType::Enum(enumeration) | BtfType::Enum64(enumeration) => {
                if enumeration.name.is_empty() {
                    return sized_int(enumeration.byte_size, enumeration.is_signed);
                }
                Type::Enum(self.import_enum(id))
            }
            BtfType::Forward(forward) => {
                let kind = if forward.is_union {
                    btf::TypeKind::Union
                } else {
                    btf::TypeKind::Struct
                };
                match btf.find_by_name(kind, forward.name) {
                    Some(definition) => self.import_at(definition, by_value, depth + 1),
                    None => Type::Struct(self.import_opaque(id, forward.name)),
                }
            }
            BtfType::Typedef(typedef) => {
                let Ok((target_id, target)) = btf.resolved_type(typedef.type_id) else {
                    return Type::Error;
                };
                match target {
                    BtfType::Struct(record) | BtfType::Union(record) if record.name.is_empty() => {
                        Type::Struct(self.import_record(
                            target_id,
                            id,
                            typedef.name.to_string(),
                            KernelSpelling::Typedef,
                            by_value,
                        ))
                    }
                    _ => self.import_at(typedef.type_id, by_value, depth + 1),
                }
            }
            BtfType::Const(inner)
            | BtfType::Volatile(inner)
            | BtfType::Restrict(inner)
            | BtfType::TypeTag(btf::TypeTag { type_id: inner, .. }) => {
                self.import_at(inner, by_value, depth + 1)
            }
            BtfType::Float(float) => Type::Array(Box::new(Type::Int(IntType::U8)), float.byte_size),
            BtfType::Func(_)
            | BtfType::FuncProto(_)
            | BtfType::Var(_)
            | BtfType::DataSec(_)
            | BtfType::DeclTag(_) => Type::Error,
        }
    }

    /// The record `record_id` (named by `root_id`: itself, or the typedef
    /// of an anonymous one), imported once.
    fn import_record(
        &mut self,
        record_id: TypeId,
        root_id: TypeId,
        name: String,
        spelling: KernelSpelling,
        by_value: bool,
    ) -> StructId {
        if let Some(id) = self.kernel.records.get(&root_id).copied() {
            if by_value && self.kernel.incomplete.contains(&id) {
                self.complete_kernel_struct(id);
            }
            return id;
        }
        let btf = self.kernel.btf;
        let size = btf.size_of(record_id).unwrap_or(0);
        let align = btf.natural_alignment(record_id).unwrap_or(1);
        let id = StructId(self.program.structs.len() as u32);
        self.program.structs.push(StructDef {
            name,
            fields: Vec::new(),
            origin: Origin::Kernel,
            struct_ops: None,
            kernel: Some(Box::new(KernelRecord {
                btf_id: root_id.0,
                spelling,
                size: u64::from(size),
                align: u64::from(align),
                bitfields: Vec::new(),
            })),
            span: Span::default(),
        });
        self.struct_decls.push(None);
        self.kernel.records.insert(root_id, id);
        self.kernel.incomplete.insert(id);
        if by_value {
            self.complete_kernel_struct(id);
        }
        id
    }

    /// A struct BTF declares but never defines: usable behind pointers.
    fn import_opaque(&mut self, forward_id: TypeId, name: &str) -> StructId {
        if let Some(id) = self.kernel.records.get(&forward_id).copied() {
            return id;
        }
        let id = StructId(self.program.structs.len() as u32);
        self.program.structs.push(StructDef {
            name: name.to_string(),
            fields: Vec::new(),
            origin: Origin::Kernel,
            struct_ops: None,
            kernel: Some(Box::new(KernelRecord {
                btf_id: forward_id.0,
                spelling: KernelSpelling::Struct,
                size: 0,
                align: 1,
                bitfields: Vec::new(),
            })),
            span: Span::default(),
        });
        self.struct_decls.push(None);
        self.opaque_structs.push(id);
        self.kernel.records.insert(forward_id, id);
        id
    }

    /// Fills the fields of an imported kernel record (once).
    pub(crate) fn complete_kernel_struct(&mut self, id: StructId) {
        if !self.kernel.incomplete.remove(&id) {
            return;
        }
        let Some(root) = self
            .program
            .struct_def(id)
            .kernel
            .as_ref()
            .map(|k| k.btf_id)
        else {
            return;
        };
        let btf = self.kernel.btf;
        let Ok(record_id) = btf.resolve(TypeId(root)) else {
            return;
        };
        let Ok(members) = btf.flattened_members(record_id) else {
            return;
        };
        let members: Vec<(String, TypeId, bool)> = members
            .iter()
            .map(|found| {
                (
                    found.member.name.to_string(),
                    found.member.type_id,
                    found.is_bitfield,
                )
            })
            .collect();
        let mut fields = Vec::with_capacity(members.len());
        let mut bitfields = Vec::new();
        let record_name = self.program.struct_def(id).name.clone();
        for (index, (name, type_id, is_bitfield)) in members.into_iter().enumerate() {
            // `xdp_md.data`: a `__u32` the verifier turns into a packet
            // pointer, typed `*u8` for programs (see `kinds`).
            let ty = if crate::kinds::is_packet_pointer_field(&record_name, &name) {
                Type::Pointer(Box::new(Type::Int(IntType::U8)))
            } else {
                self.import_btf_type(type_id, true)
            };
            if is_bitfield {
                bitfields.push(index);
            }
            fields.push(FieldDef { name, ty });
        }
        let def = &mut self.program.structs[id.index()];
        def.fields = fields;
        if let Some(kernel) = def.kernel.as_mut() {
            kernel.bitfields = bitfields;
        }
    }

    /// The named enum `id`, imported once with all its enumerators.
    fn import_enum(&mut self, id: TypeId) -> EnumId {
        if let Some(enum_id) = self.kernel.enums.get(&id).copied() {
            return enum_id;
        }
        let btf = self.kernel.btf;
        let Some(enumeration) = btf.type_by_id(id).and_then(|found| found.as_enum()) else {
            return EnumId(0);
        };
        let variants = enumeration
            .values()
            .map(|value| EnumVariantDef {
                name: value.name.to_string(),
                value: value.value,
            })
            .collect();
        let enum_id = EnumId(self.program.enums.len() as u32);
        self.program.enums.push(EnumDef {
            name: enumeration.name.to_string(),
            variants,
            origin: Origin::Kernel,
            kernel: Some(KernelEnum {
                btf_id: id.0,
                size: u64::from(enumeration.byte_size),
                signed: enumeration.is_signed,
            }),
            span: Span::default(),
        });
        self.enum_decls.push(None);
        self.kernel.enums.insert(id, enum_id);
        enum_id
    }

    /// A kernel constant for an enumerator of an anonymous enum
    /// (`BPF_ANY`), typed by the enum's size and signedness. The kernel
    /// header writer finds its enum again by the constant's name.
    pub(crate) fn define_kernel_constant(
        &mut self,
        name: &str,
        value: i128,
        byte_size: u32,
        is_signed: bool,
    ) -> super::super::env::Symbol {
        let ty = sized_int(byte_size, is_signed);
        let id = crate::ir::ConstId(self.program.consts.len() as u32);
        self.program.consts.push(crate::ir::ConstDef {
            name: name.to_string(),
            ty,
            value,
            radix: crate::ir::Radix::Decimal,
            origin: Origin::Kernel,
            span: Span::default(),
        });
        self.const_slots.push(super::super::ConstSlot {
            decl: None,
            state: super::super::Resolution::Done(()),
        });
        let symbol = super::super::env::Symbol::Const(id);
        let _ = self.env.define(name, symbol, None);
        symbol
    }
}

/// `(anonymous struct)` / `(anonymous union)`: how messages name a
/// member's anonymous record.
fn anonymous_name(spelling: KernelSpelling, kind: btf::TypeKind) -> String {
    let _ = spelling;
    if kind == btf::TypeKind::Union {
        "(anonymous union)".to_string()
    } else {
        "(anonymous struct)".to_string()
    }
}

/// The IR type of a BTF integer.
fn int_type(byte_size: u32, is_signed: bool, is_bool: bool, name: &str) -> Type {
    if is_bool {
        return Type::Bool;
    }
    if byte_size == 1 && name == "char" {
        return Type::Char;
    }
    sized_int(byte_size, is_signed)
}

/// The integer of `byte_size` bytes; a byte array for other sizes.
fn sized_int(byte_size: u32, is_signed: bool) -> Type {
    let int = match (byte_size, is_signed) {
        (1, false) => IntType::U8,
        (1, true) => IntType::I8,
        (2, false) => IntType::U16,
        (2, true) => IntType::I16,
        (4, false) => IntType::U32,
        (4, true) => IntType::I32,
        (8, false) => IntType::U64,
        (8, true) => IntType::I64,
        _ => return Type::Array(Box::new(Type::Int(IntType::U8)), byte_size),
    };
    Type::Int(int)
}
