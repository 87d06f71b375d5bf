//! Insert-if-absent (issue 9 item 7): `BPF_NOEXIST` updates from eBPF on
//! each map kind (`tests/data/lowering/noexist/`): inserted once, then
//! -EEXIST with the first value kept; array kinds always -EEXIST (every
//! index exists); a full hash map -E2BIG; an LRU map evicts instead; a
//! per-CPU hash map's new entry holds the value on one CPU only. The
//! same flag from userspace answers the same.

use testkit::libbpf_rs::{MapCore, MapFlags};
use testkit::LoadedObject;

use super::{as_u64, build, frame, slot, u32_bytes};

const EEXIST: i64 = -17;
const E2BIG: i64 = -7;

/// `input.map` values of the fixture.
const FIRST_SEEN: u32 = 0;
const SLOTS: u32 = 1;
const PER_CPU_SEEN: u32 = 2;
const PER_CPU_SLOTS: u32 = 3;
const RECENT: u32 = 4;

/// Runs `insert` on map `map`, returns bpf_map_update_elem's result.
fn insert(obj: &LoadedObject, map: u32, key: u32, value: u64) -> i64 {
    let mut input = u32_bytes(&[map, key]);
    input.extend_from_slice(&value.to_ne_bytes());
    obj.write_global("input", &input).unwrap();
    obj.write_global("last_ret", &i64::MAX.to_ne_bytes())
        .unwrap();
    obj.run_xdp("insert", &frame()).unwrap();
    i64::from_ne_bytes(obj.read_global("last_ret").unwrap().try_into().unwrap())
}

fn value(obj: &LoadedObject, map: &str, key: u32) -> Option<u64> {
    obj.lookup(map, &key.to_ne_bytes())
        .unwrap()
        .map(|v| as_u64(&v))
}

#[test]
fn bpf_noexist_inserts_once_per_key_on_every_map_kind() {
    let built = build("noexist/insert.bpf.c");
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let obj = built.load();

    // hash: inserted, then refused with the first value kept; full at 2.
    assert_eq!(insert(&obj, FIRST_SEEN, 5, 50), 0);
    assert_eq!(insert(&obj, FIRST_SEEN, 5, 51), EEXIST);
    assert_eq!(value(&obj, "first_seen", 5), Some(50));
    assert_eq!(insert(&obj, FIRST_SEEN, 6, 60), 0);
    assert_eq!(insert(&obj, FIRST_SEEN, 7, 70), E2BIG);
    assert_eq!(value(&obj, "first_seen", 7), None);
    // Room again after a delete.
    assert!(obj.delete("first_seen", &5u32.to_ne_bytes()).unwrap());
    assert_eq!(insert(&obj, FIRST_SEEN, 7, 70), 0);

    // array and percpu_array: every index exists, so nothing is ever
    // inserted; an index past the end is -E2BIG.
    assert_eq!(insert(&obj, SLOTS, 0, 1), EEXIST);
    assert_eq!(slot(&obj, "slots", 0), 0);
    assert_eq!(insert(&obj, SLOTS, 4, 1), E2BIG);
    assert_eq!(insert(&obj, PER_CPU_SLOTS, 3, 1), EEXIST);

    // percpu_hash: the key is shared by all CPUs; the new entry holds
    // the value on the CPU that inserted it and zero on the others.
    assert_eq!(insert(&obj, PER_CPU_SEEN, 9, 90), 0);
    assert_eq!(insert(&obj, PER_CPU_SEEN, 9, 91), EEXIST);
    let per_cpu: Vec<u64> = obj
        .lookup_percpu("per_cpu_seen", &9u32.to_ne_bytes())
        .unwrap()
        .expect("entry 9")
        .iter()
        .map(|v| as_u64(v))
        .collect();
    let mut sorted = per_cpu.clone();
    sorted.sort_unstable();
    let mut expected = vec![0; per_cpu.len() - 1];
    expected.push(90);
    assert_eq!(sorted, expected, "per-CPU values {per_cpu:?}");

    // lru_hash: a full map evicts instead of refusing (with its per-CPU
    // free lists, a map this small may evict more than one entry); a
    // present key is still -EEXIST.
    for key in 1..=3 {
        assert_eq!(insert(&obj, RECENT, key, u64::from(key)), 0);
    }
    assert_eq!(insert(&obj, RECENT, 3, 33), EEXIST);
    assert_eq!(value(&obj, "recent", 3), Some(3));
    let kept = (1..=3)
        .filter(|key| value(&obj, "recent", *key).is_some())
        .count();
    assert!((1..=2).contains(&kept), "{kept} of keys 1..=3 kept");

    // Userspace: the same flag, the same answers.
    let first_seen = obj
        .object()
        .maps()
        .find(|m| m.name() == "first_seen")
        .expect("first_seen");
    let err = first_seen
        .update(
            &6u32.to_ne_bytes(),
            &61u64.to_ne_bytes(),
            MapFlags::NO_EXIST,
        )
        .expect_err("key 6 exists");
    assert_eq!(
        err.kind(),
        testkit::libbpf_rs::ErrorKind::AlreadyExists,
        "{err}"
    );
    assert_eq!(value(&obj, "first_seen", 6), Some(60));
}
