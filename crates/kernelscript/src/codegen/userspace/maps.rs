//! Typed helpers for the maps userspace touches, one set per map, emitted
//! only for the operations the program uses:
//!
//! * `M_lookup(key, &value)`: copy out; false when absent.
//! * `M_get(key)`: the value, or zero when absent (`m[k]` as a value).
//! * `M_contains(key)`: `m[k] != null`.
//! * `M_load(key, &value)`: `M_lookup` into zeroed storage (a local that
//!   remembers whether its entry existed, `ir::ExprKind::MapLoad`).
//! * `M_update(key, value, flags)`: insert or replace (`BPF_ANY`), or
//!   write back an entry that must still exist (`BPF_EXIST`).
//! * `M_delete(key)`: absent keys are not an error.
//! * `M_next_key(&key, &next)`: iteration with `bpf_map_get_next_key`.
//!
//! They go through libbpf's size-checked `bpf_map__*_elem` calls (libbpf
//! 0.8+), so a layout mismatch with the object is an error message, never
//! memory corruption. Keys are copied into zeroed storage first: struct
//! padding and the tail of a string key are part of the key's bytes.
//! Per-CPU maps read as the sum over CPUs and write to CPU 0 (see mod.rs).

use crate::codegen::c::types::{has_padding, is_array_like, Types};
use crate::codegen::c::CWriter;
use crate::ir::{MapDef, MapId, Type};

use super::runtime::{emit, raw};
use super::Generator;

/// The helper operations, in the order names are allocated.
pub const OPERATIONS: &[&str] = &[
    "lookup", "get", "contains", "update", "delete", "next_key", "load",
];

pub fn write(generator: &Generator, out: &mut CWriter) {
    if generator.needs.maps.is_empty() {
        return;
    }
    raw(out, "/* ---- Maps ---- */");
    out.blank_line();
    emit(out, generator, MAP_ERROR);
    if generator
        .needs
        .maps
        .keys()
        .any(|map| generator.program.map(*map).kind.is_percpu())
    {
        emit(out, generator, POSSIBLE_CPUS);
    }
    for (&map, map_use) in &generator.needs.maps {
        let helpers = MapHelpers::new(generator, map);
        if map_use.lookup {
            helpers.lookup(out);
        }
        if map_use.get {
            helpers.get(out);
        }
        if map_use.contains {
            helpers.contains(out);
        }
        if map_use.load {
            helpers.load(out);
        }
        if map_use.update {
            helpers.update(out);
        }
        if map_use.delete {
            helpers.delete(out);
        }
        if map_use.iterate {
            helpers.next_key(out);
        }
    }
}

struct MapHelpers<'g> {
    generator: &'g Generator<'g>,
    types: &'g Types<'g>,
    map: &'g MapDef,
    id: MapId,
}

