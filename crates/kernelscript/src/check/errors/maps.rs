//! Diagnostics about maps: declarations, flags, access and ring buffers.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

use super::list_str;

pub(crate) fn local_map(span: Span) -> Diagnostic {
    Diagnostic::error("maps cannot be `local`")
        .primary(span, "maps are always shared with userspace")
        .help("remove `local`")
}

pub(crate) fn map_with_initializer(span: Span) -> Diagnostic {
    Diagnostic::error("maps cannot have an initial value")
        .primary(span, "maps start empty")
        .help("fill the map from userspace after loading, e.g. in `main`")
}

pub(crate) fn unknown_map_kind(span: Span, name: &str, kinds: &[&str]) -> Diagnostic {
    Diagnostic::error(format!("unknown map type `{name}`"))
        .primary(span, "not a map type")
        .help(format!("map types are {}", list_str(kinds)))
}

pub(crate) fn wrong_map_type_args(
    span: Span,
    kind: &str,
    expected: usize,
    found: usize,
) -> Diagnostic {
    let shape = if expected == 1 {
        format!("{kind}<T>(size)")
    } else {
        format!("{kind}<K, V>(max_entries)")
    };
    Diagnostic::error(format!(
        "`{kind}` takes {expected} type argument{}, found {found}",
        if expected == 1 { "" } else { "s" }
    ))
    .primary(span, "wrong number of type arguments")
    .help(format!("write `{shape}`"))
}

pub(crate) fn map_needs_size(span: Span) -> Diagnostic {
    Diagnostic::error("map declaration needs a size")
        .primary(span, "missing `(max_entries)`")
        .help("write e.g. `hash<u32, u64>(1024)`")
}

pub(crate) fn ringbuf_value_not_struct(span: Span, found: &str, perf: bool) -> Diagnostic {
    let (what, shape) = if perf {
        ("perf event array", "perf_event_array<Event>")
    } else {
        ("ring buffer", "ringbuf<Event>(size)")
    };
    Diagnostic::error(format!("{what} events must be structs, found `{found}`"))
        .primary(span, "not a struct")
        .help(format!(
            "declare an event struct: `struct Event {{ ... }}` and use `{shape}`"
        ))
}

pub(crate) fn bad_ringbuf_size(span: Span, size: u32) -> Diagnostic {
    Diagnostic::error(format!("invalid ring buffer size {size}"))
        .primary(span, "must be a power of two of at least 4096 bytes")
        .help(format!(
            "use {}",
            size.max(4096).checked_next_power_of_two().unwrap_or(4096)
        ))
}

pub(crate) fn pointer_in_map(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(format!("maps cannot store `{found}`"))
        .primary(
            span,
            "pointers are not meaningful outside the program that made them",
        )
        .help("store the data itself, or an id that refers to it")
        .note("a map may hold objects from `new`: `hash<K, *T>` for a struct `T` of this program")
}

pub(crate) fn empty_map_entry(span: Span, what: &str, found: &str) -> Diagnostic {
    Diagnostic::error(format!("map {what} cannot be empty"))
        .primary(span, format!("`{found}` has size 0"))
        .help("the kernel rejects maps with zero-sized keys or values; add a field")
}

pub(crate) fn bad_map_key(span: Span, kind: &str, found: &str) -> Diagnostic {
    let expected = if kind == "lpm_trie" {
        "a struct (prefix length first, then the data)"
    } else {
        "`u32`"
    };
    Diagnostic::error(format!("`{kind}` maps cannot have `{found}` keys"))
        .primary(span, format!("keys of `{kind}` maps must be {expected}"))
}

pub(crate) fn unknown_map_flag(span: Span, name: &str, known: &[&str]) -> Diagnostic {
    Diagnostic::error(format!("unknown map flag `{name}`"))
        .primary(span, "not a map flag")
        .help(format!("map flags are {}", list_str(known)))
}

pub(crate) fn numa_node_needs_arg(span: Span) -> Diagnostic {
    Diagnostic::error("`numa_node` needs the node number")
        .primary(span, "missing node")
        .help("write `numa_node(0)`")
}

pub(crate) fn flag_not_for_kind(span: Span, flag: &str, kind: &str) -> Diagnostic {
    let why = match flag {
        "no_prealloc" if kind.contains("array") => "array maps are always preallocated",
        "no_prealloc" => "only hash and lpm_trie maps can skip preallocation",
        "no_common_lru" => "only LRU maps have a common LRU list",
        "mmapable" => "only array maps can be memory-mapped",
        _ => "the kernel rejects this combination",
    };
    Diagnostic::error(format!("flag `{flag}` cannot be used on a `{kind}` map")).primary(span, why)
}

pub(crate) fn duplicate_map_flag(span: Span, flag: &str) -> Diagnostic {
    Diagnostic::error(format!("flag `{flag}` is given more than once"))
        .primary(span, "repeated flag")
}

