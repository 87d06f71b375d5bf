// SPDX-License-Identifier: GPL-2.0
/*
 * The summing loops of loop_sum_bpf_loop.bpf.c lowered to the numeric
 * iterator (kfuncs bpf_iter_num_*, kernel >= 6.4). bpf_iter_num_new takes
 * an int range of at most BPF_MAX_LOOPS (2^23) elements (a larger one
 * gives -E2BIG and an empty iterator); the trip count is checked against
 * that limit first, as for bpf_loop, which also makes the conversion to
 * int safe. The iterator must be destroyed on every path, whether or not
 * bpf_iter_num_new succeeded.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define KS_MAX_LOOPS (1U << 23)

struct ks_iter_num {
	__u64 opaque;
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct ks_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct ks_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct ks_iter_num *it) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} totals SEC(".maps");

__u32 count SEC(".data") = 100000;

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
	struct ks_iter_num iter_1;
	int *index_1;

	bpf_iter_num_new(&iter_1, 0, 100000);
	while ((index_1 = bpf_iter_num_next(&iter_1))) {
		__u32 i = (__u32)*index_1;

		totals_add(0, (__u64)i);
	}
	bpf_iter_num_destroy(&iter_1);
	return XDP_PASS;
}

SEC("xdp")
int sum_var(struct xdp_md *ctx)
{
	__u32 end_1 = count;
	struct ks_iter_num iter_1;
	int *index_1;

	if (end_1 > KS_MAX_LOOPS) {
		return XDP_ABORTED;
	}
	bpf_iter_num_new(&iter_1, 0, (int)end_1);
	while ((index_1 = bpf_iter_num_next(&iter_1))) {
		__u32 i = (__u32)*index_1;

		totals_add(1, (__u64)i);
	}
	bpf_iter_num_destroy(&iter_1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
