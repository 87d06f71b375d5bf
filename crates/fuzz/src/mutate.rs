//! The token-level mutator: a seed program is lexed with the compiler's
//! own lexer and changed one to four times — a token deleted, duplicated,
//! swapped with its neighbour or replaced by another token of the corpus,
//! an integer replaced by a boundary value, an identifier by another of
//! the same file, a line dropped, duplicated, swapped or spliced in from
//! another seed. Mutants stay close to real programs, so many of them
//! still check and reach the code generators.

use crate::rng::Rng;
use kernelscript::span::FileId;
use kernelscript::syntax::lexer::lex;
use kernelscript::syntax::token::TokenKind;
use std::collections::BTreeSet;

/// Integer spellings at the edges of the types.
const BOUNDARY_INTEGERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "7",
    "8",
    "31",
    "32",
    "63",
    "64",
    "127",
    "128",
    "255",
    "256",
    "511",
    "512",
    "4096",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483648",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "0x7fffffff",
    "0xffffffffffffffff",
];

/// Tokens worth inserting that the corpus may spell rarely.
const EXTRA_TOKENS: &[&str] = &[
    "u8",
    "u16",
    "u32",
    "u64",
    "i8",
    "i32",
    "i64",
    "bool",
    "str(16)",
    "str(4294967295)",
    "*",
    "&",
    "sizeof",
    "as",
    "null",
    "true",
    "false",
    "var",
    "const",
    "return",
    "if",
    "else",
    "while",
    "for",
    "match",
    "try",
    "catch",
    "throw",
    "defer",
    "break",
    "continue",
    "in",
    "..",
    "->",
    "<<",
    ">>",
    "/",
    "%",
    "==",
    "!=",
    "&&",
    "||",
    "!",
    "~",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ";",
    ":",
    ".",
    "\"\"",
    "\"%d\"",
    "'a'",
    "@helper",
    "@xdp",
    "@tc(\"ingress\")",
    "@test",
    "pin",
    "local",
    "extern",
    "include",
    "struct",
    "enum",
    "impl",
    "fn",
    "type",
    "config",
];

/// What the mutator draws from: the seeds, their tokens and their lines.
pub struct Corpus {
    pub seeds: Vec<Seed>,
    dictionary: Vec<String>,
}

pub struct Seed {
    /// A display name (the seed's path relative to where it was found).
    pub name: String,
    pub text: String,
    /// The directory its includes are read from, if any.
    pub dir: Option<std::path::PathBuf>,
}

impl Corpus {
    pub fn new(seeds: Vec<Seed>) -> Corpus {
        let mut dictionary = BTreeSet::new();
        for seed in &seeds {
            let (tokens, _) = lex(FileId(0), &seed.text);
            for token in tokens {
                let text = &seed.text[token.span.start as usize..token.span.end as usize];
                if !text.is_empty() && text.len() <= 40 {
                    dictionary.insert(text.to_string());
                }
            }
        }
        dictionary.extend(EXTRA_TOKENS.iter().map(|token| token.to_string()));
        dictionary.extend(BOUNDARY_INTEGERS.iter().map(|token| token.to_string()));
        Corpus {
            seeds,
            dictionary: dictionary.into_iter().collect(),
        }
    }

    /// Mutant `index` of the run seeded with `seed`: `(seed file, text)`.
    pub fn mutant(&self, seed: u64, index: u64) -> (usize, String) {
        let mut rng = Rng::for_mutant(seed, index);
        let which = rng.below(self.seeds.len());
        let mut text = self.seeds[which].text.clone();
        let count = 1 + rng.below(4);
        for _ in 0..count {
            text = self.mutate_once(&mut rng, &text);
        }
        (which, text)
    }

    fn mutate_once(&self, rng: &mut Rng, text: &str) -> String {
        let (tokens, _) = lex(FileId(0), text);
        // Every token but the final `Eof`: (start, end, kind).
        let spans: Vec<(usize, usize, TokenKind)> = tokens
            .iter()
            .filter(|token| token.kind != TokenKind::Eof)
            .map(|token| {
                (
                    token.span.start as usize,
                    token.span.end as usize,
                    token.kind,
                )
            })
            .collect();
        if spans.is_empty() {
            return format!("{text}{}", rng.pick(&self.dictionary));
        }
        let (start, end, kind) = *rng.pick(&spans);
        let replace =
            |replacement: &str| format!("{}{replacement}{}", &text[..start], &text[end..]);
        match rng.below(10) {
            0 => replace(""),
            1 => replace(&format!("{0} {0}", &text[start..end])),
            2 | 3 => replace(rng.pick(&self.dictionary).as_str()),
            4 => replace(&format!(
                "{} {}",
                rng.pick(&self.dictionary),
                &text[start..end]
            )),
            5 => {
                let position = spans.iter().position(|span| span.0 == start).unwrap_or(0);
                match spans.get(position + 1) {
                    Some(&(next_start, next_end, _)) => format!(
                        "{}{}{}{}{}",
                        &text[..start],
                        &text[next_start..next_end],
                        &text[end..next_start],
                        &text[start..end],
                        &text[next_end..]
                    ),
                    None => replace(""),
                }
            }
            6 => {
                let integers: Vec<_> = spans
                    .iter()
                    .filter(|span| span.2 == TokenKind::Int)
                    .collect();
                if integers.is_empty() {
                    let integer = BOUNDARY_INTEGERS[rng.below(BOUNDARY_INTEGERS.len())];
                    return replace(integer);
                }
                let &&(start, end, _) = rng.pick(&integers);
                format!(
                    "{}{}{}",
                    &text[..start],
                    rng.pick(BOUNDARY_INTEGERS),
                    &text[end..]
                )
            }
            7 => {
                let names: Vec<&str> = spans
                    .iter()
                    .filter(|span| span.2 == TokenKind::Ident)
                    .map(|span| &text[span.0..span.1])
                    .collect();
                if kind != TokenKind::Ident || names.is_empty() {
                    return replace(rng.pick(&self.dictionary).as_str());
                }
                let name = names[rng.below(names.len())];
                replace(name)
            }
            _ => self.mutate_lines(rng, text),
        }
    }

    fn mutate_lines(&self, rng: &mut Rng, text: &str) -> String {
        let mut lines: Vec<&str> = text.lines().collect();
        if lines.is_empty() {
            return text.to_string();
        }
        let at = rng.below(lines.len());
        match rng.below(4) {
            0 => {
                lines.remove(at);
            }
            1 => lines.insert(at, lines[at]),
            2 => {
                let other = rng.below(lines.len());
                lines.swap(at, other);
            }
            _ => {
                let donor = &rng.pick(&self.seeds).text;
                let donor_lines: Vec<&str> = donor.lines().collect();
                if !donor_lines.is_empty() {
                    lines.insert(at, donor_lines[rng.below(donor_lines.len())]);
                }
            }
        }
        let mut mutated = lines.join("\n");
        mutated.push('\n');
        mutated
    }
}
