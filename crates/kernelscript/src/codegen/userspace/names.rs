//! C identifiers for the userspace program, and C literal spelling.
//!
//! User names are kept as written whenever C allows it. A name is changed
//! (by appending `_`, then `_2`, `_3` ...) only when it is a C keyword, a
//! name the generated code or its headers already use (`printf`, `exit`,
//! `bpf_*` ...), the reserved `ks_`/`KS_` prefix of generated helpers, or a
//! name already taken in the same scope. Struct, field and map names are
//! never renamed: they must match the eBPF object and its skeleton.

use std::collections::BTreeSet;

/// C keywords (C11 and the GNU spellings gcc accepts).
#[rustfmt::skip]
const C_KEYWORDS: &[&str] = &[
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "_Alignas", "_Alignof", "_Atomic",
    "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert",
    "_Thread_local", "asm", "typeof", "__typeof__", "__asm__", "__attribute__", "__extension__",
    "__inline__",
];

/// Names declared by the headers the generated program includes, or used
/// by the generated runtime, that a user function or variable must not
/// shadow or redefine.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    // stdbool / stddef / stdint / linux/types
    "bool", "true", "false", "NULL", "size_t", "ssize_t", "ptrdiff_t", "offsetof", "int8_t",
    "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "__u8",
    "__u16", "__u32", "__u64", "__s8", "__s16", "__s32", "__s64",
    // predefined GNU macros
    "linux", "unix", "i386",
    // stdio
    "printf", "fprintf", "sprintf", "snprintf", "vprintf", "vfprintf", "puts", "fputs",
    "putchar", "putc", "fputc", "getchar", "getc", "fgetc", "gets", "fgets", "scanf", "sscanf",
    "fscanf", "fopen", "fclose", "fflush", "fread", "fwrite", "fseek", "ftell", "rewind",
    "perror", "remove", "rename", "setvbuf", "setbuf", "stdin", "stdout", "stderr", "FILE",
    "EOF", "tmpfile", "feof", "ferror", "clearerr", "ungetc", "dprintf",
    // stdlib
    "exit", "_exit", "abort", "atexit", "malloc", "calloc", "realloc", "free", "abs", "labs",
    "llabs", "div", "ldiv", "rand", "srand", "random", "srandom", "atoi", "atol", "atoll",
    "strtol", "strtoul", "strtoll", "strtoull", "strtod", "qsort", "bsearch", "getenv",
    "setenv", "unsetenv", "system", "mkstemp", "realpath", "EXIT_SUCCESS", "EXIT_FAILURE",
    // string / strings
    "memcpy", "memmove", "memset", "memcmp", "memchr", "strlen", "strnlen", "strcpy", "strncpy",
    "strcat", "strncat", "strcmp", "strncmp", "strchr", "strrchr", "strstr", "strdup",
    "strndup", "strerror", "strtok", "strspn", "strcspn", "strcasecmp", "strncasecmp", "index",
    "rindex", "bzero", "bcopy", "bcmp", "ffs",
    // errno / signal / setjmp
    "errno", "signal", "raise", "kill", "sigaction", "sigemptyset", "sigaddset", "sigprocmask",
    "sigsuspend", "sig_atomic_t", "setjmp", "longjmp", "jmp_buf",
    // unistd / fcntl / sys/stat / net/if / time
    "read", "write", "open", "close", "sleep", "usleep", "pause", "alarm", "fork", "pipe",
    "dup", "dup2", "link", "unlink", "rmdir", "mkdir", "chdir", "getpid", "getppid", "getuid",
    "geteuid", "sync", "truncate", "nice", "daemon", "execvp", "execv", "access", "lseek",
    "isatty", "optarg", "optind", "environ", "if_nametoindex", "if_indextoname", "time",
    "clock", "clock_gettime", "nanosleep", "timespec", "select", "poll", "socket", "bind",
    "connect", "listen", "accept", "send", "recv", "sendto", "recvfrom", "shutdown", "stat",
    "fstat", "lstat", "chmod", "umask", "execlp", "fcntl", "syscall",
    // the program's own entry point
    "main",
];

/// Macros of the included headers that a local must not be named after,
/// and the functions generated code calls inside user functions (a local
/// of that name would hide them). Other libc names may be locals.
#[rustfmt::skip]
const LOCAL_RESERVED: &[&str] = &[
    "bool", "true", "false", "NULL", "errno", "stdin", "stdout", "stderr", "offsetof",
    "va_start", "va_end", "va_arg", "va_copy", "sa_handler", "sa_sigaction", "si_pid", "si_uid",
    "si_status", "si_addr", "linux", "unix", "i386", "printf", "memcpy", "memset", "memmove",
    "setjmp", "main",
];

/// Prefixes of names owned by libbpf or by the generated runtime.
#[rustfmt::skip]
const RESERVED_PREFIXES: &[&str] = &[
    "ks_", "KS_", "bpf_", "btf_", "libbpf_", "ring_buffer_", "perf_buffer_", "__",
];

pub fn is_c_keyword(name: &str) -> bool {
    C_KEYWORDS.contains(&name)
}

fn is_reserved(name: &str) -> bool {
    is_c_keyword(name)
        || RESERVED.contains(&name)
        || RESERVED_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// Hands out unique C identifiers within one scope.
#[derive(Clone, Default)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    pub fn new() -> Namer {
        Namer::default()
    }

    /// Marks `name` as used without checking it (names fixed by the eBPF
    /// object, or generated names known to be unique).
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    /// A C name for the user's `name`: `name` itself when it is free and
    /// not reserved, otherwise `name_`, `name_2`, `name_3` ...
    pub fn user_name(&mut self, name: &str) -> String {
        let mut candidate = if is_reserved(name) {
            format!("{name}_")
        } else {
            name.to_string()
        };
        let base = candidate.clone();
        let mut counter = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}_{counter}");
            counter += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// A C name for the user's local `name`: like [`Namer::user_name`], but
    /// only keywords, header macros and functions generated code calls in
    /// function bodies are avoided (a local may shadow other libc names).
    pub fn local_name(&mut self, name: &str) -> String {
        let reserved = is_c_keyword(name)
            || LOCAL_RESERVED.contains(&name)
            || RESERVED_PREFIXES
                .iter()
                .any(|prefix| name.starts_with(prefix));
        let mut candidate = if reserved {
            format!("{name}_")
        } else {
            name.to_string()
        };
        let base = candidate.clone();
        let mut counter = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}_{counter}");
            counter += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// A fresh generated name: `base`, else `base_2`, `base_3` ...
    /// (`base` may use the reserved prefixes).
    pub fn fresh(&mut self, base: &str) -> String {
        let mut candidate = base.to_string();
        let mut counter = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}_{counter}");
            counter += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_avoid_keywords_reserved_names_and_each_other() {
        let mut namer = Namer::new();
        assert_eq!(namer.user_name("count"), "count");
        assert_eq!(namer.user_name("count"), "count_2");
        assert_eq!(namer.user_name("int"), "int_");
        assert_eq!(namer.user_name("printf"), "printf_");
        assert_eq!(namer.user_name("ks_state"), "ks_state_");
        assert_eq!(namer.user_name("bpf_thing"), "bpf_thing_");
    }
}
