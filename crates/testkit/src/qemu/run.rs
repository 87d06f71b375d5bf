//! Booting the guest for one batch: the files to place in it and a shell
//! script to run there. One boot (~3-5 s under TCG) runs the whole batch,
//! so tests group their checks into as few batches as they can.
//!
//! qemu never outlives its batch: it is killed when the timeout passes,
//! when the `Boot` guard drops (a panicking test), and by the kernel
//! (`PR_SET_PDEATHSIG`) if the test process dies first (say, killed by a
//! test harness's own timeout). The initrd is
//! written to a scratch directory that is removed afterwards.

use std::fmt;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::initrd::{self, Payload, BEGIN_MARKER, END_MARKER};
use super::{Guest, GuestError, Scratch};

/// The kernel command line: console on the serial port, BPF LSM enabled,
/// reboot (and so qemu exit, with `-no-reboot`) at once on a panic.
pub const KERNEL_COMMAND_LINE: &str = "console=ttyS0 quiet lsm=lockdown,yama,bpf panic=-1";

/// How long a batch may run before qemu is killed, unless the batch says.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);

/// Files to place in the guest and the shell script that runs there.
///
/// Relative guest paths are under `/t`, which is also the script's working
/// directory and first on its `PATH`.
#[derive(Debug, Clone)]
pub struct Batch {
    files: Vec<(String, u32, FileSource)>,
    script: String,
    timeout: Duration,
}

#[derive(Debug, Clone)]
enum FileSource {
    Host(PathBuf),
    Bytes(Vec<u8>),
}

impl Batch {
    /// A batch running `script` with `sh` (busybox ash) in the guest; its
    /// exit status is the batch's result.
    pub fn new(script: impl Into<String>) -> Batch {
        Batch {
            files: Vec::new(),
            script: script.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Copies host file `host` to `guest_path` at boot, keeping its mode
    /// (so executables stay executable).
    pub fn file(mut self, guest_path: impl Into<String>, host: impl AsRef<Path>) -> Batch {
        let host = host.as_ref().to_path_buf();
        let mode = std::fs::metadata(&host)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o644);
        self.files
            .push((guest_path.into(), mode, FileSource::Host(host)));
        self
    }

    /// Places `contents` at `guest_path` with permission bits `mode`.
    pub fn bytes(
        mut self,
        guest_path: impl Into<String>,
        mode: u32,
        contents: impl Into<Vec<u8>>,
    ) -> Batch {
        self.files
            .push((guest_path.into(), mode, FileSource::Bytes(contents.into())));
        self
    }

    /// Kills the guest after `timeout` (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Batch {
        self.timeout = timeout;
        self
    }
}

/// How a boot ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestExit {
    /// The script finished with this exit status.
    Script(u8),
    /// qemu ended without the guest reporting a status (a kernel panic,
    /// `/init` dying): qemu's own exit status, if it had one.
    NoReport(Option<i32>),
    /// The timeout passed and qemu was killed.
    TimedOut,
}

/// The outcome of a batch: how it ended and everything the guest printed.
#[derive(Debug, Clone)]
pub struct BatchOutput {
    pub exit: GuestExit,
    /// The serial console: kernel messages, `/init`'s and the script's output.
    pub console: String,
    /// qemu's own standard error.
    pub qemu_stderr: String,
    /// From starting qemu to its exit.
    pub elapsed: Duration,
}

impl BatchOutput {
    /// Whether the script ran and exited 0.
    pub fn succeeded(&self) -> bool {
        self.exit == GuestExit::Script(0)
    }

    /// What the script printed: the console between `/init`'s markers
    /// (kernel messages printed meanwhile included), without `\r`.
    pub fn script_output(&self) -> String {
        let console = self.console.replace('\r', "");
        let after_begin = console
            .split_once(&format!("{BEGIN_MARKER}\n"))
            .map_or("", |(_, rest)| rest);
        after_begin
            .split_once(&format!("{END_MARKER} "))
            .map_or(after_begin, |(script, _)| script)
            .to_string()
    }

    /// The value of the first script output line `KEY=VALUE`, for scripts
    /// that report what they measured that way.
    pub fn value(&self, key: &str) -> Option<String> {
        self.script_output().lines().find_map(|line| {
            line.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix('='))
                .map(|value| value.trim().to_string())
        })
    }
}

impl fmt::Display for BatchOutput {
    /// The whole story, for assertion messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "guest exit: {:?} after {:.1?}", self.exit, self.elapsed)?;
        writeln!(f, "--- console ---\n{}", self.console.replace('\r', ""))?;
        if !self.qemu_stderr.is_empty() {
            writeln!(f, "--- qemu stderr ---\n{}", self.qemu_stderr)?;
        }
        Ok(())
    }
}

