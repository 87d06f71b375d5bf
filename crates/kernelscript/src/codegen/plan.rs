//! The outputs plan: the facts every output of one compilation must agree
//! on, decided once before any C is written — the project name, the
//! tail-call program arrays, the `pin var` map, whether the eBPF object
//! needs the kernel's own types (and so its kernel header `NAME.vmlinux.h`),
//! and whether there is a userspace program.
//!
//! `driver::generate` builds it; the eBPF and userspace generators and the
//! Makefile read it instead of working these out again (or reading each
//! other's output).

use std::collections::{BTreeMap, BTreeSet};

use super::c::names::{clash_in_both, Names, Place};
use super::kernel_header::KernelHeader;
use crate::ir::visit::walk_block_exprs;
use crate::ir::{
    Callee, ConfigId, ConstId, EnumId, ExprKind, ExternId, FunctionId, FunctionKind, GlobalId,
    MapId, Origin, Program, ProgramKind, StructId, StructOpsId, Target,
};

/// What the outputs of one compilation share.
#[derive(Clone, Debug)]
pub struct Plan {
    /// `NAME`: the C identifier made of the `.ks` file stem. Names the
    /// outputs (`NAME.ebpf.c`, `NAME.c`), the skeleton and the pin
    /// directory.
    pub project: String,
    /// Write `#line` directives mapping statements to `.ks` lines.
    pub line_directives: bool,
    /// The program arrays behind `return other_program(ctx)`.
    pub tail_calls: Vec<TailCallTable>,
    /// The map holding the `pin var` globals, if there are any.
    pub pinned_globals: Option<String>,
    /// Whether the eBPF object needs the kernel's own types, written from
    /// BTF into its kernel header instead of UAPI includes.
    pub needs_kernel_types: bool,
    /// That header's file name (`NAME.vmlinux.h`), when it needs one.
    pub kernel_header: Option<String>,
    /// That header, written from the BTF the program was checked against
    /// (`None` without BTF). Made before the names: the source's
    /// file-scope names avoid what it declares.
    pub kernel_header_c: Option<KernelHeader>,
    /// Whether there is a userspace program (a `main`).
    pub has_userspace: bool,
    /// Whether the outputs include the test runner (`NAME.test.c` and its
    /// Makefile targets): asked for, and the program has `@test`
    /// functions. Set by the driver.
    pub tests: bool,
    /// Whether userspace calls into Python (the program embeds CPython and
    /// links `libpython3`).
    pub uses_python: bool,
    /// The kernel module's name (`NAME_kfuncs`), when the program has
    /// `@kfunc` functions (`codegen::kmod`).
    pub kernel_module: Option<String>,
    /// The C names of the program's items, which both outputs use.
    pub names: CNames,
    /// The eBPF functions that read kernel memory through CO-RE probe
    /// reads (`BPF_CORE_READ`): programs of kinds whose descriptors say
    /// `KernelMemory::ProbeRead` (tracing), and the helpers they call.
    pub kernel_reads: BTreeSet<FunctionId>,
    /// Where the program pins its `pin` maps and `pin var` globals.
    pub pin_root: PinRoot,
}

/// The directory of a program's pins: `/sys/fs/bpf/NAME` unless
/// `compile --pin-path DIR` chose another (no trailing `/`). Pinned maps
/// live in `DIR/maps`, `pin var` globals in `DIR/globals`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinRoot(pub String);

impl PinRoot {
    pub fn maps_dir(&self) -> String {
        format!("{}/maps", self.0)
    }
    pub fn globals_dir(&self) -> String {
        format!("{}/globals", self.0)
    }
}

