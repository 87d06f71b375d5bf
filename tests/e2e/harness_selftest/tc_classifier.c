// Harness selftest: a TC (sched_cls) classifier. It drops TCP SYNs (without
// ACK) to port 22 over IPv4 or IPv6, counts ICMP/ICMPv6 echo requests per
// address family in an array map, and lets everything else through.
//
// run: classify(eth ipv4 10.0.0.1 -> 10.0.0.2 tcp 40000 -> 22 flags=SYN) == TC_ACT_SHOT
// run: classify(eth ipv4 10.0.0.1 -> 10.0.0.2 tcp 40000 -> 22 flags=SYN|ACK) == TC_ACT_OK
// run: classify(eth ipv4 10.0.0.1 -> 10.0.0.2 tcp 40000 -> 80 flags=SYN seq=7 win=1024) == TC_ACT_OK
// run: classify(eth ipv6 fd00::1 -> fd00::2 tcp 40000 -> 22 flags=SYN) == TC_ACT_SHOT
// run: classify(eth ipv6 fd00::1 -> fd00::2 ttl=1 udp 5 -> 22) == TC_ACT_OK
// map: echo_requests[u32 4] == u64 0
// run: classify(eth ipv4 10.0.0.1 -> 10.0.0.2 icmp echo-request id=1 seq=2 payload "ping") == TC_ACT_OK
// run: classify(eth ipv4 10.0.0.1 -> 10.0.0.2 icmp echo-reply) == TC_ACT_OK
// run: classify(eth ipv6 fd00::1 -> fd00::2 icmp echo-request) == TC_ACT_OK
// run: classify(eth ipv6 fd00::1 -> fd00::2 icmp echo-request) == 0
// map: echo_requests[u32 4] == u64 1
// map: echo_requests[u32 6] == u64 2
// map-set: echo_requests[u32 6] = u64 0
// map: echo_requests[u32 6] == u64 0
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* linux/icmp.h drags in glibc headers that do not build for -target bpf. */
struct icmp_head {
	__u8 type;
	__u8 code;
	__sum16 checksum;
};
#define ICMP_ECHO 8

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} echo_requests SEC(".maps");

static __always_inline void count_echo(__u32 family)
{
	__u64 *n = bpf_map_lookup_elem(&echo_requests, &family);
	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline int check_tcp(struct tcphdr *tcp, void *data_end)
{
	if ((void *)(tcp + 1) > data_end)
		return TC_ACT_OK;
	if (tcp->syn && !tcp->ack && tcp->dest == bpf_htons(22))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc")
int classify(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > data_end)
			return TC_ACT_OK;
		void *l4 = (void *)ip + ip->ihl * 4;
		if (ip->protocol == IPPROTO_TCP)
			return check_tcp(l4, data_end);
		if (ip->protocol == IPPROTO_ICMP) {
			struct icmp_head *icmp = l4;
			if ((void *)(icmp + 1) <= data_end && icmp->type == ICMP_ECHO)
				count_echo(4);
		}
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > data_end)
			return TC_ACT_OK;
		if (ip6->nexthdr == IPPROTO_TCP)
			return check_tcp((void *)(ip6 + 1), data_end);
		if (ip6->nexthdr == IPPROTO_ICMPV6) {
			struct icmp6hdr *icmp6 = (void *)(ip6 + 1);
			if ((void *)(icmp6 + 1) <= data_end && icmp6->icmp6_type == ICMPV6_ECHO_REQUEST)
				count_echo(6);
		}
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
