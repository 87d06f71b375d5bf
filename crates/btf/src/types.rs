//! The decoded, owned form of BTF type records: [`TypeId`], [`TypeKind`],
//! the [`Type`] enum and one plain data struct per kind. Everything here is
//! passive data plus trivial accessors. This file must not read bytes
//! (decoding lives in `decode.rs`) and must not look at *other* types
//! (questions that follow references live in `query.rs` and `c_spelling.rs`).

use std::fmt;

/// The id of a type inside a [`Btf`](crate::Btf).
///
/// Id 0 is `void`; real records are numbered from 1 in blob order. In split
/// BTF the ids of the split blob continue after the last id of its base.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub u32);

impl TypeId {
    /// The implicit `void` type (id 0), used for `void *` and void returns.
    pub const VOID: TypeId = TypeId(0);

    /// Whether this is id 0, `void`.
    pub fn is_void(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for TypeId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.0)
    }
}

/// The kind of a BTF type, numbered as `BTF_KIND_*` in the kernel's
/// `include/uapi/linux/btf.h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeKind {
    /// Kind 0: only the implicit `void` type id 0 has it.
    Void = 0,
    /// `BTF_KIND_INT`.
    Int = 1,
    /// `BTF_KIND_PTR`.
    Pointer = 2,
    /// `BTF_KIND_ARRAY`.
    Array = 3,
    /// `BTF_KIND_STRUCT`.
    Struct = 4,
    /// `BTF_KIND_UNION`.
    Union = 5,
    /// `BTF_KIND_ENUM` (32-bit values).
    Enum = 6,
    /// `BTF_KIND_FWD`.
    Forward = 7,
    /// `BTF_KIND_TYPEDEF`.
    Typedef = 8,
    /// `BTF_KIND_VOLATILE`.
    Volatile = 9,
    /// `BTF_KIND_CONST`.
    Const = 10,
    /// `BTF_KIND_RESTRICT`.
    Restrict = 11,
    /// `BTF_KIND_FUNC`.
    Func = 12,
    /// `BTF_KIND_FUNC_PROTO`.
    FuncProto = 13,
    /// `BTF_KIND_VAR`.
    Var = 14,
    /// `BTF_KIND_DATASEC`.
    DataSec = 15,
    /// `BTF_KIND_FLOAT`.
    Float = 16,
    /// `BTF_KIND_DECL_TAG`.
    DeclTag = 17,
    /// `BTF_KIND_TYPE_TAG`.
    TypeTag = 18,
    /// `BTF_KIND_ENUM64` (64-bit values).
    Enum64 = 19,
}

impl TypeKind {
    /// All kinds in numeric order.
    pub const ALL: [TypeKind; 20] = [
        TypeKind::Void,
        TypeKind::Int,
        TypeKind::Pointer,
        TypeKind::Array,
        TypeKind::Struct,
        TypeKind::Union,
        TypeKind::Enum,
        TypeKind::Forward,
        TypeKind::Typedef,
        TypeKind::Volatile,
        TypeKind::Const,
        TypeKind::Restrict,
        TypeKind::Func,
        TypeKind::FuncProto,
        TypeKind::Var,
        TypeKind::DataSec,
        TypeKind::Float,
        TypeKind::DeclTag,
        TypeKind::TypeTag,
        TypeKind::Enum64,
    ];

    /// The kind with raw number `raw`, if known.
    pub fn from_raw(raw: u8) -> Option<TypeKind> {
        TypeKind::ALL.get(usize::from(raw)).copied()
    }

    /// The raw `BTF_KIND_*` number.
    pub fn raw(self) -> u8 {
        self as u8
    }

    /// The kernel/bpftool spelling without the `BTF_KIND_` prefix, e.g.
    /// `"FUNC_PROTO"`; `"UNKN"` for [`TypeKind::Void`].
    pub fn btf_name(self) -> &'static str {
        match self {
            TypeKind::Void => "UNKN",
            TypeKind::Int => "INT",
            TypeKind::Pointer => "PTR",
            TypeKind::Array => "ARRAY",
            TypeKind::Struct => "STRUCT",
            TypeKind::Union => "UNION",
            TypeKind::Enum => "ENUM",
            TypeKind::Forward => "FWD",
            TypeKind::Typedef => "TYPEDEF",
            TypeKind::Volatile => "VOLATILE",
            TypeKind::Const => "CONST",
            TypeKind::Restrict => "RESTRICT",
            TypeKind::Func => "FUNC",
            TypeKind::FuncProto => "FUNC_PROTO",
            TypeKind::Var => "VAR",
            TypeKind::DataSec => "DATASEC",
            TypeKind::Float => "FLOAT",
            TypeKind::DeclTag => "DECL_TAG",
            TypeKind::TypeTag => "TYPE_TAG",
            TypeKind::Enum64 => "ENUM64",
        }
    }
}