impl Plan {
    /// The plan for `program`, whose source file's stem is `stem`.
    pub fn new(program: &Program, stem: &str) -> Plan {
        let ebpf_functions: Vec<usize> = program
            .functions
            .iter()
            .enumerate()
            .filter(|(_, function)| {
                function.kind.target() == Target::Ebpf && function.kind != FunctionKind::Kfunc
            })
            .map(|(index, _)| index)
            .collect();
        let project = c_identifier(stem);
        let project_name = project.clone();
        let needs_kernel_types = super::ebpf::needs_kernel_types(program, &ebpf_functions);
        let kernel_header = needs_kernel_types.then(|| format!("{project}.vmlinux.h"));
        let kernel_header_c = kernel_header
            .as_ref()
            .and_then(|file| super::kernel_header::kernel_header(program, &project, file));
        let kernel_declares = kernel_header_c
            .as_ref()
            .map(|header| &header.declares)
            .cloned()
            .unwrap_or_default();
        let mut names = CNames::new(program, &kernel_declares);
        let tail_calls = tail_call_tables(program, &mut names.file);
        let pinned_globals = pinned_globals_map(program, &mut names);
        Plan {
            kernel_reads: kernel_reads(program),
            kernel_header,
            kernel_header_c,
            pin_root: PinRoot(format!("/sys/fs/bpf/{project}")),
            project,
            line_directives: true,
            tail_calls,
            pinned_globals,
            needs_kernel_types,
            has_userspace: program
                .functions
                .iter()
                .any(|function| function.kind == FunctionKind::Main),
            uses_python: uses_python(program),
            tests: false,
            kernel_module: program
                .functions
                .iter()
                .any(|function| function.kind == FunctionKind::Kfunc)
                .then(|| super::kmod::module_name(&project_name)),
            names,
        }
    }
}

/// Whether any userspace function calls a Python module's function.
fn uses_python(program: &Program) -> bool {
    program
        .functions
        .iter()
        .filter(|function| function.kind.target() == Target::Userspace)
        .any(|function| {
            let mut calls = false;
            walk_block_exprs(&function.body, &mut |expr| {
                if matches!(
                    expr.kind,
                    ExprKind::Call {
                        callee: Callee::Python { .. },
                        ..
                    }
                ) {
                    calls = true;
                }
            });
            calls
        })
}

/// The eBPF functions that read kernel memory with CO-RE probe reads: the
/// programs of tracing kinds and every helper they reach (a helper shared
/// with a packet program reads the same way; packet programs have no
/// kernel pointers to read through).
fn kernel_reads(program: &Program) -> BTreeSet<FunctionId> {
    let mut pending: Vec<FunctionId> = program
        .functions
        .iter()
        .enumerate()
        .filter(|(_, function)| {
            function.kind.program().is_some_and(|decl| {
                decl.descriptor().kernel_memory == crate::kinds::KernelMemory::ProbeRead
            })
        })
        .map(|(index, _)| FunctionId(index as u32))
        .collect();
    let mut reads = BTreeSet::new();
    while let Some(id) = pending.pop() {
        if !reads.insert(id) {
            continue;
        }
        walk_block_exprs(&program.function(id).body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::Function(callee),
                ..
            } = &expr.kind
            {
                if program.function(*callee).kind == FunctionKind::Helper {
                    pending.push(*callee);
                }
            }
        });
    }
    reads
}

