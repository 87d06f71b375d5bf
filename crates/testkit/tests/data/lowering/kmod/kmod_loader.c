// SPDX-License-Identifier: GPL-2.0
/*
 * The start-up and exit sequence generated userspace follows when its
 * programs call `@kfunc`s: load the kernel module before the BPF object,
 * unload it at exit only if this process loaded it, after everything
 * that holds it (programs, links) is gone.
 *
 *   kmod_loader file|memory MODULE.ko MODULE_NAME OBJECT PROGRAM [PIN]
 *
 * `file` loads the module with finit_module(2) from MODULE.ko; `memory`
 * reads it first and uses init_module(2), as a program carrying its
 * module embedded (like its BPF object) would. Then it opens and loads
 * OBJECT (libbpf resolves the kfunc externs against the module's BTF),
 * runs PROGRAM once on a zeroed 64-byte frame, optionally pins it at PIN
 * (something outliving this process that holds the module), closes the
 * object and unloads the module if it loaded it. Lines on stdout say
 * what happened; errors go to stderr with exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static const char *program_name = "kmod_loader";

static bool module_is_loaded(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

static const char *module_error_hint(int err)
{
	switch (err) {
	case EPERM:
		return " (loading modules needs CAP_SYS_MODULE; a locked-down or Secure Boot kernel refuses unsigned modules)";
	case ENOEXEC:
		return " (the module was built for another kernel)";
	case EINVAL:
		return " (the kernel refused the module's kfunc registration)";
	default:
		return "";
	}
}

/* Loads the module unless a module of that name is loaded already.
 * Sets *ours when this call loaded it. 0 or -errno. */
static int load_module(bool from_memory, const char *path, const char *name, bool *ours)
{
	*ours = false;
	if (module_is_loaded(name)) {
		printf("module %s: already loaded, not ours\n", name);
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		fprintf(stderr, "%s: cannot open kernel module %s: %s\n", program_name, path,
			strerror(err));
		return -err;
	}
	int ret;

	if (from_memory) {
		struct stat st;
		void *image = NULL;

		ret = fstat(fd, &st);
		if (ret == 0) {
			image = malloc(st.st_size);
			ret = image && read(fd, image, st.st_size) == st.st_size ? 0 : -1;
		}
		if (ret == 0)
			ret = syscall(SYS_init_module, image, (unsigned long)st.st_size, "");
		free(image);
	} else {
		ret = syscall(SYS_finit_module, fd, "", 0);
	}
	int err = errno;

	close(fd);
	if (ret != 0 && err == EEXIST) {
		printf("module %s: loaded meanwhile by another process, not ours\n", name);
		return 0;
	}
	if (ret != 0) {
		fprintf(stderr, "%s: cannot load kernel module %s: %s%s\n", program_name, path,
			strerror(err), module_error_hint(err));
		return -err;
	}
	*ours = true;
	printf("module %s: loaded\n", name);
	return 0;
}

/* Unloads the module if this process loaded it. A closed BPF object
 * releases the module a moment later (programs are freed after an RCU
 * grace period), and delete_module never waits (EAGAIN while the module
 * is held), so this retries for up to two seconds. */
static void unload_module(const char *name, bool ours)
{
	int tries = 0;

	if (!ours)
		return;
	while (syscall(SYS_delete_module, name, O_NONBLOCK) != 0) {
		if (errno != EAGAIN || ++tries == 40) {
			fprintf(stderr, "%s: kernel module %s stays loaded: %s\n", program_name,
				name, strerror(errno));
			printf("module %s: stays loaded\n", name);
			return;
		}
		usleep(50 * 1000);
	}
	printf("module %s: unloaded (%d retries)\n", name, tries);
}

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: %s file|memory MODULE.ko MODULE_NAME OBJECT PROGRAM [PIN]\n",
			argv[0]);
		return 2;
	}
	bool from_memory = strcmp(argv[1], "memory") == 0;
	const char *module_path = argv[2], *module_name = argv[3];
	bool ours;

	if (load_module(from_memory, module_path, module_name, &ours) != 0)
		return 1;
	int status = 1;
	struct bpf_object *obj = bpf_object__open_file(argv[4], NULL);

	if (!obj || bpf_object__load(obj) != 0) {
		fprintf(stderr, "%s: cannot load %s: %s\n", program_name, argv[4], strerror(errno));
		goto out;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, argv[5]);

	if (!prog) {
		fprintf(stderr, "%s: no program %s\n", program_name, argv[5]);
		goto out;
	}
	unsigned char frame[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &run) != 0) {
		fprintf(stderr, "%s: BPF_PROG_TEST_RUN: %s\n", program_name, strerror(errno));
		goto out;
	}
	printf("run %s %u\n", argv[5], run.retval);
	if (argc == 7 && bpf_program__pin(prog, argv[6]) != 0) {
		fprintf(stderr, "%s: pinning at %s: %s\n", program_name, argv[6], strerror(errno));
		goto out;
	}
	status = 0;
out:
	bpf_object__close(obj);
	unload_module(module_name, ours);
	return status;
}
