//! `perf_event_array` output (issue 9 item 6): bpf_perf_event_output
//! from XDP, TC and a tracepoint (`tests/data/lowering/perf/`), read by a
//! consumer written against libbpf 1.1's perf buffer API; an output with
//! no reader fails and says so.

use super::{build, build_host_program, run_host_program};

#[test]
fn events_from_xdp_tc_and_a_tracepoint_reach_a_libbpf_1_1_perf_buffer() {
    let built = build("perf/events.bpf.c");
    let consumer = build_host_program("perf/perf_consumer.c", built.dir());
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let object = built.object.to_str().unwrap();
    let output = run_host_program(
        &consumer,
        &[
            object,
            "events",
            // No perf buffer is open yet: this event has no reader.
            "report:64",
            "open",
            "report:100",
            "capture:60",
            "report_tc:80",
            "getpid:3",
            "report:14",
        ],
    );
    let lines: Vec<&str> = output.lines().collect();
    let pid = lines
        .iter()
        .find_map(|line| line.strip_prefix("getpid 3 pid="))
        .unwrap_or_else(|| panic!("no getpid line:\n{output}"));
    // Events come per CPU buffer, so their order across CPUs is not
    // fixed: compare them sorted by seq.
    let mut events: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| line.starts_with("event "))
        .collect();
    let seq = |line: &str| -> u32 {
        let field = line.split(' ').find_map(|f| f.strip_prefix("seq="));
        field.and_then(|s| s.parse().ok()).unwrap_or(u32::MAX)
    };
    events.sort_by_key(|line| seq(line));
    let getpid = format!("event size=12 seq=%d len={pid} cpu_ok=1");
    let expected_events = vec![
        "event size=12 seq=1 len=100 cpu_ok=1".to_string(),
        // 8-byte record + 14 packet bytes, padded to keep the sample
        // 8-byte aligned (as the 8-byte records arrive as 12).
        "event size=28 seq=2 len=60 cpu_ok=1 packet_zeros=14".to_string(),
        "event size=12 seq=7 len=14 cpu_ok=1".to_string(),
        getpid.replace("%d", "1004"),
        getpid.replace("%d", "1005"),
        getpid.replace("%d", "1006"),
        "event size=12 seq=2003 len=80 cpu_ok=1".to_string(),
    ];
    assert_eq!(events, expected_events, "{output}");
    let others: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| !line.starts_with("event ") && !line.starts_with("verified_insns"))
        .collect();
    let expected_others = [
        "run report 64 ret=2".to_string(),
        "open".to_string(),
        "run report 100 ret=2".to_string(),
        "run capture 60 ret=2".to_string(),
        "run report_tc 80 ret=0".to_string(),
        format!("getpid 3 pid={pid}"),
        "run report 14 ret=2".to_string(),
        "events 7".to_string(),
        // The event output before `open` found no reader.
        "failures 1".to_string(),
    ];
    assert_eq!(others, expected_others, "{output}");
    for line in lines.iter().filter(|l| l.starts_with("verified_insns")) {
        println!("{line} (perf/events.bpf.c)");
    }
}
