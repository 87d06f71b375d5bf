//! The Rust API of testkit against the real kernel, without annotations:
//! clang builds (and its errors), loading (and the verifier log of a
//! rejection), XDP/TC test runs, map and per-CPU map access, and globals
//! read and written before and after load. Uses the C programs of
//! `tests/e2e/harness_selftest/`; must not depend on the compiler.

use std::path::{Path, PathBuf};

use testkit::e2e::scratch_dir;
use testkit::{
    build_bpf_object, AccessError, LoadOptions, LoadedObject, Packet, TcpFlags, TC_ACT_OK,
    TC_ACT_SHOT, XDP_DROP, XDP_PASS,
};

fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/e2e/harness_selftest")
        .join(format!("{name}.c"))
}

/// Builds `harness_selftest/NAME.c` into a scratch directory.
fn build(name: &str) -> PathBuf {
    let dir = scratch_dir(name).expect("scratch dir");
    let o = dir.join(format!("{name}.o"));
    build_bpf_object(&program(name), &o).unwrap_or_else(|e| panic!("{e}"));
    o
}

fn load(o: &Path) -> LoadedObject {
    LoadedObject::open_and_load(o).unwrap_or_else(|e| panic!("{e}"))
}

fn cleanup(o: &Path) {
    let _ = std::fs::remove_dir_all(o.parent().expect("scratch dir"));
}

#[test]
fn clang_errors_carry_stderr() {
    let dir = scratch_dir("broken").unwrap();
    let c = dir.join("broken.ebpf.c");
    std::fs::write(&c, "int f(void) { return undeclared_thing; }\n").unwrap();
    let err = build_bpf_object(&c, &dir.join("broken.o"))
        .expect_err("must not build")
        .to_string();
    assert!(err.contains("undeclared_thing"), "{err}");
    assert!(
        err.contains("-target bpf") && err.contains("-D__TARGET_ARCH_"),
        "{err}"
    );
    cleanup(&c);
}

#[test]
fn vmlinux_h_builds_with_the_user_flags() {
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        return println!("skipped: no /sys/kernel/btf/vmlinux (kernel without BTF)");
    }
    let dir = scratch_dir("vmlinux").unwrap();
    testkit::write_vmlinux_h(&dir).unwrap_or_else(|e| panic!("{e}"));
    let c = dir.join("uses_vmlinux.ebpf.c");
    let src = "#include \"vmlinux.h\"\n#include <bpf/bpf_helpers.h>\n\
               SEC(\"xdp\") int pass(struct xdp_md *ctx) { return XDP_PASS; }\n\
               char LICENSE[] SEC(\"license\") = \"GPL\";\n";
    std::fs::write(&c, src).unwrap();
    build_bpf_object(&c, &dir.join("uses_vmlinux.o")).unwrap_or_else(|e| panic!("{e}"));
    cleanup(&c);
}

#[test]
fn xdp_runs_and_maps() {
    let o = build("xdp_udp_filter");
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return cleanup(&o);
    };
    let obj = load(&o);
    assert_eq!(obj.program_names(), vec!["filter_udp".to_string()]);
    for m in ["drops", "flows", "seen"] {
        assert!(
            obj.map_names().iter().any(|n| n == m),
            "{:?}",
            obj.map_names()
        );
    }

    let dns = Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .udp(1234, 53)
        .payload(b"hi")
        .build();
    let r = obj.run_xdp("filter_udp", &dns).unwrap();
    assert_eq!(r.retval, XDP_DROP);
    assert_eq!(r.data_out, dns, "the program does not modify the packet");
    let web = Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .tcp(1, 80)
        .flags(TcpFlags::SYN)
        .build();
    assert_eq!(obj.run_xdp("filter_udp", &web).unwrap().retval, XDP_PASS);

    let key = [10, 0, 0, 2];
    assert_eq!(
        obj.lookup("drops", &key).unwrap(),
        Some(1u64.to_le_bytes().to_vec())
    );
    assert_eq!(obj.lookup("drops", &[10, 0, 0, 3]).unwrap(), None);
    obj.update("drops", &[10, 0, 0, 3], &5u64.to_le_bytes())
        .unwrap();
    assert_eq!(
        obj.lookup("drops", &[10, 0, 0, 3]).unwrap(),
        Some(5u64.to_le_bytes().to_vec())
    );
    assert!(obj.delete("drops", &[10, 0, 0, 3]).unwrap());
    assert!(!obj.delete("drops", &[10, 0, 0, 3]).unwrap());

    let per_cpu = obj
        .lookup_percpu("seen", &0u32.to_le_bytes())
        .unwrap()
        .expect("array entry");
    assert_eq!(
        per_cpu.len(),
        testkit::libbpf_rs::num_possible_cpus().unwrap()
    );
    let total: u64 = per_cpu
        .iter()
        .map(|v| u64::from_le_bytes(v[..8].try_into().unwrap()))
        .sum();
    assert_eq!(total, 2);
    let meta = obj.map_meta("flows").unwrap();
    assert_eq!((meta.key_size, meta.value_size), (8, 16));

    assert!(matches!(
        obj.lookup("drops", &[1, 2]),
        Err(AccessError::WrongSize {
            expected: 4,
            actual: 2,
            ..
        })
    ));
    assert!(matches!(
        obj.lookup("nope", &key),
        Err(AccessError::UnknownMap { .. })
    ));
    assert!(matches!(
        obj.run_tc("filter_udp", &dns),
        Err(AccessError::WrongProgramType { .. })
    ));
    assert!(matches!(
        obj.run_xdp("filter_udp", &[0; 13]),
        Err(AccessError::PacketTooShort { len: 13 })
    ));
    assert!(matches!(
        obj.run_xdp("nope", &dns),
        Err(AccessError::UnknownProgram { .. })
    ));
    drop(obj);
    cleanup(&o);
}

