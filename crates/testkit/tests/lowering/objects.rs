//! Object allocation (issue 9 item 2): `new`/`delete` as
//! bpf_obj_new/bpf_obj_drop and maps of `*T` as referenced kptrs moved
//! with bpf_kptr_xchg (`tests/data/lowering/objects/`): objects stored,
//! updated in place through a borrowed pointer, replaced (the old one
//! dropped), refused by a full map (the new one dropped), invisible to
//! userspace; the ownership mistakes the verifier refuses; and which
//! program types may allocate.
//!
//! kptr map values need BTF type tags, which only clang >= 15 writes:
//! those fixtures are built with [`type_tag_clang`].

use testkit::{LoadedObject, XDP_PASS};

use super::{build_by, clear, report, slot, type_tag_clang, u32_bytes};

fn set_input(obj: &LoadedObject, src_ip: u32, replace: bool) {
    // struct input_config { __u32 src_ip; bool replace; } (8 bytes).
    let mut bytes = u32_bytes(&[src_ip]);
    bytes.extend_from_slice(&[u8::from(replace), 0, 0, 0]);
    obj.write_global("input", &bytes).unwrap();
}

/// Runs `packet_inspector` on a frame of `len` bytes; returns its result
/// and `results[0..3]` (count after this packet, bytes of replaced
/// objects, failed stores).
fn inspect(obj: &LoadedObject, len: usize) -> (u32, [u64; 3]) {
    let ret = obj
        .run_xdp("packet_inspector", &vec![0u8; len])
        .unwrap()
        .retval;
    (
        ret,
        [
            slot(obj, "results", 0),
            slot(obj, "results", 1),
            slot(obj, "results", 2),
        ],
    )
}

#[test]
fn objects_are_allocated_stored_replaced_and_dropped() {
    let Some(clang) = type_tag_clang() else {
        return;
    };
    let built = build_by(&clang, "objects/conn_tracker.bpf.c", &[]);
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let obj = built.load();
    for prog in ["packet_inspector", "scratch_object"] {
        report(
            &format!("objects {prog}"),
            obj.verified_insns(prog).unwrap(),
        );
    }
    clear(&obj, "results", 4);

    // new, read, write, delete: every new object reads as zero, although
    // the allocator hands back the memory the last run dirtied.
    for _ in 0..10 {
        let ret = obj.run_xdp("scratch_object", &[0u8; 64]).unwrap().retval;
        assert_eq!((ret, slot(&obj, "results", 3)), (XDP_PASS, 0));
    }

    // The first packet of flow 1 allocates its object and stores it.
    set_input(&obj, 1, false);
    assert_eq!(inspect(&obj, 64), (XDP_PASS, [1, 0, 0]));
    // The next ones update it in place through the borrowed pointer.
    assert_eq!(inspect(&obj, 100), (XDP_PASS, [2, 0, 0]));
    assert_eq!(inspect(&obj, 36), (XDP_PASS, [3, 0, 0]));
    // Replacing it: the old object (64 + 100 + 36 bytes) comes back from
    // bpf_kptr_xchg and is dropped.
    set_input(&obj, 1, true);
    assert_eq!(inspect(&obj, 50), (XDP_PASS, [1, 200, 0]));
    set_input(&obj, 1, false);
    assert_eq!(inspect(&obj, 50), (XDP_PASS, [2, 200, 0]));

    // Userspace sees the entry but not the object: kptr fields read as 0.
    let key = 1u32.to_ne_bytes();
    assert_eq!(
        obj.lookup("conn_tracker", &key).unwrap(),
        Some(vec![0u8; 8])
    );

    // Flow 2 fills the map (max_entries 2); flow 3 finds no room, and the
    // object it allocated is dropped instead of stored, every time.
    set_input(&obj, 2, false);
    assert_eq!(inspect(&obj, 64), (XDP_PASS, [1, 200, 0]));
    set_input(&obj, 3, false);
    assert_eq!(inspect(&obj, 64), (XDP_PASS, [1, 200, 1]));
    assert_eq!(inspect(&obj, 64), (XDP_PASS, [1, 200, 2]));
    assert_eq!(
        obj.lookup("conn_tracker", &3u32.to_ne_bytes()).unwrap(),
        None
    );

    // Deleting an entry frees its object; the flow starts over.
    assert!(obj.delete("conn_tracker", &key).unwrap());
    set_input(&obj, 1, false);
    assert_eq!(inspect(&obj, 64), (XDP_PASS, [1, 200, 2]));
    assert_eq!(inspect(&obj, 64), (XDP_PASS, [2, 200, 2]));
}

#[test]
fn the_verifier_refuses_the_ownership_mistakes_the_checker_must_catch() {
    let Some(clang) = type_tag_clang() else {
        return;
    };
    let cases = [
        (0, None),
        (1, Some("R0 invalid mem access 'ptr_or_null_'")),
        (2, Some("Unreleased reference")),
        (3, Some("Unreleased reference")),
        (4, Some("invalid mem access 'scalar'")),
    ];
    for (mistake, refusal) in cases {
        let built = build_by(
            &clang,
            "objects/mistakes.bpf.c",
            &[&format!("-DMISTAKE={mistake}")],
        );
        let Some(_kernel) = testkit::skip_unless_capable() else {
            return;
        };
        match refusal {
            None => drop(built.load()),
            Some(message) => {
                let err = built.load_err();
                assert!(err.log.contains(message), "mistake {mistake}: {err}");
            }
        }
    }
}

#[test]
fn program_types_that_may_allocate_objects() {
    // (section, may call bpf_obj_new/bpf_obj_drop on this kernel)
    let sections = [
        ("xdp", true),
        ("tc", true),
        ("tracepoint/syscalls/sys_enter_getpid", true),
        ("perf_event", true),
        ("cgroup_skb/ingress", true),
        ("cgroup/sock_create", true),
        ("syscall", true),
        ("raw_tracepoint/sys_enter", false),
        ("kprobe/do_unlinkat", false),
        ("socket", false),
        ("sk_msg", false),
        ("lwt_in", false),
        ("flow_dissector", false),
    ];
    for (section, allowed) in sections {
        let built = build_by(
            &testkit::clang_binary(),
            "objects/alloc_in.bpf.c",
            &[&format!("-DKS_SEC=\"{section}\"")],
        );
        let Some(_kernel) = testkit::skip_unless_capable() else {
            return;
        };
        if allowed {
            drop(built.load());
        } else {
            let err = built.load_err();
            assert!(
                err.log
                    .contains("calling kernel function bpf_obj_new_impl is not allowed"),
                "{section}: {err}"
            );
        }
    }
}
