//! ZIP archives: members read one at a time, each within a shared [`Budget`].
//!
//! The pipeline opens an archive with [`Archive::open`], then asks for each member with
//! [`Archive::member`] and processes it as a document of its own (recursively: a ZIP in a
//! ZIP, a mailbox in a ZIP). Nothing in the archive is trusted: declared sizes are checked
//! before reading and the actual bytes are counted while inflating, against what is left of
//! the budget of the whole tree (members and expanded bytes). Going over it is a
//! [`ExtractError::Limit`] naming the member: a ZIP bomb ends in that clear error, not in a
//! full disk or memory. Directories and symbolic links are passed over; an encrypted member
//! is passed over with a warning.

use super::ExtractError;
use crate::model::DocKind;
use std::io::{Cursor, Read};

/// What is left for one container tree (a file on disk and everything inside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Members (archive members, messages, attachments) that may still be read.
    pub members_left: u64,
    /// Bytes that members may still expand to.
    pub bytes_left: u64,
    /// Largest single member: larger ones are passed over with a warning.
    pub max_member: u64,
}

/// A member whose declared size against its compressed size exceeds this ratio (and that
/// is larger than [`BOMB_MIN_BYTES`]) is refused as a bomb before it is inflated.
pub const BOMB_RATIO: u64 = 1000;

/// Members smaller than this are never refused for their ratio (a long run of one byte
/// compresses well and is harmless at this size).
pub const BOMB_MIN_BYTES: u64 = 16 << 20;

/// One member read from an archive.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A file: its path in the archive and its bytes.
    File(String, Vec<u8>),
    /// Passed over (a folder, a link), with the reason when worth a warning.
    Skipped(Option<String>),
}

/// An open ZIP archive.
pub struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
}

impl std::fmt::Debug for Archive<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("members", &self.zip.len())
            .finish()
    }
}

impl<'a> Archive<'a> {
    /// Reads the central directory.
    pub fn open(bytes: &'a [u8]) -> Result<Archive<'a>, ExtractError> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ExtractError::Invalid {
            kind: DocKind::Zip,
            reason: e.to_string(),
        })?;
        Ok(Archive { zip })
    }

    /// Number of entries (folders included).
    pub fn len(&self) -> usize {
        self.zip.len()
    }

    /// True for an archive with no entries.
    pub fn is_empty(&self) -> bool {
        self.zip.len() == 0
    }

    /// Reads entry `i`, charging it to `budget`.
    pub fn member(&mut self, i: usize, budget: &mut Budget) -> Result<Entry, ExtractError> {
        let invalid = |reason: String| ExtractError::Invalid {
            kind: DocKind::Zip,
            reason,
        };
        let raw_name = self.zip.name_for_index(i).unwrap_or("?").to_owned();
        let file = match self.zip.by_index(i) {
            Ok(f) => f,
            Err(zip::result::ZipError::UnsupportedArchive(msg)) => {
                return Ok(Entry::Skipped(Some(format!("{raw_name}: {msg}"))));
            }
            Err(e) => return Err(invalid(format!("member {}: {e}", i + 1))),
        };
        let name = file
            .enclosed_name()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|| file.name().replace("..", "_"))
            .replace("!/", "_/");
        if file.is_dir() || file.is_symlink() {
            return Ok(Entry::Skipped(None));
        }
        if file.encrypted() {
            return Ok(Entry::Skipped(Some(format!("{name}: encrypted member"))));
        }
        if budget.members_left == 0 {
            return Err(ExtractError::Limit(format!(
                "too many members: {name} is past the limit on documents inside one file"
            )));
        }
        budget.members_left -= 1;
        let declared = file.size();
        let packed = file.compressed_size().max(1);
        if declared > BOMB_MIN_BYTES && declared / packed > BOMB_RATIO {
            return Err(ExtractError::Limit(format!(
                "zip bomb: {name} would expand {packed} bytes to {declared} (ratio over {BOMB_RATIO}:1)"
            )));
        }
        if declared > budget.max_member {
            budget.members_left += 1;
            return Ok(Entry::Skipped(Some(format!(
                "{name}: passed over, {} MiB is more than the {} MiB a member may have",
                declared >> 20,
                budget.max_member >> 20
            ))));
        }
        if declared > budget.bytes_left {
            return Err(ExtractError::Limit(format!(
                "zip bomb: {name} expands to {} MiB, more than the {} MiB left for this file's contents",
                declared >> 20,
                budget.bytes_left >> 20
            )));
        }
        let mut out = Vec::with_capacity(declared.min(1 << 20) as usize);
        let cap = budget.bytes_left.min(budget.max_member);
        file.take(cap.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| invalid(format!("{name}: {e}")))?;
        let got = out.len() as u64;
        if got > cap {
            return Err(ExtractError::Limit(format!(
                "zip bomb: {name} expands past its declared size of {declared} bytes and the {} MiB allowed",
                cap >> 20
            )));
        }
        budget.bytes_left -= got;
        Ok(Entry::File(name, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in files {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_members_and_charges_the_budget() {
        let z = zip_of(&[("a.txt", b"hello"), ("b/c.txt", b"world!")]);
        let mut a = Archive::open(&z).unwrap();
        let mut budget = Budget {
            members_left: 10,
            bytes_left: 100,
            max_member: 100,
        };
        assert_eq!(
            a.member(0, &mut budget).unwrap(),
            Entry::File("a.txt".into(), b"hello".to_vec())
        );
        assert_eq!(
            a.member(1, &mut budget).unwrap(),
            Entry::File("b/c.txt".into(), b"world!".to_vec())
        );
        assert_eq!(
            budget,
            Budget {
                members_left: 8,
                bytes_left: 89,
                max_member: 100
            }
        );
    }

    #[test]
    fn over_budget_is_a_clear_error() {
        let z = zip_of(&[("big.txt", &[b'a'; 5000])]);
        let mut a = Archive::open(&z).unwrap();
        let mut budget = Budget {
            members_left: 10,
            bytes_left: 1000,
            max_member: 1 << 20,
        };
        let e = a.member(0, &mut budget).unwrap_err().to_string();
        assert!(e.contains("zip bomb") && e.contains("big.txt"), "{e}");
        let mut small = Budget {
            members_left: 10,
            bytes_left: 1 << 20,
            max_member: 1000,
        };
        assert!(matches!(
            a.member(0, &mut small).unwrap(),
            Entry::Skipped(Some(w)) if w.contains("passed over")
        ));
        assert_eq!(small.members_left, 10);
        let mut none = Budget {
            members_left: 0,
            bytes_left: 1 << 20,
            max_member: 1 << 20,
        };
        let e = a.member(0, &mut none).unwrap_err().to_string();
        assert!(e.contains("too many members"), "{e}");
    }

    #[test]
    fn junk_is_invalid() {
        assert!(Archive::open(b"PK\x03\x04garbage").is_err());
    }
}
