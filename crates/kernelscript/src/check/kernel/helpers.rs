//! BPF helpers: every helper of the UAPI table (`btf::bpf_helpers`, 211
//! prototypes from libbpf's `bpf_helper_defs.h`) with its real prototype,
//! as checker types.
//!
//! Decisions:
//! * Integer parameters and results keep their C width and signedness
//!   (`long` is `i64`, `__u32` is `u32`).
//! * A pointer to a kernel struct (`struct __sk_buff *`, `struct
//!   task_struct *`) is that struct's pointer, imported from BTF; any
//!   other pointer parameter (`void *`, `const void *`, `char *`,
//!   `__u64 *`) is `*void` and takes any pointer.
//! * A `void *map` parameter (`map`, `*_map`) also takes a map's name.
//! * `...` (only `bpf_trace_printk`) takes any further scalar arguments.
//! * libbpf's byte-order macros (`bpf_ntohs`, `bpf_htonl`, ... of
//!   `bpf_endian.h`) are called like helpers; they follow the UAPI table
//!   (`BYTE_ORDER_MACROS`, indexes after it).

use btf::{BpfHelper, HelperType, TypeKind};

use crate::ir::{IntType, Type};

use super::super::Checker;

/// A helper's prototype as checker types.
pub(crate) struct HelperSignature {
    pub name: &'static str,
    pub params: Vec<Type>,
    /// Which parameters may be given a map's name.
    pub map_params: Vec<bool>,
    pub ret: Type,
    pub is_variadic: bool,
}

/// libbpf's byte-order conversions (`bpf_endian.h`): name, operand width
/// in bits. They take and return unsigned integers of that width.
pub(crate) const BYTE_ORDER_MACROS: &[(&str, IntType)] = &[
    ("bpf_htons", IntType::U16),
    ("bpf_ntohs", IntType::U16),
    ("bpf_htonl", IntType::U32),
    ("bpf_ntohl", IntType::U32),
    ("bpf_cpu_to_be64", IntType::U64),
    ("bpf_be64_to_cpu", IntType::U64),
];

/// The index (as `Symbol::Helper`) of the helper or byte-order macro
/// called `name`.
pub(crate) fn helper_index(name: &str) -> Option<usize> {
    let helpers = btf::bpf_helpers();
    helpers
        .iter()
        .position(|helper| helper.name == name)
        .or_else(|| {
            BYTE_ORDER_MACROS
                .iter()
                .position(|(macro_name, _)| *macro_name == name)
                .map(|index| helpers.len() + index)
        })
}

/// The UAPI helper of index `index`, `None` for a byte-order macro.
pub(crate) fn uapi_helper(index: usize) -> Option<&'static BpfHelper> {
    btf::bpf_helpers().get(index)
}

/// The prototype of helper `index` (see `helper_index`).
pub(crate) fn helper_signature(checker: &mut Checker<'_>, index: usize) -> HelperSignature {
    let Some(helper) = uapi_helper(index) else {
        let (name, int) = BYTE_ORDER_MACROS[index - btf::bpf_helpers().len()];
        return HelperSignature {
            name,
            params: vec![Type::Int(int)],
            map_params: vec![false],
            ret: Type::Int(int),
            is_variadic: false,
        };
    };
    let params = helper
        .parameters
        .iter()
        .map(|parameter| checker.helper_type(&parameter.c_type))
        .collect();
    let map_params = helper
        .parameters
        .iter()
        .map(|parameter| {
            matches!(parameter.c_type, HelperType::Pointer { ref target, .. } if **target == HelperType::Void)
                && (parameter.name == "map" || parameter.name.ends_with("_map"))
        })
        .collect();
    HelperSignature {
        name: helper.name,
        params,
        map_params,
        ret: checker.helper_type(&helper.return_type),
        is_variadic: helper.is_variadic,
    }
}

impl Checker<'_> {
    /// The checker type of a helper prototype's C type.
    fn helper_type(&mut self, c_type: &HelperType) -> Type {
        match c_type {
            HelperType::Void => Type::Void,
            HelperType::Integer {
                byte_size,
                is_signed,
                ..
            } => Type::Int(match (byte_size, is_signed) {
                (1, false) => IntType::U8,
                (1, true) => IntType::I8,
                (2, false) => IntType::U16,
                (2, true) => IntType::I16,
                (4, false) => IntType::U32,
                (4, true) => IntType::I32,
                (_, false) => IntType::U64,
                (_, true) => IntType::I64,
            }),
            HelperType::Pointer { target, .. } => match target.as_ref() {
                HelperType::Struct(name) => {
                    let found = self
                        .kernel
                        .btf
                        .find_by_name(TypeKind::Struct, name)
                        .map(|id| self.import_btf_type(id, false));
                    match found {
                        Some(pointee @ Type::Struct(_)) => Type::Pointer(Box::new(pointee)),
                        _ => Type::Pointer(Box::new(Type::Void)),
                    }
                }
                // Any other pointer: a parameter takes any pointer, a
                // result is cast by the caller (`bpf_map_lookup_elem`).
                _ => Type::Pointer(Box::new(Type::Void)),
            },
            // Structs are passed by pointer only.
            HelperType::Struct(_) => Type::Error,
        }
    }
}
