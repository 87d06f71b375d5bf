// SPDX-License-Identifier: GPL-2.0
/*
 * `new`, `delete` and maps of pointers in eBPF: bpf_obj_new/bpf_obj_drop
 * (kfuncs, kernel >= 6.2) and kptrs stored with bpf_kptr_xchg (program-
 * allocated objects in maps: kernel >= 6.4). The KernelScript source:
 *
 *   struct ConnStats { packet_count: u64, byte_count: u64 }
 *
 *   var conn_tracker : hash<u32, *ConnStats>(2)
 *   var results : array<u32, u64>(4)
 *   config input { src_ip: u32, replace: bool }
 *
 *   @xdp fn packet_inspector(ctx: *xdp_md) -> xdp_action {
 *       var len = (ctx->data_end - ctx->data) as u64
 *       var stats = conn_tracker[input.src_ip]   // borrowed; null if absent
 *       if (stats != null && !input.replace) {
 *           stats->packet_count += 1
 *           stats->byte_count += len
 *           results[0] = stats->packet_count
 *           return XDP_PASS
 *       }
 *       var fresh = new ConnStats()              // owned; null if no memory
 *       if (fresh == null) {
 *           return XDP_DROP
 *       }
 *       fresh->packet_count = 1
 *       fresh->byte_count = len
 *       conn_tracker[input.src_ip] = fresh       // moves `fresh` into the map
 *       results[0] = 1
 *       return XDP_PASS
 *   }
 *
 *   @xdp fn scratch_object(ctx: *xdp_md) -> xdp_action {
 *       var tmp = new ConnStats()                // zeroed, like `var x: T`
 *       if (tmp == null) {
 *           return XDP_DROP
 *       }
 *       results[3] += tmp->packet_count + tmp->byte_count
 *       tmp->packet_count = 7
 *       tmp->byte_count = 7
 *       delete tmp
 *       return XDP_PASS
 *   }
 *
 * A map of `*T` has a struct value with one referenced kptr field: the
 * pointer type carries BTF type tag "kptr" (libbpf 1.1's `__kptr`; on
 * 6.1 and 6.2 that tag meant an unreferenced kptr and "kptr_ref" the
 * referenced one, renamed in 6.3), so the generated C spells the
 * attribute itself. `m[k]` reads the pointer in place: a borrowed
 * pointer, valid until the program ends, through which fields are read
 * and written. `m[k] = p` moves an owned object into the entry with
 * bpf_kptr_xchg, creating the entry first (BPF_NOEXIST, never
 * overwriting: an update of an existing entry would free its object);
 * the object it replaces comes back owned and is dropped; when no entry
 * can be made (map full) the stored object itself is dropped. Deleting
 * the entry, or the map going away, frees the object in it.
 *
 * Instrumented for the test, beyond the source: the store counts failed
 * stores in results[2] and adds the byte_count of each replaced object
 * to results[1] before dropping it.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

/* bpf_obj_new does not zero: an object recycled from the allocator's
 * per-CPU cache holds what its last owner wrote. `new T()` zeroes it. */
#define ks_obj_new(type) ({ \
	type *ks_obj = bpf_obj_new_impl(bpf_core_type_id_local(type), NULL); \
	if (ks_obj) \
		__builtin_memset(ks_obj, 0, sizeof(type)); \
	ks_obj; \
})
#define ks_obj_drop(object) bpf_obj_drop_impl(object, NULL)
#define KS_KPTR __attribute__((btf_type_tag("kptr")))

struct ConnStats {
	__u64 packet_count;
	__u64 byte_count;
};

struct input_config {
	__u32 src_ip;
	bool replace;
};

struct input_config input SEC(".data") = {};

/* The value of a map of `*ConnStats`. */
struct conn_tracker_value {
	struct ConnStats KS_KPTR *object;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct conn_tracker_value);
} conn_tracker SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

static __always_inline long results_update(__u32 key, __u64 value)
{
	return bpf_map_update_elem(&results, &key, &value, BPF_ANY);
}

static __always_inline void results_add(__u32 key, __u64 operand)
{
	__u64 *value = bpf_map_lookup_elem(&results, &key);

	if (!value) {
		return;
	}
	__sync_fetch_and_add(value, operand);
}

/* `conn_tracker[key]`: the object in the entry, borrowed, or NULL. */
static __always_inline struct ConnStats *conn_tracker_get(__u32 key)
{
	struct conn_tracker_value *value = bpf_map_lookup_elem(&conn_tracker, &key);

	return value ? value->object : NULL;
}

/* `conn_tracker[key] = object`: moves the owned `object` into the map. */
static __always_inline void conn_tracker_store(__u32 key, struct ConnStats *object)
{
	struct conn_tracker_value *value = bpf_map_lookup_elem(&conn_tracker, &key);

	if (!value) {
		struct conn_tracker_value empty = {};

		bpf_map_update_elem(&conn_tracker, &key, &empty, BPF_NOEXIST);
		value = bpf_map_lookup_elem(&conn_tracker, &key);
	}
	if (!value) {
		results_add(2, 1);
		ks_obj_drop(object);
		return;
	}
	object = bpf_kptr_xchg(&value->object, object);
	if (object) {
		results_add(1, object->byte_count);
		ks_obj_drop(object);
	}
}

SEC("xdp")
int packet_inspector(struct xdp_md *ctx)
{
	__u64 len = (__u64)((__u8 *)(long)ctx->data_end - (__u8 *)(long)ctx->data);
	struct ConnStats *stats = conn_tracker_get(input.src_ip);

	if (stats != NULL && !input.replace) {
		stats->packet_count += 1;
		stats->byte_count += len;
		results_update(0, stats->packet_count);
		return XDP_PASS;
	}
	struct ConnStats *fresh = ks_obj_new(struct ConnStats);

	if (fresh == NULL) {
		return XDP_DROP;
	}
	fresh->packet_count = 1;
	fresh->byte_count = len;
	conn_tracker_store(input.src_ip, fresh);
	results_update(0, 1);
	return XDP_PASS;
}

SEC("xdp")
int scratch_object(struct xdp_md *ctx)
{
	struct ConnStats *tmp = ks_obj_new(struct ConnStats);

	if (tmp == NULL) {
		return XDP_DROP;
	}
	results_add(3, tmp->packet_count + tmp->byte_count);
	tmp->packet_count = 7;
	tmp->byte_count = 7;
	ks_obj_drop(tmp);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
