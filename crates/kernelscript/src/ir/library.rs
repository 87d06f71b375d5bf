//! The userspace standard library: process and clock queries, time
//! formatting, IPv4/IPv6 address parsing and formatting, string search
//! and comparison. This file holds each function's name and signature, the
//! one table the checker types calls with; the C bodies live in
//! `codegen/userspace/library.rs`. Pure data: no IO.

use super::{IntType, Type};

/// One function of the userspace standard library.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Library {
    /// `getpid() -> u32`
    GetPid,
    /// `now_ns() -> u64`: the monotonic clock (`bpf_ktime_get_ns`'s).
    NowNs,
    /// `time_ns() -> u64`: the wall clock, nanoseconds since the epoch.
    TimeNs,
    /// `format_time(ns: u64) -> str(16)`: `HH:MM:SS` in local time.
    FormatTime,
    /// `parse_ipv4(text: str, out: *u32) -> bool`
    ParseIpv4,
    /// `format_ipv4(addr: u32) -> str(16)`
    FormatIpv4,
    /// `parse_ipv6(text: str, out: *u8[16]) -> bool`
    ParseIpv6,
    /// `format_ipv6(addr: u8[16]) -> str(46)`
    FormatIpv6,
    /// `str_find(text: str, needle: str) -> i32`: first index or -1.
    StrFind,
    /// `str_contains(text: str, needle: str) -> bool`
    StrContains,
    /// `str_starts_with(text: str, prefix: str) -> bool`
    StrStartsWith,
    /// `str_cmp(a: str, b: str) -> i32`: <0, 0 or >0 (byte order).
    StrCmp,
}

/// Every library function by its KernelScript name.
pub const LIBRARY: &[(&str, Library)] = &[
    ("getpid", Library::GetPid),
    ("now_ns", Library::NowNs),
    ("time_ns", Library::TimeNs),
    ("format_time", Library::FormatTime),
    ("parse_ipv4", Library::ParseIpv4),
    ("format_ipv4", Library::FormatIpv4),
    ("parse_ipv6", Library::ParseIpv6),
    ("format_ipv6", Library::FormatIpv6),
    ("str_find", Library::StrFind),
    ("str_contains", Library::StrContains),
    ("str_starts_with", Library::StrStartsWith),
    ("str_cmp", Library::StrCmp),
];

/// Any string (`str(N)` of every N) as a parameter.
const ANY_STR: Type = Type::Str(u32::MAX);

impl Library {
    /// The parameter types and the return type.
    pub fn signature(self) -> (Vec<Type>, Type) {
        let u32_ = Type::Int(IntType::U32);
        let u64_ = Type::Int(IntType::U64);
        let i32_ = Type::Int(IntType::I32);
        let ipv6 = Type::Array(Box::new(Type::Int(IntType::U8)), 16);
        match self {
            Library::GetPid => (vec![], u32_),
            Library::NowNs | Library::TimeNs => (vec![], u64_),
            Library::FormatTime => (vec![u64_], Type::Str(16)),
            Library::ParseIpv4 => (vec![ANY_STR, Type::Pointer(Box::new(u32_))], Type::Bool),
            Library::FormatIpv4 => (vec![u32_], Type::Str(16)),
            Library::ParseIpv6 => (vec![ANY_STR, Type::Pointer(Box::new(ipv6))], Type::Bool),
            Library::FormatIpv6 => (vec![ipv6], Type::Str(46)),
            Library::StrFind | Library::StrCmp => (vec![ANY_STR, ANY_STR], i32_),
            Library::StrContains | Library::StrStartsWith => (vec![ANY_STR, ANY_STR], Type::Bool),
        }
    }
}
