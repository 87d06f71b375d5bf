//! Tracepoints: the context struct a `SEC("tracepoint/CAT/EVENT")`
//! program reads, and the argument list of a raw tracepoint
//! (`tp_btf`/`raw_tp`).
//!
//! BTF names no category and does not say which event class an event
//! belongs to. It does hold, for every event, the typedef
//! `btf_trace_<event>` (a pointer to the raw tracepoint's prototype,
//! `void *__data` first); for every event class, the struct
//! `trace_event_raw_<class>` (the record layout) and the function
//! `__bpf_trace_<class>` (same prototype, with parameter names). An event
//! defined with `TRACE_EVENT` is its own class; one defined with
//! `DEFINE_EVENT(class, event)` shares the class's struct (so
//! `sched/sched_wakeup` reads `trace_event_raw_sched_wakeup_template`).
//! [`Tracepoints::context`] finds the struct from those facts and, when
//! the caller passes the event's tracefs `format` file (parsed by
//! [`TracepointFormat::parse`]), checks every field's name, offset and
//! size against it. The `syscalls` category is special: its per-syscall
//! events have no struct of their own and are read through
//! `trace_event_raw_sys_enter` (`long id; unsigned long args[6]`) and
//! `trace_event_raw_sys_exit` (`long id; long ret`).
//!
//! This file does no IO: the caller reads
//! `/sys/kernel/tracing/events/CAT/EVENT/format` and passes the text.

use std::collections::BTreeMap;
use std::fmt;

use crate::btf::Btf;
use crate::suggest::closest_names;
use crate::types::{TypeId, TypeKind};

/// Prefix of the typedef BTF holds for each event.
pub const RAW_TRACEPOINT_TYPEDEF_PREFIX: &str = "btf_trace_";
/// Prefix of the record struct of each event class.
pub const EVENT_STRUCT_PREFIX: &str = "trace_event_raw_";
/// Prefix of the BPF probe function of each event class.
pub const CLASS_FUNCTION_PREFIX: &str = "__bpf_trace_";

/// Where a tracefs field's data lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldLocation {
    /// In the record, at `offset`.
    Inline,
    /// `__data_loc`: a `u32` at `offset` holding the data's offset (low 16
    /// bits) and length (high 16 bits) from the record start; BTF names
    /// the member `__data_loc_<name>`.
    DataLocation,
    /// `__rel_loc`: like `__data_loc`, relative to the field's end; BTF
    /// names the member `__rel_loc_<name>`.
    RelativeLocation,
}

/// One `field:` line of a tracefs format file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatField {
    /// The C declaration as tracefs prints it, e.g. `char comm[16]`.
    pub declaration: String,
    /// The field name, e.g. `comm`.
    pub name: String,
    /// Byte offset in the record.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
    /// Whether tracefs calls it signed.
    pub is_signed: bool,
    /// Inline or dynamic (`__data_loc`, `__rel_loc`).
    pub location: FieldLocation,
}

/// A parsed `/sys/kernel/tracing/events/CAT/EVENT/format` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracepointFormat {
    /// The event name (`name:` line).
    pub name: String,
    /// The event id (`ID:` line), if present.
    pub id: Option<u32>,
    /// The `common_*` fields every record starts with (`struct trace_entry`).
    pub common_fields: Vec<FormatField>,
    /// The event's own fields, in order.
    pub fields: Vec<FormatField>,
}

/// A format file line that does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: &'static str,
}

impl fmt::Display for FormatError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "tracepoint format line {}: {}",
            self.line, self.reason
        )
    }
}

impl std::error::Error for FormatError {}

