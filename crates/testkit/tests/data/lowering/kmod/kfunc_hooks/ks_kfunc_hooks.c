// SPDX-License-Identifier: GPL-2.0
/*
 * Which program types a module's kfunc set can be registered for: the
 * module registers one kfunc for the program type given as its
 * `prog_type` parameter (enum bpf_prog_type) and fails to load when
 * register_btf_kfunc_id_set refuses. On 6.1 only XDP, SCHED_CLS,
 * STRUCT_OPS, TRACING, LSM and SYSCALL have a kfunc hook; any other type,
 * BPF_PROG_TYPE_UNSPEC (0) included, is -EINVAL.
 *
 * Built with -DKS_SET8_ONLY it ignores BTF_KFUNCS_START even where the
 * headers have it, as a module written for 6.1 does: kernels >= 6.9
 * refuse such a set (no BTF_SET8_KFUNCS flag).
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/init.h>
#include <linux/module.h>

#ifndef __bpf_kfunc
#define __bpf_kfunc __used noinline
#endif

#if defined(BTF_KFUNCS_START) && !defined(KS_SET8_ONLY)
#define KS_KFUNCS_START BTF_KFUNCS_START
#define KS_KFUNCS_END BTF_KFUNCS_END
#else
#define KS_KFUNCS_START BTF_SET8_START
#define KS_KFUNCS_END BTF_SET8_END
#endif

static int prog_type = BPF_PROG_TYPE_XDP;
module_param(prog_type, int, 0444);

__diag_push();
__diag_ignore_all("-Wmissing-prototypes", "kfuncs are called from BPF programs, never from C");

__bpf_kfunc u32 ks_hooks_answer(void)
{
	return 42;
}

__diag_pop();

KS_KFUNCS_START(ks_hooks_ids)
BTF_ID_FLAGS(func, ks_hooks_answer)
KS_KFUNCS_END(ks_hooks_ids)

static const struct btf_kfunc_id_set ks_hooks_set = {
	.owner = THIS_MODULE,
	.set = &ks_hooks_ids,
};

static int __init ks_hooks_init(void)
{
	return register_btf_kfunc_id_set(prog_type, &ks_hooks_set);
}

static void __exit ks_hooks_exit(void)
{
}

module_init(ks_hooks_init);
module_exit(ks_hooks_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KernelScript test fixture: kfunc registration per program type");
