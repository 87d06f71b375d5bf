// SPDX-License-Identifier: GPL-2.0
/*
 * A ring buffer consumer on libbpf 1.1's API (Debian 12), the shape of
 * what generated userspace does for `rb.on_event(handler)` and
 * `dispatch(rb)` with variable-size records: ring_buffer__new on the
 * map's fd, ring_buffer__poll, and a callback that gets each record's
 * size along with its bytes.
 *
 *   ringbuf_consumer OBJECT RINGBUF PROGRAM:LEN...
 *
 * loads OBJECT, runs each PROGRAM once (BPF_PROG_TEST_RUN) on a zeroed
 * frame of LEN bytes, then polls the ring buffer map RINGBUF and prints
 * one line per run, per record, per entry of an array map `stats` of
 * u64 if the object has one, and per program's verified instructions.
 * Records are read as `struct Sample` (records.bpf.c); `payload=ok`
 * means the record holds exactly n bytes after its header and byte i is
 * (seq + i) & 0xff.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct Sample {
	__u32 seq;
	__u32 n;
	__u8 payload[];
};

static int on_record(void *ctx, void *data, size_t size)
{
	const struct Sample *sample = data;
	const char *payload = "-";

	(void)ctx;
	if (size < sizeof(*sample)) {
		printf("record size=%zu short\n", size);
		return 0;
	}
	if (size > sizeof(*sample)) {
		bool ok = size == sizeof(*sample) + sample->n;

		for (__u32 i = 0; ok && i < sample->n; i++)
			ok = sample->payload[i] == (__u8)(sample->seq + i);
		payload = ok ? "ok" : "bad";
	}
	printf("record size=%zu seq=%u n=%u payload=%s\n", size, sample->seq, sample->n, payload);
	return 0;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "ringbuf_consumer: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s OBJECT RINGBUF PROGRAM:LEN...\n", argv[0]);
		return 2;
	}
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);

	if (!obj)
		return fail("open", errno);
	int err = bpf_object__load(obj);

	if (err)
		return fail("load", err);
	for (int arg = 3; arg < argc; arg++) {
		char name[64];
		unsigned int len;

		if (sscanf(argv[arg], "%63[^:]:%u", name, &len) != 2 || len > 4000)
			return fail(argv[arg], EINVAL);
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);

		if (!prog)
			return fail(name, ENOENT);
		unsigned char *frame = calloc(1, len);
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = len, .repeat = 1);

		err = bpf_prog_test_run_opts(bpf_program__fd(prog), &run);
		free(frame);
		if (err)
			return fail("BPF_PROG_TEST_RUN", err);
		printf("run %s %u ret=%u\n", name, len, run.retval);
	}
	struct bpf_map *map = bpf_object__find_map_by_name(obj, argv[2]);

	if (!map)
		return fail(argv[2], ENOENT);
	struct ring_buffer *ring = ring_buffer__new(bpf_map__fd(map), on_record, NULL, NULL);

	if (!ring)
		return fail("ring_buffer__new", errno);
	err = ring_buffer__poll(ring, 100);
	if (err < 0)
		return fail("ring_buffer__poll", err);
	printf("polled %d\n", err);
	ring_buffer__free(ring);

	struct bpf_map *stats = bpf_object__find_map_by_name(obj, "stats");

	for (__u32 key = 0; stats && key < bpf_map__max_entries(stats); key++) {
		__u64 value;

		if (bpf_map_lookup_elem(bpf_map__fd(stats), &key, &value))
			return fail("stats lookup", errno);
		printf("stats[%u]=%llu\n", key, (unsigned long long)value);
	}

	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info;
		__u32 info_len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &info_len))
			return fail("BPF_OBJ_GET_INFO_BY_FD", errno);
		printf("verified_insns %s %u\n", bpf_program__name(prog), info.verified_insns);
	}
	bpf_object__close(obj);
	return 0;
}
