//! `kernelscript init [--btf-vmlinux-path P] [--kfuncs] TYPE NAME`: a new
//! project `NAME/NAME.ks` + `NAME/README.md` for a program type, from the
//! kernel's BTF (`kernelscript::scaffold`). With `--kfuncs`, the kernel's
//! kfuncs are listed with their prototypes (on stdout without a project,
//! else also as `NAME/kfuncs.kh`, ready to `include`).

use std::path::Path;

use kernelscript::scaffold;

use super::Failure;
use crate::{kernel, project};

pub fn run(
    btf: Option<&Path>,
    kfuncs: bool,
    ty: Option<&str>,
    name: Option<&str>,
) -> Result<(), Failure> {
    let target = kernel::load(btf)?;
    let (ty, name) = match (ty, name) {
        (Some(ty), Some(name)) => (ty, name),
        (None, None) if kfuncs => {
            print!("{}", scaffold::kfunc_listing(&target.kernel));
            return Ok(());
        }
        _ => {
            return Err(Failure::Message(format!(
                "init needs a program type and a project name: `kernelscript init TYPE NAME` \
                 (types: {})",
                scaffold::TYPES.join(", ")
            )))
        }
    };
    let name = name.trim_end_matches('/');
    let stem = project::c_identifier(name);
    if stem != name {
        return Err(Failure::Message(format!(
            "`{name}` cannot name a project: use letters, digits and `_` (e.g. `{stem}`)"
        )));
    }
    let dir = Path::new(name);
    if dir.exists() {
        return Err(Failure::Message(format!(
            "`{name}` already exists; choose another name or remove it"
        )));
    }
    // The running kernel's tracefs describes the event exactly.
    let format = ty
        .strip_prefix("tracepoint/")
        .and_then(|event| event.split_once('/'))
        .filter(|_| target.is_running_kernel)
        .and_then(|(category, event)| kernel::tracepoint_format(category, event));
    let project = scaffold::scaffold(&target.kernel, ty, name, format.as_deref())
        .map_err(|error| Failure::Message(error.to_string()))?;
    std::fs::create_dir_all(dir)
        .map_err(|error| Failure::Message(format!("cannot create `{name}`: {error}")))?;
    let mut files = vec![
        (dir.join(format!("{name}.ks")), project.source),
        (dir.join("README.md"), project.readme),
    ];
    if kfuncs {
        files.push((
            dir.join("kfuncs.kh"),
            scaffold::kfunc_listing(&target.kernel),
        ));
    }
    for (path, text) in &files {
        std::fs::write(path, text).map_err(|error| {
            Failure::Message(format!("cannot write `{}`: {error}", path.display()))
        })?;
        eprintln!("wrote {}", path.display());
    }
    eprintln!("build it with: kernelscript build {name}/{name}.ks");
    Ok(())
}
