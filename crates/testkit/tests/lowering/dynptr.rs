//! dynptr ring buffers (issue 9 item 3): variable-size records and
//! writes at run-time indices through bpf_ringbuf_reserve_dynptr,
//! bpf_dynptr_data, bpf_dynptr_write and submit/discard_dynptr
//! (`tests/data/lowering/dynptr/`), read back by a consumer written
//! against libbpf 1.1's ring buffer API; and the plain-reservation and
//! release mistakes that make those shapes necessary.

use super::{build, build_host_program, run_host_program};

#[test]
fn variable_size_records_reach_a_libbpf_1_1_consumer_and_discards_do_not() {
    let built = build("dynptr/records.bpf.c");
    let consumer = build_host_program("dynptr/ringbuf_consumer.c", built.dir());
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let object = built.object.to_str().unwrap();
    // Payload sizes 0, 6, 16, 31, 46, 2000, 2000, 86, 10 with seq 0 to 8:
    // odd seqs are discarded; the second 2000-byte record finds the 4 KiB
    // ring full (the consumer has not read anything yet; discarded
    // records hold their space until it does) and is dropped.
    let lens = [14, 20, 30, 45, 60, 2014, 2014, 100, 24];
    let mut args = vec![object.to_string(), "samples".to_string()];
    args.extend(lens.iter().map(|len| format!("variable:{len}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run_host_program(&consumer, &args);
    let mut expected: Vec<String> = lens
        .iter()
        .enumerate()
        .map(|(seq, len)| {
            let ret = if seq == 6 { 1 } else { 2 }; // XDP_DROP, XDP_PASS
            format!("run variable {len} ret={ret}")
        })
        .collect();
    expected.extend(
        [
            "record size=8 seq=0 n=0 payload=-",
            "record size=24 seq=2 n=16 payload=ok",
            "record size=54 seq=4 n=46 payload=ok",
            "record size=18 seq=8 n=10 payload=ok",
            "polled 4",
            // submitted, discarded, failed reservations.
            "stats[0]=4",
            "stats[1]=4",
            "stats[2]=1",
            "stats[3]=0",
        ]
        .map(String::from),
    );
    let lines: Vec<&str> = output.lines().collect();
    let (runs_and_records, insns) = lines.split_at(expected.len().min(lines.len()));
    assert_eq!(runs_and_records, expected, "{output}");
    for line in insns {
        println!("{line} (dynptr/records.bpf.c)");
    }

    // A fixed-size record: plain reservation and dynptr write the same bytes.
    let output = run_host_program(
        &consumer,
        &[object, "fixed", "fixed_plain:64", "fixed_dynptr:64"],
    );
    let lines: Vec<&str> = output.lines().take(5).collect();
    assert_eq!(
        lines,
        [
            "run fixed_plain 64 ret=2",
            "run fixed_dynptr 64 ret=2",
            "record size=8 seq=7 n=64 payload=-",
            "record size=8 seq=8 n=64 payload=-",
            "polled 2",
        ],
        "{output}"
    );
}

#[test]
fn plain_reservations_refuse_run_time_sizes_and_indices() {
    let cases = [
        (0, None),
        (1, Some("R2 is not a known constant")),
        (2, Some("unbounded memory access")),
        (3, Some("Unreleased reference")),
    ];
    for (mistake, refusal) in cases {
        let built = super::build_with("dynptr/mistakes.bpf.c", &[&format!("-DMISTAKE={mistake}")]);
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
