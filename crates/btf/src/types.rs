//! The decoded form of BTF type records, as cheap views into a [`Btf`]'s
//! bytes: [`TypeId`], [`TypeKind`], the [`Type`] enum and one small `Copy`
//! struct per kind. Names are `&str` borrowed from the `Btf`; lists
//! (members, enumerators, parameters, section entries) are decoded on
//! demand by iterators. This file must not read a record's prefix (that is
//! `decode.rs`) and must not look at *other* types (questions that follow
//! references live in `query.rs` and `c_spelling.rs`).

use std::fmt;

use crate::btf::Btf;

/// The id of a type inside a [`Btf`].
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

    /// Whether types of this kind live in C's tag namespace (`struct X`,
    /// `union X`, `enum X`, and forward declarations of them).
    pub fn is_tagged(self) -> bool {
        matches!(
            self,
            TypeKind::Struct
                | TypeKind::Union
                | TypeKind::Enum
                | TypeKind::Enum64
                | TypeKind::Forward
        )
    }
}

impl fmt::Display for TypeKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.btf_name())
    }
}

/// One decoded BTF type: a cheap `Copy` view into the [`Btf`] it came
/// from. An empty name means anonymous. Single-reference kinds (pointer
/// and qualifiers) hold the referenced [`TypeId`] directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type<'btf> {
    /// Type id 0.
    Void,
    /// An integer, `char` or `_Bool`.
    Int(IntType<'btf>),
    /// A pointer to the given type (`TypeId::VOID` for `void *`).
    Pointer(TypeId),
    /// A fixed-length array.
    Array(ArrayType),
    /// A `struct`.
    Struct(StructOrUnion<'btf>),
    /// A `union`.
    Union(StructOrUnion<'btf>),
    /// An enum with 32-bit values.
    Enum(EnumType<'btf>),
    /// A forward declaration of a struct or union.
    Forward(ForwardDeclaration<'btf>),
    /// A `typedef`.
    Typedef(Typedef<'btf>),
    /// `volatile` applied to the given type.
    Volatile(TypeId),
    /// `const` applied to the given type.
    Const(TypeId),
    /// `restrict` applied to the given type.
    Restrict(TypeId),
    /// A function (name, linkage and prototype).
    Func(Function<'btf>),
    /// A function prototype: return type and parameters.
    FuncProto(FunctionPrototype<'btf>),
    /// A global or static variable.
    Var(Variable<'btf>),
    /// A data section (`.data`, `.bss`, `.ksyms`, ...) listing variables.
    DataSec(DataSection<'btf>),
    /// A floating-point type.
    Float(FloatType<'btf>),
    /// A declaration tag (`__attribute__((btf_decl_tag("...")))`).
    DeclTag(DeclarationTag<'btf>),
    /// A type tag (`__attribute__((btf_type_tag("...")))`, e.g. `__rcu`).
    TypeTag(TypeTag<'btf>),
    /// An enum with 64-bit values.
    Enum64(EnumType<'btf>),
}

impl<'btf> Type<'btf> {
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
    pub fn name(&self) -> &'btf str {
        match self {
            Type::Int(int) => int.name,
            Type::Struct(composite) | Type::Union(composite) => composite.name,
            Type::Enum(enumeration) | Type::Enum64(enumeration) => enumeration.name,
            Type::Forward(forward) => forward.name,
            Type::Typedef(typedef) => typedef.name,
            Type::Func(function) => function.name,
            Type::Var(variable) => variable.name,
            Type::DataSec(section) => section.name,
            Type::Float(float) => float.name,
            Type::DeclTag(tag) => tag.value,
            Type::TypeTag(tag) => tag.value,
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
    pub fn as_struct_or_union(&self) -> Option<StructOrUnion<'btf>> {
        match self {
            Type::Struct(composite) | Type::Union(composite) => Some(*composite),
            _ => None,
        }
    }

    /// The enum data, if this is an `ENUM` or `ENUM64`.
    pub fn as_enum(&self) -> Option<EnumType<'btf>> {
        match self {
            Type::Enum(enumeration) | Type::Enum64(enumeration) => Some(*enumeration),
            _ => None,
        }
    }

    /// The single type this kind refers to, for kinds that refer to exactly
    /// one (pointer, qualifiers, typedef, type tag, declaration tag,
    /// variable, function).
    pub fn referenced_type(&self) -> Option<TypeId> {
        match self {
            Type::Pointer(target)
            | Type::Volatile(target)
            | Type::Const(target)
            | Type::Restrict(target) => Some(*target),
            Type::Typedef(typedef) => Some(typedef.type_id),
            Type::TypeTag(tag) => Some(tag.type_id),
            Type::DeclTag(tag) => Some(tag.type_id),
            Type::Var(variable) => Some(variable.type_id),
            Type::Func(function) => Some(function.prototype),
            _ => None,
        }
    }

    /// Calls `visit` with every type id this record refers to (not
    /// following them further).
    pub fn for_each_referenced_type(&self, mut visit: impl FnMut(TypeId)) {
        match self {
            Type::Array(array) => {
                visit(array.element_type);
                visit(array.index_type);
            }
            Type::Struct(composite) | Type::Union(composite) => {
                composite.members().for_each(|member| visit(member.type_id));
            }
            Type::FuncProto(prototype) => {
                visit(prototype.return_type);
                prototype
                    .parameters()
                    .for_each(|parameter| visit(parameter.type_id));
            }
            Type::DataSec(section) => section.entries().for_each(|entry| visit(entry.type_id)),
            other => {
                if let Some(target) = other.referenced_type() {
                    visit(target);
                }
            }
        }
    }
}

/// `BTF_KIND_INT`: an integer, character or boolean type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntType<'btf> {
    /// C name, e.g. `"unsigned int"` or `"long long int"`.
    pub name: &'btf str,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArrayType {
    /// Element type.
    pub element_type: TypeId,
    /// Index type (usually an `INT`; informational only).
    pub index_type: TypeId,
    /// Number of elements (0 for flexible arrays).
    pub element_count: u32,
}

/// Where a list of fixed-size trailing records (members, enumerators,
/// parameters, section entries) lives: the blob holding them, the absolute
/// byte offset of the first one, and how many there are.
#[derive(Clone, Copy)]
pub(crate) struct Records<'btf> {
    pub(crate) btf: &'btf Btf,
    pub(crate) start: usize,
    pub(crate) count: usize,
}

impl<'btf> Records<'btf> {
    fn word(&self, index: usize, record_length: usize, word: usize) -> u32 {
        self.btf
            .word_at(self.start + index * record_length + 4 * word)
    }
}

/// `BTF_KIND_STRUCT` / `BTF_KIND_UNION`.
#[derive(Clone, Copy)]
pub struct StructOrUnion<'btf> {
    /// Tag name without the `struct`/`union` keyword; empty when anonymous.
    pub name: &'btf str,
    /// Size in bytes.
    pub byte_size: u32,
    pub(crate) records: Records<'btf>,
    /// The record's `kind_flag`: member offsets carry a bitfield size.
    pub(crate) has_bitfield_encoding: bool,
}

impl<'btf> StructOrUnion<'btf> {
    /// The members in declaration order. Anonymous nested structs/unions
    /// appear as members with an empty name.
    pub fn members(&self) -> Members<'btf> {
        Members {
            composite: *self,
            front: 0,
            back: self.records.count,
        }
    }

    /// How many direct members there are.
    pub fn member_count(&self) -> usize {
        self.records.count
    }

    /// The direct member at `index`, if any.
    pub fn member(&self, index: usize) -> Option<Member<'btf>> {
        (index < self.records.count).then(|| self.member_unchecked(index))
    }

    fn member_unchecked(&self, index: usize) -> Member<'btf> {
        let offset = self.records.word(index, 12, 2);
        let (bit_offset, bitfield_size) = if self.has_bitfield_encoding {
            (offset & 0x00ff_ffff, offset >> 24)
        } else {
            (offset, 0)
        };
        Member {
            name: self.records.btf.name_at(self.records.word(index, 12, 0)),
            type_id: TypeId(self.records.word(index, 12, 1)),
            bit_offset,
            bitfield_size,
        }
    }
}

impl PartialEq for StructOrUnion<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.byte_size == other.byte_size
            && self.members().eq(other.members())
    }
}

impl Eq for StructOrUnion<'_> {}

impl fmt::Debug for StructOrUnion<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("StructOrUnion")
            .field("name", &self.name)
            .field("byte_size", &self.byte_size)
            .field("members", &self.members().collect::<Vec<_>>())
            .finish()
    }
}

/// Iterator over the members of a [`StructOrUnion`].
#[derive(Clone, Debug)]
pub struct Members<'btf> {
    composite: StructOrUnion<'btf>,
    front: usize,
    back: usize,
}

impl<'btf> Iterator for Members<'btf> {
    type Item = Member<'btf>;

    fn next(&mut self) -> Option<Member<'btf>> {
        if self.front == self.back {
            return None;
        }
        self.front += 1;
        Some(self.composite.member_unchecked(self.front - 1))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let length = self.back - self.front;
        (length, Some(length))
    }
}

