//! The userspace spellings of `try`/`catch` and of returning a string.

use crate::codegen::c::lower::Frame;
use crate::ir::{Block, Catch, Expr};

use super::policy::{Cx, Userspace};
use crate::codegen::c::backend::{Assign, Backend};

/// `try { } catch N { } ...`:
///
/// ```c
/// struct ks_try frame = { .prev = ks_try_top };
/// ks_try_top = &frame;
/// if (setjmp(frame.env) == 0) { body; ks_try_top = frame.prev; }
/// else if (frame.code == N) { ... }
/// else { ks_throw(frame.code); }   (no catch-all: on to the next frame)
/// ```
pub fn try_catch<'a>(cx: &mut Cx<'_, 'a>, body: &'a Block, catches: &'a [Catch]) {
    cx.backend.gen.needs.throw = true;
    let frame = cx.temp("try_frame");
    let leave = format!("ks_try_top = {frame}.prev;");
    cx.out
        .line(format!("struct ks_try {frame} = {{ .prev = ks_try_top }};"));
    cx.out.line(format!("ks_try_top = &{frame};"));
    cx.out.open_block(format!("if (setjmp({frame}.env) == 0)"));
    cx.frames.push(Frame::Try {
        name: frame.clone(),
        leave: Some(leave.clone()),
    });
    cx.block_body(body);
    cx.frames.pop();
    if body.completes {
        cx.out.line(leave);
    }
    let mut has_catch_all = false;
    for catch in catches {
        cx.map_line(catch.span);
        match catch.code {
            Some(code) => cx
                .out
                .reopen_block(format!("else if ({frame}.code == {code})")),
            None => {
                has_catch_all = true;
                cx.out.reopen_block("else");
            }
        }
        cx.block_body(&catch.body);
        if has_catch_all {
            break;
        }
    }
    if !has_catch_all {
        // Not handled here: on to the next enclosing `try`.
        cx.out.reopen_block("else");
        cx.out.line(format!("ks_throw({frame}.code);"));
    }
    cx.out.close_block();
}

/// `return value` of string type: inside the function's result struct.
pub fn return_aggregate<'a>(cx: &mut Cx<'_, 'a>, value: &'a Expr) {
    let ret = cx.function.ret.clone();
    let wrapper = cx.backend.gen.return_type(&ret);
    let result = cx.temp("result");
    cx.out.open_block("");
    cx.out.line(format!("{wrapper} {result} = {{0}};"));
    let place = format!("{result}.data");
    let assign = Assign { op: None, value };
    Userspace::store_aggregate(cx, &place, &ret, assign);
    cx.exit_work(value.span);
    cx.out.line(format!("return {result};"));
    cx.out.close_block();
}
