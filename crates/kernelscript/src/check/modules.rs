//! Headers and modules: the namespaces of a compilation, what `include` and
//! `import` reached (and the diagnostics when they reached nothing), what
//! headers and modules may hold, and names reached through a module
//! (`utils.f`, `utils.Key`, `net.mtu()` of a Python module).
//!
//! Decisions:
//! * The main file and its headers form the main namespace; an imported
//!   `.ks` module is a namespace of its own with its headers. A header's
//!   declarations are visible in every namespace that includes it, as one
//!   set of items (two modules including one header share its types).
//! * A module is imported once however many files import it; the first
//!   import's name is the one its C names start with.
//! * Headers hold declarations only: `struct`, `enum`, `type`, `const`,
//!   `extern` and `include`. Modules hold anything but the program's own
//!   parts: no `main`, eBPF programs, `@test` functions, struct_ops impl
//!   blocks or kernel-module functions.
//! * `module.name` reaches the module's own names and its headers'; not the
//!   prelude's (builtins, kernel names) and not what it imports in turn.

use std::collections::BTreeMap;

use crate::ir::{self, FunctionKind, ModuleDef, ModuleId, ModuleKind};
use crate::span::{FileId, Span};
use crate::syntax::ast;
use crate::unit::{Link, Role, MAX_DEPTH};

use super::env::{did_you_mean, Space, Symbol};
use super::{errors, python, Checker};

/// What an expression names as a global item.
pub(crate) enum Named<'e> {
    /// Not a global item: a local, or an expression of another form.
    NotGlobal,
    /// `name` or `module.name` denoting `symbol`; `name` is how messages
    /// spell it.
    Item { symbol: Symbol, name: String },
    /// `module.function` of a Python module.
    Python {
        module: ModuleId,
        function: &'e ast::Ident,
    },
    /// `module.name` where the module has no such item (not reported yet).
    Missing {
        module: ModuleId,
        member: &'e ast::Ident,
    },
    /// An unknown plain name (not reported yet).
    Unknown,
}

impl<'a> Checker<'a> {
    /// Sets up the namespaces and the module table from the unit's links.
    pub(crate) fn setup_modules(&mut self) {
        let unit = self.unit;
        let mut spaces: BTreeMap<FileId, Space> = BTreeMap::new();
        let mut count = 0;
        for file in unit.files.iter().filter(|file| file.role != Role::Header) {
            spaces.insert(file.file, count);
            count += 1;
        }
        let file_count = unit
            .files
            .iter()
            .map(|file| file.file.0 as usize + 1)
            .chain(unit.python.iter().map(|py| py.file.0 as usize + 1))
            .max()
            .unwrap_or(0);
        let mut visible: Vec<Vec<Space>> = vec![Vec::new(); file_count];
        for (root, space) in &spaces {
            let mut pending = vec![*root];
            while let Some(file) = pending.pop() {
                let spaces_of = &mut visible[file.0 as usize];
                if spaces_of.contains(space) {
                    continue;
                }
                spaces_of.push(*space);
                if let Some(unit_file) = unit.file(file) {
                    pending.extend(unit.headers_of(unit_file));
                }
            }
        }
        for spaces_of in &mut visible {
            spaces_of.sort_unstable();
        }
        self.env.set_spaces(count, visible);

        // The module table, in the order the imports were reached.
        for file in &unit.files {
            for item in &file.ast.items {
                let ast::ItemKind::Import { name, path } = &item.kind else {
                    continue;
                };
                let (module_file, kind, module_path) = match unit.link(path.span) {
                    Some(Link::Module(module_file)) => {
                        (*module_file, ModuleKind::KernelScript, path.value.clone())
                    }
                    Some(Link::Python(index)) => {
                        let py = &unit.python[*index];
                        let source = py.text.clone();
                        (py.file, ModuleKind::Python { source }, py.name.clone())
                    }
                    _ => continue,
                };
                if self
                    .program
                    .modules
                    .iter()
                    .any(|module| module.file == module_file)
                {
                    continue;
                }
                let functions = match &kind {
                    ModuleKind::Python { source } => python::functions(module_file, source),
                    ModuleKind::KernelScript => Vec::new(),
                };
                let space = match kind {
                    ModuleKind::KernelScript => spaces.get(&module_file).copied(),
                    ModuleKind::Python { .. } => None,
                };
                let first_python = matches!(kind, ModuleKind::Python { .. })
                    && !self
                        .program
                        .modules
                        .iter()
                        .any(|module| matches!(module.kind, ModuleKind::Python { .. }));
                if first_python {
                    self.define_python_error();
                }
                self.program.modules.push(ModuleDef {
                    name: name.name.clone(),
                    file: module_file,
                    kind,
                    path: module_path,
                    span: name.span,
                });
                self.module_spaces.push(space);
                self.python_functions.push(functions);
            }
        }
    }

