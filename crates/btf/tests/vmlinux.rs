//! Tests against the running kernel's `/sys/kernel/btf/vmlinux`: parse it
//! and check facts the KernelScript compiler will rely on (XDP context
//! layout, `__sk_buff`, `enum xdp_action`, struct_ops, kfuncs, tracepoint
//! structs). Each test prints `skipped: no /sys/kernel/btf/vmlinux` and
//! passes when the file is absent. These tests must only check facts that
//! are part of the kernel's stable BPF ABI or long-standing kfuncs, and must
//! not time anything.

use std::sync::OnceLock;

use btf::{Btf, Type, TypeId, TypeKind};

const VMLINUX_PATH: &str = "/sys/kernel/btf/vmlinux";

/// The kernel's BTF, parsed once per test binary; `None` (after printing
/// the skip notice) when the machine does not publish it.
fn kernel_btf() -> Option<&'static Btf> {
    static KERNEL: OnceLock<Option<Btf>> = OnceLock::new();
    let kernel = KERNEL.get_or_init(|| {
        let bytes = std::fs::read(VMLINUX_PATH).ok()?;
        Some(
            Btf::parse(&bytes).unwrap_or_else(|error| panic!("{VMLINUX_PATH} must parse: {error}")),
        )
    });
    if kernel.is_none() {
        println!("skipped: no {VMLINUX_PATH}");
    }
    kernel.as_ref()
}

fn struct_named(kernel: &Btf, name: &str) -> TypeId {
    kernel
        .find_by_name(TypeKind::Struct, name)
        .unwrap_or_else(|| panic!("struct {name} in vmlinux"))
}

#[test]
fn vmlinux_parses_with_many_types_and_64_bit_pointers() {
    let Some(kernel) = kernel_btf() else { return };
    assert!(kernel.last_type_id().0 > 10_000);
    assert!(kernel.base().is_none());
    #[cfg(target_pointer_width = "64")]
    assert_eq!(kernel.pointer_size(), 8);
    let unsigned_int = kernel
        .find_by_name(TypeKind::Int, "unsigned int")
        .expect("unsigned int");
    assert_eq!(kernel.size_of(unsigned_int), Ok(4));
    let u32_typedef = kernel
        .find_by_name(TypeKind::Typedef, "__u32")
        .expect("__u32");
    assert_eq!(kernel.resolve(u32_typedef), Ok(unsigned_int));
    assert_eq!(kernel.c_type_name(u32_typedef).as_deref(), Ok("__u32"));
}

#[test]
fn xdp_md_has_six_u32_members_in_order() {
    let Some(kernel) = kernel_btf() else { return };
    let xdp_md = struct_named(kernel, "xdp_md");
    assert_eq!(kernel.size_of(xdp_md), Ok(24));
    let members: Vec<_> = kernel.members(xdp_md).expect("struct xdp_md").collect();
    let expected = [
        "data",
        "data_end",
        "data_meta",
        "ingress_ifindex",
        "rx_queue_index",
        "egress_ifindex",
    ];
    assert_eq!(members.len(), expected.len());
    for (index, (member, name)) in members.iter().zip(expected).enumerate() {
        assert_eq!(member.name, name);
        assert_eq!(member.bit_offset, 32 * index as u32, "offset of {name}");
        assert!(!member.is_bitfield());
        assert_eq!(kernel.size_of(member.type_id), Ok(4), "size of {name}");
        assert_eq!(kernel.c_type_name(member.type_id).as_deref(), Ok("__u32"));
        let Some(Type::Int(int)) =
            kernel.type_by_id(kernel.resolve(member.type_id).expect("resolves"))
        else {
            panic!("{name} resolves to an INT");
        };
        assert!(!int.is_signed);
    }
    let pointer_text = kernel
        .types()
        .find(|(_, found)| *found == Type::Pointer(xdp_md))
        .map(|(id, _)| kernel.c_type_name(id).expect("spellable"));
    if let Some(text) = pointer_text {
        assert_eq!(text, "struct xdp_md *");
    }
}