/// `text` made a C identifier: non-identifier characters become `_`, and a
/// leading digit gets a `_` prefix (for the project name).
pub fn c_identifier(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

pub use super::c::names::first_free;

/// The ELF sections of the object that are also C identifiers.
pub fn identifier_sections(program: &Program) -> BTreeSet<String> {
    let mut sections: BTreeSet<String> = program
        .functions
        .iter()
        .filter_map(|function| function.kind.program())
        .map(|decl| (decl.descriptor().section)(&decl.target))
        .filter(|section| {
            section
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .collect();
    sections.insert("license".to_string());
    sections
}

/// A program array behind `return other_program(ctx)` tail calls.
///
/// The kernel lets one program array serve programs of one type only, so
/// there is a table per program type that tail-calls (`prog_array` when a
/// single type does, else `prog_array_xdp`, `prog_array_tc`, ...).
/// Userspace must store the fd of `targets[i]` at index `i` of the map
/// `map_name` before attaching (see ARCHITECTURE.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TailCallTable {
    /// The `BPF_MAP_TYPE_PROG_ARRAY` map's C name.
    pub map_name: String,
    /// The kernel program type of every program in the table (their
    /// descriptors' `program_type`).
    pub program_type: &'static str,
    /// Every program of that type some program tail-calls, in declaration
    /// order: the index of a program in this list is its slot in the map.
    pub targets: Vec<FunctionId>,
}

/// The tail-call program arrays of `program`, by program type.
fn tail_call_tables(program: &Program, file: &mut Names) -> Vec<TailCallTable> {
    // By the first kind (in table order) of each kernel program type.
    let mut targets: BTreeMap<ProgramKind, BTreeSet<FunctionId>> = BTreeMap::new();
    for function in &program.functions {
        if function.kind.target() != Target::Ebpf {
            continue;
        }
        walk_block_exprs(&function.body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::TailCall(target),
                ..
            } = &expr.kind
            {
                if let Some(decl) = program.function(*target).kind.program() {
                    targets.entry(decl.kind).or_default().insert(*target);
                }
            }
        });
    }
    let single = targets.len() == 1;
    targets
        .into_iter()
        .map(|(kind, targets)| {
            let descriptor = kind.descriptor();
            let base = if single {
                "prog_array".to_string()
            } else {
                format!("prog_array_{}", descriptor.attribute)
            };
            let map_name = file.fresh(&base);
            TailCallTable {
                map_name,
                program_type: descriptor.program_type,
                targets: targets.into_iter().collect(),
            }
        })
        .collect()
}

/// The name of the one-entry array map holding the `pin var` globals
/// (`pinned_globals` unless a user item has that name), if there are any.
/// Its value is `struct pinned_globals` (same name as the map), whose
/// fields are the pinned globals in declaration order; the eBPF object
/// reaches entry 0 through `pinned_globals_entry()`.
fn pinned_globals_map(program: &Program, names: &mut CNames) -> Option<String> {
    if !program.globals.iter().any(|global| global.pinned) {
        return None;
    }
    let name = first_free("pinned_globals", |candidate| {
        names.file.is_taken(candidate)
            || names.file.is_taken(&format!("{candidate}_entry"))
            || names.tags.is_taken(candidate)
    });
    names.file.reserve(&name);
    names.file.reserve(&format!("{name}_entry"));
    names.tags.reserve(&name);
    Some(name)
}

/// The C names of a program's items, the same in every output: a user
/// name is kept where C allows it in both outputs and renamed the same way
/// in both where not (`codegen::c::names`). Kernel items keep the kernel's
/// names; so do programs, maps, struct_ops impl blocks and `extern`s,
/// which the kernel and the skeleton see by name (the checker refuses
/// those C cannot carry).
#[derive(Clone, Debug)]
pub struct CNames {
    structs: Vec<String>,
    fields: Vec<Vec<String>>,
    enums: Vec<String>,
    variants: Vec<Vec<String>>,
    consts: Vec<String>,
    globals: Vec<String>,
    configs: Vec<String>,
    config_fields: Vec<Vec<String>>,
    maps: Vec<String>,
    functions: Vec<String>,
    struct_ops: Vec<String>,
    externs: Vec<String>,
    /// Every file-scope name taken, in both outputs.
    pub file: Names,
    /// Every struct and enum tag taken.
    pub tags: Names,
}

