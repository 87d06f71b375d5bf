//! Diagnostics about functions and programs: attributes, signatures, who
//! may call whom, builtins, tail calls and eBPF limits.

use crate::diagnostic::Diagnostic;
use crate::kinds::TargetRule;
use crate::span::Span;

use super::list_str;

pub(crate) fn unknown_attribute(span: Span, name: &str, known: &[&str]) -> Diagnostic {
    let known: Vec<String> = known.iter().map(|name| format!("@{name}")).collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    Diagnostic::error(format!("unknown attribute `@{name}`"))
        .primary(span, "not an attribute here")
        .help(format!("attributes allowed here: {}", list_str(&known)))
}

pub(crate) fn conflicting_attributes(span: Span, first: Span) -> Diagnostic {
    Diagnostic::error("a function can have only one kind attribute")
        .primary(span, "second kind attribute")
        .secondary(first, "the function's kind is set here")
}

pub(crate) fn attribute_takes_no_args(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`@{name}` takes no arguments"))
        .primary(span, "unexpected arguments")
        .help(format!("write `@{name}`"))
}

pub(crate) fn attribute_on_main(span: Span) -> Diagnostic {
    Diagnostic::error("`main` cannot have attributes")
        .primary(span, "`main` is the userspace entry point")
        .help("rename the function, or remove the attribute")
}

pub(crate) fn attribute_on_method(span: Span) -> Diagnostic {
    Diagnostic::error("methods of an impl block cannot have attributes")
        .primary(span, "the impl block's `@struct_ops` decides what they are")
}

pub(crate) fn struct_ops_on_function(span: Span) -> Diagnostic {
    Diagnostic::error("`@struct_ops` belongs on an impl block")
        .primary(span, "not allowed on a function")
        .help("write `@struct_ops(\"tcp_congestion_ops\") impl name { fn ... }`")
}

pub(crate) fn program_needs_target(span: Span, attribute: &str, rule: &TargetRule) -> Diagnostic {
    Diagnostic::error(format!("`@{attribute}` needs {}", rule.what))
        .primary(span, format!("expected {}", rule.expected))
        .help(rule.help)
}

pub(crate) fn bad_program_target(
    span: Span,
    attribute: &str,
    found: &str,
    rule: &TargetRule,
) -> Diagnostic {
    Diagnostic::error(format!("invalid `@{attribute}` target `{found}`"))
        .primary(span, format!("expected {}", rule.expected))
        .help(rule.help)
}

pub(crate) fn probe_offset_with_params(span: Span, target: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "a probe at an offset (`{target}`) has no parameters"
    ))
    .primary(
        span,
        "function arguments are only available at function entry",
    )
    .help("remove the parameters or take the registers (`ctx: *pt_regs`), or probe the function entry")
}

pub(crate) fn too_many_params(span: Span, kind: &str, max: usize) -> Diagnostic {
    Diagnostic::error(format!("a {kind} takes at most {max} parameters"))
        .primary(span, "too many parameters")
        .help("group the values in a struct and pass a pointer to it")
}

pub(crate) fn bad_program_param(
    span: Span,
    kind: &str,
    expected: &str,
    found: &str,
    signature: &str,
) -> Diagnostic {
    Diagnostic::error(format!(
        "the context parameter of a {kind} must be `{expected}`"
    ))
    .primary(span, format!("found `{found}`"))
    .help(format!("the signature is `{signature}`"))
}

pub(crate) fn bad_program_param_count(
    span: Span,
    kind: &str,
    found: usize,
    signature: &str,
) -> Diagnostic {
    Diagnostic::error(format!(
        "a {kind} takes exactly one parameter, found {found}"
    ))
    .primary(span, "wrong parameters")
    .help(format!("the signature is `{signature}`"))
}

pub(crate) fn bad_program_return(
    span: Span,
    kind: &str,
    expected: &str,
    found: &str,
    signature: &str,
) -> Diagnostic {
    Diagnostic::error(format!("a {kind} must return `{expected}`"))
        .primary(span, format!("found `{found}`"))
        .help(format!("the signature is `{signature}`"))
}

