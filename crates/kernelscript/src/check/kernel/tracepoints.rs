//! The context struct of each `@tracepoint("category/event")` program,
//! from the kernel's BTF: the event's own `trace_event_raw_EVENT`, or the
//! struct of its event class (`sched/sched_wakeup` is read through
//! `trace_event_raw_sched_wakeup_template`), checked field by field against
//! the event's tracefs format file when the driver could read one
//! (`btf::Tracepoints::context`). Syscall events use
//! `trace_event_raw_sys_enter` / `_sys_exit`.
//!
//! Before signatures are resolved, each event's context is found and, when
//! no type of that name exists, `trace_event_raw_EVENT` is made a name for
//! it, so a program may declare `ctx: *trace_event_raw_sched_wakeup` (the
//! spelling of the language spec) or the kernel's real struct, and reads
//! its fields without declaring any struct.

use btf::{TracepointError, TracepointFormat};

use crate::ir::{StructId, Type};
use crate::syntax::ast;

use super::super::env::Symbol;
use super::super::Checker;

/// The context of one tracepoint target, or why there is none.
pub(crate) type TracepointContext = Result<StructId, TracepointError>;

impl Checker<'_> {
    /// Finds the context struct of every `@tracepoint` program's event and
    /// names it `trace_event_raw_EVENT` where that name is free.
    pub(crate) fn prepare_tracepoint_contexts(&mut self) {
        let sources: Vec<&ast::FunctionDecl> =
            self.fn_sources.iter().map(|source| source.decl).collect();
        for decl in sources {
            for attribute in &decl.attributes {
                let Some(target) = self.string_arg(attribute) else {
                    continue;
                };
                let Some((category, event)) =
                    crate::kinds::tracepoint_event(&attribute.name.name, &target)
                else {
                    continue;
                };
                if self.kernel_tracepoints.contains_key(&target) {
                    continue;
                }
                let context = self.find_tracepoint_context(category, event);
                if let Ok(id) = context {
                    let alias = format!("{}{event}", btf::EVENT_STRUCT_PREFIX);
                    if self.env.prelude_symbol(&alias).is_none()
                        && self.kernel.type_named(&alias).is_none()
                    {
                        let _ = self.env.define(&alias, Symbol::Struct(id), None);
                    }
                }
                self.kernel_tracepoints.insert(target.clone(), context);
            }
        }
    }

    fn find_tracepoint_context(&mut self, category: &str, event: &str) -> TracepointContext {
        let key = format!("{category}/{event}");
        let format = self
            .kernel
            .formats
            .get(&key)
            .and_then(|text| TracepointFormat::parse(text).ok());
        let found = self
            .kernel
            .tracepoints()
            .context(category, event, format.as_ref())?;
        match self.import_btf_type(found.struct_id, true) {
            Type::Struct(id) => Ok(id),
            _ => Err(TracepointError::NoContextStruct {
                event: event.to_string(),
                reason: "its struct is not a struct",
            }),
        }
    }

    /// The context found for `target` (`prepare_tracepoint_contexts`).
    pub(crate) fn tracepoint_context(&self, target: &str) -> Option<&TracepointContext> {
        self.kernel_tracepoints.get(target)
    }
}
