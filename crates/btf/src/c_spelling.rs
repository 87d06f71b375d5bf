//! Rendering BTF types as C source text: type names such as
//! `struct xdp_md *`, `__u32` or `u32 (*)(struct sock *)`, and full
//! declarations such as `char comm[16]`. Uses the classic inside-out
//! declarator construction so that pointers to arrays and functions get
//! their parentheses. This file must not decide anything about layout or
//! sizes and must not emit multi-line definitions; anonymous structs,
//! unions and enums are spelled inline on one line.

use crate::btf::Btf;
use crate::error::BtfError;
use crate::query::{VisitBudget, MAXIMUM_REFERENCE_CHAIN};
use crate::types::{EnumType, FunctionPrototype, StructOrUnion, Type, TypeId};

impl Btf {
    /// The C spelling of type `id` as used in a cast or `sizeof`, e.g.
    /// `unsigned int`, `__u32`, `struct xdp_md *`, `const char *`,
    /// `int (*)[4]`, `u32 (*)(struct sock *)`.
    ///
    /// Typedefs are kept (not resolved); type tags such as `__rcu` are
    /// omitted. A `FUNC` is spelled as its declaration (`u64
    /// bpf_ktime_get_ns(void)`), a `VAR` as its type. Anonymous structs,
    /// unions and enums are spelled inline: `struct { int a; int b; }`.
    /// `DATASEC` and `DECL_TAG` are not C types and give
    /// [`BtfError::UnexpectedKind`].
    pub fn c_type_name(&self, id: TypeId) -> Result<String, BtfError> {
        self.c_declaration(id, "")
    }

    /// The C declaration of `declarator_name` with type `id`, e.g.
    /// `char comm[16]`, `struct sock *sk`, `u32 (*ssthresh)(struct sock *)`.
    /// With an empty name this is [`c_type_name`](Btf::c_type_name); for a
    /// `FUNC` or `VAR` an empty name means "use the function's or
    /// variable's own name".
    pub fn c_declaration(&self, id: TypeId, declarator_name: &str) -> Result<String, BtfError> {
        let mut speller = CSpeller {
            btf: self,
            budget: VisitBudget::new(id),
        };
        speller.spell(id, declarator_name.to_string(), 0)
    }
}

/// One rendering job; the budget bounds work on pathological data.
struct CSpeller<'btf> {
    btf: &'btf Btf,
    budget: VisitBudget,
}

/// Puts a base type name and a declarator together: `int` + `*p` →
/// `int *p`, `char` + `[16]` → `char[16]`, `int` + `` → `int`.
fn join_base_and_declarator(base: &str, declarator: &str) -> String {
    if declarator.is_empty() {
        base.to_string()
    } else if declarator.starts_with('[') {
        format!("{base}{declarator}")
    } else {
        format!("{base} {declarator}")
    }
}

/// Array and function declarators bind tighter than `*`, so a pointer
/// declarator must be parenthesized before appending `[n]` or `(...)`.
fn parenthesize_pointer_declarator(declarator: String) -> String {
    if declarator.starts_with('*') {
        format!("({declarator})")
    } else {
        declarator
    }
}