pub(crate) fn bad_main_params(span: Span) -> Diagnostic {
    Diagnostic::error("`main` takes no parameters or one struct of command-line arguments")
        .primary(span, "unexpected parameters")
        .help("write `fn main() -> i32` or `fn main(args: Args) -> i32` with `struct Args { ... }`")
}

pub(crate) fn bad_args_field(span: Span, field: &str, found: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "command-line argument `{field}` cannot have type `{found}`"
    ))
    .primary(span, "parsed from the command line")
    .help("argument fields must be integers, `bool`, `char`, `str(N)`, or `u8[16]` with `@ipv6`")
}

pub(crate) fn bad_main_return(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`main` must return `i32` or nothing, found `{found}`"
    ))
    .primary(span, "becomes the process exit status")
}

pub(crate) fn call_across_boundary(
    span: Span,
    callee: &str,
    callee_kind: &str,
    caller: &str,
    caller_kind: &str,
    definition: Span,
) -> Diagnostic {
    let (message, help) = match (callee_kind, caller_kind) {
        ("userspace function", _) => (
            format!("cannot call userspace function `{callee}` from {caller_kind} `{caller}`"),
            "eBPF code can call `@helper` functions; mark the function `@helper` if it belongs in the kernel".to_string(),
        ),
        ("@helper function", _) => (
            format!("cannot call @helper function `{callee}` from {caller_kind} `{caller}`"),
            "`@helper` functions run in eBPF and are called by programs and other helpers".to_string(),
        ),
        ("@private function", _) => (
            format!("cannot call @private function `{callee}` from {caller_kind} `{caller}`"),
            "`@private` functions are internal to the kernel module; call a `@kfunc` that uses it".to_string(),
        ),
        ("struct_ops method", _) => (
            format!("cannot call struct_ops method `{callee}` from {caller_kind} `{caller}`"),
            "struct_ops methods are called by the kernel and by the other methods of their impl block; move shared code into a `@helper`".to_string(),
        ),
        _ => (
            format!("cannot call {callee_kind} `{callee}` from {caller_kind} `{caller}`"),
            "this function runs on the other side of the kernel/userspace boundary".to_string(),
        ),
    };
    Diagnostic::error(message)
        .primary(span, "call not allowed here")
        .secondary(definition, format!("`{callee}` is a {callee_kind}"))
        .help(help)
}

pub(crate) fn function_value_across_boundary(
    span: Span,
    name: &str,
    kind: &str,
    here: &str,
) -> Diagnostic {
    Diagnostic::error(format!(
        "{kind} `{name}` cannot be used as a value in `{here}`"
    ))
    .primary(
        span,
        "it runs on the other side of the kernel/userspace boundary",
    )
    .help("function values can only refer to functions that run where they are used")
}

pub(crate) fn kernel_callee_outside_ebpf(
    span: Span,
    name: &str,
    what: &str,
    caller: &str,
) -> Diagnostic {
    let caller = if caller.is_empty() {
        "here".to_string()
    } else {
        format!("from `{caller}`")
    };
    Diagnostic::error(format!("{what} `{name}` can only be called from eBPF code"))
        .primary(span, format!("called {caller}, which does not run in eBPF"))
}

pub(crate) fn program_called_directly(span: Span, name: &str, definition: Span) -> Diagnostic {
    Diagnostic::error(format!("program `{name}` cannot be called directly"))
        .primary(span, "programs are entry points, not functions")
        .secondary(definition, format!("`{name}` is a program"))
        .help(format!(
            "load it from userspace with `load({name})`, or tail-call it with `return {name}(ctx)` from a program of the same kind"
        ))
        .help("to share code between programs, move it into a `@helper` function")
}

