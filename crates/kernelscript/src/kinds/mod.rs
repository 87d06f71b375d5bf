//! Program kinds: one `Descriptor` per kind of eBPF program (`@xdp`,
//! `@tc`, `@tracepoint`, ...), holding every fact the passes need about
//! it — the attribute and its argument, the signature, the `SEC()` name and
//! entry style, the failure result, whether it needs kernel types, and the
//! userspace C that attaches and detaches it.
//!
//! The checker, both C generators and the Makefile consult the table
//! (`descriptor`, `by_attribute`); nothing outside this folder names a
//! `ProgramKind` variant (a tidy test holds that), so adding a kind is a
//! file here and a line in `KINDS` (see ARCHITECTURE.md, "How to add a
//! program kind"). This module depends on neither `check` nor `codegen`.

mod cgroup_skb;
mod fexit;
mod kprobe;
mod lsm;
mod perf_event;
mod probe;
mod raw_tracepoint;
mod tc;
mod tracepoint;
mod uprobe;
mod xdp;

/// The table: every kind with its descriptor, in the order runtime code is
/// emitted. Defines `ProgramKind`, `KINDS` and `ProgramKind::descriptor`.
macro_rules! kinds {
    ($($(#[$doc:meta])* $kind:ident => $descriptor:path,)*) => {
        /// A kind of eBPF program, named by its attribute.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ProgramKind {
            $($(#[$doc])* $kind,)*
        }

        /// Every kind, in table order.
        pub const KINDS: &[ProgramKind] = &[$(ProgramKind::$kind),*];

        impl ProgramKind {
            /// The kind's descriptor.
            pub fn descriptor(self) -> &'static Descriptor {
                match self {
                    $(ProgramKind::$kind => &$descriptor,)*
                }
            }
        }
    };
}

kinds! {
    /// `@xdp`
    Xdp => xdp::DESCRIPTOR,
    /// `@tc("ingress"|"egress")`
    Tc => tc::DESCRIPTOR,
    /// `@tracepoint("category/event")`
    Tracepoint => tracepoint::DESCRIPTOR,
    /// `@raw_tracepoint("event")`
    RawTracepoint => raw_tracepoint::DESCRIPTOR,
    /// `@probe("function")`, `@probe("function+offset")`
    Probe => probe::DESCRIPTOR,
    /// `@fexit("function")`
    Fexit => fexit::DESCRIPTOR,
    /// `@kprobe("function")`, `@kprobe`
    Kprobe => kprobe::DESCRIPTOR,
    /// `@kretprobe("function")`, `@kretprobe`
    Kretprobe => kprobe::RET_DESCRIPTOR,
    /// `@lsm("hook")`
    Lsm => lsm::DESCRIPTOR,
    /// `@cgroup_skb("ingress"|"egress")`
    CgroupSkb => cgroup_skb::DESCRIPTOR,
    /// `@uprobe("PATH:FUNCTION")`
    Uprobe => uprobe::DESCRIPTOR,
    /// `@uretprobe("PATH:FUNCTION")`
    Uretprobe => uprobe::RET_DESCRIPTOR,
    /// `@perf_event`
    PerfEvent => perf_event::DESCRIPTOR,
}

pub use tracepoint::record_struct as tracepoint_record_struct;

/// `(category, event)` when `attribute` is `@tracepoint`'s and `target` a
/// well-formed `category/event`.
pub fn tracepoint_event<'t>(attribute: &str, target: &'t str) -> Option<(&'t str, &'t str)> {
    (attribute == tracepoint::DESCRIPTOR.attribute)
        .then(|| tracepoint::split(target))
        .flatten()
}

/// The kind whose attribute is `@name`.
pub fn by_attribute(name: &str) -> Option<ProgramKind> {
    KINDS
        .iter()
        .copied()
        .find(|kind| kind.descriptor().attribute == name)
}

/// Whether `field` of the kernel struct `context` is a packet pointer: a
/// `__u32` in C that the verifier turns into a pointer, because `context`
/// is some kind's context struct listing it (`xdp_md`'s `data`).
pub fn is_packet_pointer_field(context: &str, field: &str) -> bool {
    KINDS.iter().any(|kind| {
        let descriptor = kind.descriptor();
        matches!(descriptor.signature, Signature::Context { context: name, .. } if name == context)
            && descriptor.packet_pointer_fields.contains(&field)
    })
}

/// Everything the compiler knows about one kind of program.
pub struct Descriptor {
    /// The attribute, without `@`: `xdp`.
    pub attribute: &'static str,
    /// How messages name a program of the kind: `@xdp program`.
    pub label: &'static str,
    /// The attribute's argument; `None` when it takes none (`@xdp`).
    pub target: Option<TargetRule>,
    /// The parameters and return type a program of the kind declares.
    pub signature: Signature,
    /// The kernel's program type (`BPF_PROG_TYPE_XDP`). Tail calls go
    /// between programs of one type, through a program array of that type.
    pub program_type: &'static str,
    /// Whether programs of the kind may tail-call each other (`return
    /// other(ctx)`); the array is named `prog_array_ATTRIBUTE` when several
    /// types tail-call.
    pub tail_calls: bool,
    /// The `SEC()` name for the attribute's argument.
    pub section: fn(target: &str) -> String,
    /// How the C function receives its context.
    pub entry: fn(target: &str) -> Entry,
    /// What a program returns when it cannot do what the source says (an
    /// uncaught `throw`, a failed tail call), as C.
    pub failure_result: &'static str,
    /// Whether the object needs the kernel's own types (its kernel header
    /// `NAME.vmlinux.h` instead of UAPI includes).
    pub needs_kernel_types: bool,
    /// Kernel structs the C entry of the kind reads besides its parameters
    /// (`pt_regs` for libbpf's `BPF_KPROBE` macros): the kernel header
    /// defines them.
    pub entry_types: &'static [&'static str],
    /// How programs of the kind read memory behind kernel pointers.
    pub kernel_memory: KernelMemory,
    /// The program's own userspace function a target names, if the kind
    /// can probe one (`@uprobe("heartbeat")`): that function must stay a
    /// real, non-inlined symbol of the binary.
    pub own_function: fn(target: &str) -> Option<&str>,
    /// Fields of the context struct that are `__u32` in C but packet
    /// pointers for the verifier (`data`, `data_end`, `data_meta`).
    pub packet_pointer_fields: &'static [&'static str],
    /// How userspace attaches and detaches programs of the kind.
    pub attach: Attach,
    /// What `test(program, input)` gives the kernel's `BPF_PROG_TEST_RUN`.
    pub test_run: TestRun,
    /// Whether the kernel lets this program type call `bpf_obj_new` /
    /// `bpf_obj_drop` (`new`/`delete`; proved per type by
    /// `tests/data/lowering/objects/alloc_in.bpf.c` on 6.18).
    pub allocates_objects: bool,
    /// Whether `output(value, n)` on a perf event array may append `n`
    /// bytes of the packet to the sample (the kernel's skb and XDP
    /// versions of `bpf_perf_event_output` take the length in the flags'
    /// upper bits; the tracing version refuses them).
    pub perf_packet_bytes: bool,
}