impl CSpeller<'_> {
    fn spell(&mut self, id: TypeId, declarator: String, depth: usize) -> Result<String, BtfError> {
        self.budget.charge(depth)?;
        let found = self.btf.type_or_error(id)?;
        let base = match found {
            Type::Void => "void".to_string(),
            Type::Int(int) => int.name.to_string(),
            Type::Float(float) => float.name.to_string(),
            Type::Typedef(typedef) => typedef.name.to_string(),
            Type::Struct(composite) => self.composite_name("struct", &composite, depth)?,
            Type::Union(composite) => self.composite_name("union", &composite, depth)?,
            Type::Enum(enumeration) | Type::Enum64(enumeration) => {
                self.enum_name(&enumeration, depth)?
            }
            Type::Forward(forward) => {
                let keyword = if forward.is_union { "union" } else { "struct" };
                format!("{keyword} {}", forward.name)
            }
            Type::Pointer(target) => {
                return self.spell(target, format!("*{declarator}"), depth + 1)
            }
            Type::Const(target) => return self.qualified("const", target, declarator, depth),
            Type::Volatile(target) => return self.qualified("volatile", target, declarator, depth),
            Type::Restrict(target) => return self.qualified("restrict", target, declarator, depth),
            Type::TypeTag(tag) => return self.spell(tag.type_id, declarator, depth + 1),
            Type::Array(array) => {
                let declarator = format!(
                    "{}[{}]",
                    parenthesize_pointer_declarator(declarator),
                    array.element_count
                );
                return self.spell(array.element_type, declarator, depth + 1);
            }
            Type::FuncProto(prototype) => {
                let parameters = self.parameter_list(&prototype, depth)?;
                let declarator = format!(
                    "{}({parameters})",
                    parenthesize_pointer_declarator(declarator)
                );
                return self.spell(prototype.return_type, declarator, depth + 1);
            }
            Type::Func(function) => {
                let declarator = if declarator.is_empty() {
                    function.name.to_string()
                } else {
                    declarator
                };
                return self.spell(function.prototype, declarator, depth + 1);
            }
            Type::Var(variable) => {
                let declarator = if declarator.is_empty() {
                    variable.name.to_string()
                } else {
                    declarator
                };
                return self.spell(variable.type_id, declarator, depth + 1);
            }
            Type::DataSec(_) | Type::DeclTag(_) => {
                return Err(BtfError::UnexpectedKind {
                    id,
                    expected: "a type that has a C spelling",
                    found: found.kind(),
                })
            }
        };
        let spelled = join_base_and_declarator(&base, &declarator);
        self.budget.charge_text(spelled.len())?;
        Ok(spelled)
    }

    /// `const`, `volatile` and `restrict` applied to a pointer follow the
    /// `*` (`int *const p`); applied to anything else they lead
    /// (`const char *`, `const char name[4]`).
    fn qualified(
        &mut self,
        keyword: &str,
        target: TypeId,
        declarator: String,
        depth: usize,
    ) -> Result<String, BtfError> {
        if self.is_pointer_ignoring_type_tags(target)? {
            let declarator = if declarator.is_empty() {
                keyword.to_string()
            } else {
                format!("{keyword} {declarator}")
            };
            return self.spell(target, declarator, depth + 1);
        }
        Ok(format!(
            "{keyword} {}",
            self.spell(target, declarator, depth + 1)?
        ))
    }

    fn is_pointer_ignoring_type_tags(&self, id: TypeId) -> Result<bool, BtfError> {
        let mut current = id;
        for _ in 0..MAXIMUM_REFERENCE_CHAIN {
            match self.btf.type_or_error(current)? {
                Type::TypeTag(tag) => current = tag.type_id,
                Type::Pointer(_) => return Ok(true),
                _ => return Ok(false),
            }
        }
        Err(BtfError::ReferenceChainTooLong { id })
    }

    /// `(void)` for no parameters, `(int a, ...)` for variadic ones.
    fn parameter_list(
        &mut self,
        prototype: &FunctionPrototype,
        depth: usize,
    ) -> Result<String, BtfError> {
        let mut parts = Vec::with_capacity(prototype.parameter_count() + 1);
        for parameter in prototype.parameters() {
            parts.push(self.spell(parameter.type_id, parameter.name.to_string(), depth + 1)?);
        }
        if prototype.is_variadic {
            parts.push("...".to_string());
        }
        if parts.is_empty() {
            return Ok("void".to_string());
        }
        Ok(parts.join(", "))
    }

    /// `struct name`, or the inline body of an anonymous struct/union:
    /// `struct { int a; unsigned int flags: 3; }`.
    fn composite_name(
        &mut self,
        keyword: &str,
        composite: &StructOrUnion,
        depth: usize,
    ) -> Result<String, BtfError> {
        if !composite.name.is_empty() {
            return Ok(format!("{keyword} {}", composite.name));
        }
        let mut text = format!("{keyword} {{");
        for member in composite.members() {
            let declaration = self.spell(member.type_id, member.name.to_string(), depth + 1)?;
            text.push(' ');
            text.push_str(&declaration);
            if member.is_bitfield() {
                text.push_str(&format!(": {}", member.bitfield_size));
            }
            text.push(';');
        }
        text.push_str(" }");
        Ok(text)
    }

    /// `enum name`, or the inline body of an anonymous enum:
    /// `enum { A = 0, B = 1 }`.
    fn enum_name(&mut self, enumeration: &EnumType, depth: usize) -> Result<String, BtfError> {
        if !enumeration.name.is_empty() {
            return Ok(format!("enum {}", enumeration.name));
        }
        let mut values = Vec::with_capacity(enumeration.value_count());
        for value in enumeration.values() {
            self.budget.charge(depth + 1)?;
            values.push(format!("{} = {}", value.name, value.value));
        }
        Ok(format!("enum {{ {} }}", values.join(", ")))
    }
}
