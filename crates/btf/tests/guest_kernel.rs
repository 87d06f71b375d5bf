//! Tests against the Debian 12 guest kernel (6.1), whose BTF is older
//! than the host's: read from the `.BTF` section of its vmlinux ELF and,
//! as split BTF, from a module's `.ko`. They check what differs on 6.1: no
//! kfunc tags (kfuncs come from `.BTF_ids`), the `refcnt, state, data`
//! struct_ops value layout, `security_hook_heads`, tracepoints from BTF
//! alone. The image comes from the qemu tier (see `guest_image/mod.rs`).

mod guest_image;

use std::sync::OnceLock;

use btf::{Btf, ContextSource, TypeKind};

/// The guest's BTF, parsed once.
fn guest_btf() -> Option<&'static Btf> {
    static GUEST: OnceLock<Option<Btf>> = OnceLock::new();
    GUEST
        .get_or_init(|| {
            let image = guest_image::vmlinux()?;
            Some(Btf::from_elf(image).expect("the guest vmlinux has a valid .BTF"))
        })
        .as_ref()
}

#[test]
fn guest_vmlinux_btf_is_read_from_its_elf_image() {
    let Some(kernel) = guest_btf() else { return };
    assert!(kernel.last_type_id().0 > 50_000);
    assert_eq!(kernel.pointer_size(), 8);
    assert!(kernel.validate().is_ok());
    let task = kernel
        .find_by_name(TypeKind::Struct, "task_struct")
        .expect("task_struct");
    let parent = kernel
        .find_member(task, "real_parent")
        .expect("query")
        .expect("real_parent");
    assert_eq!(
        kernel.c_type_name(parent.type_id).as_deref(),
        Ok("struct task_struct *")
    );
    // The same bytes through the "raw BTF or ELF" entry point.
    let image = guest_image::vmlinux().expect("read above");
    let again = Btf::from_btf_or_elf(image.to_vec()).expect("ELF detected");
    assert_eq!(again.last_type_id(), kernel.last_type_id());
}

#[test]
fn guest_kfuncs_come_from_btf_ids_not_tags() {
    let Some(kernel) = guest_btf() else { return };
    assert!(!kernel.has_kfunc_tags(), "6.1 has no bpf_kfunc decl tags");
    assert!(kernel.kfuncs().is_empty());
    let image = guest_image::vmlinux().expect("read above");
    let section = btf::elf::section(image, ".BTF_ids")
        .expect("ELF")
        .expect(".BTF_ids");
    let kfuncs = kernel.kfuncs_in_btf_ids_section(section);
    let names: Vec<&str> = kfuncs
        .iter()
        .map(|entry| kernel.name_of(entry.id))
        .collect();
    println!("6.1 kfuncs in .BTF_ids: {}: {names:?}", names.len());
    for expected in [
        "crash_kexec",
        "cgroup_rstat_flush",
        "bpf_lookup_user_key",
        "tcp_reno_cong_avoid",
    ] {
        assert!(names.contains(&expected), "{expected} is a 6.1 kfunc");
    }
    // crash_kexec is KF_DESTRUCTIVE (1 << 6).
    let crash = kfuncs
        .iter()
        .find(|entry| kernel.name_of(entry.id) == "crash_kexec")
        .expect("crash_kexec");
    assert_eq!(crash.flags, 1 << 6);
    assert!(!names.contains(&"do_unlinkat"));
    assert!(!names.contains(&"bpf_lsm_file_open"));
}

#[test]
fn guest_struct_ops_use_the_older_value_layout() {
    let Some(kernel) = guest_btf() else { return };
    let ops = kernel
        .struct_ops_type("tcp_congestion_ops")
        .expect("tcp_congestion_ops");
    let value: Vec<&str> = kernel
        .members(ops.value_type_id)
        .expect("struct")
        .map(|member| member.name)
        .collect();
    assert_eq!(value, ["refcnt", "state", "data"]);
    let names: Vec<&str> = kernel
        .struct_ops_types()
        .iter()
        .map(|ops| ops.name)
        .collect();
    assert!(names.contains(&"bpf_dummy_ops"), "{names:?}");
    let members = kernel.struct_ops_members(&ops).expect("members");
    let ssthresh = members
        .iter()
        .find(|member| member.member.member.name == "ssthresh")
        .expect("ssthresh");
    assert_eq!(ssthresh.prototype.expect("method").parameter_count(), 1);
}

