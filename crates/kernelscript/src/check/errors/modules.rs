//! Diagnostics about `include`, `import` and module members: files that
//! could not be read, cycles, what headers and modules may hold, and calls
//! into Python modules.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

fn chain(files: &[String]) -> String {
    files
        .iter()
        .map(|file| format!("`{file}`"))
        .collect::<Vec<_>>()
        .join(" -> ")
}

pub(crate) fn include_unreadable(span: Span, path: &str, reason: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot read included file `{path}`"))
        .primary(span, reason.to_string())
        .help("include paths are relative to the including file")
}

pub(crate) fn import_unreadable(span: Span, path: &str, reason: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot read imported module `{path}`"))
        .primary(span, reason.to_string())
        .help("import paths are relative to the importing file")
}

pub(crate) fn include_cycle(span: Span, path: &str, files: &[String]) -> Diagnostic {
    Diagnostic::error(format!("`{path}` includes itself"))
        .primary(span, "this include closes a cycle")
        .note(format!("the cycle: {}", chain(files)))
        .help("remove one of the includes in the cycle")
}

pub(crate) fn import_cycle(span: Span, path: &str, files: &[String]) -> Diagnostic {
    Diagnostic::error(format!("`{path}` imports itself"))
        .primary(span, "this import closes a cycle")
        .note(format!("the cycle: {}", chain(files)))
        .help("move what the modules share into a third module both import")
}

pub(crate) fn links_too_deep(span: Span, limit: usize) -> Diagnostic {
    Diagnostic::error("includes and imports nest too deeply").primary(
        span,
        format!("more than {limit} nested includes and imports"),
    )
}

pub(crate) fn not_a_header(span: Span, path: &str) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("`{path}` is not a header"))
        .primary(span, "`include` takes a `.kh` header");
    if path.ends_with(".ks") || path.ends_with(".py") {
        diagnostic.help(format!(
            "to use the definitions of a module, import it: `import name from \"{path}\"`"
        ))
    } else {
        diagnostic.help("headers are `.kh` files of declarations")
    }
}

pub(crate) fn not_a_module(span: Span, path: &str) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("cannot import `{path}`"))
        .primary(span, "modules are `.ks` or `.py` files");
    if path.ends_with(".kh") {
        diagnostic.help(format!(
            "to use the declarations of a header, include it: `include \"{path}\"`"
        ))
    } else {
        diagnostic
    }
}

pub(crate) fn header_item(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(format!("a header cannot hold {what}"))
        .primary(span, "not a declaration")
        .help("headers hold `struct`, `enum`, `type`, `const`, `extern` and `include` only")
        .help("put definitions in a `.ks` module and `import` it")
}

pub(crate) fn module_item(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(format!("a module cannot hold {what}"))
        .primary(span, "only allowed in the file given to the compiler")
        .help("modules hold helpers, userspace functions, types, constants, maps, globals and configs")
}

pub(crate) fn duplicate_module_name(span: Span, name: &str, first: Span) -> Diagnostic {
    Diagnostic::error(format!("module `{name}` is imported more than once"))
        .primary(span, format!("`{name}` imported again here"))
        .secondary(first, "first imported here")
}

pub(crate) fn no_member(
    span: Span,
    module: &str,
    name: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!("module `{module}` has no item `{name}`"))
        .primary(span, "not found in the module");
    match suggestion {
        Some(suggestion) => {
            diagnostic.help(format!("a similar item exists: `{module}.{suggestion}`"))
        }
        None => diagnostic,
    }
}

pub(crate) fn module_as_value(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("module `{name}` is not a value"))
        .primary(span, "a module")
        .help(format!("name one of its items: `{name}.item`"))
}

pub(crate) fn no_python_function(
    span: Span,
    module: &str,
    name: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let diagnostic =
        Diagnostic::error(format!("python module `{module}` has no function `{name}`"))
            .primary(span, "no top-level `def` of this name")
            .note("the compiler reads the functions a Python module defines at its top level");
    match suggestion {
        Some(suggestion) => diagnostic.help(format!(
            "a similar function exists: `{module}.{suggestion}`"
        )),
        None => diagnostic,
    }
}

pub(crate) fn python_member_not_called(span: Span, module: &str, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`{module}.{name}` must be called"))
        .primary(span, "a Python function")
        .help(format!("call it: `{module}.{name}(...)`"))
}

pub(crate) fn python_outside_userspace(span: Span, module: &str, here: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "Python module `{module}` cannot be called from `{here}`"
    ))
    .primary(span, "Python runs in the userspace program")
    .help("call Python from `main`, userspace functions or `@test` functions")
}

pub(crate) fn python_arg_count(
    span: Span,
    function: &str,
    required: usize,
    max: Option<usize>,
    found: usize,
) -> Diagnostic {
    let expected = match max {
        Some(max) if max == required => format!("{required}"),
        Some(max) => format!("{required} to {max}"),
        None => format!("at least {required}"),
    };
    let plural = if expected == "1" { "" } else { "s" };
    Diagnostic::error(format!(
        "`{function}` takes {expected} argument{plural} but {found} were given"
    ))
    .primary(span, "wrong number of arguments")
    .note("the parameters come from the Python function's `def`")
}

pub(crate) fn python_arg_type(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("a `{found}` cannot be passed to Python"))
        .primary(span, "no Python conversion")
        .help("integers, enums, `bool`, `char`, `str(N)` and `u8[N]` cross to Python")
}

pub(crate) fn python_result_type(span: Span, expected: &str) -> Diagnostic {
    Diagnostic::error(format!("a Python result cannot be a `{expected}`"))
        .primary(span, "no conversion from Python")
        .help("Python results become integers, `bool`, `str(N)` or `u8[N]`")
}

pub(crate) fn python_result_needs_type(span: Span, annotation: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "the size of this Python `{annotation}` result is not known"
    ))
    .primary(span, "give the variable a type")
    .help(format!(
        "for example `var text: str(64) = ...`; a `{annotation}` longer than that is an error at run time"
    ))
}
