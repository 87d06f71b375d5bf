//! Using a [`LoadedObject`]: running XDP and TC programs on a packet with
//! `BPF_PROG_TEST_RUN`, and reading or writing maps and global variables by
//! name through their file descriptors (so reads see the kernel's live values,
//! never libbpf's stale userspace copy of `.bss`).
//!
//! Every operation names what it touches and fails with an [`AccessError`]
//! listing what exists instead; nothing here panics on a bad name or size.

use std::fmt;

use libbpf_rs::{AsRawLibbpf, MapCore, MapFlags, MapImpl, MapType, ProgramInput, ProgramType};

use crate::load::{find_map_ptr, LoadedObject};

/// What a test run of a packet program returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunResult {
    /// The program's return value (an `XDP_*` or `TC_ACT_*` code).
    pub retval: u32,
    /// The packet as the program left it.
    pub data_out: Vec<u8>,
}

/// The shape of a map, as the kernel sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapMeta {
    pub map_type: MapType,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
}

impl MapMeta {
    pub fn is_percpu(&self) -> bool {
        self.map_type.is_percpu()
    }
}

/// A failed use of a loaded object.
#[derive(Debug)]
pub enum AccessError {
    UnknownProgram {
        name: String,
        available: Vec<String>,
    },
    UnknownMap {
        name: String,
        available: Vec<String>,
    },
    UnknownGlobal {
        name: String,
        available: Vec<String>,
    },
    WrongProgramType {
        name: String,
        wanted: &'static str,
        actual: ProgramType,
    },
    WrongSize {
        what: String,
        expected: usize,
        actual: usize,
    },
    PacketTooShort {
        len: usize,
    },
    Kernel {
        what: String,
        error: String,
    },
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessError::UnknownProgram { name, available } => {
                write!(
                    f,
                    "no program `{name}` in the object (programs: {})",
                    available.join(", ")
                )
            }
            AccessError::UnknownMap { name, available } => {
                write!(
                    f,
                    "no map `{name}` in the object (maps: {})",
                    available.join(", ")
                )
            }
            AccessError::UnknownGlobal { name, available } => {
                write!(
                    f,
                    "no global variable `{name}` (globals: {})",
                    available.join(", ")
                )
            }
            AccessError::WrongProgramType {
                name,
                wanted,
                actual,
            } => {
                write!(f, "program `{name}` is {actual:?}, not {wanted}")
            }
            AccessError::WrongSize {
                what,
                expected,
                actual,
            } => {
                write!(f, "{what}: expected {expected} bytes, got {actual}")
            }
            AccessError::PacketTooShort { len } => {
                write!(f, "packet is {len} bytes; BPF_PROG_TEST_RUN needs at least 14 (an Ethernet header)")
            }
            AccessError::Kernel { what, error } => write!(f, "{what}: {error}"),
        }
    }
}

impl std::error::Error for AccessError {}

/// Extra room after the packet for programs that grow it (`bpf_xdp_adjust_tail`).
const DATA_OUT_SLACK: usize = 4096;

impl LoadedObject {
    /// Names of all programs, in object order.
    pub fn program_names(&self) -> Vec<String> {
        self.obj
            .progs()
            .map(|p| p.name().to_string_lossy().into_owned())
            .collect()
    }

    /// Names of all maps as libbpf reports them (internal maps look like `obj.bss`).
    pub fn map_names(&self) -> Vec<String> {
        self.obj
            .maps()
            .map(|m| m.name().to_string_lossy().into_owned())
            .collect()
    }

    /// The type of program `name`.
    pub fn program_type(&self, name: &str) -> Result<ProgramType, AccessError> {
        self.with_program(name, |p| Ok(p.prog_type()))
    }

    /// The file descriptor of loaded program `name` (what a program array
    /// stores).
    pub fn program_fd(&self, name: &str) -> Result<i32, AccessError> {
        use std::os::fd::{AsFd, AsRawFd};
        self.with_program(name, |p| Ok(p.as_fd().as_raw_fd()))
    }

