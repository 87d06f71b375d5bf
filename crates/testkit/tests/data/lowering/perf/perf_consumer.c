// SPDX-License-Identifier: GPL-2.0
/*
 * A perf buffer consumer on libbpf 1.1's API (Debian 12), the shape of
 * what generated userspace does for `events.on_event(handler)` and
 * `dispatch(events)` on a perf_event_array: perf_buffer__new(map fd,
 * pages per CPU, sample callback, lost callback, context, NULL) and
 * perf_buffer__poll. The callbacks return nothing, so a handler's "stop"
 * is recorded in the context and checked after each poll.
 *
 *   perf_consumer OBJECT PERFMAP [PROGRAM:LEN | getpid:N | open]...
 *
 * loads OBJECT (with its `target_pid` set to this process) and, in
 * order: runs a PROGRAM once (BPF_PROG_TEST_RUN) on a zeroed frame of
 * LEN bytes; for `getpid:N` attaches `on_getpid` and calls getpid() N
 * times; for `open` opens the perf buffer on PERFMAP (events output
 * before that have no reader). Then it polls until a handler sees the
 * event with seq == 999 (sent by no fixture, so it polls to the timeout)
 * and prints each event, the lost counts, the object's `failures` global
 * and the programs' verified instructions.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct PacketEvent {
	__u32 seq;
	__u32 len;
};

struct consumer {
	int events;
	bool stop;
	int cpus;
};

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct consumer *consumer = ctx;
	const struct PacketEvent *event = data;

	consumer->events++;
	if (size < sizeof(*event)) {
		printf("event size=%u short\n", size);
		return;
	}
	printf("event size=%u seq=%u len=%u cpu_ok=%d", size, event->seq, event->len,
	       cpu >= 0 && cpu < consumer->cpus);
	if (size >= sizeof(*event) + 14) {
		const __u8 *packet = (const __u8 *)(event + 1);
		int zeros = 0;

		for (int i = 0; i < 14; i++)
			zeros += packet[i] == 0;
		printf(" packet_zeros=%d", zeros);
	}
	printf("\n");
	if (event->seq == 999)
		consumer->stop = true;
}

static void on_lost(void *ctx, int cpu, __u64 count)
{
	(void)ctx;
	printf("lost cpu=%d count=%llu\n", cpu, (unsigned long long)count);
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "perf_consumer: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s OBJECT PERFMAP [PROGRAM:LEN | getpid:N]...\n", argv[0]);
		return 2;
	}
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);

	if (!obj)
		return fail("open", errno);
	/* .rodata holds only `target_pid`. */
	struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
	__u32 target_pid = (__u32)getpid();
	int err = rodata ? bpf_map__set_initial_value(rodata, &target_pid, sizeof(target_pid))
			 : -ENOENT;

	if (err)
		return fail(".rodata", err);
	err = bpf_object__load(obj);

	if (err)
		return fail("load", err);
	struct bpf_map *map = bpf_object__find_map_by_name(obj, argv[2]);

	if (!map)
		return fail(argv[2], ENOENT);
	struct consumer consumer = { .cpus = libbpf_num_possible_cpus() };
	struct perf_buffer *buffer = NULL;

	for (int arg = 3; arg < argc; arg++) {
		char name[64];
		unsigned int count;

		if (strcmp(argv[arg], "open") == 0) {
			buffer = perf_buffer__new(bpf_map__fd(map), 8, on_sample, on_lost, &consumer,
						  NULL);
			if (!buffer)
				return fail("perf_buffer__new", errno);
			printf("open\n");
			continue;
		}
		if (sscanf(argv[arg], "%63[^:]:%u", name, &count) != 2 || count > 4000)
			return fail(argv[arg], EINVAL);
		if (strcmp(name, "getpid") == 0) {
			struct bpf_program *prog = bpf_object__find_program_by_name(obj, "on_getpid");
			struct bpf_link *link = prog ? bpf_program__attach(prog) : NULL;

			if (!link)
				return fail("attaching on_getpid", errno);
			for (unsigned int i = 0; i < count; i++)
				syscall(SYS_getpid);
			bpf_link__destroy(link);
			printf("getpid %u pid=%d\n", count, getpid());
			continue;
		}
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);

		if (!prog)
			return fail(name, ENOENT);
		unsigned char *frame = calloc(1, count);
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = count, .repeat = 1);

		err = bpf_prog_test_run_opts(bpf_program__fd(prog), &run);
		free(frame);
		if (err)
			return fail("BPF_PROG_TEST_RUN", err);
		printf("run %s %u ret=%u\n", name, count, run.retval);
	}
	if (!buffer)
		return fail("no `open` argument", EINVAL);
	while (!consumer.stop) {
		err = perf_buffer__poll(buffer, 100);
		if (err < 0)
			return fail("perf_buffer__poll", err);
		if (err == 0)
			break;
	}
	printf("events %d\n", consumer.events);
	perf_buffer__free(buffer);

	/* .data holds `next_seq`, then `failures`. */
	struct bpf_map *data = bpf_object__find_map_by_name(obj, ".data");
	__u32 globals[2], key = 0;

	if (!data || bpf_map_lookup_elem(bpf_map__fd(data), &key, globals))
		return fail(".data", errno);
	printf("failures %u\n", globals[1]);

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
