//! The emitted header in the real kernel: a tracepoint program built
//! against a minimal header (no `vmlinux.h`) reads `ctx->pid` from the
//! event's BTF struct and `task->real_parent->tgid` through CO-RE; libbpf
//! relocates it against this kernel, the verifier accepts it, and when
//! this test runs `/bin/true` the program records the child's pid and this
//! process as its parent. Holds the shared kernel lock; skips (or fails
//! under `KS_REQUIRE_KERNEL=1`) without BPF.

use std::path::PathBuf;

use btf::{Btf, HeaderOptions, TypeKind};
use testkit::libbpf_rs::{MapCore, MapFlags, ObjectBuilder};

const PROGRAM: &str = r#"#include "types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* [0]: the pid whose children to watch (written by the test). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} watched SEC(".maps");

/* [0]: the exec'ing pid from the event, [1]: its parent's tgid,
 * [2]: its own tgid, both read through CO-RE. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

static void store(__u32 key, __u64 value)
{
	bpf_map_update_elem(&seen, &key, &value, BPF_ANY);
}

SEC("tracepoint/sched/sched_process_exec")
int on_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	__u32 zero = 0;
	__u64 *parent_wanted = bpf_map_lookup_elem(&watched, &zero);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 parent = BPF_CORE_READ(task, real_parent, tgid);

	if (!parent_wanted || parent != *parent_wanted)
		return 0;
	store(0, ctx->pid);
	store(1, parent);
	store(2, BPF_CORE_READ(task, tgid));
	return 0;
}
"#;

#[test]
fn core_reads_through_an_emitted_header_run_in_the_kernel() {
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let kernel = Btf::from_vec(std::fs::read("/sys/kernel/btf/vmlinux").expect("vmlinux BTF"))
        .expect("parses");
    let tracepoints = kernel.tracepoints();
    let context = tracepoints
        .context("sched", "sched_process_exec", None)
        .expect("sched_process_exec context");
    let roots = [
        kernel
            .find_by_name(TypeKind::Struct, "task_struct")
            .expect("task_struct"),
        context.struct_id,
        kernel
            .find_by_name(TypeKind::Enum, "bpf_map_type")
            .expect("bpf_map_type"),
    ];
    let mut roots = roots.to_vec();
    // BPF_ANY is an enumerator of an anonymous enum: a root of its own.
    roots.push(kernel.enum_constant("BPF_ANY").expect("BPF_ANY").enum_id);
    let header = kernel
        .c_header(&roots, &HeaderOptions::default())
        .expect("emits");

    let dir = std::env::temp_dir().join(format!("btf-core-kernel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::fs::write(dir.join("types.h"), &header.text).expect("header");
    let source: PathBuf = dir.join("exec.bpf.c");
    std::fs::write(&source, PROGRAM).expect("source");
    let object_path = dir.join("exec.bpf.o");
    testkit::build_bpf_object_with(&source, &object_path, &["-Wall", "-Wextra", "-Werror"])
        .unwrap_or_else(|error| panic!("{error}"));

    let (loaded, log) = testkit::with_libbpf_log(|| {
        ObjectBuilder::default()
            .open_file(&object_path)
            .and_then(|open| open.load())
    });
    let object = loaded.unwrap_or_else(|error| panic!("load failed: {error}\n{log}"));
    let watched = object
        .maps()
        .find(|map| map.name() == "watched")
        .expect("watched map");
    watched
        .update(
            &0u32.to_ne_bytes(),
            &u64::from(std::process::id()).to_ne_bytes(),
            MapFlags::ANY,
        )
        .expect("write watched pid");
    let program = object.progs_mut().next().expect("one program");
    let _link = program
        .attach()
        .expect("attach to sched/sched_process_exec");

    let child = std::process::Command::new("/bin/true")
        .spawn()
        .expect("spawn /bin/true");
    let child_pid = u64::from(child.id());
    let status = child.wait_with_output().expect("wait").status;
    assert!(status.success());

    let seen = object
        .maps()
        .find(|map| map.name() == "seen")
        .expect("seen map");
    let read = |key: u32| {
        let bytes = seen
            .lookup(&key.to_ne_bytes(), MapFlags::ANY)
            .expect("lookup")
            .expect("array slot");
        u64::from_ne_bytes(bytes.try_into().expect("8 bytes"))
    };
    assert_eq!(read(0), child_pid, "ctx->pid of the exec event");
    assert_eq!(
        read(1),
        u64::from(std::process::id()),
        "task->real_parent->tgid"
    );
    assert_eq!(read(2), child_pid, "task->tgid");
    let _ = std::fs::remove_dir_all(&dir);
}
