//! The BPF helper table: every helper the kernel's UAPI defines, with the
//! C prototype libbpf's `bpf_helper_defs.h` gives it, as data compiled
//! into the crate (`data/bpf_helpers.tsv`, written by
//! `scripts/gen-bpf-helpers.sh`) and parsed once into a small type model.
//! It needs no BTF and no IO: the checker can type helper calls for any
//! target kernel, and asks the kernel's BTF (`enum bpf_func_id`) only to
//! know which ids that kernel has. This file must not guess prototypes:
//! everything comes from the generated table.

use std::fmt;
use std::sync::OnceLock;

/// The generated table.
const TABLE: &str = include_str!("../data/bpf_helpers.tsv");

/// A C type in a helper prototype.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HelperType {
    /// `void` (only as a return type or behind a pointer).
    Void,
    /// An integer, by its C spelling (`long`, `__u32`, `__be16`, ...).
    Integer {
        /// The spelling in the prototype.
        spelling: &'static str,
        /// Size in bytes on 64-bit targets.
        byte_size: u32,
        /// Whether it is signed.
        is_signed: bool,
    },
    /// `struct NAME` (always behind a pointer in helper prototypes).
    Struct(&'static str),
    /// A pointer; `target_is_const` for `const T *`.
    Pointer {
        /// What it points to.
        target: Box<HelperType>,
        /// Whether the pointee is `const`.
        target_is_const: bool,
    },
}

impl HelperType {
    /// Whether this is a pointer.
    pub fn is_pointer(&self) -> bool {
        matches!(self, HelperType::Pointer { .. })
    }
}

impl fmt::Display for HelperType {
    /// The C spelling, e.g. `const struct bpf_dynptr *`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HelperType::Void => formatter.write_str("void"),
            HelperType::Integer { spelling, .. } => formatter.write_str(spelling),
            HelperType::Struct(name) => write!(formatter, "struct {name}"),
            HelperType::Pointer {
                target,
                target_is_const,
            } => {
                if *target_is_const {
                    formatter.write_str("const ")?;
                }
                let target = target.to_string();
                if target.ends_with('*') {
                    write!(formatter, "{target}*")
                } else {
                    write!(formatter, "{target} *")
                }
            }
        }
    }
}

/// One helper parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelperParameter {
    /// Its name in the prototype (e.g. `map`, `flags`).
    pub name: &'static str,
    /// Its type.
    pub c_type: HelperType,
}

/// One BPF helper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BpfHelper {
    /// Its id (`BPF_FUNC_<name without bpf_>` in `enum bpf_func_id`).
    pub id: u32,
    /// Its name, e.g. `bpf_get_stack`.
    pub name: &'static str,
    /// Return type.
    pub return_type: HelperType,
    /// Parameters in order (without `...`).
    pub parameters: Vec<HelperParameter>,
    /// Whether the prototype ends with `...` (`bpf_trace_printk`).
    pub is_variadic: bool,
    /// The first sentence of libbpf's description of it.
    pub summary: &'static str,
}

impl BpfHelper {
    /// The C prototype, e.g. `long bpf_get_stack(void *ctx, void *buf,
    /// __u32 size, __u64 flags)`.
    pub fn c_prototype(&self) -> String {
        let mut parameters: Vec<String> = self
            .parameters
            .iter()
            .map(|parameter| join_declaration(&parameter.c_type.to_string(), parameter.name))
            .collect();
        if self.is_variadic {
            parameters.push("...".into());
        }
        let parameters = if parameters.is_empty() {
            "void".to_string()
        } else {
            parameters.join(", ")
        };
        join_declaration(
            &self.return_type.to_string(),
            &format!("{}({parameters})", self.name),
        )
    }

    /// The C function type, e.g. `long (void *, void *, __u32, __u64)`.
    pub fn c_function_type(&self) -> String {
        let mut parameters: Vec<String> = self
            .parameters
            .iter()
            .map(|parameter| parameter.c_type.to_string())
            .collect();
        if self.is_variadic {
            parameters.push("...".into());
        }
        if parameters.is_empty() {
            parameters.push("void".into());
        }
        format!("{} ({})", self.return_type, parameters.join(", "))
    }
}

/// `int` + `x` → `int x`; `void *` + `x` → `void *x`.
fn join_declaration(type_text: &str, declarator: &str) -> String {
    if type_text.ends_with('*') {
        format!("{type_text}{declarator}")
    } else {
        format!("{type_text} {declarator}")
    }
}

/// Where the table came from (its first comment line).
pub fn bpf_helpers_source() -> &'static str {
    TABLE
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# "))
        .unwrap_or("")
}