#[test]
fn sk_buff_context_starts_with_len() {
    let Some(kernel) = kernel_btf() else { return };
    let context = struct_named(kernel, "__sk_buff");
    let len = kernel
        .find_member(context, "len")
        .expect("query")
        .expect("__sk_buff.len");
    assert_eq!(len.bit_offset, 0);
    assert_eq!(kernel.size_of(len.type_id), Ok(4));
    assert_eq!(
        kernel
            .members(context)
            .expect("struct")
            .next()
            .map(|member| member.name),
        Some("len")
    );
}

#[test]
fn kernel_sk_buff_members_are_found_through_anonymous_unions() {
    let Some(kernel) = kernel_btf() else { return };
    let sk_buff = struct_named(kernel, "sk_buff");
    let direct: Vec<&str> = kernel
        .members(sk_buff)
        .expect("struct sk_buff")
        .map(|member| member.name)
        .collect();
    // `next` lives inside anonymous unions/structs at the start of sk_buff.
    assert!(!direct.contains(&"next"));
    let next = kernel
        .find_member(sk_buff, "next")
        .expect("query")
        .expect("sk_buff.next");
    assert_eq!(next.bit_offset, 0);
    assert_eq!(
        kernel.c_type_name(next.type_id).as_deref(),
        Ok("struct sk_buff *")
    );
    let len = kernel
        .find_member(sk_buff, "len")
        .expect("query")
        .expect("sk_buff.len");
    assert_eq!(kernel.size_of(len.type_id), Ok(4));
}

#[test]
fn xdp_action_values() {
    let Some(kernel) = kernel_btf() else { return };
    let action = kernel
        .find_by_name(TypeKind::Enum, "xdp_action")
        .expect("enum xdp_action");
    let values = kernel.enum_values(action).expect("enum");
    let value_of = |name: &str| {
        values
            .clone()
            .find(|value| value.name == name)
            .map(|value| value.value)
    };
    assert_eq!(value_of("XDP_ABORTED"), Some(0));
    assert_eq!(value_of("XDP_DROP"), Some(1));
    assert_eq!(value_of("XDP_PASS"), Some(2));
    assert_eq!(value_of("XDP_TX"), Some(3));
    assert_eq!(value_of("XDP_REDIRECT"), Some(4));
    assert_eq!(kernel.c_type_name(action).as_deref(), Ok("enum xdp_action"));
}

#[test]
fn tcp_congestion_ops_has_function_pointer_members() {
    let Some(kernel) = kernel_btf() else { return };
    let ops = struct_named(kernel, "tcp_congestion_ops");
    let ssthresh = kernel
        .find_member(ops, "ssthresh")
        .expect("query")
        .expect("ssthresh");
    let prototype = kernel
        .function_prototype(ssthresh.type_id)
        .expect("function pointer");
    assert_eq!(
        kernel.c_type_name(prototype.return_type).as_deref(),
        Ok("u32")
    );
    assert_eq!(prototype.parameter_count(), 1);
    assert_eq!(
        kernel
            .c_type_name(prototype.parameter(0).expect("sk").type_id)
            .as_deref(),
        Ok("struct sock *")
    );
    assert_eq!(
        kernel
            .c_declaration(ssthresh.type_id, "ssthresh")
            .as_deref(),
        Ok("u32 (*ssthresh)(struct sock *)")
    );
    for callback in ["cong_avoid", "undo_cwnd", "init", "release"] {
        let member = kernel
            .find_member(ops, callback)
            .expect("query")
            .expect(callback);
        assert!(
            kernel.function_prototype(member.type_id).is_ok(),
            "{callback} is a function pointer"
        );
    }
    let name = kernel
        .find_member(ops, "name")
        .expect("query")
        .expect("name");
    assert_eq!(
        kernel.c_declaration(name.type_id, "name").as_deref(),
        Ok("char name[16]")
    );
}

