// SPDX-License-Identifier: GPL-2.0
/*
 * Insert-if-absent: bpf_map_update_elem with BPF_NOEXIST, which inserts
 * only when the key is absent and otherwise fails with -EEXIST, leaving
 * the entry as it was, in one atomic step (no check-then-insert race).
 * The proposed KernelScript surface is a map method returning whether
 * this call created the entry:
 *
 *   var first_seen : hash<u32, u64>(2)
 *
 *   @xdp fn note(ctx: *xdp_md) -> xdp_action {
 *       if (first_seen.insert(input.key, input.value)) {
 *           // the entry did not exist and now holds input.value
 *       }
 *       return XDP_PASS
 *   }
 *
 * lowered to `NAME_insert(key, value) == 0`. To let the test see the
 * kernel's answers, this fixture's accessors return bpf_map_update_elem's
 * result unchanged and `insert` stores it in `last_ret`: 0, -EEXIST
 * (present), -E2BIG (a hash map at max_entries; an array index out of
 * range). The test drives it per map kind: `input.map` picks the map.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct input_config {
	__u32 map;
	__u32 key;
	__u64 value;
};

struct input_config input SEC(".data") = {};
__s64 last_ret SEC(".data") = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} first_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} recent SEC(".maps");

static __always_inline long first_seen_insert(__u32 key, __u64 value)
{
	return bpf_map_update_elem(&first_seen, &key, &value, BPF_NOEXIST);
}

static __always_inline long slots_insert(__u32 key, __u64 value)
{
	return bpf_map_update_elem(&slots, &key, &value, BPF_NOEXIST);
}

static __always_inline long per_cpu_seen_insert(__u32 key, __u64 value)
{
	return bpf_map_update_elem(&per_cpu_seen, &key, &value, BPF_NOEXIST);
}

static __always_inline long per_cpu_slots_insert(__u32 key, __u64 value)
{
	return bpf_map_update_elem(&per_cpu_slots, &key, &value, BPF_NOEXIST);
}

static __always_inline long recent_insert(__u32 key, __u64 value)
{
	return bpf_map_update_elem(&recent, &key, &value, BPF_NOEXIST);
}

SEC("xdp")
int insert(struct xdp_md *ctx)
{
	switch (input.map) {
	case 0:
		last_ret = first_seen_insert(input.key, input.value);
		break;
	case 1:
		last_ret = slots_insert(input.key, input.value);
		break;
	case 2:
		last_ret = per_cpu_seen_insert(input.key, input.value);
		break;
	case 3:
		last_ret = per_cpu_slots_insert(input.key, input.value);
		break;
	case 4:
		last_ret = recent_insert(input.key, input.value);
		break;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