pub(crate) fn tail_call_kind_mismatch(
    span: Span,
    callee: &str,
    callee_kind: &str,
    caller: &str,
    caller_kind: &str,
) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot tail-call {callee_kind} `{callee}` from {caller_kind} `{caller}`"
    ))
    .primary(span, "a tail call needs a program of the same kind")
    .note("a tail call replaces the running program, so both must take the same context")
}

pub(crate) fn tail_call_context_mismatch(span: Span, callee: &str, context: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot tail-call `{callee}`: it takes a different context (`{context}`)"
    ))
    .primary(span, "the context is handed over unchanged")
    .help("tail calls work between programs attached to the same kind of event")
}

pub(crate) fn tail_call_unsupported(span: Span, caller: &str) -> Diagnostic {
    Diagnostic::error(format!("program `{caller}` cannot make tail calls")).primary(
        span,
        "tail calls work between @xdp, @tc or @tracepoint programs",
    )
}

pub(crate) fn tail_call_needs_context(span: Span, callee: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "a tail call to `{callee}` must pass the program's context"
    ))
    .primary(span, "the context is handed over unchanged")
    .help(format!(
        "write `return {callee}(ctx)` with the caller's context parameter"
    ))
}

pub(crate) fn not_callable(span: Span, name: &str, what: &str) -> Diagnostic {
    Diagnostic::error(format!("{what} `{name}` is not a function"))
        .primary(span, "cannot be called")
}

pub(crate) fn not_a_function_value(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("expected a function, found `{found}`"))
        .primary(span, "cannot be called")
}

pub(crate) fn no_method(span: Span, method: &str, ty: &str) -> Diagnostic {
    Diagnostic::error(format!("no method `{method}` on type `{ty}`"))
        .primary(span, "unknown method")
}

pub(crate) fn indirect_call_in_ebpf(span: Span) -> Diagnostic {
    Diagnostic::error("calls through function pointers are not possible in eBPF")
        .primary(span, "the verifier only allows direct calls")
        .help("call the function by name, or choose between functions with `if`/`match`")
}

pub(crate) fn wrong_arg_count(
    span: Span,
    callee: &str,
    expected: usize,
    found: usize,
) -> Diagnostic {
    let noun = if expected == 1 {
        "argument"
    } else {
        "arguments"
    };
    Diagnostic::error(format!(
        "`{callee}` takes {expected} {noun}, but {found} were given"
    ))
    .primary(span, format!("expected {expected} {noun}"))
}