impl<'g> MapHelpers<'g> {
    fn new(generator: &'g Generator<'g>, id: MapId) -> MapHelpers<'g> {
        MapHelpers {
            generator,
            types: &generator.scope.types,
            map: generator.program.map(id),
            id,
        }
    }

    fn name(&self, operation: &'static str) -> String {
        self.generator.map_helper(self.id, operation)
    }

    fn map_pointer(&self) -> String {
        format!("ks_skel->maps.{}", self.generator.plan.names.map(self.id))
    }

    /// `K key` (by value), or a pointer to the elements of an array-like key.
    fn key_parameter(&self) -> String {
        element_pointer_parameter(self.types, &self.map.key, "key")
            .unwrap_or_else(|| self.types.declaration(&self.map.key, "key"))
    }

    /// Storage for the key's bytes, zeroed first: declarations,
    /// statements, and the pointer and size to hand to libbpf.
    fn key_bytes(&self) -> KeyBytes {
        let key_ty = &self.map.key;
        match key_ty {
            Type::Str(len) => KeyBytes {
                declarations: vec![format!("char key_bytes[{len}];")],
                statements: vec![format!(
                    "ks_str_copy(key_bytes, sizeof(key_bytes), key, {len});"
                )],
                pointer: "key_bytes".into(),
                size: "sizeof(key_bytes)".into(),
            },
            Type::Array(..) => KeyBytes {
                declarations: Vec::new(),
                statements: Vec::new(),
                pointer: "key".into(),
                size: format!("sizeof({})", self.types.name(key_ty)),
            },
            Type::Struct(_) if has_padding(self.types.program, key_ty) => {
                let mut statements = vec!["memset(&key_bytes, 0, sizeof(key_bytes));".to_string()];
                copy_fields(self.types, "key_bytes", "key", key_ty, &mut statements);
                KeyBytes {
                    declarations: vec![format!("{};", self.types.declaration(key_ty, "key_bytes"))],
                    statements,
                    pointer: "&key_bytes".into(),
                    size: "sizeof(key_bytes)".into(),
                }
            }
            _ => KeyBytes {
                declarations: Vec::new(),
                statements: Vec::new(),
                pointer: "&key".into(),
                size: "sizeof(key)".into(),
            },
        }
    }

    fn value_size(&self) -> String {
        format!("sizeof({})", self.types.name(&self.map.value))
    }

    /// `V *value`, or `char *value` / `T *value` for array-like values.
    fn value_out_parameter(&self) -> String {
        match &self.map.value {
            Type::Str(_) => "char *value".into(),
            Type::Array(element, _) => self
                .types
                .declaration(&Type::Pointer(element.clone()), "value"),
            value => self
                .types
                .declaration(&Type::Pointer(Box::new(value.clone())), "value"),
        }
    }

    fn write_function(
        &self,
        out: &mut CWriter,
        comment: &str,
        signature: &str,
        declarations: &[String],
        statements: &[String],
    ) {
        raw(out, comment);
        raw(out, signature);
        raw(out, "{");
        for line in declarations {
            raw(out, format!("    {line}"));
        }
        if !declarations.is_empty() && !statements.is_empty() {
            raw(out, "");
        }
        for line in statements {
            if line.is_empty() {
                raw(out, "");
            } else {
                raw(out, format!("    {line}"));
            }
        }
        raw(out, "}");
        out.blank_line();
    }

    /// Per-CPU buffers: one 8-byte aligned value per possible CPU.
    fn percpu_declarations(&self) -> Vec<String> {
        vec![
            format!("size_t stride = ({} + 7) & ~(size_t)7;", self.value_size()),
            "int cpus = ks_possible_cpus();".to_string(),
            "unsigned char *values = calloc(cpus, stride);".to_string(),
        ]
    }

    fn lookup(&self, out: &mut CWriter) {
        let key = self.key_bytes();
        let map = self.map_pointer();
        let value_size = self.value_size();
        let name = &self.map.name;
        let mut declarations = Vec::new();
        let mut statements = key.statements.clone();
        if self.map.kind.is_percpu() {
            declarations.extend(self.percpu_declarations());
            declarations.extend(key.declarations.iter().cloned());
            declarations.push("int err;".to_string());
            let value_ty = &self.map.value;
            let other = self
                .types
                .declaration(&Type::Pointer(Box::new(value_ty.clone())), "other");
            statements.extend([
                "if (!values) {".to_string(),
                format!("    ks_map_error(\"{name}\", \"read\", -ENOMEM);"),
                "    return false;".to_string(),
                "}".to_string(),
                "ks_load_object();".to_string(),
                format!(
                    "err = bpf_map__lookup_elem({map}, {}, {}, values, cpus * stride, 0);",
                    key.pointer, key.size
                ),
                "if (err) {".to_string(),
                "    free(values);".to_string(),
                "    if (err != -ENOENT)".to_string(),
                format!("        ks_map_error(\"{name}\", \"read\", err);"),
                "    return false;".to_string(),
                "}".to_string(),
                "/* The sum over CPUs; fields that are not integers: CPU 0's. */".to_string(),
                format!("memcpy(value, values, {value_size});"),
                "for (int cpu = 1; cpu < cpus; cpu++) {".to_string(),
                format!("    const {other} = (const void *)(values + cpu * stride);"),
                String::new(),
            ]);
            let mut sums = Vec::new();
            accumulate(self.types, "(*value)", "(*other)", value_ty, &mut sums);
            statements.extend(sums.into_iter().map(|line| format!("    {line}")));
            statements.extend([
                "}".to_string(),
                "free(values);".to_string(),
                "return true;".to_string(),
            ]);
        } else {
            declarations.extend(key.declarations.iter().cloned());
            declarations.push("int err;".to_string());
            statements.extend([
                "ks_load_object();".to_string(),
                format!(
                    "err = bpf_map__lookup_elem({map}, {}, {}, value, {value_size}, 0);",
                    key.pointer, key.size
                ),
                "if (err == -ENOENT)".to_string(),
                "    return false;".to_string(),
                "if (err) {".to_string(),
                format!("    ks_map_error(\"{name}\", \"read\", err);"),
                "    return false;".to_string(),
                "}".to_string(),
                "return true;".to_string(),
            ]);
        }
        let signature = format!(
            "static bool {}({}, {})",
            self.name("lookup"),
            self.key_parameter(),
            self.value_out_parameter()
        );
        let comment =
            format!("/* {name}[key]: copies the stored value to *value; false when absent. */");
        self.write_function(out, &comment, &signature, &declarations, &statements);
    }

    fn get(&self, out: &mut CWriter) {
        let name = &self.map.name;
        let lookup = self.name("lookup");
        let get = self.name("get");
        let comment = format!("/* {name}[key] as a value: zero when the key is absent. */");
        if is_array_like(&self.map.value) {
            let signature = format!(
                "static {}({}, {})",
                const_pointer_return(self.types, &self.map.value, &get),
                self.value_out_parameter(),
                self.key_parameter()
            );
            let statements = vec![
                format!("memset(value, 0, {});", self.value_size()),
                format!("{lookup}(key, value);"),
                "return value;".to_string(),
            ];
            self.write_function(out, &comment, &signature, &[], &statements);
            return;
        }
        let value_ty = self.types.name(&self.map.value);
        let signature = format!("static {value_ty} {get}({})", self.key_parameter());
        let declarations = vec![format!(
            "{};",
            self.types.declaration(&self.map.value, "value")
        )];
        let statements = vec![
            "memset(&value, 0, sizeof(value));".to_string(),
            format!("{lookup}(key, &value);"),
            "return value;".to_string(),
        ];
        self.write_function(out, &comment, &signature, &declarations, &statements);
    }

    /// `M_load(key, &value)`: like `M_lookup`, but zero-fills `*value`
    /// first, so an absent key reads as zero (`var x = m[k]` compared with
    /// `null`).
    fn load(&self, out: &mut CWriter) {
        let name = &self.map.name;
        let comment =
            format!("/* {name}[key], copied to *value (zero when absent); false when absent. */");
        let signature = format!(
            "static bool {}({}, {})",
            self.name("load"),
            self.key_parameter(),
            self.value_out_parameter()
        );
        let statements = vec![
            format!("memset(value, 0, {});", self.value_size()),
            format!("return {}(key, value);", self.name("lookup")),
        ];
        self.write_function(out, &comment, &signature, &[], &statements);
    }

    fn contains(&self, out: &mut CWriter) {
        let name = &self.map.name;
        let comment = format!("/* {name}[key] != null: whether {name} holds key. */");
        let signature = format!(
            "static bool {}({})",
            self.name("contains"),
            self.key_parameter()
        );
        let (declaration, pointer) = if is_array_like(&self.map.value) {
            (self.types.declaration(&self.map.value, "value"), "value")
        } else {
            (self.types.declaration(&self.map.value, "value"), "&value")
        };
        let statements = vec![format!("return {}(key, {pointer});", self.name("lookup"))];
        self.write_function(
            out,
            &comment,
            &signature,
            &[format!("{declaration};")],
            &statements,
        );
    }

    fn update(&self, out: &mut CWriter) {
        let key = self.key_bytes();
        let map = self.map_pointer();
        let name = &self.map.name;
        let value_size = self.value_size();
        let value_parameter = element_pointer_parameter(self.types, &self.map.value, "value")
            .unwrap_or_else(|| self.types.declaration(&self.map.value, "value"));
        let mut declarations = Vec::new();
        if self.map.kind.is_percpu() {
            declarations.extend(self.percpu_declarations());
        }
        declarations.extend(key.declarations.iter().cloned());
        let mut statements = key.statements.clone();
        // The bytes handed to the kernel: strings are zero-filled first.
        let value_pointer = match &self.map.value {
            Type::Str(len) => {
                declarations.push(format!("char value_bytes[{len}];"));
                statements.push(format!(
                    "ks_str_copy(value_bytes, sizeof(value_bytes), value, {len});"
                ));
                "value_bytes".to_string()
            }
            Type::Array(..) => "value".to_string(),
            _ => "&value".to_string(),
        };
        declarations.push("int err;".to_string());
        if self.map.kind.is_percpu() {
            statements.extend([
                "if (!values) {".to_string(),
                format!("    ks_map_error(\"{name}\", \"write\", -ENOMEM);"),
                "    return false;".to_string(),
                "}".to_string(),
                "/* CPU 0 holds the value, the other CPUs zero. */".to_string(),
                format!("memcpy(values, {value_pointer}, {value_size});"),
                "ks_load_object();".to_string(),
                format!(
                    "err = bpf_map__update_elem({map}, {}, {}, values, cpus * stride, flags);",
                    key.pointer, key.size
                ),
                "free(values);".to_string(),
            ]);
        } else {
            statements.extend([
                "ks_load_object();".to_string(),
                format!(
                    "err = bpf_map__update_elem({map}, {}, {}, {value_pointer}, {value_size}, flags);",
                    key.pointer, key.size
                ),
            ]);
        }
        statements.extend([
            "/* A write-back (BPF_EXIST) of an entry deleted meanwhile is dropped; */".to_string(),
            "/* an insert (BPF_NOEXIST) of a present key, or into a full map, is refused. */"
                .to_string(),
            "if (err && !(err == -ENOENT && flags == BPF_EXIST) &&".to_string(),
            "    !((err == -EEXIST || err == -E2BIG) && flags == BPF_NOEXIST))".to_string(),
            format!("    ks_map_error(\"{name}\", \"write\", err);"),
            "return err == 0;".to_string(),
        ]);
        let signature = format!(
            "static bool {}({}, {value_parameter}, __u64 flags)",
            self.name("update"),
            self.key_parameter()
        );
        let comment = format!("/* {name}[key] = value. */");
        self.write_function(out, &comment, &signature, &declarations, &statements);
    }

    fn delete(&self, out: &mut CWriter) {
        let key = self.key_bytes();
        let map = self.map_pointer();
        let name = &self.map.name;
        let mut declarations = key.declarations.clone();
        declarations.push("int err;".to_string());
        let mut statements = key.statements.clone();
        statements.extend([
            "ks_load_object();".to_string(),
            format!(
                "err = bpf_map__delete_elem({map}, {}, {}, 0);",
                key.pointer, key.size
            ),
            "if (err && err != -ENOENT)".to_string(),
            format!("    ks_map_error(\"{name}\", \"delete from\", err);"),
        ]);
        let signature = format!(
            "static void {}({})",
            self.name("delete"),
            self.key_parameter()
        );
        let comment = format!("/* delete {name}[key]; deleting an absent key does nothing. */");
        self.write_function(out, &comment, &signature, &declarations, &statements);
    }

    fn next_key(&self, out: &mut CWriter) {
        let map = self.map_pointer();
        let name = &self.map.name;
        let key_size = format!("sizeof({})", self.types.name(&self.map.key));
        let element = match &self.map.key {
            Type::Str(_) => Type::Char,
            Type::Array(element, _) => (**element).clone(),
            key => key.clone(),
        };
        let pointer = Type::Pointer(Box::new(element));
        let key = format!("const {}", self.types.declaration(&pointer, "key"));
        let next = self.types.declaration(&pointer, "next");
        let declarations = vec!["int err;".to_string()];
        let statements = vec![
            "ks_load_object();".to_string(),
            format!("err = bpf_map__get_next_key({map}, key, next, {key_size});"),
            "if (err && err != -ENOENT)".to_string(),
            format!("    ks_map_error(\"{name}\", \"iterate over\", err);"),
            "return err == 0;".to_string(),
        ];
        let signature = format!("static bool {}({key}, {next})", self.name("next_key"));
        let comment = format!(
            "/* The key of {name} after *key (the first key when key is NULL); false at the end. */"
        );
        self.write_function(out, &comment, &signature, &declarations, &statements);
    }
}

