// SPDX-License-Identifier: GPL-2.0
/*
 * Ring buffer records through dynptrs (kernel >= 5.19): variable-size
 * records and writes at run-time indices. The KernelScript source:
 *
 *   struct Sample { seq: u32, n: u32, payload: u8[] }   // n bytes follow
 *   var samples : ringbuf<Sample>(4096)
 *   var stats : array<u32, u64>(4)
 *   var next_seq: u32 = 0
 *
 *   @xdp fn variable(ctx: *xdp_md) -> xdp_action {
 *       var n = (ctx->data_end - ctx->data) as u32 - 14
 *       var seq = next_seq
 *       next_seq = seq + 1
 *       var record = samples.reserve(n)      // sizeof(Sample) + n bytes
 *       if (record == null) {
 *           stats[2] += 1
 *           return XDP_DROP
 *       }
 *       record->seq = seq
 *       record->n = n
 *       for (i in 0..n) {
 *           record->payload[i] = (seq + i) as u8
 *       }
 *       if (seq % 2 == 1) {
 *           samples.discard(record)
 *           stats[1] += 1
 *           return XDP_PASS
 *       }
 *       samples.submit(record)
 *       stats[0] += 1
 *       return XDP_PASS
 *   }
 *
 *   @xdp fn fixed_plain(ctx: *xdp_md) -> xdp_action { ... }   // below
 *
 * `rb.reserve(extra)` of a record whose struct ends in a flexible array
 * is bpf_ringbuf_reserve_dynptr of sizeof(T) + extra: the size may be
 * known only at run time, which plain bpf_ringbuf_reserve refuses. The
 * record's fixed part is a bpf_dynptr_data slice of sizeof(T), so `->`
 * on its fields is a plain store; the slice is NULL exactly when the
 * reservation failed, which is what `record == null` tests. A failed
 * reservation must still be released: the discard is emitted right
 * after the reservation, on the NULL path, before any user code. Writes
 * past the fixed part (`record->payload[i]`, a run-time index) are
 * bpf_dynptr_write at offsetof(T, payload) + i: the helper checks the
 * bounds at run time and writes nothing out of range, so the verifier
 * needs no bound on i. submit/discard are the _dynptr variants, and a
 * loop body reaches the dynptr through the loop context's pointer. A
 * failure exit the compiler adds (here: too many loop iterations) must
 * release the live reservation too.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define KS_MAX_LOOPS (1U << 23)

struct Sample {
	__u32 seq;
	__u32 n;
	__u8 payload[];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

__u32 next_seq SEC(".data") = 0;

static __always_inline void stats_add(__u32 key, __u64 operand)
{
	__u64 *value = bpf_map_lookup_elem(&stats, &key);

	if (!value) {
		return;
	}
	__sync_fetch_and_add(value, operand);
}

struct variable_loop_1 {
	__u32 seq;
	struct bpf_dynptr *record_dynptr;
};

static long variable_loop_1(__u64 index, struct variable_loop_1 *loop)
{
	__u32 i = (__u32)index;
	__u8 value = (__u8)(loop->seq + i);

	bpf_dynptr_write(loop->record_dynptr, __builtin_offsetof(struct Sample, payload) + i,
			 &value, sizeof(value), 0);
	return 0;
}

SEC("xdp")
int variable(struct xdp_md *ctx)
{
	__u32 n = (__u32)((__u8 *)(long)ctx->data_end - (__u8 *)(long)ctx->data) - 14;
	__u32 seq = next_seq;

	next_seq = seq + 1;
	struct bpf_dynptr record_dynptr;

	bpf_ringbuf_reserve_dynptr(&samples, sizeof(struct Sample) + n, 0, &record_dynptr);
	struct Sample *record = bpf_dynptr_data(&record_dynptr, 0, sizeof(struct Sample));

	if (record == NULL) {
		bpf_ringbuf_discard_dynptr(&record_dynptr, 0);
	}
	if (record == NULL) {
		stats_add(2, 1);
		return XDP_DROP;
	}
	record->seq = seq;
	record->n = n;
	struct variable_loop_1 loop_1 = { .seq = seq, .record_dynptr = &record_dynptr };

	if (n > KS_MAX_LOOPS) {
		bpf_ringbuf_discard_dynptr(&record_dynptr, 0);
		return XDP_ABORTED;
	}
	bpf_loop(n, variable_loop_1, &loop_1, 0);
	if (seq % 2 == 1) {
		bpf_ringbuf_discard_dynptr(&record_dynptr, 0);
		stats_add(1, 1);
		return XDP_PASS;
	}
	bpf_ringbuf_submit_dynptr(&record_dynptr, 0);
	stats_add(0, 1);
	return XDP_PASS;
}

/*
 * A fixed-size record stays a plain reservation: direct stores, and the
 * verifier knows the size. The same record through a dynptr
 * (fixed_dynptr) only to compare verified instructions.
 *
 *   struct Fixed { seq: u32, n: u32 }    // a second ring buffer, `fixed`
 *
 *   @xdp fn fixed_plain(ctx: *xdp_md) -> xdp_action {
 *       var record = fixed.reserve()
 *       if (record != null) {
 *           record->seq = 7
 *           record->n = (ctx->data_end - ctx->data) as u32
 *           fixed.submit(record)
 *       }
 *       return XDP_PASS
 *   }
 */
struct Fixed {
	__u32 seq;
	__u32 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} fixed SEC(".maps");

SEC("xdp")
int fixed_plain(struct xdp_md *ctx)
{
	struct Fixed *record = bpf_ringbuf_reserve(&fixed, sizeof(struct Fixed), 0);

	if (record != NULL) {
		record->seq = 7;
		record->n = (__u32)((__u8 *)(long)ctx->data_end - (__u8 *)(long)ctx->data);
		bpf_ringbuf_submit(record, 0);
	}
	return XDP_PASS;
}

SEC("xdp")
int fixed_dynptr(struct xdp_md *ctx)
{
	struct bpf_dynptr record_dynptr;

	bpf_ringbuf_reserve_dynptr(&fixed, sizeof(struct Fixed), 0, &record_dynptr);
	struct Fixed *record = bpf_dynptr_data(&record_dynptr, 0, sizeof(struct Fixed));

	if (record == NULL) {
		bpf_ringbuf_discard_dynptr(&record_dynptr, 0);
	}
	if (record != NULL) {
		record->seq = 8;
		record->n = (__u32)((__u8 *)(long)ctx->data_end - (__u8 *)(long)ctx->data);
		bpf_ringbuf_submit_dynptr(&record_dynptr, 0);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
