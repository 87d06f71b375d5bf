// SPDX-License-Identifier: GPL-2.0
/*
 * A loop body that reads the packet through pointers the program took
 * before the loop, lowered to bpf_loop:
 *
 *   var total: u64 = 0
 *
 *   @xdp fn byte_sum(ctx: *xdp_md) -> xdp_action {
 *       var data = ctx->data
 *       var data_end = ctx->data_end
 *       var sum: u64 = 0
 *       for (i in 0..1500) {
 *           if (data + i + 1 > data_end) { break }
 *           sum += data[i] as u64
 *       }
 *       total = sum
 *       return XDP_PASS
 *   }
 *
 * Packet pointers travel in the loop context by value (the body only
 * reads them) and keep their type across the callback boundary; the
 * bounds check in the body is the verifier's usual one. The index of a
 * bpf_loop callback is an unknown u64 to the verifier, so a body that
 * uses `i` in pointer arithmetic or as an index gets, first, the
 * constant trip count as an explicit bound (`if (index >= 1500) return
 * 1`, never taken at run time): without it the offset is unbounded and
 * the packet access is refused.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 total SEC(".data") = 0;

struct byte_sum_loop_1 {
	__u8 *data;
	__u8 *data_end;
	__u64 *sum;
};

static long byte_sum_loop_1(__u64 index, struct byte_sum_loop_1 *loop)
{
	if (index >= 1500) {
		return 1;
	}
	__u32 i = (__u32)index;

	if (loop->data + i + 1 > loop->data_end) {
		return 1;
	}
	*loop->sum += (__u64)loop->data[i];
	return 0;
}

SEC("xdp")
int byte_sum(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *data_end = (__u8 *)(long)ctx->data_end;
	__u64 sum = 0;
	struct byte_sum_loop_1 loop_1 = { .data = data, .data_end = data_end, .sum = &sum };

	bpf_loop(1500, byte_sum_loop_1, &loop_1, 0);
	total = sum;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
