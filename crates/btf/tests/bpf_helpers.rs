//! The BPF helper table: it parses, it covers every `BPF_FUNC_*` id of the
//! host kernel's (and the 6.1 guest's) `enum bpf_func_id` under the same
//! name, and each prototype is exactly the one libbpf's
//! `bpf_helper_defs.h` declares (clang compares the function types).

mod guest_image;

use std::fmt::Write as _;

use btf::{
    bpf_helper, bpf_helper_by_id, bpf_helpers, bpf_helpers_source, Btf, HelperType, TypeKind,
};

#[test]
fn the_table_has_every_helper_once_in_id_order() {
    let helpers = bpf_helpers();
    assert!(helpers.len() >= 211, "{} helpers", helpers.len());
    for (index, helper) in helpers.iter().enumerate() {
        assert_eq!(helper.id as usize, index + 1, "{}", helper.name);
        assert!(helper.name.starts_with("bpf_"), "{}", helper.name);
        assert!(!helper.summary.is_empty(), "{}", helper.name);
    }
    assert!(bpf_helpers_source().contains("bpf_helper_defs.h"));
    let stack = bpf_helper("bpf_get_stack").expect("bpf_get_stack");
    assert_eq!(stack.id, 67);
    assert_eq!(
        stack.c_prototype(),
        "long bpf_get_stack(void *ctx, void *buf, __u32 size, __u64 flags)"
    );
    assert_eq!(
        stack.c_function_type(),
        "long (void *, void *, __u32, __u64)"
    );
    let printk = bpf_helper("bpf_trace_printk").expect("bpf_trace_printk");
    assert!(printk.is_variadic);
    assert_eq!(
        printk.c_prototype(),
        "long bpf_trace_printk(const char *fmt, __u32 fmt_size, ...)"
    );
    let task = bpf_helper("bpf_get_current_task_btf").expect("task helper");
    assert!(task.parameters.is_empty());
    assert_eq!(
        task.return_type,
        HelperType::Pointer {
            target: Box::new(HelperType::Struct("task_struct")),
            target_is_const: false
        }
    );
    assert_eq!(
        bpf_helper_by_id(1).map(|helper| helper.name),
        Some("bpf_map_lookup_elem")
    );
    assert!(bpf_helper("bpf_get_stackid").is_some());
    assert!(bpf_helper("bpf_no_such_helper").is_none());
}

/// `(name, id)` of each `BPF_FUNC_*` of the kernel's `enum bpf_func_id`.
fn kernel_function_ids(kernel: &Btf) -> Vec<(String, u32)> {
    let id = kernel
        .find_by_name(TypeKind::Enum, "bpf_func_id")
        .expect("enum bpf_func_id");
    kernel
        .enum_values(id)
        .expect("enum")
        .filter_map(|value| {
            let name = value.name.strip_prefix("BPF_FUNC_")?;
            (name != "unspec").then(|| (format!("bpf_{name}"), value.value as u32))
        })
        .collect()
}

fn assert_table_covers(kernel: &Btf, label: &str) {
    let ids = kernel_function_ids(kernel);
    assert!(ids.len() > 150, "{label}: {} ids", ids.len());
    let missing: Vec<String> = ids
        .iter()
        .filter(|(name, id)| bpf_helper(name).map(|helper| helper.id) != Some(*id))
        .map(|(name, id)| format!("{name} ({id})"))
        .collect();
    assert!(missing.is_empty(), "{label}: not in the table: {missing:?}");
    println!(
        "{label}: the table covers all {} helpers (highest id {})",
        ids.len(),
        ids.iter().map(|(_, id)| *id).max().unwrap_or(0)
    );
}

#[test]
fn the_table_covers_every_helper_of_the_host_kernel() {
    let Ok(bytes) = std::fs::read("/sys/kernel/btf/vmlinux") else {
        assert!(!testkit::kernel_required(), "no /sys/kernel/btf/vmlinux");
        println!("skipped: no /sys/kernel/btf/vmlinux");
        return;
    };
    let kernel = Btf::from_vec(bytes).expect("parses");
    assert_table_covers(&kernel, "host kernel");
}

#[test]
fn the_table_covers_every_helper_of_the_guest_kernel() {
    let Some(image) = guest_image::vmlinux() else {
        return;
    };
    let kernel = Btf::from_elf(image).expect("guest BTF");
    assert_table_covers(&kernel, "6.1 guest kernel");
}

#[test]
fn every_prototype_matches_libbpf_bpf_helper_defs() {
    let mut source = String::from(
        "#include <linux/types.h>\n#include <bpf/bpf_helpers.h>\n\
         #define SAME(name, type) _Static_assert(__builtin_types_compatible_p(__typeof__(*name), type), #name)\n",
    );
    for helper in bpf_helpers() {
        let _ = writeln!(
            source,
            "SAME({}, {});",
            helper.name,
            helper.c_function_type()
        );
    }
    let dir = std::env::temp_dir().join(format!("btf-helpers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let c_file = dir.join("helpers.bpf.c");
    std::fs::write(&c_file, source).expect("write");
    testkit::build_bpf_object_with(
        &c_file,
        &dir.join("helpers.bpf.o"),
        &["-Wall", "-Wextra", "-Werror"],
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let _ = std::fs::remove_dir_all(&dir);
}
