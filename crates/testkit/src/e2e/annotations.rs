//! Finding and parsing the directives of an end-to-end test file.
//!
//! A directive is a whole-line `//` comment whose text starts with a
//! lower-case name and a colon (`// run: ...`). Any other comment is prose
//! and ignored; a directive-like comment with an unknown name, or a known
//! directive trailing code on the same line, is an error, so a typo can never
//! silently disable a check. The syntax itself is documented in
//! `tests/e2e/README.md`. Nothing here loads or runs anything.

use std::fmt;

use super::lexer::{parse_int, Cursor};
use super::packet_spec::parse_packet;
use super::values::{parse_value, Value};

/// One parsed directive with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// 1-based line number in the test file.
    pub line: usize,
    /// The directive as written, without the leading `//`.
    pub text: String,
    pub kind: DirectiveKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectiveKind {
    /// `run: PROG(PACKET) == RESULT`
    Run {
        prog: String,
        packet: Vec<u8>,
        expect: Retval,
    },
    /// `out: PACKET` — the previous run's output packet, exactly.
    Out { packet: Vec<u8> },
    /// `map: NAME[KEY] == VALUE | sum VALUE | absent`
    Map {
        map: String,
        key: Value,
        expect: MapExpect,
    },
    /// `map-set: NAME[KEY] = VALUE`
    MapSet {
        map: String,
        key: Value,
        value: Value,
    },
    /// `map-delete: NAME[KEY]`
    MapDelete { map: String, key: Value },
    /// `map-set-prog: NAME[KEY] = PROG` — stores program `PROG`'s fd in a
    /// program array (so tail calls through `NAME[KEY]` reach `PROG`).
    MapSetProg {
        map: String,
        key: Value,
        prog: String,
    },
    /// `global: NAME == VALUE`
    Global { name: String, expect: Value },
    /// `global-set: NAME = VALUE` (before the first load-needing directive:
    /// initial value, `.rodata` included; afterwards: live write)
    GlobalSet { name: String, value: Value },
    /// `expect-load-error: TEXT` — loading must fail, log containing TEXT.
    ExpectLoadError { needle: String },
    /// `verified: PROG <= N` — the verifier processed at most N
    /// instructions loading program `PROG`.
    Verified { prog: String, at_most: u32 },
}

/// An expected program return value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retval {
    pub value: u32,
    /// The action name, when one was written (`XDP_DROP`).
    pub name: Option<String>,
}

impl fmt::Display for Retval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{n} ({})", self.value as i32),
            None => write!(f, "{}", self.value as i32),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapExpect {
    Value(Value),
    /// Per-CPU maps: the integer summed over all CPUs.
    Sum(Value),
    Absent,
}

/// Every directive name, for the "unknown directive" message.
pub const DIRECTIVE_NAMES: &[&str] = &[
    "run",
    "out",
    "map",
    "map-set",
    "map-delete",
    "map-set-prog",
    "global",
    "global-set",
    "expect-load-error",
    "verified",
];

/// If `comment` (text after `//`) looks like a directive, its name and the rest.
fn split_directive(comment: &str) -> Option<(&str, &str)> {
    let comment = comment.trim_start();
    let colon = comment.find(':')?;
    let name = &comment[..colon];
    let rest = &comment[colon + 1..];
    let well_formed = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    (well_formed && (rest.is_empty() || rest.starts_with(char::is_whitespace)))
        .then_some((name, rest.trim()))
}