    /// How many instructions the verifier processed to accept program
    /// `name` (`bpf_prog_info.verified_insns`, the `processed N insns` of
    /// the verifier log; kernel ≥ 5.16).
    pub fn verified_insns(&self, name: &str) -> Result<u32, AccessError> {
        let fd = self.program_fd(name)?;
        // SAFETY: bpf_prog_info is a plain C struct; all-zero asks for no arrays.
        let mut info: libbpf_rs::libbpf_sys::bpf_prog_info = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of_val(&info) as u32;
        // SAFETY: `info` is writable for `len` bytes and `fd` is a live program fd.
        let ret = unsafe {
            libbpf_rs::libbpf_sys::bpf_obj_get_info_by_fd(
                fd,
                (&mut info as *mut libbpf_rs::libbpf_sys::bpf_prog_info).cast(),
                &mut len,
            )
        };
        if ret != 0 {
            return Err(AccessError::Kernel {
                what: format!("BPF_OBJ_GET_INFO_BY_FD of program `{name}`"),
                error: std::io::Error::from_raw_os_error(-ret).to_string(),
            });
        }
        Ok(info.verified_insns)
    }

    fn with_program<T>(
        &self,
        name: &str,
        f: impl FnOnce(&libbpf_rs::Program<'_>) -> Result<T, AccessError>,
    ) -> Result<T, AccessError> {
        match self.obj.progs().find(|p| p.name() == name) {
            Some(p) => f(&p),
            None => Err(AccessError::UnknownProgram {
                name: name.into(),
                available: self.program_names(),
            }),
        }
    }

    /// Runs an XDP program once on `packet` (≥ 14 bytes).
    pub fn run_xdp(&self, prog: &str, packet: &[u8]) -> Result<RunResult, AccessError> {
        self.run_checked(prog, packet, "an XDP program", |t| t == ProgramType::Xdp)
    }

    /// Runs a TC (`sched_cls` or `sched_act`) program once on `packet` as an skb.
    pub fn run_tc(&self, prog: &str, packet: &[u8]) -> Result<RunResult, AccessError> {
        self.run_checked(prog, packet, "a TC program", |t| {
            matches!(t, ProgramType::SchedCls | ProgramType::SchedAct)
        })
    }

    /// Runs any packet program (XDP, TC, socket filter, cgroup_skb ...) once on `packet`.
    pub fn run_packet(&self, prog: &str, packet: &[u8]) -> Result<RunResult, AccessError> {
        self.run_checked(prog, packet, "a packet program", |_| true)
    }

    fn run_checked(
        &self,
        prog: &str,
        packet: &[u8],
        wanted: &'static str,
        accept: impl Fn(ProgramType) -> bool,
    ) -> Result<RunResult, AccessError> {
        if packet.len() < 14 {
            return Err(AccessError::PacketTooShort { len: packet.len() });
        }
        let Some(p) = self.obj.progs_mut().find(|p| p.name() == prog) else {
            return Err(AccessError::UnknownProgram {
                name: prog.into(),
                available: self.program_names(),
            });
        };
        {
            let actual = p.prog_type();
            if !accept(actual) {
                return Err(AccessError::WrongProgramType {
                    name: prog.into(),
                    wanted,
                    actual,
                });
            }
            let mut out = vec![0u8; packet.len() + DATA_OUT_SLACK];
            let input = ProgramInput {
                data_in: Some(packet),
                data_out: Some(&mut out),
                repeat: 1,
                ..ProgramInput::default()
            };
            let output = p.test_run(input).map_err(|e| AccessError::Kernel {
                what: format!("BPF_PROG_TEST_RUN of `{prog}`"),
                error: e.to_string(),
            })?;
            let retval = output.return_value;
            let data_out = output.data.map(|d| d.to_vec()).unwrap_or_default();
            Ok(RunResult { retval, data_out })
        }
    }

    fn map(&self, name: &str) -> Result<MapImpl<'_>, AccessError> {
        match find_map_ptr(self.obj.as_libbpf_object(), name) {
            // SAFETY: the map is owned by self.obj and lives as long as the borrow of self.
            Some(ptr) => Ok(MapImpl::new(unsafe { ptr.as_ref() })),
            None => Err(AccessError::UnknownMap {
                name: name.into(),
                available: self.map_names(),
            }),
        }
    }

    /// Type and sizes of map `name`.
    pub fn map_meta(&self, name: &str) -> Result<MapMeta, AccessError> {
        let m = self.map(name)?;
        Ok(MapMeta {
            map_type: m.map_type(),
            key_size: m.key_size(),
            value_size: m.value_size(),
            max_entries: m.max_entries(),
        })
    }

    fn check_len(what: String, expected: u32, actual: usize) -> Result<(), AccessError> {
        if expected as usize == actual {
            Ok(())
        } else {
            Err(AccessError::WrongSize {
                what,
                expected: expected as usize,
                actual,
            })
        }
    }

