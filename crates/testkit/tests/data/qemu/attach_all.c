// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal static libbpf loader for hand-written guest fixtures, whose
 * program kinds bpftool 7.1 cannot attach (fentry, fexit, LSM, kprobe):
 *
 *     attach_all OBJECT
 *
 * opens and loads OBJECT, attaches every program with
 * bpf_program__attach, prints "attached" and waits for SIGTERM or SIGINT.
 * Then it prints every entry of every array map with 8-byte values as
 * "MAP[INDEX]=VALUE" and exits 0 (the links go with the process). Any
 * failure prints the reason and exits 1.
 */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int signal)
{
	(void)signal;
	stop = 1;
}

static int print_libbpf(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, format, args);
}

static void print_arrays(struct bpf_object *object)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, object) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_ARRAY || bpf_map__value_size(map) != 8)
			continue;
		for (__u32 index = 0; index < bpf_map__max_entries(map); index++) {
			__u64 value = 0;

			if (bpf_map_lookup_elem(bpf_map__fd(map), &index, &value) == 0)
				printf("%s[%u]=%llu\n", bpf_map__name(map), index,
				       (unsigned long long)value);
		}
	}
}

int main(int argc, char **argv)
{
	struct bpf_object *object;
	struct bpf_program *program;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJECT\n", argv[0]);
		return 1;
	}
	libbpf_set_print(print_libbpf);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	object = bpf_object__open_file(argv[1], NULL);
	if (!object) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 1;
	}
	if (bpf_object__load(object)) {
		fprintf(stderr, "cannot load %s\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(program, object) {
		if (!bpf_program__attach(program)) {
			fprintf(stderr, "cannot attach %s\n", bpf_program__name(program));
			return 1;
		}
	}
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		usleep(20 * 1000);
	print_arrays(object);
	bpf_object__close(object);
	return 0;
}
