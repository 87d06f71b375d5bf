//! Executes parsed directives, in file order, against one BPF object: loads
//! it on first need (applying `global-set:` initial values first), runs
//! programs, compares maps and globals, and turns every mismatch into an
//! [`E2eError`] naming the directive's line with expected and actual values.
//!
//! A load failure also lists the test-file lines the verifier log points
//! at (its `; source @ file:line` references, following the generated C's
//! `#line` directives back to the test file).
//!
//! The caller holds the kernel lock; this file must not take it, skip, or
//! build anything.

use std::path::Path;

use super::annotations::{action_name, Directive, DirectiveKind, MapExpect, Retval};
use super::values::{hex_word, Value};
use super::E2eError;
use crate::{LoadOptions, LoadedObject, ProgramType, RunResult};

pub(crate) struct Runner<'a> {
    file: &'a Path,
    object: &'a Path,
    c_file: Option<&'a Path>,
    options: LoadOptions,
    loaded: Option<LoadedObject>,
    last_run: Option<RunResult>,
    pub(crate) checks: usize,
}

type Step = Result<(), String>;

impl<'a> Runner<'a> {
    pub(crate) fn new(file: &'a Path, object: &'a Path, c_file: Option<&'a Path>) -> Self {
        Runner {
            file,
            object,
            c_file,
            options: LoadOptions::default(),
            loaded: None,
            last_run: None,
            checks: 0,
        }
    }

    fn fail(&self, d: &Directive, message: String) -> E2eError {
        E2eError::at(self.file, d.line, &d.text, message)
    }

    pub(crate) fn run_all(&mut self, directives: &[Directive]) -> Result<(), E2eError> {
        for d in directives {
            self.run_one(d)?;
        }
        Ok(())
    }

    fn run_one(&mut self, d: &Directive) -> Result<(), E2eError> {
        if let DirectiveKind::ExpectLoadError { needle } = &d.kind {
            self.checks += 1;
            return self.expect_load_error(d, needle);
        }
        if let (DirectiveKind::GlobalSet { name, value }, None) = (&d.kind, &self.loaded) {
            self.options
                .globals
                .push((name.clone(), value.encode().bytes));
            return Ok(());
        }
        if self.loaded.is_none() {
            let obj =
                LoadedObject::open_and_load_with(self.object, &self.options).map_err(|e| {
                    let mapped = mapped_source_lines(&e.log, self.file, self.c_file);
                    self.fail(
                        d,
                        format!(
                            "the object failed to load (needed by this directive):\n{e}{mapped}"
                        ),
                    )
                })?;
            self.loaded = Some(obj);
        }
        let step = match &d.kind {
            DirectiveKind::Run {
                prog,
                packet,
                expect,
            } => self.run(prog, packet, expect),
            DirectiveKind::Out { packet } => self.out(packet),
            DirectiveKind::Map { map, key, expect } => self.map(map, key, expect),
            DirectiveKind::MapSet { map, key, value } => self.map_set(map, key, value),
            DirectiveKind::MapDelete { map, key } => self.map_delete(map, key),
            DirectiveKind::MapSetProg { map, key, prog } => self.map_set_prog(map, key, prog),
            DirectiveKind::Global { name, expect } => self.global(name, expect),
            DirectiveKind::GlobalSet { name, value } => self
                .obj()
                .write_global(name, &value.encode().bytes)
                .map_err(|e| e.to_string()),
            DirectiveKind::ExpectLoadError { .. } => Ok(()),
            DirectiveKind::Verified { prog, at_most } => self.verified(prog, *at_most),
        };
        if matches!(
            d.kind,
            DirectiveKind::Run { .. }
                | DirectiveKind::Out { .. }
                | DirectiveKind::Map { .. }
                | DirectiveKind::Global { .. }
                | DirectiveKind::Verified { .. }
        ) {
            self.checks += 1;
        }
        step.map_err(|m| self.fail(d, m))
    }

    fn obj(&self) -> &LoadedObject {
        self.loaded.as_ref().expect("loaded before use")
    }

    fn expect_load_error(&mut self, d: &Directive, needle: &str) -> Result<(), E2eError> {
        let e = match LoadedObject::open_and_load_with(self.object, &self.options) {
            Ok(_) => {
                let m = format!("expected loading to fail with a log containing `{needle}`, but the object loaded");
                return Err(self.fail(d, m));
            }
            Err(e) => e,
        };
        let mapped = mapped_source_lines(&e.log, self.file, self.c_file);
        if e.log.contains(needle) || e.error.contains(needle) || mapped.contains(needle) {
            return Ok(());
        }
        let m = format!("loading failed as expected, but its log lacks `{needle}`:\n{e}{mapped}");
        Err(self.fail(d, m))
    }

