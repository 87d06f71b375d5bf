//! Names that reach C as written: programs (their C function is the
//! kernel's program name and the skeleton's `progs` member), maps and
//! struct_ops impl blocks (the object's map names, the skeleton's `maps`
//! members), `extern`s and `@kfunc`s (kernel symbols). The other names of
//! a program are renamed where C needs it (`codegen::c::names`); these
//! cannot be, so one that C cannot carry is an error here, at its
//! declaration: a C keyword, a macro, typedef or symbol of the headers the
//! outputs include (or a C library function the compiler knows), or the
//! name of one of the object's ELF sections (`SEC("xdp")` makes a symbol
//! `xdp`), or, for a map, the skeleton's name of a data section's map
//! (`maps.data`).

/// The skeleton's members for the maps libbpf makes of the object's data
/// sections (`.data`, `.rodata`, `.bss`, `.kconfig`), beside the maps'.
const SKELETON_SECTION_MAPS: &[&str] = &["data", "rodata", "bss", "kconfig"];

use crate::codegen::c::names::{kept_name_clash, kernel_function_clash};
use crate::codegen::kmod::KERNEL_MACROS;
use crate::codegen::plan::identifier_sections;
use crate::ir::FunctionKind;
use crate::span::Span;

use super::{errors, Checker};

impl Checker<'_> {
    pub(crate) fn check_c_names(&mut self) {
        let program = &self.program;
        let sections = identifier_sections(program);
        let mut kept: Vec<(Span, &'static str, String)> = Vec::new();
        for function in &program.functions {
            let what = match &function.kind {
                FunctionKind::Program(_) => "program",
                FunctionKind::Kfunc => "kfunc",
                _ => continue,
            };
            kept.push((function.span, what, function.name.clone()));
        }
        let mut maps = Vec::new();
        for map in &program.maps {
            maps.push((map.span, "map", map.name.clone()));
        }
        for def in &program.struct_ops {
            maps.push((def.span, "struct_ops impl block", def.name.clone()));
        }
        let mut diagnostics = Vec::new();
        for (span, what, name) in &maps {
            if SKELETON_SECTION_MAPS.contains(&name.as_str()) {
                let why =
                    format!("the skeleton's name for the map of the object's `.{name}` section");
                diagnostics.push(errors::name_c_cannot_keep(*span, what, name, &why));
            }
        }
        kept.extend(maps);
        for def in &program.externs {
            kept.push((def.span, "extern", def.name.clone()));
        }
        for diagnostic in diagnostics {
            self.report(diagnostic);
        }
        for (span, what, name) in kept {
            let clash = if what == "extern" {
                kernel_function_clash(&name)
            } else {
                kept_name_clash(&name)
            };
            if what == "kfunc" {
                if let Some(why) = self.kernel_module_clash(&name) {
                    self.report(errors::name_c_cannot_keep(span, what, &name, &why));
                    continue;
                }
            }
            if let Some(clash) = clash {
                self.report(errors::name_c_cannot_keep(
                    span,
                    what,
                    &name,
                    clash.describe(),
                ));
            } else if sections.contains(&name) {
                let why = format!("also an ELF section of the object (`SEC(\"{name}\")`)");
                self.report(errors::name_c_cannot_keep(span, what, &name, &why));
            }
        }
    }
}

impl Checker<'_> {
    /// Why a `@kfunc` named `name` cannot be defined in the kernel module:
    /// the kernel already has a function of that name (its BTF says so),
    /// or the kernel headers the module includes define it as a macro.
    fn kernel_module_clash(&self, name: &str) -> Option<String> {
        if KERNEL_MACROS.contains(&name) {
            return Some("a macro of the kernel headers the module includes".to_string());
        }
        self.kernel
            .btf
            .find_by_name(btf::TypeKind::Func, name)
            .map(|_| "already a function of the kernel (its BTF has it)".to_string())
    }
}
