//! Low-level, bounds-checked access to a BTF blob: byte order detection, a
//! cursor that reads fixed-width integers, the fixed `btf_header`, and the
//! rules for the string section. Every read goes through a length check and
//! returns [`BtfError`] instead of panicking. This file must not interpret
//! type records (that is `decode.rs`) and must not index a slice without a
//! preceding bounds check.

use std::ops::Range;

use crate::error::BtfError;

/// The BTF magic number, `0xEB9F`, as stored in the blob's byte order.
const MAGIC_LITTLE_ENDIAN: [u8; 2] = [0x9F, 0xEB];
const MAGIC_BIG_ENDIAN: [u8; 2] = [0xEB, 0x9F];

/// Size of the version-1 `struct btf_header`.
pub(crate) const HEADER_V1_LENGTH: usize = 24;

/// Byte order of a blob, detected from how the magic number is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endianness {
    Little,
    Big,
}

impl Endianness {
    pub(crate) fn u32_from(self, bytes: [u8; 4]) -> u32 {
        match self {
            Endianness::Little => u32::from_le_bytes(bytes),
            Endianness::Big => u32::from_be_bytes(bytes),
        }
    }
}

/// A forward-only reader over `blob[position..end]`.
///
/// Offsets reported in errors are absolute positions in the whole blob, so
/// a diagnostic can point at the exact byte.
pub(crate) struct Cursor<'blob> {
    blob: &'blob [u8],
    position: usize,
    end: usize,
    endianness: Endianness,
}

impl<'blob> Cursor<'blob> {
    /// A cursor over `range` of `blob`. The range is clamped to the blob so
    /// that a wrong caller cannot create an out-of-bounds cursor.
    pub(crate) fn new(blob: &'blob [u8], range: Range<usize>, endianness: Endianness) -> Self {
        let end = range.end.min(blob.len());
        let position = range.start.min(end);
        Cursor {
            blob,
            position,
            end,
            endianness,
        }
    }

    /// Bytes left before the end of the cursor's range.
    pub(crate) fn remaining(&self) -> usize {
        self.end - self.position
    }

    /// Fails with [`BtfError::Truncated`] unless `needed` more bytes can be
    /// read. Used before allocating space for `vlen` trailing records.
    pub(crate) fn ensure_remaining(
        &self,
        needed: usize,
        what: &'static str,
    ) -> Result<(), BtfError> {
        if self.remaining() < needed {
            return Err(BtfError::Truncated {
                what,
                offset: self.position,
                needed,
                available: self.remaining(),
            });
        }
        Ok(())
    }

    /// Consumes and returns the next `length` bytes.
    pub(crate) fn take(
        &mut self,
        length: usize,
        what: &'static str,
    ) -> Result<&'blob [u8], BtfError> {
        self.ensure_remaining(length, what)?;
        let start = self.position;
        let bytes = self
            .blob
            .get(start..start + length)
            .ok_or(BtfError::Truncated {
                what,
                offset: start,
                needed: length,
                available: 0,
            })?;
        self.position += length;
        Ok(bytes)
    }

    /// Reads a `u32` in the blob's byte order.
    pub(crate) fn read_u32(&mut self, what: &'static str) -> Result<u32, BtfError> {
        let bytes = self.take(4, what)?;
        let mut array = [0u8; 4];
        array.copy_from_slice(bytes);
        Ok(self.endianness.u32_from(array))
    }
}

/// The decoded `struct btf_header` with section offsets made absolute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) endianness: Endianness,
    /// Absolute byte range of the type section.
    pub(crate) type_section: Range<usize>,
    /// Absolute byte range of the string section.
    pub(crate) string_section: Range<usize>,
}

