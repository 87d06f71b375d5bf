//! The checked, name-resolved, fully typed program: what the checker
//! produces and the code generators consume.
//!
//! Every expression carries its `Type`; every name is resolved to an id
//! (`LocalId`, `GlobalId`, `MapId`, ...) indexing a table in `Program`;
//! aliases are gone; enum variants and constants have their values. Nothing
//! here produces diagnostics: a `Program` only exists for input the checker
//! accepted, so a generator that meets something it cannot emit has found a
//! missing checker rule (a bug), not a user error.

mod gfp;
mod library;
pub mod loops;
pub mod records;
pub mod strings;
mod types;
pub mod visit;

pub use gfp::Gfp;
pub use library::{Library, LIBRARY};
pub use types::*;

pub use crate::kinds::{Descriptor, Entry, ProgramKind};
use crate::span::Span;
pub use crate::syntax::ast::{BinaryOp, Radix, UnaryOp};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

id_type!(
    /// Index into `Program::structs`.
    StructId,
    /// Index into `Program::enums`.
    EnumId,
    /// Index into `Program::maps`.
    MapId,
    /// Index into `Program::globals`.
    GlobalId,
    /// Index into `Program::configs`.
    ConfigId,
    /// Index into `Program::consts`.
    ConstId,
    /// Index into `Program::functions`.
    FunctionId,
    /// Index into `Program::externs`.
    ExternId,
    /// Index into `Function::locals` of the enclosing function.
    LocalId,
    /// Index into `Program::struct_ops`.
    StructOpsId,
    /// Index into `Program::modules`.
    ModuleId,
);

/// A whole checked compilation unit (the main file plus its includes).
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub structs: Vec<StructDef>,
    pub enums: Vec<EnumDef>,
    pub maps: Vec<MapDef>,
    pub globals: Vec<GlobalDef>,
    pub configs: Vec<ConfigDef>,
    pub consts: Vec<ConstDef>,
    pub functions: Vec<Function>,
    pub externs: Vec<ExternDef>,
    /// `@struct_ops("kernel_type") impl name { ... }` blocks.
    pub struct_ops: Vec<StructOpsDef>,
    /// The modules the program imports (KernelScript and Python).
    pub modules: Vec<ModuleDef>,
    /// The kernel BTF the program was checked against: the generators
    /// write the kernel types the eBPF C uses from it.
    pub kernel: Option<KernelBtf>,
    /// How each field of `main`'s `Args` struct is offered on the command
    /// line (short form, help text, default), by field name; empty without
    /// an `Args` struct.
    pub args_options: Vec<(String, ArgOption)>,
}

/// `@short("x") @help("text") @ipv4 name: T = default` on an `Args` field
/// (or `@ipv6`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArgOption {
    pub short: Option<char>,
    pub help: Option<String>,
    pub default: Option<OptionDefault>,
    /// `@ipv4`: a `u32` written as a dotted IPv4 address, stored in
    /// network order.
    pub ipv4: bool,
    /// `@ipv6`: a `u8[16]` written as an IPv6 address, stored in network
    /// order.
    pub ipv6: bool,
}

/// A checked constant default of an `Args` option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionDefault {
    Int(i128),
    Bool(bool),
    Char(u8),
    Str(String),
    /// The default of an `@ipv4`/`@ipv6` option: its bytes in network
    /// order, and the address as `--help` shows it.
    Address(Vec<u8>, String),
}

impl Program {
    /// The command-line settings of the `Args` field `name`.
    pub fn arg_option(&self, name: &str) -> Option<&ArgOption> {
        self.args_options
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, option)| option)
    }
}

/// The kernel's BTF, shared (cloning is cheap).
#[derive(Clone)]
pub struct KernelBtf(pub btf::Btf);

impl std::fmt::Debug for KernelBtf {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "KernelBtf({} types)", self.0.last_type_id().0)
    }
}

