// SPDX-License-Identifier: GPL-2.0
/*
 * Summing loops lowered to bpf_loop (kernel >= 5.17):
 *
 *   var totals : array<u32, u64>(2)
 *   var count: u32 = 100000
 *
 *   @xdp fn sum_const(ctx: *xdp_md) -> xdp_action {
 *       for (i in 0..100000) { totals[0] += i as u64 }
 *       return XDP_PASS
 *   }
 *
 *   @xdp fn sum_var(ctx: *xdp_md) -> xdp_action {
 *       for (i in 0..count) { totals[1] += i as u64 }
 *       return XDP_PASS
 *   }
 *
 * The bounds are evaluated once, before the first iteration. bpf_loop
 * runs at most BPF_MAX_LOOPS (2^23) iterations and runs none when asked
 * for more, so a trip count the compiler cannot bound is checked first:
 * too many iterations make the program return its failure result
 * (XDP_ABORTED), after its defers. The check is explicit because
 * bpf_loop's own -E2BIG cannot be trusted as a `long`: the verifier
 * inlines bpf_loop (flags 0, known callback) with a 32-bit move of
 * -E2BIG, so the caller sees 4294967289.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define KS_MAX_LOOPS (1U << 23)

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

static long sum_const_loop_1(__u64 index, void *loop)
{
	__u32 i = (__u32)index;

	totals_add(0, (__u64)i);
	return 0;
}

SEC("xdp")
int sum_const(struct xdp_md *ctx)
{
	bpf_loop(100000, sum_const_loop_1, NULL, 0);
	return XDP_PASS;
}

static long sum_var_loop_1(__u64 index, void *loop)
{
	__u32 i = (__u32)index;

	totals_add(1, (__u64)i);
	return 0;
}

SEC("xdp")
int sum_var(struct xdp_md *ctx)
{
	__u32 end_1 = count;

	if (end_1 > KS_MAX_LOOPS) {
		return XDP_ABORTED;
	}
	bpf_loop(end_1, sum_var_loop_1, NULL, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