/// Every BPF helper, by id (1, 2, ...).
pub fn bpf_helpers() -> &'static [BpfHelper] {
    static HELPERS: OnceLock<Vec<BpfHelper>> = OnceLock::new();
    HELPERS.get_or_init(|| {
        parse_table(TABLE).unwrap_or_else(|error| {
            // The table is committed data that tests/bpf_helpers.rs parses:
            // a failure here is a bug in the generator, not in user input.
            panic!("crates/btf/data/bpf_helpers.tsv is malformed: {error}")
        })
    })
}

/// The helper called `name` (e.g. `bpf_get_stack`).
pub fn bpf_helper(name: &str) -> Option<&'static BpfHelper> {
    bpf_helpers().iter().find(|helper| helper.name == name)
}

/// The helper with id `id`.
pub fn bpf_helper_by_id(id: u32) -> Option<&'static BpfHelper> {
    bpf_helpers().iter().find(|helper| helper.id == id)
}

/// Parses the table text: one helper per non-comment line.
pub(crate) fn parse_table(table: &'static str) -> Result<Vec<BpfHelper>, String> {
    table
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty())
        .map(|(index, line)| {
            parse_line(line).map_err(|error| format!("line {}: {error}", index + 1))
        })
        .collect()
}

fn parse_line(line: &'static str) -> Result<BpfHelper, String> {
    let mut columns = line.split('\t');
    let mut column = |what: &str| columns.next().ok_or(format!("no {what} column"));
    let id = column("id")?
        .parse()
        .map_err(|_| "the id is not a number".to_string())?;
    let name = column("name")?;
    let return_type = parse_type(column("return type")?)?;
    let parameter_text = column("parameters")?;
    let summary = column("summary")?;
    let mut parameters = Vec::new();
    let mut is_variadic = false;
    if parameter_text != "void" {
        for declaration in parameter_text.split("; ") {
            if declaration == "..." {
                is_variadic = true;
                continue;
            }
            parameters.push(parse_parameter(declaration)?);
        }
    }
    Ok(BpfHelper {
        id,
        name,
        return_type,
        parameters,
        is_variadic,
        summary,
    })
}

/// `const void *key` → (`key`, pointer to const void).
fn parse_parameter(declaration: &'static str) -> Result<HelperParameter, String> {
    let split = declaration
        .rfind(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
        .ok_or(format!("`{declaration}` has no name"))?;
    let (type_text, name) = declaration.split_at(split + 1);
    if name.is_empty() {
        return Err(format!("`{declaration}` has no name"));
    }
    Ok(HelperParameter {
        name,
        c_type: parse_type(type_text.trim())?,
    })
}

/// `long`, `__u32 *`, `const struct bpf_dynptr *`, `void *`.
fn parse_type(text: &'static str) -> Result<HelperType, String> {
    let text = text.trim();
    if let Some(pointee) = text.strip_suffix('*') {
        let pointee = pointee.trim_end();
        let (target_is_const, pointee) = match pointee.strip_prefix("const ") {
            Some(rest) => (true, rest),
            None => (false, pointee),
        };
        return Ok(HelperType::Pointer {
            target: Box::new(parse_type(pointee)?),
            target_is_const,
        });
    }
    if text == "void" {
        return Ok(HelperType::Void);
    }
    if let Some(name) = text.strip_prefix("struct ") {
        return Ok(HelperType::Struct(name.trim()));
    }
    let (byte_size, is_signed) = match text {
        "char" | "__s8" => (1, true),
        "__u8" | "unsigned char" => (1, false),
        "__u16" | "__be16" | "unsigned short" => (2, false),
        "__s16" | "short" => (2, true),
        "int" | "__s32" => (4, true),
        "__u32" | "__be32" | "__wsum" | "unsigned int" => (4, false),
        "long" | "__s64" | "long long" => (8, true),
        "__u64" | "unsigned long" | "unsigned long long" => (8, false),
        other => return Err(format!("unknown C type `{other}`")),
    };
    Ok(HelperType::Integer {
        spelling: text,
        byte_size,
        is_signed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_parse_and_print_back() {
        for text in [
            "long",
            "void *",
            "const void *",
            "__u64 *",
            "const struct bpf_dynptr *",
            "struct task_struct *",
            "unsigned long",
        ] {
            assert_eq!(parse_type(text).expect(text).to_string(), text);
        }
        assert!(parse_type("float").is_err());
        let parameter = parse_parameter("const char *fmt").expect("parses");
        assert_eq!(parameter.name, "fmt");
        assert!(parse_parameter("int").is_err());
    }

    #[test]
    fn malformed_lines_are_reported() {
        assert!(parse_table("x\tname\tlong\tvoid\tsummary\n").is_err());
        assert!(parse_table("1\tname\tlong\n").is_err());
        assert_eq!(parse_table("# only a comment\n"), Ok(Vec::new()));
    }
}
