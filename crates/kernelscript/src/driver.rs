//! One compilation from source text to generated C.
//!
//! `analyze` parses the main file, pulls in every file it `include`s or
//! `import`s through the caller's `SourceLoader` (the CLI reads files; this
//! crate does not) into a `unit::Unit`, asks the loader for the tracefs
//! format file of every `@tracepoint` event the sources name, and checks
//! everything against the caller's `Kernel` into an `ir::Program`.
//! `generate` runs the code generators on a program that checked without
//! errors. Nothing here reports: a file that could not be read, an include
//! cycle or an import cycle is a `Link` the checker turns into a diagnostic
//! at the `include`/`import`.

use std::collections::BTreeMap;

use crate::check;
use crate::codegen::kernel_header::KernelHeader;
use crate::codegen::plan::Plan;
use crate::diagnostic::Diagnostics;
use crate::ir;
use crate::kernel::Kernel;
use crate::kinds;
use crate::source::SourceMap;
use crate::span::FileId;
use crate::syntax::{self, ast};
use crate::unit::{Link, PythonFile, Role, Unit, UnitFile, MAX_DEPTH};

/// Reads the files named by `include "path"` and `import name from "path"`.
/// Implemented by the CLI.
pub trait SourceLoader {
    /// Loads `path` as written in an include or import of the file named
    /// `including`.
    /// Returns the display name of the loaded file and its text, or a short
    /// reason (e.g. "No such file or directory").
    fn load(&mut self, including: &str, path: &str) -> Result<(String, String), String>;

    /// The tracefs format file of tracepoint `category/event` of the
    /// kernel being compiled for (`/sys/kernel/tracing/events/CAT/EVENT/format`),
    /// when it is the running kernel and the file is readable. Without it
    /// the event's context struct is chosen from BTF alone.
    fn tracepoint_format(&mut self, _category: &str, _event: &str) -> Option<String> {
        None
    }
}

/// A loader for inputs that have no includes (tests, fuzzing): every
/// include fails with "includes are not available here".
pub struct NoIncludes;

impl SourceLoader for NoIncludes {
    fn load(&mut self, _including: &str, _path: &str) -> Result<(String, String), String> {
        Err("includes are not available here".to_string())
    }
}

/// Files held in memory, by name (tests, fuzzing, tools). A path is
/// resolved against the directory of the including file's name and
/// normalised lexically (`a/./b/../c.kh` is `a/c.kh`).
#[derive(Clone, Debug, Default)]
pub struct MemoryFiles {
    pub files: std::collections::BTreeMap<String, String>,
}

impl MemoryFiles {
    pub fn new() -> MemoryFiles {
        MemoryFiles::default()
    }

    /// Adds (or replaces) the file `name`.
    pub fn with(mut self, name: &str, text: &str) -> MemoryFiles {
        self.files.insert(name.to_string(), text.to_string());
        self
    }
}

impl SourceLoader for MemoryFiles {
    fn load(&mut self, including: &str, path: &str) -> Result<(String, String), String> {
        let joined = match including.rfind('/') {
            Some(slash) if !path.starts_with('/') => format!("{}/{path}", &including[..slash]),
            _ => path.to_string(),
        };
        let mut parts: Vec<&str> = Vec::new();
        for part in joined.split('/') {
            match part {
                "." => {}
                ".." if parts.last().is_some_and(|last| *last != "..") => {
                    parts.pop();
                }
                _ => parts.push(part),
            }
        }
        let name = parts.join("/");
        match self.files.get(&name) {
            Some(text) => Ok((name, text.clone())),
            None => Err("No such file or directory".to_string()),
        }
    }
}

/// The result of parsing and checking one compilation.
pub struct Analysis {
    pub sources: SourceMap,
    pub main_file: FileId,
    pub diagnostics: Diagnostics,
    /// What the checker could check: with errors, a program with holes
    /// where checking failed (see `check::check`), fit for an editor's
    /// questions but not for code generation.
    pub checked: ir::Program,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| !d.is_error()).count()
    }

    /// The checked program when there are no errors: the one code can be
    /// generated from.
    pub fn program(&self) -> Option<&ir::Program> {
        (!self.has_errors()).then_some(&self.checked)
    }
}

