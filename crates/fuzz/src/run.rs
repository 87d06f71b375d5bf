//! One fuzzing run: mutants in batches, each through `driver::analyze`
//! and, when accepted, `driver::generate`, checked for the properties the
//! compiler promises; then every distinct accepted output is built.
//!
//! Properties checked, and the failure class of each:
//! * no panic (`panic`): analysis and generation run under
//!   `catch_unwind` on a thread with the CLI's 8 MiB stack (a stack
//!   overflow aborts the whole run, which is a failure too: each worker's
//!   mutant in analysis is kept in `findings/in-flight-W.ks` until the run
//!   ends normally, so the one that aborted it is there);
//! * no hang (`hang`): a watchdog stops the run when one mutant takes more
//!   than `HANG_SECONDS` of its thread's CPU time (so a loaded machine
//!   does not make a slow mutant a hang), or `HANG_WALL_SECONDS` of wall
//!   time (a mutant blocked without using the CPU), after saving it;
//! * bounded output (`unbounded-output`): at most one diagnostic per input
//!   byte (plus a few);
//! * located diagnostics (`unlocated-diagnostic`): every error has a
//!   primary label, every label lies inside its file on character
//!   boundaries;
//! * accepted ⇒ builds (see `toolchain`): distinct outputs (identical
//!   eBPF and userspace C are built once) compile with clang, bpftool and
//!   cc.
//!
//! Mutant `i` depends only on the seed and `i`, and results are collected
//! in mutant order, so a run's figures and findings are the same whatever
//! the number of jobs.

use crate::mutate::Corpus;
use crate::toolchain::{FailureClass, Steps, Toolchain};
use kernelscript::driver::{self, GenerateOptions, SourceLoader};
use kernelscript::span::FileId;
use kernelscript::syntax::lexer::lex;
use kernelscript::syntax::token::TokenKind;
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A mutant whose analysis takes more CPU time than this is a hang.
pub const HANG_SECONDS: u64 = 10;
/// A mutant whose analysis takes longer than this on the clock is a hang
/// even without using the CPU.
pub const HANG_WALL_SECONDS: u64 = 120;
/// The unit of the CPU times in `/proc/.../stat` (`USER_HZ`, 100 on every
/// Linux architecture).
const CLOCK_TICKS_PER_SECOND: u64 = 100;
const BATCH: u64 = 400;

pub struct Config {
    pub seed: u64,
    /// The first mutant's index (a run from 0 stopped at mutant N is
    /// replayed from here: mutant `i` depends only on the seed and `i`).
    pub first: u64,
    /// Stop before this mutant index...
    pub mutants: Option<u64>,
    /// ... or when this much time has passed (checked between batches).
    pub duration: Option<Duration>,
    pub jobs: usize,
    /// Scratch space: builds, `vmlinux.h`, and `findings/` (kept).
    pub work_dir: PathBuf,
    /// Print progress after each batch.
    pub verbose: bool,
}

/// One distinct problem (class and normalised first error line), with how
/// often it was met and the first mutant that showed it.
pub struct Finding {
    pub class: FailureClass,
    pub signature: String,
    pub count: u64,
    pub example: PathBuf,
}

#[derive(Default)]
pub struct Report {
    pub inputs: u64,
    pub accepted: u64,
    pub distinct_outputs: u64,
    pub built: u64,
    pub findings: Vec<Finding>,
    pub elapsed: Duration,
}

impl Report {
    /// Failures by class: (occurrences, distinct signatures).
    pub fn by_class(&self) -> BTreeMap<FailureClass, (u64, u64)> {
        let mut classes = BTreeMap::new();
        for finding in &self.findings {
            let entry = classes.entry(finding.class).or_insert((0, 0));
            entry.0 += finding.count;
            entry.1 += 1;
        }
        classes
    }