impl DoubleEndedIterator for Members<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        Some(self.composite.member_unchecked(self.back))
    }
}

impl ExactSizeIterator for Members<'_> {}

/// One struct or union member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member<'btf> {
    /// Member name; empty for anonymous nested structs/unions.
    pub name: &'btf str,
    /// Member type.
    pub type_id: TypeId,
    /// Offset from the start of the enclosing struct, in bits.
    pub bit_offset: u32,
    /// Bitfield width in bits when the struct uses the `kind_flag`
    /// encoding; 0 for ordinary members. (Legacy encodings describe
    /// bitfields through the member's `INT` type instead.)
    pub bitfield_size: u32,
}

impl Member<'_> {
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
#[derive(Clone, Copy)]
pub struct EnumType<'btf> {
    /// Tag name without `enum`; empty when anonymous.
    pub name: &'btf str,
    /// Size in bytes.
    pub byte_size: u32,
    /// Whether the values are signed (the record's `kind_flag`).
    pub is_signed: bool,
    pub(crate) records: Records<'btf>,
    pub(crate) is_64_bit: bool,
}

impl<'btf> EnumType<'btf> {
    /// The enumerators in declaration order.
    pub fn values(&self) -> EnumValues<'btf> {
        EnumValues {
            enumeration: *self,
            next: 0,
        }
    }

    /// How many enumerators there are.
    pub fn value_count(&self) -> usize {
        self.records.count
    }

    /// The enumerator at `index`, if any.
    pub fn value(&self, index: usize) -> Option<EnumValue<'btf>> {
        if index >= self.records.count {
            return None;
        }
        let record_length = if self.is_64_bit { 12 } else { 8 };
        let name = self
            .records
            .btf
            .name_at(self.records.word(index, record_length, 0));
        let low = self.records.word(index, record_length, 1);
        let value = if self.is_64_bit {
            let high = self.records.word(index, record_length, 2);
            let raw = (u64::from(high) << 32) | u64::from(low);
            if self.is_signed {
                i128::from(raw as i64)
            } else {
                i128::from(raw)
            }
        } else if self.is_signed {
            i128::from(low as i32)
        } else {
            i128::from(low)
        };
        Some(EnumValue { name, value })
    }
}

