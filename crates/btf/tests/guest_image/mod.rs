//! The Debian 12 guest kernel (6.1) for the tests that check this crate
//! against an older kernel's BTF: its uncompressed `vmlinux` ELF (which
//! carries `.BTF` and `.BTF_ids`) comes from the qemu tier's preparation
//! (`testkit::qemu::Guest`, cached under `target/qemu-guest/`), or from
//! `$KS_GUEST_VMLINUX`. Without either a test prints `skipped: <reason>`
//! (`KS_REQUIRE_KERNEL=1` turns that into a failure, as the qemu tier
//! does). This module must not prepare anything itself.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The guest's `vmlinux` bytes, read once per test binary; `None` after
/// printing the skip reason.
pub fn vmlinux() -> Option<&'static [u8]> {
    static IMAGE: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    IMAGE
        .get_or_init(|| {
            let path = match std::env::var_os("KS_GUEST_VMLINUX") {
                Some(path) => PathBuf::from(path),
                None => testkit::qemu::skip_unless_guest()?.vmlinux(),
            };
            Some(std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display())))
        })
        .as_deref()
}

/// `relative` under the guest kernel's `/lib/modules/<version>/`, if the
/// qemu tier's kernel package installed it there.
pub fn module(relative: &str) -> Option<PathBuf> {
    let guest = testkit::qemu::Guest::prepare().ok()?;
    let path = PathBuf::from("/lib/modules")
        .join(guest.kernel_version())
        .join(relative);
    path.is_file().then_some(path)
}