    /// Whether the run found nothing.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    pub fn summary(&self, seed: u64) -> String {
        let mut text = format!(
            "fuzz: seed {seed}: {} inputs in {:.1} s; {} accepted, {} distinct outputs, {} built\n",
            self.inputs,
            self.elapsed.as_secs_f64(),
            self.accepted,
            self.distinct_outputs,
            self.built
        );
        for (class, (count, distinct)) in self.by_class() {
            text.push_str(&format!(
                "  {}: {count} ({distinct} distinct)\n",
                class.label()
            ));
        }
        for finding in &self.findings {
            text.push_str(&format!(
                "  [{}] x{} {}\n      e.g. {}\n",
                finding.class.label(),
                finding.count,
                finding.signature,
                finding.example.display()
            ));
        }
        text
    }
}

/// What the front end made of one mutant.
enum Outcome {
    Rejected,
    Accepted(Generated),
    Failed(FailureClass, String),
}

/// What an accepted mutant's build needs: the C files the compiler wrote
/// and how the generated Makefile would compile them.
#[derive(Hash)]
struct Generated {
    ebpf_c: String,
    /// `fuzz.vmlinux.h`, the kernel types the eBPF C uses.
    kernel_header: Option<String>,
    userspace_c: Option<String>,
    /// `fuzz.test.c`, the runner of the `@test` functions.
    test_c: Option<String>,
    /// The userspace C embeds CPython (imported Python modules).
    uses_python: bool,
}

/// Runs the configured mutants of `corpus`.
pub fn run(corpus: &Corpus, config: &Config, toolchain: &Toolchain) -> Report {
    let start = Instant::now();
    let findings_dir = config.work_dir.join("findings");
    let _ = std::fs::create_dir_all(&findings_dir);
    let watchdog = Watchdog::start(config.jobs, findings_dir.clone());
    let mut report = Report::default();
    let mut seen_outputs = HashSet::new();
    let mut findings: BTreeMap<(FailureClass, String), Finding> = BTreeMap::new();
    let mut next = config.first;
    loop {
        let limit = config.mutants.unwrap_or(u64::MAX);
        let timed_out = config
            .duration
            .is_some_and(|limit| start.elapsed() >= limit);
        if next >= limit || timed_out {
            break;
        }
        let batch = next..(next + BATCH).min(limit);
        next = batch.end;
        let outcomes = analyze_batch(corpus, config, &watchdog, batch.clone());
        let mut builds = Vec::new();
        for (index, (text, outcome)) in batch.zip(outcomes) {
            report.inputs += 1;
            match outcome {
                Outcome::Rejected => {}
                Outcome::Failed(class, message) => {
                    record(&mut findings, &findings_dir, class, &message, &text);
                }
                Outcome::Accepted(generated) => {
                    report.accepted += 1;
                    let mut hasher = std::collections::hash_map::DefaultHasher::new();
                    generated.hash(&mut hasher);
                    if seen_outputs.insert(hasher.finish()) {
                        builds.push((index, text, generated));
                    }
                }
            }
        }
        report.distinct_outputs += builds.len() as u64;
        for (result, text) in build_all(config, toolchain, &builds) {
            match result {
                Ok(()) => report.built += 1,
                Err((class, message)) => {
                    record(&mut findings, &findings_dir, class, &message, &text);
                }
            }
        }
        if config.verbose {
            eprintln!(
                "fuzz: {} inputs, {} accepted, {} built, {} findings, {:.0} s",
                report.inputs,
                report.accepted,
                report.built,
                findings.len(),
                start.elapsed().as_secs_f64()
            );
        }
    }
    watchdog.stop();
    report.findings = findings.into_values().collect();
    report.elapsed = start.elapsed();
    report
}

/// Mutates and analyses `batch` on `config.jobs` threads; results in
/// mutant order.
fn analyze_batch(
    corpus: &Corpus,
    config: &Config,
    watchdog: &Watchdog,
    batch: std::ops::Range<u64>,
) -> Vec<(String, Outcome)> {
    let next = AtomicU64::new(batch.start);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..config.jobs {
            let (next, results) = (&next, &results);
            std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn_scoped(scope, move || loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= batch.end {
                        return;
                    }
                    let (seed_index, text) = corpus.mutant(config.seed, index);
                    let seed = &corpus.seeds[seed_index];
                    watchdog.begin(worker, &text);
                    let outcome = analyze(&text, seed.dir.as_deref());
                    watchdog.end(worker);
                    results.lock().unwrap().push((index, text, outcome));
                })
                .expect("spawn a fuzz worker");
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(index, _, _)| *index);
    results
        .into_iter()
        .map(|(_, text, outcome)| (text, outcome))
        .collect()
}

