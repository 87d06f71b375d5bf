//! Typed values of the annotation format — map keys, map values and global
//! variables — and their byte encoding with natural C alignment.
//!
//! A value is a scalar (`u32 7`, `be16 53`, `ipv4 10.0.0.1`, `mac 02:..`),
//! raw bytes (`hex 0a0b`, `char[16] "eth0"`), or a struct `{u8 1, u64 2}`
//! whose fields are laid out as a C compiler would, padding included.
//! Padding bytes are zero when encoded and ignored when compared. This file
//! parses and encodes; it must not talk to the kernel.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::lexer::{parse_hex, parse_int, Cursor};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntTy {
    U8,
    U16,
    U32,
    U64,
    I8,
    I16,
    I32,
    I64,
    Be16,
    Be32,
    Be64,
    Bool,
}

const INT_TYPES: &[(&str, IntTy)] = &[
    ("u8", IntTy::U8),
    ("u16", IntTy::U16),
    ("u32", IntTy::U32),
    ("u64", IntTy::U64),
    ("i8", IntTy::I8),
    ("i16", IntTy::I16),
    ("i32", IntTy::I32),
    ("i64", IntTy::I64),
    ("be16", IntTy::Be16),
    ("be32", IntTy::Be32),
    ("be64", IntTy::Be64),
    ("bool", IntTy::Bool),
];

impl IntTy {
    pub fn by_name(name: &str) -> Option<IntTy> {
        INT_TYPES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    pub fn name(self) -> &'static str {
        INT_TYPES
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    pub fn size(self) -> usize {
        match self {
            IntTy::U8 | IntTy::I8 | IntTy::Bool => 1,
            IntTy::U16 | IntTy::I16 | IntTy::Be16 => 2,
            IntTy::U32 | IntTy::I32 | IntTy::Be32 => 4,
            IntTy::U64 | IntTy::I64 | IntTy::Be64 => 8,
        }
    }

    fn signed(self) -> bool {
        matches!(self, IntTy::I8 | IntTy::I16 | IntTy::I32 | IntTy::I64)
    }

    fn big_endian(self) -> bool {
        matches!(self, IntTy::Be16 | IntTy::Be32 | IntTy::Be64)
    }

    fn range(self) -> (i128, i128) {
        let bits = self.size() as u32 * 8;
        match self {
            IntTy::Bool => (0, 1),
            _ if self.signed() => (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1),
            _ => (0, (1i128 << bits) - 1),
        }
    }

    /// Reduces `v` modulo 2^bits into this type's range (two's complement for signed).
    pub fn wrap(self, v: i128) -> i128 {
        let bits = self.size() as u32 * 8;
        let m = v.rem_euclid(1i128 << bits);
        if self.signed() && m >= 1i128 << (bits - 1) {
            m - (1i128 << bits)
        } else {
            m
        }
    }

    pub fn encode(self, v: i128) -> Vec<u8> {
        let le = (self.wrap(v) as u128).to_le_bytes();
        let mut b = le[..self.size()].to_vec();
        if self.big_endian() {
            b.reverse();
        }
        b
    }

    /// Decodes exactly `size()` bytes.
    pub fn decode(self, bytes: &[u8]) -> i128 {
        let mut b = bytes.to_vec();
        if self.big_endian() {
            b.reverse();
        }
        let mut le = [0u8; 16];
        le[..b.len()].copy_from_slice(&b);
        self.wrap(u128::from_le_bytes(le) as i128)
    }
}

/// How a run of bytes is written and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BytesKind {
    Hex,
    Ipv4,
    Ipv6,
    Mac,
    /// `char[N] "text"`: NUL-padded to N bytes.
    Chars,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int { ty: IntTy, value: i128 },
    Bytes { kind: BytesKind, bytes: Vec<u8> },
    Struct(Vec<Value>),
}

/// Encoded bytes plus which of them matter (`false` = padding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub mask: Vec<bool>,
}