impl TracepointFormat {
    /// Parses the text of a tracefs format file. Lines other than `name:`,
    /// `ID:` and `field:` lines (the `print fmt:`) are ignored.
    pub fn parse(text: &str) -> Result<TracepointFormat, FormatError> {
        let mut format = TracepointFormat {
            name: String::new(),
            id: None,
            common_fields: Vec::new(),
            fields: Vec::new(),
        };
        for (index, line) in text.lines().enumerate() {
            let line_number = index + 1;
            let trimmed = line.trim();
            if let Some(name) = trimmed.strip_prefix("name:") {
                format.name = name.trim().to_string();
            } else if let Some(id) = trimmed.strip_prefix("ID:") {
                format.id = Some(id.trim().parse().map_err(|_| FormatError {
                    line: line_number,
                    reason: "the ID is not a number",
                })?);
            } else if trimmed.starts_with("field:") {
                let field = parse_field(trimmed).ok_or(FormatError {
                    line: line_number,
                    reason: "expected `field:DECLARATION; offset:N; size:N; signed:N;`",
                })?;
                if field.name.starts_with("common_") && format.fields.is_empty() {
                    format.common_fields.push(field);
                } else {
                    format.fields.push(field);
                }
            }
        }
        Ok(format)
    }
}

fn parse_field(line: &str) -> Option<FormatField> {
    let mut declaration = None;
    let mut offset = None;
    let mut size = None;
    let mut is_signed = false;
    for part in line.split(';') {
        let part = part.trim();
        if let Some(text) = part.strip_prefix("field:") {
            declaration = Some(text.trim().to_string());
        } else if let Some(number) = part.strip_prefix("offset:") {
            offset = number.trim().parse().ok();
        } else if let Some(number) = part.strip_prefix("size:") {
            size = number.trim().parse().ok();
        } else if let Some(number) = part.strip_prefix("signed:") {
            is_signed = number.trim() == "1";
        }
    }
    let declaration = declaration?;
    let (location, rest) = if let Some(rest) = declaration.strip_prefix("__data_loc ") {
        (FieldLocation::DataLocation, rest)
    } else if let Some(rest) = declaration.strip_prefix("__rel_loc ") {
        (FieldLocation::RelativeLocation, rest)
    } else {
        (FieldLocation::Inline, declaration.as_str())
    };
    let name = declarator_name(rest)?.to_string();
    Some(FormatField {
        name,
        offset: offset?,
        size: size?,
        is_signed,
        location,
        declaration,
    })
}

/// The identifier a C declaration declares: the last identifier once
/// trailing array suffixes are removed (`char comm[16]` → `comm`, `const
/// char *const * argv` → `argv`, tracefs's `char[] name` → `name`).
fn declarator_name(declaration: &str) -> Option<&str> {
    let mut before_array = declaration.trim_end();
    while let Some(rest) = before_array.strip_suffix(']') {
        before_array = rest[..rest.rfind('[')?].trim_end();
    }
    let start = before_array
        .rfind(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
        .map_or(0, |position| position + 1);
    let name = &before_array[start..];
    (!name.is_empty() && !name.starts_with(|character: char| character.is_ascii_digit()))
        .then_some(name)
}

/// How the context struct was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextSource {
    /// The event is its own class: `trace_event_raw_<event>`.
    Event,
    /// The event belongs to another class: `trace_event_raw_<class>`.
    EventClass,
    /// A `syscalls/sys_enter_*` or `sys_exit_*` event, read through
    /// `trace_event_raw_sys_enter` / `trace_event_raw_sys_exit`.
    Syscall,
}

/// The context struct of a tracepoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracepointContext<'btf> {
    /// The struct's id.
    pub struct_id: TypeId,
    /// The struct's name, e.g. `trace_event_raw_sched_wakeup_template`.
    pub struct_name: &'btf str,
    /// The event class (`struct_name` without `trace_event_raw_`).
    pub class: &'btf str,
    /// How it was found.
    pub source: ContextSource,
    /// Whether a format file was given and every field of it matches the
    /// struct (name, offset, size; for syscalls, the argument slots).
    pub checked_against_format: bool,
    /// Other classes that fit the evidence equally well (same prototype
    /// and, if a format was given, the same layout). The choice among them
    /// does not change any offset when a format was given; without one,
    /// it is the class whose name shares the longest prefix with the event.
    pub alternatives: Vec<&'btf str>,
}

