//! A tiny, bounds-checked ELF64 section reader: enough to find a section
//! by name (the `.BTF` of a vmlinux image or a `.ko`, the `.BTF.ext` of a
//! BPF object) in either byte order, and the [`Btf`] constructors built on
//! it. It reads section headers only: no symbols, relocations, program
//! headers or compressed sections. Every offset comes from the file and is
//! checked before use; malformed files give [`BtfError::Elf`], never a
//! panic. (A full ELF crate such as `object` would add a large dependency
//! for these ~150 lines.)

use crate::btf::Btf;
use crate::error::BtfError;

const ELF_MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
const CLASS_64: u8 = 2;
const DATA_LITTLE_ENDIAN: u8 = 1;
const DATA_BIG_ENDIAN: u8 = 2;
const ELF64_HEADER_LENGTH: usize = 64;
const ELF64_SECTION_HEADER_LENGTH: usize = 64;
/// `SHT_NOBITS`: the section occupies no file space (`.bss`).
const SECTION_TYPE_NOBITS: u32 = 8;
/// `SHF_COMPRESSED`.
const SECTION_FLAG_COMPRESSED: u64 = 0x800;
/// `SHN_XINDEX`: the real string-table index is in section 0's `sh_link`.
const SECTION_INDEX_EXTENDED: u16 = 0xffff;

/// Whether `file` starts with the ELF magic number.
pub fn is_elf(file: &[u8]) -> bool {
    file.starts_with(&ELF_MAGIC)
}

/// One section header, with its name resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfSection<'file> {
    /// Section name, e.g. `".BTF"` (lossily decoded).
    pub name: String,
    /// `sh_type`.
    pub section_type: u32,
    /// `sh_flags`.
    pub flags: u64,
    /// The section's bytes in the file (empty for `SHT_NOBITS`).
    pub data: &'file [u8],
}

fn elf_error(reason: &'static str) -> BtfError {
    BtfError::Elf { reason }
}

struct Reader<'file> {
    file: &'file [u8],
    little_endian: bool,
}