    fn run(&mut self, prog: &str, packet: &[u8], expect: &Retval) -> Step {
        let obj = self.obj();
        let ty = obj.program_type(prog).map_err(|e| e.to_string())?;
        if let Some(name) = &expect.name {
            let fits = match ty {
                ProgramType::Xdp => name.starts_with("XDP_"),
                ProgramType::SchedCls | ProgramType::SchedAct => name.starts_with("TC_ACT_"),
                _ => true,
            };
            if !fits {
                return Err(format!(
                    "`{name}` is not a return code of `{prog}`, which is a {ty:?} program"
                ));
            }
        }
        let result = match ty {
            ProgramType::Xdp => obj.run_xdp(prog, packet),
            ProgramType::SchedCls | ProgramType::SchedAct => obj.run_tc(prog, packet),
            _ => obj.run_packet(prog, packet),
        }
        .map_err(|e| e.to_string())?;
        if result.retval != expect.value {
            let actual = Retval {
                value: result.retval,
                name: action_name(ty, result.retval).map(str::to_string),
            };
            return Err(format!(
                "expected: {expect}\nactual:   {actual}\npacket in ({} bytes):\n{}",
                packet.len(),
                crate::packet::hex(packet)
            ));
        }
        self.last_run = Some(result);
        Ok(())
    }

    fn out(&self, packet: &[u8]) -> Step {
        let last = self
            .last_run
            .as_ref()
            .ok_or("`out:` needs a passing `run:` before it")?;
        if last.data_out == packet {
            return Ok(());
        }
        let at = last
            .data_out
            .iter()
            .zip(packet)
            .position(|(a, b)| a != b)
            .unwrap_or(packet.len().min(last.data_out.len()));
        Err(format!(
            "output packet differs at byte {at} (expected {} bytes, got {})\nexpected:\n{}\nactual:\n{}",
            packet.len(),
            last.data_out.len(),
            crate::packet::hex(packet),
            crate::packet::hex(&last.data_out)
        ))
    }

    fn key_bytes(&self, map: &str, key: &Value) -> Result<Vec<u8>, String> {
        let meta = self.obj().map_meta(map).map_err(|e| e.to_string())?;
        let bytes = key.encode().bytes;
        if bytes.len() != meta.key_size as usize {
            return Err(format!(
                "key `{key}` is {} bytes but map `{map}` has {}-byte keys",
                bytes.len(),
                meta.key_size
            ));
        }
        Ok(bytes)
    }

    fn map(&self, map: &str, key: &Value, expect: &MapExpect) -> Step {
        let obj = self.obj();
        let kb = self.key_bytes(map, key)?;
        let meta = obj.map_meta(map).map_err(|e| e.to_string())?;
        let size_check = |v: &Value| {
            let n = v.encode().bytes.len();
            if n == meta.value_size as usize {
                Ok(())
            } else {
                Err(format!(
                    "value `{v}` is {n} bytes but map `{map}` has {}-byte values",
                    meta.value_size
                ))
            }
        };
        if meta.is_percpu() {
            let got = obj.lookup_percpu(map, &kb).map_err(|e| e.to_string())?;
            return match (expect, got) {
                (MapExpect::Absent, None) => Ok(()),
                (MapExpect::Absent, Some(v)) => Err(format!(
                    "expected: absent\nactual:   present, per CPU: {}",
                    per_cpu(&v)
                )),
                (MapExpect::Value(_), _) => Err(format!(
                    "map `{map}` is per-CPU ({:?}): compare the total with `== sum u64 N`",
                    meta.map_type
                )),
                (MapExpect::Sum(v), None) => Err(format!("expected: sum {v}\nactual:   absent")),
                (MapExpect::Sum(v @ Value::Int { ty, value }), Some(values)) => {
                    size_check(v)?;
                    let total = ty.wrap(values.iter().map(|b| ty.decode(b)).sum());
                    if total == ty.wrap(*value) {
                        Ok(())
                    } else {
                        Err(format!(
                            "expected: sum {v}\nactual:   sum {} {total} (per CPU: {})",
                            ty.name(),
                            per_cpu(&values)
                        ))
                    }
                }
                (MapExpect::Sum(v), Some(_)) => Err(format!("`sum` needs an integer, not `{v}`")),
            };
        }
        let got = obj.lookup(map, &kb).map_err(|e| e.to_string())?;
        match (expect, got) {
            (MapExpect::Absent, None) => Ok(()),
            (MapExpect::Absent, Some(b)) => Err(format!(
                "expected: absent\nactual:   present, hex {}",
                hex_word(&b)
            )),
            (MapExpect::Sum(_), _) => Err(format!(
                "map `{map}` is not per-CPU ({:?}): drop the `sum`",
                meta.map_type
            )),
            (MapExpect::Value(v), None) => {
                size_check(v)?;
                Err(format!("expected: {v}\nactual:   absent"))
            }
            (MapExpect::Value(v), Some(b)) => {
                size_check(v)?;
                compare(v, &b)
            }
        }
    }

