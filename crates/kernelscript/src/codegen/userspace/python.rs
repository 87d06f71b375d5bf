//! Imported Python modules: the userspace program embeds CPython (it links
//! `libpython3`, `pkg-config python3-embed`) and each module's source.
//!
//! * The interpreter starts at the first Python call (`Py_InitializeFromConfig`
//!   with unbuffered stdio and no signal handlers, so SIGINT/SIGTERM stay
//!   the program's). A module's source, embedded as a string, is compiled
//!   under its file's name and run as a module named after the file's stem
//!   (`PyImport_ExecCodeModuleEx`) at its first call; later calls reuse it.
//! * A call converts its arguments (`ks_py_call`'s kinds: `i` signed, `u`
//!   unsigned, `b` bool, `c` char, `s` string and capacity, `y` bytes and
//!   length), calls the function and converts the result to the call's
//!   type with range checks (`ks_py_signed`, `ks_py_unsigned`, `ks_py_bool`,
//!   `ks_py_string`; `ks_py_discard` when the value is unused).
//! * A Python exception (raised by the function, or a result that does not
//!   convert) prints `NAME: python: MODULE.FUNCTION: ...` and the traceback
//!   to stderr and throws `PYTHON_ERROR`: a `try` catches it, else the
//!   program exits with status 1 as for any uncaught error.

use crate::codegen::c::lower::statement_expression;
use crate::codegen::c::{string_literal, CExpr, CWriter};
use crate::ir::{Callee, Expr, ExprKind, IntType, ModuleId, ModuleKind, Type};

use super::policy::Cx;
use super::runtime::{emit, raw};
use super::Generator;

/// The C spelling of a call of a Python module's function, `expr` being
/// the call (its type is the result's).
pub fn call<'a>(cx: &mut Cx<'_, 'a>, expr: &'a Expr) -> CExpr {
    let ExprKind::Call {
        callee: Callee::Python { module, function },
        args,
    } = &expr.kind
    else {
        unreachable!("python::call is given Python calls");
    };
    cx.backend.gen.needs.throw = true;
    let module_name = module_object(cx.backend.gen, *module);
    let mut kinds = String::new();
    let mut values = Vec::new();
    for arg in args {
        match &arg.ty {
            Type::Int(int) if int.is_signed() => {
                kinds.push('i');
                values.push(format!("(long long){}", cx.value(arg)));
            }
            Type::Int(_) => {
                kinds.push('u');
                values.push(format!("(unsigned long long){}", cx.value(arg)));
            }
            Type::Enum(_) => {
                kinds.push('i');
                values.push(format!("(long long){}", cx.value(arg)));
            }
            Type::Bool => {
                kinds.push('b');
                values.push(format!("(int){}", cx.value(arg)));
            }
            Type::Char => {
                kinds.push('c');
                values.push(format!("(int){}", cx.value(arg)));
            }
            Type::Str(_) => {
                kinds.push('s');
                let operand = super::strings::operand(cx, arg);
                values.push(operand.text);
                values.push(format!("(size_t){}", operand.cap));
            }
            Type::Array(_, len) => {
                kinds.push('y');
                values.push(super::aggregates::array_source(cx, arg));
                values.push(format!("(size_t){len}"));
            }
            other => unreachable!("the checker keeps {other:?} from crossing to Python"),
        }
    }
    let mut call_args = vec![
        format!("&{module_name}"),
        string_literal(function),
        string_literal(&kinds),
    ];
    call_args.extend(values);
    let call = format!("ks_py_call({})", call_args.join(", "));
    let what = format!("&{module_name}, {}", string_literal(function));
    let result = match &expr.ty {
        Type::Void => Conversion::Discard,
        Type::Bool => Conversion::Bool,
        Type::Int(int) if !int.is_signed() => Conversion::Unsigned,
        Type::Str(_) => Conversion::String,
        _ => Conversion::Signed,
    };
    cx.backend.gen.needs.python_results.insert(result);
    match &expr.ty {
        Type::Void => CExpr::postfix(format!("ks_py_discard({call})")),
        Type::Bool => CExpr::postfix(format!("ks_py_bool({call}, {what})")),
        Type::Int(int) => {
            let c_type = cx.types.name(&expr.ty);
            let text = if int.is_signed() {
                let (min, max) = signed_range(*int);
                format!("({c_type})ks_py_signed({call}, {min}, {max}, {what})")
            } else {
                let max = unsigned_max(*int);
                format!("({c_type})ks_py_unsigned({call}, {max}, {what})")
            };
            CExpr::unary(text)
        }
        Type::Enum(_) => {
            let c_type = cx.types.name(&expr.ty);
            CExpr::unary(format!(
                "({c_type})ks_py_signed({call}, -2147483647LL - 1, 2147483647LL, {what})"
            ))
        }
        Type::Str(len) => {
            let holder = cx.backend.gen.return_type(&expr.ty);
            let result = cx.temp("py_result");
            let body = format!(
                "{holder} {result};\nks_py_string({call}, {result}.data, {len}, {what});\n{result};\n"
            );
            CExpr::postfix(format!("{}.data", statement_expression(&body)))
        }
        other => unreachable!("the checker keeps {other:?} from coming back from Python"),
    }
}