impl fmt::Display for TypeKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.btf_name())
    }
}

/// One decoded BTF type. Names are owned strings; an empty name means
/// anonymous. Single-reference kinds (pointer and qualifiers) hold the
/// referenced [`TypeId`] directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// Type id 0.
    Void,
    /// An integer, `char` or `_Bool`.
    Int(IntType),
    /// A pointer to the given type (`TypeId::VOID` for `void *`).
    Pointer(TypeId),
    /// A fixed-length array.
    Array(ArrayType),
    /// A `struct`.
    Struct(StructOrUnion),
    /// A `union`.
    Union(StructOrUnion),
    /// An enum with 32-bit values.
    Enum(EnumType),
    /// A forward declaration of a struct or union.
    Forward(ForwardDeclaration),
    /// A `typedef`.
    Typedef(Typedef),
    /// `volatile` applied to the given type.
    Volatile(TypeId),
    /// `const` applied to the given type.
    Const(TypeId),
    /// `restrict` applied to the given type.
    Restrict(TypeId),
    /// A function (name, linkage and prototype).
    Func(Function),
    /// A function prototype: return type and parameters.
    FuncProto(FunctionPrototype),
    /// A global or static variable.
    Var(Variable),
    /// A data section (`.data`, `.bss`, `.ksyms`, ...) listing variables.
    DataSec(DataSection),
    /// A floating-point type.
    Float(FloatType),
    /// A declaration tag (`__attribute__((btf_decl_tag("...")))`).
    DeclTag(DeclarationTag),
    /// A type tag (`__attribute__((btf_type_tag("...")))`, e.g. `__rcu`).
    TypeTag(TypeTag),
    /// An enum with 64-bit values.
    Enum64(EnumType),
}

impl Type {
    /// The kind of this type.
    pub fn kind(&self) -> TypeKind {
        match self {
            Type::Void => TypeKind::Void,
            Type::Int(_) => TypeKind::Int,
            Type::Pointer(_) => TypeKind::Pointer,
            Type::Array(_) => TypeKind::Array,
            Type::Struct(_) => TypeKind::Struct,
            Type::Union(_) => TypeKind::Union,
            Type::Enum(_) => TypeKind::Enum,
            Type::Forward(_) => TypeKind::Forward,
            Type::Typedef(_) => TypeKind::Typedef,
            Type::Volatile(_) => TypeKind::Volatile,
            Type::Const(_) => TypeKind::Const,
            Type::Restrict(_) => TypeKind::Restrict,
            Type::Func(_) => TypeKind::Func,
            Type::FuncProto(_) => TypeKind::FuncProto,
            Type::Var(_) => TypeKind::Var,
            Type::DataSec(_) => TypeKind::DataSec,
            Type::Float(_) => TypeKind::Float,
            Type::DeclTag(_) => TypeKind::DeclTag,
            Type::TypeTag(_) => TypeKind::TypeTag,
            Type::Enum64(_) => TypeKind::Enum64,
        }
    }

    /// The type's name, or `""` for anonymous types and kinds that carry no
    /// name (void, pointer, array, qualifiers, function prototypes). For
    /// tags this is the tag text.
    pub fn name(&self) -> &str {
        match self {
            Type::Int(int) => &int.name,
            Type::Struct(composite) | Type::Union(composite) => &composite.name,
            Type::Enum(enumeration) | Type::Enum64(enumeration) => &enumeration.name,
            Type::Forward(forward) => &forward.name,
            Type::Typedef(typedef) => &typedef.name,
            Type::Func(function) => &function.name,
            Type::Var(variable) => &variable.name,
            Type::DataSec(section) => &section.name,
            Type::Float(float) => &float.name,
            Type::DeclTag(tag) => &tag.value,
            Type::TypeTag(tag) => &tag.value,
            Type::Void
            | Type::Pointer(_)
            | Type::Array(_)
            | Type::Volatile(_)
            | Type::Const(_)
            | Type::Restrict(_)
            | Type::FuncProto(_) => "",
        }
    }