/// Why no context struct was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TracepointError {
    /// BTF knows no such event (no `btf_trace_<event>` typedef, no
    /// `trace_event_raw_<event>` struct), e.g. a typo or an event of a
    /// module that is not loaded.
    UnknownEvent {
        /// The event asked for.
        event: String,
        /// Known events with similar names.
        suggestions: Vec<String>,
    },
    /// The event exists but no struct in BTF fits it (its class struct was
    /// not emitted into BTF, or none matches the format file).
    NoContextStruct {
        /// The event asked for.
        event: String,
        /// What was tried.
        reason: &'static str,
    },
}

impl fmt::Display for TracepointError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TracepointError::UnknownEvent { event, suggestions } => {
                write!(formatter, "the kernel has no tracepoint event `{event}`")?;
                if !suggestions.is_empty() {
                    write!(formatter, " (did you mean `{}`?)", suggestions.join("`, `"))?;
                }
                Ok(())
            }
            TracepointError::NoContextStruct { event, reason } => write!(
                formatter,
                "no context struct found for tracepoint event `{event}`: {reason}"
            ),
        }
    }
}

impl std::error::Error for TracepointError {}

/// A raw tracepoint's arguments (what `tp_btf`/`raw_tp` programs get),
/// from the `btf_trace_<event>` typedef, without the leading `void *`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawTracepoint<'btf> {
    /// The `btf_trace_<event>` typedef.
    pub typedef_id: TypeId,
    /// `(name, type)` of each argument. The typedef's prototype has no
    /// names; they come from the event class's `__bpf_trace_<class>`
    /// function when one with the same types is found, else are empty.
    pub arguments: Vec<(&'btf str, TypeId)>,
}

/// Tracepoint knowledge of one [`Btf`], with the class functions indexed
/// by prototype (one pass over the functions, about a millisecond on
/// vmlinux). Build it once per compilation with [`Btf::tracepoints`].
pub struct Tracepoints<'btf> {
    btf: &'btf Btf,
    /// Parameter type ids of each `__bpf_trace_<class>` prototype → the
    /// classes (names without the prefix) and their functions.
    classes_by_prototype: BTreeMap<Vec<TypeId>, Vec<(&'btf str, TypeId)>>,
    /// Event names (from the `btf_trace_<event>` typedefs), sorted.
    events: Vec<&'btf str>,
}

impl Btf {
    /// The tracepoint queries of this BTF (see [`Tracepoints`]).
    pub fn tracepoints(&self) -> Tracepoints<'_> {
        let mut classes_by_prototype: BTreeMap<Vec<TypeId>, Vec<(&str, TypeId)>> = BTreeMap::new();
        for (id, name) in self.names_with_prefix(&[TypeKind::Func], CLASS_FUNCTION_PREFIX) {
            let Some(class) = name.strip_prefix(CLASS_FUNCTION_PREFIX) else {
                continue;
            };
            if let Some(signature) = self.parameter_signature(id) {
                classes_by_prototype
                    .entry(signature)
                    .or_default()
                    .push((class, id));
            }
        }
        let mut events: Vec<&str> = self
            .names_with_prefix(&[TypeKind::Typedef], RAW_TRACEPOINT_TYPEDEF_PREFIX)
            .filter_map(|(_, name)| name.strip_prefix(RAW_TRACEPOINT_TYPEDEF_PREFIX))
            .collect();
        events.sort_unstable();
        events.dedup();
        Tracepoints {
            btf: self,
            classes_by_prototype,
            events,
        }
    }

    /// The parameter type ids of a function-like type.
    fn parameter_signature(&self, id: TypeId) -> Option<Vec<TypeId>> {
        let prototype = self.function_prototype(id).ok()?;
        Some(
            prototype
                .parameters()
                .map(|parameter| parameter.type_id)
                .collect(),
        )
    }
}

