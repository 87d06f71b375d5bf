//! Tests of what the kernel offers BPF programs, on hand-built BTF shaped
//! like the kernel's: enum constants across enums, kfunc declaration tags,
//! struct_ops value types and method parameter names, LSM hooks filtered
//! by the hook list, flattened members with paths and both bitfield
//! encodings, "did you mean" candidates, and tracepoint contexts (own
//! class, shared class, syscalls, format checks, raw tracepoint
//! arguments). These tests must not depend on the running kernel (see
//! `vmlinux.rs` and `guest_kernel.rs`).

mod common;

use btf::{Btf, ContextSource, TracepointError, TracepointFormat, TypeId, TypeKind};
use common::{BlobBuilder, INT_SIGNED};

fn parse(builder: &BlobBuilder) -> Btf {
    Btf::parse(&builder.build()).expect("hand-built blob parses")
}

#[test]
fn enum_constants_are_found_across_all_enums() {
    let mut builder = BlobBuilder::new();
    let flags = builder.enumeration("", 4, false, &[("BPF_ANY", 0), ("BPF_NOEXIST", 1)]);
    let states = builder.enumeration(
        "tcp_ca_state",
        4,
        false,
        &[("TCP_CA_Open", 0), ("TCP_CA_Loss", 4)],
    );
    let signed = builder.enumeration("errors", 4, true, &[("MINUS", -3)]);
    let wide = builder.enum64(
        "scx_dsq_id_flags",
        8,
        false,
        &[("SCX_DSQ_LOCAL", 1 << 63 | 2)],
    );
    builder.enumeration("again", 4, false, &[("BPF_ANY", 7)]);
    let btf = parse(&builder);

    let any = btf.enum_constant("BPF_ANY").expect("BPF_ANY");
    assert_eq!(
        (any.enum_id, any.enum_name, any.value),
        (TypeId(flags), "", 0)
    );
    assert_eq!(btf.enum_constants_named("BPF_ANY").len(), 2);
    let loss = btf.enum_constant("TCP_CA_Loss").expect("TCP_CA_Loss");
    assert_eq!(
        (loss.enum_id, loss.enum_name, loss.value),
        (TypeId(states), "tcp_ca_state", 4)
    );
    assert_eq!(
        btf.enum_constant("MINUS")
            .map(|c| (c.enum_id, c.value, c.is_signed)),
        Some((TypeId(signed), -3, true))
    );
    let local = btf.enum_constant("SCX_DSQ_LOCAL").expect("enum64 constant");
    assert_eq!((local.enum_id, local.byte_size), (TypeId(wide), 8));
    assert_eq!(local.value, i128::from(1u64 << 63 | 2));
    assert_eq!(btf.enum_constant("BPF_EXIST"), None);
    let names: Vec<&str> = btf
        .enum_constants_with_prefix("TCP_CA_")
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["TCP_CA_Open", "TCP_CA_Loss"]);
    assert_eq!(btf.similar_enum_constant_names("BPF_AYN"), ["BPF_ANY"]);
}

#[test]
fn kfuncs_are_the_functions_tagged_bpf_kfunc() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let prototype = builder.function_prototype(int, &[("x", int)], false);
    let plain = builder.function("helper_in_kernel", prototype, 1);
    let zeta = builder.function("zeta_kfunc", prototype, 1);
    let alpha = builder.function("alpha_kfunc", prototype, 1);
    builder.decl_tag("bpf_kfunc", zeta, -1);
    builder.decl_tag("bpf_kfunc", alpha, -1);
    builder.decl_tag("bpf_fastcall", alpha, -1);
    // A tag on a parameter does not make a kfunc.
    builder.decl_tag("bpf_kfunc", plain, 0);
    let btf = parse(&builder);
    assert!(btf.has_kfunc_tags());
    assert_eq!(btf.kfuncs(), [TypeId(alpha), TypeId(zeta)]);
    assert!(btf.is_kfunc(TypeId(zeta)));
    assert!(!btf.is_kfunc(TypeId(plain)));
    assert_eq!(btf.kfunc("alpha_kfunc"), Some(TypeId(alpha)));
    assert_eq!(btf.kfunc("helper_in_kernel"), None);
    assert_eq!(btf.function("helper_in_kernel"), Some(TypeId(plain)));
    assert_eq!(
        btf.declaration_tags_of(TypeId(alpha)),
        ["bpf_kfunc", "bpf_fastcall"]
    );

    let mut untagged = BlobBuilder::new();
    let int = untagged.int("int", 4, INT_SIGNED, 32);
    let prototype = untagged.function_prototype(int, &[], false);
    untagged.function("bpf_obj_new_impl", prototype, 1);
    let untagged = parse(&untagged);
    assert!(!untagged.has_kfunc_tags());
    assert!(untagged.kfuncs().is_empty());
}

