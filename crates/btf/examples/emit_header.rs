//! Prints the C header [`btf::Btf::c_header`] emits for the named kernel
//! types (structs, unions, enums or typedefs, looked up in that order), or
//! for every struct, union, enum and typedef with `--all`. With
//! `--asserts`, appends `_Static_assert`s of every emitted record's size
//! and its named members' offsets, so compiling the output checks the
//! layout. Usage: `cargo run -p btf --example emit_header -- [--btf PATH]
//! [--asserts] NAME... | --all`. A tool for looking at the output; tests
//! live in `tests/`.

use btf::{Btf, HeaderOptions, TypeKind};

fn main() {
    let mut arguments: Vec<String> = std::env::args().skip(1).collect();
    let mut path = "/sys/kernel/btf/vmlinux".to_string();
    if let Some(position) = arguments.iter().position(|argument| argument == "--btf") {
        path = arguments.remove(position + 1);
        arguments.remove(position);
    }
    let asserts = arguments.iter().any(|argument| argument == "--asserts");
    let kernel = Btf::from_btf_or_elf(std::fs::read(&path).expect("BTF file")).expect("parses");
    let kinds = [
        TypeKind::Struct,
        TypeKind::Union,
        TypeKind::Enum,
        TypeKind::Enum64,
        TypeKind::Typedef,
    ];
    let roots: Vec<_> = if arguments.iter().any(|argument| argument == "--all") {
        kernel.names_of_kinds(&kinds).map(|(id, _)| id).collect()
    } else {
        arguments
            .iter()
            .filter(|argument| !argument.starts_with("--"))
            .map(|name| {
                kinds
                    .iter()
                    .find_map(|kind| kernel.find_by_name(*kind, name))
                    .unwrap_or_else(|| panic!("no type {name}"))
            })
            .collect()
    };
    let start = std::time::Instant::now();
    let header = kernel
        .c_header(&roots, &HeaderOptions::default())
        .unwrap_or_else(|error| panic!("{error}"));
    eprintln!(
        "{} roots, {} bytes in {:.1} ms",
        roots.len(),
        header.text.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    print!("{}", header.text);
    if asserts {
        for (&id, name) in &header.names {
            let Some(found) = kernel.type_by_id(id) else {
                continue;
            };
            let keyword = match found.kind() {
                TypeKind::Struct => "struct",
                TypeKind::Union => "union",
                _ => continue,
            };
            // Forward-declared only: no size to check.
            if !header.text.contains(&format!("{keyword} {name} {{")) {
                continue;
            }
            let size = kernel.size_of(id).expect("sized");
            println!("_Static_assert(sizeof({keyword} {name}) == {size}, \"{name}\");");
            for member in kernel.flattened_members(id).expect("members") {
                if member.is_bitfield {
                    continue;
                }
                println!(
                    "_Static_assert(__builtin_offsetof({keyword} {name}, {}) == {}, \"{name}.{}\");",
                    member.member.name,
                    member.byte_offset(),
                    member.member.name
                );
            }
        }
    }
}