impl Program {
    pub fn struct_def(&self, id: StructId) -> &StructDef {
        &self.structs[id.index()]
    }
    pub fn enum_def(&self, id: EnumId) -> &EnumDef {
        &self.enums[id.index()]
    }
    pub fn map(&self, id: MapId) -> &MapDef {
        &self.maps[id.index()]
    }
    pub fn global(&self, id: GlobalId) -> &GlobalDef {
        &self.globals[id.index()]
    }
    pub fn config(&self, id: ConfigId) -> &ConfigDef {
        &self.configs[id.index()]
    }
    pub fn const_def(&self, id: ConstId) -> &ConstDef {
        &self.consts[id.index()]
    }
    pub fn function(&self, id: FunctionId) -> &Function {
        &self.functions[id.index()]
    }
    pub fn extern_def(&self, id: ExternId) -> &ExternDef {
        &self.externs[id.index()]
    }
    pub fn struct_ops_def(&self, id: StructOpsId) -> &StructOpsDef {
        &self.struct_ops[id.index()]
    }
    pub fn module(&self, id: ModuleId) -> &ModuleDef {
        &self.modules[id.index()]
    }

    /// The KernelScript module an item defined at `span` belongs to; `None`
    /// for the main file, its headers and kernel items.
    pub fn module_of(&self, span: Span) -> Option<ModuleId> {
        self.modules
            .iter()
            .position(|module| module.kind == ModuleKind::KernelScript && module.file == span.file)
            .map(|index| ModuleId(index as u32))
    }
}

/// `import name from "path"`: a KernelScript module (its items are in the
/// program's tables, `Program::module_of` tells which) or a Python module
/// userspace calls into.
#[derive(Clone, Debug)]
pub struct ModuleDef {
    /// The name the first import gives it (`utils`); C names of its items
    /// start with it.
    pub name: String,
    /// Its file.
    pub file: crate::span::FileId,
    pub kind: ModuleKind,
    /// The path as the loader named it (for messages and comments).
    pub path: String,
    /// The first import's name.
    pub span: Span,
}

/// The code a Python exception is thrown with in userspace; also the
/// constant `PYTHON_ERROR` of programs that import a Python module.
pub const PYTHON_ERROR: i64 = 0x5059;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleKind {
    KernelScript,
    /// A Python module: its source text, which the userspace program
    /// embeds and runs with the CPython it links.
    Python {
        source: String,
    },
}

/// Where a type or constant comes from: the user's source (emitted as C),
/// or the kernel (already defined by kernel headers / vmlinux.h; never
/// emitted, only named).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Source,
    Kernel,
}

#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    pub fields: Vec<FieldDef>,
    pub origin: Origin,
    /// `Some("tcp_congestion_ops")` for `@struct_ops("...") struct`.
    pub struct_ops: Option<String>,
    /// For a kernel type from BTF: its BTF identity and layout. `fields`
    /// then lists every member C can name directly (members of anonymous
    /// structs and unions included), filled when the checker first needs
    /// them.
    pub kernel: Option<Box<KernelRecord>>,
    pub span: Span,
}

impl StructDef {
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == name)
    }

    /// Whether field `index` is a bitfield (kernel records only).
    pub fn is_bitfield(&self, index: usize) -> bool {
        self.kernel
            .as_ref()
            .is_some_and(|kernel| kernel.bitfields.contains(&index))
    }
}

/// A struct, union or typedef of one from the kernel's BTF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelRecord {
    /// The BTF type id the generated kernel header must define: the
    /// struct or union, or the typedef naming an anonymous one.
    pub btf_id: u32,
    pub spelling: KernelSpelling,
    /// `sizeof` and `_Alignof` in C, from BTF.
    pub size: u64,
    pub align: u64,
    /// Indexes (into `StructDef::fields`) of bitfield members.
    pub bitfields: Vec<usize>,
}

/// How C names a kernel record (see `StructDef::c_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelSpelling {
    Struct,
    Union,
    Typedef,
    /// A member's anonymous struct or union: usable only in place.
    Anonymous,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub ty: Type,
}

#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: String,
    pub variants: Vec<EnumVariantDef>,
    pub origin: Origin,
    /// For a kernel enum from BTF: its type id and size in bytes (kernel
    /// enums may be 1, 2, 4 or 8 bytes wide).
    pub kernel: Option<KernelEnum>,
    pub span: Span,
}

/// A kernel enum's BTF identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelEnum {
    pub btf_id: u32,
    pub size: u64,
    /// Whether BTF says its values are signed.
    pub signed: bool,
}

