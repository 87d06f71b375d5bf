// SPDX-License-Identifier: GPL-2.0
/*
 * Every way out of a loop body with the loop lowered to the numeric
 * iterator (kfuncs bpf_iter_num_*, kernel >= 6.4); the same source as
 * loop_exits_bpf_loop.bpf.c:
 *
 *   config params { n: u32, defer_at: u32, break_at: u32,
 *                   return_at: u32, throw_at: u32 }
 *   var trace : array<u32, u64>(8)
 *
 *   @helper fn mark(slot: u32, value: u64) { trace[slot] += value }
 *
 *   @xdp fn walk(ctx: *xdp_md) -> xdp_action {
 *       defer mark(0, 1)
 *       var sum: u64 = 0
 *       try {
 *           for (i in 0..params.n) {
 *               mark(1, 1)
 *               if (i % 3 == 0) { continue }
 *               if (i == params.defer_at) { defer mark(2, i as u64) }
 *               if (i == params.break_at) { break }
 *               if (i == params.return_at) { return XDP_DROP }
 *               if (i == params.throw_at) { throw 7 }
 *               sum += i as u64
 *           }
 *       } catch 7 {
 *           mark(3, sum)
 *           return XDP_TX
 *       }
 *       mark(4, sum)
 *       return XDP_PASS
 *   }
 *
 *   @xdp fn nested(ctx: *xdp_md) -> xdp_action {
 *       for (i in 0..params.n) {
 *           for (j in 0..params.n) {
 *               mark(5, 1)
 *               if (i * 100 + j == params.return_at) { return XDP_DROP }
 *           }
 *       }
 *       return XDP_PASS
 *   }
 *
 * The body stays inline: `continue`, `break`, `return`, `throw` and
 * `defer` are lowered as in any other block, except that every jump out
 * of the loop (return, a throw to a catch outside it, a break or return
 * out of an inner iterator loop) first destroys the iterators it leaves,
 * innermost first, as if each loop held an implicit defer of
 * bpf_iter_num_destroy scoped to the loop.
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

struct params_config {
	__u32 n;
	__u32 defer_at;
	__u32 break_at;
	__u32 return_at;
	__u32 throw_at;
};

struct params_config params SEC(".data") = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} trace SEC(".maps");

static __always_inline void trace_add(__u32 key, __u64 operand)
{
	__u64 *value = bpf_map_lookup_elem(&trace, &key);

	if (!value) {
		return;
	}
	__sync_fetch_and_add(value, operand);
}

static __always_inline void mark(__u32 slot, __u64 value)
{
	trace_add(slot, value);
}

SEC("xdp")
int walk(struct xdp_md *ctx)
{
	__s64 error = 0;
	bool deferred_1 = false;
	__u64 deferred_1_arg_1 = 0;
	__u64 sum = 0;
	/* try */
	{
		__u32 end_1 = params.n;
		struct ks_iter_num iter_1;
		int *index_1;

		if (end_1 > KS_MAX_LOOPS) {
			if (deferred_1) {
				mark(2, deferred_1_arg_1);
			}
			mark(0, 1);
			return XDP_ABORTED;
		}
		bpf_iter_num_new(&iter_1, 0, (int)end_1);
		while ((index_1 = bpf_iter_num_next(&iter_1))) {
			__u32 i = (__u32)*index_1;

			mark(1, 1);
			if (i % 3 == 0) {
				continue;
			}
			if (i == params.defer_at) {
				deferred_1 = true;
				deferred_1_arg_1 = (__u64)i;
			}
			if (i == params.break_at) {
				break;
			}
			if (i == params.return_at) {
				bpf_iter_num_destroy(&iter_1);
				if (deferred_1) {
					mark(2, deferred_1_arg_1);
				}
				mark(0, 1);
				return XDP_DROP;
			}
			if (i == params.throw_at) {
				bpf_iter_num_destroy(&iter_1);
				error = 7;
				goto catch;
			}
			sum += (__u64)i;
		}
		bpf_iter_num_destroy(&iter_1);
	}
	goto try_end;
catch:
	if (error == 7) {
		mark(3, sum);
		if (deferred_1) {
			mark(2, deferred_1_arg_1);
		}
		mark(0, 1);
		return XDP_TX;
	} else {
		if (deferred_1) {
			mark(2, deferred_1_arg_1);
		}
		mark(0, 1);
		return XDP_ABORTED;
	}
try_end:;
	mark(4, sum);
	if (deferred_1) {
		mark(2, deferred_1_arg_1);
	}
	mark(0, 1);
	return XDP_PASS;
}

SEC("xdp")
int nested(struct xdp_md *ctx)
{
	__u32 end_1 = params.n;
	struct ks_iter_num iter_1;
	int *index_1;

	if (end_1 > KS_MAX_LOOPS) {
		return XDP_ABORTED;
	}
	bpf_iter_num_new(&iter_1, 0, (int)end_1);
	while ((index_1 = bpf_iter_num_next(&iter_1))) {
		__u32 i = (__u32)*index_1;
		__u32 end_2 = params.n;
		struct ks_iter_num iter_2;
		int *index_2;

		if (end_2 > KS_MAX_LOOPS) {
			bpf_iter_num_destroy(&iter_1);
			return XDP_ABORTED;
		}
		bpf_iter_num_new(&iter_2, 0, (int)end_2);
		while ((index_2 = bpf_iter_num_next(&iter_2))) {
			__u32 j = (__u32)*index_2;

			mark(5, 1);
			if (i * 100 + j == params.return_at) {
				bpf_iter_num_destroy(&iter_2);
				bpf_iter_num_destroy(&iter_1);
				return XDP_DROP;
			}
		}
		bpf_iter_num_destroy(&iter_2);
	}
	bpf_iter_num_destroy(&iter_1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