/// Parses all directives of a file. Errors carry the 1-based line number.
pub fn parse_file(source: &str) -> Result<Vec<Directive>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let lineno = i + 1;
        let trimmed = line.trim_start();
        if let Some(comment) = trimmed.strip_prefix("//") {
            if comment.starts_with('/') || comment.starts_with('!') {
                continue; // doc comments are prose
            }
            let Some((name, rest)) = split_directive(comment) else {
                continue;
            };
            let kind = parse_directive(name, rest).map_err(|e| (lineno, e))?;
            out.push(Directive {
                line: lineno,
                text: comment.trim().to_string(),
                kind,
            });
        } else if let Some(pos) = line.find("//") {
            if let Some((name, _)) = split_directive(&line[pos + 2..]) {
                if DIRECTIVE_NAMES.contains(&name) {
                    return Err((
                        lineno,
                        format!("directive `{name}:` must be on a line of its own, not after code"),
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Parses the text after `name:`.
pub fn parse_directive(name: &str, rest: &str) -> Result<DirectiveKind, String> {
    if name == "expect-load-error" {
        if rest.is_empty() {
            return Err("expect-load-error needs the text the load log must contain".into());
        }
        return Ok(DirectiveKind::ExpectLoadError {
            needle: rest.to_string(),
        });
    }
    let mut c = Cursor::new(rest)?;
    let kind = match name {
        "run" => {
            let prog = c.word("a program name")?;
            c.expect_punct('(', "after the program name")?;
            let packet = parse_packet(&mut c)?;
            c.expect_punct(')', "to close the packet")?;
            c.expect_word("==", "before the expected return value")?;
            let expect = parse_retval(&c.word("a return value (XDP_*, TC_ACT_* or an integer)")?)?;
            DirectiveKind::Run {
                prog,
                packet,
                expect,
            }
        }
        "out" => DirectiveKind::Out {
            packet: parse_packet(&mut c)?,
        },
        "map" => {
            let (map, key) = map_slot(&mut c)?;
            c.expect_word("==", "after the key")?;
            let expect = if c.eat_word("absent") {
                MapExpect::Absent
            } else if c.eat_word("sum") {
                let v = parse_value(&mut c)?;
                if !matches!(v, Value::Int { .. }) {
                    return Err("`sum` needs an integer value such as `u64 3`".into());
                }
                MapExpect::Sum(v)
            } else {
                MapExpect::Value(parse_value(&mut c)?)
            };
            DirectiveKind::Map { map, key, expect }
        }
        "map-set" => {
            let (map, key) = map_slot(&mut c)?;
            c.expect_word("=", "after the key")?;
            DirectiveKind::MapSet {
                map,
                key,
                value: parse_value(&mut c)?,
            }
        }
        "map-set-prog" => {
            let (map, key) = map_slot(&mut c)?;
            c.expect_word("=", "after the key")?;
            DirectiveKind::MapSetProg {
                map,
                key,
                prog: c.word("a program name")?,
            }
        }
        "map-delete" => {
            let (map, key) = map_slot(&mut c)?;
            DirectiveKind::MapDelete { map, key }
        }
        "global" => {
            let name = c.word("a global variable name")?;
            c.expect_word("==", "after the variable name")?;
            DirectiveKind::Global {
                name,
                expect: parse_value(&mut c)?,
            }
        }
        "global-set" => {
            let name = c.word("a global variable name")?;
            c.expect_word("=", "after the variable name")?;
            DirectiveKind::GlobalSet {
                name,
                value: parse_value(&mut c)?,
            }
        }
        "verified" => {
            let prog = c.word("a program name")?;
            c.expect_word("<=", "after the program name")?;
            let at_most = parse_int(&c.word("the most verified instructions")?)?;
            let at_most = u32::try_from(at_most)
                .map_err(|_| format!("{at_most} is not a count of instructions"))?;
            DirectiveKind::Verified { prog, at_most }
        }
        other => {
            return Err(format!(
            "unknown directive `{other}:` (known: {}; prose comments must not start with `word:`)",
            DIRECTIVE_NAMES.join(", ")
        ))
        }
    };
    c.expect_end("after the directive")?;
    Ok(kind)
}

fn map_slot(c: &mut Cursor) -> Result<(String, Value), String> {
    let map = c.word("a map name")?;
    c.expect_punct('[', "after the map name")?;
    let key = parse_value(c)?;
    c.expect_punct(']', "after the key")?;
    Ok((map, key))
}

/// `XDP_DROP`, `TC_ACT_SHOT`, `2`, `-1`.
pub fn parse_retval(word: &str) -> Result<Retval, String> {
    if let Some((name, value)) = crate::ACTION_NAMES.iter().find(|(n, _)| *n == word) {
        return Ok(Retval {
            value: *value,
            name: Some(name.to_string()),
        });
    }
    if word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let names: Vec<&str> = crate::ACTION_NAMES.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "unknown return value `{word}` (known: {})",
            names.join(" ")
        ));
    }
    let v = parse_int(word)?;
    if !(i128::from(i32::MIN)..=i128::from(u32::MAX)).contains(&v) {
        return Err(format!("return value {v} does not fit in 32 bits"));
    }
    Ok(Retval {
        value: v as u32,
        name: None,
    })
}

/// The action name for `value` in the family a program type uses, if any.
pub fn action_name(prog_type: crate::ProgramType, value: u32) -> Option<&'static str> {
    let prefix = match prog_type {
        crate::ProgramType::Xdp => "XDP_",
        crate::ProgramType::SchedCls | crate::ProgramType::SchedAct => "TC_ACT_",
        _ => return None,
    };
    crate::ACTION_NAMES
        .iter()
        .find(|(n, v)| n.starts_with(prefix) && *v == value)
        .map(|(n, _)| *n)
}