    /// The struct or union data, if this is a `STRUCT` or `UNION`.
    pub fn as_struct_or_union(&self) -> Option<&StructOrUnion> {
        match self {
            Type::Struct(composite) | Type::Union(composite) => Some(composite),
            _ => None,
        }
    }

    /// The enum data, if this is an `ENUM` or `ENUM64`.
    pub fn as_enum(&self) -> Option<&EnumType> {
        match self {
            Type::Enum(enumeration) | Type::Enum64(enumeration) => Some(enumeration),
            _ => None,
        }
    }

    /// Calls `visit` with every type id this record refers to (not
    /// following them further). Used to validate references after parsing.
    pub(crate) fn for_each_referenced_type(&self, mut visit: impl FnMut(TypeId)) {
        match self {
            Type::Void | Type::Int(_) | Type::Forward(_) | Type::Float(_) => {}
            Type::Enum(_) | Type::Enum64(_) => {}
            Type::Pointer(target)
            | Type::Volatile(target)
            | Type::Const(target)
            | Type::Restrict(target) => visit(*target),
            Type::Array(array) => {
                visit(array.element_type);
                visit(array.index_type);
            }
            Type::Struct(composite) | Type::Union(composite) => {
                composite
                    .members
                    .iter()
                    .for_each(|member| visit(member.type_id));
            }
            Type::Typedef(typedef) => visit(typedef.type_id),
            Type::Func(function) => visit(function.prototype),
            Type::FuncProto(prototype) => {
                visit(prototype.return_type);
                prototype
                    .parameters
                    .iter()
                    .for_each(|parameter| visit(parameter.type_id));
            }
            Type::Var(variable) => visit(variable.type_id),
            Type::DataSec(section) => section
                .entries
                .iter()
                .for_each(|entry| visit(entry.type_id)),
            Type::DeclTag(tag) => visit(tag.type_id),
            Type::TypeTag(tag) => visit(tag.type_id),
        }
    }
}

/// `BTF_KIND_INT`: an integer, character or boolean type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntType {
    /// C name, e.g. `"unsigned int"` or `"long long int"`.
    pub name: String,
    /// Storage size in bytes.
    pub byte_size: u32,
    /// `BTF_INT_SIGNED`.
    pub is_signed: bool,
    /// `BTF_INT_CHAR`.
    pub is_char: bool,
    /// `BTF_INT_BOOL`.
    pub is_bool: bool,
    /// `BTF_INT_OFFSET`: bit offset of the value inside its storage
    /// (non-zero only for legacy bitfield encodings).
    pub bit_offset: u8,
    /// `BTF_INT_BITS`: number of value bits (≤ `8 * byte_size`).
    pub bit_count: u8,
}

/// `BTF_KIND_ARRAY`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayType {
    /// Element type.
    pub element_type: TypeId,
    /// Index type (usually an `INT`; informational only).
    pub index_type: TypeId,
    /// Number of elements (0 for flexible arrays).
    pub element_count: u32,
}

/// `BTF_KIND_STRUCT` / `BTF_KIND_UNION`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructOrUnion {
    /// Tag name without the `struct`/`union` keyword; empty when anonymous.
    pub name: String,
    /// Size in bytes.
    pub byte_size: u32,
    /// Members in declaration order.
    pub members: Vec<Member>,
}

/// One struct or union member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Member name; empty for anonymous nested structs/unions.
    pub name: String,
    /// Member type.
    pub type_id: TypeId,
    /// Offset from the start of the enclosing struct, in bits.
    pub bit_offset: u32,
    /// Bitfield width in bits when the struct uses the `kind_flag`
    /// encoding; 0 for ordinary members. (Legacy encodings describe
    /// bitfields through the member's `INT` type instead.)
    pub bitfield_size: u32,
}

impl Member {
    /// Whether this member is a bitfield in the `kind_flag` encoding.
    pub fn is_bitfield(&self) -> bool {
        self.bitfield_size != 0
    }

    /// The member's byte offset (the bit offset rounded down to bytes).
    pub fn byte_offset(&self) -> u32 {
        self.bit_offset / 8
    }
}

