//! `kernelscript init TYPE NAME`: the text of a small working project for
//! a program type, from the kernel's BTF, and the kfunc listing of
//! `init --kfuncs`.
//!
//! `TYPE` is `xdp`, `tc`, `kprobe` (or `kprobe/FUNCTION`), `uprobe`,
//! `tracepoint/CATEGORY/EVENT`, `lsm/HOOK`, `cgroup_skb`, `perf_event`,
//! `fentry/FUNCTION`, or the name of a struct_ops type of the kernel
//! (`tcp_congestion_ops`, ...). Functions, hooks, events and struct_ops
//! types are looked up in BTF; parameters are spelled from their BTF
//! prototypes (`spelling.rs`), so the program checks as written. An
//! unknown name is an error listing the kernel's close matches.
//!
//! Each project is `NAME.ks` (the program, and a `main` that loads and
//! attaches it, then prints what it counted every second, for
//! `--seconds` seconds or until Ctrl-C) and `README.md` (how to build and
//! run it). The templates are in `templates.rs`. This module does no IO:
//! the CLI writes the files (and passes the tracefs format text of a
//! tracepoint, when it has it).

mod spelling;
mod templates;

use btf::{TypeId, TypeKind};

use crate::kernel::Kernel;

pub use spelling::extern_declaration;

/// The files of a new project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scaffold {
    /// `NAME.ks`.
    pub source: String,
    /// `README.md`.
    pub readme: String,
}

/// Why a project cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaffoldError {
    pub message: String,
    /// Close matches of the unknown name, best first.
    pub suggestions: Vec<String>,
}

