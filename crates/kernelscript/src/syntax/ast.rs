//! The abstract syntax tree the parser produces.
//!
//! The tree mirrors the source closely and resolves nothing: names are plain
//! strings, types are written forms (`TypeExpr`), and a map declaration is a
//! global `var` whose type is a generic form such as `hash<u32, u64>(1024)`.
//! Deciding what a name or a type means is the checker's job. Parsing never
//! fails, so every enum has an `Error` variant standing for input that did
//! not parse; the checker treats it as "already reported" and stays quiet.

use crate::span::Span;
pub use crate::syntax::token::Radix;

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A whole source file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceFile {
    pub items: Vec<Item>,
}

/// `@name`, `@name("arg")`, `@name(ident)`, `@flags(a | b | numa_node(3))`.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: Ident,
    /// Arguments as expressions: a string literal, an identifier, or for
    /// `@flags` one expression joined by `|`.
    pub args: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// `include "file.kh"`
    Include { path: StrLit },
    /// `import name from "path"`
    Import { name: Ident, path: StrLit },
    /// `config name { field: type [= default], ... }`
    Config(ConfigDecl),
    /// `[pin] [local] [@attrs] var name [: type] [= init]` at top level,
    /// maps and ring buffers included.
    GlobalVar(GlobalVarDecl),
    /// `const NAME [: type] = value`
    Const(ConstDecl),
    /// `[@attrs] struct Name { field: type, ... }`
    Struct(StructDecl),
    /// `enum Name { A [= value], ... }`
    Enum(EnumDecl),
    /// `type Name = type`
    TypeAlias { name: Ident, ty: TypeExpr },
    /// `[@attrs] fn name(params) [-> ret] { body }`
    Function(FunctionDecl),
    /// `extern name(params) [-> type]`
    Extern(ExternDecl),
    /// `[@attrs] impl Name { fn ... / field: expr, ... }`
    Impl(ImplDecl),
    /// Input that did not parse as an item; already reported.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConfigDecl {
    pub name: Ident,
    pub fields: Vec<ConfigField>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConfigField {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GlobalVarDecl {
    pub attributes: Vec<Attribute>,
    pub pin: bool,
    pub local: bool,
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub init: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConstDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructDecl {
    pub attributes: Vec<Attribute>,
    pub name: Ident,
    pub fields: Vec<StructField>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructField {
    /// `@short("x")`, `@help("...")`: command-line option attributes,
    /// meaningful on the fields of `main`'s `Args` struct only.
    pub attributes: Vec<Attribute>,
    pub name: Ident,
    pub ty: TypeExpr,
    /// `= value`: an `Args` option's default.
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub variants: Vec<EnumVariant>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumVariant {
    pub name: Ident,
    /// An integer literal, possibly negated.
    pub value: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FunctionDecl {
    pub attributes: Vec<Attribute>,
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: Option<ReturnType>,
    pub body: Block,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
}

/// `-> type` or the named form `-> name: type`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReturnType {
    pub name: Option<Ident>,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExternDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImplDecl {
    pub attributes: Vec<Attribute>,
    pub name: Ident,
    pub members: Vec<ImplMember>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ImplMember {
    Function(FunctionDecl),
    /// `name: value,` — a static field of a struct_ops implementation.
    Field {
        name: Ident,
        value: Expr,
    },
}

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    /// `u32`, `bool`, `void`, `xdp_action`, `PacketInfo`, ...
    Named(String),
    /// `module.Name`: a type of an imported module.
    Qualified {
        module: Ident,
        name: Ident,
    },
    /// `str(N)`
    Str(Box<Expr>),
    /// `T[N]`, `[T; N]` or `[T N]`; `T[]` (no size) is a flexible array,
    /// allowed only as a struct's last field.
    Array {
        element: Box<TypeExpr>,
        size: Option<Box<Expr>>,
    },
    /// `*T`
    Pointer(Box<TypeExpr>),
    /// `fn(T, U) -> R`
    Function {
        params: Vec<TypeExpr>,
        ret: Option<Box<TypeExpr>>,
    },
    /// `hash<K, V>(N)`, `ringbuf<T>(N)`, or any `name<args>(size)`.
    Generic {
        name: Ident,
        args: Vec<TypeExpr>,
        size: Option<Box<Expr>>,
    },
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `var name [: type] [= init]`
    Var {
        name: Ident,
        ty: Option<TypeExpr>,
        init: Option<Expr>,
    },
    /// `const name [: type] = value`
    Const(ConstDecl),
    /// `target = value` or `target op= value` (`op` is `Some`).
    Assign {
        target: Expr,
        op: Option<BinaryOp>,
        value: Expr,
    },
    Expr(Expr),
    If {
        condition: Condition,
        then_block: Block,
        /// A `Block` statement for `else { }`, an `If` statement for `else if`.
        else_branch: Option<Box<Stmt>>,
    },
    /// `for (i in start..end) { }` — `end` is exclusive.
    ForRange {
        var: Ident,
        start: Expr,
        end: Expr,
        body: Block,
    },
    /// `for (k, v) in iterable { }` (or with one name).
    ForEach {
        key: Ident,
        value: Option<Ident>,
        iterable: Expr,
        body: Block,
    },
    While {
        condition: Expr,
        body: Block,
    },
    Break,
    Continue,
    Return(Option<Expr>),
    /// `delete m[k]` or `delete p`
    Delete(Expr),
    Try {
        body: Block,
        catches: Vec<CatchClause>,
    },
    Throw(Expr),
    /// `defer expr` — runs at function exit.
    Defer(Expr),
    Block(Block),
    Error,
}

/// The condition of an `if`: an expression, or `var name = value` which
/// binds `name` inside the then-branch when `value` is present/non-null.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    Expr(Expr),
    Let { name: Ident, value: Expr },
}

#[derive(Clone, Debug, PartialEq)]
pub struct CatchClause {
    pub pattern: CatchPattern,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CatchPattern {
    /// `catch 2`, `catch NAME` (an integer constant expression).
    Value(Expr),
    /// `catch _`
    Wildcard(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// Integer literal value and how it was written; literals too big for
    /// u64 were reported and are stored as 0.
    Int(u64, Radix),
    Bool(bool),
    Char(u8),
    Str(String),
    Null,
    Ident(String),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `expr as T`
    Cast {
        expr: Box<Expr>,
        ty: TypeExpr,
    },
    /// `sizeof(T)`
    Sizeof(TypeExpr),
    /// `callee(args)`; a method call is a call whose callee is `Field`.
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    /// `base.name`
    Field {
        base: Box<Expr>,
        name: Ident,
    },
    /// `base->name`
    Arrow {
        base: Box<Expr>,
        name: Ident,
    },
    /// `base[index]`
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// `Name { field: value, ... }` or `module.Name { ... }`
    StructLit {
        module: Option<Ident>,
        name: Ident,
        fields: Vec<FieldInit>,
    },
    /// `[a, b, c]`
    ArrayLit(Vec<Expr>),
    /// `match (scrutinee) { pattern: body, ... }`
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    /// `new T()` or `new T(flag)`
    New {
        ty: TypeExpr,
        arg: Option<Box<Expr>>,
    },
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldInit {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MatchArm {
    pub pattern: MatchPattern,
    pub body: MatchArmBody,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MatchPattern {
    /// A literal or a constant/enum-variant name.
    Value(Expr),
    /// `default` (or `_`).
    Default(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub enum MatchArmBody {
    Expr(Expr),
    /// `{ statements }` — its value is the trailing expression statement.
    Block(Block),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `!x`
    Not,
    /// `~x`
    BitNot,
    /// `*p`
    Deref,
    /// `&x`
    AddrOf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinaryOp {
    /// The operator as written in KernelScript (and in C).
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }

    pub fn is_logical(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or)
    }
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Not => "!",
            UnaryOp::BitNot => "~",
            UnaryOp::Deref => "*",
            UnaryOp::AddrOf => "&",
        }
    }
}