impl PartialEq for EnumType<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.byte_size == other.byte_size
            && self.is_signed == other.is_signed
            && self.values().eq(other.values())
    }
}

impl Eq for EnumType<'_> {}

impl fmt::Debug for EnumType<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("EnumType")
            .field("name", &self.name)
            .field("byte_size", &self.byte_size)
            .field("is_signed", &self.is_signed)
            .field("values", &self.values().collect::<Vec<_>>())
            .finish()
    }
}

/// Iterator over the enumerators of an [`EnumType`].
#[derive(Clone, Debug)]
pub struct EnumValues<'btf> {
    enumeration: EnumType<'btf>,
    next: usize,
}

impl<'btf> Iterator for EnumValues<'btf> {
    type Item = EnumValue<'btf>;

    fn next(&mut self) -> Option<EnumValue<'btf>> {
        let value = self.enumeration.value(self.next)?;
        self.next += 1;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let length = self.enumeration.records.count - self.next;
        (length, Some(length))
    }
}

impl ExactSizeIterator for EnumValues<'_> {}

/// One enumerator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnumValue<'btf> {
    /// Enumerator name, e.g. `"XDP_PASS"`.
    pub name: &'btf str,
    /// Value, interpreted as signed or unsigned per [`EnumType::is_signed`];
    /// `i128` holds every 32- and 64-bit value of either signedness exactly.
    pub value: i128,
}

/// `BTF_KIND_FWD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForwardDeclaration<'btf> {
    /// Tag name.
    pub name: &'btf str,
    /// `true` for `union`, `false` for `struct`.
    pub is_union: bool,
}

/// `BTF_KIND_TYPEDEF`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Typedef<'btf> {
    /// Typedef name, e.g. `"__u32"`.
    pub name: &'btf str,
    /// The aliased type.
    pub type_id: TypeId,
}