struct KeyBytes {
    declarations: Vec<String>,
    statements: Vec<String>,
    pointer: String,
    size: String,
}

/// `const char *NAME` / `const T *NAME` for array-like types, else `None`.
fn element_pointer_parameter(types: &Types, ty: &Type, name: &str) -> Option<String> {
    match ty {
        Type::Str(_) => Some(format!("const char *{name}")),
        Type::Array(element, _) => Some(format!(
            "const {}",
            types.declaration(&Type::Pointer(element.clone()), name)
        )),
        _ => None,
    }
}

/// `const char *NAME` as a return declarator for array-like `get`s.
fn const_pointer_return(types: &Types, ty: &Type, name: &str) -> String {
    match ty {
        Type::Str(_) => format!("const char *{name}"),
        Type::Array(element, _) => format!(
            "const {}",
            types.declaration(&Type::Pointer(element.clone()), name)
        ),
        _ => unreachable!("only array-like values"),
    }
}

/// Field-by-field copy of `src` into zeroed `dst`, so padding stays zero.
fn copy_fields(types: &Types, dst: &str, src: &str, ty: &Type, lines: &mut Vec<String>) {
    let Type::Struct(id) = ty else {
        lines.push(format!("{dst} = {src};"));
        return;
    };
    for (index, field) in types.program.struct_def(*id).fields.iter().enumerate() {
        let name = types.names.field(*id, index);
        let (dst_field, src_field) = (format!("{dst}.{name}"), format!("{src}.{name}"));
        match &field.ty {
            Type::Struct(_) if has_padding(types.program, &field.ty) => {
                copy_fields(types, &dst_field, &src_field, &field.ty, lines)
            }
            Type::Str(_) | Type::Array(..) => lines.push(format!(
                "memcpy({dst_field}, {src_field}, sizeof({dst_field}));"
            )),
            _ => lines.push(format!("{dst_field} = {src_field};")),
        }
    }
}

