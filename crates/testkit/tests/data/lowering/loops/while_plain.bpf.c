// SPDX-License-Identifier: GPL-2.0
/*
 * A `while` loop whose end depends on the data (Collatz steps) as a plain
 * C loop: the verifier cannot bound it and rejects the program.
 *
 *   var start: u64 = 27
 *   var steps: u32 = 0
 *
 *   @xdp fn collatz(ctx: *xdp_md) -> xdp_action {
 *       var x = start
 *       var n: u32 = 0
 *       while (x != 1) {
 *           if (x % 2 == 0) { x = x / 2 } else { x = 3 * x + 1 }
 *           n += 1
 *       }
 *       steps = n
 *       return XDP_PASS
 *   }
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 start SEC(".data") = 27;
__u32 steps SEC(".data") = 0;

SEC("xdp")
int collatz(struct xdp_md *ctx)
{
	__u64 x = start;
	__u32 n = 0;

	while (x != 1) {
		if (x % 2 == 0) {
			x = x / 2;
		} else {
			x = 3 * x + 1;
		}
		n += 1;
	}
	steps = n;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