/// `struct sock`, `tcp_congestion_ops` with a name and two methods, its
/// value type in the 6.1 layout (`refcnt, state, data`), and the stub
/// that names `cong_avoid`'s parameters.
fn struct_ops_blob() -> (Btf, u32, u32) {
    let mut builder = BlobBuilder::new();
    let unsigned_int = builder.int("unsigned int", 4, 0, 32); // 1
    let character = builder.int("char", 1, INT_SIGNED | 2, 8); // 2
    let sock = builder.structure("sock", 8, &[]); // 3
    let sock_pointer = builder.pointer(sock); // 4
    let ssthresh_prototype = builder.function_prototype(unsigned_int, &[("", sock_pointer)], false); // 5
    let ssthresh_pointer = builder.pointer(ssthresh_prototype); // 6
    let cong_avoid_prototype = builder.function_prototype(
        0,
        &[("", sock_pointer), ("", unsigned_int), ("", unsigned_int)],
        false,
    ); // 7
    let cong_avoid_pointer = builder.pointer(cong_avoid_prototype); // 8
    let name_array = builder.array(character, unsigned_int, 16); // 9
    let ops = builder.structure(
        "tcp_congestion_ops",
        32,
        &[
            ("ssthresh", ssthresh_pointer, 0, 0),
            ("cong_avoid", cong_avoid_pointer, 64, 0),
            ("name", name_array, 128, 0),
        ],
    ); // 10
    let value = builder.structure(
        "bpf_struct_ops_tcp_congestion_ops",
        40,
        &[
            ("refcnt", unsigned_int, 0, 0),
            ("state", unsigned_int, 32, 0),
            ("data", ops, 64, 0),
        ],
    ); // 11
       // Not a struct_ops value type: no `data` member of the named struct.
    builder.structure("bpf_struct_ops_map", 4, &[("refcnt", unsigned_int, 0, 0)]);
    let stub_prototype = builder.function_prototype(
        0,
        &[
            ("sk", sock_pointer),
            ("ack", unsigned_int),
            ("acked", unsigned_int),
        ],
        false,
    );
    builder.function("bpf_tcp_ca_cong_avoid", stub_prototype, 0);
    // Same suffix, other types: never used for names.
    let other_prototype = builder.function_prototype(0, &[("wrong", unsigned_int)], false);
    builder.function("tcp_other_cong_avoid", other_prototype, 0);
    (parse(&builder), ops, value)
}

