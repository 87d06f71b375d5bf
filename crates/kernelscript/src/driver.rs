//! One compilation from source text to generated C.
//!
//! `analyze` parses the main file, pulls in every `include`d header through
//! the caller's `SourceLoader` (the CLI reads files; this crate does not),
//! and checks everything into an `ir::Program`. `generate` runs the code
//! generators on a program that checked without errors. The only
//! diagnostics produced here are about loading includes (missing file,
//! include cycle); everything else comes from `syntax` and `check`.

use crate::check;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir;
use crate::source::SourceMap;
use crate::span::{FileId, Span};
use crate::syntax::{self, ast};

/// Reads the files named by `include "path"`. Implemented by the CLI.
pub trait SourceLoader {
    /// Loads `path` as written in an include of the file named `including`.
    /// Returns the display name of the loaded file and its text, or a short
    /// reason (e.g. "No such file or directory").
    fn load(&mut self, including: &str, path: &str) -> Result<(String, String), String>;
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

/// Parses `text` (named `name`) with its includes and checks it.
pub fn analyze(name: &str, text: &str, loader: &mut dyn SourceLoader) -> Analysis {
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
    let (program, check_diagnostics) = check::check(&files);
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
    /// `NAME`: a C identifier derived from the `.ks` file stem; names the
    /// outputs (`NAME.ebpf.c`, `NAME.c`), the skeleton and the pin directory.
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
}

impl Outputs {
    /// Whether the eBPF C includes `vmlinux.h` (tracing programs use kernel
    /// types), which the build must then generate from the kernel's BTF.
    pub fn needs_vmlinux_h(&self) -> bool {
        self.ebpf_c
            .lines()
            .any(|line| line.trim() == "#include \"vmlinux.h\"")
    }
}

/// Runs the code generators on a program that checked without errors.
/// `sources` names files as `#line` directives should spell them.
pub fn generate(program: &ir::Program, sources: &SourceMap, options: &GenerateOptions) -> Outputs {
    use crate::codegen::{ebpf, makefile, userspace};
    let ebpf_options = ebpf::EbpfOptions {
        project_name: options.project_name.clone(),
        line_directives: true,
    };
    let userspace_options = userspace::UserspaceOptions {
        project_name: options.project_name.clone(),
    };
    Outputs {
        ebpf_c: ebpf::generate(program, sources, &ebpf_options),
        userspace_c: userspace::generate(program, sources, &userspace_options),
        makefile: makefile::generate_makefile(program, &options.project_name),
    }
}
