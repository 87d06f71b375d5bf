// SPDX-License-Identifier: GPL-2.0
/*
 * What the verifier refuses about ring buffer records, one mistake per
 * build (-DMISTAKE=N); MISTAKE=0 builds a correct program.
 *
 *   1. a plain reservation of a run-time size         ("is not a known constant")
 *   2. a plain reservation written at a run-time index ("unbounded memory access")
 *   3. a failed dynptr reservation left unreleased     ("Unreleased reference")
 *
 * 1 and 2 are why variable sizes and run-time indices use dynptrs; 3 is
 * why the lowering discards right after a failed reservation.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef MISTAKE
#define MISTAKE 0
#endif

struct Big {
	__u32 seq;
	__u8 payload[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} records SEC(".maps");

SEC("xdp")
int mistake(struct xdp_md *ctx)
{
	__u32 len = (__u32)((__u8 *)(long)ctx->data_end - (__u8 *)(long)ctx->data);
#if MISTAKE == 1
	struct Big *record = bpf_ringbuf_reserve(&records, len, 0);
#elif MISTAKE == 2 || MISTAKE == 0
	struct Big *record = bpf_ringbuf_reserve(&records, sizeof(struct Big), 0);
#endif
#if MISTAKE <= 2
	if (record == NULL) {
		return XDP_DROP;
	}
	record->seq = 1;
#if MISTAKE == 2
	record->payload[len] = 1;
#else
	record->payload[len & 63] = 1;
#endif
	bpf_ringbuf_submit(record, 0);
#else
	struct bpf_dynptr record_dynptr;

	bpf_ringbuf_reserve_dynptr(&records, len, 0, &record_dynptr);
	struct Big *record = bpf_dynptr_data(&record_dynptr, 0, sizeof(struct Big));

	if (record == NULL) {
		return XDP_DROP;
	}
	record->seq = 1;
	bpf_ringbuf_submit_dynptr(&record_dynptr, 0);
#endif
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