/// Parses `text` (named `name`) with the files it includes and imports,
/// and checks it against `kernel`.
pub fn analyze(name: &str, text: &str, loader: &mut dyn SourceLoader, kernel: &Kernel) -> Analysis {
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let main_file = sources.add(name, text);
    let (main_ast, main_diagnostics) = syntax::parse(main_file, text);
    diagnostics.extend(main_diagnostics);

    let mut unit = Unit::new();
    unit.files.push(UnitFile {
        file: main_file,
        role: Role::Main,
        ast: main_ast,
    });
    let mut reader = Reader {
        loader,
        sources: &mut sources,
        diagnostics: &mut diagnostics,
        unit: &mut unit,
    };
    reader.follow_links(0, &mut Vec::new(), &mut vec![name.to_string()]);

    let formats = tracepoint_formats(&unit, loader);
    let (program, check_diagnostics) = check::check(&unit, kernel, &formats);
    // Warnings about a program that did not parse would be about the
    // parser's recovery, not the program.
    let parsed = !diagnostics.has_errors();
    for diagnostic in check_diagnostics.into_vec() {
        if parsed || diagnostic.is_error() {
            diagnostics.push(diagnostic);
        }
    }
    diagnostics.sort_by_position();
    Analysis {
        sources,
        main_file,
        diagnostics,
        checked: program,
    }
}

/// The tracefs format files of the `@tracepoint("category/event")` events
/// the unit's files name, by `category/event`, as far as the loader has
/// them.
fn tracepoint_formats(unit: &Unit, loader: &mut dyn SourceLoader) -> BTreeMap<String, String> {
    let mut formats = BTreeMap::new();
    let functions = unit
        .files
        .iter()
        .flat_map(|file| &file.ast.items)
        .filter_map(|item| match &item.kind {
            ast::ItemKind::Function(decl) => Some(decl),
            _ => None,
        });
    for attribute in functions.flat_map(|decl| &decl.attributes) {
        let [ast::Expr {
            kind: ast::ExprKind::Str(target),
            ..
        }] = attribute.args.as_slice()
        else {
            continue;
        };
        let Some((category, event)) = kinds::tracepoint_event(&attribute.name.name, target) else {
            continue;
        };
        if formats.contains_key(target) {
            continue;
        }
        if let Some(format) = loader.tracepoint_format(category, event) {
            formats.insert(target.clone(), format);
        }
    }
    formats
}

/// Reads the files a compilation's `include`s and `import`s name, depth
/// first, and records each item's `Link`. A file reached twice (the same
/// name from the loader) is read once.
struct Reader<'r> {
    loader: &'r mut dyn SourceLoader,
    sources: &'r mut SourceMap,
    diagnostics: &'r mut Diagnostics,
    unit: &'r mut Unit,
}

impl Reader<'_> {
    /// Follows the includes and imports of `unit.files[index]`. `headers`
    /// holds the headers being included (to report include cycles),
    /// `modules` the modules being imported, the main file first.
    fn follow_links(&mut self, index: usize, headers: &mut Vec<String>, modules: &mut Vec<String>) {
        let file = self.unit.files[index].file;
        let file_name = self.sources.name(file).to_string();
        let items: Vec<ast::ItemKind> = self.unit.files[index]
            .ast
            .items
            .iter()
            .filter(|item| {
                matches!(
                    item.kind,
                    ast::ItemKind::Include { .. } | ast::ItemKind::Import { .. }
                )
            })
            .map(|item| item.kind.clone())
            .collect();
        for item in items {
            let (path, link) = match item {
                ast::ItemKind::Include { path } => {
                    let link = self.include(&file_name, &path.value, headers, modules);
                    (path, link)
                }
                ast::ItemKind::Import { path, .. } => {
                    let link = self.import(&file_name, &path.value, headers, modules);
                    (path, link)
                }
                _ => continue,
            };
            self.unit.add_link(path.span, link);
        }
    }

    fn include(
        &mut self,
        including: &str,
        path: &str,
        headers: &mut Vec<String>,
        modules: &mut Vec<String>,
    ) -> Link {
        if !path.ends_with(".kh") {
            return Link::NotAHeader;
        }
        if headers.len() + modules.len() > MAX_DEPTH {
            return Link::TooDeep;
        }
        let (name, text) = match self.loader.load(including, path) {
            Ok(loaded) => loaded,
            Err(reason) => return Link::Unreadable(reason),
        };
        if let Some(first) = headers.iter().position(|header| *header == name) {
            let mut chain = headers[first..].to_vec();
            chain.push(name);
            return Link::IncludeCycle(chain);
        }
        if let Some(file) = self.known(&name) {
            return Link::Header(file);
        }
        let index = self.add(name.clone(), text, Role::Header);
        headers.push(name);
        self.follow_links(index, headers, modules);
        headers.pop();
        Link::Header(self.unit.files[index].file)
    }

    fn import(
        &mut self,
        including: &str,
        path: &str,
        headers: &[String],
        modules: &mut Vec<String>,
    ) -> Link {
        let python = path.ends_with(".py");
        if !python && !path.ends_with(".ks") {
            return Link::NotAModule;
        }
        if headers.len() + modules.len() > MAX_DEPTH {
            return Link::TooDeep;
        }
        let (name, text) = match self.loader.load(including, path) {
            Ok(loaded) => loaded,
            Err(reason) => return Link::Unreadable(reason),
        };
        if python {
            if let Some(index) = self.unit.python.iter().position(|py| py.name == name) {
                return Link::Python(index);
            }
            let file = self.sources.add(name.clone(), text.clone());
            self.unit.python.push(PythonFile { file, name, text });
            return Link::Python(self.unit.python.len() - 1);
        }
        if let Some(first) = modules.iter().position(|module| *module == name) {
            let mut chain = modules[first..].to_vec();
            chain.push(name);
            return Link::ImportCycle(chain);
        }
        if let Some(file) = self.known(&name) {
            return Link::Module(file);
        }
        let index = self.add(name.clone(), text, Role::Module);
        modules.push(name);
        // A module's includes start a chain of their own.
        self.follow_links(index, &mut Vec::new(), modules);
        modules.pop();
        Link::Module(self.unit.files[index].file)
    }

    /// The file already read under `name`, if any.
    fn known(&self, name: &str) -> Option<FileId> {
        self.unit
            .files
            .iter()
            .find(|file| self.sources.name(file.file) == name)
            .map(|file| file.file)
    }

    /// Parses and adds a file; returns its index in `unit.files`.
    fn add(&mut self, name: String, text: String, role: Role) -> usize {
        let file = self.sources.add(name, text);
        let (ast, diagnostics) = syntax::parse(file, self.sources.text(file));
        self.diagnostics.extend(diagnostics);
        self.unit.files.push(UnitFile { file, role, ast });
        self.unit.files.len() - 1
    }
}

