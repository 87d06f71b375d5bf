//! Property: a program whose identifiers are C keywords, macros and
//! typedefs of the headers the outputs include, C library and libbpf
//! functions, or names the generated code uses itself is accepted and
//! builds under `-Wall -Werror` (both C files) — whichever of those names
//! each declaration gets. Programs come from one template whose every
//! user name (constants, a struct and its fields, an enum and its values,
//! a global, a config block and its field, a helper, a userspace function,
//! their parameters and locals) is drawn at random, without repeats, from
//! the lists below; the generator is seeded, so a failure reproduces.
//! Needs clang, bpftool, cc and libbpf, not the kernel.

mod support;

/// Names the checker accepts at every place of the template.
const ANYWHERE: &[&str] = &[
    // C keywords that are not KernelScript keywords or types (`int` is
    // KernelScript's name for `i32`).
    "unsigned",
    "signed",
    "short",
    "long",
    "double",
    "float",
    "typedef",
    "union",
    "switch",
    "case",
    "goto",
    "register",
    "volatile",
    "static",
    "auto",
    "inline",
    "restrict",
    "do",
    "asm",
    "typeof",
    "_Bool",
    // Macros and typedefs of the headers either output includes.
    "ETH_P_IP",
    "LIBBPF_PIN_BY_NAME",
    "SEC",
    "NULL",
    "EOF",
    "ENOMEM",
    "bpf_printk",
    "__u32",
    "uint32_t",
    // C library and libbpf functions and objects.
    "memset",
    "memcpy",
    "index",
    "link",
    "exit",
    "printf",
    "abort",
    "strlen",
    "strcpy",
    "free",
    "malloc",
    "errno",
    "stdout",
    "stderr",
    "abs",
    "signal",
    "time",
    "open",
    "close",
    "read",
    "write",
    "puts",
    "bpf_object",
    // Names the generated code uses itself.
    "flags",
    "ks_skel",
    "ks_main",
    "result",
    "deferred",
    "data",
    "skel",
    "obj",
    "err",
    "ret",
    "value",
    "i",
    "args",
    "argc",
    "argv",
    "opts",
    "map",
    "counts_fd",
    // KernelScript builtins a user may shadow.
    "load",
    "attach",
    "sleep",
];

/// Names that are the language's or the kernel's at file scope (a located
/// error there) but free for locals, parameters and fields.
const NOT_AT_FILE_SCOPE: &[&str] = &[
    "TC_ACT_OK",
    "BPF_ANY",
    "XDP_DROP",
    "bpf_map_update_elem",
    "bool",
    "char",
    "void",
    "u32",
    "size_t",
    "main",
    "key",
    // A kernel struct (`struct bpf_link` in the kernel's BTF) and libbpf's.
    "bpf_link",
];

/// Every place of the template, and whether it is at file scope.
const PLACES: &[(&str, bool)] = &[
    ("C1", true),
    ("C2", true),
    ("S1", true),
    ("F1", false),
    ("F2", false),
    ("F3", false),
    ("E1", true),
    ("V1", true),
    ("V2", true),
    ("V3", true),
    ("G1", true),
    ("CFG", true),
    ("K1", false),
    ("H1", true),
    ("P1", false),
    ("P2", false),
    ("L1", false),
    ("L2", false),
    ("L3", false),
    ("L4", false),
    ("L5", false),
    ("U1", true),
    ("P3", false),
    ("L6", false),
    ("L7", false),
];

const TEMPLATE: &str = r#"
const C1: u32 = 7
const C2: u64 = 0x10
struct S1 { F1: u32, F2: u64, F3: u16 }
enum E1 { V1 = 1, V2 = 2, V3 = 3 }
var G1: u64 = 0
var counts : hash<u32, S1>(16)
config CFG { K1: u32 = 5 }

@helper
fn H1(P1: u32, P2: u32) -> u32 {
    var L1 = P1 + P2
    var L2 = L1 * 2
    return L2 - L1
}

@xdp
fn prog(ctx: *xdp_md) -> xdp_action {
    var L3: u32 = H1(C1, CFG.K1)
    var L4: u32 = 0
    if (var L5 = counts[L4]) {
        L5.F1 += L3
    } else {
        counts[L4] = S1 { F1: L3, F2: C2, F3: 1 }
    }
    G1 += C2
    return XDP_PASS
}

fn U1(P3: E1) -> u32 {
    return match (P3) {
        V1: 10,
        V2: 20,
        default: 0,
    }
}

fn main() -> i32 {
    var L6 = U1(V2)
    var L7: u32 = C1 + L6
    print("x", L7, G1)
    return 0
}
"#;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// The template with every place named from the lists, no name twice.
fn program(rng: &mut Rng) -> (String, Vec<(&'static str, &'static str)>) {
    let mut chosen: Vec<(&str, &str)> = Vec::new();
    for &(place, file_scope) in PLACES {
        let name = loop {
            let pick = rng.below(ANYWHERE.len() + NOT_AT_FILE_SCOPE.len());
            let name = if pick < ANYWHERE.len() {
                ANYWHERE[pick]
            } else if file_scope {
                continue;
            } else {
                NOT_AT_FILE_SCOPE[pick - ANYWHERE.len()]
            };
            if chosen.iter().all(|(_, used)| *used != name) {
                break name;
            }
        };
        chosen.push((place, name));
    }
    (substitute(TEMPLATE, &chosen), chosen)
}

/// Replaces whole-word placeholders (`C1` but not the `C1` of `CFG1`).
fn substitute(template: &str, names: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let name = names
            .iter()
            .find(|(place, _)| place == word)
            .map_or(word.as_str(), |(_, name)| name);
        out.push_str(name);
        word.clear();
    };
    for c in template.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[test]
fn the_template_names_every_place() {
    let names: Vec<(&str, &str)> = PLACES.iter().map(|(place, _)| (*place, "zz")).collect();
    let text = substitute(TEMPLATE, &names);
    for (place, _) in PLACES {
        assert!(TEMPLATE.contains(place));
        assert!(
            !text
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|word| word == *place),
            "{place} left in the program"
        );
    }
}

#[test]
fn programs_named_after_c_names_build_without_warnings() {
    let mut rng = Rng(0x6b73_5f63_6e61_6d65);
    for case in 0..40 {
        let (source, names) = program(&mut rng);
        let outcome = std::panic::catch_unwind(|| {
            let project = support::build("c-names", &format!("case{case}"), &source);
            assert!(project.binary.exists());
        });
        assert!(
            outcome.is_ok(),
            "case {case} failed; its names: {names:?}\n{source}"
        );
    }
}
