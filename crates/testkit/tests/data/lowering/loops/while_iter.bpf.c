// SPDX-License-Identifier: GPL-2.0
/*
 * The `while` loop of while_plain.bpf.c lowered to the numeric iterator
 * (kernel >= 6.4): an iterator over BPF_MAX_LOOPS (2^23) indices whose
 * body starts with the condition. `finished` tells a loop that ended
 * (condition false, or `break`) from one that ran out of iterations,
 * which makes the program return its failure result.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

#define KS_MAX_LOOPS (1U << 23)

struct ks_iter_num {
	__u64 opaque;
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct ks_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct ks_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct ks_iter_num *it) __ksym;

__u64 start SEC(".data") = 27;
__u32 steps SEC(".data") = 0;

SEC("xdp")
int collatz(struct xdp_md *ctx)
{
	__u64 x = start;
	__u32 n = 0;
	struct ks_iter_num iter_1;
	bool finished_1 = false;

	bpf_iter_num_new(&iter_1, 0, KS_MAX_LOOPS);
	while (bpf_iter_num_next(&iter_1)) {
		if (!(x != 1)) {
			finished_1 = true;
			break;
		}
		if (x % 2 == 0) {
			x = x / 2;
		} else {
			x = 3 * x + 1;
		}
		n += 1;
	}
	bpf_iter_num_destroy(&iter_1);
	if (!finished_1) {
		return XDP_ABORTED;
	}
	steps = n;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