    /// `PYTHON_ERROR`, the code Python exceptions are thrown with, for
    /// programs that import a Python module.
    fn define_python_error(&mut self) {
        let id = ir::ConstId(self.program.consts.len() as u32);
        self.program.consts.push(ir::ConstDef {
            name: "PYTHON_ERROR".to_string(),
            ty: ir::Type::Int(ir::IntType::I32),
            value: i128::from(ir::PYTHON_ERROR),
            radix: ir::Radix::Hex {
                digits: 4,
                upper: false,
            },
            origin: ir::Origin::Source,
            span: Span::default(),
        });
        self.const_slots.push(super::ConstSlot {
            decl: None,
            state: super::Resolution::Done(()),
        });
        let _ = self.env.define("PYTHON_ERROR", Symbol::Const(id), None);
    }

    /// The module an `import` item reached, if it reached one.
    fn imported_module(&self, path: &ast::StrLit) -> Option<ModuleId> {
        let file = match self.unit.link(path.span)? {
            Link::Module(file) => *file,
            Link::Python(index) => self.unit.python[*index].file,
            _ => return None,
        };
        self.program
            .modules
            .iter()
            .position(|module| module.file == file)
            .map(|index| ModuleId(index as u32))
    }

    /// The role of the file `span` is in.
    pub(crate) fn role_of(&self, span: Span) -> Role {
        self.unit
            .file(span.file)
            .map_or(Role::Main, |file| file.role)
    }

    /// Reports what an `include` failed to reach.
    pub(crate) fn check_include(&mut self, path: &ast::StrLit) {
        let diagnostic = match self.unit.link(path.span) {
            Some(Link::Header(_)) | None => return,
            Some(Link::Unreadable(reason)) => {
                errors::include_unreadable(path.span, &path.value, reason)
            }
            Some(Link::IncludeCycle(files)) => errors::include_cycle(path.span, &path.value, files),
            Some(Link::TooDeep) => errors::links_too_deep(path.span, MAX_DEPTH),
            Some(Link::NotAHeader) => errors::not_a_header(path.span, &path.value),
            Some(Link::Module(_) | Link::Python(_) | Link::ImportCycle(_) | Link::NotAModule) => {
                return
            }
        };
        self.report(diagnostic);
    }

    /// Reports what an `import` failed to reach, or defines its name.
    pub(crate) fn check_import(&mut self, item: &ast::Item, name: &ast::Ident, path: &ast::StrLit) {
        if self.role_of(item.span) == Role::Header {
            self.report(errors::header_item(item.span, "an `import`"));
            return;
        }
        let diagnostic = match self.unit.link(path.span) {
            Some(Link::Module(_) | Link::Python(_)) => {
                let Some(module) = self.imported_module(path) else {
                    return;
                };
                if let Some(first) = self
                    .env
                    .get(&name.name, name.span)
                    .filter(|entry| entry.symbol == Symbol::Module(module))
                    .and_then(|entry| entry.span)
                {
                    self.report(errors::duplicate_module_name(name.span, &name.name, first));
                    return;
                }
                self.define(name, Symbol::Module(module));
                return;
            }
            None | Some(Link::Header(_)) => return,
            Some(Link::Unreadable(reason)) => {
                errors::import_unreadable(path.span, &path.value, reason)
            }
            Some(Link::ImportCycle(files)) => errors::import_cycle(path.span, &path.value, files),
            Some(Link::TooDeep) => errors::links_too_deep(path.span, MAX_DEPTH),
            Some(Link::NotAModule) => errors::not_a_module(path.span, &path.value),
            Some(Link::NotAHeader | Link::IncludeCycle(_)) => return,
        };
        self.report(diagnostic);
    }

    /// Reports an item a header may not hold; true when it may.
    pub(crate) fn allowed_in_file(&mut self, item: &ast::Item) -> bool {
        if self.role_of(item.span) != Role::Header {
            return true;
        }
        let what = match &item.kind {
            ast::ItemKind::Struct(_)
            | ast::ItemKind::Enum(_)
            | ast::ItemKind::TypeAlias { .. }
            | ast::ItemKind::Const(_)
            | ast::ItemKind::Extern(_)
            | ast::ItemKind::Include { .. }
            | ast::ItemKind::Import { .. }
            | ast::ItemKind::Error => return true,
            ast::ItemKind::Function(_) => "a function",
            ast::ItemKind::Impl(_) => "an impl block",
            ast::ItemKind::Config(_) => "a config block",
            ast::ItemKind::GlobalVar(_) => "a global variable or map",
        };
        let span = match &item.kind {
            ast::ItemKind::Function(decl) => decl.name.span,
            ast::ItemKind::Impl(decl) => decl.name.span,
            ast::ItemKind::Config(decl) => decl.name.span,
            ast::ItemKind::GlobalVar(decl) => decl.name.span,
            _ => item.span,
        };
        self.report(errors::header_item(span, what));
        false
    }