/// Parses and validates the header: magic (either byte order), version 1,
/// a header length of at least 24 bytes, and both sections inside the blob.
/// The header's `flags` byte and any bytes of a longer (future) header are
/// ignored.
pub(crate) fn parse_header(blob: &[u8]) -> Result<Header, BtfError> {
    let magic = match blob.get(0..2) {
        Some([first, second]) => [*first, *second],
        _ => {
            return Err(BtfError::Truncated {
                what: "BTF header",
                offset: 0,
                needed: HEADER_V1_LENGTH,
                available: blob.len(),
            })
        }
    };
    let endianness = match magic {
        MAGIC_LITTLE_ENDIAN => Endianness::Little,
        MAGIC_BIG_ENDIAN => Endianness::Big,
        found => return Err(BtfError::BadMagic { found }),
    };
    let mut cursor = Cursor::new(blob, 0..blob.len(), endianness);
    cursor.take(2, "BTF header")?; // the magic
    cursor.ensure_remaining(HEADER_V1_LENGTH - 2, "BTF header")?;
    let version_and_flags = cursor.take(2, "BTF header version")?;
    let version = version_and_flags.first().copied().unwrap_or(0);
    if version != 1 {
        return Err(BtfError::UnsupportedVersion { version });
    }
    let header_length = cursor.read_u32("BTF header length")?;
    let type_offset = cursor.read_u32("BTF type section offset")?;
    let type_length = cursor.read_u32("BTF type section length")?;
    let string_offset = cursor.read_u32("BTF string section offset")?;
    let string_length = cursor.read_u32("BTF string section length")?;

    if (header_length as usize) < HEADER_V1_LENGTH || header_length as usize > blob.len() {
        return Err(BtfError::InvalidHeaderLength {
            header_length,
            blob_length: blob.len(),
        });
    }
    let type_section = section_range(blob, "type", header_length, type_offset, type_length)?;
    let string_section =
        section_range(blob, "string", header_length, string_offset, string_length)?;
    Ok(Header {
        endianness,
        type_section,
        string_section,
    })
}

/// Turns a header-relative `(offset, length)` into an absolute range,
/// checking it lies inside the blob. Arithmetic is done in `u64` so that
/// hostile values cannot overflow.
fn section_range(
    blob: &[u8],
    section: &'static str,
    header_length: u32,
    offset: u32,
    length: u32,
) -> Result<Range<usize>, BtfError> {
    let start = u64::from(header_length) + u64::from(offset);
    let end = start + u64::from(length);
    if end > blob.len() as u64 {
        return Err(BtfError::SectionOutOfBounds {
            section,
            start,
            length: u64::from(length),
            blob_length: blob.len(),
        });
    }
    // Both fit in usize because they are at most blob.len().
    Ok(start as usize..end as usize)
}

/// Checks the string section rules the kernel enforces: a base blob's
/// section must be non-empty and start with the empty string; any non-empty
/// section must end with a NUL so that every offset inside it names a
/// terminated string. A split blob may have an empty string section.
pub(crate) fn validate_string_section(strings: &[u8], is_split: bool) -> Result<(), BtfError> {
    if strings.is_empty() {
        if is_split {
            return Ok(());
        }
        return Err(BtfError::MalformedStringSection {
            reason: "the string section is empty",
        });
    }
    if !is_split && strings.first() != Some(&0) {
        return Err(BtfError::MalformedStringSection {
            reason: "the string section does not start with the empty string",
        });
    }
    if strings.last() != Some(&0) {
        return Err(BtfError::MalformedStringSection {
            reason: "the string section does not end with a NUL byte",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_magic_is_detected() {
        let mut blob = vec![0xEB, 0x9F, 1, 0];
        blob.extend_from_slice(&24u32.to_be_bytes());
        blob.extend_from_slice(&[0; 16]);
        blob.push(0);
        blob[23] = 1; // string length 1 (big-endian low byte)
        let header = parse_header(&blob).expect("valid big-endian header");
        assert_eq!(header.endianness, Endianness::Big);
        assert_eq!(header.string_section, 24..25);
    }

    #[test]
    fn cursor_never_reads_past_its_end() {
        let blob = [1u8, 0, 0, 0, 2, 0];
        let mut cursor = Cursor::new(&blob, 0..blob.len(), Endianness::Little);
        assert_eq!(cursor.read_u32("x"), Ok(1));
        assert!(matches!(
            cursor.read_u32("y"),
            Err(BtfError::Truncated {
                needed: 4,
                available: 2,
                ..
            })
        ));
        let clamped = Cursor::new(&blob, 4..100, Endianness::Little);
        assert_eq!(clamped.remaining(), 2);
    }
}