/// `*value += *other` for the integer parts of a per-CPU value (`dst`
/// and `src` are `(*pointer)`).
fn accumulate(types: &Types, dst: &str, src: &str, ty: &Type, lines: &mut Vec<String>) {
    match ty {
        Type::Struct(id) => {
            for (index, field) in types.program.struct_def(*id).fields.iter().enumerate() {
                let name = types.names.field(*id, index);
                let (dst_field, src_field) = (member(dst, name), member(src, name));
                accumulate_member(types, &dst_field, &src_field, &field.ty, lines, 0);
            }
        }
        _ => accumulate_member(types, dst, src, ty, lines, 0),
    }
}

fn accumulate_member(
    types: &Types,
    dst: &str,
    src: &str,
    ty: &Type,
    lines: &mut Vec<String>,
    depth: usize,
) {
    match ty {
        Type::Int(_) => {
            let unwrap = |text: &str| {
                text.strip_prefix("(*")
                    .and_then(|rest| rest.strip_suffix(')'))
                    .map_or_else(|| text.to_string(), |pointer| format!("*{pointer}"))
            };
            lines.push(format!("{} += {};", unwrap(dst), unwrap(src)))
        }
        Type::Struct(id) => {
            for (index, field) in types.program.struct_def(*id).fields.iter().enumerate() {
                let name = types.names.field(*id, index);
                accumulate_member(
                    types,
                    &format!("{dst}.{name}"),
                    &format!("{src}.{name}"),
                    &field.ty,
                    lines,
                    depth,
                );
            }
        }
        Type::Array(element, len) if matches!(**element, Type::Int(_) | Type::Struct(_)) => {
            let index = ["i", "j", "k", "l"].get(depth).copied().unwrap_or("m");
            let mut inner = Vec::new();
            accumulate_member(
                types,
                &format!("{dst}[{index}]"),
                &format!("{src}[{index}]"),
                element,
                &mut inner,
                depth + 1,
            );
            if !inner.is_empty() {
                lines.push(format!(
                    "for (size_t {index} = 0; {index} < {len}; {index}++)"
                ));
                if inner.len() == 1 {
                    lines.push(format!("    {}", inner[0]));
                } else {
                    lines.push("{".into());
                    for line in inner {
                        lines.push(format!("    {line}"));
                    }
                    lines.push("}".into());
                }
            }
        }
        _ => {}
    }
}

/// `value->field` for the top-level `(*value)`, `base.field` otherwise.
fn member(base: &str, field: &str) -> String {
    match base
        .strip_prefix("(*")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        Some(pointer) => format!("{pointer}->{field}"),
        None => format!("{base}.{field}"),
    }
}

const MAP_ERROR: &str = r#"
/* Map operations report failures and carry on. */
static void ks_map_error(const char *map, const char *operation, int err)
{
    fprintf(stderr, "@NAME@: cannot %s map '%s': %s\n", operation, map, strerror(-err));
}
"#;

const POSSIBLE_CPUS: &str = r#"
/* Per-CPU maps hold one value per possible CPU, each 8-byte aligned. */
static int ks_possible_cpus(void)
{
    int cpus = libbpf_num_possible_cpus();

    if (cpus < 0) {
        fprintf(stderr, "@NAME@: cannot count the possible CPUs: %s\n", strerror(-cpus));
        exit(1);
    }
    return cpus;
}
"#;
