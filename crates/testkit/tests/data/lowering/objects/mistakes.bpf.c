// SPDX-License-Identifier: GPL-2.0
/*
 * What the verifier refuses about program-allocated objects, one mistake
 * per build (-DMISTAKE=N): the ownership checks KernelScript's checker
 * must make first, so that an accepted program never meets these at
 * load time.
 *
 *   1. using `new T()` without a null check          ("invalid mem access")
 *   2. an object neither deleted nor stored           ("Unreleased reference")
 *   3. dropping the object a store replaced is left out ("Unreleased reference")
 *   4. using an object after it moved into a map      ("invalid mem access")
 *
 * MISTAKE=0 builds the correct program, which loads.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#ifndef MISTAKE
#define MISTAKE 0
#endif

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

#define ks_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define ks_obj_drop(object) bpf_obj_drop_impl(object, NULL)
#define KS_KPTR __attribute__((btf_type_tag("kptr")))

struct Counter {
	__u64 value;
};

struct slots_value {
	struct Counter KS_KPTR *object;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slots_value);
} slots SEC(".maps");

SEC("xdp")
int mistake(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct slots_value *slot = bpf_map_lookup_elem(&slots, &key);
	struct Counter *counter = ks_obj_new(struct Counter);

#if MISTAKE != 1
	if (counter == NULL) {
		return XDP_DROP;
	}
#endif
	counter->value = 1;
#if MISTAKE == 2
	return XDP_PASS;
#endif
	if (slot == NULL) {
		ks_obj_drop(counter);
		return XDP_DROP;
	}
#if MISTAKE == 3
	bpf_kptr_xchg(&slot->object, counter);
#else
	struct Counter *old = bpf_kptr_xchg(&slot->object, counter);

#if MISTAKE == 4
	counter->value = 2;
#endif
	if (old) {
		ks_obj_drop(old);
	}
#endif
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