pub(crate) fn conflicting_map_flags(span: Span) -> Diagnostic {
    Diagnostic::error("a map cannot be both read-only and write-only from the same side")
        .primary(span, "conflicting access flags")
}

pub(crate) fn lpm_needs_no_prealloc(span: Span) -> Diagnostic {
    Diagnostic::error("`lpm_trie` maps must not be preallocated")
        .primary(span, "the kernel requires `no_prealloc` for LPM tries")
        .help("add `@flags(no_prealloc)` before the declaration")
}

pub(crate) fn map_not_indexable(span: Span, name: &str, kind: &str) -> Diagnostic {
    let help = match kind {
        "ringbuf" => format!("reserve an event with `{name}.reserve()`"),
        _ => "this map is managed by the compiler".to_string(),
    };
    Diagnostic::error(format!("`{kind}` map `{name}` cannot be indexed"))
        .primary(span, "not a key-value map")
        .help(help)
}

pub(crate) fn map_compound_on_non_integer(span: Span, name: &str, found: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot update entries of `{name}` in place: its values are `{found}`"
    ))
    .primary(span, "`m[k] op= v` needs integer values")
    .help("update a field instead (`m[k].field += v`), or read, modify and store the value")
}

pub(crate) fn map_access_forbidden_by_flag(
    span: Span,
    name: &str,
    flag: &str,
    write: bool,
) -> Diagnostic {
    let (action, side) = match (write, flag.ends_with("_prog")) {
        (true, true) => ("written", "eBPF programs"),
        (false, true) => ("read", "eBPF programs"),
        (true, false) => ("written", "userspace"),
        (false, false) => ("read", "userspace"),
    };
    Diagnostic::error(format!("map `{name}` cannot be {action} by {side}"))
        .primary(span, format!("forbidden by `@flags({flag})`"))
}

pub(crate) fn map_in_kernel_module(span: Span, name: &str) -> Diagnostic {
    shared_state_in_kernel_module(span, "map", name)
}

pub(crate) fn shared_state_in_kernel_module(span: Span, what: &str, name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "kernel module functions cannot access {what} `{name}`"
    ))
    .primary(
        span,
        format!("{what}s live in the eBPF object, which `@kfunc` and `@private` code cannot reach"),
    )
    .help("pass the values the function needs as arguments")
}

pub(crate) fn unknown_map_method(span: Span, method: &str, map: &str, kind: &str) -> Diagnostic {
    let help = if kind == "ringbuf" {
        "ring buffers have `reserve()`, `submit(event)`, `discard(event)` and `on_event(handler)`"
            .to_string()
    } else if matches!(
        kind,
        "hash" | "lru_hash" | "percpu_hash" | "lru_percpu_hash"
    ) {
        format!("`{kind}` maps have `insert(key, value)`; read with `{map}[key]`, write with `{map}[key] = value`")
    } else {
        format!("`{kind}` maps have no methods; read with `{map}[key]`, write with `{map}[key] = value`")
    };
    Diagnostic::error(format!("no method `{method}` on `{kind}` map `{map}`"))
        .primary(span, "unknown method")
        .help(help)
}

pub(crate) fn reserve_needs_size(span: Span, map: &str, record: &str) -> Diagnostic {
    Diagnostic::error(format!("`{map}` holds records of variable size"))
        .primary(span, "how many bytes follow the record's fixed part?")
        .note(format!("`{record}` ends in a flexible array"))
        .help(format!(
            "reserve `sizeof({record})` plus the bytes its flexible array needs: `{map}.reserve(n)`"
        ))
}

pub(crate) fn reserve_fixed_with_size(span: Span, map: &str, record: &str) -> Diagnostic {
    Diagnostic::error(format!("`{map}` holds records of a fixed size"))
        .primary(span, "a fixed-size record takes no size")
        .note(format!("`{record}` has no flexible array to size"))
        .help(format!(
            "write `{map}.reserve()`, or end `{record}` with a flexible array (`payload: u8[]`) for variable-size records"
        ))
}

pub(crate) fn perf_output_needs_event_type(span: Span, map: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`{map}.output` needs a perf event array declared with its event type"
    ))
    .primary(span, "this map is declared `perf_event_array<K, V>(size)`")
    .help("declare it `perf_event_array<Event>`: one type argument, the event struct")
}

pub(crate) fn perf_output_needs_context(span: Span, map: &str) -> Diagnostic {
    Diagnostic::error(format!("`{map}.output` needs the program's context"))
        .primary(
            span,
            "not in a program that takes its context as first parameter",
        )
        .help(
            "call it from an @xdp, @tc, @tracepoint, ... program whose first parameter is `ctx`, \
             or from a @helper such a program calls",
        )
}

pub(crate) fn perf_packet_bytes_outside_packet_program(span: Span, map: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`{map}.output(value, n)` appends packet bytes, which only an @xdp or @tc program has"
    ))
    .primary(span, "the number of packet bytes to append")
    .help(format!(
        "call `{map}.output(value, n)` in the @xdp or @tc program itself (not in a @helper), \
         or output the value alone: `{map}.output(value)`"
    ))
}