impl EnumDef {
    /// The value of variant `index` as the kernel or the source means it.
    pub fn value(&self, index: usize) -> i128 {
        self.variants[index].value
    }

    /// The smallest and largest variant values (`(0, 0)` without variants).
    pub fn value_range(&self) -> (i128, i128) {
        let values = self.variants.iter().map(|variant| variant.value);
        let min = values.clone().min().unwrap_or(0);
        let max = values.max().unwrap_or(0);
        (min, max)
    }

    /// Whether some value is above `i64::MAX` (all are then non-negative):
    /// an unsigned 64-bit enum, of the kernel's or the source's.
    pub fn is_unsigned_64(&self) -> bool {
        self.variants
            .iter()
            .any(|variant| variant.value > i128::from(i64::MAX))
    }
}

#[derive(Clone, Debug)]
pub struct EnumVariantDef {
    pub name: String,
    /// The value as meant: between `i64::MIN` and `u64::MAX`, never
    /// negative in an enum with a value above `i64::MAX`.
    pub value: i128,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    Hash,
    Array,
    PercpuHash,
    PercpuArray,
    LruHash,
    LruPercpuHash,
    LpmTrie,
    Ringbuf,
    ProgArray,
    PerfEventArray,
    /// `stack_trace<u32, u64[DEPTH]>`: call stacks `bpf_get_stackid`
    /// records, keyed by their id; read from userspace.
    StackTrace,
}

impl MapKind {
    /// The KernelScript spelling (`percpu_hash`, ...).
    pub fn source_name(self) -> &'static str {
        match self {
            MapKind::Hash => "hash",
            MapKind::Array => "array",
            MapKind::PercpuHash => "percpu_hash",
            MapKind::PercpuArray => "percpu_array",
            MapKind::LruHash => "lru_hash",
            MapKind::LruPercpuHash => "lru_percpu_hash",
            MapKind::LpmTrie => "lpm_trie",
            MapKind::Ringbuf => "ringbuf",
            MapKind::ProgArray => "prog_array",
            MapKind::PerfEventArray => "perf_event_array",
            MapKind::StackTrace => "stack_trace",
        }
    }

    /// The `BPF_MAP_TYPE_*` constant.
    pub fn bpf_map_type(self) -> &'static str {
        match self {
            MapKind::Hash => "BPF_MAP_TYPE_HASH",
            MapKind::Array => "BPF_MAP_TYPE_ARRAY",
            MapKind::PercpuHash => "BPF_MAP_TYPE_PERCPU_HASH",
            MapKind::PercpuArray => "BPF_MAP_TYPE_PERCPU_ARRAY",
            MapKind::LruHash => "BPF_MAP_TYPE_LRU_HASH",
            MapKind::LruPercpuHash => "BPF_MAP_TYPE_LRU_PERCPU_HASH",
            MapKind::LpmTrie => "BPF_MAP_TYPE_LPM_TRIE",
            MapKind::Ringbuf => "BPF_MAP_TYPE_RINGBUF",
            MapKind::ProgArray => "BPF_MAP_TYPE_PROG_ARRAY",
            MapKind::PerfEventArray => "BPF_MAP_TYPE_PERF_EVENT_ARRAY",
            MapKind::StackTrace => "BPF_MAP_TYPE_STACK_TRACE",
        }
    }

    /// Array-like maps always hold every key in `0..max_entries`: lookups of
    /// a valid index never miss and entries cannot be deleted.
    pub fn is_array(self) -> bool {
        matches!(self, MapKind::Array | MapKind::PercpuArray)
    }

    pub fn is_percpu(self) -> bool {
        matches!(
            self,
            MapKind::PercpuHash | MapKind::PercpuArray | MapKind::LruPercpuHash
        )
    }
}

/// `BPF_F_*` map flags from `@flags(...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapFlag {
    NoPrealloc,
    NoCommonLru,
    /// `numa_node(N)`: sets `BPF_F_NUMA_NODE` and the map's numa node.
    NumaNode(u32),
    Rdonly,
    Wronly,
    RdonlyProg,
    WronlyProg,
    Mmapable,
}

