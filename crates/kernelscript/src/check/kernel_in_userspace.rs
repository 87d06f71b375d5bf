//! Userspace code cannot read kernel memory: a `->` through a pointer to a
//! kernel struct in a userspace function is an error unless userspace C
//! has the struct (a header it includes defines it, or the skeleton's
//! shared types hold it by value, as with a tracepoint record in a ring
//! buffer). Run after the bodies are lowered; reads the IR only.

use crate::codegen::userspace::types::userspace_has_definition;
use crate::ir::visit::walk_block_exprs;
use crate::ir::{ExprKind, Origin, Target, Type};

use super::{errors, Checker};

impl Checker<'_> {
    pub(crate) fn check_kernel_reads_in_userspace(&mut self) {
        let program = &self.program;
        let mut found = Vec::new();
        for function in &program.functions {
            if function.kind.target() != Target::Userspace {
                continue;
            }
            walk_block_exprs(&function.body, &mut |expr| {
                let ExprKind::Arrow { base, .. } = &expr.kind else {
                    return;
                };
                let Type::Pointer(pointee) = &base.ty else {
                    return;
                };
                let Type::Struct(id) = **pointee else {
                    return;
                };
                let def = program.struct_def(id);
                if def.origin == Origin::Kernel && !userspace_has_definition(program, id) {
                    found.push((expr.span, def.name.clone()));
                }
            });
        }
        for (span, name) in found {
            self.report(errors::kernel_read_in_userspace(span, &name));
        }
    }
}
