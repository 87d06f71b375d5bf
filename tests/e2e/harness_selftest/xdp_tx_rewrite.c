// Harness selftest: an XDP "reflector" that swaps Ethernet addresses, IPv4
// addresses and UDP ports and sends the packet back (XDP_TX). Swapping keeps
// every checksum valid, so `out:` can compare with a freshly built packet.
//
// run: reflect(eth ipv4 10.0.0.1 -> 10.0.0.2 udp 1111 -> 2222 payload "echo me") == XDP_TX
// out: eth src=02:00:00:00:00:02 dst=02:00:00:00:00:01 ipv4 10.0.0.2 -> 10.0.0.1 udp 2222 -> 1111 payload "echo me"
// run: reflect(eth ipv4 10.0.0.1 -> 10.0.0.2 tcp 1 -> 2) == XDP_PASS
// out: eth ipv4 10.0.0.1 -> 10.0.0.2 tcp 1 -> 2
// run: reflect(raw 0200000000020200000000010800 45) == XDP_PASS
// out: raw 0200000000020200000000010800 45
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	unsigned char mac[ETH_ALEN];

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return XDP_PASS;
	struct udphdr *udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return XDP_PASS;

	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	__be32 addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	__be16 port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