#[derive(Clone, Debug)]
pub struct MapDef {
    pub name: String,
    pub kind: MapKind,
    /// `Type::Void` for ring buffers and `perf_event_array<T>`, which have
    /// no key.
    pub key: Type,
    /// The event type for ring buffers and `perf_event_array<T>`.
    pub value: Type,
    /// 0 for a `perf_event_array<T>` declared without a size: libbpf makes
    /// it one entry per possible CPU.
    pub max_entries: u32,
    pub flags: Vec<MapFlag>,
    pub pinned: bool,
    pub span: Span,
}

impl MapDef {
    /// A map of objects (`hash<K, *T>`, kptrs): the checker accepts a
    /// pointer value only for those.
    pub fn holds_objects(&self) -> bool {
        matches!(self.value, Type::Pointer(_))
    }

    /// A ring buffer or a `perf_event_array<T>`: userspace receives its
    /// events with `on_event` and `dispatch`.
    pub fn is_event_source(&self) -> bool {
        self.kind == MapKind::Ringbuf
            || (self.kind == MapKind::PerfEventArray && self.key == Type::Void)
    }
}

/// A global `var` that is not a map: lives in `.bss`/`.data`, shared by
/// every eBPF program and (unless `local`) userspace.
#[derive(Clone, Debug)]
pub struct GlobalDef {
    pub name: String,
    pub ty: Type,
    /// A constant initialiser, already checked to be constant.
    pub init: Option<Expr>,
    pub pinned: bool,
    /// `local var`: kernel-only, invisible to userspace.
    pub local: bool,
    pub span: Span,
}

/// A `config name { ... }` block: read-only for eBPF programs, written by
/// userspace; declared defaults are part of the object.
#[derive(Clone, Debug)]
pub struct ConfigDef {
    pub name: String,
    pub fields: Vec<ConfigFieldDef>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ConfigFieldDef {
    pub name: String,
    pub ty: Type,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug)]
pub struct ConstDef {
    pub name: String,
    pub ty: Type,
    /// The evaluated value (two's complement for negative signed values).
    pub value: i128,
    /// How the initialiser wrote it, when it is a literal (`0x0800`).
    pub radix: Radix,
    pub origin: Origin,
    pub span: Span,
}

/// What a function is: decides where it runs and how it is emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    /// An eBPF program entry point (`@xdp`, `@tc("ingress")`, ...): its
    /// kind's descriptor (`crate::kinds`) says everything else.
    Program(ProgramDecl),
    /// `@helper`: an eBPF-side function callable from programs and helpers.
    Helper,
    /// A method of an `@struct_ops` impl block.
    StructOpsMethod { impl_name: String },
    /// `@kfunc`: a kernel-module function callable from eBPF.
    Kfunc,
    /// `@private`: a kernel-module function callable only from kfuncs.
    Private,
    /// `@test`: a userspace test entry point.
    Test,
    /// A plain `fn`: userspace code.
    Userspace,
    /// `fn main()` / `fn main(args: Args)`.
    Main,
}

/// A program's kind and its attribute's argument as written (`"ingress"`,
/// `"sched/sched_switch"`, `"/bin/bash:readline"`; empty for `@xdp`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramDecl {
    pub kind: ProgramKind,
    pub target: String,
    /// How its C function receives its context: the kind's default for
    /// the target, or what the checker chose from the declared
    /// parameters (`ctx: *pt_regs` of a kprobe).
    pub entry: Entry,
}

impl ProgramDecl {
    pub fn descriptor(&self) -> &'static Descriptor {
        self.kind.descriptor()
    }
}

/// Which output a function is emitted into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The `.ebpf.c` object.
    Ebpf,
    /// The userspace `.c` program.
    Userspace,
    /// The kernel module `.mod.c`.
    KernelModule,
}

impl FunctionKind {
    pub fn target(&self) -> Target {
        match self {
            FunctionKind::Program(_)
            | FunctionKind::Helper
            | FunctionKind::StructOpsMethod { .. } => Target::Ebpf,
            FunctionKind::Kfunc | FunctionKind::Private => Target::KernelModule,
            FunctionKind::Test | FunctionKind::Userspace | FunctionKind::Main => Target::Userspace,
        }
    }

    /// An eBPF program entry point (gets its own `SEC()`).
    pub fn is_program(&self) -> bool {
        matches!(self, FunctionKind::Program(_))
    }

