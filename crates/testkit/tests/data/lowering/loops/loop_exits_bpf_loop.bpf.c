// SPDX-License-Identifier: GPL-2.0
/*
 * Every way out of a loop body, across the bpf_loop callback boundary
 * (kernel >= 5.17). The KernelScript source:
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
 * The loop's context struct (on the program's stack) carries what the
 * body shares with the function: locals the body assigns, by address
 * (`sum`, and the deferred call's flag and argument, taken when the
 * `defer` runs); locals it only reads, by value (`i` in the inner loop);
 * and how the body left the loop with the value that goes with it.
 * `continue` is `return 0`; `break` is `return 1`; `return v` and an
 * uncaught `throw c` record the exit and `return 1`, and the function
 * finishes the job after bpf_loop returns: defers and return, or a jump
 * to the enclosing try's catch dispatch. Defers always run in the
 * function, never in the callback.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

/* How a loop body left the loop (loop context's `exit`). */
#define KS_LOOP_NEXT 0
#define KS_LOOP_BREAK 1
#define KS_LOOP_RETURN 2
#define KS_LOOP_THROW 3
#define KS_MAX_LOOPS (1U << 23)

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

/* The loop of `walk`. */
struct walk_loop_1 {
	__u64 *sum;
	bool *deferred_1;
	__u64 *deferred_1_arg_1;
	__u32 exit;
	__s64 value;
};

static long walk_loop_1(__u64 index, struct walk_loop_1 *loop)
{
	__u32 i = (__u32)index;

	mark(1, 1);
	if (i % 3 == 0) {
		return 0;
	}
	if (i == params.defer_at) {
		*loop->deferred_1 = true;
		*loop->deferred_1_arg_1 = (__u64)i;
	}
	if (i == params.break_at) {
		return 1;
	}
	if (i == params.return_at) {
		loop->exit = KS_LOOP_RETURN;
		loop->value = XDP_DROP;
		return 1;
	}
	if (i == params.throw_at) {
		loop->exit = KS_LOOP_THROW;
		loop->value = 7;
		return 1;
	}
	*loop->sum += (__u64)i;
	return 0;
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
		struct walk_loop_1 loop_1 = {
			.sum = &sum,
			.deferred_1 = &deferred_1,
			.deferred_1_arg_1 = &deferred_1_arg_1,
		};

		if (end_1 > KS_MAX_LOOPS) {
			if (deferred_1) {
				mark(2, deferred_1_arg_1);
			}
			mark(0, 1);
			return XDP_ABORTED;
		}
		bpf_loop(end_1, walk_loop_1, &loop_1, 0);
		if (loop_1.exit == KS_LOOP_RETURN) {
			if (deferred_1) {
				mark(2, deferred_1_arg_1);
			}
			mark(0, 1);
			return loop_1.value;
		}
		if (loop_1.exit == KS_LOOP_THROW) {
			error = loop_1.value;
			goto catch;
		}
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

/* The inner loop of `nested`: reads the outer `i`, so gets it by value. */
struct nested_loop_2 {
	__u32 i;
	__u32 exit;
	__s64 value;
};

static long nested_loop_2(__u64 index, struct nested_loop_2 *loop)
{
	__u32 j = (__u32)index;

	mark(5, 1);
	if (loop->i * 100 + j == params.return_at) {
		loop->exit = KS_LOOP_RETURN;
		loop->value = XDP_DROP;
		return 1;
	}
	return 0;
}

/* The outer loop of `nested`: passes the inner loop's exit on. */
struct nested_loop_1 {
	__u32 exit;
	__s64 value;
};

static long nested_loop_1(__u64 index, struct nested_loop_1 *loop)
{
	__u32 i = (__u32)index;
	__u32 end_2 = params.n;
	struct nested_loop_2 loop_2 = { .i = i };

	if (end_2 > KS_MAX_LOOPS) {
		loop->exit = KS_LOOP_RETURN;
		loop->value = XDP_ABORTED;
		return 1;
	}
	bpf_loop(end_2, nested_loop_2, &loop_2, 0);
	if (loop_2.exit == KS_LOOP_RETURN) {
		loop->exit = KS_LOOP_RETURN;
		loop->value = loop_2.value;
		return 1;
	}
	return 0;
}

SEC("xdp")
int nested(struct xdp_md *ctx)
{
	__u32 end_1 = params.n;
	struct nested_loop_1 loop_1 = {};

	if (end_1 > KS_MAX_LOOPS) {
		return XDP_ABORTED;
	}
	bpf_loop(end_1, nested_loop_1, &loop_1, 0);
	if (loop_1.exit == KS_LOOP_RETURN) {
		return loop_1.value;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
