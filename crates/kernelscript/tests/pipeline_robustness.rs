//! The whole front end and the generators never panic, whatever the input.
//!
//! Seeds are the end-to-end programs in `tests/e2e/` (valid, realistic
//! programs); each is mutated thousands of times — lines dropped,
//! duplicated or swapped, tokens replaced by other tokens, bytes flipped —
//! and every mutant goes through `driver::analyze` and, when it checks,
//! `driver::generate`. A deterministic xorshift generator keeps failures
//! reproducible (the failing mutant is printed).

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read their data files

mod support;

use kernelscript::driver::{self, GenerateOptions, NoIncludes};
use std::path::Path;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e");
    let mut seeds: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("tests/e2e exists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "ks"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 10, "expected the e2e programs as seeds");
    seeds
}

/// Runs one input through the pipeline; a panic fails the test with the input.
fn compile(name: &str, text: &str) {
    let result = std::panic::catch_unwind(|| {
        let analysis = driver::analyze(name, text, &mut NoIncludes, support::kernel());
        if let Some(program) = analysis.program() {
            let mut options = GenerateOptions::new("fuzz");
            options.tests = true;
            let outputs = driver::generate(program, &analysis.sources, &options);
            assert!(outputs.ebpf_c.contains("LICENSE"));
        }
        for diagnostic in analysis.diagnostics.iter() {
            for label in &diagnostic.labels {
                let file_text = analysis.sources.text(label.span.file);
                assert!(
                    label.span.end as usize <= file_text.len(),
                    "span past the end"
                );
                assert!(file_text.is_char_boundary(label.span.start as usize));
                assert!(file_text.is_char_boundary(label.span.end as usize));
            }
        }
    });
    if result.is_err() {
        panic!("the pipeline panicked on this input ({name}):\n{text}");
    }
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ";",
    "\n",
    "->",
    ".",
    "=",
    "+=",
    "&",
    "|",
    "<<",
    "as",
    "u8",
    "u64",
    "*",
    "-",
    "!",
    "~",
    "var",
    "if",
    "else",
    "for",
    "in",
    "..",
    "while",
    "return",
    "break",
    "continue",
    "match",
    "default",
    "try",
    "catch",
    "throw",
    "defer",
    "delete",
    "null",
    "true",
    "0",
    "18446744073709551615",
    "\"s\"",
    "'c'",
    "ctx",
    "sizeof",
    "@xdp",
    "@helper",
    "fn",
    "struct",
    "enum",
    "const",
    "config",
    "local",
    "pin",
];

fn mutate(rng: &mut XorShift, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(3) {
        if lines.is_empty() {
            break;
        }
        let at = rng.below(lines.len());
        match rng.below(6) {
            0 => {
                lines.remove(at);
            }
            1 => {
                let line = lines[at].clone();
                lines.insert(at, line);
            }
            2 => {
                let other = rng.below(lines.len());
                lines.swap(at, other);
            }
            3 => {
                let words: Vec<&str> = lines[at].split(' ').collect();
                let pick = rng.below(words.len());
                let token = TOKENS[rng.below(TOKENS.len())];
                let replaced: Vec<&str> = words
                    .iter()
                    .enumerate()
                    .map(|(i, word)| if i == pick { token } else { *word })
                    .collect();
                lines[at] = replaced.join(" ");
            }
            4 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                let line = &lines[at];
                let cut = rng.below(line.len() + 1);
                let cut = (0..=cut)
                    .rev()
                    .find(|&i| line.is_char_boundary(i))
                    .unwrap_or(0);
                lines[at] = format!("{}{token}{}", &line[..cut], &line[cut..]);
            }
            _ => {
                let line = &lines[at];
                let cut = rng.below(line.len() + 1);
                let cut = (0..=cut)
                    .rev()
                    .find(|&i| line.is_char_boundary(i))
                    .unwrap_or(0);
                lines[at] = line[..cut].to_string();
            }
        }
    }
    lines.join("\n")
}

#[test]
fn the_seeds_themselves_compile() {
    for (name, text) in seeds() {
        let analysis = driver::analyze(&name, &text, &mut NoIncludes, support::kernel());
        assert!(
            analysis.program().is_some(),
            "{name} should check cleanly: {:?}",
            analysis
                .diagnostics
                .iter()
                .map(|d| &d.message)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn mutated_programs_never_panic() {
    let seeds = seeds();
    let mut rng = XorShift(0x5eed_cafe_f00d_1234);
    let mut checked_ok = 0;
    for round in 0..4000 {
        let (name, text) = &seeds[round % seeds.len()];
        let mutant = mutate(&mut rng, text);
        compile(name, &mutant);
        if driver::analyze(name, &mutant, &mut NoIncludes, support::kernel())
            .program()
            .is_some()
        {
            checked_ok += 1;
        }
    }
    // Some mutants (dropped comment lines, duplicated statements) are still
    // valid programs, so the generators were exercised too.
    assert!(
        checked_ok > 100,
        "only {checked_ok} mutants checked cleanly"
    );
}

#[test]
fn hostile_inputs_never_panic() {
    let deep_if = "@xdp fn f(ctx: *xdp_md) -> xdp_action {\n".to_string()
        + &"if (true) {\n".repeat(5000)
        + &"}\n".repeat(5000)
        + "return XDP_PASS\n}\n";
    let long_chain = format!(
        "@xdp fn f(ctx: *xdp_md) -> xdp_action {{\nvar x: u32 = {}1\nreturn XDP_PASS\n}}\n",
        "1 + ".repeat(20000)
    );
    let many_functions: String = (0..2000)
        .map(|i| format!("@helper fn h{i}() -> u32 {{ return h{}() }}\n", i + 1))
        .collect();
    let deep_struct: String = (0..3000)
        .map(|i| format!("struct S{i} {{ inner: S{} }}\n", i + 1))
        .collect();
    let self_struct =
        "struct S { s: S }\n@xdp fn f(ctx: *xdp_md) -> xdp_action { var s: S\n return XDP_PASS }\n";
    let huge_array =
        "@xdp fn f(ctx: *xdp_md) -> xdp_action { var a: u8[4294967295]\n return XDP_PASS }\n";
    for (name, text) in [
        ("deep_if", deep_if.as_str()),
        ("long_chain", long_chain.as_str()),
        ("many_functions", many_functions.as_str()),
        ("deep_struct", deep_struct.as_str()),
        ("self_struct", self_struct),
        ("huge_array", huge_array),
        ("garbage", "\u{0}\u{7f}\u{feff}@@@ fn fn fn ((((]]]] \"\\x"),
    ] {
        compile(name, text);
    }
}
