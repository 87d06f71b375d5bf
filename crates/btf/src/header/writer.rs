//! The C text of a header: the preamble (include guard, `__VMLINUX_H__`,
//! the `preserve_access_index` pragma), forward declarations, and each
//! definition: records with the padding and attributes `layout.rs` planned,
//! enums (with `mode` for sizes other than 4), typedefs, and declarations
//! with anonymous types written inline. This file must not decide what is
//! written or in which order (that is `mod.rs`).

use std::fmt::Write as _;

use super::{Emitter, HeaderOptions, MAXIMUM_HEADER_BYTES, MAXIMUM_INLINE_DEPTH};
use crate::error::BtfError;
use crate::layout::{Padding, RecordPlan};
use crate::types::{EnumType, FunctionPrototype, StructOrUnion, Type, TypeId, TypeKind};

impl<'btf> Emitter<'btf> {
    pub(super) fn write(mut self, options: &HeaderOptions) -> Result<String, BtfError> {
        let mut out = String::new();
        out.push_str(
            "/* Kernel types for a BPF program, emitted from BTF by KernelScript.\n \
             * Only the types the program uses and what they need. */\n\n",
        );
        if let Some(guard) = &options.include_guard {
            let _ = write!(out, "#ifndef {guard}\n#define {guard}\n\n");
        }
        out.push_str(
            "/* libbpf's bpf_tracing.h reads kernel pt_regs field names when this is set. */\n\
             #ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n#endif\n\n",
        );
        if options.preserve_access_index {
            out.push_str(
                "#if defined(__clang__) && !defined(BPF_NO_PRESERVE_ACCESS_INDEX)\n\
                 #pragma clang attribute push (__attribute__((preserve_access_index)), \
                 apply_to = record)\n#endif\n\n",
            );
        }
        let mut forwards: Vec<(String, &str)> = Vec::new();
        for &id in &self.declared {
            let keyword = match self.btf.type_or_error(id)? {
                Type::Union(_) => "union",
                Type::Forward(forward) if forward.is_union => "union",
                _ => "struct",
            };
            forwards.push((self.name(id).to_string(), keyword));
        }
        forwards.sort();
        forwards.dedup();
        for (name, keyword) in &forwards {
            let _ = writeln!(out, "{keyword} {name};");
        }
        if !forwards.is_empty() {
            out.push('\n');
        }
        self.text = out;
        for id in self.definitions.clone() {
            self.write_definition(id)?;
            if self.text.len() > MAXIMUM_HEADER_BYTES {
                return Err(BtfError::QueryTooLarge { id });
            }
        }
        if options.preserve_access_index {
            self.text.push_str(
                "#if defined(__clang__) && !defined(BPF_NO_PRESERVE_ACCESS_INDEX)\n\
                 #pragma clang attribute pop\n#endif\n\n",
            );
        }
        if let Some(guard) = &options.include_guard {
            let _ = writeln!(self.text, "#endif /* {guard} */");
        }
        Ok(self.text)
    }

    fn write_definition(&mut self, id: TypeId) -> Result<(), BtfError> {
        let text = match self.btf.type_or_error(id)? {
            Type::Struct(composite) => {
                format!("{};\n\n", self.record("struct", id, &composite, 0, 0)?)
            }
            Type::Union(composite) => {
                format!("{};\n\n", self.record("union", id, &composite, 0, 0)?)
            }
            Type::Enum(enumeration) | Type::Enum64(enumeration) => {
                if enumeration.name.is_empty() && self.written_anonymous_enums.contains(&id) {
                    // Already written inline: its constants exist.
                    return Ok(());
                }
                format!("{};\n\n", self.enumeration(id, &enumeration, 0)?)
            }
            Type::Typedef(typedef) => {
                let name = self.name(id).to_string();
                let declaration = self.declaration(typedef.type_id, name, 0, 0)?;
                format!("typedef {declaration};\n\n")
            }
            _ => return Ok(()),
        };
        self.text.push_str(&text);
        Ok(())
    }