impl Encoded {
    /// Whether `actual` equals these bytes everywhere but in padding.
    pub fn matches(&self, actual: &[u8]) -> bool {
        actual.len() == self.bytes.len()
            && self
                .bytes
                .iter()
                .zip(actual)
                .zip(&self.mask)
                .all(|((e, a), m)| !m || e == a)
    }
}

impl Value {
    pub fn align(&self) -> usize {
        match self {
            Value::Int { ty, .. } => ty.size(),
            Value::Bytes {
                kind: BytesKind::Ipv4 | BytesKind::Ipv6,
                ..
            } => 4,
            Value::Bytes { .. } => 1,
            Value::Struct(fields) => fields.iter().map(Value::align).max().unwrap_or(1),
        }
    }

    /// The value laid out as C would, with trailing padding to its alignment.
    pub fn encode(&self) -> Encoded {
        let mut out = Encoded {
            bytes: Vec::new(),
            mask: Vec::new(),
        };
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Encoded) {
        match self {
            Value::Int { ty, value } => push(out, &ty.encode(*value)),
            Value::Bytes { bytes, .. } => push(out, bytes),
            Value::Struct(fields) => {
                let start = out.bytes.len();
                for f in fields {
                    pad_to(out, start, f.align());
                    f.encode_into(out);
                }
                pad_to(out, start, self.align());
            }
        }
    }

    /// The value as it was written (normalised).
    pub fn render(&self) -> String {
        self.to_string()
    }

    /// `actual` shown in this value's shape, or as hex when the sizes differ.
    pub fn render_like(&self, actual: &[u8]) -> String {
        if actual.len() != self.encode().bytes.len() {
            return format!("hex {}", hex_word(actual));
        }
        let mut offset = 0;
        self.render_at(actual, &mut offset)
    }

    fn render_at(&self, bytes: &[u8], offset: &mut usize) -> String {
        match self {
            Value::Int { ty, .. } => {
                let v = ty.decode(&bytes[*offset..*offset + ty.size()]);
                *offset += ty.size();
                Value::Int { ty: *ty, value: v }.to_string()
            }
            Value::Bytes { kind, bytes: b } => {
                let got = bytes[*offset..*offset + b.len()].to_vec();
                *offset += b.len();
                Value::Bytes {
                    kind: *kind,
                    bytes: got,
                }
                .to_string()
            }
            Value::Struct(fields) => {
                let start = *offset;
                let mut parts = Vec::new();
                for f in fields {
                    *offset = start + round_up(*offset - start, f.align());
                    parts.push(f.render_at(bytes, offset));
                }
                *offset = start + round_up(*offset - start, self.align());
                format!("{{{}}}", parts.join(", "))
            }
        }
    }
}

fn round_up(n: usize, align: usize) -> usize {
    n.div_ceil(align) * align
}

fn push(out: &mut Encoded, bytes: &[u8]) {
    out.bytes.extend_from_slice(bytes);
    out.mask.extend(std::iter::repeat_n(true, bytes.len()));
}

fn pad_to(out: &mut Encoded, start: usize, align: usize) {
    while !(out.bytes.len() - start).is_multiple_of(align) {
        out.bytes.push(0);
        out.mask.push(false);
    }
}

pub fn hex_word(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int {
                ty: IntTy::Bool,
                value,
            } => write!(f, "bool {}", *value != 0),
            Value::Int { ty, value } => write!(f, "{} {value}", ty.name()),
            Value::Bytes {
                kind: BytesKind::Hex,
                bytes,
            } => write!(f, "hex {}", hex_word(bytes)),
            Value::Bytes {
                kind: BytesKind::Ipv4,
                bytes,
            } if bytes.len() == 4 => {
                write!(
                    f,
                    "ipv4 {}",
                    Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])
                )
            }
            Value::Bytes {
                kind: BytesKind::Ipv6,
                bytes,
            } if bytes.len() == 16 => {
                let arr: [u8; 16] = bytes[..].try_into().unwrap_or([0; 16]);
                write!(f, "ipv6 {}", Ipv6Addr::from(arr))
            }
            Value::Bytes {
                kind: BytesKind::Mac,
                bytes,
            } => {
                let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
                write!(f, "mac {}", parts.join(":"))
            }
            Value::Bytes {
                kind: BytesKind::Chars,
                bytes,
            } => {
                let text = bytes.split(|&b| b == 0).next().unwrap_or(&[]);
                write!(
                    f,
                    "char[{}] \"{}\"",
                    bytes.len(),
                    String::from_utf8_lossy(text).escape_debug()
                )
            }
            Value::Bytes { bytes, .. } => write!(f, "hex {}", hex_word(bytes)),
            Value::Struct(fields) => {
                let parts: Vec<String> = fields.iter().map(|v| v.to_string()).collect();
                write!(f, "{{{}}}", parts.join(", "))
            }
        }
    }
}

