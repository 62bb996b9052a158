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