#[test]
fn struct_ops_types_come_from_their_value_types() {
    let (btf, ops, value) = struct_ops_blob();
    let all = btf.struct_ops_types();
    assert_eq!(all.len(), 1);
    let found = btf
        .struct_ops_type("tcp_congestion_ops")
        .expect("registered");
    assert_eq!(all[0], found);
    assert_eq!(
        (found.name, found.type_id, found.value_type_id),
        ("tcp_congestion_ops", TypeId(ops), TypeId(value))
    );
    assert_eq!(btf.struct_ops_type("map"), None);
    assert_eq!(btf.struct_ops_type("sock"), None);

    let members = btf.struct_ops_members(&found).expect("members");
    let summary: Vec<(&str, bool, Vec<&str>)> = members
        .iter()
        .map(|member| {
            (
                member.member.member.name,
                member.prototype.is_some(),
                member.parameter_names.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("ssthresh", true, vec![]),
            ("cong_avoid", true, vec!["sk", "ack", "acked"]),
            ("name", false, vec![]),
        ]
    );
    let cong_avoid = members[1].prototype.expect("method");
    assert_eq!(cong_avoid.parameter_count(), 3);
    assert_eq!(members[2].member.byte_offset(), 16);
}

#[test]
fn lsm_hooks_are_bpf_lsm_functions_named_in_the_hook_list() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let prototype = builder.function_prototype(int, &[("x", int)], false);
    let file_open = builder.function("bpf_lsm_file_open", prototype, 0);
    let bprm = builder.function("bpf_lsm_bprm_check_security", prototype, 0);
    builder.function("bpf_lsm_verify_prog", prototype, 0);
    builder.structure(
        "security_hook_heads",
        8,
        &[
            ("file_open", int, 0, 0),
            ("bprm_check_security", int, 32, 0),
            ("inode_free", int, 0, 0),
        ],
    );
    let btf = parse(&builder);
    assert_eq!(btf.lsm_hooks(), [TypeId(bprm), TypeId(file_open)]);
    assert_eq!(btf.lsm_hook("file_open"), Some(TypeId(file_open)));
    assert_eq!(btf.lsm_hook("verify_prog"), None, "not a hook");
    assert_eq!(btf.lsm_hook("inode_free"), None, "no bpf_lsm_ function");
}

#[test]
fn flattened_members_carry_paths_offsets_and_bitfields() {
    let mut builder = BlobBuilder::new();
    let unsigned_int = builder.int("unsigned int", 4, 0, 32); // 1
    let legacy_bits = builder.int_with_bit_offset("unsigned int", 4, 4, 3); // 2
    let inner = builder.structure(
        "",
        8,
        &[("a", unsigned_int, 0, 0), ("flag", unsigned_int, 32, 1)],
    ); // 3
    let middle = builder.union("", 8, &[("", inner, 0, 0), ("whole", unsigned_int, 0, 0)]); // 4
    let outer = builder.structure(
        "outer",
        24,
        &[
            ("head", unsigned_int, 0, 0),
            ("", middle, 64, 0),
            ("tail", unsigned_int, 128, 0),
        ],
    ); // 5
    let old_style = builder.structure("old_style", 4, &[("mode", legacy_bits, 8, 0)]); // 6
    let btf = parse(&builder);

    let flag = btf
        .find_member_path(TypeId(outer), "flag")
        .expect("query")
        .expect("flag");
    assert_eq!(flag.path, [1, 0, 1]);
    assert_eq!(flag.anonymous_containers, [TypeId(middle), TypeId(inner)]);
    assert_eq!(
        (flag.bit_offset, flag.bit_size, flag.is_bitfield),
        (96, 1, true)
    );
    let whole = btf
        .find_member_path(TypeId(outer), "whole")
        .expect("query")
        .expect("whole");
    assert_eq!(
        (whole.path.as_slice(), whole.bit_offset, whole.bit_size),
        (&[1, 1][..], 64, 32)
    );
    assert!(!whole.is_bitfield);

    let names: Vec<&str> = btf
        .flattened_members(TypeId(outer))
        .expect("struct")
        .iter()
        .map(|found| found.member.name)
        .collect();
    assert_eq!(names, ["head", "a", "flag", "whole", "tail"]);

    let mode = btf
        .find_member_path(TypeId(old_style), "mode")
        .expect("query")
        .expect("mode");
    assert_eq!(
        (mode.bit_offset, mode.bit_size, mode.is_bitfield),
        (12, 3, true)
    );

    assert_eq!(
        btf.similar_member_names(TypeId(outer), "flga")
            .expect("struct"),
        ["flag"]
    );
    assert_eq!(
        btf.similar_member_names(TypeId(outer), "tial")
            .expect("struct"),
        ["tail"]
    );
    assert!(btf
        .similar_member_names(TypeId(outer), "zzzzzz")
        .expect("struct")
        .is_empty());
    assert_eq!(
        btf.similar_type_names(&[TypeKind::Struct], "outr"),
        ["outer"]
    );
    assert!(btf
        .similar_type_names(&[TypeKind::Union], "outr")
        .is_empty());
}