    fn map_set(&self, map: &str, key: &Value, value: &Value) -> Step {
        let obj = self.obj();
        let kb = self.key_bytes(map, key)?;
        let vb = value.encode().bytes;
        let meta = obj.map_meta(map).map_err(|e| e.to_string())?;
        let r = if meta.is_percpu() {
            let cpus = libbpf_rs::num_possible_cpus().map_err(|e| e.to_string())?;
            obj.update_percpu(map, &kb, &vec![vb; cpus])
        } else {
            obj.update(map, &kb, &vb)
        };
        r.map_err(|e| e.to_string())
    }

    fn map_set_prog(&self, map: &str, key: &Value, prog: &str) -> Step {
        let obj = self.obj();
        let kb = self.key_bytes(map, key)?;
        let fd = obj.program_fd(prog).map_err(|e| e.to_string())?;
        obj.update(map, &kb, &fd.to_ne_bytes())
            .map_err(|e| e.to_string())
    }

    fn map_delete(&self, map: &str, key: &Value) -> Step {
        let kb = self.key_bytes(map, key)?;
        match self.obj().delete(map, &kb) {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!("map `{map}` has no key `{key}` to delete")),
            Err(e) => Err(e.to_string()),
        }
    }

    fn verified(&self, prog: &str, at_most: u32) -> Step {
        let count = self.obj().verified_insns(prog).map_err(|e| e.to_string())?;
        eprintln!(
            "{}: {prog}: {count} verified instructions",
            self.file.display()
        );
        if count > at_most {
            return Err(format!(
                "the verifier processed {count} instructions, more than {at_most}"
            ));
        }
        Ok(())
    }

    fn global(&self, name: &str, expect: &Value) -> Step {
        let got = self.obj().read_global(name).map_err(|e| e.to_string())?;
        let n = expect.encode().bytes.len();
        if n != got.len() {
            return Err(format!(
                "value `{expect}` is {n} bytes but global `{name}` is {}",
                got.len()
            ));
        }
        compare(expect, &got)
    }
}

fn compare(expect: &Value, actual: &[u8]) -> Step {
    let enc = expect.encode();
    if enc.matches(actual) {
        return Ok(());
    }
    Err(format!(
        "expected: {expect}\nactual:   {}\n(expected hex {}, actual hex {})",
        expect.render_like(actual),
        hex_word(&enc.bytes),
        hex_word(actual)
    ))
}

fn per_cpu(values: &[Vec<u8>]) -> String {
    values
        .iter()
        .map(|v| hex_word(v))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lines of the test file that the verifier log's `; ... @ NAME:LINE`
/// references point at, as `FILE:LINE: text` lines under a heading; empty
/// when there are none. A reference counts when NAME is the test file, or
/// is the generated C file and that file carries `#line` directives naming
/// the test file (clang 14 records the C file's name with the `#line` number).
pub(crate) fn mapped_source_lines(log: &str, test_file: &Path, c_file: Option<&Path>) -> String {
    let base = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let test_name = base(test_file);
    let c_name = c_file.map(base);
    let c_remapped = c_file
        .and_then(|c| std::fs::read_to_string(c).ok())
        .is_some_and(|text| {
            let quoted = format!("{test_name}\"");
            text.lines()
                .any(|l| l.trim_start().starts_with("#line") && l.contains(&quoted))
        });
    let source = std::fs::read_to_string(test_file).unwrap_or_default();
    let mut seen = Vec::new();
    let mut out = String::new();
    for line in log.lines() {
        let Some(rest) = line.trim_start().strip_prefix(';') else {
            continue;
        };
        let Some(at) = rest.rfind(" @ ") else {
            continue;
        };
        let Some((name, num)) = rest[at + 3..].trim().rsplit_once(':') else {
            continue;
        };
        let Ok(n) = num.parse::<usize>() else {
            continue;
        };
        let name = base(Path::new(name));
        let ours = name == test_name || (c_remapped && Some(&name) == c_name.as_ref());
        if !ours || n == 0 || seen.contains(&n) {
            continue;
        }
        seen.push(n);
        let text = source.lines().nth(n - 1).unwrap_or("").trim();
        out.push_str(&format!("  {test_name}:{n}: {text}\n"));
    }
    if out.is_empty() {
        out
    } else {
        format!("{test_name} lines the verifier log points at:\n{out}")
    }
}
