//! What the kernel offers BPF programs, as found in its BTF: enum
//! constants by name across every enum, kfuncs (functions tagged
//! `bpf_kfunc`), struct_ops types (the `bpf_struct_ops_<NAME>` value types
//! the kernel registers) with their methods, LSM hooks (`bpf_lsm_<hook>`)
//! and attachable functions. This file relies only on BTF and on kernel
//! naming conventions, which each query documents; it must not read
//! tracefs or any file (tracepoints are `tracepoint.rs`).

use std::collections::{BTreeMap, BTreeSet};

use crate::btf::Btf;
use crate::error::BtfError;
use crate::query::FoundMember;
use crate::types::{DeclarationTag, FunctionPrototype, Type, TypeId, TypeKind};

/// The declaration tag the kernel (6.8 and later, built with pahole 1.26
/// or later) puts on every kfunc.
pub const KFUNC_DECL_TAG: &str = "bpf_kfunc";

/// The prefix of the struct_ops value types: the kernel registers
/// `struct bpf_struct_ops_<NAME> { ...; struct NAME data; }` for each
/// struct_ops type NAME.
pub const STRUCT_OPS_VALUE_PREFIX: &str = "bpf_struct_ops_";

/// The prefix of the functions BPF LSM programs attach to.
pub const LSM_HOOK_PREFIX: &str = "bpf_lsm_";

/// One kfunc found in a `.BTF_ids` section, with its `KF_*` flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KfuncSetEntry {
    /// The kfunc's `FUNC` id.
    pub id: TypeId,
    /// The raw `KF_*` flags (`KF_ACQUIRE` = 1, `KF_RELEASE` = 2,
    /// `KF_RET_NULL` = 4, `KF_TRUSTED_ARGS` = 16, `KF_SLEEPABLE` = 32,
    /// `KF_DESTRUCTIVE` = 64 since 6.0; later bits vary by version).
    pub flags: u32,
}

/// One enumerator, with the enum it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnumConstant<'btf> {
    /// The `ENUM`/`ENUM64` type holding it.
    pub enum_id: TypeId,
    /// That enum's name (empty for anonymous enums, which hold many kernel
    /// constants).
    pub enum_name: &'btf str,
    /// The enumerator's name, e.g. `"BPF_ANY"`.
    pub name: &'btf str,
    /// Its value.
    pub value: i128,
    /// The enum's size in bytes (4 or 8).
    pub byte_size: u32,
    /// Whether the enum's values are signed.
    pub is_signed: bool,
}

/// A struct_ops type the kernel registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StructOpsType<'btf> {
    /// The type's name, e.g. `"tcp_congestion_ops"`.
    pub name: &'btf str,
    /// `struct NAME`, the type a BPF program's `SEC(".struct_ops")`
    /// variable has.
    pub type_id: TypeId,
    /// `struct bpf_struct_ops_NAME`, the value type of the struct_ops map.
    pub value_type_id: TypeId,
}

/// One member of a struct_ops type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructOpsMember<'btf> {
    /// The member (name, type, offsets).
    pub member: FoundMember<'btf>,
    /// For function-pointer members (methods a BPF program implements),
    /// the prototype; `None` for data members such as `name` or `flags`.
    pub prototype: Option<FunctionPrototype<'btf>>,
    /// For methods, parameter names borrowed from a kernel function with
    /// the same parameter types whose name ends in `_<member>` (the
    /// subsystem's stub, e.g. `bpf_tcp_ca_cong_avoid`), since
    /// function-pointer prototypes carry no names. Empty when none is
    /// found; the caller then invents names.
    pub parameter_names: Vec<&'btf str>,
}

impl Btf {
    /// Every enumerator of every enum (base first, then in id and
    /// declaration order).
    pub fn all_enum_constants(&self) -> impl Iterator<Item = EnumConstant<'_>> + '_ {
        let base = self
            .base()
            .map(|base| Box::new(base.all_enum_constants()) as Box<dyn Iterator<Item = _>>)
            .into_iter()
            .flatten();
        let own = self
            .enumerator_index()
            .entries()
            .iter()
            .filter_map(|&(id, index)| self.enum_constant_at(id, index));
        base.chain(own)
    }