pub(crate) fn userspace_builtin_outside_userspace(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` can only be called from userspace"))
        .primary(span, "not available in eBPF or kernel module code")
        .help("call it from `main` or another userspace function")
}

pub(crate) fn test_outside_test_function(span: Span) -> Diagnostic {
    Diagnostic::error("`test` can only be called from `@test` functions")
        .primary(span, "not a test function")
}

pub(crate) fn assert_outside_test_function(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`{name}` can only be called from `@test` functions"
    ))
    .primary(span, "not a test function")
    .help("a failed assertion fails the `@test` function it is in")
}

pub(crate) fn assert_eq_operand(span: Span, type_name: &str) -> Diagnostic {
    Diagnostic::error(format!("`assert_eq` cannot compare a `{type_name}`"))
        .primary(span, "expected an integer, `bool` or enum")
}

pub(crate) fn test_run_unsupported(span: Span, label: &str) -> Diagnostic {
    Diagnostic::error(format!("the kernel cannot test-run an {label}"))
        .primary(span, "BPF_PROG_TEST_RUN does not run programs of this kind")
        .help("`test()` runs XDP, TC, cgroup_skb and raw tracepoint programs")
}

pub(crate) fn test_input_mismatch(
    span: Span,
    label: &str,
    test_run: crate::kinds::TestRun,
    type_name: &str,
) -> Diagnostic {
    let wanted = match test_run {
        crate::kinds::TestRun::Packet => "the packet: a `u8[N]` array",
        crate::kinds::TestRun::Arguments => "the program's arguments: a `u64[N]` array",
        crate::kinds::TestRun::Unsupported => "nothing",
    };
    let diagnostic = Diagnostic::error(format!(
        "`test()` of an {label} takes {wanted}, not a `{type_name}`"
    ))
    .primary(span, "the input the kernel runs the program with");
    match test_run {
        crate::kinds::TestRun::Packet => diagnostic
            .note(
                "the kernel runs the program on these bytes as the packet: the fields of a \
                 struct (a size, an expected verdict) mean nothing to it",
            )
            .help(
                "build the packet in a byte array and pass that: `var packet: u8[64] = [0]`, \
                 `udp_packet(packet, 0x0a000001, 0x0a000002, 1234, 80)`, `test(prog, packet)`; \
                 its length is the array's",
            ),
        crate::kinds::TestRun::Arguments => {
            diagnostic.help("pass the arguments in order as a `u64[N]` array")
        }
        crate::kinds::TestRun::Unsupported => diagnostic,
    }
}

pub(crate) fn test_packet_too_short(span: Span, len: u32, min: u32) -> Diagnostic {
    Diagnostic::error(format!(
        "a test packet of {len} bytes is shorter than an Ethernet header"
    ))
    .primary(span, format!("the kernel needs at least {min} bytes"))
    .help(format!(
        "declare the packet as `u8[{min}]` or longer; bytes past the literal are zero"
    ))
}

pub(crate) fn packet_too_short_for(span: Span, name: &str, len: u32, min: u32) -> Diagnostic {
    Diagnostic::error(format!(
        "`{name}` needs a packet of at least {min} bytes, not {len}"
    ))
    .primary(span, format!("its headers take {min} bytes"))
}

pub(crate) fn packet_builder_needs_array(span: Span, name: &str, type_name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`{name}` fills a `u8[N]` array, not a `{type_name}`"
    ))
    .primary(span, "the packet it writes")
}

pub(crate) fn kernel_struct_in_userspace(span: Span, field: &str, name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "userspace cannot read `{field}` of kernel struct `{name}`"
    ))
    .primary(span, "a pointer to it points into the kernel")
    .help("read it in an eBPF program and pass the value to userspace through a map or ring buffer")
}

pub(crate) fn option_outside_args(span: Span) -> Diagnostic {
    Diagnostic::error(
        "option attributes and defaults belong to the fields of `main`'s `Args` struct",
    )
    .primary(span, "this struct is not `main`'s parameter")
    .help("declare command-line options as fields of the struct `fn main(args: Args)` takes")
}

pub(crate) fn bad_short_option(span: Span, text: &str) -> Diagnostic {
    Diagnostic::error(format!("`{text}` cannot be a short option"))
        .primary(span, "a short option is one ASCII letter or digit")
        .note("`-h` is taken by `--help`")
}

pub(crate) fn duplicate_short_option(span: Span, short: char, first: Span) -> Diagnostic {
    Diagnostic::error(format!("short option `-{short}` is given twice"))
        .primary(span, "given again here")
        .secondary(first, "first given here")
}

pub(crate) fn option_attribute_needs_string(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`@{name}` takes one string"))
        .primary(span, "expected one string argument")
        .help(if name == "short" {
            "write `@short(\"x\")`"
        } else {
            "write `@help(\"what the option does\")`"
        })
}

pub(crate) fn unknown_option_attribute(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("unknown option attribute `@{name}`"))
        .primary(span, "not an option attribute")
        .help("an `Args` field takes `@short(\"x\")`, `@help(\"text\")` and `@ipv4`")
}

pub(crate) fn ipv4_option_type(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error("an `@ipv4` option must be a `u32`")
        .primary(span, format!("this field is `{found}`"))
        .help("declare it `u32`: the address is stored in network order, as `iph->saddr` holds it")
}

pub(crate) fn ipv6_option_type(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error("an `@ipv6` option must be a `u8[16]`")
        .primary(span, format!("this field is `{found}`"))
        .help("declare it `u8[16]`: the address is stored in network order, as `ip6h->saddr` holds it")
}

