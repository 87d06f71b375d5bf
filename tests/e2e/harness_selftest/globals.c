// Harness selftest: global variables in .bss, .data and .rodata. The
// .rodata constant is given its value before load with `global-set:`; the
// .bss counter is read live after runs and overwritten while loaded.
//
// global-set: blocked_port = u16 9999
// global: packet_count == u64 0
// global: last_proto == u32 0xffffffff
// global: pair == {u8 7, u64 2}
// global: tag == char[8] "init"
// global: blocked_port == u16 9999
// run: count_globals(eth ipv4 10.0.0.1 -> 10.0.0.2 udp 1 -> 9999) == XDP_DROP
// global: packet_count == u64 1
// global: last_proto == u32 17
// run: count_globals(eth ipv4 10.0.0.1 -> 10.0.0.2 tcp 1 -> 9999) == XDP_PASS
// global: packet_count == u64 2
// global: last_proto == u32 6
// global-set: packet_count = u64 100
// run: count_globals(eth ipv4 10.0.0.1 -> 10.0.0.2 udp 1 -> 53) == XDP_PASS
// global: packet_count == u64 101
// global: pair == {u8 7, u64 3}
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

__u64 packet_count;
__u32 last_proto = 0xffffffff;
struct { __u8 a; __u64 b; } pair = { 7, 2 };
char tag[8] = "init";
const volatile __u16 blocked_port = 0;

SEC("xdp")
int count_globals(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	__sync_fetch_and_add(&packet_count, 1);
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	last_proto = ip->protocol;
	if (ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	struct udphdr *udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end)
		return XDP_PASS;
	if (udp->dest == bpf_htons(53))
		pair.b += 1;
	return udp->dest == bpf_htons(blocked_port) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