    fn enum_constant_at(&self, enum_id: TypeId, index: u32) -> Option<EnumConstant<'_>> {
        let enumeration = self.type_by_id(enum_id)?.as_enum()?;
        let value = enumeration.value(index as usize)?;
        Some(EnumConstant {
            enum_id,
            enum_name: enumeration.name,
            name: value.name,
            value: value.value,
            byte_size: enumeration.byte_size,
            is_signed: enumeration.is_signed,
        })
    }

    /// The enumerator called `name` in any enum of the kernel, e.g.
    /// `BPF_ANY`, `TCP_CA_Loss` or `SCX_DSQ_LOCAL`; when several enums
    /// define it (possible across compilation units), the one in the
    /// lowest-numbered enum. The enumerator index is built on first use.
    pub fn enum_constant(&self, name: &str) -> Option<EnumConstant<'_>> {
        self.enum_constants_named(name).into_iter().next()
    }

    /// Every enumerator called `name`, in enum id order (base first).
    pub fn enum_constants_named(&self, name: &str) -> Vec<EnumConstant<'_>> {
        let mut found = self
            .base()
            .map(|base| base.enum_constants_named(name))
            .unwrap_or_default();
        found.extend(
            self.enumerator_index()
                .lookup(self, name)
                .filter_map(|(id, index)| self.enum_constant_at(id, index)),
        );
        found
    }

    /// Every enumerator whose name starts with `prefix` (e.g. `"TCP_CA_"`),
    /// in enum id and declaration order.
    pub fn enum_constants_with_prefix<'query>(
        &'query self,
        prefix: &'query str,
    ) -> impl Iterator<Item = EnumConstant<'query>> + 'query {
        self.all_enum_constants()
            .filter(move |constant| constant.name.starts_with(prefix))
    }

    /// Every declaration tag (base first): the tag's id and record.
    pub fn declaration_tags(&self) -> impl Iterator<Item = (TypeId, DeclarationTag<'_>)> + '_ {
        (1..=self.last_type_id().0).filter_map(move |number| {
            let id = TypeId(number);
            if self.kind_of(id)? != TypeKind::DeclTag {
                return None;
            }
            match self.type_by_id(id)? {
                Type::DeclTag(tag) => Some((id, tag)),
                _ => None,
            }
        })
    }

    /// Whether this BTF tags kfuncs at all. Kernels before ~6.8 (Debian
    /// 12's 6.1 among them) do not: their kfuncs are listed only in the
    /// `.BTF_ids` section of the vmlinux ELF, as raw id sets whose
    /// boundaries are symbols (`__BTF_ID__set8__*`) that a stripped image
    /// does not carry; see the crate documentation.
    pub fn has_kfunc_tags(&self) -> bool {
        !self.kfunc_ids().is_empty()
    }

    /// Every kfunc: the `FUNC`s carrying the [`KFUNC_DECL_TAG`]
    /// declaration tag, sorted by name. Empty on kernels that do not tag
    /// kfuncs ([`has_kfunc_tags`](Btf::has_kfunc_tags)).
    pub fn kfuncs(&self) -> Vec<TypeId> {
        let mut ids = self.kfunc_ids();
        ids.sort_by(|left, right| self.name_of(*left).cmp(self.name_of(*right)));
        ids
    }

    /// Whether `id` is a `FUNC` tagged as a kfunc.
    pub fn is_kfunc(&self, id: TypeId) -> bool {
        self.kfunc_ids().binary_search(&id).is_ok()
    }

    /// The kfunc called `name`, if the kernel tags it as one.
    pub fn kfunc(&self, name: &str) -> Option<TypeId> {
        self.ids_by_name(TypeKind::Func, name)
            .into_iter()
            .find(|&id| self.is_kfunc(id))
    }

    /// Ids of tagged kfuncs, ascending.
    fn kfunc_ids(&self) -> Vec<TypeId> {
        let mut ids: Vec<TypeId> = self
            .declaration_tags()
            .filter(|(_, tag)| tag.value == KFUNC_DECL_TAG && tag.component_index.is_none())
            .map(|(_, tag)| tag.type_id)
            .filter(|&target| self.kind_of(target) == Some(TypeKind::Func))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Kfuncs read from the `.BTF_ids` section of the ELF image this BTF
    /// came from (`btf::elf::section(file, ".BTF_ids")`), for kernels that
    /// do not tag kfuncs (6.1). The section holds the kernel's id sets
    /// after `resolve_btfids` filled them in; kfunc sets are `set8`s:
    /// `u32 count, u32 flags`, then `count` pairs of `u32 id, u32 kfunc
    /// flags`, sorted by id. The symbols that delimit the sets are
    /// stripped from distribution images (and absent from `System.map`),
    /// so sets are recognised by that shape: a non-zero count, zero set
    /// flags, strictly ascending ids that are all `FUNC`s, and kfunc
    /// flags below 2^16. This is a heuristic, tested on Debian 12's 6.1
    /// image; the result is sorted by name. A module's sets are in the
    /// module's own `.BTF_ids`, read with the module's split BTF.
    pub fn kfuncs_in_btf_ids_section(&self, section: &[u8]) -> Vec<KfuncSetEntry> {
        let words: Vec<u32> = section
            .chunks_exact(4)
            .map(|chunk| {
                let bytes = [chunk[0], chunk[1], chunk[2], chunk[3]];
                self.u32_from_blob_order(bytes)
            })
            .collect();
        let is_function = |id: u32| self.kind_of(TypeId(id)) == Some(TypeKind::Func);
        let mut found = Vec::new();
        let mut index = 0;
        while index + 2 < words.len() {
            let count = words[index] as usize;
            let end = index + 2 + 2 * count;
            let is_set = count > 0
                && words[index + 1] == 0
                && end <= words.len()
                && (0..count).all(|entry| {
                    let id = words[index + 2 + 2 * entry];
                    let flags = words[index + 3 + 2 * entry];
                    let ascending = entry == 0 || words[index + 2 * entry] < id;
                    ascending && flags < 1 << 16 && is_function(id)
                });
            if !is_set {
                index += 1;
                continue;
            }
            found.extend((0..count).map(|entry| KfuncSetEntry {
                id: TypeId(words[index + 2 + 2 * entry]),
                flags: words[index + 3 + 2 * entry],
            }));
            index = end;
        }
        found.sort_by(|left, right| {
            self.name_of(left.id)
                .cmp(self.name_of(right.id))
                .then(left.id.cmp(&right.id))
        });
        found.dedup_by_key(|entry| entry.id);
        found
    }

    /// The declaration tags attached to `id` as a whole (not to one of its
    /// members or parameters), e.g. `["bpf_kfunc", "bpf_fastcall"]`.
    pub fn declaration_tags_of(&self, id: TypeId) -> Vec<&str> {
        self.declaration_tags()
            .filter(|(_, tag)| tag.type_id == id && tag.component_index.is_none())
            .map(|(_, tag)| tag.value)
            .collect()
    }

    /// The `FUNC` called `name` (lowest id): a kernel function that fentry,
    /// fexit and kprobe programs can name, or a kfunc.
    pub fn function(&self, name: &str) -> Option<TypeId> {
        self.find_by_name(TypeKind::Func, name)
    }

    /// Every struct_ops type the kernel registers, sorted by name: each
    /// struct `bpf_struct_ops_<NAME>` whose last member is `data` of type
    /// `struct NAME` (the layout libbpf relies on, from 5.6 on: `refcnt,
    /// state, data` up to 6.8, `common, data` after).
    pub fn struct_ops_types(&self) -> Vec<StructOpsType<'_>> {
        let mut found: Vec<StructOpsType<'_>> = self
            .names_with_prefix(&[TypeKind::Struct], STRUCT_OPS_VALUE_PREFIX)
            .filter_map(|(id, name)| {
                let ops_name = name.strip_prefix(STRUCT_OPS_VALUE_PREFIX)?;
                self.struct_ops_from_value(id, ops_name)
            })
            .collect();
        found.sort_by(|left, right| left.name.cmp(right.name));
        found.dedup_by(|left, right| left.name == right.name);
        found
    }

    /// The struct_ops type called `name` (e.g. `"tcp_congestion_ops"`).
    pub fn struct_ops_type(&self, name: &str) -> Option<StructOpsType<'_>> {
        let value_name = format!("{STRUCT_OPS_VALUE_PREFIX}{name}");
        self.ids_by_name(TypeKind::Struct, &value_name)
            .into_iter()
            .find_map(|id| self.struct_ops_from_value(id, name))
            .map(|found| StructOpsType {
                // Borrow the name from the BTF, not from the caller.
                name: self.name_of(found.type_id),
                ..found
            })
    }

    fn struct_ops_from_value<'btf>(
        &'btf self,
        value_type_id: TypeId,
        ops_name: &str,
    ) -> Option<StructOpsType<'btf>> {
        let value = self.type_by_id(value_type_id)?.as_struct_or_union()?;
        let data = value.members().next_back()?;
        if data.name != "data" {
            return None;
        }
        let (type_id, data_type) = self.resolved_type(data.type_id).ok()?;
        match data_type {
            Type::Struct(ops) if ops.name == ops_name => Some(StructOpsType {
                name: ops.name,
                type_id,
                value_type_id,
            }),
            _ => None,
        }
    }

    /// The members of a struct_ops type, anonymous members flattened, with
    /// the prototype (and, where a kernel function reveals them, parameter
    /// names) of each method.
    pub fn struct_ops_members(
        &self,
        ops: &StructOpsType<'_>,
    ) -> Result<Vec<StructOpsMember<'_>>, BtfError> {
        let members = self.flattened_members(ops.type_id)?;
        let methods: BTreeSet<&str> = members
            .iter()
            .filter(|member| self.is_function_pointer(member.member.type_id))
            .map(|member| member.member.name)
            .collect();
        let stubs = self.functions_named_after(&methods);
        members
            .into_iter()
            .map(|member| {
                let prototype = if self.is_function_pointer(member.member.type_id) {
                    Some(self.function_prototype(member.member.type_id)?)
                } else {
                    None
                };
                let parameter_names = match &prototype {
                    Some(prototype) => self.parameter_names_for(
                        ops.name,
                        stubs.get(member.member.name).map_or(&[], Vec::as_slice),
                        prototype,
                    ),
                    None => Vec::new(),
                };
                Ok(StructOpsMember {
                    member,
                    prototype,
                    parameter_names,
                })
            })
            .collect()
    }

    /// The `FUNC`s named `…_<method>`, by method, for each of `methods`:
    /// one pass over the names (a struct_ops type has dozens of methods,
    /// the kernel tens of thousands of functions).
    fn functions_named_after<'btf>(
        &'btf self,
        methods: &BTreeSet<&str>,
    ) -> BTreeMap<String, Vec<(TypeId, &'btf str)>> {
        let methods: BTreeSet<String> = methods.iter().map(|method| method.to_string()).collect();
        let method_of = move |name: &[u8]| -> Vec<String> {
            name.iter()
                .enumerate()
                .filter(|(_, byte)| **byte == b'_')
                .filter_map(|(at, _)| std::str::from_utf8(&name[at + 1..]).ok())
                .filter(|tail| methods.contains(*tail))
                .map(String::from)
                .collect()
        };
        let mut found: BTreeMap<String, Vec<(TypeId, &'btf str)>> = BTreeMap::new();
        let keep = method_of.clone();
        let named = self.names_where(&[TypeKind::Func], move |name| !keep(name).is_empty());
        for (id, name) in named {
            for method in method_of(name.as_bytes()) {
                found.entry(method).or_default().push((id, name));
            }
        }
        found
    }

    /// Names for the parameters of `prototype` (a struct_ops method of
    /// `ops_name`) from one of `stubs` (the `FUNC`s named `…_<method>`)
    /// with the same return and parameter types; stubs whose name shares
    /// a word with `ops_name` are preferred.
    fn parameter_names_for(
        &self,
        ops_name: &str,
        stubs: &[(TypeId, &str)],
        prototype: &FunctionPrototype<'_>,
    ) -> Vec<&str> {
        let ops_words: Vec<&str> = ops_name.split('_').filter(|word| word.len() > 2).collect();
        let mut best: Option<(bool, TypeId)> = None;
        for &(id, name) in stubs {
            let Ok(candidate) = self.function_prototype(id) else {
                continue;
            };
            let same_types = candidate.return_type == prototype.return_type
                && candidate.parameter_count() == prototype.parameter_count()
                && candidate
                    .parameters()
                    .zip(prototype.parameters())
                    .all(|(left, right)| left.type_id == right.type_id)
                && candidate
                    .parameters()
                    .all(|parameter| !parameter.name.is_empty());
            if !same_types {
                continue;
            }
            let shares_word = ops_words.iter().any(|word| name.contains(word));
            if best.is_none_or(|(best_shares, _)| shares_word && !best_shares) {
                best = Some((shares_word, id));
            }
        }
        best.and_then(|(_, id)| self.function_prototype(id).ok())
            .map(|found| found.parameters().map(|parameter| parameter.name).collect())
            .unwrap_or_default()
    }

    /// The hooks BPF LSM programs can attach to, as `FUNC` ids of
    /// `bpf_lsm_<hook>` sorted by name. Functions with that prefix that are
    /// not hooks (`bpf_lsm_verify_prog`, `bpf_lsm_find_cgroup_shim`, ...)
    /// are left out by checking each name against the kernel's list of
    /// hooks: the members of `struct lsm_static_calls_table` (6.9 and
    /// later) or `struct security_hook_heads` (earlier). If neither struct
    /// is present, every `bpf_lsm_*` function is returned.
    pub fn lsm_hooks(&self) -> Vec<TypeId> {
        let hook_names = self.lsm_hook_names();
        let mut hooks: Vec<(TypeId, &str)> = self
            .names_with_prefix(&[TypeKind::Func], LSM_HOOK_PREFIX)
            .filter(|(_, name)| {
                name.strip_prefix(LSM_HOOK_PREFIX).is_some_and(|hook| {
                    hook_names
                        .as_ref()
                        .is_none_or(|names| names.binary_search(&hook).is_ok())
                })
            })
            .collect();
        hooks.sort_by(|left, right| left.1.cmp(right.1));
        hooks.dedup_by(|left, right| left.1 == right.1);
        hooks.into_iter().map(|(id, _)| id).collect()
    }

    /// The `bpf_lsm_<hook>` function of LSM hook `hook` (e.g.
    /// `"file_open"`), if the kernel has that hook.
    pub fn lsm_hook(&self, hook: &str) -> Option<TypeId> {
        let id = self.function(&format!("{LSM_HOOK_PREFIX}{hook}"))?;
        match self.lsm_hook_names() {
            Some(names) if names.binary_search(&hook).is_err() => None,
            _ => Some(id),
        }
    }

    /// Names of the kernel's LSM hooks, sorted, if a struct listing them
    /// exists.
    fn lsm_hook_names(&self) -> Option<Vec<&str>> {
        let list = ["lsm_static_calls_table", "security_hook_heads"]
            .iter()
            .find_map(|name| self.find_by_name(TypeKind::Struct, name))?;
        let mut names: Vec<&str> = self.members(list).ok()?.map(|member| member.name).collect();
        names.sort_unstable();
        Some(names)
    }
}
