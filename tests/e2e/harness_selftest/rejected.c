// Harness selftest: a program the verifier must reject (it reads packet
// byte 20 without a bounds check). `expect-load-error:` passes only when
// loading fails and libbpf's log (which holds the verifier log) contains
// the text.
//
// expect-load-error: invalid access to packet
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int read_unchecked(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;

	return data[20] == 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
