//! BTF types spelled as KernelScript types, for generated sources: the
//! parameters of a traced function, the `extern` of a kfunc.
//!
//! Typedefs and qualifiers are seen through (`umode_t` is `u16`); a
//! pointer to a named struct, union or enum is `*name` (the checker finds
//! the same kernel type by that name); any other pointer is `*void`. Types
//! KernelScript cannot take as a parameter (a struct by value, a float)
//! have no spelling: a parameter list stops before the first of them
//! (trailing parameters may be left out).

use btf::{Btf, Type, TypeId};

use crate::syntax::token::TokenKind;

/// One spelled parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Param {
    pub name: String,
    pub ty: String,
}

/// The parameters of `FUNC` `function`, at most `limit`, up to the first
/// one without a spelling.
pub(super) fn parameters(btf: &Btf, function: TypeId, limit: usize) -> Vec<Param> {
    let Ok(prototype) = btf.function_prototype(function) else {
        return Vec::new();
    };
    let mut params = Vec::new();
    for (index, parameter) in prototype.parameters().enumerate().take(limit) {
        let Some(ty) = type_of(btf, parameter.type_id) else {
            break;
        };
        params.push(Param {
            name: parameter_name(parameter.name, index),
            ty,
        });
    }
    params
}

/// A parameter name usable in KernelScript: `arg1` for an unnamed one,
/// `type_` for one that is a keyword.
pub(super) fn parameter_name(name: &str, index: usize) -> String {
    if name.is_empty() {
        return format!("arg{}", index + 1);
    }
    if TokenKind::keyword(name).is_some() {
        return format!("{name}_");
    }
    name.to_string()
}

/// `extern NAME(p: T, ...) -> R  // C prototype` for kfunc `id`, or a
/// comment when a parameter has no KernelScript spelling.
pub fn extern_declaration(btf: &Btf, id: TypeId) -> String {
    let name = btf.name_of(id);
    let c_prototype = c_prototype(btf, id, name);
    let Ok(prototype) = btf.function_prototype(id) else {
        return format!("// {c_prototype}");
    };
    let mut params = Vec::new();
    for (index, parameter) in prototype.parameters().enumerate() {
        match type_of(btf, parameter.type_id) {
            Some(ty) => params.push(format!("{}: {ty}", parameter_name(parameter.name, index))),
            None => {
                return format!("// {c_prototype} (a parameter KernelScript cannot pass)");
            }
        }
    }
    let ret = match btf.resolve(prototype.return_type) {
        Ok(id) if id.is_void() => String::new(),
        _ => match type_of(btf, prototype.return_type) {
            Some(ty) => format!(" -> {ty}"),
            None => return format!("// {c_prototype} (a result KernelScript cannot take)"),
        },
    };
    format!(
        "extern {name}({}){ret}  // {c_prototype}",
        params.join(", ")
    )
}

/// `int bpf_x(struct task_struct *p)`.
fn c_prototype(btf: &Btf, id: TypeId, name: &str) -> String {
    let Ok(prototype) = btf.function_prototype(id) else {
        return name.to_string();
    };
    let params: Vec<String> = prototype
        .parameters()
        .map(|parameter| {
            btf.c_declaration(parameter.type_id, parameter.name)
                .unwrap_or_else(|_| parameter.name.to_string())
        })
        .collect();
    let params = if params.is_empty() {
        "void".to_string()
    } else {
        params.join(", ")
    };
    btf.c_declaration(prototype.return_type, &format!("{name}({params})"))
        .unwrap_or_else(|_| format!("{name}({params})"))
}

/// A value type (a parameter's, a result's) spelled, if KernelScript has
/// one for it.
pub(super) fn type_of(btf: &Btf, id: TypeId) -> Option<String> {
    let (_, found) = btf.resolved_type(id).ok()?;
    match found {
        Type::Int(int) => Some(int_spelling(
            int.byte_size,
            int.is_signed,
            int.is_bool,
            int.name,
        )?),
        Type::Enum(enumeration) | Type::Enum64(enumeration) => {
            if enumeration.name.is_empty() {
                int_spelling(enumeration.byte_size, enumeration.is_signed, false, "")
            } else {
                Some(enumeration.name.to_string())
            }
        }
        Type::Pointer(target) => Some(format!("*{}", pointee(btf, target))),
        _ => None,
    }
}

/// What a pointer points to, spelled: a named record or enum by name,
/// an integer by its type, anything else `void`.
fn pointee(btf: &Btf, id: TypeId) -> String {
    let Ok((_, found)) = btf.resolved_type(id) else {
        return "void".to_string();
    };
    match found {
        Type::Struct(record) | Type::Union(record) if !record.name.is_empty() => {
            // The name must find this type again: a struct first.
            match btf.find_by_name(btf::TypeKind::Struct, record.name) {
                Some(_) if matches!(found, Type::Struct(_)) => record.name.to_string(),
                None => record.name.to_string(),
                Some(_) => "void".to_string(),
            }
        }
        // Only a defined struct can be named again.
        Type::Forward(forward)
            if btf
                .find_by_name(btf::TypeKind::Struct, forward.name)
                .is_some() =>
        {
            forward.name.to_string()
        }
        Type::Int(int) => int_spelling(int.byte_size, int.is_signed, int.is_bool, int.name)
            .unwrap_or_else(|| "void".to_string()),
        _ => "void".to_string(),
    }
}

fn int_spelling(byte_size: u32, is_signed: bool, is_bool: bool, name: &str) -> Option<String> {
    if is_bool {
        return Some("bool".to_string());
    }
    if byte_size == 1 && name == "char" {
        return Some("char".to_string());
    }
    let bits = match byte_size {
        1 => 8,
        2 => 16,
        4 => 32,
        8 => 64,
        _ => return None,
    };
    Some(format!("{}{bits}", if is_signed { "i" } else { "u" }))
}
