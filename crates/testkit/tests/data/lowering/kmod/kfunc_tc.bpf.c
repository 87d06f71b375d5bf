// SPDX-License-Identifier: GPL-2.0
/* A TC program calling the fixture module's kfunc: the module registers
 * its kfunc set for BPF_PROG_TYPE_SCHED_CLS as well as for XDP. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern __u32 ks_fixture_mix(__u32 a, __u32 b) __ksym;

SEC("tc")
int call_kfunc_tc(struct __sk_buff *ctx)
{
	return ks_fixture_mix(3, 7);
}

char LICENSE[] SEC("license") = "GPL";
