//! eBPF limits checked over the whole program: recursion and stack usage.
//!
//! The call graph has an edge for every direct call from an eBPF function
//! to another eBPF function (`@helper`s; programs are only tail-called,
//! which reuses the frame). The verifier rejects recursion, so a cycle is an
//! error naming it. Stack usage is estimated conservatively: a function's
//! frame is the sum of the sizes of all its locals (every local declared
//! anywhere in its body; parameters live in registers; a by-reference map
//! binding is a pointer), and a call chain's usage is the sum of its
//! frames. A loop lowered as a callback (`ir::loops`) counts as a call: its
//! body's locals are in a frame of its own, below the function's, which
//! holds the loop's context struct. Both errors point where the fix is: the
//! primary label is on the local declaration that pushes the stack over 512
//! bytes (locals counted in declaration order, a chain's frames in call
//! order); the function, or the program and each call of the chain, are
//! secondary labels, and a note gives the largest locals or each frame's
//! size.

use crate::ir::{loops, FunctionId, Target};
use crate::span::Span;

use super::{errors, Checker};

/// The eBPF stack size, in bytes, shared by a program and its callees.
pub(crate) const MAX_STACK_BYTES: u64 = 512;

impl Checker<'_> {
    pub(crate) fn check_call_graph(&mut self) {
        let count = self.program.functions.len();
        let is_ebpf: Vec<bool> = self
            .program
            .functions
            .iter()
            .map(|function| function.kind.target() == Target::Ebpf)
            .collect();
        let oversized: Vec<usize> = (0..count)
            .filter(|index| {
                is_ebpf[*index] && self.fn_facts[*index].largest_frame > MAX_STACK_BYTES
            })
            .collect();
        for index in oversized {
            self.report_frame(FunctionId(index as u32));
        }
        let in_cycle = self.report_recursion(&is_ebpf);
        let mut deepest: Vec<Option<(u64, Vec<FunctionId>)>> = vec![None; count];
        for index in 0..count {
            let function = &self.program.functions[index];
            let entry = function.kind.is_program()
                || matches!(
                    function.kind,
                    crate::ir::FunctionKind::StructOpsMethod { .. }
                );
            if !entry || in_cycle[index] {
                continue;
            }
            let mut visiting = vec![false; count];
            let (total, chain) = self.deepest_chain(
                FunctionId(index as u32),
                &in_cycle,
                &mut deepest,
                &mut visiting,
            );
            let over_alone = chain
                .iter()
                .any(|id| self.fn_facts[id.index()].largest_frame > MAX_STACK_BYTES);
            if total > MAX_STACK_BYTES && !over_alone {
                let frames: Vec<(String, u64)> = chain
                    .iter()
                    .map(|id| {
                        (
                            self.program.function(*id).name.clone(),
                            self.fn_facts[id.index()].stack_depth,
                        )
                    })
                    .collect();
                let function = self.program.function(FunctionId(index as u32));
                let (name, span) = (function.name.clone(), function.span);
                let crossing = self.crossing_local(&chain);
                let calls: Vec<(Span, String, u64)> = chain
                    .windows(2)
                    .filter_map(|pair| {
                        let edge = self.fn_facts[pair[0].index()]
                            .calls
                            .iter()
                            .find(|edge| edge.callee == pair[1])?;
                        Some((
                            edge.span,
                            self.program.function(pair[1]).name.clone(),
                            self.fn_facts[pair[1].index()].stack_depth,
                        ))
                    })
                    .collect();
                self.report(errors::stack_chain_too_large(
                    span, &name, total, &frames, crossing, &calls,
                ));
            }
        }
    }

    fn report_frame(&mut self, id: FunctionId) {
        let function = self.program.function(id);
        let params = function.params.len();
        let mut largest: Vec<(String, String, u64)> = function
            .locals
            .iter()
            .skip(params)
            .map(|local| {
                let size = if local.by_reference {
                    8
                } else {
                    local.ty.size(&self.program)
                };
                (local.name.clone(), self.type_name(&local.ty), size)
            })
            .filter(|(_, _, size)| *size > 0)
            .collect();
        for frame in loops::stack_frames(&self.program, function) {
            for (_, size) in frame.buffers {
                let ty = format!("str({size})");
                largest.push(("(string buffer)".to_string(), ty, size));
            }
        }
        largest.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        largest.truncate(3);
        let (name, span) = (function.name.clone(), function.span);
        let total = self.fn_facts[id.index()].largest_frame;
        let crossing = self.crossing_local(&[id]);
        self.report(errors::stack_frame_too_large(
            span, &name, total, &largest, crossing,
        ));
    }

    /// What `id`'s frames hold in source order: its locals and the
    /// buffers of the strings it builds (`ir::strings`), each with its
    /// span, size and whether it is a buffer.
    fn frame_locals(&self, id: FunctionId) -> Vec<(Span, u64, bool)> {
        let function = self.program.function(id);
        let mut held: Vec<(Span, u64, bool)> = function
            .locals
            .iter()
            .skip(function.params.len())
            .map(|local| {
                let size = if local.by_reference {
                    8
                } else {
                    local.ty.size(&self.program)
                };
                (local.span, size, false)
            })
            .collect();
        for frame in loops::stack_frames(&self.program, function) {
            held.extend(
                frame
                    .buffers
                    .into_iter()
                    .map(|(span, size)| (span, size, true)),
            );
        }
        held.sort_by_key(|(span, _, _)| span.start);
        held
    }

    /// What takes the stack of `chain`'s frames (stacked in order) over
    /// the limit, and the total it reaches.
    fn crossing_local(&self, chain: &[FunctionId]) -> Option<errors::StackCrossing> {
        let mut total = 0;
        for id in chain {
            for (span, size, buffer) in self.frame_locals(*id) {
                total += size;
                if total > MAX_STACK_BYTES {
                    return Some(errors::StackCrossing {
                        span,
                        reached: total,
                        buffer,
                    });
                }
            }
        }
        None
    }

    /// Reports every cycle of eBPF calls once; returns which functions are
    /// on one.
    fn report_recursion(&mut self, is_ebpf: &[bool]) -> Vec<bool> {
        let count = is_ebpf.len();
        let mut in_cycle = vec![false; count];
        for start in 0..count {
            if !is_ebpf[start] || in_cycle[start] {
                continue;
            }
            let Some(cycle) = self.find_cycle(FunctionId(start as u32)) else {
                continue;
            };
            if cycle.iter().any(|id| in_cycle[id.index()]) {
                continue;
            }
            for id in &cycle {
                in_cycle[id.index()] = true;
            }
            let names: Vec<String> = cycle
                .iter()
                .map(|id| self.program.function(*id).name.clone())
                .collect();
            let first = cycle[0];
            let second = cycle.get(1).copied().unwrap_or(first);
            let span = self.fn_facts[first.index()]
                .calls
                .iter()
                .find(|edge| edge.callee == second)
                .map_or(self.program.function(first).span, |edge| edge.span);
            self.report(errors::recursion_in_ebpf(span, &names));
        }
        in_cycle
    }

    /// A call path from `start` back to `start`, if there is one.
    fn find_cycle(&self, start: FunctionId) -> Option<Vec<FunctionId>> {
        let mut path = vec![start];
        let mut visited = vec![false; self.program.functions.len()];
        self.cycle_from(start, start, &mut path, &mut visited)
            .then_some(path)
    }

    fn cycle_from(
        &self,
        start: FunctionId,
        current: FunctionId,
        path: &mut Vec<FunctionId>,
        visited: &mut [bool],
    ) -> bool {
        for edge in &self.fn_facts[current.index()].calls {
            if edge.callee == start {
                return true;
            }
            if visited[edge.callee.index()] {
                continue;
            }
            visited[edge.callee.index()] = true;
            path.push(edge.callee);
            if self.cycle_from(start, edge.callee, path, visited) {
                return true;
            }
            path.pop();
        }
        false
    }

    /// The largest stack use of a call chain starting at `id`, with the
    /// chain. Functions on a cycle (already reported) are skipped.
    fn deepest_chain(
        &self,
        id: FunctionId,
        in_cycle: &[bool],
        memo: &mut Vec<Option<(u64, Vec<FunctionId>)>>,
        visiting: &mut Vec<bool>,
    ) -> (u64, Vec<FunctionId>) {
        if let Some(known) = &memo[id.index()] {
            return known.clone();
        }
        visiting[id.index()] = true;
        let mut best: (u64, Vec<FunctionId>) = (0, Vec::new());
        let mut callees: Vec<FunctionId> = self.fn_facts[id.index()]
            .calls
            .iter()
            .map(|edge| edge.callee)
            .collect();
        callees.sort();
        callees.dedup();
        for callee in callees {
            if in_cycle[callee.index()] || visiting[callee.index()] {
                continue;
            }
            let candidate = self.deepest_chain(callee, in_cycle, memo, visiting);
            if candidate.0 > best.0 {
                best = candidate;
            }
        }
        let mut chain = vec![id];
        chain.extend(best.1);
        let result = (self.fn_facts[id.index()].stack_depth + best.0, chain);
        visiting[id.index()] = false;
        memo[id.index()] = Some(result.clone());
        result
    }
}