/// How a Python call's result is converted (which runtime helper).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Conversion {
    Discard,
    Signed,
    Unsigned,
    Bool,
    String,
}

/// Whether `expr` is a call of a Python function.
pub fn is_python_call(expr: &Expr) -> bool {
    matches!(
        &expr.kind,
        ExprKind::Call {
            callee: Callee::Python { .. },
            ..
        }
    )
}

fn signed_range(int: IntType) -> (String, String) {
    match int.bits() {
        8 => ("-128LL".into(), "127LL".into()),
        16 => ("-32768LL".into(), "32767LL".into()),
        32 => ("-2147483647LL - 1".into(), "2147483647LL".into()),
        _ => ("LLONG_MIN".into(), "LLONG_MAX".into()),
    }
}

fn unsigned_max(int: IntType) -> &'static str {
    match int.bits() {
        8 => "255ULL",
        16 => "65535ULL",
        32 => "4294967295ULL",
        _ => "ULLONG_MAX",
    }
}

/// The C object of module `id` (`ks_py_NAME`), named on first use.
fn module_object(gen: &mut Generator<'_>, id: ModuleId) -> String {
    if let Some(name) = gen.needs.python.get(&id) {
        return name.clone();
    }
    let base = format!("ks_py_{}", gen.program.module(id).name);
    let name = gen.scope.names.fresh(&base);
    gen.needs.python.insert(id, name.clone());
    name
}

/// The interpreter runtime and one object per module the program calls.
pub fn write(generator: &Generator, out: &mut CWriter) {
    if generator.needs.python.is_empty() {
        return;
    }
    raw(
        out,
        "/* ---- Python: an embedded CPython runs the imported Python modules. ---- */",
    );
    out.blank_line();
    emit(
        out,
        generator,
        &RUNTIME.replace("@PYTHON_ERROR@", &format!("{:#x}", crate::ir::PYTHON_ERROR)),
    );
    let used = &generator.needs.python_results;
    if used
        .iter()
        .any(|conversion| *conversion != Conversion::Discard)
    {
        emit(out, generator, WRONG_RESULT);
    }
    for (result, text) in [
        (Conversion::Discard, DISCARD),
        (Conversion::Signed, SIGNED),
        (Conversion::Unsigned, UNSIGNED),
        (Conversion::Bool, BOOL),
        (Conversion::String, STRING),
    ] {
        if used.contains(&result) {
            emit(out, generator, text);
        }
    }
    for (id, name) in &generator.needs.python {
        let module = generator.program.module(*id);
        let ModuleKind::Python { source } = &module.kind else {
            continue;
        };
        let stem = module
            .path
            .rsplit('/')
            .next()
            .unwrap_or(&module.path)
            .trim_end_matches(".py");
        raw(
            out,
            format!(
                "/* {}, imported as `{}`: run as Python module `{stem}` at its first call. */",
                module.path.replace("*/", "* /"),
                module.name
            ),
        );
        raw(out, format!("static struct ks_py_module {name} = {{"));
        raw(out, format!("    .name = {},", string_literal(stem)));
        raw(
            out,
            format!("    .file = {},", string_literal(&module.path)),
        );
        raw(out, "    .source =");
        let lines: Vec<&str> = source.split_inclusive('\n').collect();
        if lines.is_empty() {
            raw(out, "        \"\",");
        }
        for (index, line) in lines.iter().enumerate() {
            let end = if index + 1 == lines.len() { "," } else { "" };
            raw(out, format!("        {}{end}", string_literal(line)));
        }
        raw(out, "};");
        out.blank_line();
    }
}