impl std::fmt::Display for ScaffoldError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)?;
        if !self.suggestions.is_empty() {
            write!(
                formatter,
                "; did you mean `{}`?",
                self.suggestions.join("`, `")
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ScaffoldError {}

/// The program types `init` knows, for messages.
pub const TYPES: &[&str] = &[
    "xdp",
    "tc",
    "kprobe",
    "kprobe/FUNCTION",
    "uprobe",
    "tracepoint/CATEGORY/EVENT",
    "lsm/HOOK",
    "cgroup_skb",
    "perf_event",
    "fentry/FUNCTION",
    "STRUCT_OPS_TYPE (e.g. tcp_congestion_ops)",
];

/// Functions a bare `kprobe` project probes, the first the kernel has.
const DEFAULT_KPROBE_FUNCTIONS: &[&str] = &["do_unlinkat", "do_sys_openat2", "vfs_read"];

/// The project of type `ty` called `name` for `kernel`; `format` is the
/// tracefs format text of a `tracepoint/...` type's event, when known.
pub fn scaffold(
    kernel: &Kernel,
    ty: &str,
    name: &str,
    format: Option<&str>,
) -> Result<Scaffold, ScaffoldError> {
    let btf = kernel.btf();
    let (kind, argument) = match ty.split_once('/') {
        Some((kind, argument)) => (kind, Some(argument)),
        None => (ty, None),
    };
    let project = templates::Project::new(name);
    match (kind, argument) {
        ("xdp", None) => Ok(templates::xdp(&project)),
        ("tc", None) => Ok(templates::tc(&project)),
        ("cgroup_skb", None) => Ok(templates::cgroup_skb(&project)),
        ("perf_event", None) => Ok(templates::perf_event(&project)),
        ("uprobe", None) => Ok(templates::uprobe(&project)),
        ("kprobe", function) => {
            let function = match function {
                Some(function) => function.to_string(),
                None => DEFAULT_KPROBE_FUNCTIONS
                    .iter()
                    .find(|candidate| btf.function(candidate).is_some())
                    .map(|found| found.to_string())
                    .ok_or_else(|| ScaffoldError {
                        message: "the kernel's BTF has none of the functions a kprobe project \
                                  probes by default; name one: kprobe/FUNCTION"
                            .to_string(),
                        suggestions: Vec::new(),
                    })?,
            };
            let id = kernel_function(kernel, &function)?;
            let params = spelling::parameters(btf, id, 5);
            Ok(templates::kprobe(&project, &function, &params))
        }
        ("fentry", Some(function)) => {
            let id = kernel_function(kernel, function)?;
            let params = spelling::parameters(btf, id, 12);
            Ok(templates::fentry(&project, function, &params))
        }
        ("lsm", Some(hook)) => {
            let Some(id) = btf.lsm_hook(hook) else {
                let hooks: Vec<&str> = btf
                    .lsm_hooks()
                    .into_iter()
                    .filter_map(|id| btf.name_of(id).strip_prefix(btf::LSM_HOOK_PREFIX))
                    .collect();
                return Err(ScaffoldError {
                    message: format!("the kernel has no LSM hook `{hook}`"),
                    suggestions: owned(btf::closest_names(hook, hooks)),
                });
            };
            let params = spelling::parameters(btf, id, 12);
            Ok(templates::lsm(&project, hook, &params))
        }
        ("tracepoint", Some(event)) => {
            let Some((category, event)) = event.split_once('/') else {
                return Err(ScaffoldError {
                    message: format!(
                        "`tracepoint/{event}` needs a category: tracepoint/CATEGORY/EVENT"
                    ),
                    suggestions: Vec::new(),
                });
            };
            let format = format.and_then(|text| btf::TracepointFormat::parse(text).ok());
            let context = btf
                .tracepoints()
                .context(category, event, format.as_ref())
                .map_err(|error| match error {
                    btf::TracepointError::UnknownEvent { suggestions, .. } => ScaffoldError {
                        message: format!("the kernel has no tracepoint `{category}/{event}`"),
                        suggestions,
                    },
                    other => ScaffoldError {
                        message: other.to_string(),
                        suggestions: Vec::new(),
                    },
                })?;
            Ok(templates::tracepoint(
                &project,
                category,
                event,
                context.struct_name,
            ))
        }
        (kind, None) if btf.struct_ops_type(kind).is_some() => {
            Ok(templates::struct_ops(&project, kernel, kind))
        }
        _ => {
            let mut known: Vec<String> = ["xdp", "tc", "kprobe", "uprobe", "cgroup_skb"]
                .iter()
                .chain(&["perf_event", "tracepoint", "lsm", "fentry"])
                .map(|name| name.to_string())
                .collect();
            known.extend(
                btf.struct_ops_types()
                    .iter()
                    .map(|ops| ops.name.to_string()),
            );
            Err(ScaffoldError {
                message: format!(
                    "unknown program type `{ty}`; the types are {}, and the kernel's \
                     struct_ops types",
                    TYPES.join(", ")
                ),
                suggestions: owned(btf::closest_names(kind, known.iter().map(String::as_str))),
            })
        }
    }
}

/// The kernel function `name`, or an error with close matches.
fn kernel_function(kernel: &Kernel, name: &str) -> Result<TypeId, ScaffoldError> {
    let btf = kernel.btf();
    btf.function(name).ok_or_else(|| ScaffoldError {
        message: format!("the kernel's BTF has no function `{name}`"),
        suggestions: owned(btf.similar_type_names(&[TypeKind::Func], name)),
    })
}

fn owned(names: Vec<&str>) -> Vec<String> {
    names.into_iter().map(str::to_string).collect()
}

/// `init --kfuncs`: every kfunc the kernel exposes, as the `extern`
/// declaration that calls it (or a comment saying why none can) followed
/// by its C prototype.
pub fn kfunc_listing(kernel: &Kernel) -> String {
    let btf = kernel.btf();
    let kfuncs = kernel.kfuncs();
    let mut text = format!(
        "// The kernel's kfuncs ({}), from {}. Declare the ones a program calls:\n",
        kfuncs.len(),
        if btf.has_kfunc_tags() {
            "its BTF `bpf_kfunc` tags"
        } else {
            "its `.BTF_ids` section"
        }
    );
    if kfuncs.is_empty() {
        text.push_str(
            "// (none found: this kernel's BTF has no kfunc tags; pass a vmlinux image with \
             --btf-vmlinux-path to read its .BTF_ids)\n",
        );
    }
    for id in kfuncs {
        text.push_str(&extern_declaration(btf, id));
        text.push('\n');
    }
    text
}