/// `BTF_KIND_FUNC`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Function<'btf> {
    /// Function name.
    pub name: &'btf str,
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
#[derive(Clone, Copy)]
pub struct FunctionPrototype<'btf> {
    /// Return type (`TypeId::VOID` for `void`).
    pub return_type: TypeId,
    /// Whether the prototype ends with `...`.
    pub is_variadic: bool,
    /// The parameter records, without the variadic marker.
    pub(crate) records: Records<'btf>,
}

impl<'btf> FunctionPrototype<'btf> {
    /// The parameters in order, without the variadic marker.
    pub fn parameters(&self) -> Parameters<'btf> {
        Parameters {
            prototype: *self,
            next: 0,
        }
    }

    /// How many parameters there are (without the variadic marker).
    pub fn parameter_count(&self) -> usize {
        self.records.count
    }

    /// The parameter at `index`, if any.
    pub fn parameter(&self, index: usize) -> Option<Parameter<'btf>> {
        (index < self.records.count).then(|| Parameter {
            name: self.records.btf.name_at(self.records.word(index, 8, 0)),
            type_id: TypeId(self.records.word(index, 8, 1)),
        })
    }
}

impl PartialEq for FunctionPrototype<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.return_type == other.return_type
            && self.is_variadic == other.is_variadic
            && self.parameters().eq(other.parameters())
    }
}

impl Eq for FunctionPrototype<'_> {}

impl fmt::Debug for FunctionPrototype<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("FunctionPrototype")
            .field("return_type", &self.return_type)
            .field("parameters", &self.parameters().collect::<Vec<_>>())
            .field("is_variadic", &self.is_variadic)
            .finish()
    }
}

/// Iterator over the parameters of a [`FunctionPrototype`].
#[derive(Clone, Debug)]
pub struct Parameters<'btf> {
    prototype: FunctionPrototype<'btf>,
    next: usize,
}

impl<'btf> Iterator for Parameters<'btf> {
    type Item = Parameter<'btf>;

    fn next(&mut self) -> Option<Parameter<'btf>> {
        let parameter = self.prototype.parameter(self.next)?;
        self.next += 1;
        Some(parameter)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let length = self.prototype.records.count - self.next;
        (length, Some(length))
    }
}

impl ExactSizeIterator for Parameters<'_> {}

/// One function parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parameter<'btf> {
    /// Parameter name; often empty for prototypes of function pointers.
    pub name: &'btf str,
    /// Parameter type.
    pub type_id: TypeId,
}

/// `BTF_KIND_VAR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variable<'btf> {
    /// Variable name.
    pub name: &'btf str,
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
#[derive(Clone, Copy)]
pub struct DataSection<'btf> {
    /// Section name, e.g. `".data"`.
    pub name: &'btf str,
    /// Section size in bytes (0 in unrelocated object files).
    pub byte_size: u32,
    pub(crate) records: Records<'btf>,
}

impl DataSection<'_> {
    /// The variables (or functions, for `.ksyms`) placed in the section.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = DataSectionEntry> + '_ {
        (0..self.records.count).map(|index| DataSectionEntry {
            type_id: TypeId(self.records.word(index, 12, 0)),
            offset: self.records.word(index, 12, 1),
            byte_size: self.records.word(index, 12, 2),
        })
    }
}

impl PartialEq for DataSection<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.byte_size == other.byte_size
            && self.entries().eq(other.entries())
    }
}

impl Eq for DataSection<'_> {}

impl fmt::Debug for DataSection<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("DataSection")
            .field("name", &self.name)
            .field("byte_size", &self.byte_size)
            .field("entries", &self.entries().collect::<Vec<_>>())
            .finish()
    }
}

/// One `btf_var_secinfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataSectionEntry {
    /// The `VAR` (or `FUNC`) placed in the section.
    pub type_id: TypeId,
    /// Offset inside the section in bytes.
    pub offset: u32,
    /// Size in bytes.
    pub byte_size: u32,
}

/// `BTF_KIND_FLOAT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloatType<'btf> {
    /// C name, e.g. `"double"`.
    pub name: &'btf str,
    /// Size in bytes.
    pub byte_size: u32,
}

/// `BTF_KIND_DECL_TAG`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeclarationTag<'btf> {
    /// The tag text.
    pub value: &'btf str,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeTag<'btf> {
    /// The tag text, e.g. `"rcu"` or `"user"`.
    pub value: &'btf str,
    /// The tagged type.
    pub type_id: TypeId,
    /// The `kind_flag`: the tag is a plain `__attribute__` rather than a
    /// `btf_type_tag`.
    pub is_attribute: bool,
}
