//! Warnings about a program that checked without errors: variables
//! declared and never read, maps nothing reads, and kernel module
//! allocations that may sleep in code an eBPF program calls. Computed on the finished IR
//! (never on a program with errors, whose holes would look unused); the
//! wording is in `errors/warnings.rs`. Nothing here changes the program.

use crate::diagnostic::Diagnostic;
use crate::ir::visit::{unread_locals, walk_block_exprs, walk_stmts};
use crate::ir::{
    Builtin, Callee, ExprKind, Function, FunctionKind, MapKind, Method, Program, StmtKind, Target,
};

use super::errors;

/// Every warning for `program`, in declaration order.
pub(crate) fn warnings(program: &Program) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for function in &program.functions {
        found.extend(unused_variables(function));
    }
    found.extend(maps_never_read(program));
    found.extend(sleeping_allocations(program));
    found
}

/// `new T(GFP_KERNEL)` (a flag that may sleep) in module code an eBPF
/// program or struct_ops method reaches through calls: no program kind
/// this compiler generates is sleepable, so each such allocation is
/// reported once, naming the first program (declaration order) and the
/// chain of calls. Kfuncs no program calls are left alone (they may be
/// meant for other objects, whose programs may sleep).
fn sleeping_allocations(program: &Program) -> Vec<Diagnostic> {
    let callees = |function: &Function| {
        let mut callees = Vec::new();
        walk_block_exprs(&function.body, &mut |expr| {
            if let ExprKind::Call {
                callee: Callee::Function(id),
                ..
            } = &expr.kind
            {
                if !callees.contains(id) {
                    callees.push(*id);
                }
            }
        });
        callees
    };
    let mut reported = Vec::new();
    let mut found = Vec::new();
    for function in &program.functions {
        let label = match &function.kind {
            FunctionKind::Program(decl) => decl.kind.descriptor().label,
            FunctionKind::StructOpsMethod { .. } => "struct_ops method",
            _ => continue,
        };
        // Depth first, each function once per program, with its chain.
        let mut seen = Vec::new();
        let mut stack = vec![(function, vec![function.name.clone()])];
        while let Some((caller, chain)) = stack.pop() {
            for callee in callees(caller) {
                if seen.contains(&callee) {
                    continue;
                }
                seen.push(callee);
                let callee = program.function(callee);
                let mut chain = chain.clone();
                chain.push(callee.name.clone());
                if callee.kind.target() == Target::KernelModule {
                    walk_block_exprs(&callee.body, &mut |expr| {
                        if let ExprKind::Call {
                            callee: Callee::Builtin(Builtin::New(flags)),
                            ..
                        } = &expr.kind
                        {
                            if let Some(flag) = flags.sleeping_flag() {
                                if !reported.contains(&expr.span) {
                                    reported.push(expr.span);
                                    found.push(errors::sleeping_allocation(
                                        expr.span, flag, label, &chain,
                                    ));
                                }
                            }
                        }
                    });
                }
                stack.push((callee, chain));
            }
        }
    }
    found
}

/// Locals declared with `var` that no expression reads (an assignment to
/// the local itself is not a read; a name starting with `_` opts out).
fn unused_variables(function: &Function) -> Vec<Diagnostic> {
    unread_locals(function)
        .into_iter()
        .map(|local| function.local(local))
        .filter(|def| !def.name.starts_with('_'))
        .map(|def| errors::unused_variable(def.span, &def.name))
        .collect()
}

/// Maps no code reads: only stored to, deleted from, or reserved in, or
/// not named at all. Only for a program with a `main`: without one, the
/// object is loaded by someone else, to whom the maps are its interface;
/// and not when `main` hands the maps to another program with `exec`.
/// Pinned maps are read by whoever opens the pin, and program arrays by
/// the kernel's tail calls.
fn maps_never_read(program: &Program) -> Vec<Diagnostic> {
    if !program
        .functions
        .iter()
        .any(|function| function.kind == FunctionKind::Main)
    {
        return Vec::new();
    }
    let mut read = vec![false; program.maps.len()];
    let mut execs = false;
    for function in &program.functions {
        walk_stmts(&function.body, &mut |stmt| match &stmt.kind {
            StmtKind::MapCompound { map, .. }
            | StmtKind::IfLetMap { map, .. }
            | StmtKind::ForEachMap { map, .. } => read[map.index()] = true,
            _ => {}
        });
        walk_block_exprs(&function.body, &mut |expr| match &expr.kind {
            ExprKind::MapGet { map, .. }
            | ExprKind::MapContains { map, .. }
            | ExprKind::MapLoad { map, .. }
            | ExprKind::MapRef(map) => read[map.index()] = true,
            ExprKind::Call {
                callee:
                    Callee::Method {
                        receiver,
                        method: Method::OnEvent | Method::Take,
                    },
                ..
            } => read[receiver.index()] = true,
            ExprKind::Call {
                callee: Callee::Builtin(Builtin::Exec),
                ..
            } => execs = true,
            _ => {}
        });
    }
    if execs {
        return Vec::new();
    }
    program
        .maps
        .iter()
        .zip(read)
        .filter(|(map, read)| !read && !map.pinned && map.kind != MapKind::ProgArray)
        .map(|(map, _)| errors::map_never_read(map.span, &map.name))
        .collect()
}
