//! `for (k, v) in m`: the loop body becomes a `bpf_for_each_map_elem`
//! callback emitted before the function, lowered by the shared callback
//! machinery (`codegen::c::lower`, callback.rs): locals of the function
//! reached through a context struct, `break` is `return 1`, `continue` is
//! `return 0`, and `return`, an uncaught `throw` or a tail call in the body
//! are recorded in the context and finished after the call.

use std::cell::RefCell;

use crate::codegen::c::backend::MapLoop;
use crate::codegen::c::lower::{CallbackSpec, Spelling};
use crate::ir::Type;

use super::policy::Cx;

/// `for (key, value) in map { body }`: `bpf_for_each_map_elem` with a
/// callback generated before the function.
pub(super) fn emit_for_each<'a>(cx: &mut Cx<'_, 'a>, each: MapLoop<'a>) {
    let MapLoop {
        key,
        value,
        map,
        body,
        span,
    } = each;
    let program = cx.program;
    let map_def = program.map(map);
    let map_name = cx.names.map(map).to_string();
    let base = format!("{}_each_{map_name}", cx.names.function(cx.backend.current));
    let name = cx.backend.gen.scope.names.fresh(&base);
    cx.reserve_file_name(&name);
    let map_param = cx.temp("map");
    let exit_names = cx.backend.gen.loop_exit_names();
    let spec = CallbackSpec {
        name: name.clone(),
        body,
        own: [key].into_iter().chain(value).collect(),
        reads: Vec::new(),
        fields: Vec::new(),
        records_break: false,
        exit_names,
        span,
    };
    // The key and value parameters, named where the callback declares them.
    let parameters: RefCell<(String, String)> = RefCell::default();
    let key_type = Type::Pointer(Box::new(map_def.key.clone()));
    let value_type = Type::Pointer(Box::new(map_def.value.clone()));
    let types = cx.types;
    let signature = |context: &str| {
        let (key_name, value_name) = &*parameters.borrow();
        format!(
            "static long {name}(void *{map_param}, {}, {}, {context})",
            types.declaration(&key_type, key_name),
            types.declaration(&value_type, value_name)
        )
    };
    let lowered = cx.lower_callback(spec, &signature, &mut |cx, _context| {
        cx.out.line(format!("(void){map_param};"));
        let key_name = cx.declare_local(key);
        cx.locals.insert(key, Spelling::Pointer(key_name.clone()));
        let value_name = match value {
            Some(value) => {
                let name = cx.declare_local(value);
                cx.locals.insert(value, Spelling::Pointer(name.clone()));
                cx.backend.map_bindings.insert(value, map_def.kind);
                name
            }
            None => cx.temp("value"),
        };
        *parameters.borrow_mut() = (key_name, value_name);
    });
    super::loops::request_exit_constants(cx, &lowered);
    let (local, argument) = cx.callback_context(&lowered, "loop");
    cx.out.line(format!(
        "bpf_for_each_map_elem(&{map_name}, {name}, {argument}, 0);"
    ));
    cx.callback_exits(&lowered, local.as_deref());
}