#[test]
fn guest_lsm_hooks_come_from_security_hook_heads() {
    let Some(kernel) = guest_btf() else { return };
    assert!(kernel
        .find_by_name(TypeKind::Struct, "lsm_static_calls_table")
        .is_none());
    let hooks = kernel.lsm_hooks();
    assert!(hooks.len() > 150, "{} hooks", hooks.len());
    assert!(kernel.lsm_hook("file_open").is_some());
    assert!(kernel.lsm_hook("bprm_check_security").is_some());
}

#[test]
fn guest_tracepoints_from_btf_alone() {
    let Some(kernel) = guest_btf() else { return };
    let tracepoints = kernel.tracepoints();
    for (category, event, expected, source) in [
        (
            "sched",
            "sched_wakeup",
            "trace_event_raw_sched_wakeup_template",
            ContextSource::EventClass,
        ),
        (
            "sched",
            "sched_switch",
            "trace_event_raw_sched_switch",
            ContextSource::Event,
        ),
        (
            "sched",
            "sched_process_exit",
            "trace_event_raw_sched_process_template",
            ContextSource::EventClass,
        ),
        (
            "syscalls",
            "sys_enter_openat",
            "trace_event_raw_sys_enter",
            ContextSource::Syscall,
        ),
        (
            "net",
            "netif_receive_skb",
            "trace_event_raw_net_dev_template",
            ContextSource::EventClass,
        ),
    ] {
        let context = tracepoints
            .context(category, event, None)
            .unwrap_or_else(|error| panic!("{category}/{event}: {error}"));
        assert_eq!(
            (context.struct_name, context.source),
            (expected, source),
            "{category}/{event}"
        );
    }
    let switch = tracepoints.raw_tracepoint("sched_switch").expect("typedef");
    let names: Vec<&str> = switch.arguments.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["preempt", "prev", "next", "prev_state"]);
}

#[test]
fn guest_module_btf_is_split_on_the_guest_vmlinux() {
    let Some(kernel) = guest_btf() else { return };
    let Some(path) = guest_image::module("kernel/net/netfilter/nf_conntrack.ko") else {
        assert!(
            !testkit::kernel_required(),
            "no 6.1 nf_conntrack.ko in /lib/modules"
        );
        println!("skipped: no 6.1 nf_conntrack.ko in /lib/modules");
        return;
    };
    let file = std::fs::read(&path).expect("module");
    let module = Btf::from_elf_split(&file, kernel).expect("split BTF");
    assert_eq!(module.first_own_type_id().0, kernel.last_type_id().0 + 1);
    assert!(module.validate().is_ok());
    // A kfunc of the module, whose prototype refers to base types.
    let lookup = module.function("bpf_xdp_ct_lookup").expect("module kfunc");
    assert!(lookup > kernel.last_type_id());
    let prototype = module.function_prototype(lookup).expect("prototype");
    let first = prototype.parameter(0).expect("xdp_ctx");
    assert_eq!(
        module.c_type_name(first.type_id).as_deref(),
        Ok("struct xdp_md *")
    );
    assert!(module.resolve(first.type_id).expect("resolves") <= kernel.last_type_id());
    // Base types are visible through the split BTF.
    assert_eq!(
        module.find_by_name(TypeKind::Struct, "task_struct"),
        kernel.find_by_name(TypeKind::Struct, "task_struct")
    );
    // Its kfunc sets are in its own .BTF_ids.
    let section = btf::elf::section(&file, ".BTF_ids")
        .expect("ELF")
        .expect(".BTF_ids");
    let names: Vec<&str> = module
        .kfuncs_in_btf_ids_section(section)
        .iter()
        .map(|entry| module.name_of(entry.id))
        .collect();
    assert!(names.contains(&"bpf_xdp_ct_lookup"), "{names:?}");
    assert!(names.contains(&"bpf_ct_release"), "{names:?}");
}