impl CNames {
    /// Allocates the names of `program`'s items, avoiding the typedefs and
    /// enumerators of its kernel header (`kernel_declares`).
    pub fn new(program: &Program, kernel_declares: &BTreeSet<String>) -> CNames {
        let mut file = Names::new();
        for name in kernel_declares {
            file.reserve(name);
        }
        let mut tags = Names::new();
        // An imported module's items are named after the module first
        // (`utils_validate`), so they cannot collide with the main file's.
        let qualified = |name: &str, span: crate::span::Span| match program.module_of(span) {
            Some(module) => format!("{}_{name}", program.module(module).name),
            None => name.to_string(),
        };
        // Names fixed by the kernel, the skeleton or the headers first.
        for map in &program.maps {
            if program.module_of(map.span).is_none() {
                file.reserve(&map.name);
            }
        }
        for function in &program.functions {
            if function.kind.is_program() || function.kind == FunctionKind::Kfunc {
                file.reserve(&function.name);
            }
        }
        for def in &program.struct_ops {
            file.reserve(&def.name);
        }
        for def in &program.externs {
            file.reserve(&def.name);
        }

        for def in program
            .consts
            .iter()
            .filter(|def| def.origin == Origin::Kernel)
        {
            file.reserve(&def.name);
        }
        for def in program
            .enums
            .iter()
            .filter(|def| def.origin == Origin::Kernel)
        {
            tags.reserve(&def.name);
            for variant in &def.variants {
                file.reserve(&variant.name);
            }
        }
        for def in program
            .structs
            .iter()
            .filter(|def| def.origin == Origin::Kernel)
        {
            tags.reserve(&def.name);
        }
        // `SEC("xdp")` makes a symbol `xdp` in the object: no file-scope
        // name may be one (locals may).
        let sections = identifier_sections(program);
        let file_name = |file: &mut Names, name: &str| {
            let clashes = clash_in_both(name, Place::File).is_some() || sections.contains(name);
            file.user(name, clashes)
        };
        let tag_name = |tags: &mut Names, name: &str| {
            let clashes = clash_in_both(name, Place::Tag).is_some();
            tags.user(name, clashes)
        };
        let members = |names: &mut dyn Iterator<Item = &str>| {
            let mut members = Names::new();
            names
                .map(|name| members.user(name, clash_in_both(name, Place::Member).is_some()))
                .collect::<Vec<String>>()
        };
        let mut structs = Vec::new();
        let mut fields = Vec::new();
        for def in &program.structs {
            if def.origin == Origin::Kernel || def.struct_ops.is_some() {
                structs.push(def.name.clone());
                fields.push(def.fields.iter().map(|field| field.name.clone()).collect());
            } else {
                structs.push(tag_name(&mut tags, &qualified(&def.name, def.span)));
                fields.push(members(
                    &mut def.fields.iter().map(|field| field.name.as_str()),
                ));
            }
        }
        let mut enums = Vec::new();
        let mut variants = Vec::new();
        for def in &program.enums {
            if def.origin == Origin::Kernel {
                enums.push(def.name.clone());
                variants.push(def.variants.iter().map(|v| v.name.clone()).collect());
            } else {
                enums.push(tag_name(&mut tags, &qualified(&def.name, def.span)));
                variants.push(
                    def.variants
                        .iter()
                        .map(|variant| file_name(&mut file, &qualified(&variant.name, def.span)))
                        .collect(),
                );
            }
        }
        let consts = program
            .consts
            .iter()
            .map(|def| match def.origin {
                Origin::Kernel => def.name.clone(),
                Origin::Source => file_name(&mut file, &qualified(&def.name, def.span)),
            })
            .collect();
        let globals = program
            .globals
            .iter()
            .map(|global| file_name(&mut file, &qualified(&global.name, global.span)))
            .collect();
        let mut configs = Vec::new();
        let mut config_fields = Vec::new();
        for config in &program.configs {
            let name = file_name(&mut file, &qualified(&config.name, config.span));
            tags.reserve(&format!("{name}_config"));
            configs.push(name);
            config_fields.push(members(
                &mut config.fields.iter().map(|field| field.name.as_str()),
            ));
        }
        let functions = program
            .functions
            .iter()
            .map(|function| match function.kind {
                FunctionKind::Main => file.fresh("ks_main"),
                _ if function.kind.is_program() || function.kind == FunctionKind::Kfunc => {
                    function.name.clone()
                }
                // Kernel headers define countless functions and macros
                // (`clamp`, `min`, `current`): private module functions
                // take a prefix of their own.
                FunctionKind::Private => file.fresh(&format!("ks_private_{}", function.name)),
                // Methods are emitted as `IMPL_METHOD` (the impl's name
                // keeps them apart).
                FunctionKind::StructOpsMethod { .. } => function.name.clone(),
                _ => file_name(&mut file, &qualified(&function.name, function.span)),
            })
            .collect();
        let maps = program
            .maps
            .iter()
            .map(|map| match program.module_of(map.span) {
                Some(_) => file_name(&mut file, &qualified(&map.name, map.span)),
                None => map.name.clone(),
            })
            .collect();
        CNames {
            structs,
            fields,
            enums,
            variants,
            consts,
            globals,
            configs,
            config_fields,
            maps,
            functions,
            struct_ops: program
                .struct_ops
                .iter()
                .map(|def| def.name.clone())
                .collect(),
            externs: program.externs.iter().map(|def| def.name.clone()).collect(),
            file,
            tags,
        }
    }

