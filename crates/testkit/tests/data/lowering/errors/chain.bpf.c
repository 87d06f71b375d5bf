// SPDX-License-Identifier: GPL-2.0
/*
 * A throw crossing eBPF functions, three calls deep, with a defer in
 * every frame. The KernelScript source:
 *
 *   const TOO_SHORT: u32 = 1
 *   const BAD_VERSION: u32 = 2
 *   var trace : array<u32, u64>(8)
 *
 *   @helper fn mark(slot: u32) { trace[slot] += 1 }
 *
 *   @helper fn read_version(len: u32) -> u32 {        // third call
 *       defer mark(3)
 *       if (len < 20) { throw TOO_SHORT }
 *       if (len > 1000) { throw BAD_VERSION }
 *       return 4
 *   }
 *
 *   @helper fn parse_ip(len: u32) -> u32 {            // second call
 *       defer mark(2)
 *       var version = read_version(len)
 *       return version * 10
 *   }
 *
 *   @helper fn classify(len: u32) -> u32 {            // first call
 *       defer mark(1)
 *       try {
 *           return parse_ip(len) + 1
 *       } catch BAD_VERSION {
 *           mark(5)
 *           return 0
 *       }
 *   }
 *
 *   @xdp fn chain(ctx: *xdp_md) -> xdp_action {
 *       defer mark(0)
 *       var len = (ctx->data_end - ctx->data) as u32
 *       try {
 *           if (classify(len) == 41) { return XDP_PASS }
 *           return XDP_DROP
 *       } catch TOO_SHORT {
 *           mark(4)
 *           return XDP_TX
 *       }
 *   }
 *
 * The calling convention: a function that may throw (the checker knows
 * which, and which codes) returns `__s64`, 0 or the code it lets escape,
 * and its value, if it has one, through a last parameter `result`
 * pointing at the caller's variable. Functions that cannot throw keep
 * their plain C signature. At a call: `error = f(args, &tmp); if (error)`
 * jumps to the enclosing try's catch dispatch, or, with no try around
 * the call, runs this frame's defers and returns `error` to its own
 * caller. A catch dispatch that matches no clause does the same. A
 * program has no caller: the checker proves that nothing escapes it.
 *
 * The helpers are `static __always_inline`, as the compiler emits them;
 * the test builds this file a second time with
 * -DKS_HELPER='static __noinline' to prove the same shape as real
 * BPF-to-BPF calls.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef KS_HELPER
#define KS_HELPER static __always_inline
#endif

#define TOO_SHORT 1
#define BAD_VERSION 2

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

KS_HELPER void mark(__u32 slot)
{
	trace_add(slot, 1);
}

/* May throw TOO_SHORT, BAD_VERSION. */
KS_HELPER __s64 read_version(__u32 len, __u32 *result)
{
	if (len < 20) {
		mark(3);
		return TOO_SHORT;
	}
	if (len > 1000) {
		mark(3);
		return BAD_VERSION;
	}
	*result = 4;
	mark(3);
	return 0;
}

/* May throw TOO_SHORT, BAD_VERSION (from read_version). */
KS_HELPER __s64 parse_ip(__u32 len, __u32 *result)
{
	__s64 error = 0;
	__u32 version;

	error = read_version(len, &version);
	if (error) {
		mark(2);
		return error;
	}
	*result = version * 10;
	mark(2);
	return 0;
}

/* May throw TOO_SHORT (from parse_ip; BAD_VERSION is caught here). */
KS_HELPER __s64 classify(__u32 len, __u32 *result)
{
	__s64 error = 0;
	/* try */
	{
		__u32 call_1;

		error = parse_ip(len, &call_1);
		if (error) {
			goto catch;
		}
		*result = call_1 + 1;
		mark(1);
		return 0;
	}
catch:
	if (error == BAD_VERSION) {
		mark(5);
		*result = 0;
		mark(1);
		return 0;
	} else {
		mark(1);
		return error;
	}
}

SEC("xdp")
int chain(struct xdp_md *ctx)
{
	__s64 error = 0;
	__u32 len = (__u32)((__u8 *)(long)ctx->data_end - (__u8 *)(long)ctx->data);
	/* try */
	{
		__u32 call_1;

		error = classify(len, &call_1);
		if (error) {
			goto catch;
		}
		if (call_1 == 41) {
			mark(0);
			return XDP_PASS;
		}
		mark(0);
		return XDP_DROP;
	}
catch:
	if (error == TOO_SHORT) {
		mark(4);
		mark(0);
		return XDP_TX;
	} else {
		mark(0);
		return XDP_ABORTED;
	}
}

char LICENSE[] SEC("license") = "GPL";
