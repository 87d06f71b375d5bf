// Harness selftest: an XDP program that parses Ethernet/IPv4/UDP, drops UDP
// to port 53, and counts drops per destination address in a hash map, all
// packets in a per-CPU array, and per-flow stats in a struct-keyed hash map.
// The directives below are what the e2e runner checks.
//
// run: filter_udp(eth ipv4 10.0.0.1 -> 10.0.0.2 udp 1234 -> 53 payload "hi") == XDP_DROP
// map: drops[ipv4 10.0.0.2] == u64 1
// map: drops[ipv4 10.0.0.3] == absent
// map: flows[{ipv4 10.0.0.1, be16 53}] == {u64 1, u32 44}
// run: filter_udp(eth ipv4 10.0.0.1 -> 10.0.0.2 udp 1234 -> 53 payload zeros 100) == XDP_DROP
// map: drops[ipv4 10.0.0.2] == u64 2
// map: flows[{ipv4 10.0.0.1, be16 53}] == {u64 2, u32 186}
// run: filter_udp(eth ipv4 10.0.0.1 -> 10.0.0.2 udp 1234 -> 5353 payload "hi") == XDP_PASS
// run: filter_udp(eth ipv4 10.0.0.1 -> 10.0.0.2 tcp 1234 -> 53 flags=SYN) == XDP_PASS
// run: filter_udp(eth ipv6 fd00::1 -> fd00::2 udp 1 -> 53) == XDP_PASS
// run: filter_udp(eth vlan=7 ipv4 10.0.0.1 -> 10.0.0.2 udp 1 -> 53) == XDP_PASS
// run: filter_udp(raw 020000000002 020000000001 0806 0001080006040001) == XDP_PASS
// run: filter_udp(eth ipv4 10.0.0.9 -> 10.0.0.3 udp 7 -> 53) == 1
// map: drops[ipv4 10.0.0.3] == u64 1
// map: seen[u32 0] == sum u64 8
// map-set: drops[ipv4 10.0.0.3] = u64 40
// run: filter_udp(eth ipv4 10.0.0.9 -> 10.0.0.3 udp 7 -> 53) == XDP_DROP
// map: drops[ipv4 10.0.0.3] == u64 41
// map-delete: drops[ipv4 10.0.0.3]
// map: drops[ipv4 10.0.0.3] == absent
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct flow_key {
	__be32 saddr;
	__be16 dport;
};

struct flow_stats {
	__u64 packets;
	__u32 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __be32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

SEC("xdp")
int filter_udp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(&seen, &zero);
	if (count)
		*count += 1;

	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	struct udphdr *udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end)
		return XDP_PASS;
	if (udp->dest != bpf_htons(53))
		return XDP_PASS;

	count = bpf_map_lookup_elem(&drops, &ip->daddr);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&drops, &ip->daddr, &one, BPF_ANY);

	struct flow_key key = {};
	key.saddr = ip->saddr;
	key.dport = udp->dest;
	__u32 len = data_end - data;
	struct flow_stats *st = bpf_map_lookup_elem(&flows, &key);
	if (st) {
		st->packets += 1;
		st->bytes += len;
	} else {
		struct flow_stats init = { .packets = 1, .bytes = len };
		bpf_map_update_elem(&flows, &key, &init, BPF_ANY);
	}
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
