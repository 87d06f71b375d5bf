//! TC (`sched_cls`) specifics: `SEC("tc") int NAME(struct __sk_buff *ctx)`.
//!
//! libbpf 1.1 only knows the plain `tc` section; the ingress/egress
//! direction is chosen when userspace attaches the program. As for XDP, the
//! `data`, `data_end` and `data_meta` fields of `struct __sk_buff` are
//! `__u32` in C and packet pointers for the verifier.

/// The libbpf section name, whatever the direction.
pub(super) const SECTION: &str = "tc";

/// The context struct the packet pointer fields belong to.
pub(super) const CONTEXT_STRUCT: &str = "__sk_buff";

/// Returned on an uncaught `throw` or a failed tail call: drop the packet.
pub(super) const FAILURE_RESULT: &str = "TC_ACT_SHOT";

/// Whether `field` of `struct __sk_buff` is a `__u32` the verifier turns
/// into a packet pointer.
pub(super) fn is_packet_pointer_field(field: &str) -> bool {
    matches!(field, "data" | "data_end" | "data_meta")
}
