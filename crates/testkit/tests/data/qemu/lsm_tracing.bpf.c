// SPDX-License-Identifier: GPL-2.0
/* Program kinds this machine's kernel refuses, for the guest:
 * - an LSM program on file_open that denies opening any file named
 *   "ks-lsm-denied" (and counts the denials);
 * - fentry and fexit on do_sys_openat2, counting opens of files whose name
 *   starts with "ks-open-";
 * - a kprobe and a kretprobe on do_unlinkat, counting unlinks and the
 *   unlinks that returned 0.
 * Counters live in the array map `counts`, indexed by the enum below. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EPERM 1

enum counter {
	LSM_DENIED,
	FENTRY_OPENS,
	FEXIT_OPENS,
	KPROBE_UNLINKS,
	KRETPROBE_UNLINKS_OK,
	COUNTERS,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COUNTERS);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

static void count(u32 counter)
{
	u64 *value = bpf_map_lookup_elem(&counts, &counter);

	if (value)
		__sync_fetch_and_add(value, 1);
}

static bool has_prefix(const char *name, const char *prefix, int length)
{
	for (int i = 0; i < length; i++)
		if (name[i] != prefix[i])
			return false;
	return true;
}

SEC("lsm/file_open")
int BPF_PROG(deny_marked_open, struct file *file)
{
	char name[16] = {};
	const unsigned char *dname = BPF_CORE_READ(file, f_path.dentry, d_name.name);

	bpf_probe_read_kernel_str(name, sizeof(name), dname);
	if (!has_prefix(name, "ks-lsm-denied", 14))
		return 0;
	count(LSM_DENIED);
	return -EPERM;
}

static bool is_counted_open(const char *user_name)
{
	char name[8] = {};

	bpf_probe_read_user_str(name, sizeof(name), user_name);
	return has_prefix(name, "ks-open", 7);
}

SEC("fentry/do_sys_openat2")
int BPF_PROG(count_open, int dfd, const char *filename)
{
	if (is_counted_open(filename))
		count(FENTRY_OPENS);
	return 0;
}

SEC("fexit/do_sys_openat2")
int BPF_PROG(count_open_exit, int dfd, const char *filename, struct open_how *how, long ret)
{
	if (ret >= 0 && is_counted_open(filename))
		count(FEXIT_OPENS);
	return 0;
}

SEC("kprobe/do_unlinkat")
int count_unlink(struct pt_regs *ctx)
{
	count(KPROBE_UNLINKS);
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(count_unlink_return, long ret)
{
	if (ret == 0)
		count(KRETPROBE_UNLINKS_OK);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
