//! Calls in userspace code other than the program's own functions and
//! function pointers (the shared lowering's): builtins (`print`, `load`,
//! `attach`, `detach`, `dispatch`, `register`, `daemon`, `exec`, ...),
//! `bpf_ktime_get_ns()` and `rb.on_event()`.

use crate::codegen::c::CExpr;
use crate::ir::{Builtin, Callee, Expr, ExprKind, Method, Type};

use super::policy::Cx;
use super::strings;

pub fn call<'a>(cx: &mut Cx<'_, 'a>, callee: &'a Callee, args: &'a [Expr]) -> CExpr {
    match callee {
        Callee::Builtin(builtin) => builtin_call(cx, *builtin, args),
        Callee::BpfHelper(name) if name == "bpf_ktime_get_ns" => {
            cx.backend.gen.needs.ktime = true;
            CExpr::postfix("ks_ktime_get_ns()")
        }
        Callee::Method {
            receiver,
            method: Method::OnEvent,
        } => {
            let handler = args
                .first()
                .expect("on_event takes the handler as its argument");
            cx.backend
                .gen
                .needs
                .on_event
                .entry(*receiver)
                .or_insert_with(|| handler.ty.clone());
            let setter = format!("ks_{}_on_event", cx.names.map(*receiver));
            let handler = cx.value(handler);
            CExpr::postfix(format!("{setter}({handler})"))
        }
        Callee::Method {
            receiver,
            method: Method::Insert,
        } => {
            // The update helper is whether it stored: BPF_NOEXIST refuses
            // a present key (and a full map) without an error message.
            let map = *receiver;
            cx.backend.gen.map_use(map).update = true;
            let update = cx.backend.gen.map_helper(map, "update");
            let program = cx.program;
            let key = super::entries::map_argument(cx, &program.map(map).key, &args[0]);
            let value = super::entries::map_argument(cx, &program.map(map).value, &args[1]);
            CExpr::postfix(format!("{update}({key}, {value}, BPF_NOEXIST)"))
        }
        Callee::Function(_) | Callee::Indirect(_) => unreachable!("the shared lowering's"),
        Callee::Python { .. } => unreachable!("the policy's `special` spells Python calls"),
        Callee::BpfHelper(_) | Callee::TailCall(_) | Callee::Extern(_) | Callee::Method { .. } => {
            unreachable!("the checker keeps {callee:?} out of userspace")
        }
    }
}

fn builtin_call<'a>(cx: &mut Cx<'_, 'a>, builtin: Builtin, args: &'a [Expr]) -> CExpr {
    match builtin {
        Builtin::Delete => {
            let object = cx.value(&args[0]);
            CExpr::postfix(format!("free({object})"))
        }
        Builtin::New(_) => unreachable!("the policy's `special` spells `new`"),
        Builtin::Print => CExpr::postfix(super::print::printf_call(cx, args, false, true)),
        Builtin::Output { stderr, newline } => {
            CExpr::postfix(super::print::printf_call(cx, args, stderr, newline))
        }
        Builtin::Load => {
            needs(cx).load = true;
            let program = cx.value(&args[0]);
            CExpr::postfix(format!("ks_load({program})"))
        }
        Builtin::Attach => CExpr::postfix(attach_call(cx, "ks_attach", args)),
        Builtin::Detach if args[0].ty == Type::PerfAttachment => {
            needs(cx).attach = true;
            needs(cx).perf_counters.detach = true;
            let attachment = cx.value(&args[0]);
            CExpr::postfix(format!("ks_perf_detach({attachment})"))
        }
        Builtin::Read => {
            needs(cx).attach = true;
            needs(cx).perf_counters.read = true;
            let attachment = cx.value(&args[0]);
            CExpr::postfix(format!("ks_perf_read({attachment})"))
        }
        Builtin::Detach => {
            needs(cx).detach = true;
            let handle = cx.value(&args[0]);
            CExpr::postfix(format!("ks_detach({handle})"))
        }
        Builtin::Dispatch => {
            let mut rings = Vec::new();
            for arg in args {
                let Type::Map(map) = arg.ty else {
                    unreachable!("the checker lets dispatch() take ring buffers only");
                };
                needs(cx).dispatched.insert(map);
                rings.push(format!("KS_RING_{}", cx.names.map(map)));
            }
            CExpr::postfix(format!(
                "ks_dispatch((const int[]){{ {} }}, {})",
                rings.join(", "),
                rings.len()
            ))
        }
        Builtin::Sleep => {
            needs(cx).sleep = true;
            let ms = cx.value(&args[0]);
            CExpr::postfix(format!("ks_sleep_ms({ms})"))
        }
        Builtin::Daemon => {
            needs(cx).daemon = true;
            CExpr::postfix("ks_daemon()")
        }
        Builtin::Register => {
            let ExprKind::StructOpsRef(id) = args[0].kind else {
                unreachable!("the checker lets register() take impl blocks only");
            };
            needs(cx).registered.insert(id);
            CExpr::postfix(format!("ks_register(KS_OPS_{})", cx.names.struct_ops(id)))
        }
        Builtin::Exec => {
            needs(cx).exec = true;
            let script = strings::operand(cx, &args[0]).text;
            CExpr::postfix(format!("ks_exec({script})"))
        }
        Builtin::Test => super::test_runner::test_call(cx, args),
        Builtin::Assert | Builtin::AssertEq => super::test_runner::assert_call(cx, builtin, args),
        Builtin::Packet(builder) => super::test_runner::packet_call(cx, builder, args),
        Builtin::Library(function) => super::library::call(cx, function, args),
    }
}

fn needs<'c>(cx: &'c mut Cx<'_, '_>) -> &'c mut super::Needs {
    &mut cx.backend.gen.needs
}

/// `FUNCTION(handle, target, flags)` for `attach`.
pub fn attach_call<'a>(cx: &mut Cx<'_, 'a>, function: &str, args: &'a [Expr]) -> String {
    cx.backend.gen.needs.attach = true;
    if super::attach_perf::is_perf_attach(cx.program, args) {
        // Failing is fatal whether or not the result is used.
        cx.backend.gen.needs.perf_counters.attach = true;
        let handle = cx.value(&args[0]);
        let options = cx.value(&args[1]);
        return format!("ks_attach_perf({handle}, {options})");
    }
    cx.backend.gen.needs.target_attach = true;
    let handle = cx.value(&args[0]);
    let target = strings::operand(cx, &args[1]).text;
    let flags = args
        .get(2)
        .map(|flags| cx.value(flags))
        .unwrap_or_else(|| "0".into());
    format!("{function}({handle}, {target}, {flags})")
}