/// Settings of the code generators for one project.
pub struct GenerateOptions {
    /// The `.ks` file stem; made a C identifier (`Plan::project`), it
    /// names the outputs (`NAME.ebpf.c`, `NAME.c`), the skeleton and the pin
    /// directory.
    pub project_name: String,
    /// Also generate the test runner `NAME.test.c` (and its Makefile
    /// targets) when the program has `@test` functions.
    pub tests: bool,
    /// The directory the program pins maps and `pin var` globals under
    /// (`--pin-path`); `/sys/fs/bpf/NAME` when `None`.
    pub pin_path: Option<String>,
}

impl GenerateOptions {
    /// The defaults for project `project_name`.
    pub fn new(project_name: &str) -> GenerateOptions {
        GenerateOptions {
            project_name: project_name.to_string(),
            tests: false,
            pin_path: None,
        }
    }
}

/// The generated files of one project.
pub struct Outputs {
    /// `NAME.ebpf.c`
    pub ebpf_c: String,
    /// `NAME.c`, when the program has userspace code (a `main`).
    pub userspace_c: Option<String>,
    /// `NAME.test.c`, the runner of the `@test` functions, when asked for
    /// and the program has some.
    pub test_c: Option<String>,
    /// `Makefile`
    pub makefile: String,
    /// `README.md`: the files, how to build and run them.
    pub readme: String,
    /// `NAME.vmlinux.h`: the kernel types the eBPF C uses, when it uses
    /// any beyond the UAPI headers.
    pub kernel_header: Option<KernelHeader>,
    /// `NAME.mod.c`, `kmod/Kbuild`, `kmod/NAME_kfuncs.c`: the kernel
    /// module of the `@kfunc` functions, when there are any.
    pub kernel_module: Option<crate::codegen::kmod::KernelModule>,
    /// What the outputs agree on (names, the kernel header).
    pub plan: Plan,
}

/// Runs the code generators on a program that checked without errors.
/// `sources` names files as `#line` directives should spell them.
pub fn generate(program: &ir::Program, sources: &SourceMap, options: &GenerateOptions) -> Outputs {
    use crate::codegen::{ebpf, makefile, userspace};
    let mut plan = Plan::new(program, &options.project_name);
    if let Some(pin_path) = &options.pin_path {
        plan.pin_root = crate::codegen::plan::PinRoot(pin_path.trim_end_matches('/').to_string());
    }
    let test_c = if options.tests {
        userspace::generate_tests(program, sources, &plan)
    } else {
        None
    };
    plan.tests = test_c.is_some();
    Outputs {
        ebpf_c: ebpf::generate(program, sources, &plan),
        userspace_c: userspace::generate(program, sources, &plan),
        test_c,
        makefile: makefile::generate_makefile(&plan),
        readme: crate::codegen::readme::readme(program, &plan),
        kernel_header: plan.kernel_header_c.clone(),
        kernel_module: crate::codegen::kmod::generate(program, sources, &plan),
        plan,
    }
}