/// The shape of kernel tracepoint BTF: `trace_entry`, an event class
/// shared by two events, an event that is its own class, and the syscall
/// structs.
struct TracepointBlob {
    btf: Btf,
    wakeup_template: u32,
    switch: u32,
    sys_enter: u32,
}

fn tracepoint_blob() -> TracepointBlob {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32); // 1
    let character = builder.int("char", 1, INT_SIGNED | 2, 8); // 2
    let long = builder.int("long int", 8, INT_SIGNED, 64); // 3
    let unsigned_long = builder.int("long unsigned int", 8, 0, 64); // 4
    let short = builder.int("short unsigned int", 2, 0, 16); // 5
    let entry = builder.structure(
        "trace_entry",
        8,
        &[("type", short, 0, 0), ("pid", int, 32, 0)],
    );
    let comm = builder.array(character, int, 16);
    let empty = builder.array(character, int, 0);
    let task = builder.structure("task_struct", 8, &[]);
    let task_pointer = builder.pointer(task);
    let wakeup_template = builder.structure(
        "trace_event_raw_sched_wakeup_template",
        40,
        &[
            ("ent", entry, 0, 0),
            ("comm", comm, 64, 0),
            ("pid", int, 192, 0),
            ("prio", int, 224, 0),
            ("target_cpu", int, 256, 0),
            ("__data", empty, 320, 0),
        ],
    );
    let switch = builder.structure(
        "trace_event_raw_sched_switch",
        16,
        &[
            ("ent", entry, 0, 0),
            ("prev_pid", int, 64, 0),
            ("__data", empty, 128, 0),
        ],
    );
    let args = builder.array(unsigned_long, int, 6);
    let sys_enter = builder.structure(
        "trace_event_raw_sys_enter",
        64,
        &[
            ("ent", entry, 0, 0),
            ("id", long, 64, 0),
            ("args", args, 128, 0),
            ("__data", empty, 512, 0),
        ],
    );
    let void_pointer = builder.pointer(0);
    // The probe functions name their parameters; the typedefs do not.
    let named =
        builder.function_prototype(0, &[("__data", void_pointer), ("p", task_pointer)], false);
    builder.function("__bpf_trace_sched_wakeup_template", named, 0);
    let switch_named = builder.function_prototype(
        0,
        &[
            ("__data", void_pointer),
            ("preempt", int),
            ("prev", task_pointer),
        ],
        false,
    );
    builder.function("__bpf_trace_sched_switch", switch_named, 0);
    let unnamed = builder.function_prototype(0, &[("", void_pointer), ("", task_pointer)], false);
    let unnamed_pointer = builder.pointer(unnamed);
    builder.typedef("btf_trace_sched_wakeup", unnamed_pointer);
    builder.typedef("btf_trace_sched_wakeup_new", unnamed_pointer);
    let switch_unnamed = builder.function_prototype(
        0,
        &[("", void_pointer), ("", int), ("", task_pointer)],
        false,
    );
    let switch_pointer = builder.pointer(switch_unnamed);
    builder.typedef("btf_trace_sched_switch", switch_pointer);
    TracepointBlob {
        btf: parse(&builder),
        wakeup_template,
        switch,
        sys_enter,
    }
}

const COMMON_FIELDS: &str = "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;
";

fn format(name: &str, fields: &str) -> TracepointFormat {
    let text =
        format!("name: {name}\nID: 42\nformat:\n{COMMON_FIELDS}\n{fields}\nprint fmt: \"x\"\n");
    TracepointFormat::parse(&text).expect("format parses")
}

#[test]
fn tracefs_format_files_parse_into_fields() {
    let parsed = format(
        "irq_handler_entry",
        "\tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;\n",
    );
    assert_eq!(parsed.name, "irq_handler_entry");
    assert_eq!(parsed.id, Some(42));
    assert_eq!(parsed.common_fields.len(), 4);
    let names: Vec<&str> = parsed
        .fields
        .iter()
        .map(|field| field.name.as_str())
        .collect();
    assert_eq!(names, ["irq", "name"]);
    assert_eq!(parsed.fields[1].location, btf::FieldLocation::DataLocation);
    assert_eq!(
        (
            parsed.fields[1].offset,
            parsed.fields[1].size,
            parsed.fields[0].is_signed
        ),
        (12, 4, true)
    );
    let broken = TracepointFormat::parse("name: x\nformat:\n\tfield:int a;\toffset:zz;\tsize:4;\n");
    assert_eq!(broken.map_err(|error| error.line), Err(3));
}

