// SPDX-License-Identifier: GPL-2.0
/*
 * The program of chain.bpf.c (a throw crossing eBPF functions, three
 * calls deep, with a defer in every frame) under another calling
 * convention. The KernelScript source:
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
 * An alternative convention, measured against chain.bpf.c and not
 * recommended: every function that may throw takes a pointer to the
 * caller's error slot as its last parameter and returns its value as
 * usual; callers test the slot after the call.
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

KS_HELPER __u32 read_version(__u32 len, __s64 *error)
{
	if (len < 20) {
		mark(3);
		*error = TOO_SHORT;
		return 0;
	}
	if (len > 1000) {
		mark(3);
		*error = BAD_VERSION;
		return 0;
	}
	mark(3);
	return 4;
}

KS_HELPER __u32 parse_ip(__u32 len, __s64 *error)
{
	__u32 version = read_version(len, error);

	if (*error) {
		mark(2);
		return 0;
	}
	mark(2);
	return version * 10;
}

KS_HELPER __u32 classify(__u32 len, __s64 *error)
{
	__s64 caught = 0;
	/* try */
	{
		__u32 call_1 = parse_ip(len, &caught);

		if (caught) {
			goto catch;
		}
		mark(1);
		return call_1 + 1;
	}
catch:
	if (caught == BAD_VERSION) {
		mark(5);
		mark(1);
		return 0;
	} else {
		mark(1);
		*error = caught;
		return 0;
	}
}

SEC("xdp")
int chain(struct xdp_md *ctx)
{
	__s64 error = 0;
	__u32 len = (__u32)((__u8 *)(long)ctx->data_end - (__u8 *)(long)ctx->data);
	/* try */
	{
		__u32 call_1 = classify(len, &error);

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
