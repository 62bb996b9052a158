//! Ingest: which files to read, what they are, and who they are.
//!
//! [`walk()`] lists the files below the given paths (recursively, hidden folders such as
//! `.git` and `.redflag` skipped); [`sniff()`] identifies a file's format by its content
//! (magic bytes) and then its extension; [`hash`] gives the document identity (hex BLAKE3
//! of the bytes). Nothing here parses a document.

pub mod sniff;
pub mod walk;

pub use sniff::{sniff, Sniffed};
pub use walk::{walk, WalkEntry, WalkError};

/// The document identity: hex BLAKE3 of the file's bytes.
pub fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The bytes read from an indexed file's place are no longer the ones indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the file changed since it was indexed; run `redflag index` again")]
pub struct SourceChanged;

/// Checks that `bytes` are still the document indexed as `doc` (its hash), before anything
/// is cited from them or marked on them.
pub fn verify(bytes: &[u8], doc: &str) -> Result<(), SourceChanged> {
    if blake3::hash(bytes).to_hex().as_str() == doc {
        Ok(())
    } else {
        Err(SourceChanged)
    }
}
