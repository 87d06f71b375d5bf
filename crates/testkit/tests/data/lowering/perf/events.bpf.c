// SPDX-License-Identifier: GPL-2.0
/*
 * Output through a perf event array (any kernel with BPF): the record is
 * built on the stack and copied out with bpf_perf_event_output, which
 * needs the program's context. The KernelScript source:
 *
 *   struct PacketEvent { seq: u32, len: u32 }
 *   var events : perf_event_array<PacketEvent>   // one buffer per CPU
 *   var next_seq: u32 = 0
 *
 *   @xdp fn report(ctx: *xdp_md) -> xdp_action {
 *       var event = PacketEvent { seq: next_seq, len: (ctx->data_end - ctx->data) as u32 }
 *       next_seq += 1
 *       if (events.output(event) != 0) {    // 0, or -errno: no reader on this CPU, ...
 *           failures += 1
 *       }
 *       return XDP_PASS
 *   }
 *
 *   @tracepoint("syscalls/sys_enter_getpid")
 *   fn on_getpid(ctx: *trace_event_raw_sys_enter) -> i32 {
 *       var pid = (bpf_get_current_pid_tgid() >> 32) as u32
 *       if (pid == target_pid) {
 *           events.output(PacketEvent { seq: 1000 + next_seq, len: pid })
 *           next_seq += 1
 *       }
 *       return 0
 *   }
 *
 * `events.output(value)` is bpf_perf_event_output(ctx, &events,
 * BPF_F_CURRENT_CPU, &value, sizeof(value)) with the enclosing program's
 * context (a helper that outputs must be given it). The map declares no
 * size: libbpf sizes a perf event array to the number of CPUs.
 * `report_tc` is the same from a TC program. `capture` shows the XDP extra: the upper 32 bits of the flags ask the
 * kernel to append that many bytes of the packet after the record.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct PacketEvent {
	__u32 seq;
	__u32 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

__u32 next_seq SEC(".data") = 0;
__u32 failures SEC(".data") = 0;
const volatile __u32 target_pid = 0;

SEC("xdp")
int report(struct xdp_md *ctx)
{
	struct PacketEvent event = {
		.seq = next_seq,
		.len = (__u32)((__u8 *)(long)ctx->data_end - (__u8 *)(long)ctx->data),
	};

	next_seq += 1;
	if (bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &event, sizeof(event)) != 0) {
		failures += 1;
	}
	return XDP_PASS;
}

SEC("xdp")
int capture(struct xdp_md *ctx)
{
	__u64 len = (__u64)((__u8 *)(long)ctx->data_end - (__u8 *)(long)ctx->data);
	struct PacketEvent event = { .seq = next_seq, .len = (__u32)len };
	__u64 captured = len < 14 ? len : 14;

	next_seq += 1;
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU | (captured << 32), &event,
			      sizeof(event));
	return XDP_PASS;
}

SEC("tc")
int report_tc(struct __sk_buff *ctx)
{
	struct PacketEvent event = { .seq = 2000 + next_seq, .len = ctx->len };

	next_seq += 1;
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &event, sizeof(event));
	return TC_ACT_OK;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void *ctx)
{
	__u32 pid = (__u32)(bpf_get_current_pid_tgid() >> 32);

	if (pid == target_pid) {
		struct PacketEvent event = { .seq = 1000 + next_seq, .len = pid };

		bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &event, sizeof(event));
		next_seq += 1;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