#[test]
fn kfuncs_are_func_entries_with_prototypes() {
    let Some(kernel) = kernel_btf() else { return };
    let object_new = kernel
        .find_by_name(TypeKind::Func, "bpf_obj_new_impl")
        .expect("kfunc");
    let prototype = kernel
        .function_prototype(object_new)
        .expect("FUNC has a prototype");
    let parameter_names: Vec<&str> = prototype.parameters().map(|p| p.name).collect();
    assert_eq!(parameter_names, ["local_type_id__k", "meta__ign"]);
    assert_eq!(
        kernel.c_type_name(prototype.return_type).as_deref(),
        Ok("void *")
    );
    assert_eq!(
        kernel.c_type_name(object_new).as_deref(),
        Ok("void *bpf_obj_new_impl(u64 local_type_id__k, void *meta__ign)")
    );
    let read_lock = kernel
        .find_by_name(TypeKind::Func, "bpf_rcu_read_lock")
        .expect("kfunc");
    assert_eq!(
        kernel.c_type_name(read_lock).as_deref(),
        Ok("void bpf_rcu_read_lock(void)")
    );
}

#[test]
fn tracepoint_structs_have_fixed_layouts() {
    let Some(kernel) = kernel_btf() else { return };
    let switch = struct_named(kernel, "trace_event_raw_sched_switch");
    let members: Vec<_> = kernel.members(switch).expect("struct").collect();
    assert_eq!(members[0].name, "ent");
    assert_eq!(
        kernel.c_type_name(members[0].type_id).as_deref(),
        Ok("struct trace_entry")
    );
    let prev_comm = kernel
        .find_member(switch, "prev_comm")
        .expect("query")
        .expect("prev_comm");
    assert_eq!(kernel.size_of(prev_comm.type_id), Ok(16));
    assert_eq!(
        kernel
            .c_declaration(prev_comm.type_id, "prev_comm")
            .as_deref(),
        Ok("char prev_comm[16]")
    );
    let entry = struct_named(kernel, "trace_entry");
    assert_eq!(kernel.size_of(entry), Ok(8));
    assert_eq!(prev_comm.byte_offset(), 8);
}

#[test]
fn every_kernel_type_is_spelled_and_sized_or_rejected_for_a_reason() {
    let Some(kernel) = kernel_btf() else { return };
    let mut spelled = 0;
    for (id, found) in kernel.types() {
        match (found.kind(), kernel.c_type_name(id)) {
            (TypeKind::DataSec | TypeKind::DeclTag, result) => assert!(result.is_err()),
            (kind, Ok(text)) => {
                assert!(!text.is_empty(), "{kind} {id} spelled as nothing");
                spelled += 1;
            }
            (kind, Err(error)) => panic!("{kind} {id} could not be spelled: {error}"),
        }
        if let Type::Struct(composite) | Type::Union(composite) = found {
            assert_eq!(kernel.size_of(id), Ok(composite.byte_size));
        }
    }
    assert!(spelled > 10_000);
}

#[test]
fn every_kind_of_named_type_is_found_by_name() {
    let Some(kernel) = kernel_btf() else { return };
    for (kind, name) in [
        (TypeKind::Struct, "task_struct"),
        (TypeKind::Union, "bpf_attr"),
        (TypeKind::Enum, "bpf_func_id"),
        (TypeKind::Typedef, "u64"),
        (TypeKind::Func, "do_unlinkat"),
        (TypeKind::Int, "char"),
    ] {
        let id = kernel
            .find_by_name(kind, name)
            .unwrap_or_else(|| panic!("{kind} {name}"));
        assert_eq!(kernel.kind_of(id), Some(kind));
        assert_eq!(kernel.name_of(id), name);
    }
    let enum64 = kernel
        .types()
        .find(|(_, found)| found.kind() == TypeKind::Enum64 && !found.name().is_empty())
        .map(|(id, found)| (id, found.name()))
        .expect("6.x kernels have named ENUM64s");
    assert_eq!(
        kernel.find_by_name(TypeKind::Enum64, enum64.1),
        Some(enum64.0)
    );
    assert_eq!(kernel.find_by_name(TypeKind::Struct, "task_structs"), None);
}

