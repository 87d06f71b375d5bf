// SPDX-License-Identifier: GPL-2.0
/*
 * `for (i in 0..100000) { totals[0] += i as u64 }` as a plain C loop: the
 * verifier walks every iteration and gives up at its 1,000,000
 * instruction limit ("BPF program is too large"). This is why loops whose
 * trip count is large or unknown must be lowered (loop_sum_bpf_loop.bpf.c,
 * loop_sum_iter.bpf.c).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} totals SEC(".maps");

static __always_inline void totals_add(__u32 key, __u64 operand)
{
	__u64 *value = bpf_map_lookup_elem(&totals, &key);

	if (!value) {
		return;
	}
	__sync_fetch_and_add(value, operand);
}

SEC("xdp")
int sum_const(struct xdp_md *ctx)
{
	for (__u32 i = 0; i < 100000; i++) {
		totals_add(0, (__u64)i);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