    /// The tag of struct `id` (`program` is the one the names were made
    /// for; structs added after, such as the checker's built-ins, keep
    /// their names).
    pub fn struct_tag<'n>(&'n self, program: &'n Program, id: StructId) -> &'n str {
        self.structs
            .get(id.index())
            .map_or(program.struct_def(id).name.as_str(), String::as_str)
    }

    pub fn field(&self, id: StructId, index: usize) -> &str {
        &self.fields[id.index()][index]
    }

    pub fn enum_tag<'n>(&'n self, program: &'n Program, id: EnumId) -> &'n str {
        self.enums
            .get(id.index())
            .map_or(program.enum_def(id).name.as_str(), String::as_str)
    }

    pub fn variant(&self, id: EnumId, index: usize) -> &str {
        &self.variants[id.index()][index]
    }

    /// A variant of a user enum by its C name, of a kernel enum by the
    /// kernel's.
    pub fn variant_or_kernel(&self, program: &Program, id: EnumId, index: usize) -> String {
        match self.variants.get(id.index()) {
            Some(variants) => variants[index].clone(),
            None => program.enum_def(id).variants[index].name.clone(),
        }
    }

    pub fn constant(&self, id: ConstId) -> &str {
        &self.consts[id.index()]
    }

    /// Whether user constant `id` is declared as an enumerator (`enum {
    /// NAME = VALUE };`, an integer constant expression of type `int`):
    /// constants whose C arithmetic is `int`'s anyway (narrow types, `i32`,
    /// `bool`, `char`, enums). The others are `static const` objects of
    /// their own type, spelled by value where C wants a constant
    /// expression.
    pub fn is_enumerator_constant(&self, program: &Program, id: ConstId) -> bool {
        let def = program.const_def(id);
        let int_like = match &def.ty {
            crate::ir::Type::Int(int) => int.bits() < 32 || *int == crate::ir::IntType::I32,
            crate::ir::Type::Bool | crate::ir::Type::Char | crate::ir::Type::Enum(_) => true,
            _ => false,
        };
        int_like && i32::try_from(def.value).is_ok()
    }

    pub fn global(&self, id: GlobalId) -> &str {
        &self.globals[id.index()]
    }

    /// The config instance (`skel->data->NAME`); its struct is
    /// `NAME_config`.
    pub fn config(&self, id: ConfigId) -> &str {
        &self.configs[id.index()]
    }

    pub fn config_field(&self, id: ConfigId, index: usize) -> &str {
        &self.config_fields[id.index()][index]
    }

    pub fn map(&self, id: MapId) -> &str {
        &self.maps[id.index()]
    }

    pub fn function(&self, id: FunctionId) -> &str {
        &self.functions[id.index()]
    }

    pub fn struct_ops(&self, id: StructOpsId) -> &str {
        &self.struct_ops[id.index()]
    }

    pub fn extern_name(&self, id: ExternId) -> &str {
        &self.externs[id.index()]
    }
}
