// SPDX-License-Identifier: GPL-2.0
/*
 * KernelScript test fixture: a module that registers one kfunc,
 * ks_fixture_mix(a, b) = a * 100 + b, for XDP and TC programs, in the
 * shape the compiler is to generate for `@kfunc` functions (see
 * docs/design/kernel-lowering.md):
 *
 *   @private fn ks_fixture_scale(a: u32) -> u32 { return a * 100 }
 *   @kfunc fn ks_fixture_mix(a: u32, b: u32) -> u32 { return ks_fixture_scale(a) + b }
 *
 * It builds against Debian 12's 6.1 headers and against current ones by
 * testing what the headers define, never the version number: 6.1 has
 * neither __bpf_kfunc nor BTF_KFUNCS_START (6.9+, which also sets the
 * BTF_SET8_KFUNCS flag that kernels >= 6.9 require of a kfunc set) nor
 * __bpf_kfunc_start_defs. The qemu guest tier inserts it and runs XDP and
 * TC programs that call the kfunc.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/init.h>
#include <linux/module.h>

#ifndef __bpf_kfunc
#define __bpf_kfunc __used noinline
#endif

#ifdef BTF_KFUNCS_START
#define KS_KFUNCS_START BTF_KFUNCS_START
#define KS_KFUNCS_END BTF_KFUNCS_END
#else
#define KS_KFUNCS_START BTF_SET8_START
#define KS_KFUNCS_END BTF_SET8_END
#endif

#ifdef __bpf_kfunc_start_defs
#define KS_KFUNC_DEFS_START() __bpf_kfunc_start_defs()
#define KS_KFUNC_DEFS_END() __bpf_kfunc_end_defs()
#else
#define KS_KFUNC_DEFS_START()                                                  \
	__diag_push();                                                         \
	__diag_ignore_all("-Wmissing-prototypes",                              \
			  "kfuncs are called from BPF programs, never from C")
#define KS_KFUNC_DEFS_END() __diag_pop()
#endif

/* @private: a plain static function, callable from the module only. */
static u32 ks_fixture_scale(u32 a)
{
	return a * 100;
}

KS_KFUNC_DEFS_START();

__bpf_kfunc u32 ks_fixture_mix(u32 a, u32 b)
{
	return ks_fixture_scale(a) + b;
}

KS_KFUNC_DEFS_END();

KS_KFUNCS_START(ks_fixture_kfunc_ids)
BTF_ID_FLAGS(func, ks_fixture_mix)
KS_KFUNCS_END(ks_fixture_kfunc_ids)

static const struct btf_kfunc_id_set ks_fixture_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &ks_fixture_kfunc_ids,
};

/* One registration per program type whose programs call a kfunc. */
static int __init ks_fixture_init(void)
{
	int err = register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP,
					    &ks_fixture_kfunc_set);

	return err ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS,
						&ks_fixture_kfunc_set);
}

static void __exit ks_fixture_exit(void)
{
}

module_init(ks_fixture_init);
module_exit(ks_fixture_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KernelScript test fixture: one kfunc for XDP and TC programs");