    /// Looks `key` up in a (non per-CPU) map; `None` when absent.
    pub fn lookup(&self, map: &str, key: &[u8]) -> Result<Option<Vec<u8>>, AccessError> {
        let m = self.map(map)?;
        Self::check_len(format!("key of map `{map}`"), m.key_size(), key.len())?;
        m.lookup(key, MapFlags::ANY)
            .map_err(|e| AccessError::Kernel {
                what: format!("lookup in map `{map}`"),
                error: e.to_string(),
            })
    }

    /// Looks `key` up in a per-CPU map: one value per possible CPU.
    pub fn lookup_percpu(
        &self,
        map: &str,
        key: &[u8],
    ) -> Result<Option<Vec<Vec<u8>>>, AccessError> {
        let m = self.map(map)?;
        Self::check_len(format!("key of map `{map}`"), m.key_size(), key.len())?;
        m.lookup_percpu(key, MapFlags::ANY)
            .map_err(|e| AccessError::Kernel {
                what: format!("per-CPU lookup in map `{map}`"),
                error: e.to_string(),
            })
    }

    /// Inserts or replaces `key` in a (non per-CPU) map.
    pub fn update(&self, map: &str, key: &[u8], value: &[u8]) -> Result<(), AccessError> {
        let m = self.map(map)?;
        Self::check_len(format!("key of map `{map}`"), m.key_size(), key.len())?;
        Self::check_len(format!("value of map `{map}`"), m.value_size(), value.len())?;
        m.update(key, value, MapFlags::ANY)
            .map_err(|e| AccessError::Kernel {
                what: format!("update of map `{map}`"),
                error: e.to_string(),
            })
    }

    /// Inserts or replaces `key` in a per-CPU map, one value per possible CPU.
    pub fn update_percpu(
        &self,
        map: &str,
        key: &[u8],
        values: &[Vec<u8>],
    ) -> Result<(), AccessError> {
        let m = self.map(map)?;
        Self::check_len(format!("key of map `{map}`"), m.key_size(), key.len())?;
        m.update_percpu(key, values, MapFlags::ANY)
            .map_err(|e| AccessError::Kernel {
                what: format!("per-CPU update of map `{map}`"),
                error: e.to_string(),
            })
    }

    /// Deletes `key`; `Ok(false)` when it was not there.
    pub fn delete(&self, map: &str, key: &[u8]) -> Result<bool, AccessError> {
        let m = self.map(map)?;
        Self::check_len(format!("key of map `{map}`"), m.key_size(), key.len())?;
        match m.delete(key) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == libbpf_rs::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(AccessError::Kernel {
                what: format!("delete from map `{map}`"),
                error: e.to_string(),
            }),
        }
    }

    /// The live contents of a global-data section (`.bss`, `.data`, `.rodata`,
    /// `.data.NAME` ...), read from its array map at key 0.
    pub fn read_global_section(&self, section: &str) -> Result<Vec<u8>, AccessError> {
        let value = self.lookup(section, &0u32.to_ne_bytes())?;
        value.ok_or_else(|| AccessError::Kernel {
            what: format!("reading section `{section}`"),
            error: "key 0 is missing".into(),
        })
    }

    fn global(&self, name: &str) -> Result<crate::GlobalVar, AccessError> {
        self.globals
            .get(name)
            .cloned()
            .ok_or_else(|| AccessError::UnknownGlobal {
                name: name.into(),
                available: self.globals.keys().cloned().collect(),
            })
    }

    /// The live bytes of global variable `name`.
    pub fn read_global(&self, name: &str) -> Result<Vec<u8>, AccessError> {
        let var = self.global(name)?;
        let data = self.read_global_section(&var.section)?;
        data.get(var.offset..var.offset + var.size)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| AccessError::Kernel {
                what: format!("reading global `{name}`"),
                error: format!(
                    "offset {}+{} outside section of {} bytes",
                    var.offset,
                    var.size,
                    data.len()
                ),
            })
    }

    /// Overwrites global variable `name` in the live section map (fails for
    /// `.rodata`, which the kernel froze at load; set it with `LoadOptions`).
    pub fn write_global(&self, name: &str, bytes: &[u8]) -> Result<(), AccessError> {
        let var = self.global(name)?;
        if bytes.len() != var.size {
            return Err(AccessError::WrongSize {
                what: format!("global `{name}`"),
                expected: var.size,
                actual: bytes.len(),
            });
        }
        let mut data = self.read_global_section(&var.section)?;
        data[var.offset..var.offset + var.size].copy_from_slice(bytes);
        self.update(&var.section, &0u32.to_ne_bytes(), &data)
    }
}