/// The default of an `@ipv4`/`@ipv6` option is not an address literal
/// (`text`: the string it is, if it is one).
pub(crate) fn address_option_default(span: Span, ipv6: bool, text: Option<&str>) -> Diagnostic {
    let (attribute, example) = if ipv6 {
        ("@ipv6", "\"fd00::1\"")
    } else {
        ("@ipv4", "\"10.0.0.1\"")
    };
    let label = match text {
        Some(text) => format!("`{text}` is not an address"),
        None => "not a string literal".to_string(),
    };
    Diagnostic::error(format!(
        "the default of an `{attribute}` option must be an address in quotes"
    ))
    .primary(span, label)
    .help(format!("write it as a string: `= {example}`"))
}

pub(crate) fn option_default_not_constant(span: Span) -> Diagnostic {
    Diagnostic::error("an option's default must be a constant")
        .primary(span, "not known at compile time")
        .help("write a literal or a `const`")
}

pub(crate) fn print_needs_format(span: Span) -> Diagnostic {
    Diagnostic::error("`print` needs a format string")
        .primary(span, "missing format")
        .help("write `print(\"value: %d\", x)`")
}

pub(crate) fn print_format_not_literal(span: Span, found: &str, ebpf: bool) -> Diagnostic {
    if ebpf && found.starts_with("str(") {
        Diagnostic::error("the format of `print` in eBPF must be a string literal")
            .primary(span, "`bpf_printk` needs the format at compile time")
            .help("print the string with a literal format: `print(\"%s\", text)`")
    } else {
        Diagnostic::error(format!(
            "the format of `print` must be a string, found `{found}`"
        ))
        .primary(span, "not a string")
        .help("write `print(\"%d\", value)`")
    }
}

pub(crate) fn print_missing_values(span: Span, conversions: usize, values: usize) -> Diagnostic {
    let follow = if values == 1 {
        "value follows"
    } else {
        "values follow"
    };
    Diagnostic::error(format!(
        "the format has {conversions} conversions, but {values} {follow} it"
    ))
    .primary(span, "each `%` conversion takes one value")
    .help("add the missing values, or write `%%` for a literal percent sign")
}

pub(crate) fn print_conversion_mismatch(
    span: Span,
    format: Span,
    conversion: char,
    found: &str,
) -> Diagnostic {
    let wants = match conversion {
        's' => "a string (`str(N)`, a `u8`/`char` array or a `*u8`)",
        'c' => "a `char` or an integer",
        'p' => "a pointer",
        _ => "an integer, `bool`, `char` or enum",
    };
    let help = match (conversion, found) {
        ('s', _) if found.starts_with('*') => "`%p` prints a pointer's address".to_string(),
        ('s', _) => {
            "use `%d`/`%u` for integers, or leave the conversion out: `print(\"x\", x)` picks one"
                .to_string()
        }
        ('p', _) => "`%p` is for pointers; `%d`/`%u`/`%x` print integers".to_string(),
        _ => "`%s` prints strings, `%p` pointers".to_string(),
    };
    Diagnostic::error(format!("`%{conversion}` needs {wants}, found `{found}`"))
        .primary(span, format!("this value is a `{found}`"))
        .secondary(format, format!("`%{conversion}` in this format"))
        .help(help)
}

pub(crate) fn not_printable(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot print a value of type `{found}`"))
        .primary(span, "not printable")
        .help("print its fields one by one")
}

pub(crate) fn too_many_print_values(span: Span, count: usize) -> Diagnostic {
    Diagnostic::error(format!(
        "`print` in eBPF takes at most 3 values after the format, found {count}"
    ))
    .primary(span, "the values from here on do not fit")
    .help("split it into several `print` calls")
    .note("`print` in eBPF code becomes `bpf_printk`, which is limited to 3 arguments")
}

pub(crate) fn load_needs_program(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("`load` expects an eBPF program, found `{found}`"))
        .primary(span, "not a program")
        .help("pass the name of a function marked `@xdp`, `@tc(...)`, `@probe(...)`, `@tracepoint(...)` or `@perf_event`")
}