    /// `struct NAME { ... } __attribute__((packed))` (the name omitted for
    /// anonymous records), members indented one level below `indent`.
    fn record(
        &mut self,
        keyword: &str,
        id: TypeId,
        composite: &StructOrUnion<'btf>,
        indent: usize,
        depth: usize,
    ) -> Result<String, BtfError> {
        if depth > MAXIMUM_INLINE_DEPTH {
            return Err(BtfError::ReferenceChainTooLong { id });
        }
        let plan: RecordPlan = self.layout.plan(id)?.clone();
        let inner = "\t".repeat(indent + 1);
        let mut text = String::from(keyword);
        if !composite.name.is_empty() {
            text.push(' ');
            text.push_str(self.name(id));
        }
        text.push_str(" {\n");
        for (member, member_plan) in composite.members().zip(&plan.members) {
            write_padding(&mut text, &inner, &member_plan.padding_before);
            let declaration = self.declaration(
                member.type_id,
                member.name.to_string(),
                indent + 1,
                depth + 1,
            )?;
            text.push_str(&inner);
            text.push_str(&declaration);
            if let Some(width) = member_plan.bitfield_width {
                let _ = write!(text, ": {width}");
            }
            text.push_str(";\n");
        }
        write_padding(&mut text, &inner, &plan.padding_after);
        if let Some(size) = plan.union_size_member {
            let _ = writeln!(text, "{inner}unsigned char __ks_union_size[{size}];");
        }
        text.push_str(&"\t".repeat(indent));
        text.push('}');
        if plan.packed {
            text.push_str(" __attribute__((packed))");
        }
        if let Some(alignment) = plan.aligned {
            let _ = write!(text, " __attribute__((aligned({alignment})))");
        }
        Ok(text)
    }

    /// `enum NAME { A = 1, ... }`, with a `mode` attribute when its size is
    /// not an int's.
    fn enumeration(
        &mut self,
        id: TypeId,
        enumeration: &EnumType<'btf>,
        indent: usize,
    ) -> Result<String, BtfError> {
        if enumeration.name.is_empty()
            && (enumeration.value_count() == 0 || !self.written_anonymous_enums.insert(id))
        {
            return Ok(integer_of_size(enumeration.byte_size, enumeration.is_signed).to_string());
        }
        if enumeration.value_count() == 0 {
            // pahole's record of a declared-only enum: C cannot define an
            // empty enum, but can declare one.
            return Ok(format!("enum {}", self.name(id)));
        }
        let inner = "\t".repeat(indent + 1);
        let mut text = String::from("enum");
        if !enumeration.name.is_empty() {
            text.push(' ');
            text.push_str(self.name(id));
        }
        text.push_str(" {\n");
        for (index, value) in enumeration.values().enumerate() {
            let name = self
                .enumerator_names
                .get(&(id, index))
                .map_or(value.name, String::as_str);
            let suffix = if value.value > i128::from(i64::MAX) {
                "ULL"
            } else {
                ""
            };
            let _ = writeln!(text, "{inner}{name} = {}{suffix},", value.value);
        }
        text.push_str(&"\t".repeat(indent));
        text.push('}');
        match enumeration.byte_size {
            1 => text.push_str(" __attribute__((mode(QI)))"),
            2 => text.push_str(" __attribute__((mode(HI)))"),
            8 => text.push_str(" __attribute__((mode(DI)))"),
            _ => {}
        }
        Ok(text)
    }

