//! A writer for the `newc` cpio format ("070701"), the format the kernel
//! unpacks an initramfs from. It is written here rather than by `cpio(1)`
//! so that device nodes (`/dev/console`) need no root and no `mknod`, file
//! modes and owners come from the test rather than the host, the output is
//! byte-for-byte deterministic (fixed inode numbers and times), and the
//! guest tier needs one package fewer.
//!
//! It holds the format only: what goes into an initrd is `initrd.rs`'s
//! business. Archives may be concatenated; the kernel unpacks each in turn,
//! later entries replacing earlier ones.

/// File type bits of `st_mode`.
const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFCHR: u32 = 0o020000;

/// An archive being written: entries in the order they are added.
#[derive(Default)]
pub struct Archive {
    bytes: Vec<u8>,
    next_inode: u32,
    directories: std::collections::BTreeSet<String>,
}

impl Archive {
    pub fn new() -> Archive {
        Archive {
            next_inode: 1,
            ..Archive::default()
        }
    }

    /// Adds a directory and, first, each of its missing parents
    /// (`path` is relative to the root: `usr/sbin`).
    pub fn directory(&mut self, path: &str) {
        let path = path.trim_matches('/');
        if path.is_empty() || self.directories.contains(path) {
            return;
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.directory(parent);
        }
        self.directories.insert(path.to_string());
        self.entry(path, S_IFDIR | 0o755, 0, &[]);
    }

    /// Adds a regular file with permission bits `mode` (e.g. `0o755`),
    /// creating its parent directories.
    pub fn file(&mut self, path: &str, mode: u32, contents: &[u8]) {
        let path = self.parents(path);
        self.entry(&path, S_IFREG | (mode & 0o7777), 0, contents);
    }

    /// Adds a character device node.
    pub fn char_device(&mut self, path: &str, mode: u32, major: u32, minor: u32) {
        let path = self.parents(path);
        self.entry(&path, S_IFCHR | (mode & 0o7777), (major << 16) | minor, &[]);
    }

    /// Ends the archive with its trailer and returns the bytes (a multiple
    /// of 4 long, so another archive may follow directly).
    pub fn finish(mut self) -> Vec<u8> {
        self.next_inode = 0;
        self.entry("TRAILER!!!", 0, 0, &[]);
        self.bytes
    }

    fn parents(&mut self, path: &str) -> String {
        let path = path.trim_start_matches('/').to_string();
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.directory(parent);
        }
        path
    }

    /// One header (13 fields of 8 hex digits after the magic), the
    /// NUL-terminated name and the data, each padded to 4 bytes.
    /// `device` packs the major number in its high 16 bits.
    fn entry(&mut self, name: &str, mode: u32, device: u32, data: &[u8]) {
        let inode = self.next_inode;
        if inode != 0 {
            self.next_inode += 1;
        }
        let links = if mode & S_IFMT == S_IFDIR { 2 } else { 1 };
        let fields = [
            inode,
            mode,
            0, // uid
            0, // gid
            links,
            0, // mtime
            u32::try_from(data.len()).expect("initrd members are smaller than 4 GiB"),
            0, // devmajor
            0, // devminor
            device >> 16,
            device & 0xffff,
            u32::try_from(name.len() + 1).expect("short names"),
            0, // check
        ];
        self.bytes.extend_from_slice(b"070701");
        for field in fields {
            self.bytes
                .extend_from_slice(format!("{field:08X}").as_bytes());
        }
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(0);
        self.pad();
        self.bytes.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Archive;

    #[test]
    fn a_file_entry_has_the_newc_layout() {
        let mut archive = Archive::new();
        archive.file("init", 0o755, b"#!/bin/sh\n");
        let bytes = archive.finish();
        let header = std::str::from_utf8(&bytes[..110]).unwrap();
        assert_eq!(
            header,
            "070701\
             00000001000081ED000000000000000000000001\
             000000000000000A00000000000000000000000000000000\
             0000000500000000"
        );
        // name "init\0" ends at 115, padded to 116; 10 data bytes padded to 12.
        assert_eq!(&bytes[110..116], b"init\0\0");
        assert_eq!(&bytes[116..126], b"#!/bin/sh\n");
        assert_eq!(&bytes[126..128], b"\0\0");
        assert!(bytes[128..].starts_with(b"070701"));
        assert!(bytes.ends_with(b"TRAILER!!!\0\0\0\0"));
        assert_eq!(bytes.len() % 4, 0);
    }

    #[test]
    fn parents_come_first_and_once() {
        let mut archive = Archive::new();
        archive.file("usr/sbin/bpftool", 0o755, b"x");
        archive.file("usr/sbin/other", 0o755, b"y");
        let text = String::from_utf8_lossy(&archive.finish()).into_owned();
        let usr = text.find("usr\0").unwrap();
        let sbin = text.find("usr/sbin\0").unwrap();
        let tool = text.find("usr/sbin/bpftool\0").unwrap();
        assert!(usr < sbin && sbin < tool);
        assert_eq!(text.matches("usr/sbin\0").count(), 1);
    }

    #[test]
    fn device_nodes_carry_their_numbers() {
        let mut archive = Archive::new();
        archive.char_device("dev/console", 0o600, 5, 1);
        let bytes = archive.finish();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let at = text.find("dev/console").unwrap();
        let header = &text[at - 110..at];
        // mode 020600, rdevmajor 5, rdevminor 1.
        assert_eq!(&header[14..22], "00002180");
        assert_eq!(&header[78..86], "00000005");
        assert_eq!(&header[86..94], "00000001");
    }
}