/// Parses one value at the cursor.
pub(crate) fn parse_value(c: &mut Cursor) -> Result<Value, String> {
    if c.eat_punct('{') {
        let mut fields = Vec::new();
        loop {
            if c.eat_punct('}') {
                break;
            }
            fields.push(parse_value(c)?);
            if !c.eat_punct(',') {
                c.expect_punct('}', "to close the struct value")?;
                break;
            }
        }
        if fields.is_empty() {
            return Err("an empty struct `{}` has no bytes to compare".into());
        }
        return Ok(Value::Struct(fields));
    }
    let ty = c.word("a value type (u8..u64, i8..i64, be16, be32, be64, bool, ipv4, ipv6, mac, hex, char[N], or {...})")?;
    if let Some(int_ty) = IntTy::by_name(&ty) {
        let lit = c.word(&format!("a {ty} literal"))?;
        let value = match (int_ty, lit.as_str()) {
            (IntTy::Bool, "true") => 1,
            (IntTy::Bool, "false") => 0,
            _ => parse_int(&lit)?,
        };
        let (lo, hi) = int_ty.range();
        if value < lo || value > hi {
            return Err(format!("{value} does not fit in {ty} ({lo}..={hi})"));
        }
        return Ok(Value::Int { ty: int_ty, value });
    }
    let bytes = |kind, bytes| Ok(Value::Bytes { kind, bytes });
    match ty.as_str() {
        "hex" => bytes(BytesKind::Hex, parse_hex(&[c.word("hex bytes")?])?),
        "ipv4" => {
            let w = c.word("an IPv4 address")?;
            let a: Ipv4Addr = w
                .parse()
                .map_err(|_| format!("`{w}` is not an IPv4 address"))?;
            bytes(BytesKind::Ipv4, a.octets().to_vec())
        }
        "ipv6" => {
            let w = c.word("an IPv6 address")?;
            let a: Ipv6Addr = w
                .parse()
                .map_err(|_| format!("`{w}` is not an IPv6 address"))?;
            bytes(BytesKind::Ipv6, a.octets().to_vec())
        }
        "mac" => {
            let w = c.word("a MAC address")?;
            bytes(BytesKind::Mac, parse_mac(&w)?.to_vec())
        }
        "char" => {
            c.expect_punct('[', "after `char` (write `char[N] \"text\"`)")?;
            let n = parse_int(&c.word("the array length")?)?;
            c.expect_punct(']', "after the array length")?;
            let text = c.string("the characters")?;
            if n <= 0 || text.len() > n as usize {
                return Err(format!("char[{n}] cannot hold {} bytes", text.len()));
            }
            let mut b = text;
            b.resize(n as usize, 0);
            bytes(BytesKind::Chars, b)
        }
        other => Err(format!("unknown value type `{other}`")),
    }
}

/// `aa:bb:cc:dd:ee:ff` (or `-` separated).
pub fn parse_mac(w: &str) -> Result<[u8; 6], String> {
    let parts: Vec<&str> = w.split([':', '-']).collect();
    let bytes: Option<Vec<u8>> = parts
        .iter()
        .map(|p| u8::from_str_radix(p, 16).ok().filter(|_| p.len() == 2))
        .collect();
    match bytes {
        Some(b) if b.len() == 6 => Ok([b[0], b[1], b[2], b[3], b[4], b[5]]),
        _ => Err(format!("`{w}` is not a MAC address (aa:bb:cc:dd:ee:ff)")),
    }
}