/// How `@test` functions run a program of a kind in the kernel
/// (`BPF_PROG_TEST_RUN`), and what the input of `test(program, input)` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestRun {
    /// The input is a packet (`data_in`): a `u8[N]` array (all `N` bytes)
    /// or a built-in `packet`. The kernel wants at least an Ethernet
    /// header (14 bytes).
    Packet,
    /// The input is the context: the program's `u64` arguments (`ctx_in`),
    /// a `u64[N]` array.
    Arguments,
    /// The kernel cannot run programs of the kind on demand.
    Unsupported,
}

/// How a program kind reads kernel memory (`task->real_parent->tgid`),
/// other than its own context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelMemory {
    /// Plain loads: packet programs (XDP, TC, cgroup_skb) only meet their
    /// context and packet data, which the verifier lets them load from.
    Direct,
    /// Tracing programs: every read through a kernel pointer goes through
    /// `bpf_probe_read_kernel` with CO-RE relocations (`BPF_CORE_READ`).
    /// It works whatever the pointer's origin (a BTF-typed argument of
    /// fentry or LSM, `bpf_get_current_task()` cast to `*task_struct`, a
    /// kprobe's register), where plain loads are refused for all but
    /// BTF-typed pointers.
    ProbeRead,
}

/// The rule for an attribute's string argument.
pub struct TargetRule {
    /// What the argument names: "`@tc` needs a traffic direction".
    pub what: &'static str,
    /// Whether the attribute may also be written without an argument
    /// (`@kprobe fn f(ctx: *pt_regs)`, attached where `attach` says).
    pub optional: bool,
    /// The shape expected, shown under a missing or bad argument:
    /// `"ingress" or "egress"`.
    pub expected: &'static str,
    /// The `help:` line: how to write it.
    pub help: &'static str,
    pub valid: fn(target: &str) -> bool,
}

/// A program kind's parameters and return type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signature {
    /// `fn(ctx: *CONTEXT) -> RETURNS`.
    Context {
        context: &'static str,
        returns: Returns,
    },
    /// `fn(ctx: *RECORD) -> i32` where the record struct is the event's
    /// context struct in the kernel's BTF (event classes included).
    TracepointRecord,
    /// The arguments of the kernel function `prototype` names (from its
    /// BTF prototype: names may differ, types must match, trailing ones may
    /// be left out), then what `trailing` allows; returns `i32`. Where
    /// `registers` allows, a lone `ctx: *pt_regs` takes the registers
    /// instead (and is the only form without a target).
    KernelFunctionArgs {
        prototype: Prototype,
        trailing: Trailing,
        registers: bool,
    },
    /// `fn(ret: T) -> i32`: the traced function's return value (typed from
    /// BTF), or `ctx: *pt_regs`.
    KernelFunctionReturn,
}