#[test]
fn members_are_found_through_anonymous_members_with_paths_and_bitfields() {
    let Some(kernel) = kernel_btf() else { return };
    let task = struct_named(kernel, "task_struct");
    let parent = kernel
        .find_member_path(task, "real_parent")
        .expect("query")
        .expect("real_parent");
    assert_eq!(
        kernel.c_type_name(parent.member.type_id).as_deref(),
        Ok("struct task_struct *")
    );
    let sk_buff = struct_named(kernel, "sk_buff");
    let next = kernel
        .find_member_path(sk_buff, "next")
        .expect("query")
        .expect("next");
    assert!(next.path.len() >= 3, "next is nested: {:?}", next.path);
    assert_eq!(next.anonymous_containers.len(), next.path.len() - 1);
    // `__u8 pkt_type:3` lives in an anonymous struct group of sk_buff.
    let pkt_type = kernel
        .find_member_path(sk_buff, "pkt_type")
        .expect("query")
        .expect("pkt_type");
    assert!(pkt_type.is_bitfield);
    assert_eq!(pkt_type.bit_size, 3);
    assert!(!pkt_type.anonymous_containers.is_empty());
    let flattened = kernel.flattened_members(sk_buff).expect("struct");
    assert!(flattened
        .iter()
        .any(|found| found.member.name == "pkt_type"));
    assert!(flattened.iter().all(|found| !found.member.name.is_empty()));
}

#[test]
fn misspelt_names_get_suggestions() {
    let Some(kernel) = kernel_btf() else { return };
    let suggestions = kernel.similar_type_names(&[TypeKind::Struct], "task_strcut");
    assert_eq!(suggestions.first(), Some(&"task_struct"));
    let task = struct_named(kernel, "task_struct");
    let members = kernel
        .similar_member_names(task, "real_parnet")
        .expect("struct");
    assert_eq!(members.first(), Some(&"real_parent"));
    let constants = kernel.similar_enum_constant_names("XDP_PAS");
    assert_eq!(constants.first(), Some(&"XDP_PASS"));
}

#[test]
fn enum_constants_of_every_kernel_enum_are_found_by_name() {
    let Some(kernel) = kernel_btf() else { return };
    let value = |name: &str| kernel.enum_constant(name).map(|constant| constant.value);
    assert_eq!(value("BPF_ANY"), Some(0));
    assert_eq!(value("BPF_NOEXIST"), Some(1));
    assert_eq!(value("BPF_EXIST"), Some(2));
    assert_eq!(value("XDP_PASS"), Some(2));
    assert_eq!(value("TCP_CA_Open"), Some(0));
    assert_eq!(value("TCP_CA_Loss"), Some(4));
    assert_eq!(value("BPF_FUNC_map_lookup_elem"), Some(1));
    let tcp_ca: Vec<&str> = kernel
        .enum_constants_with_prefix("TCP_CA_")
        .map(|constant| constant.name)
        .collect();
    assert!(tcp_ca.contains(&"TCP_CA_Recovery"), "{tcp_ca:?}");
    // sched_ext constants exist only when the kernel has sched_ext.
    let has_sched_ext = kernel.struct_ops_type("sched_ext_ops").is_some();
    assert_eq!(
        kernel.enum_constant("SCX_DSQ_LOCAL").is_some(),
        has_sched_ext
    );
    if !has_sched_ext {
        println!("note: this kernel has no sched_ext, so no SCX_DSQ_LOCAL");
    }
}