impl<'btf> Tracepoints<'btf> {
    /// Every event BTF knows (the `btf_trace_<event>` typedefs), sorted.
    pub fn events(&self) -> &[&'btf str] {
        &self.events
    }

    /// Whether BTF knows an event called `name`.
    pub fn is_event(&self, name: &str) -> bool {
        self.events.binary_search(&name).is_ok()
    }

    /// The context struct of tracepoint `category/event` (see the module
    /// documentation), checked against `format` when given.
    pub fn context(
        &self,
        category: &str,
        event: &str,
        format: Option<&TracepointFormat>,
    ) -> Result<TracepointContext<'btf>, TracepointError> {
        if category == "syscalls" {
            if let Some(context) = self.syscall_context(event, format) {
                return Ok(context);
            }
        }
        let direct = self.event_struct(event);
        let by_prototype = self.classes_with_event_prototype(event);
        if direct.is_none() && by_prototype.is_none() {
            return Err(TracepointError::UnknownEvent {
                event: event.to_string(),
                suggestions: closest_names(event, self.events.iter().copied())
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            });
        }
        // Candidates: the event's own struct, and the structs of the classes
        // whose probe function has the event's prototype.
        let mut candidates: Vec<Candidate<'btf>> = Vec::new();
        if let Some((class, struct_id)) = direct {
            candidates.push(Candidate {
                class,
                struct_id,
                source: ContextSource::Event,
                prototype_matches: by_prototype
                    .as_ref()
                    .is_some_and(|classes| classes.iter().any(|(name, _)| *name == class)),
            });
        }
        for (class, _) in by_prototype.iter().flatten() {
            if direct.is_some_and(|(name, _)| name == *class) {
                continue;
            }
            if let Some((class, struct_id)) = self.event_struct(class) {
                candidates.push(Candidate {
                    class,
                    struct_id,
                    source: ContextSource::EventClass,
                    prototype_matches: true,
                });
            }
        }
        let Some(format) = format else {
            return self
                .choose(category, event, candidates, false)
                .ok_or_else(|| TracepointError::NoContextStruct {
                    event: event.to_string(),
                    reason: "no trace_event_raw_* struct has the event's name or prototype",
                });
        };
        candidates.retain(|candidate| self.matches_format(candidate.struct_id, format));
        if let Some(context) = self.choose(category, event, candidates, true) {
            return Ok(context);
        }
        // The prototype evidence failed (a class function missing from
        // BTF, or an event name shared across categories): any class struct
        // with exactly the format's layout will do.
        let by_layout: Vec<Candidate<'btf>> = self
            .btf
            .names_with_prefix(&[TypeKind::Struct], EVENT_STRUCT_PREFIX)
            .filter_map(|(id, name)| Some((name.strip_prefix(EVENT_STRUCT_PREFIX)?, id)))
            .filter(|(_, id)| self.matches_format(*id, format))
            .map(|(class, struct_id)| Candidate {
                class,
                struct_id,
                source: ContextSource::EventClass,
                prototype_matches: false,
            })
            .collect();
        self.choose(category, event, by_layout, true)
            .ok_or_else(|| TracepointError::NoContextStruct {
                event: event.to_string(),
                reason: "no trace_event_raw_* struct in BTF has the fields of its format file",
            })
    }

    /// Picks the best candidate: prototype evidence first, then
    /// [`class_rank`]. The rest become `alternatives`.
    fn choose(
        &self,
        category: &str,
        event: &str,
        mut candidates: Vec<Candidate<'btf>>,
        checked_against_format: bool,
    ) -> Option<TracepointContext<'btf>> {
        candidates.sort_by_key(|candidate| {
            (
                !candidate.prototype_matches,
                class_rank(
                    event,
                    category,
                    candidate.class,
                    self.is_event(candidate.class),
                    candidate.struct_id,
                ),
            )
        });
        candidates.dedup_by_key(|candidate| candidate.class);
        let chosen = *candidates.first()?;
        Some(TracepointContext {
            struct_id: chosen.struct_id,
            struct_name: self.btf.name_of(chosen.struct_id),
            class: chosen.class,
            source: chosen.source,
            checked_against_format,
            alternatives: candidates[1..]
                .iter()
                .map(|candidate| candidate.class)
                .collect(),
        })
    }

    /// `trace_event_raw_<class>`, with the class name borrowed from BTF.
    fn event_struct(&self, class: &str) -> Option<(&'btf str, TypeId)> {
        let id = self
            .btf
            .find_by_name(TypeKind::Struct, &format!("{EVENT_STRUCT_PREFIX}{class}"))?;
        let name = self.btf.name_of(id).strip_prefix(EVENT_STRUCT_PREFIX)?;
        Some((name, id))
    }

    /// The classes whose `__bpf_trace_<class>` has the prototype of
    /// `btf_trace_<event>`; `None` if there is no such typedef.
    fn classes_with_event_prototype(&self, event: &str) -> Option<Vec<(&'btf str, TypeId)>> {
        let typedef = self.btf.find_by_name(
            TypeKind::Typedef,
            &format!("{RAW_TRACEPOINT_TYPEDEF_PREFIX}{event}"),
        )?;
        let signature = self.btf.parameter_signature(typedef)?;
        Some(
            self.classes_by_prototype
                .get(&signature)
                .cloned()
                .unwrap_or_default(),
        )
    }

    fn syscall_context(
        &self,
        event: &str,
        format: Option<&TracepointFormat>,
    ) -> Option<TracepointContext<'btf>> {
        let (class, argument_slots) = if event.starts_with("sys_enter_") {
            ("sys_enter", 6)
        } else if event.starts_with("sys_exit_") {
            ("sys_exit", 1)
        } else {
            return None;
        };
        let (class, struct_id) = self.event_struct(class)?;
        // After `long id` at 8 come 8-byte slots: args[0..6] or ret.
        let checked = format.is_some_and(|format| {
            format.fields.iter().all(|field| {
                (field.name == "__syscall_nr" && field.offset == 8)
                    || (field.offset >= 16
                        && (field.offset - 16) % 8 == 0
                        && (field.offset - 16) / 8 < argument_slots
                        && field.size <= 8)
            })
        });
        if format.is_some() && !checked {
            return None;
        }
        Some(TracepointContext {
            struct_id,
            struct_name: self.btf.name_of(struct_id),
            class,
            source: ContextSource::Syscall,
            checked_against_format: checked,
            alternatives: Vec::new(),
        })
    }

    /// Whether struct `id` has exactly the format's fields: each field is a
    /// member of the same name (`__data_loc_<name>` / `__rel_loc_<name>`
    /// for dynamic fields) at the same offset with the same size, and every
    /// member but the leading `ent` and a trailing empty `__data` is one of
    /// the fields.
    pub fn matches_format(&self, id: TypeId, format: &TracepointFormat) -> bool {
        let Ok(members) = self.btf.members(id) else {
            return false;
        };
        let mut matched = 0;
        for member in members {
            if member.name == "ent" && member.bit_offset == 0 {
                continue;
            }
            let size = self.btf.size_of(member.type_id).unwrap_or(u32::MAX);
            if member.name == "__data" && size == 0 {
                continue;
            }
            let field = format.fields.iter().find(|field| {
                let expected_name = match field.location {
                    FieldLocation::Inline => field.name.clone(),
                    FieldLocation::DataLocation => format!("__data_loc_{}", field.name),
                    FieldLocation::RelativeLocation => format!("__rel_loc_{}", field.name),
                };
                expected_name == member.name
            });
            match field {
                Some(field)
                    if !member.is_bitfield()
                        && member.bit_offset == field.offset * 8
                        && size == field.size =>
                {
                    matched += 1
                }
                _ => return false,
            }
        }
        matched == format.fields.len()
    }

    /// The arguments of raw tracepoint `event` (`tp_btf/<event>`).
    pub fn raw_tracepoint(&self, event: &str) -> Option<RawTracepoint<'btf>> {
        let typedef_id = self.btf.find_by_name(
            TypeKind::Typedef,
            &format!("{RAW_TRACEPOINT_TYPEDEF_PREFIX}{event}"),
        )?;
        let prototype = self.btf.function_prototype(typedef_id).ok()?;
        // Names from the class function `context` would choose.
        let named = self
            .classes_with_event_prototype(event)
            .unwrap_or_default()
            .into_iter()
            .min_by_key(|&(class, function)| {
                class_rank(event, "", class, self.is_event(class), function)
            })
            .and_then(|(_, function)| self.btf.function_prototype(function).ok());
        let arguments = prototype
            .parameters()
            .enumerate()
            .skip(1)
            .map(|(index, parameter)| {
                let name = named
                    .and_then(|named| named.parameter(index))
                    .map_or("", |named| named.name);
                (name, parameter.type_id)
            })
            .collect();
        Some(RawTracepoint {
            typedef_id,
            arguments,
        })
    }
}

