//! The one name allocator: every identifier a user wrote reaches C
//! through it.
//!
//! A user name is kept when C allows it where it goes, else changed the
//! same way every time: `int` becomes `int_`, and a name already taken in
//! the same scope gets `_2`, `_3`, ... Names both outputs share (structs,
//! fields, enums, constants, globals, maps, programs) are allocated once,
//! in the outputs plan, against the reserved words of both outputs;
//! locals, parameters, temporaries and labels per function, against the
//! output's own. What C does not allow is in `reserved.rs`: keywords,
//! typedefs, the macros and file-scope symbols of the headers each output
//! includes, and the names the generated code itself uses.
//!
//! Allocation is deterministic: suffixes are handed out in request order.

use std::collections::BTreeSet;

use super::reserved;

/// A C output whose reserved words a name must avoid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Ebpf,
    Userspace,
}

/// Where a name is declared, which decides what it must avoid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// File scope (functions, globals, enumerators, macros): anything the
    /// headers declare.
    File,
    /// A struct or enum tag: keywords, macros and the headers' tags.
    Tag,
    /// A struct member: keywords and macros.
    Member,
    /// A local or parameter: keywords, macros, typedefs, enumerators, and
    /// the functions generated code calls inside function bodies.
    Local,
    /// A file-scope name the object's symbol table and the skeleton keep
    /// as written (a program, map, struct_ops impl, extern): like `File`,
    /// but the generated code's prefixes (`bpf_`) do not matter, only the
    /// exact names the headers and the compiler own.
    Object,
}

/// Why a name cannot be used as is in C at a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clash {
    /// A C keyword (`int`, `return`).
    Keyword,
    /// A typedef of the headers (`bool`, `size_t`, `__u32`).
    Typedef,
    /// A macro of the headers (`BPF_ANY`, `NULL`, `SEC`).
    Macro,
    /// A function, variable or enumerator the headers declare (`memset`,
    /// `exit`, `XDP_PASS`).
    Symbol,
    /// A struct, union or enum tag the headers define (`timespec`).
    Tag,
    /// Reserved for the C implementation (`__x`, `_X`) or the generated
    /// code (`ks_` names).
    Reserved,
}

impl Clash {
    /// How a diagnostic names the problem.
    pub fn describe(self) -> &'static str {
        match self {
            Clash::Keyword => "a C keyword",
            Clash::Typedef => "a type name of the C headers",
            Clash::Macro => "a macro of the C headers",
            Clash::Symbol => "a function or constant of the C headers or C library",
            Clash::Tag => "a struct of the C headers",
            Clash::Reserved => "reserved for the C implementation and the generated code",
        }
    }
}

/// Why `name` cannot be declared at `place` in `output`, if it cannot.
pub fn clash(name: &str, place: Place, output: Output) -> Option<Clash> {
    if reserved::KEYWORDS.contains(&name) {
        return Some(Clash::Keyword);
    }
    if reserved::is_macro(name, output) {
        return Some(Clash::Macro);
    }
    if name.starts_with("__")
        || (name.starts_with('_') && name[1..].starts_with(char::is_uppercase))
    {
        return Some(Clash::Reserved);
    }
    match place {
        Place::Member => None,
        Place::Tag => reserved::is_tag(name, output).then_some(Clash::Tag),
        Place::Local => {
            if reserved::is_typedef(name, output) {
                Some(Clash::Typedef)
            } else if reserved::is_enumerator(name, output) || reserved::is_body_name(name, output)
            {
                Some(Clash::Symbol)
            } else {
                None
            }
        }
        Place::File | Place::Object => {
            if reserved::is_typedef(name, output) {
                Some(Clash::Typedef)
            } else if reserved::is_symbol(name, output) {
                Some(Clash::Symbol)
            } else if place == Place::File && reserved::is_generated(name, output) {
                Some(Clash::Reserved)
            } else {
                None
            }
        }
    }
}

/// Why a name that must reach C as written (a program, map, struct_ops
/// impl, `extern` or kfunc: the kernel and the skeleton see them by name)
/// cannot: it is declared at file scope of the eBPF object and as a member
/// of the skeleton's structs in userspace.
pub fn kept_name_clash(name: &str) -> Option<Clash> {
    clash(name, Place::Object, Output::Ebpf)
        .or_else(|| clash(name, Place::Member, Output::Userspace))
}

/// Why the name of a kernel function an `extern` declares cannot be
/// declared in the eBPF C. Like `kept_name_clash`, but a name C reserves
/// for the implementation (`__bpf_trap`) is the kernel's own and fine: the
/// checker has matched it against the kernel's BTF.
pub fn kernel_function_clash(name: &str) -> Option<Clash> {
    kept_name_clash(name).filter(|clash| *clash != Clash::Reserved || name.starts_with("ks_"))
}

/// Why `name` cannot be declared at `place` in either output.
pub fn clash_in_both(name: &str, place: Place) -> Option<Clash> {
    clash(name, place, Output::Ebpf).or_else(|| clash(name, place, Output::Userspace))
}

/// Hands out C names in one namespace: each name once.
#[derive(Clone, Debug)]
pub struct Names {
    taken: BTreeSet<String>,
}

impl Default for Names {
    fn default() -> Self {
        Names::new()
    }
}

impl Names {
    pub fn new() -> Names {
        Names {
            taken: BTreeSet::new(),
        }
    }

    /// Marks `name` as used (a name fixed elsewhere).
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// The C name for the user's `name`: itself when `clashes` is false and
    /// it is free, else `name_`, then `name_2`, `name_3`, ...
    pub fn user(&mut self, name: &str, clashes: bool) -> String {
        let base = if clashes {
            format!("{name}_")
        } else {
            name.to_string()
        };
        self.fresh(&base)
    }

    /// A generated name: `base`, else `base_2`, `base_3`, ...
    pub fn fresh(&mut self, base: &str) -> String {
        let name = first_free(base, |candidate| self.taken.contains(candidate));
        self.taken.insert(name.clone());
        name
    }
}

/// `base` or the first of `base_2`, `base_3`, ... for which `taken` is false.
pub fn first_free(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2u32..)
        .map(|suffix| format!("{base}_{suffix}"))
        .find(|candidate| !taken(candidate))
        .expect("an unbounded range of suffixes has a free one")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_kept_where_safe_and_renamed_consistently() {
        let mut names = Names::new();
        assert_eq!(names.user("count", false), "count");
        assert_eq!(names.user("count", false), "count_2");
        assert_eq!(names.user("int", true), "int_");
        assert_eq!(names.user("int", true), "int__2");
        assert_eq!(names.fresh("value"), "value");
        assert!(names.is_taken("value"));
    }

    #[test]
    fn clashes_depend_on_the_place_and_the_output() {
        assert_eq!(
            clash("int", Place::Member, Output::Ebpf),
            Some(Clash::Keyword)
        );
        assert_eq!(
            clash("BPF_ANY", Place::Local, Output::Ebpf),
            Some(Clash::Symbol)
        );
        assert_eq!(
            clash("SEC", Place::Member, Output::Ebpf),
            Some(Clash::Macro)
        );
        assert_eq!(
            clash("__x", Place::Member, Output::Userspace),
            Some(Clash::Reserved)
        );
        assert_eq!(
            clash("memset", Place::File, Output::Userspace),
            Some(Clash::Symbol)
        );
        assert_eq!(clash("count", Place::File, Output::Userspace), None);
        assert_eq!(clash("memset", Place::Member, Output::Userspace), None);
    }
}