/// Which kernel function gives a program's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prototype {
    /// The function the target names (`do_unlinkat`; `vfs_read+16` names
    /// an offset, where there are registers only).
    Function,
    /// The LSM hook the target names: `bpf_lsm_HOOK`'s prototype.
    LsmHook,
}

/// What may follow a kernel function's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trailing {
    Nothing,
    /// fexit: after all the parameters, the return value (`ret: T`).
    ReturnValue,
    /// LSM: after all the hook's parameters, the `int` result of the
    /// previous program on the hook.
    HookResult,
}

/// The return type of a program kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    I32,
    /// A kernel enum (`xdp_action`).
    KernelEnum(&'static str),
}

/// How the C function of a program receives its context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `int NAME(struct CONTEXT *ctx)`: the parameters as declared.
    Context,
    /// `int BPF_PROG(NAME, args...)`: the traced function's arguments,
    /// unpacked by libbpf's macro (fentry, fexit, LSM).
    BpfProg,
    /// `int BPF_KPROBE(NAME, args...)`: the arguments, read from the
    /// registers by libbpf's macro.
    Kprobe,
    /// `int BPF_KRETPROBE(NAME, ret)`: the return value.
    Kretprobe,
    /// `int NAME(struct pt_regs *ctx)` for a source function without
    /// parameters (a kprobe at an offset sees registers only).
    Registers,
}

/// The userspace side of a kind: its entry in the program table, the
/// runtime C it needs and its `case`s in `ks_attach` and
/// `ks_detach_attachment` (see `codegen/userspace/attach.rs`). Runtime text
/// may use `@NAME@` for the project name.
pub struct Attach {
    /// The kind's constant in `enum ks_program_kind`: `KS_XDP`.
    pub constant: &'static str,
    /// Fields of `struct ks_program` the kind fills, as declarations with
    /// their comments (aligned by the generator).
    pub program_fields: &'static [(&'static str, &'static str)],
    /// The values of those fields for one program.
    pub program_values: fn(site: &ProgramSite) -> Vec<(&'static str, FieldValue)>,
    /// Fields of `struct ks_attachment` the kind uses: `(declaration,
    /// comment)`. Kinds may share a field by declaring it identically.
    pub attachment_fields: &'static [(&'static str, &'static str)],
    /// C functions defined before `ks_attach` (they may use the fields).
    pub runtime: &'static str,
    /// The statements of the kind's `case` in `ks_attach` (the variables
    /// `attachment`, `target` and `flags` are in scope; set `err`, and
    /// `shown` to what an error message should name when that is not
    /// `target`).
    pub attach: &'static str,
    /// The statements of its `case` in `ks_detach_attachment`
    /// (`attachment` is a pointer; set `err`); empty when the kind shares
    /// `bpf_link__destroy(attachment->link)`.
    pub detach: &'static str,
    /// A statement `ks_open` runs first (libbpf's print callback for TC).
    pub open: &'static str,
    /// Headers the runtime needs beyond the common ones.
    pub includes: &'static [&'static str],
}

/// One program, as its userspace table entry sees it.
pub struct ProgramSite<'s> {
    /// The attribute's argument.
    pub target: &'s str,
    /// The C symbol of the program's own function the target names
    /// (`Descriptor::own_function`).
    pub own_symbol: Option<&'s str>,
    /// The program's name (its skeleton member).
    pub name: &'s str,
    /// The project's name (the `.ks` stem).
    pub project: &'s str,
}

/// A value in the userspace program table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue {
    /// A C expression, written as is (`BPF_TC_INGRESS`, `true`).
    Code(String),
    /// Text, written as a C string literal.
    Text(String),
}

/// The detach statement of kinds attached through one `bpf_link`.
pub const DESTROY_LINK: &str = "err = bpf_link__destroy(attachment->link);";

/// The `struct ks_attachment` field of kinds attached through one
/// `bpf_link`.
pub const LINK_FIELD: (&str, &str) = ("struct bpf_link *link;", "tracing programs: the link");

/// Program-table values for kinds without any.
fn no_values(_site: &ProgramSite) -> Vec<(&'static str, FieldValue)> {
    Vec::new()
}

/// `own_function` of kinds that never probe the program's own functions.
fn no_own_function(_target: &str) -> Option<&str> {
    None
}

/// The entry of kinds whose function takes the context as declared.
fn context_entry(_target: &str) -> Entry {
    Entry::Context
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_unique_and_found() {
        for kind in KINDS {
            assert_eq!(by_attribute(kind.descriptor().attribute), Some(*kind));
        }
        assert_eq!(by_attribute("helper"), None);
    }

    #[test]
    fn kinds_sharing_a_field_declare_it_identically() {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for kind in KINDS {
            for (declaration, _) in kind.descriptor().attach.attachment_fields {
                let name = declaration
                    .trim_end_matches(';')
                    .rsplit([' ', '*'])
                    .next()
                    .unwrap();
                match seen.iter().find(|(seen_name, _)| *seen_name == name) {
                    Some((_, first)) => assert_eq!(first, declaration),
                    None => seen.push((name, declaration)),
                }
            }
        }
    }
}
