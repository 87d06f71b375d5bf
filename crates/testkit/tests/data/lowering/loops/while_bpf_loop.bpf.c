// SPDX-License-Identifier: GPL-2.0
/*
 * The `while` loop of while_plain.bpf.c lowered to bpf_loop (kernel >=
 * 5.17). The condition is the first thing the callback evaluates; when
 * it fails the loop is left like a `break`, and the exit is recorded. A
 * loop still running after BPF_MAX_LOOPS (2^23) iterations has not
 * finished: bpf_loop returns, `exit` is still KS_LOOP_NEXT, and the
 * program returns its failure result rather than go on as if the loop
 * had ended.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define KS_LOOP_NEXT 0
#define KS_LOOP_BREAK 1
#define KS_MAX_LOOPS (1U << 23)

__u64 start SEC(".data") = 27;
__u32 steps SEC(".data") = 0;

struct collatz_loop_1 {
	__u64 *x;
	__u32 *n;
	__u32 exit;
};

static long collatz_loop_1(__u64 index, struct collatz_loop_1 *loop)
{
	if (!(*loop->x != 1)) {
		loop->exit = KS_LOOP_BREAK;
		return 1;
	}
	if (*loop->x % 2 == 0) {
		*loop->x = *loop->x / 2;
	} else {
		*loop->x = 3 * *loop->x + 1;
	}
	*loop->n += 1;
	return 0;
}

SEC("xdp")
int collatz(struct xdp_md *ctx)
{
	__u64 x = start;
	__u32 n = 0;
	struct collatz_loop_1 loop_1 = { .x = &x, .n = &n };

	bpf_loop(KS_MAX_LOOPS, collatz_loop_1, &loop_1, 0);
	if (loop_1.exit == KS_LOOP_NEXT) {
		return XDP_ABORTED;
	}
	steps = n;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
