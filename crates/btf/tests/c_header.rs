//! The C header emitter: exact text for a hand-built blob that exercises
//! each rule, then clang as the judge: the hand-built layouts with
//! `_Static_assert`s, a minimal header for the kernel types real programs
//! use compiled with libbpf's headers under `-Wall -Wextra -Werror` (and
//! producing CO-RE relocations against the right types), and every type of
//! the host's and the 6.1 guest's vmlinux at once with every record's size
//! and member offsets asserted. Loading a CO-RE program into the kernel is
//! `core_kernel.rs`. These tests only run clang, never the kernel.

mod common;
mod guest_image;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use btf::{Btf, CHeader, HeaderOptions, TypeId, TypeKind};
use common::{BlobBuilder, INT_SIGNED};

fn bare() -> HeaderOptions {
    HeaderOptions {
        include_guard: None,
        base_typedefs: false,
        preserve_access_index: false,
    }
}

/// A scratch directory for this test binary.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("btf-c-header-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Compiles `source` (next to which `header` is written as `types.h`) with
/// the flags of a user's Makefile plus `-Wall -Wextra -Werror`; returns the
/// object's bytes (and removes `dir`) or panics with clang's output,
/// leaving `dir` to look at.
fn compile(dir: &Path, header: &str, source: &str) -> Vec<u8> {
    std::fs::write(dir.join("types.h"), header).expect("write header");
    let c_file = dir.join("program.bpf.c");
    std::fs::write(&c_file, source).expect("write source");
    let object = dir.join("program.bpf.o");
    testkit::build_bpf_object_with(&c_file, &object, &["-Wall", "-Wextra", "-Werror"])
        .unwrap_or_else(|error| panic!("{error}"));
    let bytes = std::fs::read(&object).expect("object");
    let _ = std::fs::remove_dir_all(dir);
    bytes
}

/// `_Static_assert`s of the size of every record `header` defines and the
/// offset of each of its named, non-bitfield members (anonymous members
/// flattened, as `offsetof` sees them).
fn layout_asserts(btf: &Btf, header: &CHeader) -> String {
    let mut asserts = String::new();
    for (&id, name) in &header.names {
        let keyword = match btf.kind_of(id) {
            Some(TypeKind::Struct) => "struct",
            Some(TypeKind::Union) => "union",
            _ => continue,
        };
        if !header.text.contains(&format!("\n{keyword} {name} {{\n")) {
            continue; // only declared
        }
        let size = btf.size_of(id).expect("records have sizes");
        let _ = writeln!(
            asserts,
            "_Static_assert(sizeof({keyword} {name}) == {size}, \"size of {name}\");"
        );
        for member in btf.flattened_members(id).expect("members") {
            if member.is_bitfield {
                continue;
            }
            let _ = writeln!(
                asserts,
                "_Static_assert(__builtin_offsetof({keyword} {name}, {field}) == {offset}, \
                 \"{name}.{field}\");",
                field = member.member.name,
                offset = member.byte_offset()
            );
        }
    }
    asserts
}

/// A holder struct that needs each rule: a self-referencing struct by
/// value, a struct only behind pointers, bitfields (with a 1-byte enum
/// among them), a packed struct, an anonymous union, a function-pointer
/// typedef and tail padding from over-alignment.
fn hand_built() -> (Btf, u32) {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let unsigned_char = builder.int("unsigned char", 1, 0, 8);
    let long = builder.int("long int", 8, INT_SIGNED, 64);
    let node_pointer = builder.pointer(builder.next_id() + 1);
    let node = builder.structure(
        "node",
        16,
        &[("next", node_pointer, 0, 0), ("value", int, 64, 0)],
    );
    let opaque = builder.structure("opaque", 4, &[("x", int, 0, 0)]);
    let opaque_pointer = builder.pointer(opaque);
    let small = builder.enumeration("small", 1, false, &[("SMALL_A", 0), ("SMALL_B", 200)]);
    let flags = builder.structure(
        "flags",
        4,
        &[
            ("a", unsigned_char, 0, 1),
            ("b", unsigned_char, 3, 4),
            ("mode", small, 8, 0),
            ("c", int, 16, 12),
        ],
    );
    let wire = builder.structure(
        "wire",
        5,
        &[("tag", unsigned_char, 0, 0), ("length", int, 8, 0)],
    );
    let anonymous = builder.union("", 8, &[("as_long", long, 0, 0), ("as_int", int, 0, 0)]);
    let prototype =
        builder.function_prototype(int, &[("n", node_pointer), ("o", opaque_pointer)], false);
    let callback = builder.pointer(prototype);
    let callback_t = builder.typedef("callback_t", callback);
    let holder = builder.structure(
        "holder",
        64,
        &[
            ("head", node, 0, 0),
            ("", anonymous, 128, 0),
            ("flags", flags, 192, 0),
            ("packet", wire, 224, 0),
            ("run", callback_t, 320, 0),
            ("other", opaque_pointer, 384, 0),
        ],
    );
    (
        Btf::parse(&builder.build()).expect("hand-built blob parses"),
        holder,
    )
}