    /// The C declaration of `declarator` with type `id`, anonymous records
    /// and enums written inline at `indent`. Parameter names are left out
    /// of function types (a parameter named like a typedef would hide it).
    fn declaration(
        &mut self,
        id: TypeId,
        declarator: String,
        indent: usize,
        depth: usize,
    ) -> Result<String, BtfError> {
        if depth > MAXIMUM_INLINE_DEPTH {
            return Err(BtfError::ReferenceChainTooLong { id });
        }
        let depth = depth + 1;
        let base = match self.btf.type_or_error(id)? {
            Type::Void => "void".to_string(),
            Type::Int(int) => int.name.to_string(),
            Type::Float(float) => float.name.to_string(),
            Type::Typedef(_) => self.name(id).to_string(),
            Type::Forward(forward) => {
                let keyword = if forward.is_union { "union" } else { "struct" };
                format!("{keyword} {}", self.name(id))
            }
            Type::Struct(composite) | Type::Union(composite) => {
                let keyword = if self.btf.kind_of(id) == Some(TypeKind::Union) {
                    "union"
                } else {
                    "struct"
                };
                if composite.name.is_empty() {
                    self.record(keyword, id, &composite, indent, depth)?
                } else {
                    format!("{keyword} {}", self.name(id))
                }
            }
            Type::Enum(enumeration) | Type::Enum64(enumeration) => {
                if enumeration.name.is_empty() {
                    self.enumeration(id, &enumeration, indent)?
                } else {
                    format!("enum {}", self.name(id))
                }
            }
            Type::Pointer(target) => {
                return self.declaration(target, format!("*{declarator}"), indent, depth)
            }
            Type::Const(target) => {
                return self.qualified("const", target, declarator, indent, depth)
            }
            Type::Volatile(target) => {
                return self.qualified("volatile", target, declarator, indent, depth)
            }
            Type::Restrict(target) => {
                return self.qualified("restrict", target, declarator, indent, depth)
            }
            Type::TypeTag(tag) => return self.declaration(tag.type_id, declarator, indent, depth),
            Type::Array(array) => {
                let declarator = format!(
                    "{}[{}]",
                    parenthesize_pointer(declarator),
                    array.element_count
                );
                return self.declaration(array.element_type, declarator, indent, depth);
            }
            Type::FuncProto(prototype) => {
                let parameters = self.parameters(&prototype, indent, depth)?;
                let declarator = format!("{}({parameters})", parenthesize_pointer(declarator));
                return self.declaration(prototype.return_type, declarator, indent, depth);
            }
            Type::Func(function) => {
                return self.declaration(function.prototype, declarator, indent, depth)
            }
            Type::Var(variable) => {
                return self.declaration(variable.type_id, declarator, indent, depth)
            }
            found @ (Type::DataSec(_) | Type::DeclTag(_)) => {
                return Err(BtfError::UnexpectedKind {
                    id,
                    expected: "a type that has a C spelling",
                    found: found.kind(),
                })
            }
        };
        Ok(if declarator.is_empty() {
            base
        } else if declarator.starts_with('[') {
            format!("{base}{declarator}")
        } else {
            format!("{base} {declarator}")
        })
    }

    /// Qualifiers follow a pointer's `*` (`char *const p`) and lead
    /// anything else (`const char *p`).
    fn qualified(
        &mut self,
        keyword: &str,
        target: TypeId,
        declarator: String,
        indent: usize,
        depth: usize,
    ) -> Result<String, BtfError> {
        let mut current = target;
        for _ in 0..MAXIMUM_INLINE_DEPTH {
            match self.btf.type_or_error(current)? {
                Type::TypeTag(tag) => current = tag.type_id,
                Type::Pointer(_) => {
                    let declarator = if declarator.is_empty() {
                        keyword.to_string()
                    } else {
                        format!("{keyword} {declarator}")
                    };
                    return self.declaration(target, declarator, indent, depth);
                }
                _ => {
                    // `const` on an array of `const char` (BTF has both)
                    // must not be written twice.
                    let inner = self.declaration(target, declarator, indent, depth)?;
                    if inner.starts_with(keyword) && inner[keyword.len()..].starts_with(' ') {
                        return Ok(inner);
                    }
                    return Ok(format!("{keyword} {inner}"));
                }
            }
        }
        Err(BtfError::ReferenceChainTooLong { id: target })
    }

    fn parameters(
        &mut self,
        prototype: &FunctionPrototype<'btf>,
        indent: usize,
        depth: usize,
    ) -> Result<String, BtfError> {
        let mut parts = Vec::with_capacity(prototype.parameter_count() + 1);
        for parameter in prototype.parameters() {
            parts.push(self.declaration(parameter.type_id, String::new(), indent, depth)?);
        }
        if prototype.is_variadic {
            parts.push("...".to_string());
        }
        Ok(if parts.is_empty() {
            "void".to_string()
        } else {
            parts.join(", ")
        })
    }
}

/// The C integer type of an enum's size, for a second use of an anonymous
/// enum.
fn integer_of_size(byte_size: u32, is_signed: bool) -> &'static str {
    match (byte_size, is_signed) {
        (1, false) => "unsigned char",
        (1, true) => "signed char",
        (2, false) => "unsigned short",
        (2, true) => "short",
        (8, false) => "unsigned long long",
        (8, true) => "long long",
        (_, false) => "unsigned int",
        (_, true) => "int",
    }
}

fn write_padding(text: &mut String, indent: &str, pieces: &[Padding]) {
    for piece in pieces {
        let _ = writeln!(text, "{indent}{}: {};", piece.type_name, piece.width);
    }
}

fn parenthesize_pointer(declarator: String) -> String {
    if declarator.starts_with('*') {
        format!("({declarator})")
    } else {
        declarator
    }
}
