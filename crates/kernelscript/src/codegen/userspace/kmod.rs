//! Loading the kernel module of the `@kfunc` functions
//! (docs/design/kernel-lowering.md §7.3): before the eBPF object is loaded
//! (its `extern ... __ksym` kfuncs resolve against the module's BTF), the
//! program inserts `kmod/NAME_kfuncs.ko` from beside its executable with
//! `finit_module`, unless a module of that name is loaded already (then it
//! is not ours, and it must carry this build's `MODULE_VERSION`, or the
//! program stops with a message); the `atexit` cleanup, after the object is destroyed,
//! removes the module only if this program inserted it. Emits C text only.

use super::runtime::emit;
use super::Generator;
use crate::codegen::c::CWriter;

/// The loader's functions, when the program has a kernel module.
pub fn write_loader(generator: &Generator, out: &mut CWriter) {
    let Some(module) = &generator.plan.kernel_module else {
        return;
    };
    let version = generator
        .plan
        .kernel_module_version
        .as_deref()
        .unwrap_or_default();
    let text = LOADER
        .replace("@MODULE@", module)
        .replace("@VERSION@", version);
    emit(out, generator, &text);
}

/// `ks_load_kernel_module();` as the first step of loading the object.
pub fn load_call(generator: &Generator) -> Option<&'static str> {
    generator
        .plan
        .kernel_module
        .as_ref()
        .map(|_| "    ks_load_kernel_module();")
}

/// `ks_unload_kernel_module();` at the end of the cleanup.
pub fn unload_call(generator: &Generator) -> Option<&'static str> {
    generator
        .plan
        .kernel_module
        .as_ref()
        .map(|_| "    ks_unload_kernel_module();")
}

/// The includes the loader needs.
pub const INCLUDES: &[&str] = &[
    "fcntl.h",
    "limits.h",
    "sys/stat.h",
    "sys/syscall.h",
    "time.h",
];

const LOADER: &str = r#"
/* The kernel module of the @kfunc functions: inserted before the object
 * loads, removed at exit if this program inserted it. */
static bool ks_module_inserted;

static void ks_load_kernel_module(void)
{
    char path[PATH_MAX];
    char exe[PATH_MAX - 128]; /* room for /kmod/NAME.ko */
    struct stat st;
    ssize_t len;
    char *slash;
    int fd;

    if (stat("/sys/module/@MODULE@", &st) == 0) {
        /* Loaded already: not ours to remove, and usable only if it is
         * this build's module (another build's kfuncs may differ). */
        char version[64] = "";
        FILE *file = fopen("/sys/module/@MODULE@/version", "r");

        if (file) {
            if (!fgets(version, sizeof(version), file))
                version[0] = '\0';
            fclose(file);
        }
        version[strcspn(version, "\n")] = '\0';
        if (strcmp(version, "@VERSION@") != 0) {
            fprintf(stderr, "@NAME@: kernel module @MODULE@ is already loaded from another build (version %s, this program needs @VERSION@): unload it with `rmmod @MODULE@`\n",
                    version[0] ? version : "none");
            exit(1);
        }
        return;
    }
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len < 0)
        len = 0;
    exe[len] = '\0';
    slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(path, sizeof(path), "%s/kmod/@MODULE@.ko", slash ? exe : ".");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "@NAME@: cannot open kernel module %s: %s (build it with `make module`)\n", path, strerror(errno));
        exit(1);
    }
    if (syscall(SYS_finit_module, fd, "", 0) != 0) {
        int err = errno;

        close(fd);
        if (err == EEXIST)
            return; /* another process inserted it first: not ours */
        fprintf(stderr, "@NAME@: cannot load kernel module %s: %s%s\n", path, strerror(err),
                err == EPERM ? " (loading modules needs CAP_SYS_MODULE; a locked-down or Secure Boot kernel refuses unsigned modules)" :
                err == ENOEXEC ? " (the module was built for another kernel)" :
                err == EINVAL ? " (the kernel refused the module's kfunc registration: this kernel may not let these program types call module kfuncs)" : "");
        exit(1);
    }
    close(fd);
    ks_module_inserted = true;
}

/* A closed object releases the module after an RCU grace period, and
 * delete_module never waits: retry for up to two seconds. */
static void ks_unload_kernel_module(void)
{
    struct timespec pause = { 0, 50 * 1000 * 1000 };

    if (!ks_module_inserted)
        return;
    for (int i = 0; i < 40; i++) {
        if (syscall(SYS_delete_module, "@MODULE@", O_NONBLOCK) == 0 || errno == ENOENT)
            return;
        if (errno != EAGAIN && errno != EBUSY)
            break;
        nanosleep(&pause, NULL);
    }
    fprintf(stderr, "@NAME@: kernel module @MODULE@ stays loaded: %s\n", strerror(errno));
}
"#;
