//! Errors across eBPF functions (issue 9 item 4): a throw three calls
//! deep reaches the nearest `try` of its callers, running every frame's
//! `defer` on the way (`tests/data/lowering/errors/`). The recommended
//! convention (error code as the C return, value through an out-pointer)
//! and the alternative (a pointer to the caller's error slot) both run,
//! inlined as the compiler emits helpers and as real BPF-to-BPF calls;
//! their verified instruction counts are printed for the design note.

use testkit::{XDP_DROP, XDP_PASS, XDP_TX};

use super::{build, clear, report, slot};
use crate::Built;

/// (frame length, expected return, expected `trace[0..6]`): slots 0-3
/// are the defers of `chain`, `classify`, `parse_ip`, `read_version`;
/// 4 is chain's `catch TOO_SHORT`, 5 is classify's `catch BAD_VERSION`.
const CASES: [(usize, u32, [u64; 6]); 3] = [
    // read_version returns 4: 4 * 10 + 1 = 41.
    (64, XDP_PASS, [1, 1, 1, 1, 0, 0]),
    // TOO_SHORT from the third call, caught by the program, three frames up.
    (14, XDP_TX, [1, 1, 1, 1, 1, 0]),
    // BAD_VERSION from the third call, caught by classify, two frames up;
    // classify returns 0, which is not 41.
    (1200, XDP_DROP, [1, 1, 1, 1, 0, 1]),
];

fn build_with(fixture: &str, helper: Option<&str>) -> Built {
    match helper {
        None => build(fixture),
        Some(attrs) => super::build_with(fixture, &[&format!("-DKS_HELPER={attrs}")]),
    }
}

#[test]
fn a_throw_three_calls_deep_reaches_the_nearest_try_running_every_defer() {
    for fixture in ["errors/chain.bpf.c", "errors/chain_slot.bpf.c"] {
        for (calls, helper) in [
            ("inlined", None),
            ("bpf-to-bpf calls", Some("static __noinline")),
        ] {
            let built = build_with(fixture, helper);
            let Some(_kernel) = testkit::skip_unless_capable() else {
                return;
            };
            let obj = built.load();
            report(
                &format!("{fixture} ({calls})"),
                obj.verified_insns("chain").unwrap(),
            );
            for (len, ret, trace) in CASES {
                clear(&obj, "trace", 8);
                let got = obj.run_xdp("chain", &vec![0u8; len]).unwrap().retval;
                let mut seen = [0u64; 6];
                for (key, value) in seen.iter_mut().enumerate() {
                    *value = slot(&obj, "trace", key as u32);
                }
                assert_eq!(
                    (got, seen),
                    (ret, trace),
                    "{fixture} ({calls}), {len}-byte frame"
                );
            }
        }
    }
}