#[test]
fn events_of_a_class_get_the_class_struct() {
    let blob = tracepoint_blob();
    let tracepoints = blob.btf.tracepoints();
    assert_eq!(
        tracepoints.events(),
        ["sched_switch", "sched_wakeup", "sched_wakeup_new"]
    );

    let wakeup = tracepoints
        .context("sched", "sched_wakeup", None)
        .expect("maps");
    assert_eq!(wakeup.struct_id, TypeId(blob.wakeup_template));
    assert_eq!(wakeup.struct_name, "trace_event_raw_sched_wakeup_template");
    assert_eq!(wakeup.class, "sched_wakeup_template");
    assert_eq!(wakeup.source, ContextSource::EventClass);
    assert!(!wakeup.checked_against_format);

    let fields = "\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;
\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;
\tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;
\tfield:int target_cpu;\toffset:32;\tsize:4;\tsigned:1;
";
    let checked = tracepoints
        .context(
            "sched",
            "sched_wakeup_new",
            Some(&format("sched_wakeup_new", fields)),
        )
        .expect("maps");
    assert_eq!(checked.struct_id, TypeId(blob.wakeup_template));
    assert!(checked.checked_against_format);

    let own = tracepoints
        .context("sched", "sched_switch", None)
        .expect("maps");
    assert_eq!(
        (own.struct_id, own.source),
        (TypeId(blob.switch), ContextSource::Event)
    );

    // A format that no struct has (a moved field) is refused, not guessed.
    let moved = fields.replace("offset:28", "offset:36");
    assert!(matches!(
        tracepoints.context(
            "sched",
            "sched_wakeup",
            Some(&format("sched_wakeup", &moved))
        ),
        Err(TracepointError::NoContextStruct { .. })
    ));
    let unknown = tracepoints.context("sched", "sched_wakup", None);
    assert_eq!(
        unknown,
        Err(TracepointError::UnknownEvent {
            event: "sched_wakup".into(),
            suggestions: vec!["sched_wakeup".into()],
        })
    );
    assert_eq!(
        unknown.expect_err("unknown").to_string(),
        "the kernel has no tracepoint event `sched_wakup` (did you mean `sched_wakeup`?)"
    );
}

#[test]
fn syscall_events_read_through_sys_enter() {
    let blob = tracepoint_blob();
    let tracepoints = blob.btf.tracepoints();
    let openat = "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
";
    let context = tracepoints
        .context(
            "syscalls",
            "sys_enter_openat",
            Some(&format("sys_enter_openat", openat)),
        )
        .expect("maps");
    assert_eq!(
        (context.struct_id, context.source),
        (TypeId(blob.sys_enter), ContextSource::Syscall)
    );
    assert!(context.checked_against_format);
    assert_eq!(
        tracepoints
            .context("syscalls", "sys_enter_openat", None)
            .map(|found| found.struct_id),
        Ok(TypeId(blob.sys_enter))
    );
}

#[test]
fn raw_tracepoint_arguments_take_names_from_the_class_function() {
    let blob = tracepoint_blob();
    let tracepoints = blob.btf.tracepoints();
    let wakeup = tracepoints.raw_tracepoint("sched_wakeup").expect("typedef");
    let arguments: Vec<(&str, String)> = wakeup
        .arguments
        .iter()
        .map(|(name, id)| (*name, blob.btf.c_type_name(*id).expect("spellable")))
        .collect();
    assert_eq!(arguments, [("p", "struct task_struct *".to_string())]);
    let switch = tracepoints.raw_tracepoint("sched_switch").expect("typedef");
    let names: Vec<&str> = switch.arguments.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["preempt", "prev"]);
    assert!(tracepoints.raw_tracepoint("nope").is_none());
}