const HAND_BUILT_HEADER: &str = "\
/* Kernel types for a BPF program, emitted from BTF by KernelScript.
 * Only the types the program uses and what they need. */

/* libbpf's bpf_tracing.h reads kernel pt_regs field names when this is set. */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__
#endif

struct flags;
struct holder;
struct node;
struct opaque;
struct wire;

struct node {
\tstruct node *next;
\tint value;
};

enum small {
\tSMALL_A = 0,
\tSMALL_B = 200,
} __attribute__((mode(QI)));

struct flags {
\tunsigned char a: 1;
\tchar: 2;
\tunsigned char b: 4;
\tenum small mode;
\tint c: 12;
};

struct wire {
\tunsigned char tag;
\tint length;
} __attribute__((packed));

typedef int (*callback_t)(struct node *, struct opaque *);

struct holder {
\tstruct node head;
\tunion {
\t\tlong int as_long;
\t\tint as_int;
\t};
\tstruct flags flags;
\tstruct wire packet;
\tcallback_t run;
\tstruct opaque *other;
\tlong: 64;
};

";

#[test]
fn hand_built_header_text() {
    let (btf, holder) = hand_built();
    let header = btf.c_header(&[TypeId(holder)], &bare()).expect("emits");
    assert_eq!(header.text, HAND_BUILT_HEADER);
    assert_eq!(header.name_of(TypeId(holder)), Some("holder"));
}

#[test]
fn hand_built_header_layouts_compile_as_recorded() {
    let (btf, holder) = hand_built();
    let header = btf.c_header(&[TypeId(holder)], &bare()).expect("emits");
    let asserts = layout_asserts(&btf, &header);
    assert!(asserts.matches("_Static_assert").count() >= 15, "{asserts}");
    let source = format!(
        "#include \"types.h\"\n{asserts}\
         _Static_assert(sizeof(enum small) == 1, \"1-byte enum\");\n\
         int use(struct holder *h) {{ return h->flags.c + h->as_int + h->flags.b; }}\n"
    );
    compile(&scratch("hand-built"), &header.text, &source);
}

#[test]
fn duplicate_names_and_compiler_builtins_are_renamed() {
    let mut builder = BlobBuilder::new();
    let int = builder.int("int", 4, INT_SIGNED, 32);
    let first = builder.structure("dup", 4, &[("a", int, 0, 0)]);
    let second = builder.structure("dup", 8, &[("a", int, 0, 0), ("b", int, 32, 0)]);
    let first_enum = builder.enumeration("color", 4, false, &[("RED", 0), ("GREEN", 1)]);
    let second_enum = builder.enumeration("", 4, false, &[("RED", 5)]);
    let character = builder.int("char", 1, INT_SIGNED | 2, 8);
    let tag = builder.structure("__va_list_tag", 24, &[("gp_offset", int, 0, 0)]);
    let list = builder.array(tag, int, 1);
    let builtin = builder.typedef("__builtin_va_list", list);
    let constant = builder.constant(character);
    let name = builder.array(constant, int, 8);
    let constant_name = builder.constant(name);
    let uses = builder.structure(
        "uses",
        52,
        &[
            ("one", first, 0, 0),
            ("two", second, 32, 0),
            ("paint", first_enum, 96, 0),
            ("shade", second_enum, 128, 0),
            ("args", builtin, 160, 0),
            ("label", constant_name, 352, 0),
        ],
    );
    let btf = Btf::parse(&builder.build()).expect("parses");
    let header = btf.c_header(&[TypeId(uses)], &bare()).expect("emits");
    assert_eq!(header.name_of(TypeId(first)), Some("dup"));
    assert_eq!(header.name_of(TypeId(second)), Some("dup___2"));
    assert_eq!(
        header.name_of(TypeId(builtin)),
        Some("__builtin_va_list___2")
    );
    assert!(header.text.contains("\tRED___2 = 5,\n"), "{}", header.text);
    assert!(
        header.text.contains("\tconst char label[8];\n"),
        "{}",
        header.text
    );
    let asserts = layout_asserts(&btf, &header);
    let source = format!("#include \"types.h\"\n{asserts}");
    compile(&scratch("duplicates"), &header.text, &source);
}

