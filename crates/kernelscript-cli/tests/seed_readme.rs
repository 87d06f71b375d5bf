//! The seed README (`tests/seed/kernelscript-README.md`, the user's own
//! description of the language) compiles as written and does what it says.
//!
//! Its `kernelscript` code blocks are joined into files as a user would:
//!
//! * `program_types.ks`: the first block (an XDP, a bare `@tc` and a
//!   `@kprobe fn trace_syscall(ctx: *pt_regs)` program): compiled, built
//!   with the generated Makefile, every program loaded by the kernel;
//! * `language_tour.ks`: the type system, maps, functions and pattern
//!   matching blocks, in order, plus the one thing the README leaves out
//!   (a declaration of the `event_log` map its `match` writes) and a
//!   `main` that calls its functions (`lookup_or_create` with `none`,
//!   `update_stats`, `handle_action`, `process_packet` with a function
//!   value): built and run, the printed results checked;
//! * `multi_program.ks`: the multi-program block as written, except that
//!   `"eth0"` (this machine's real uplink) becomes a veth pair's end the
//!   test creates: built with the Makefile and run under strace, which
//!   shows the XDP link created on that interface and the TC filter added
//!   on its ingress (bare `@tc`) and removed again at exit; the same
//!   program against a missing interface names it and exits 1.
//!
//! Every project is compiled with `--pin-path` under a scratch directory,
//! so its pinned maps never meet another test's, and `compile` writes the
//! seed's project structure (`README.md` included). Kernel tests run under
//! `testkit::kernel_lock`; without root or `bpf()` they print
//! `skipped: <reason>` (and fail with `KS_REQUIRE_KERNEL=1`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The seed README's `kernelscript` code blocks, in order.
fn seed_blocks() -> Vec<String> {
    let readme =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/seed/kernelscript-README.md");
    let text = std::fs::read_to_string(&readme).expect("the seed README");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```kernelscript") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert_eq!(
        blocks.len(),
        6,
        "the seed README has six kernelscript blocks"
    );
    blocks
}

/// A project compiled into `DIR/out` and built there with its Makefile
/// (`-Werror`); the directory and the pins are removed on drop.
struct Project {
    dir: PathBuf,
    out: PathBuf,
    name: String,
    pins: PathBuf,
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_dir_all(&self.pins);
    }
}

impl Project {
    fn compile(name: &str, source: &str) -> Project {
        let dir = std::env::temp_dir().join(format!("ks-seed-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("project directory");
        let project = Project {
            out: dir.join(name),
            pins: PathBuf::from(format!("/sys/fs/bpf/ks-seed-{}-{name}", std::process::id())),
            dir,
            name: name.to_string(),
        };
        // As the README's "Build and Run": the source inside the project.
        std::fs::create_dir_all(&project.out).expect("project directory");
        let source_path = project.out.join(format!("{name}.ks"));
        std::fs::write(&source_path, source).expect("write the .ks file");
        let compiled = Command::new(env!("CARGO_BIN_EXE_kernelscript"))
            .arg("compile")
            .arg(&source_path)
            .arg("-o")
            .arg(&project.out)
            .arg("--pin-path")
            .arg(&project.pins)
            .output()
            .expect("run kernelscript compile");
        assert!(
            compiled.status.success(),
            "kernelscript compile {name}.ks failed:\n{}",
            text(&compiled.stderr)
        );
        project
    }

    fn make(&self) {
        let made = Command::new("make")
            .args(["-s", "CFLAGS=-g -O2 -Wall -Wextra -Werror"])
            .current_dir(&self.out)
            .output()
            .expect("run make");
        assert!(
            made.status.success(),
            "make failed:\n{}{}",
            text(&made.stdout),
            text(&made.stderr)
        );
    }

    fn file(&self, name: &str) -> PathBuf {
        self.out.join(name)
    }

    fn binary(&self) -> PathBuf {
        self.out.join(&self.name)
    }

    /// The files the seed's "Complete Project Structure" lists that this
    /// project has.
    fn assert_structure(&self, userspace: bool) {
        let name = &self.name;
        let mut expected = vec![
            format!("{name}.ks"),
            format!("{name}.ebpf.c"),
            "Makefile".to_string(),
            "README.md".to_string(),
        ];
        if userspace {
            expected.push(format!("{name}.c"));
        }
        for file in &expected {
            assert!(self.file(file).is_file(), "{file} is missing");
        }
        let readme = std::fs::read_to_string(self.file("README.md")).expect("README.md");
        assert!(
            readme.contains("\nmake "),
            "README.md says how to build:\n{readme}"
        );
        if userspace {
            assert!(
                readme.contains(&format!("sudo ./{name}")),
                "README.md says how to run:\n{readme}"
            );
        }
    }
}

fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", program.display()))
}

#[test]
fn the_program_types_block_builds_and_every_program_loads() {
    let blocks = seed_blocks();
    let project = Project::compile("program_types", &blocks[0]);
    project.assert_structure(false);
    let ebpf = std::fs::read_to_string(project.file("program_types.ebpf.c")).expect("eBPF C");
    assert!(ebpf.contains("SEC(\"tc\")"), "{ebpf}");
    assert!(ebpf.contains("SEC(\"kprobe\")"), "{ebpf}");
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    project.make();
    let loaded = testkit::LoadedObject::open_and_load(&project.file("program_types.ebpf.o"))
        .unwrap_or_else(|error| panic!("{error}"));
    let mut names: Vec<String> = loaded
        .object()
        .progs()
        .map(|program| program.name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["packet_filter", "trace_syscall", "traffic_shaper"]);
}

/// What a user adds to run the language tour: the map the `match` block
/// writes, and a `main` calling the tour's functions.
const TOUR_MAIN: &str = r#"
// Not declared in the README: the map `handle_action` writes.
var event_log : array<u32, u32>(1)

fn allow_all(info: PacketInfo) -> FilterAction {
    return ALLOW
}

fn main() -> i32 {
    var ip: IpAddress = 0x0a000001
    print("created: %llu", lookup_or_create(ip))
    update_stats(ip, 100)
    print("after update: %llu", lookup_or_create(ip))
    print("log action: %d", handle_action(LOG))
    print("logged: %u", event_log[0])
    var info = PacketInfo { src_ip: ip, dst_ip: 0, protocol: 6, size: 64 }
    print("handler: %d", process_packet(info, allow_all))
    return 0
}

"#;

#[test]
fn the_language_tour_blocks_build_and_their_functions_do_what_they_say() {
    let blocks = seed_blocks();
    let source = format!(
        "{}{}{}{}{TOUR_MAIN}",
        blocks[1], blocks[2], blocks[3], blocks[4]
    );
    let project = Project::compile("language_tour", &source);
    project.assert_structure(true);
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    project.make();
    let output = run(&project.binary(), &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "created: 1\nafter update: 2\nlog action: 2\nlogged: 1\nhandler: 0\n"
    );
    // `connection_count` is a `pin var` map: it kept the count at the pin path.
    assert!(project.pins.join("maps/connection_count").exists());
    let again = run(&project.binary(), &[]);
    assert_eq!(
        text(&again.stdout).lines().next(),
        Some("created: 2"),
        "the pinned map persists across runs"
    );
}

/// A veth pair whose `host` end is up (no namespace needed: attaching
/// only needs the interface); deleted on drop.
struct Veth {
    host: String,
}

impl Veth {
    fn new() -> Veth {
        let host = format!("kss{}a", std::process::id() % 100_000);
        let peer = format!("kss{}b", std::process::id() % 100_000);
        let _ = Command::new("ip").args(["link", "del", &host]).output();
        let created = run(
            Path::new("/usr/sbin/ip"),
            &["link", "add", &host, "type", "veth", "peer", "name", &peer],
        );
        assert!(created.status.success(), "{}", text(&created.stderr));
        let up = run(Path::new("/usr/sbin/ip"), &["link", "set", &host, "up"]);
        assert!(up.status.success(), "{}", text(&up.stderr));
        Veth { host }
    }

    fn ifindex(&self) -> String {
        std::fs::read_to_string(format!("/sys/class/net/{}/ifindex", self.host))
            .expect("ifindex")
            .trim()
            .to_string()
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.host])
            .output();
    }
}

#[test]
fn the_multi_program_block_attaches_xdp_and_tc_to_the_interface_it_names() {
    let blocks = seed_blocks();
    assert_eq!(
        blocks[5].matches("\"eth0\"").count(),
        2,
        "the README attaches both programs to eth0"
    );
    let Some(_kernel) = testkit::skip_unless_capable() else {
        return;
    };
    let veth = Veth::new();
    let source = blocks[5].replace("\"eth0\"", &format!("\"{}\"", veth.host));
    let project = Project::compile("multi_program", &source);
    project.assert_structure(true);
    project.make();

    // bpf() and netlink as strace decodes them: the XDP link on the
    // interface, the TC filter on its ingress (TC_H_MAKE(TC_H_CLSACT,
    // TC_H_MIN_INGRESS) = 4294967282), removed again at exit.
    let traced = Command::new("strace")
        .args(["-f", "-v", "-s", "64", "-e", "trace=bpf,sendto,sendmsg"])
        .arg(project.binary())
        .output()
        .expect("strace (scripts/install-deps.sh installs it)");
    let trace = text(&traced.stderr);
    assert!(traced.status.success(), "{trace}");
    let xdp_link = format!("target_fd={}, attach_type=BPF_XDP", veth.ifindex());
    assert!(trace.contains(&xdp_link), "no `{xdp_link}` in:\n{trace}");
    let on_interface = format!("tcm_ifindex=if_nametoindex(\"{}\")", veth.host);
    let filter_ops: Vec<&str> = trace
        .lines()
        .filter(|line| line.contains("TFILTER") && line.contains(&on_interface))
        .collect();
    assert_eq!(filter_ops.len(), 2, "{trace}");
    assert!(
        filter_ops[0].contains("RTM_NEWTFILTER") && filter_ops[0].contains("tcm_parent=4294967282")
    );
    assert!(
        filter_ops[1].contains("RTM_DELTFILTER") && filter_ops[1].contains("tcm_parent=4294967282")
    );
    assert!(!Path::new(&format!("/sys/class/net/{}/xdp", veth.host)).exists());

    // Run as is, nothing on stderr; against a missing interface, the
    // unchecked attach names it and exits 1.
    let output = run(&project.binary(), &[]);
    assert!(output.status.success());
    assert_eq!(text(&output.stderr), "");
    drop(veth);
    let output = run(&project.binary(), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("cannot attach packet_counter to 'kss"),
        "{}",
        text(&output.stderr)
    );
}
