// Harness selftest: generated C carries `#line` directives pointing back at
// the .ks source, and on a verifier rejection the runner lists the source
// lines the verifier log names. Here this C file plays both roles: its
// `#line` directives point at the comment lines 7-8, which stand in for
// KernelScript source.
//
// Stand-in source: let data = ctx.data
// Stand-in source: return if data[20] == 1 { XDP_DROP } else { XDP_PASS }
//
// expect-load-error: invalid access to packet
// expect-load-error: line_mapped.c:8: // Stand-in source: return if data[20] == 1
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int read_mapped(struct xdp_md *ctx)
{
#line 7 "line_mapped.c"
	unsigned char *data = (void *)(long)ctx->data;
#line 8 "line_mapped.c"
	return data[20] == 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
