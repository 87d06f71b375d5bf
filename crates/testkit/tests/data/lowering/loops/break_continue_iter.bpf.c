// SPDX-License-Identifier: GPL-2.0
/*
 * break_continue_unbound.ks (see break_continue_plain.bpf.c) lowered to
 * the open-coded numeric iterator (kfuncs bpf_iter_num_*, kernel >= 6.4).
 * The body stays inline, so `continue` and `break` are C's own. The
 * iterator must be destroyed on every path out of the loop, including a
 * failed bpf_iter_num_new (the verifier counts it as initialised either
 * way).
 *
 * struct bpf_iter_num is not in Debian 12's <linux/bpf.h> (6.1), so the
 * generated C declares its own 8-byte iterator type and the kfuncs with
 * it; libbpf matches kfunc prototypes by shape, not by struct name.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ks_iter_num {
	__u64 opaque;
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct ks_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct ks_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct ks_iter_num *it) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10);
	__type(key, __u32);
	__type(value, __u32);
} counter_map SEC(".maps");

static __always_inline __u32 counter_map_get(__u32 key)
{
	__u32 *value = bpf_map_lookup_elem(&counter_map, &key);

	return value ? *value : 0;
}

static __always_inline long counter_map_update(__u32 key, __u32 value)
{
	return bpf_map_update_elem(&counter_map, &key, &value, BPF_ANY);
}

SEC("xdp")
int packet_filter(struct xdp_md *ctx)
{
	__u32 end_value = 1000;
	struct ks_iter_num iter_1;
	int *index_1;

	bpf_iter_num_new(&iter_1, 0, end_value);
	while ((index_1 = bpf_iter_num_next(&iter_1))) {
		__u32 i = (__u32)*index_1;

		if (i % 2 == 0) {
			continue;
		}
		if (i > 50) {
			break;
		}
		__u32 key = 0;
		__u32 current = counter_map_get(key);
		counter_map_update(key, current + 1);
	}
	bpf_iter_num_destroy(&iter_1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
