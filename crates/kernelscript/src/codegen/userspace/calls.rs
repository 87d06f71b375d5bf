//! Calls in userspace code: the program's own functions, function
//! pointers, builtins (`print`, `load`, `attach`, `detach`, `dispatch`,
//! `register`, `daemon`, `exec`), `bpf_ktime_get_ns()` and `rb.on_event()`.

use crate::ir::{Builtin, Callee, Expr, ExprKind, Method, Type};

use super::expressions::PREC_POSTFIX;
use super::functions::FunctionEmitter;
use crate::codegen::c::CExpr;

impl FunctionEmitter<'_, '_> {
    pub(super) fn call(&mut self, callee: &Callee, args: &[Expr]) -> CExpr {
        match callee {
            Callee::Function(id) => {
                let name = self.gen.function_names.get(id).cloned().unwrap_or_else(|| {
                    panic!(
                        "internal error: userspace calls `{}`, which is not a userspace function",
                        self.gen.program.function(*id).name
                    )
                });
                let args = self.arguments(args);
                CExpr::postfix(format!("{name}({args})"))
            }
            Callee::Indirect(target) => {
                let target = self.expr(target).at(PREC_POSTFIX);
                let args = self.arguments(args);
                CExpr::postfix(format!("{target}({args})"))
            }
            Callee::Builtin(builtin) => self.builtin_call(*builtin, args),
            Callee::BpfHelper(name) if name == "bpf_ktime_get_ns" => {
                self.gen.needs.ktime = true;
                CExpr::postfix("ks_ktime_get_ns()")
            }
            Callee::Method {
                receiver,
                method: Method::OnEvent,
            } => {
                let handler = args
                    .first()
                    .expect("on_event takes the handler as its argument");
                self.gen
                    .needs
                    .on_event
                    .entry(*receiver)
                    .or_insert_with(|| handler.ty.clone());
                let name = &self.gen.program.map(*receiver).name;
                let setter = format!("ks_{name}_on_event");
                let handler = self.value(handler);
                CExpr::postfix(format!("{setter}({handler})"))
            }
            Callee::BpfHelper(_)
            | Callee::TailCall(_)
            | Callee::Extern(_)
            | Callee::Method { .. } => {
                panic!("internal error: {callee:?} is not callable from userspace")
            }
        }
    }

    fn arguments(&mut self, args: &[Expr]) -> String {
        args.iter()
            .map(|arg| match &arg.ty {
                Type::Str(_) => self.str_operand(arg).text,
                Type::Array(..) => self.array_source(arg),
                _ => self.value(arg),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn builtin_call(&mut self, builtin: Builtin, args: &[Expr]) -> CExpr {
        match builtin {
            Builtin::Print => CExpr::postfix(super::print::printf_call(self, args)),
            Builtin::Load => {
                self.gen.needs.load = true;
                let program = self.value(&args[0]);
                CExpr::postfix(format!("ks_load({program})"))
            }
            Builtin::Attach => CExpr::postfix(self.attach_call("ks_attach", args)),
            Builtin::Detach if args[0].ty == Type::PerfAttachment => {
                self.gen.needs.attach = true;
                self.gen.needs.perf_counters.detach = true;
                let attachment = self.value(&args[0]);
                CExpr::postfix(format!("ks_perf_detach({attachment})"))
            }
            Builtin::Read => {
                self.gen.needs.attach = true;
                self.gen.needs.perf_counters.read = true;
                let attachment = self.value(&args[0]);
                CExpr::postfix(format!("ks_perf_read({attachment})"))
            }
            Builtin::Detach => {
                self.gen.needs.detach = true;
                let handle = self.value(&args[0]);
                CExpr::postfix(format!("ks_detach({handle})"))
            }
            Builtin::Dispatch => {
                let mut rings = Vec::new();
                for arg in args {
                    let Type::Map(map) = arg.ty else {
                        panic!("internal error: dispatch() of a non-map {:?}", arg.ty);
                    };
                    self.gen.needs.dispatched.insert(map);
                    rings.push(format!("KS_RING_{}", self.gen.program.map(map).name));
                }
                CExpr::postfix(format!(
                    "ks_dispatch((const int[]){{ {} }}, {})",
                    rings.join(", "),
                    rings.len()
                ))
            }
            Builtin::Sleep => {
                self.gen.needs.sleep = true;
                let ms = self.value(&args[0]);
                CExpr::postfix(format!("ks_sleep_ms({ms})"))
            }
            Builtin::Daemon => {
                self.gen.needs.daemon = true;
                CExpr::postfix("ks_daemon()")
            }
            Builtin::Register => {
                let ExprKind::StructOpsRef(id) = args[0].kind else {
                    panic!("internal error: register() of {:?}", args[0].kind);
                };
                self.gen.needs.registered.insert(id);
                let name = &self.gen.program.struct_ops_def(id).name;
                CExpr::postfix(format!("ks_register(KS_OPS_{name})"))
            }
            Builtin::Exec => {
                self.gen.needs.exec = true;
                let script = self.str_operand(&args[0]).text;
                CExpr::postfix(format!("ks_exec({script})"))
            }
            Builtin::Test => {
                panic!(
                    "internal error: `{builtin:?}` is not supported by the userspace generator yet"
                )
            }
        }
    }

    /// `FUNCTION(handle, target, flags)` for `attach`.
    pub fn attach_call(&mut self, function: &str, args: &[Expr]) -> String {
        self.gen.needs.attach = true;
        if super::attach_perf::is_perf_attach(self.gen.program, args) {
            // Failing is fatal whether or not the result is used.
            self.gen.needs.perf_counters.attach = true;
            let handle = self.value(&args[0]);
            let options = self.value(&args[1]);
            return format!("ks_attach_perf({handle}, {options})");
        }
        self.gen.needs.target_attach = true;
        let handle = self.value(&args[0]);
        let target = self.str_operand(&args[1]).text;
        let flags = args
            .get(2)
            .map(|flags| self.value(flags))
            .unwrap_or_else(|| "0".into());
        format!("{function}({handle}, {target}, {flags})")
    }
}