    /// The program's kind and target, for program entry points.
    pub fn program(&self) -> Option<&ProgramDecl> {
        match self {
            FunctionKind::Program(decl) => Some(decl),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub kind: FunctionKind,
    /// Parameters, in order; each is also in `locals`.
    pub params: Vec<LocalId>,
    pub ret: Type,
    /// `-> name: T`: the local holding the return value.
    pub named_return: Option<LocalId>,
    /// Every local of the function, parameters included.
    pub locals: Vec<LocalDef>,
    pub body: Block,
    pub span: Span,
    /// An eBPF helper a `throw` can leave (its own or a callee's): in C it
    /// returns the code (`__s64`, 0 for none) and its value, if any,
    /// through a last `result` pointer parameter (`check/throws.rs`).
    pub throws: bool,
}

impl Function {
    pub fn local(&self, id: LocalId) -> &LocalDef {
        &self.locals[id.index()]
    }
}

#[derive(Clone, Debug)]
pub struct LocalDef {
    /// The source name. Several locals of one function may share a name
    /// (shadowing in nested blocks); generators make C names unique.
    pub name: String,
    pub ty: Type,
    /// Bound by `if (var x = m[k])`: `ty` is the map's value type, but in C
    /// the local is a pointer to the stored value, and every read or write
    /// of `x` (or of its fields) goes through it. Locals bound by
    /// `if (var p = ptr)` are plain pointer locals (`ty` is the pointer type)
    /// and have this flag unset.
    pub by_reference: bool,
    pub span: Span,
}

/// `extern name(params) -> ret`: a kernel function (kfunc) declared by the
/// user, called from eBPF.
#[derive(Clone, Debug)]
pub struct ExternDef {
    pub name: String,
    pub params: Vec<(String, Type)>,
    pub ret: Type,
    pub span: Span,
}

/// `@struct_ops("tcp_congestion_ops") impl my_cc { fn ssthresh(..) ..., name: "x" }`:
/// one kernel struct_ops instance. Each method is a `Function` of kind
/// `StructOpsMethod`; `register(my_cc)` in userspace attaches it.
#[derive(Clone, Debug)]
pub struct StructOpsDef {
    /// The impl block's name (the instance).
    pub name: String,
    /// The kernel struct it implements (`tcp_congestion_ops`).
    pub ops_type: String,
    /// `(member name, method)` in source order.
    pub methods: Vec<(String, FunctionId)>,
    /// Static members `name: value` in source order; values are constant
    /// (a string literal for a byte-array member such as `name`).
    pub fields: Vec<(String, Expr)>,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    /// Whether control can reach the end of the block (it does not always
    /// return, throw, break, continue or loop forever). Set by the checker
    /// (`check/reachability.rs`) for every block of a checked body.
    pub completes: bool,
}

impl Block {
    /// A block of `stmts` whose reachability is not known yet.
    pub fn new(stmts: Vec<Stmt>) -> Block {
        Block {
            stmts,
            completes: true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `var x [= init]` (parameters are not declared by statements).
    Let {
        local: LocalId,
        init: Option<Expr>,
    },
    /// `target = value` / `target op= value` where `target` is a place:
    /// a local, global, field, arrow, index or deref expression.
    Assign {
        target: Expr,
        op: Option<BinaryOp>,
        value: Expr,
    },
    /// `m[k] = v`: insert or replace.
    MapStore {
        map: MapId,
        key: Expr,
        value: Expr,
    },
    /// `m[k] op= v`: read-modify-write, creating the entry (from zero) when
    /// it is absent.
    MapCompound {
        map: MapId,
        key: Expr,
        op: BinaryOp,
        value: Expr,
    },
    /// `m[k].a.b = v` / `m[k].a.b op= v`: updates the stored value in place
    /// through the lookup pointer; does nothing when the key is absent.
    MapFieldUpdate {
        map: MapId,
        key: Expr,
        /// Field indices from the value struct inward.
        path: Vec<usize>,
        op: Option<BinaryOp>,
        value: Expr,
    },
    /// `delete m[k]`
    MapDelete {
        map: MapId,
        key: Expr,
    },
    Expr(Expr),
    If {
        condition: Expr,
        then_block: Block,
        else_block: Option<Block>,
    },
    /// `if (var x = m[k]) { } else { }`: `binding` is a by-reference local
    /// pointing at the stored value inside `then_block`.
    IfLetMap {
        binding: LocalId,
        map: MapId,
        key: Expr,
        then_block: Block,
        else_block: Option<Block>,
    },
    /// `if (var p = ptr_expr)`: `binding` holds the pointer when non-null.
    IfLetPointer {
        binding: LocalId,
        value: Expr,
        then_block: Block,
        else_block: Option<Block>,
    },
    /// `for (i in start..end)`: half-open.
    ForRange {
        var: LocalId,
        start: Expr,
        end: Expr,
        body: Block,
    },
    /// `for (k, v) in m`
    ForEachMap {
        key: LocalId,
        value: Option<LocalId>,
        map: MapId,
        body: Block,
    },
    While {
        condition: Expr,
        body: Block,
    },
    Break,
    Continue,
    Return(Option<Expr>),
    Try {
        body: Block,
        catches: Vec<Catch>,
    },
    /// `throw code`: the code is an integer expression.
    Throw(Expr),
    /// `defer call`: runs when the function exits, in reverse order.
    Defer(Expr),
    Block(Block),
}

#[derive(Clone, Debug)]
pub struct Catch {
    /// `None` for `catch _`.
    pub code: Option<i128>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// An integer literal (its type is in `Expr::ty`) and how the source
    /// wrote it, which generated C keeps.
    Int(u64, Radix),
    Bool(bool),
    Char(u8),
    Str(String),
    Null,
    Local(LocalId),
    Global(GlobalId),
    /// `cfg.field`
    ConfigField {
        config: ConfigId,
        field: usize,
    },
    Const(ConstId),
    EnumVariant {
        enum_id: EnumId,
        variant: usize,
    },
    /// A function used as a value (function pointer, or a program reference
    /// passed to `load`).
    FunctionRef(FunctionId),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// Arithmetic, bitwise, comparison and short-circuit logic.
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `expr as T` (the target type is `Expr::ty`).
    Cast(Box<Expr>),
    /// `sizeof(T)`
    Sizeof(Type),
    Call {
        callee: Callee,
        args: Vec<Expr>,
    },
    /// `base.field` where `base` is a struct value.
    Field {
        base: Box<Expr>,
        field: usize,
    },
    /// `base->field` where `base` points to a struct.
    Arrow {
        base: Box<Expr>,
        field: usize,
    },
    /// `base[index]` on an array, string or pointer.
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// `m[k]` read as a value: the stored value, or zero when absent.
    MapGet {
        map: MapId,
        key: Box<Expr>,
    },
    /// `m[k] != null` (and, under a `Not`, `m[k] == null`): whether the map
    /// holds an entry for `key`. Type `bool`.
    MapContains {
        map: MapId,
        key: Box<Expr>,
    },
    /// One lookup that copies the entry for `key` to where `dest` points
    /// (zero when the key is absent) and is true when the entry exists.
    /// Type `bool`; `dest` is `&x` of the map's value type.
    ///
    /// This is how a local remembers whether its map entry existed: for
    /// `var x = m[k]` where the program asks `x == null`, the checker adds
    /// a `bool` local (named `x_found`) and lowers the declaration to
    /// `var x` (zero) followed by `var x_found = MapLoad { m, k, &x }`; a
    /// later `x = m[k]` becomes `x_found = MapLoad { .. }`, and `x == null`
    /// / `x != null` read `!x_found` / `x_found`.
    MapLoad {
        map: MapId,
        key: Box<Expr>,
        dest: Box<Expr>,
    },
    /// A map named as an argument where the language takes maps themselves
    /// (`dispatch(rb1, rb2)`). Type `Type::Map(map)`.
    MapRef(MapId),
    /// A struct_ops impl block named as the argument of `register(..)`.
    /// Type `Type::StructOps(id)`.
    StructOpsRef(StructOpsId),
    StructLit {
        struct_id: StructId,
        /// `(field index, value)` in source order.
        fields: Vec<(usize, Expr)>,
    },
    ArrayLit(Vec<Expr>),
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
}

#[derive(Clone, Debug)]
pub struct MatchArm {
    /// `None` for `default`.
    pub pattern: Option<Expr>,
    /// Statements run before producing `value` (block arms).
    pub stmts: Vec<Stmt>,
    /// The arm's value; `None` when the arm produces none: its block ends in
    /// `return` (or `throw`), or the match is used as a statement and the
    /// block arm has no trailing expression.
    pub value: Option<Expr>,
    /// Whether control can leave the arm normally (its statements and value
    /// complete); set with `Block::completes`.
    pub completes: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Callee {
    /// A KernelScript function (helper, userspace, kfunc).
    Function(FunctionId),
    /// `return other_program(ctx)`: a tail call to another program.
    TailCall(FunctionId),
    /// An `extern` kernel function.
    Extern(ExternId),
    /// A function pointer value.
    Indirect(Box<Expr>),
    /// A language builtin (`print`, `load`, ...).
    Builtin(Builtin),
    /// A BPF helper such as `bpf_ktime_get_ns`, called by its C name.
    BpfHelper(String),
    /// `receiver.method(args)` on a ring buffer or map.
    Method { receiver: MapId, method: Method },
    /// `module.function(args)` of an imported Python module (userspace):
    /// arguments are converted to Python objects, the result back to the
    /// call's type (`Type::Void` when the value is not used).
    Python { module: ModuleId, function: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// `print(fmt, args...)`: bpf_printk in eBPF, printf in userspace.
    Print,
    /// `eprint` (stderr, newline), `printf` (stdout) and `eprintf`
    /// (stderr) without a newline: userspace only, formats as `print`.
    Output {
        stderr: bool,
        newline: bool,
    },
    Load,
    Attach,
    Detach,
    Register,
    Dispatch,
    Read,
    Exec,
    Daemon,
    /// `sleep(ms)`: pauses userspace for `ms` milliseconds (returns early
    /// on SIGINT/SIGTERM).
    Sleep,
    /// `test(program, input)` in `@test` functions: runs the program once
    /// in the kernel (`BPF_PROG_TEST_RUN`) and gives its return value.
    Test,
    /// `assert(cond)` in `@test` functions: fails the test when false.
    Assert,
    /// `assert_eq(a, b)` in `@test` functions: fails the test, naming both
    /// values, when they differ.
    AssertEq,
    /// `udp_packet(packet, src, dst, sport, dport)` and the other packet
    /// builders in `@test` functions: write Ethernet, IP and UDP/TCP
    /// headers with checksums into a `u8[N]` array.
    Packet(PacketBuilder),
    /// A function of the userspace standard library (`getpid`,
    /// `format_ipv4`, `str_contains`, ...).
    Library(Library),
    /// `new T()`: a zeroed `T` the function owns (`Expr::ty` is `*T`),
    /// null when there is no memory. eBPF: `bpf_obj_new`; userspace:
    /// `calloc`; kernel module code: `kzalloc` with the flags (never
    /// empty there, empty elsewhere).
    New(Gfp),
    /// `delete p` of an object from `new` (one argument, the owned
    /// pointer, which may be null: then nothing happens). eBPF:
    /// `bpf_obj_drop` behind a null test; userspace: `free`; kernel module
    /// code: `kfree`.
    Delete,
}

/// What a packet builder writes after the Ethernet header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketBuilder {
    pub ipv6: bool,
    pub tcp: bool,
}

impl PacketBuilder {
    /// Ethernet, IP and UDP/TCP header bytes: the shortest array it fills.
    pub fn header_len(self) -> u32 {
        14 + if self.ipv6 { 40 } else { 20 } + if self.tcp { 20 } else { 8 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `rb.reserve()` -> pointer to the event, or null.
    Reserve,
    /// `rb.submit(p)`
    Submit,
    /// `rb.discard(p)`
    Discard,
    /// `rb.on_event(handler)` (userspace)
    OnEvent,
    /// `events.output(value)` on a `perf_event_array`: the arguments are
    /// the program's context (added by the checker) and the event, a value
    /// or a pointer to one. 0 or a negative errno.
    Output,
    /// `m.insert(key, value)`: stores only if `key` is absent
    /// (`BPF_NOEXIST`, one atomic step); whether it did.
    Insert,
    /// `m.take(key)` on a map of `*T` (eBPF): moves the object out of the
    /// entry (`bpf_kptr_xchg` with null); the caller owns it. Null when
    /// the key is absent or the entry holds no object.
    Take,
}