impl Guest {
    /// Boots the guest once for `batch`: writes the initrd (the cached
    /// base plus the batch's files), runs qemu under the batch's timeout
    /// and returns how it ended with the console output. `Err` only when
    /// the batch could not be started (an unreadable file, qemu missing).
    pub fn run(&self, batch: &Batch) -> Result<BatchOutput, GuestError> {
        let mut contents = Vec::with_capacity(batch.files.len());
        for (guest_path, mode, source) in &batch.files {
            let bytes = match source {
                FileSource::Host(path) => std::fs::read(path)
                    .map_err(|e| GuestError::io(format!("reading {}", path.display()), e))?,
                FileSource::Bytes(bytes) => bytes.clone(),
            };
            contents.push((guest_path.as_str(), *mode, bytes));
        }
        let payload: Vec<Payload<'_>> = contents
            .iter()
            .map(|(guest_path, mode, bytes)| Payload {
                guest_path,
                mode: *mode,
                contents: bytes,
            })
            .collect();
        let scratch = Scratch::new("boot")?;
        let initrd_path = scratch.path().join("initrd.cpio");
        let mut initrd_bytes = self.base_initrd.clone();
        initrd_bytes.extend(initrd::batch_archive(&payload, &batch.script));
        std::fs::write(&initrd_path, initrd_bytes)
            .map_err(|e| GuestError::io("writing the initrd", e))?;
        self.boot(&initrd_path, batch.timeout)
    }

    fn boot(&self, initrd: &Path, timeout: Duration) -> Result<BatchOutput, GuestError> {
        let mut command = Command::new(&self.qemu);
        command
            .args(["-accel", "tcg", "-m", "1024", "-smp", "1"])
            .args(["-nodefaults", "-no-user-config", "-display", "none"])
            .args(["-serial", "stdio", "-net", "none", "-no-reboot"])
            .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
            .arg("-kernel")
            .arg(self.vmlinux())
            .arg("-initrd")
            .arg(initrd)
            .args(["-append", KERNEL_COMMAND_LINE])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        // It asks the kernel to kill qemu when the thread that started it
        // ends, which is only after qemu has ended or when the test process
        // dies: this thread waits for qemu below.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let started = Instant::now();
        let child = command
            .spawn()
            .map_err(|e| GuestError::io(format!("starting {}", self.qemu.display()), e))?;
        let mut boot = Boot::new(child);
        let status = loop {
            match boot.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() >= timeout => break None,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(GuestError::io("waiting for qemu", e)),
            }
        };
        let elapsed = started.elapsed();
        boot.kill();
        let (console, qemu_stderr) = boot.output();
        let exit = match status.map(|s| s.code()) {
            None => GuestExit::TimedOut,
            // isa-debug-exit: (value << 1) | 1.
            Some(Some(code)) if code % 2 == 1 => GuestExit::Script((code >> 1) as u8),
            Some(code) => GuestExit::NoReport(code),
        };
        Ok(BatchOutput {
            exit,
            console,
            qemu_stderr,
            elapsed,
        })
    }
}

/// A running qemu, killed and reaped on drop.
struct Boot {
    child: Child,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

impl Boot {
    fn new(mut child: Child) -> Boot {
        let stdout = child.stdout.take().map(drain);
        let stderr = child.stderr.take().map(drain);
        Boot {
            child,
            stdout,
            stderr,
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Everything qemu wrote (after it has ended).
    fn output(&mut self) -> (String, String) {
        let join = |handle: Option<JoinHandle<Vec<u8>>>| {
            let bytes = handle.and_then(|h| h.join().ok()).unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        (join(self.stdout.take()), join(self.stderr.take()))
    }
}

impl Drop for Boot {
    fn drop(&mut self) {
        self.kill();
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

#[cfg(test)]
mod tests {
    use super::{BatchOutput, GuestExit};
    use std::time::Duration;

    fn output(console: &str) -> BatchOutput {
        BatchOutput {
            exit: GuestExit::Script(0),
            console: console.into(),
            qemu_stderr: String::new(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn script_output_is_what_lies_between_the_markers() {
        let out = output("boot noise\r\nks-guest: begin\r\nhits=3\r\nok\r\nks-guest: end 0\r\n");
        assert_eq!(out.script_output(), "hits=3\nok\n");
        assert_eq!(out.value("hits").as_deref(), Some("3"));
        assert_eq!(out.value("hit"), None);
    }

    #[test]
    fn a_guest_that_never_began_has_no_script_output() {
        assert_eq!(output("Kernel panic - not syncing").script_output(), "");
    }
}
