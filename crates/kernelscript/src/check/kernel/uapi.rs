//! Kernel constants BTF cannot hold: UAPI `#define`s that programs name
//! (`TC_ACT_OK`, ...). BTF records types, functions and enumerators, never
//! preprocessor macros, so these few are listed here with the values of
//! `<linux/pkt_cls.h>`. Kernel enumerators (`XDP_PASS` of `enum
//! xdp_action`, `BPF_ANY`) come from BTF, not from this table.
//!
//! The eBPF generator includes the UAPI header defining them, or (with the
//! kernel header) defines them itself under `#ifndef`.

use crate::ir::IntType;

/// A UAPI macro constant.
pub(crate) struct UapiConst {
    pub name: &'static str,
    pub ty: IntType,
    pub value: i128,
}

/// `TC_ACT_*`: what a TC classifier returns (`<linux/pkt_cls.h>`).
#[rustfmt::skip]
pub(crate) const UAPI_CONSTS: &[UapiConst] = &[
    UapiConst { name: "TC_ACT_UNSPEC", ty: IntType::I32, value: -1 },
    UapiConst { name: "TC_ACT_OK", ty: IntType::I32, value: 0 },
    UapiConst { name: "TC_ACT_RECLASSIFY", ty: IntType::I32, value: 1 },
    UapiConst { name: "TC_ACT_SHOT", ty: IntType::I32, value: 2 },
    UapiConst { name: "TC_ACT_PIPE", ty: IntType::I32, value: 3 },
    UapiConst { name: "TC_ACT_STOLEN", ty: IntType::I32, value: 4 },
    UapiConst { name: "TC_ACT_QUEUED", ty: IntType::I32, value: 5 },
    UapiConst { name: "TC_ACT_REPEAT", ty: IntType::I32, value: 6 },
    UapiConst { name: "TC_ACT_REDIRECT", ty: IntType::I32, value: 7 },
];
