// SPDX-License-Identifier: GPL-2.0
/* Calls the registration probe's kfunc from a program of the section
 * given by -DKS_SEC: the verifier lets it only when the module
 * registered its set for that program type (or, where the kernel
 * accepts it, for BPF_PROG_TYPE_UNSPEC: every type). */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern __u32 ks_hooks_answer(void) __ksym;

SEC(KS_SEC)
int hooks_caller(void *ctx)
{
	return ks_hooks_answer();
}

char LICENSE[] SEC("license") = "GPL";