#[test]
fn kfuncs_are_tagged_on_current_kernels() {
    let Some(kernel) = kernel_btf() else { return };
    assert!(kernel.has_kfunc_tags());
    let kfuncs = kernel.kfuncs();
    let names: Vec<&str> = kfuncs.iter().map(|&id| kernel.name_of(id)).collect();
    for expected in [
        "bpf_obj_new_impl",
        "bpf_rcu_read_lock",
        "bpf_task_acquire",
        "bpf_dynptr_slice",
    ] {
        assert!(names.contains(&expected), "{expected} is a kfunc");
    }
    assert!(
        names.windows(2).all(|pair| pair[0] <= pair[1]),
        "sorted by name"
    );
    for &id in &kfuncs {
        assert_eq!(kernel.kind_of(id), Some(TypeKind::Func));
        assert!(kernel.function_prototype(id).is_ok());
    }
    assert!(!names.contains(&"do_unlinkat"));
    assert_eq!(
        kernel.kfunc("bpf_task_acquire"),
        kernel.function("bpf_task_acquire")
    );
    assert_eq!(kernel.kfunc("do_unlinkat"), None);
}

#[test]
fn struct_ops_types_and_their_methods() {
    let Some(kernel) = kernel_btf() else { return };
    let all = kernel.struct_ops_types();
    let names: Vec<&str> = all.iter().map(|ops| ops.name).collect();
    assert!(names.contains(&"tcp_congestion_ops"), "{names:?}");
    assert!(names.contains(&"bpf_dummy_ops"), "{names:?}");
    println!("struct_ops types of this kernel: {names:?}");
    let ops = kernel
        .struct_ops_type("tcp_congestion_ops")
        .expect("tcp_congestion_ops");
    assert_eq!(ops.type_id, struct_named(kernel, "tcp_congestion_ops"));
    assert_eq!(
        kernel.name_of(ops.value_type_id),
        "bpf_struct_ops_tcp_congestion_ops"
    );
    let members = kernel.struct_ops_members(&ops).expect("members");
    let method = |name: &str| {
        members
            .iter()
            .find(|member| member.member.member.name == name)
            .unwrap_or_else(|| panic!("member {name}"))
    };
    let cong_avoid = method("cong_avoid");
    assert_eq!(cong_avoid.parameter_names, ["sk", "ack", "acked"]);
    assert_eq!(cong_avoid.prototype.expect("method").parameter_count(), 3);
    let ssthresh = method("ssthresh");
    assert_eq!(ssthresh.parameter_names, ["sk"]);
    assert!(method("name").prototype.is_none());
}

#[test]
fn lsm_hooks_and_fentry_targets_have_named_parameters() {
    let Some(kernel) = kernel_btf() else { return };
    let hooks = kernel.lsm_hooks();
    assert!(hooks.len() > 150, "{} hooks", hooks.len());
    let file_open = kernel.lsm_hook("file_open").expect("file_open hook");
    let prototype = kernel.function_prototype(file_open).expect("prototype");
    let parameter = prototype.parameter(0).expect("file");
    assert_eq!(
        kernel
            .c_declaration(parameter.type_id, parameter.name)
            .as_deref(),
        Ok("struct file *file")
    );
    assert_eq!(
        kernel.c_type_name(prototype.return_type).as_deref(),
        Ok("int")
    );
    assert_eq!(kernel.lsm_hook("verify_prog"), None);
    assert!(!hooks
        .iter()
        .any(|&id| kernel.name_of(id) == "bpf_lsm_verify_prog"));

    let unlink = kernel.function("do_unlinkat").expect("do_unlinkat");
    let names: Vec<&str> = kernel
        .function_prototype(unlink)
        .expect("prototype")
        .parameters()
        .map(|parameter| parameter.name)
        .collect();
    assert_eq!(names, ["dfd", "name"]);
}