impl Reader<'_> {
    fn bytes<const N: usize>(&self, offset: u64) -> Result<[u8; N], BtfError> {
        let start = usize::try_from(offset).map_err(|_| elf_error("an offset is out of range"))?;
        let end = start
            .checked_add(N)
            .ok_or(elf_error("an offset is out of range"))?;
        self.file
            .get(start..end)
            .and_then(|slice| slice.try_into().ok())
            .ok_or(elf_error("a header lies outside the file"))
    }

    fn u16(&self, offset: u64) -> Result<u16, BtfError> {
        let bytes = self.bytes::<2>(offset)?;
        Ok(if self.little_endian {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        })
    }

    fn u32(&self, offset: u64) -> Result<u32, BtfError> {
        let bytes = self.bytes::<4>(offset)?;
        Ok(if self.little_endian {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    }

    fn u64(&self, offset: u64) -> Result<u64, BtfError> {
        let bytes = self.bytes::<8>(offset)?;
        Ok(if self.little_endian {
            u64::from_le_bytes(bytes)
        } else {
            u64::from_be_bytes(bytes)
        })
    }
}

/// Raw fields of one section header.
struct RawSection {
    name_offset: u32,
    section_type: u32,
    flags: u64,
    offset: u64,
    size: u64,
    link: u32,
}

/// Every section of an ELF64 file, in header order (section 0, the null
/// section, included).
pub fn sections(file: &[u8]) -> Result<Vec<ElfSection<'_>>, BtfError> {
    if !is_elf(file) {
        return Err(elf_error(
            "the file does not start with the ELF magic number",
        ));
    }
    if file.len() < ELF64_HEADER_LENGTH {
        return Err(elf_error("the file is shorter than an ELF64 header"));
    }
    if file[4] != CLASS_64 {
        return Err(elf_error("only 64-bit ELF files are supported"));
    }
    let little_endian = match file[5] {
        DATA_LITTLE_ENDIAN => true,
        DATA_BIG_ENDIAN => false,
        _ => {
            return Err(elf_error(
                "the ELF byte order is neither little nor big endian",
            ))
        }
    };
    let reader = Reader {
        file,
        little_endian,
    };
    let table_offset = reader.u64(0x28)?;
    let entry_size = reader.u16(0x3a)?;
    let mut count = u64::from(reader.u16(0x3c)?);
    let mut names_index = reader.u16(0x3e)?;
    if table_offset == 0 {
        return Ok(Vec::new());
    }
    if usize::from(entry_size) != ELF64_SECTION_HEADER_LENGTH {
        return Err(elf_error("section headers are not 64 bytes long"));
    }
    let read_section = |index: u64| -> Result<RawSection, BtfError> {
        let at = index
            .checked_mul(ELF64_SECTION_HEADER_LENGTH as u64)
            .and_then(|relative| relative.checked_add(table_offset))
            .ok_or(elf_error("the section header table is out of range"))?;
        Ok(RawSection {
            name_offset: reader.u32(at)?,
            section_type: reader.u32(at + 4)?,
            flags: reader.u64(at + 8)?,
            offset: reader.u64(at + 24)?,
            size: reader.u64(at + 32)?,
            link: reader.u32(at + 40)?,
        })
    };
    // More than 0xff00 sections: the counts live in section 0.
    let first = read_section(0)?;
    if count == 0 {
        count = first.size;
    }
    if names_index == SECTION_INDEX_EXTENDED {
        names_index = u16::try_from(first.link).unwrap_or(u16::MAX);
    }
    let table_bytes = count
        .checked_mul(ELF64_SECTION_HEADER_LENGTH as u64)
        .ok_or(elf_error("the section header table is out of range"))?;
    if table_offset.saturating_add(table_bytes) > file.len() as u64 {
        return Err(elf_error("the section header table lies outside the file"));
    }
    let raw: Vec<RawSection> = (0..count).map(read_section).collect::<Result<_, _>>()?;
    let data_of = |section: &RawSection| -> Result<&[u8], BtfError> {
        if section.section_type == SECTION_TYPE_NOBITS || section.size == 0 {
            return Ok(&[]);
        }
        let start = usize::try_from(section.offset)
            .map_err(|_| elf_error("a section lies outside the file"))?;
        let length = usize::try_from(section.size)
            .map_err(|_| elf_error("a section lies outside the file"))?;
        start
            .checked_add(length)
            .and_then(|end| file.get(start..end))
            .ok_or(elf_error("a section lies outside the file"))
    };
    let names = match raw.get(usize::from(names_index)) {
        Some(section) => data_of(section)?,
        None => &[],
    };
    raw.iter()
        .map(|section| {
            let name = names
                .get(section.name_offset as usize..)
                .map(|tail| {
                    let length = tail
                        .iter()
                        .position(|&byte| byte == 0)
                        .unwrap_or(tail.len());
                    String::from_utf8_lossy(&tail[..length]).into_owned()
                })
                .unwrap_or_default();
            Ok(ElfSection {
                name,
                section_type: section.section_type,
                flags: section.flags,
                data: data_of(section)?,
            })
        })
        .collect()
}

/// The bytes of the section called `name`, `None` if there is none.
pub fn section<'file>(file: &'file [u8], name: &str) -> Result<Option<&'file [u8]>, BtfError> {
    let found = sections(file)?
        .into_iter()
        .find(|section| section.name == name);
    match found {
        Some(section) if section.flags & SECTION_FLAG_COMPRESSED != 0 => Err(elf_error(
            "the section is compressed (SHF_COMPRESSED), which this reader does not support",
        )),
        Some(section) => Ok(Some(section.data)),
        None => Ok(None),
    }
}

fn btf_section(file: &[u8]) -> Result<Vec<u8>, BtfError> {
    section(file, ".BTF")?
        .map(<[u8]>::to_vec)
        .ok_or(BtfError::NoBtfSection)
}

impl Btf {
    /// Base BTF from the `.BTF` section of an ELF64 file, such as an
    /// uncompressed `vmlinux` image. Only the section is kept (copied), so
    /// the caller may drop the file.
    pub fn from_elf(file: &[u8]) -> Result<Btf, BtfError> {
        Btf::from_vec(btf_section(file)?)
    }

    /// Split BTF from the `.BTF` section of a kernel module (`.ko`) built
    /// against `base`.
    pub fn from_elf_split(file: &[u8], base: &Btf) -> Result<Btf, BtfError> {
        Btf::from_vec_split(btf_section(file)?, base)
    }

    /// Base BTF from a file that is either raw BTF (such as
    /// `/sys/kernel/btf/vmlinux`) or an ELF64 file with a `.BTF` section
    /// (such as a `vmlinux` image): what `--btf-vmlinux-path` accepts.
    pub fn from_btf_or_elf(bytes: Vec<u8>) -> Result<Btf, BtfError> {
        if is_elf(&bytes) {
            Btf::from_elf(&bytes)
        } else {
            Btf::from_vec(bytes)
        }
    }
}