pub(crate) fn handle_before_load(span: Span, builtin: &str, program: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`{builtin}` needs a loaded program: attach before load"
    ))
    .primary(
        span,
        format!("`{program}` is a program, not a handle returned by `load`"),
    )
    .help(format!(
        "load it first: `var handle = load({program})`, then `{builtin}(handle, ...)`"
    ))
}

pub(crate) fn recursion_in_ebpf(span: Span, cycle: &[String]) -> Diagnostic {
    let mut path: Vec<String> = cycle.iter().map(|name| format!("`{name}`")).collect();
    path.push(format!("`{}`", cycle[0]));
    Diagnostic::error(format!(
        "recursion is not allowed in eBPF: {}",
        path.join(" -> ")
    ))
    .primary(span, "this call closes the cycle")
    .help("rewrite the recursion as a bounded loop")
    .note("the verifier rejects programs whose calls can recurse")
}

/// `crossing`: the local declaration that takes the frame over the limit,
/// and the size the frame reaches there.
/// What takes a stack over the limit: a local's declaration, or a
/// string built into a buffer of its own (`ir::strings::buffers`).
pub(crate) struct StackCrossing {
    pub span: Span,
    /// The bytes the stack reaches with it.
    pub reached: u64,
    pub buffer: bool,
}

impl StackCrossing {
    fn what(&self) -> &'static str {
        if self.buffer {
            "the buffer of this string"
        } else {
            "this local"
        }
    }
}

pub(crate) fn stack_frame_too_large(
    span: Span,
    name: &str,
    total: u64,
    largest: &[(String, String, u64)],
    crossing: Option<StackCrossing>,
) -> Diagnostic {
    let diagnostic = Diagnostic::error(format!(
        "function `{name}` needs {total} bytes of stack, over the 512-byte eBPF limit"
    ));
    let mut diagnostic = match crossing {
        Some(crossing) => diagnostic
            .primary(
                crossing.span,
                format!(
                    "{} brings the frame to {} bytes",
                    crossing.what(),
                    crossing.reached
                ),
            )
            .secondary(span, format!("the frame of `{name}`: {total} bytes")),
        None => diagnostic.primary(span, "stack frame too large"),
    }
    .help("keep large buffers in a map (e.g. a per-CPU array with one entry) instead of locals");
    for (local, ty, size) in largest {
        diagnostic = diagnostic.note(format!("`{local}: {ty}` takes {size} bytes"));
    }
    diagnostic
}

/// `calls`: each call of the chain (its span, the callee and its frame).
pub(crate) fn stack_chain_too_large(
    span: Span,
    name: &str,
    total: u64,
    frames: &[(String, u64)],
    crossing: Option<StackCrossing>,
    calls: &[(Span, String, u64)],
) -> Diagnostic {
    let chain: Vec<String> = frames
        .iter()
        .map(|(function, size)| format!("`{function}` ({size} bytes)"))
        .collect();
    let diagnostic = Diagnostic::error(format!(
        "program `{name}` needs {total} bytes of stack, over the 512-byte eBPF limit"
    ));
    let own = frames.first().map_or(0, |(_, size)| *size);
    let mut diagnostic = match crossing {
        Some(crossing) => diagnostic
            .primary(
                crossing.span,
                format!(
                    "{} brings the stack of `{name}` to {} bytes",
                    crossing.what(),
                    crossing.reached
                ),
            )
            .secondary(span, format!("program `{name}` ({own} bytes of its own)")),
        None => diagnostic.primary(
            span,
            "the stack of this program and the functions it calls is too large",
        ),
    };
    for (call, callee, size) in calls {
        diagnostic = diagnostic.secondary(*call, format!("calls `{callee}` ({size} bytes)"));
    }
    diagnostic
        .note(format!(
            "deepest call chain: {} = {total} bytes",
            chain.join(" -> ")
        ))
        .help("move large locals into a map, or avoid holding them across calls")
}