fn kernel() -> Option<Btf> {
    match std::fs::read("/sys/kernel/btf/vmlinux") {
        Ok(bytes) => Some(Btf::from_vec(bytes).expect("vmlinux parses")),
        Err(error) => {
            assert!(!testkit::kernel_required(), "no vmlinux BTF: {error}");
            println!("skipped: no /sys/kernel/btf/vmlinux: {error}");
            None
        }
    }
}

/// The kernel types the programs people write use.
const PROGRAM_ROOTS: [(TypeKind, &str); 13] = [
    (TypeKind::Struct, "task_struct"),
    (TypeKind::Struct, "filename"),
    (TypeKind::Struct, "sock"),
    (TypeKind::Struct, "sk_buff"),
    (TypeKind::Struct, "xdp_md"),
    (TypeKind::Struct, "__sk_buff"),
    (TypeKind::Struct, "trace_event_raw_sched_wakeup_template"),
    (TypeKind::Struct, "pt_regs"),
    (TypeKind::Struct, "tcp_congestion_ops"),
    (TypeKind::Struct, "file"),
    (TypeKind::Struct, "dentry"),
    (TypeKind::Enum, "bpf_map_type"),
    (TypeKind::Enum, "xdp_action"),
];

fn roots(kernel: &Btf) -> Vec<TypeId> {
    PROGRAM_ROOTS
        .iter()
        .map(|(kind, name)| {
            kernel
                .find_by_name(*kind, name)
                .unwrap_or_else(|| panic!("{kind} {name}"))
        })
        .collect()
}

/// Uses every root the way programs do, with CO-RE reads through kernel
/// pointers and plain context accesses.
const PROGRAM: &str = r#"#include "types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

SEC("tracepoint/sched/sched_wakeup")
int on_wakeup(struct trace_event_raw_sched_wakeup_template *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 parent = BPF_CORE_READ(task, real_parent, tgid);
	__u32 key = 0;
	__u64 value = parent + ctx->pid;
	bpf_map_update_elem(&seen, &key, &value, 0);
	return 0;
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(on_unlink, int dfd, struct filename *name)
{
	const char *text = BPF_CORE_READ(name, name);
	char buffer[16];
	(void)ctx;
	bpf_probe_read_kernel_str(buffer, sizeof(buffer), text);
	return dfd;
}

SEC("fentry/tcp_v4_connect")
int BPF_PROG(on_connect, struct sock *sk)
{
	(void)ctx;
	return sk->__sk_common.skc_family + BPF_CORE_READ(sk, sk_rcvbuf);
}

SEC("kprobe/vfs_read")
int BPF_KPROBE(on_read, struct file *file)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	(void)ctx;
	return BPF_CORE_READ(dentry, d_name.len);
}

