//! Just enough of 64-bit little-endian ELF for the guest tier: the bytes of
//! a named section (the guest kernel's `.BTF`) and whether an executable
//! asks for a program interpreter (i.e. is not statically linked).
//!
//! It reads headers only and never follows pointers it has not
//! bounds-checked; anything else about ELF is `readelf`'s job.

/// The contents of section `name`, or `None` when the file is not a
/// 64-bit little-endian ELF file or has no such section.
pub fn section<'a>(elf: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let header = Header::read(elf)?;
    let names = header.section(elf, header.names_index)?;
    let names = slice(elf, names.offset, names.size)?;
    (0..header.section_count)
        .filter_map(|index| header.section(elf, index))
        .find(|section| {
            let start = section.name as usize;
            names
                .get(start..)
                .and_then(|rest| rest.split(|&b| b == 0).next())
                .is_some_and(|found| found == name.as_bytes())
        })
        .and_then(|section| slice(elf, section.offset, section.size))
}

/// Whether `elf` is a 64-bit ELF executable without a `PT_INTERP` program
/// header: a statically linked program that runs without a dynamic loader.
pub fn is_static_executable(elf: &[u8]) -> bool {
    const PT_INTERP: u32 = 3;
    let Some(header) = Header::read(elf) else {
        return false;
    };
    (0..header.program_count).all(|index| {
        let at = header.program_offset + index * header.program_entry_size;
        read_u32(elf, at) != Some(PT_INTERP)
    })
}

struct Header {
    program_offset: usize,
    program_entry_size: usize,
    program_count: usize,
    section_offset: usize,
    section_entry_size: usize,
    section_count: usize,
    names_index: usize,
}

struct Section {
    name: u32,
    offset: u64,
    size: u64,
}

impl Header {
    fn read(elf: &[u8]) -> Option<Header> {
        // Magic, ELFCLASS64, ELFDATA2LSB.
        if elf.get(..6)? != b"\x7fELF\x02\x01" {
            return None;
        }
        Some(Header {
            program_offset: usize::try_from(read_u64(elf, 0x20)?).ok()?,
            program_entry_size: usize::from(read_u16(elf, 0x36)?),
            program_count: usize::from(read_u16(elf, 0x38)?),
            section_offset: usize::try_from(read_u64(elf, 0x28)?).ok()?,
            section_entry_size: usize::from(read_u16(elf, 0x3a)?),
            section_count: usize::from(read_u16(elf, 0x3c)?),
            names_index: usize::from(read_u16(elf, 0x3e)?),
        })
    }

    fn section(&self, elf: &[u8], index: usize) -> Option<Section> {
        let at = self
            .section_offset
            .checked_add(index.checked_mul(self.section_entry_size)?)?;
        Some(Section {
            name: read_u32(elf, at)?,
            offset: read_u64(elf, at + 0x18)?,
            size: read_u64(elf, at + 0x20)?,
        })
    }
}

fn slice(elf: &[u8], offset: u64, size: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    elf.get(start..end)
}

fn read_u16(elf: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(elf.get(at..at + 2)?.try_into().ok()?))
}

fn read_u32(elf: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(elf.get(at..at + 4)?.try_into().ok()?))
}

fn read_u64(elf: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(elf.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::{is_static_executable, section};

    #[test]
    fn finds_sections_of_a_real_binary_and_rejects_garbage() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(section(&me, ".text").is_some_and(|text| !text.is_empty()));
        assert!(section(&me, ".no-such-section").is_none());
        // A test binary is dynamically linked.
        assert!(!is_static_executable(&me));
        assert!(section(b"\x7fELF\x02\x01truncated", ".text").is_none());
        assert!(!is_static_executable(b"not elf at all"));
    }
}