/// One possible context struct.
#[derive(Clone, Copy)]
struct Candidate<'btf> {
    class: &'btf str,
    struct_id: TypeId,
    source: ContextSource,
    /// Whether the class's probe function has the event's prototype.
    prototype_matches: bool,
}

/// Sort key among classes of equal prototype evidence, best first: the
/// event's own class; then a class that is not itself an event (a pure
/// `DECLARE_EVENT_CLASS`, which exists to be shared, rather than a
/// `TRACE_EVENT` that happens to have the same prototype); then one whose
/// name contains the category (`xfs_*` classes for `xfs/` events); then
/// the longest substring shared with the event name; then the lowest id.
fn class_rank(
    event: &str,
    category: &str,
    class: &str,
    class_is_event: bool,
    id: TypeId,
) -> (bool, bool, bool, std::cmp::Reverse<usize>, TypeId) {
    (
        class != event,
        class_is_event,
        category.is_empty() || !class.contains(category),
        std::cmp::Reverse(longest_common_substring(class, event)),
        id,
    )
}

/// Length of the longest common substring of two short names.
fn longest_common_substring(left: &str, right: &str) -> usize {
    let (left, right) = (left.as_bytes(), right.as_bytes());
    let mut previous = vec![0usize; right.len() + 1];
    let mut current = vec![0usize; right.len() + 1];
    let mut longest = 0;
    for &left_byte in left {
        for (column, &right_byte) in right.iter().enumerate() {
            current[column + 1] = if left_byte == right_byte {
                previous[column] + 1
            } else {
                0
            };
            longest = longest.max(current[column + 1]);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_substrings() {
        assert_eq!(
            longest_common_substring("btrfs__block_group", "btrfs_add_block_group"),
            12
        );
        assert_eq!(longest_common_substring("abc", "xyz"), 0);
        assert_eq!(longest_common_substring("", "xyz"), 0);
    }

    #[test]
    fn declarator_names() {
        assert_eq!(declarator_name("char comm[16]"), Some("comm"));
        assert_eq!(declarator_name("const char *const * argv"), Some("argv"));
        assert_eq!(declarator_name("unsigned long args[]"), Some("args"));
        assert_eq!(declarator_name("pid_t pid"), Some("pid"));
        assert_eq!(declarator_name("char[] name"), Some("name"));
        assert_eq!(declarator_name("int"), Some("int"));
        assert_eq!(declarator_name("x[4]"), Some("x"));
        assert_eq!(declarator_name("*"), None);
    }
}
