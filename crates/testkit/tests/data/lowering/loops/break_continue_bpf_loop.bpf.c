// SPDX-License-Identifier: GPL-2.0
/*
 * break_continue_unbound.ks (see break_continue_plain.bpf.c) lowered to
 * bpf_loop (kernel >= 5.17). The body is a callback called with the
 * iteration's index: `continue` is `return 0`, `break` is `return 1`.
 *
 * The minimal shape: the range starts at the constant 0, so i is the
 * index itself; the body captures no local of the program, so no loop
 * context is passed (NULL); the trip count is known at compile time to
 * be at most BPF_MAX_LOOPS (2^23), so bpf_loop's -E2BIG needs no check
 * (`end_value` is never assigned after its declaration).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10);
	__type(key, __u32);
	__type(value, __u32);
} counter_map SEC(".maps");

static __always_inline __u32 counter_map_get(__u32 key)
{
	__u32 *value = bpf_map_lookup_elem(&counter_map, &key);

	return value ? *value : 0;
}

static __always_inline long counter_map_update(__u32 key, __u32 value)
{
	return bpf_map_update_elem(&counter_map, &key, &value, BPF_ANY);
}

/* The body of the loop at break_continue_unbound.ks:12. */
static long packet_filter_loop_1(__u64 index, void *loop)
{
	__u32 i = (__u32)index;

	if (i % 2 == 0) {
		return 0;
	}
	if (i > 50) {
		return 1;
	}
	__u32 key = 0;
	__u32 current = counter_map_get(key);
	counter_map_update(key, current + 1);
	return 0;
}

SEC("xdp")
int packet_filter(struct xdp_md *ctx)
{
	__u32 end_value = 1000;
	bpf_loop(end_value, packet_filter_loop_1, NULL, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