thread_local! {
    static PANIC_LOCATION: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Installs a panic hook that remembers where a panic happened instead of
/// printing it (panics are findings, reported with the mutant).
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|location| format!("{}:{}", location.file(), location.line()))
            .unwrap_or_default();
        PANIC_LOCATION.with(|cell| *cell.borrow_mut() = location);
    }));
}

/// The running kernel, which mutants are checked against (read once).
fn host_kernel() -> &'static kernelscript::kernel::Kernel {
    static KERNEL: std::sync::OnceLock<kernelscript::kernel::Kernel> = std::sync::OnceLock::new();
    KERNEL.get_or_init(|| {
        let bytes = std::fs::read("/sys/kernel/btf/vmlinux")
            .unwrap_or_else(|error| panic!("the fuzzer needs /sys/kernel/btf/vmlinux: {error}"));
        let btf = btf::Btf::from_vec(bytes)
            .unwrap_or_else(|error| panic!("/sys/kernel/btf/vmlinux does not parse: {error}"));
        kernelscript::kernel::Kernel::new(btf)
    })
}

fn analyze(text: &str, include_dir: Option<&Path>) -> Outcome {
    let result = std::panic::catch_unwind(|| {
        let mut loader = DirLoader(include_dir.map(Path::to_path_buf));
        let analysis = driver::analyze("fuzz.ks", text, &mut loader, host_kernel());
        if let Err(problem) = check_diagnostics(text, &analysis) {
            return problem;
        }
        let Some(program) = analysis.program() else {
            return Outcome::Rejected;
        };
        let mut options = GenerateOptions::new("fuzz");
        options.tests = true;
        let outputs = driver::generate(program, &analysis.sources, &options);
        Outcome::Accepted(Generated {
            ebpf_c: outputs.ebpf_c,
            kernel_header: outputs.kernel_header.map(|header| header.text),
            userspace_c: outputs.userspace_c,
            test_c: outputs.test_c,
            uses_python: outputs.plan.uses_python,
        })
    });
    result.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let location = PANIC_LOCATION.with(|cell| cell.borrow().clone());
        Outcome::Failed(FailureClass::Panic, format!("{location}: {message}"))
    })
}

fn check_diagnostics(text: &str, analysis: &driver::Analysis) -> Result<(), Outcome> {
    if analysis.diagnostics.iter().count() > text.len() + 16 {
        return Err(Outcome::Failed(
            FailureClass::UnboundedOutput,
            format!(
                "{} diagnostics for {} bytes",
                analysis.diagnostics.iter().count(),
                text.len()
            ),
        ));
    }
    for diagnostic in analysis.diagnostics.iter() {
        let unlocated = |why: &str| {
            Outcome::Failed(
                FailureClass::UnlocatedDiagnostic,
                format!("{why}: {}", diagnostic.message),
            )
        };
        if diagnostic.is_error() && diagnostic.primary_span().is_none() {
            return Err(unlocated("an error without a primary label"));
        }
        for label in &diagnostic.labels {
            let file_text = analysis.sources.text(label.span.file);
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            if start > end
                || end > file_text.len()
                || !file_text.is_char_boundary(start)
                || !file_text.is_char_boundary(end)
            {
                return Err(unlocated("a label outside its file"));
            }
        }
    }
    Ok(())
}

/// Includes are read from the seed's directory: regular files up to 1 MiB.
struct DirLoader(Option<PathBuf>);

impl SourceLoader for DirLoader {
    fn load(&mut self, _including: &str, path: &str) -> Result<(String, String), String> {
        let Some(dir) = &self.0 else {
            return Err("includes are not available here".to_string());
        };
        let full = dir.join(path);
        let metadata = std::fs::metadata(&full).map_err(|error| error.to_string())?;
        if !metadata.is_file() || metadata.len() > 1 << 20 {
            return Err("not a regular file of at most 1 MiB".to_string());
        }
        let text = std::fs::read_to_string(&full).map_err(|error| error.to_string())?;
        Ok((full.to_string_lossy().into_owned(), text))
    }
}

