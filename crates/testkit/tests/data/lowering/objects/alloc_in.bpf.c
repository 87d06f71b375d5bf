// SPDX-License-Identifier: GPL-2.0
/*
 * `new` and `delete` in one program of the type given by -DKS_SEC (a
 * section name): which program types may call bpf_obj_new/bpf_obj_drop.
 *
 *   fn f(ctx) { var n = new Note(); if (n != null) { n->value = 1; delete n } }
 */
#include <linux/types.h>
#include <linux/bpf.h>
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

struct Note {
	__u64 value;
};

SEC(KS_SEC)
int alloc_in(void *ctx)
{
	struct Note *note = ks_obj_new(struct Note);

	if (note != NULL) {
		note->value = 1;
		ks_obj_drop(note);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
