// SPDX-License-Identifier: GPL-2.0
/*
 * A small loop with constant bounds stays a plain C loop: clang unrolls
 * or folds it, and the verifier's walk is short. Its bpf_loop lowering
 * is here only to compare verified instructions.
 *
 *   var total: u64 = 0
 *
 *   @xdp fn small(ctx: *xdp_md) -> xdp_action {
 *       var sum: u64 = 0
 *       for (i in 0..8) { sum += (i as u64) * 2 }
 *       total = sum
 *       return XDP_PASS
 *   }
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 total_plain SEC(".data") = 0;
__u64 total_bpf_loop SEC(".data") = 0;

SEC("xdp")
int small_plain(struct xdp_md *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < 8; i++) {
		sum += (__u64)i * 2;
	}
	total_plain = sum;
	return XDP_PASS;
}

struct small_bpf_loop_loop_1 {
	__u64 *sum;
};

static long small_bpf_loop_loop_1(__u64 index, struct small_bpf_loop_loop_1 *loop)
{
	__u32 i = (__u32)index;

	*loop->sum += (__u64)i * 2;
	return 0;
}

SEC("xdp")
int small_bpf_loop(struct xdp_md *ctx)
{
	__u64 sum = 0;
	struct small_bpf_loop_loop_1 loop_1 = { .sum = &sum };

	bpf_loop(8, small_bpf_loop_loop_1, &loop_1, 0);
	total_bpf_loop = sum;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
