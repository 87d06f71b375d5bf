// SPDX-License-Identifier: GPL-2.0
/*
 * KernelScript test fixture: a module that registers one kfunc,
 * ks_fixture_mix(a, b) = a * 100 + b, for XDP programs. It is written
 * for Debian 12's 6.1 kernel, which has neither __bpf_kfunc nor
 * BTF_KFUNCS_START: the id set is a BTF_SET8 registered with
 * register_btf_kfunc_id_set. The qemu guest tier inserts it and runs an
 * XDP program that calls the kfunc.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/init.h>
#include <linux/module.h>

#ifndef __bpf_kfunc
#define __bpf_kfunc __used noinline
#endif

__diag_push();
__diag_ignore_all("-Wmissing-prototypes",
		  "kfuncs are called from BPF programs, never from C");

__bpf_kfunc u32 ks_fixture_mix(u32 a, u32 b)
{
	return a * 100 + b;
}

__diag_pop();

BTF_SET8_START(ks_fixture_kfunc_ids)
BTF_ID_FLAGS(func, ks_fixture_mix)
BTF_SET8_END(ks_fixture_kfunc_ids)

static const struct btf_kfunc_id_set ks_fixture_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &ks_fixture_kfunc_ids,
};

static int __init ks_fixture_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP,
					 &ks_fixture_kfunc_set);
}

static void __exit ks_fixture_exit(void)
{
}

module_init(ks_fixture_init);
module_exit(ks_fixture_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KernelScript test fixture: one kfunc for XDP programs");