const RUNTIME: &str = r#"
struct ks_py_module {
    const char *name;   /* the module's name in sys.modules */
    const char *file;   /* its file, as tracebacks name it */
    const char *source;
    PyObject *module;   /* once it ran */
};

/* Prints the pending Python exception and throws PYTHON_ERROR. */
static _Noreturn void ks_py_fail(const struct ks_py_module *module, const char *function)
{
    fflush(stdout);
    fprintf(stderr, "@NAME@: python: %s.%s: ", module->name, function);
    if (PyErr_Occurred()) {
        fputs("an exception was raised:\n", stderr);
        PyErr_Print();
    } else {
        fputs("failed\n", stderr);
    }
    ks_throw(@PYTHON_ERROR@); /* PYTHON_ERROR */
}

/* Starts the interpreter (once) and runs the module's source (once). */
static PyObject *ks_py_module(struct ks_py_module *module, const char *function)
{
    PyObject *code;

    if (!Py_IsInitialized()) {
        PyConfig config;
        PyStatus status;

        PyConfig_InitPythonConfig(&config);
        config.buffered_stdio = 0;
        config.install_signal_handlers = 0;
        config.parse_argv = 0;
        status = Py_InitializeFromConfig(&config);
        PyConfig_Clear(&config);
        if (PyStatus_Exception(status)) {
            fprintf(stderr, "@NAME@: cannot start Python: %s\n", status.err_msg ? status.err_msg : "unknown error");
            exit(1);
        }
    }
    if (module->module)
        return module->module;
    code = Py_CompileString(module->source, module->file, Py_file_input);
    if (!code)
        ks_py_fail(module, function);
    module->module = PyImport_ExecCodeModuleEx(module->name, code, module->file);
    Py_DECREF(code);
    if (!module->module)
        ks_py_fail(module, function);
    return module->module;
}

/* Calls module.function with the arguments described by kinds (i: long long,
 * u: unsigned long long, b: bool as int, c: char as int, s: const char * and
 * its capacity, y: bytes and their length); returns the new result. */
static PyObject *ks_py_call(struct ks_py_module *module, const char *function, const char *kinds, ...)
{
    PyObject *callable, *args, *result;
    size_t count = strlen(kinds);
    va_list ap;

    fflush(stdout);
    callable = PyObject_GetAttrString(ks_py_module(module, function), function);
    if (!callable)
        ks_py_fail(module, function);
    args = PyTuple_New((Py_ssize_t)count);
    if (!args)
        ks_py_fail(module, function);
    va_start(ap, kinds);
    for (size_t i = 0; i < count; i++) {
        PyObject *arg = NULL;

        switch (kinds[i]) {
        case 'i':
            arg = PyLong_FromLongLong(va_arg(ap, long long));
            break;
        case 'u':
            arg = PyLong_FromUnsignedLongLong(va_arg(ap, unsigned long long));
            break;
        case 'b':
            arg = PyBool_FromLong(va_arg(ap, int));
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);

            arg = PyUnicode_DecodeLatin1(&c, 1, NULL);
            break;
        }
        case 's': {
            const char *text = va_arg(ap, const char *);
            size_t cap = va_arg(ap, size_t);

            arg = PyUnicode_DecodeUTF8(text, (Py_ssize_t)strnlen(text, cap), "surrogateescape");
            break;
        }
        case 'y': {
            const void *bytes = va_arg(ap, const void *);
            size_t len = va_arg(ap, size_t);

            arg = PyBytes_FromStringAndSize(bytes, (Py_ssize_t)len);
            break;
        }
        }
        if (!arg) {
            va_end(ap);
            Py_DECREF(args);
            Py_DECREF(callable);
            ks_py_fail(module, function);
        }
        PyTuple_SET_ITEM(args, (Py_ssize_t)i, arg);
    }
    va_end(ap);
    result = PyObject_Call(callable, args, NULL);
    Py_DECREF(args);
    Py_DECREF(callable);
    if (!result)
        ks_py_fail(module, function);
    return result;
}
"#;

