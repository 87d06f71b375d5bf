// SPDX-License-Identifier: GPL-2.0
/* Calls the fixture module's kfunc and returns its result, which
 * `bpftool prog run` reports as the program's return value. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern u32 ks_fixture_mix(u32 a, u32 b) __ksym;

SEC("xdp")
int call_kfunc(struct xdp_md *ctx)
{
	return ks_fixture_mix(4, 2);
}

char LICENSE[] SEC("license") = "GPL";