    /// Reports the program parts a module holds (after function kinds are
    /// known).
    pub(crate) fn check_module_contents(&mut self) {
        let mut found = Vec::new();
        for function in &self.program.functions {
            if self.program.module_of(function.span).is_none() {
                continue;
            }
            let what = match &function.kind {
                FunctionKind::Main => "`main`",
                FunctionKind::Program(_) => "eBPF programs",
                FunctionKind::Test => "`@test` functions",
                FunctionKind::Kfunc | FunctionKind::Private => "kernel-module functions",
                FunctionKind::StructOpsMethod { .. } => continue,
                FunctionKind::Helper | FunctionKind::Userspace => continue,
            };
            found.push((function.span, what));
        }
        for slot in &self.impls {
            if self.program.module_of(slot.decl.name.span).is_some() {
                found.push((slot.decl.name.span, "struct_ops impl blocks"));
            }
        }
        for (span, what) in found {
            self.report(errors::module_item(span, what));
        }
    }

    /// What `e` names as a global item, without reporting.
    pub(crate) fn named<'e>(&mut self, e: &'e ast::Expr) -> Named<'e> {
        match &e.kind {
            ast::ExprKind::Ident(name) => {
                if self.fx.lookup(name).is_some() {
                    return Named::NotGlobal;
                }
                match self.global_symbol(name, e.span) {
                    Some(symbol) => Named::Item {
                        symbol,
                        name: name.clone(),
                    },
                    None => Named::Unknown,
                }
            }
            ast::ExprKind::Field { base, name } => {
                let Some(module) = self.module_named(base) else {
                    return Named::NotGlobal;
                };
                match self.module_spaces[module.index()] {
                    None => Named::Python {
                        module,
                        function: name,
                    },
                    Some(space) => match self.env.member(space, &name.name) {
                        Some(entry) => Named::Item {
                            symbol: entry.symbol,
                            name: format!("{}.{}", self.program.module(module).name, name.name),
                        },
                        None => Named::Missing {
                            module,
                            member: name,
                        },
                    },
                }
            }
            _ => Named::NotGlobal,
        }
    }

    /// The module `e` names (an identifier that is an import's name).
    pub(crate) fn module_named(&self, e: &ast::Expr) -> Option<ModuleId> {
        let ast::ExprKind::Ident(name) = &e.kind else {
            return None;
        };
        if self.fx.lookup(name).is_some() {
            return None;
        }
        match self.env.symbol(name, e.span) {
            Some(Symbol::Module(module)) => Some(module),
            _ => None,
        }
    }

    /// The symbol `e` names when it is a global item, without reporting.
    pub(crate) fn item_symbol(&mut self, e: &ast::Expr) -> Option<Symbol> {
        match self.named(e) {
            Named::Item { symbol, .. } => Some(symbol),
            _ => None,
        }
    }

    /// Reports `module.member` naming nothing.
    pub(crate) fn report_missing_member(&mut self, module: ModuleId, member: &ast::Ident) {
        let name = self.program.module(module).name.clone();
        let candidates = match self.module_spaces[module.index()] {
            Some(space) => self.env.members_where(space, |_| true),
            None => Vec::new(),
        };
        let suggestion = did_you_mean(&member.name, candidates);
        self.report(errors::no_member(
            member.span,
            &name,
            &member.name,
            suggestion,
        ));
    }

    /// The type `module.Name` names.
    pub(crate) fn qualified_type(&mut self, module: &ast::Ident, name: &ast::Ident) -> ir::Type {
        let entry = match self.env.symbol(&module.name, module.span) {
            Some(Symbol::Module(id)) => match self.module_spaces[id.index()] {
                Some(space) => match self.env.member(space, &name.name) {
                    Some(entry) => entry.symbol,
                    None => {
                        self.report_missing_member(id, name);
                        return ir::Type::Error;
                    }
                },
                None => {
                    let module_name = self.program.module(id).name.clone();
                    self.report(errors::no_member(name.span, &module_name, &name.name, None));
                    return ir::Type::Error;
                }
            },
            Some(other) => {
                self.report(errors::not_a_type(
                    module.span.to(name.span),
                    &format!("{}.{}", module.name, name.name),
                    other.describe(),
                ));
                return ir::Type::Error;
            }
            None => {
                self.report_undefined(&module.name, module.span, "module");
                return ir::Type::Error;
            }
        };
        let written = format!("{}.{}", module.name, name.name);
        self.type_of_symbol(entry, &written, module.span.to(name.span))
    }
}
