// SPDX-License-Identifier: GPL-2.0
/*
 * The reference example break_continue_unbound.ks as this compiler emits
 * it today: a plain C loop. clang folds `end_value` to 1000, so the
 * verifier walks the loop iteration by iteration until `break` (i = 51).
 *
 *   var counter_map : hash<u32, u32>(10)
 *
 *   @xdp fn packet_filter(ctx: *xdp_md) -> xdp_action {
 *       var end_value = 1000
 *       for (i in 0..end_value) {
 *           if (i % 2 == 0) { continue }
 *           if (i > 50) { break }
 *           var key = 0
 *           var current = counter_map[key]
 *           counter_map[key] = current + 1
 *       }
 *       return XDP_PASS
 *   }
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

SEC("xdp")
int packet_filter(struct xdp_md *ctx)
{
	__u32 end_value = 1000;
	for (__u32 i = 0; i < end_value; i++) {
		if (i % 2 == 0) {
			continue;
		}
		if (i > 50) {
			break;
		}
		__u32 key = 0;
		__u32 current = counter_map_get(key);
		counter_map_update(key, current + 1);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