SEC("xdp")
int pass(struct xdp_md *ctx)
{
	return ctx->data_end > ctx->data ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int count(struct __sk_buff *skb)
{
	return skb->len > 0;
}

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(ssthresh, struct sock *sk)
{
	(void)ctx;
	return BPF_CORE_READ((struct tcp_sock *)sk, snd_ssthresh);
}
"#;

/// A bounds-checked reader of the `.BTF.ext` CO-RE relocation records:
/// `(type id, access string)` of each.
fn core_relocations(object: &[u8]) -> Vec<(TypeId, String)> {
    let ext = btf::elf::section(object, ".BTF.ext")
        .expect("ELF")
        .expect(".BTF.ext");
    let word = |at: usize| u32::from_le_bytes(ext[at..at + 4].try_into().expect("4 bytes"));
    let header_length = word(4) as usize;
    assert!(header_length >= 32, "no CO-RE part in .BTF.ext");
    let start = header_length + word(24) as usize;
    let length = word(28) as usize;
    let own = btf::elf::section(object, ".BTF")
        .expect("ELF")
        .expect(".BTF");
    let strings_offset = 24 + u32::from_le_bytes(own[16..20].try_into().expect("4")) as usize;
    let string_at = |offset: usize| {
        let tail = &own[strings_offset + offset..];
        let end = tail.iter().position(|&byte| byte == 0).expect("NUL");
        String::from_utf8_lossy(&tail[..end]).into_owned()
    };
    let mut found = Vec::new();
    if length == 0 {
        return found;
    }
    let record_size = word(start) as usize;
    let mut at = start + 4;
    while at < start + length {
        let count = word(at + 4) as usize;
        at += 8;
        for _ in 0..count {
            found.push((TypeId(word(at + 4)), string_at(word(at + 8) as usize)));
            at += record_size;
        }
    }
    found
}

#[test]
fn minimal_header_for_program_types_compiles_with_libbpf_headers() {
    let Some(kernel) = kernel() else { return };
    let roots = roots(&kernel);
    let header = kernel
        .c_header(&roots, &HeaderOptions::default())
        .expect("emits");
    println!(
        "minimal header: {} bytes for {} roots, {} named types",
        header.text.len(),
        roots.len(),
        header.names.len()
    );
    assert!(header.text.len() < 600_000, "{} bytes", header.text.len());
    // tcp_sock is reached through the program's cast, not the roots.
    let tcp_sock = kernel
        .find_by_name(TypeKind::Struct, "tcp_sock")
        .expect("tcp_sock");
    let mut with_tcp_sock = roots.clone();
    with_tcp_sock.push(tcp_sock);
    let header = kernel
        .c_header(&with_tcp_sock, &HeaderOptions::default())
        .expect("emits");
    let bytes = compile(&scratch("program"), &header.text, PROGRAM);

    // The reads through kernel pointers are CO-RE relocations against the
    // program's own copies of the kernel types.
    let own = Btf::from_elf(&bytes).expect("the object's BTF");
    let relocations: Vec<(String, String)> = core_relocations(&bytes)
        .into_iter()
        .map(|(id, access)| (own.name_of(id).to_string(), access))
        .collect();
    for expected in [
        "task_struct",
        "filename",
        "file",
        "dentry",
        "sock",
        "tcp_sock",
        "trace_event_raw_sched_wakeup_template",
    ] {
        assert!(
            relocations.iter().any(|(name, _)| name == expected),
            "no CO-RE relocation on {expected}: {relocations:?}"
        );
    }
}

#[test]
fn layouts_of_the_program_types_are_exact() {
    let Some(kernel) = kernel() else { return };
    let header = kernel
        .c_header(&roots(&kernel), &HeaderOptions::default())
        .expect("emits");
    let source = format!("#include \"types.h\"\n{}", layout_asserts(&kernel, &header));
    compile(&scratch("program-layouts"), &header.text, &source);
}

/// Every struct, union, enum and typedef of `kernel` in one header, with
/// every record's size and member offsets asserted.
fn compile_everything(kernel: &Btf, label: &str) {
    let kinds = [
        TypeKind::Struct,
        TypeKind::Union,
        TypeKind::Enum,
        TypeKind::Enum64,
        TypeKind::Typedef,
    ];
    let all: Vec<TypeId> = kernel.names_of_kinds(&kinds).map(|(id, _)| id).collect();
    let header = kernel
        .c_header(&all, &HeaderOptions::default())
        .expect("emits");
    let asserts = layout_asserts(kernel, &header);
    println!(
        "{label}: {} roots, header {} bytes, {} layout asserts",
        all.len(),
        header.text.len(),
        asserts.matches("_Static_assert").count()
    );
    let source = format!(
        "#include \"types.h\"\n#include <bpf/bpf_helpers.h>\n#include <bpf/bpf_tracing.h>\n\
         #include <bpf/bpf_core_read.h>\n{asserts}char LICENSE[] SEC(\"license\") = \"GPL\";\n"
    );
    compile(&scratch(label), &header.text, &source);
}

#[test]
fn every_type_of_the_host_kernel_compiles_with_exact_layouts() {
    let Some(kernel) = kernel() else { return };
    compile_everything(&kernel, "host-vmlinux");
}

#[test]
fn every_type_of_the_guest_kernel_compiles_with_exact_layouts() {
    let Some(image) = guest_image::vmlinux() else {
        return;
    };
    let kernel = Btf::from_elf(image).expect("guest BTF");
    compile_everything(&kernel, "guest-vmlinux");
}

/// Roots one at a time exercise the minimal ordering (forward declarations
/// instead of definitions) on a spread of kernel structs: every 300th
/// struct or union, each compiled on its own with its layout asserted.
#[test]
fn single_kernel_structs_get_compilable_minimal_headers() {
    let Some(kernel) = kernel() else { return };
    let records: Vec<TypeId> = kernel
        .names_of_kinds(&[TypeKind::Struct, TypeKind::Union])
        .map(|(id, _)| id)
        .step_by(300)
        .collect();
    assert!(records.len() > 30);
    for (index, &id) in records.iter().enumerate() {
        let header = kernel
            .c_header(&[id], &HeaderOptions::default())
            .unwrap_or_else(|error| panic!("{}: {error}", kernel.name_of(id)));
        let keyword = if kernel.kind_of(id) == Some(TypeKind::Union) {
            "union"
        } else {
            "struct"
        };
        let name = header.name_of(id).expect("the root is named");
        let asserts = layout_asserts(&kernel, &header);
        assert!(
            asserts.contains(&format!("sizeof({keyword} {name}) ==")),
            "{keyword} {name} is defined"
        );
        let dir = scratch(&format!("single-{index}"));
        compile(
            &dir,
            &header.text,
            &format!("#include \"types.h\"\n{asserts}"),
        );
    }
    println!("{} single-root headers compiled", records.len());
}
