//! The wording of every checker diagnostic: one small named constructor per
//! diagnostic, grouped by concern, so all messages can be reviewed together.
//!
//! Conventions: the message is short and lowercase and names the thing in
//! backticks; the primary label says what is wrong at that spot; `help:`
//! says what to do; `note:` gives facts (the expected signature, the call
//! chain). Constructors take plain strings (type names are rendered by the
//! caller) and never look at the program.

mod declarations;
mod expressions;
mod kernel;
mod maps;
mod modules;
mod nullness;
mod objects;
mod ownership;
mod perf;
mod programs;
mod statements;
mod warnings;

pub(crate) use declarations::*;
pub(crate) use expressions::*;
pub(crate) use kernel::*;
pub(crate) use maps::*;
pub(crate) use modules::*;
pub(crate) use nullness::*;
pub(crate) use objects::*;
pub(crate) use ownership::*;
pub(crate) use perf::*;
pub(crate) use programs::*;
pub(crate) use statements::*;
pub(crate) use warnings::*;

use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// "expected `u32`, found `bool`".
pub(crate) fn mismatched_types(span: Span, expected: &str, found: &str) -> Diagnostic {
    Diagnostic::error("mismatched types")
        .primary(span, format!("expected `{expected}`, found `{found}`"))
}

/// A language feature this compiler does not implement (yet).
pub(crate) fn unsupported(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(format!("{what} is not supported yet"))
        .primary(span, "not supported by this compiler yet")
}

pub(crate) fn kfunc_pointer_without_size(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "pointer parameter `{name}` of a @kfunc needs its size in bytes as the next parameter"
    ))
    .primary(span, "the verifier cannot check the memory it points to")
    .help(format!(
        "add the size right after it: `{name}: *u8, {name}_len: u32` (the module names it `{name}__sz`, as the kernel expects)"
    ))
}

/// `a`, `b` and `c`
fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn list_str(items: &[&str]) -> String {
    let owned: Vec<String> = items.iter().map(|item| item.to_string()).collect();
    list(&owned)
}
