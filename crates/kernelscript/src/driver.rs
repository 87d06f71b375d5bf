//! One compilation from source text to generated C.
//!
//! `analyze` parses the main file, pulls in every `include`d header through
//! the caller's `SourceLoader` (the CLI reads files; this crate does not),
//! asks the loader for the tracefs format file of every `@tracepoint`
//! event the sources name, and checks everything against the caller's
//! `Kernel` into an `ir::Program`. `generate` runs the code
//! generators on a program that checked without errors. The only
//! diagnostics produced here are about loading includes (missing file,
//! include cycle); everything else comes from `syntax` and `check`.

use std::collections::BTreeMap;

use crate::check;
use crate::codegen::kernel_header::KernelHeader;
use crate::codegen::plan::Plan;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir;
use crate::kernel::Kernel;
use crate::kinds;
use crate::source::SourceMap;
use crate::span::{FileId, Span};
use crate::syntax::{self, ast};

/// Reads the files named by `include "path"`. Implemented by the CLI.
pub trait SourceLoader {
    /// Loads `path` as written in an include of the file named `including`.
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

/// Includes nest at most this deep (a header including a header ...).
const MAX_INCLUDE_DEPTH: usize = 16;

/// The result of parsing and checking one compilation.
pub struct Analysis {
    pub sources: SourceMap,
    pub main_file: FileId,
    pub diagnostics: Diagnostics,
    /// Present when checking produced no errors.
    pub program: Option<ir::Program>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }
}

/// Parses `text` (named `name`) with its includes and checks it against
/// `kernel`.
pub fn analyze(name: &str, text: &str, loader: &mut dyn SourceLoader, kernel: &Kernel) -> Analysis {
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let main_file = sources.add(name, text);
    let (main_ast, main_diagnostics) = syntax::parse(main_file, text);
    diagnostics.extend(main_diagnostics);

    let mut headers = Vec::new();
    let mut stack = vec![name.to_string()];
    load_includes(
        &main_ast,
        name,
        loader,
        &mut sources,
        &mut diagnostics,
        &mut headers,
        &mut stack,
    );

    let mut files = headers;
    files.push(main_ast);
    let formats = tracepoint_formats(&files, loader);
    let (program, check_diagnostics) = check::check(&files, kernel, &formats);
    diagnostics.extend(check_diagnostics);
    diagnostics.sort_by_position();
    let program = if diagnostics.has_errors() {
        None
    } else {
        program
    };
    Analysis {
        sources,
        main_file,
        diagnostics,
        program,
    }
}

/// Loads, parses and appends (depth first, in include order) every header
/// `file` includes. `stack` holds the names of the files being included,
/// to report cycles; a header already loaded (same name from the loader)
/// is included once.
fn load_includes(
    file: &ast::SourceFile,
    file_name: &str,
    loader: &mut dyn SourceLoader,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
    headers: &mut Vec<ast::SourceFile>,
    stack: &mut Vec<String>,
) {
    for item in &file.items {
        let ast::ItemKind::Include { path } = &item.kind else {
            continue;
        };
        if stack.len() > MAX_INCLUDE_DEPTH {
            diagnostics.push(include_too_deep(path.span));
            continue;
        }
        let (header_name, header_text) = match loader.load(file_name, &path.value) {
            Ok(loaded) => loaded,
            Err(reason) => {
                diagnostics.push(include_unreadable(path.span, &path.value, &reason));
                continue;
            }
        };
        if stack.contains(&header_name) {
            diagnostics.push(include_cycle(path.span, &path.value));
            continue;
        }
        if sources
            .files()
            .any(|(_, source)| source.name == header_name)
        {
            // Reached before through another include (a diamond): its
            // declarations are in already, once.
            continue;
        }
        let header_file = sources.add(header_name.clone(), header_text.clone());
        let (header_ast, header_diagnostics) = syntax::parse(header_file, &header_text);
        diagnostics.extend(header_diagnostics);
        stack.push(header_name.clone());
        load_includes(
            &header_ast,
            &header_name,
            loader,
            sources,
            diagnostics,
            headers,
            stack,
        );
        stack.pop();
        headers.push(header_ast);
    }
}

/// The tracefs format files of the `@tracepoint("category/event")` events
/// the files name, by `category/event`, as far as the loader has them.
fn tracepoint_formats(
    files: &[ast::SourceFile],
    loader: &mut dyn SourceLoader,
) -> BTreeMap<String, String> {
    let mut formats = BTreeMap::new();
    let functions = files
        .iter()
        .flat_map(|file| &file.items)
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

fn include_unreadable(span: Span, path: &str, reason: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot read included file `{path}`"))
        .primary(span, reason.to_string())
        .help("include paths are relative to the including file")
}

fn include_cycle(span: Span, path: &str) -> Diagnostic {
    Diagnostic::error(format!("`{path}` includes itself"))
        .primary(span, "this include closes a cycle")
        .help("remove one of the includes in the cycle")
}

fn include_too_deep(span: Span) -> Diagnostic {
    Diagnostic::error("includes nest too deeply").primary(
        span,
        format!("more than {MAX_INCLUDE_DEPTH} nested includes"),
    )
}

/// Settings of the code generators for one project.
pub struct GenerateOptions {
    /// The `.ks` file stem; made a C identifier (`Plan::project`), it
    /// names the outputs (`NAME.ebpf.c`, `NAME.c`), the skeleton and the pin
    /// directory.
    pub project_name: String,
}

/// The generated files of one project.
pub struct Outputs {
    /// `NAME.ebpf.c`
    pub ebpf_c: String,
    /// `NAME.c`, when the program has userspace code (a `main`).
    pub userspace_c: Option<String>,
    /// `Makefile`
    pub makefile: String,
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
    use crate::codegen::{ebpf, kernel_header, makefile, userspace};
    let plan = Plan::new(program, &options.project_name);
    Outputs {
        ebpf_c: ebpf::generate(program, sources, &plan),
        userspace_c: userspace::generate(program, sources, &plan),
        makefile: makefile::generate_makefile(&plan),
        kernel_header: kernel_header::kernel_header(program, &plan),
        kernel_module: crate::codegen::kmod::generate(program, sources, &plan),
        plan,
    }
}