const DISCARD: &str = r#"
static void ks_py_discard(PyObject *result)
{
    Py_DECREF(result);
}
"#;

const WRONG_RESULT: &str = r#"
/* A result that does not convert: a TypeError naming what came back. */
static _Noreturn void ks_py_wrong_result(PyObject *result, const char *expected, struct ks_py_module *module, const char *function)
{
    PyErr_Format(PyExc_TypeError, "returned %s where %s was expected", Py_TYPE(result)->tp_name, expected);
    Py_DECREF(result);
    ks_py_fail(module, function);
}
"#;

const SIGNED: &str = r#"
/* An int result in min..max. */
static long long ks_py_signed(PyObject *result, long long min, long long max, struct ks_py_module *module, const char *function)
{
    int overflow;
    long long value;

    if (!PyLong_Check(result))
        ks_py_wrong_result(result, "an int", module, function);
    value = PyLong_AsLongLongAndOverflow(result, &overflow);
    if (overflow || value < min || value > max) {
        PyErr_Format(PyExc_OverflowError, "returned %R, out of range %lld..%lld", result, min, max);
        Py_DECREF(result);
        ks_py_fail(module, function);
    }
    Py_DECREF(result);
    return value;
}
"#;

const UNSIGNED: &str = r#"
/* An int result in 0..max. */
static unsigned long long ks_py_unsigned(PyObject *result, unsigned long long max, struct ks_py_module *module, const char *function)
{
    unsigned long long value;

    if (!PyLong_Check(result))
        ks_py_wrong_result(result, "an int", module, function);
    value = PyLong_AsUnsignedLongLong(result);
    if ((value == (unsigned long long)-1 && PyErr_Occurred()) || value > max) {
        PyErr_Clear();
        PyErr_Format(PyExc_OverflowError, "returned %R, out of range 0..%llu", result, max);
        Py_DECREF(result);
        ks_py_fail(module, function);
    }
    Py_DECREF(result);
    return value;
}
"#;

const BOOL: &str = r#"
/* A bool (or int) result. */
static bool ks_py_bool(PyObject *result, struct ks_py_module *module, const char *function)
{
    bool value;

    if (!PyLong_Check(result))
        ks_py_wrong_result(result, "a bool", module, function);
    value = PyObject_IsTrue(result) == 1;
    Py_DECREF(result);
    return value;
}
"#;

const STRING: &str = r#"
/* A str result of at most cap - 1 bytes of UTF-8, into dst (zero-filled). */
static void ks_py_string(PyObject *result, char *dst, size_t cap, struct ks_py_module *module, const char *function)
{
    Py_ssize_t len;
    const char *text;

    if (!PyUnicode_Check(result))
        ks_py_wrong_result(result, "a str", module, function);
    text = PyUnicode_AsUTF8AndSize(result, &len);
    if (!text) {
        Py_DECREF(result);
        ks_py_fail(module, function);
    }
    if ((size_t)len > cap - 1) {
        PyErr_Format(PyExc_ValueError, "returned a str of %zd bytes, longer than the %zu a str(%zu) holds", len, cap - 1, cap);
        Py_DECREF(result);
        ks_py_fail(module, function);
    }
    memset(dst, 0, cap);
    memcpy(dst, text, (size_t)len);
    Py_DECREF(result);
}
"#;
