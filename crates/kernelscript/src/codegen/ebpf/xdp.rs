//! XDP specifics: `SEC("xdp") int NAME(struct xdp_md *ctx)`.
//!
//! `struct xdp_md` declares `data`, `data_end` and `data_meta` as `__u32`;
//! the verifier rewrites loads of them into packet pointers. KernelScript
//! types them `*u8`, so reads are spelled `(void *)(long)ctx->data` (or with
//! `__u8 *` where byte arithmetic follows). Everything else about XDP
//! programs is generic (see `functions.rs`).

/// The libbpf section name (libbpf 1.1 and later).
pub(super) const SECTION: &str = "xdp";

/// The context struct the packet pointer fields belong to.
pub(super) const CONTEXT_STRUCT: &str = "xdp_md";

/// What a program returns when it cannot do what the source says: an
/// uncaught `throw`, or a tail call whose target is not in the program
/// array. `XDP_ABORTED` drops the packet and fires the `xdp_exception`
/// tracepoint, so the failure is visible.
pub(super) const FAILURE_RESULT: &str = "XDP_ABORTED";

/// Whether `field` of `struct xdp_md` is a `__u32` the verifier turns into
/// a packet pointer.
pub(super) fn is_packet_pointer_field(field: &str) -> bool {
    matches!(field, "data" | "data_end" | "data_meta")
}
