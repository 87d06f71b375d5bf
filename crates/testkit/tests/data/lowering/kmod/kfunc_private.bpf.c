// SPDX-License-Identifier: GPL-2.0
/* Calls the fixture module's @private function, which is no kfunc: the
 * kernel refuses the program whatever the compiler lets through. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern __u32 ks_fixture_scale(__u32 a) __ksym;

SEC("xdp")
int call_private(struct xdp_md *ctx)
{
	return ks_fixture_scale(4);
}

char LICENSE[] SEC("license") = "GPL";