/// `BTF_KIND_ENUM` / `BTF_KIND_ENUM64`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumType {
    /// Tag name without `enum`; empty when anonymous.
    pub name: String,
    /// Size in bytes.
    pub byte_size: u32,
    /// Whether the values are signed (the record's `kind_flag`).
    pub is_signed: bool,
    /// Enumerators in declaration order.
    pub values: Vec<EnumValue>,
}

/// One enumerator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumValue {
    /// Enumerator name, e.g. `"XDP_PASS"`.
    pub name: String,
    /// Value, interpreted as signed or unsigned per [`EnumType::is_signed`];
    /// `i128` holds every 32- and 64-bit value of either signedness exactly.
    pub value: i128,
}

/// `BTF_KIND_FWD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardDeclaration {
    /// Tag name.
    pub name: String,
    /// `true` for `union`, `false` for `struct`.
    pub is_union: bool,
}

/// `BTF_KIND_TYPEDEF`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Typedef {
    /// Typedef name, e.g. `"__u32"`.
    pub name: String,
    /// The aliased type.
    pub type_id: TypeId,
}

/// `BTF_KIND_FUNC`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// Function name.
    pub name: String,
    /// The `FUNC_PROTO` describing parameters and return type.
    pub prototype: TypeId,
    /// Linkage (the record's `vlen`).
    pub linkage: FunctionLinkage,
}

/// Linkage of a `FUNC`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FunctionLinkage {
    /// `BTF_FUNC_STATIC`.
    Static,
    /// `BTF_FUNC_GLOBAL`.
    Global,
    /// `BTF_FUNC_EXTERN`.
    Extern,
}

/// `BTF_KIND_FUNC_PROTO`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionPrototype {
    /// Return type (`TypeId::VOID` for `void`).
    pub return_type: TypeId,
    /// Parameters in order, without the variadic marker.
    pub parameters: Vec<Parameter>,
    /// Whether the prototype ends with `...`.
    pub is_variadic: bool,
}

/// One function parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameter {
    /// Parameter name; often empty for prototypes of function pointers.
    pub name: String,
    /// Parameter type.
    pub type_id: TypeId,
}

/// `BTF_KIND_VAR`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// Variable name.
    pub name: String,
    /// Variable type.
    pub type_id: TypeId,
    /// Linkage.
    pub linkage: VariableLinkage,
}

/// Linkage of a `VAR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VariableLinkage {
    /// `BTF_VAR_STATIC`.
    Static,
    /// `BTF_VAR_GLOBAL_ALLOCATED`.
    GlobalAllocated,
    /// `BTF_VAR_GLOBAL_EXTERN`.
    GlobalExtern,
}

/// `BTF_KIND_DATASEC`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSection {
    /// Section name, e.g. `".data"`.
    pub name: String,
    /// Section size in bytes (0 in unrelocated object files).
    pub byte_size: u32,
    /// Variables (or functions, for `.ksyms`) placed in the section.
    pub entries: Vec<DataSectionEntry>,
}

/// One `btf_var_secinfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSectionEntry {
    /// The `VAR` (or `FUNC`) placed in the section.
    pub type_id: TypeId,
    /// Offset inside the section in bytes.
    pub offset: u32,
    /// Size in bytes.
    pub byte_size: u32,
}

/// `BTF_KIND_FLOAT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FloatType {
    /// C name, e.g. `"double"`.
    pub name: String,
    /// Size in bytes.
    pub byte_size: u32,
}

/// `BTF_KIND_DECL_TAG`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclarationTag {
    /// The tag text.
    pub value: String,
    /// The tagged type, variable or function.
    pub type_id: TypeId,
    /// `None` when the whole declaration is tagged; otherwise the index of
    /// the tagged member (struct/union) or parameter (function).
    pub component_index: Option<u32>,
    /// The `kind_flag`: the tag is a plain `__attribute__` rather than a
    /// `btf_decl_tag`.
    pub is_attribute: bool,
}

/// `BTF_KIND_TYPE_TAG`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeTag {
    /// The tag text, e.g. `"rcu"` or `"user"`.
    pub value: String,
    /// The tagged type.
    pub type_id: TypeId,
    /// The `kind_flag`: the tag is a plain `__attribute__` rather than a
    /// `btf_type_tag`.
    pub is_attribute: bool,
}