type Build = (u64, String, Generated);

/// A build's result (a failure's class and message) and its mutant's text.
type Built = (Result<(), (FailureClass, String)>, String);

/// Builds every output on `config.jobs` threads; results in input order,
/// each with its mutant's text.
fn build_all(config: &Config, toolchain: &Toolchain, builds: &[Build]) -> Vec<Built> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..config.jobs {
            let (next, results) = (&next, &results);
            scope.spawn(move || {
                let dir = config.work_dir.join(format!("build-{worker}"));
                loop {
                    let position = next.fetch_add(1, Ordering::Relaxed);
                    let Some((_, text, generated)) = builds.get(position) else {
                        return;
                    };
                    let _ = std::fs::remove_dir_all(&dir);
                    let result = std::fs::create_dir_all(&dir)
                        .and_then(|()| std::fs::write(dir.join("fuzz.ks"), text))
                        .and_then(|()| std::fs::write(dir.join("fuzz.ebpf.c"), &generated.ebpf_c))
                        .and_then(|()| write_some(&dir, "fuzz.vmlinux.h", &generated.kernel_header))
                        .and_then(|()| write_some(&dir, "fuzz.c", &generated.userspace_c))
                        .and_then(|()| write_some(&dir, "fuzz.test.c", &generated.test_c));
                    let steps = Steps {
                        userspace: generated.userspace_c.is_some(),
                        tests: generated.test_c.is_some(),
                        python: generated.uses_python,
                    };
                    let result = match result {
                        Err(error) => panic!("cannot write to {}: {error}", dir.display()),
                        Ok(()) => toolchain.build(&dir, steps, &identifiers(text)),
                    };
                    results
                        .lock()
                        .unwrap()
                        .push((position, result, text.clone()));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(position, _, _)| *position);
    results
        .into_iter()
        .map(|(_, result, text)| (result, text))
        .collect()
}

/// Writes `dir/name` when there is a `text`.
fn write_some(dir: &Path, name: &str, text: &Option<String>) -> std::io::Result<()> {
    match text {
        Some(text) => std::fs::write(dir.join(name), text),
        None => Ok(()),
    }
}

/// The identifiers a mutant spells.
fn identifiers(text: &str) -> Vec<String> {
    let (tokens, _) = lex(FileId(0), text);
    let mut names: Vec<String> = tokens
        .iter()
        .filter(|token| token.kind == TokenKind::Ident)
        .map(|token| text[token.span.start as usize..token.span.end as usize].to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Counts a failure under its signature, saving the first mutant (and its
/// error text) that showed it.
fn record(
    findings: &mut BTreeMap<(FailureClass, String), Finding>,
    dir: &Path,
    class: FailureClass,
    message: &str,
    text: &str,
) {
    let signature = signature(message);
    let key = (class, signature.clone());
    if let Some(finding) = findings.get_mut(&key) {
        finding.count += 1;
        return;
    }
    let example = dir.join(format!("{}-{}.ks", class.label(), findings.len()));
    let _ = std::fs::write(&example, text);
    let _ = std::fs::write(example.with_extension("txt"), message);
    findings.insert(
        key,
        Finding {
            class,
            signature,
            count: 1,
            example,
        },
    );
}

/// The first error line without its location and numbers, so the same
/// problem met in different mutants counts once.
fn signature(message: &str) -> String {
    let line = message
        .lines()
        .find(|line| line.contains("error"))
        .or_else(|| message.lines().next())
        .unwrap_or("");
    let line = line.find("error").map_or(line, |at| &line[at..]);
    let mut signature: String = line
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect();
    signature.truncate(160);
    signature
}

/// Stops the process when a mutant's analysis runs longer than
/// `HANG_SECONDS`, after saving the mutant.
struct Watchdog {
    state: Arc<WatchState>,
    findings_dir: PathBuf,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct WatchState {
    /// Per worker: when its current mutant started (ms since `epoch`), 0
    /// when idle.
    started: Vec<AtomicU64>,
    /// Per worker: its thread's `/proc/self/task/TID/stat` and the CPU
    /// ticks the thread had used when the current mutant started.
    cpu: Vec<Mutex<Option<(PathBuf, u64)>>>,
    current: Vec<Mutex<String>>,
    epoch: Instant,
    stop: std::sync::atomic::AtomicBool,
}

/// The CPU time (user + system, in clock ticks) of the thread whose
/// `stat` file is `path`.
fn thread_cpu_ticks(path: &Path) -> Option<u64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (which may hold spaces): state is
    // the first, utime the 12th, stime the 13th.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// The calling thread's `stat` file.
fn own_thread_stat() -> Option<PathBuf> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    let tid = link.file_name()?.to_str()?.to_string();
    Some(PathBuf::from(format!("/proc/self/task/{tid}/stat")))
}

impl Watchdog {
    fn start(jobs: usize, findings_dir: PathBuf) -> Watchdog {
        let state = Arc::new(WatchState {
            started: (0..jobs).map(|_| AtomicU64::new(0)).collect(),
            cpu: (0..jobs).map(|_| Mutex::new(None)).collect(),
            current: (0..jobs).map(|_| Mutex::new(String::new())).collect(),
            epoch: Instant::now(),
            stop: std::sync::atomic::AtomicBool::new(false),
        });
        let watched = Arc::clone(&state);
        let hang_dir = findings_dir.clone();
        let thread = std::thread::spawn(move || {
            while !watched.stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let now = watched.epoch.elapsed().as_millis() as u64;
                for (worker, started) in watched.started.iter().enumerate() {
                    let started = started.load(Ordering::Relaxed);
                    if started == 0 {
                        continue;
                    }
                    let wall = now.saturating_sub(started) > HANG_WALL_SECONDS * 1000;
                    let cpu = watched.cpu[worker].lock().unwrap().as_ref().and_then(
                        |(stat, at_start)| {
                            thread_cpu_ticks(stat).map(|ticks| ticks.saturating_sub(*at_start))
                        },
                    );
                    // Without /proc, the wall clock is all there is.
                    let over = match cpu {
                        Some(ticks) => ticks > HANG_SECONDS * CLOCK_TICKS_PER_SECOND,
                        None => now.saturating_sub(started) > HANG_SECONDS * 1000,
                    };
                    if (over || wall) && watched.started[worker].load(Ordering::Relaxed) == started
                    {
                        let text = watched.current[worker].lock().unwrap().clone();
                        let path = hang_dir.join("hang.ks");
                        let _ = std::fs::write(&path, &text);
                        eprintln!(
                            "fuzz: [hang] one mutant ran over {HANG_SECONDS} s of CPU time (or {HANG_WALL_SECONDS} s); saved to {}:\n{text}",
                            path.display()
                        );
                        std::process::exit(3);
                    }
                }
            }
        });
        Watchdog {
            state,
            findings_dir,
            thread: Some(thread),
        }
    }

    fn begin(&self, worker: usize, text: &str) {
        text.clone_into(&mut self.state.current[worker].lock().unwrap());
        let _ = std::fs::write(self.in_flight(worker), text);
        *self.state.cpu[worker].lock().unwrap() =
            own_thread_stat().and_then(|stat| thread_cpu_ticks(&stat).map(|ticks| (stat, ticks)));
        let now = self.state.epoch.elapsed().as_millis() as u64;
        self.state.started[worker].store(now.max(1), Ordering::Relaxed);
    }

    fn end(&self, worker: usize) {
        self.state.started[worker].store(0, Ordering::Relaxed);
    }

    /// Where worker `worker`'s mutant in analysis is kept.
    fn in_flight(&self, worker: usize) -> PathBuf {
        self.findings_dir.join(format!("in-flight-{worker}.ks"))
    }

    fn stop(mut self) {
        for worker in 0..self.state.started.len() {
            let _ = std::fs::remove_file(self.in_flight(worker));
        }
        self.state.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
