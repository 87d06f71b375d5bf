//! `NAME.vmlinux.h`: the kernel types an object uses, written from the
//! kernel's BTF, in place of a 3 MB `vmlinux.h`.
//!
//! When the outputs plan says the eBPF C needs the kernel's own types (a
//! tracing program kind, or a kernel type no UAPI header declares), the
//! object includes `"NAME.vmlinux.h"`: the definitions of exactly the
//! kernel structs, unions, enums and typedefs its eBPF functions, maps and
//! globals use, with everything they need, from `btf::Btf::c_header`
//! (records get `preserve_access_index`, so reads through kernel pointers
//! are CO-RE relocations). Roots are the types the eBPF side uses
//! (`ebpf::kernel_type_roots`), the enums of the kernel constants it names,
//! and the types the kinds' entry macros use (`pt_regs` for kprobes). The
//! build never dumps `vmlinux.h`: `compile` writes this file beside the C.
//!
//! Objects of XDP and TC programs that use UAPI types only keep the UAPI
//! headers and get no kernel header.

use std::collections::BTreeSet;

use btf::{HeaderOptions, TypeId};

use crate::ir::Program;

/// The kernel header of one object.
#[derive(Clone, Debug)]
pub struct KernelHeader {
    /// `NAME.vmlinux.h`.
    pub file_name: String,
    /// Its C text.
    pub text: String,
    /// The typedef and enumerator names it declares, which the source's
    /// own file-scope names must avoid in the eBPF C (the plan reserves
    /// them before naming the source's items).
    pub declares: BTreeSet<String>,
}

/// The kernel header `file_name` the eBPF C of `program` (of project
/// `project`) includes when the plan says it needs the kernel's types;
/// `None` when the program was not checked against BTF.
pub fn kernel_header(program: &Program, project: &str, file_name: &str) -> Option<KernelHeader> {
    let file_name = file_name.to_string();
    let btf = &program.kernel.as_ref()?.0;
    let roots: Vec<TypeId> = super::ebpf::kernel_type_roots(program, btf);
    let guard = format!("__{}_VMLINUX_H__", project.to_ascii_uppercase());
    let options = HeaderOptions {
        include_guard: Some(guard),
        base_typedefs: true,
        preserve_access_index: true,
    };
    let (body, declares) = match btf.c_header(&roots, &options) {
        Ok(header) => (header.text, header.ordinary),
        // Only malformed BTF gets here (the CLI validates files it did not
        // get from the running kernel); clang then says so at the top.
        Err(error) => (
            format!("#error \"the kernel's BTF cannot be written as C: {error}\"\n"),
            BTreeSet::new(),
        ),
    };
    let text = format!(
        "/* {file_name}: the kernel types {project}.ebpf.c uses, written by KernelScript from the\n \
         * kernel's BTF ({count} roots). Do not edit. */\n{body}",
        count = roots.len(),
        body = body,
    );
    Some(KernelHeader {
        file_name,
        text,
        declares,
    })
}