pub(crate) fn insert_into_array(span: Span, map: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`insert` never inserts into array map `{map}`: every index exists"
    ))
    .primary(span, "an array map has an entry at every index")
    .help(format!("assign with `{map}[key] = value`"))
}

pub(crate) fn ringbuf_method_wrong_side(
    span: Span,
    method: &str,
    userspace_method: bool,
) -> Diagnostic {
    if userspace_method {
        Diagnostic::error(format!("`{method}` can only be called from userspace"))
            .primary(span, "ring buffer consumers run in userspace")
            .help("register the handler in `main`, then call `dispatch(ring_buffer)`")
    } else {
        Diagnostic::error(format!("`{method}` can only be called from eBPF code"))
            .primary(span, "ring buffer producers run in the kernel")
            .help("userspace consumes events with `on_event(handler)` and `dispatch(...)`")
    }
}

pub(crate) fn dispatch_needs_ring_buffer(span: Span) -> Diagnostic {
    Diagnostic::error("`dispatch` expects ring buffers or perf event arrays")
        .primary(span, "not a ring buffer or perf event array")
        .help("pass one or more `ringbuf<T>` or `perf_event_array<T>` maps: `dispatch(events)`")
}

pub(crate) fn bad_stack_trace_value(span: Span, found: &str, max: u32) -> Diagnostic {
    Diagnostic::error(format!(
        "a stack_trace map holds `u64[DEPTH]` stacks, found `{found}`"
    ))
    .primary(span, "not an array of u64 return addresses")
    .help(format!(
        "write e.g. `stack_trace<u32, u64[{max}]>(1024)` (DEPTH at most {max})"
    ))
}

pub(crate) fn stack_trace_in_ebpf(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("stack_trace map `{name}` cannot be read in eBPF"))
        .primary(span, "the kernel lets programs only record stacks in it")
        .help(format!(
            "record with `bpf_get_stackid(ctx, {name}, 0)` and read the stacks from userspace"
        ))
}

pub(crate) fn helper_output_without_context(
    span: Span,
    caller: &str,
    callee: &str,
    chain: &[(Span, String)],
) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(format!(
        "`{callee}` writes to a perf event array, which needs the program's context, and `{caller}` has none to pass"
    ))
    .primary(span, "called here");
    for (step, label) in chain {
        diagnostic = diagnostic.secondary(*step, label.clone());
    }
    diagnostic.help(
        "call it from an @xdp, @tc, @tracepoint, ... program whose first parameter is its context \
         (or from a helper such a program calls)",
    )
}

pub(crate) fn record_reserve_not_var(span: Span) -> Diagnostic {
    Diagnostic::error("a variable-size reservation must initialise a `var`")
        .primary(span, "reserved here")
        .note("the record's dynptr lives beside the variable that receives it")
        .help("write `var record = ...reserve(n)`, then test `record != null`")
}

pub(crate) fn record_holder_assigned(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!("`{name}` holds a variable-size reservation"))
        .primary(span, "assigned again here")
        .help(format!(
            "declare a new variable for another reservation; submit or discard `{name}` first"
        ))
}

pub(crate) fn record_release_not_holder(span: Span, map: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "`{map}` releases a variable-size record only through the variable that reserved it"
    ))
    .primary(span, "not the variable `reserve(n)` initialised")
    .help("pass the variable declared `var record = ...reserve(n)` itself")
}

pub(crate) fn flexible_not_through_holder(span: Span) -> Diagnostic {
    Diagnostic::error(
        "a flexible array is indexed only through the variable that reserved its record",
    )
    .primary(span, "not the variable `reserve(n)` initialised")
    .note(
        "its bytes are reached through the reservation's dynptr, which lives beside that variable",
    )
}

pub(crate) fn flexible_compound_assignment(span: Span) -> Diagnostic {
    Diagnostic::error("compound assignment to a flexible array element is not supported yet")
        .primary(span, "not supported by this compiler yet")
        .help("read the element into a variable, compute, and assign it with `=`")
}

pub(crate) fn flexible_address(span: Span) -> Diagnostic {
    Diagnostic::error("the address of a flexible array element cannot be taken in eBPF").primary(
        span,
        "its bytes are reached only through the reservation's dynptr",
    )
}

pub(crate) fn flexible_not_indexed(span: Span) -> Diagnostic {
    Diagnostic::error("a flexible array is used only element by element in eBPF")
        .primary(span, "used as a whole here")
        .help("read or write `record->field[i]`")
}

pub(crate) fn record_in_callback_or_defer(span: Span, place: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "a variable-size reservation used in {place} is not supported yet"
    ))
    .primary(span, "not supported by this compiler yet")
    .help("use the record in the function's own statements, or a `for (i in a..b)` loop")
}