#[test]
fn tc_runs_on_skbs() {
    let o = build("tc_classifier");
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return cleanup(&o);
    };
    let obj = load(&o);
    let syn = Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .tcp(40000, 22)
        .flags(TcpFlags::SYN)
        .build();
    assert_eq!(obj.run_tc("classify", &syn).unwrap().retval, TC_ACT_SHOT);
    let synack = Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .tcp(40000, 22)
        .flags(TcpFlags::SYN | TcpFlags::ACK)
        .build();
    let r = obj.run_tc("classify", &synack).unwrap();
    assert_eq!(r.retval, TC_ACT_OK);
    assert_eq!(r.data_out, synack);
    assert_eq!(
        obj.program_type("classify").unwrap(),
        testkit::ProgramType::SchedCls
    );
    drop(obj);
    cleanup(&o);
}

#[test]
fn globals_before_and_after_load() {
    let o = build("globals");
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return cleanup(&o);
    };
    let options = LoadOptions {
        globals: vec![("blocked_port".into(), 9999u16.to_le_bytes().to_vec())],
    };
    let obj = LoadedObject::open_and_load_with(&o, &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        obj.read_global("blocked_port").unwrap(),
        9999u16.to_le_bytes()
    );
    assert_eq!(obj.globals()["packet_count"].section, ".bss");
    assert_eq!(obj.globals()["last_proto"].section, ".data");
    assert_eq!(obj.globals()["blocked_port"].section, ".rodata");

    let pkt = Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .udp(1, 9999)
        .build();
    assert_eq!(obj.run_xdp("count_globals", &pkt).unwrap().retval, XDP_DROP);
    assert_eq!(obj.run_xdp("count_globals", &pkt).unwrap().retval, XDP_DROP);
    let bss = obj.read_global_section(".bss").unwrap();
    let at = obj.globals()["packet_count"].offset;
    assert_eq!(
        u64::from_le_bytes(bss[at..at + 8].try_into().unwrap()),
        2,
        "live .bss, not a stale copy"
    );

    obj.write_global("packet_count", &40u64.to_le_bytes())
        .unwrap();
    obj.run_xdp("count_globals", &pkt).unwrap();
    assert_eq!(
        obj.read_global("packet_count").unwrap(),
        41u64.to_le_bytes()
    );
    assert!(
        obj.write_global("blocked_port", &1u16.to_le_bytes())
            .is_err(),
        ".rodata is frozen after load"
    );
    assert!(matches!(
        obj.read_global("nope"),
        Err(AccessError::UnknownGlobal { .. })
    ));

    let bad = LoadOptions {
        globals: vec![("blocked_port".into(), vec![1, 2, 3, 4])],
    };
    let err = LoadedObject::open_and_load_with(&o, &bad).expect_err("wrong size");
    assert_eq!(err.stage, "set global");
    drop(obj);
    cleanup(&o);
}

#[test]
fn verifier_rejection_reports_the_log() {
    let o = build("rejected");
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return cleanup(&o);
    };
    let err = LoadedObject::open_and_load(&o).expect_err("the verifier must reject it");
    assert_eq!(err.stage, "load");
    assert!(err.log.contains("-- BEGIN PROG LOAD LOG --"), "{}", err.log);
    assert!(err.log.contains("invalid access to packet"), "{}", err.log);
    let shown = err.to_string();
    assert!(
        shown.contains("R1 offset is outside of the packet"),
        "{shown}"
    );
    cleanup(&o);
}

#[test]
fn kernel_lock_is_reentrant() {
    let Some(outer) = testkit::skip_unless_capable() else {
        return;
    };
    let inner = testkit::kernel_lock();
    drop(inner);
    drop(outer);
    let _again = testkit::kernel_lock();
}
