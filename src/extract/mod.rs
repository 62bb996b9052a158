//! Extraction: one reader per format turns a file's bytes into pages of text.
//!
//! [`extract`] dispatches on the [`DocKind`] that ingest identified. Readers never do I/O:
//! they take bytes and [`Limits`] and return an [`Extracted`] value or an [`ExtractError`].
//! Non-fatal problems (a limit hit on one page, a font without a Unicode mapping) are
//! reported as warnings in [`Extracted::warnings`] while the rest of the text is kept.

pub mod html;
pub mod pdf;
pub mod text;

use crate::model::{DocKind, Page};
use std::time::Duration;

/// Resource limits for reading one document. Untrusted input is the normal case: every
/// limit ends the document (or the page) with a clear error instead of a hang or a crash.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest decompressed size of a single stream, in bytes.
    pub max_stream_bytes: usize,
    /// Largest total decompressed size for one document, in bytes.
    pub max_total_bytes: usize,
    /// Most content-stream operators interpreted on one page.
    pub max_ops_per_page: usize,
    /// Deepest nesting of form XObjects, arrays and dictionaries followed.
    pub max_depth: usize,
    /// Most pages read from one document.
    pub max_pages: usize,
    /// Wall-clock budget for one document.
    pub time_budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stream_bytes: 64 << 20,
            max_total_bytes: 512 << 20,
            max_ops_per_page: 2_000_000,
            max_depth: 32,
            max_pages: 20_000,
            time_budget: Duration::from_secs(10),
        }
    }
}

/// What a reader returns: metadata and pages, plus non-fatal warnings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extracted {
    /// Title from metadata or the first heading.
    pub title: Option<String>,
    /// Creation date from metadata, as written there (`D:20190301...`, ISO dates).
    pub date: Option<String>,
    /// Pages in order, numbered from 1.
    pub pages: Vec<Page>,
    /// Non-fatal problems, each a one-line message (page number included where it applies).
    pub warnings: Vec<String>,
}

/// Why a document could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The file is encrypted and the empty user password does not open it.
    #[error("encrypted: needs a password")]
    Encrypted,
    /// The file is damaged beyond repair.
    #[error("damaged: {0}")]
    Damaged(String),
    /// A resource limit was hit before any text could be recovered.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// The bytes are not valid for the format.
    #[error("not a valid {kind} file: {reason}")]
    Invalid {
        /// The format that was expected.
        kind: DocKind,
        /// What was wrong.
        reason: String,
    },
}

/// Reads `bytes` as `kind`.
pub fn extract(bytes: &[u8], kind: DocKind, limits: &Limits) -> Result<Extracted, ExtractError> {
    match kind {
        DocKind::Pdf => pdf::extract(bytes, limits),
        DocKind::Text => Ok(text::extract(bytes, false)),
        DocKind::Markdown => Ok(text::extract(bytes, true)),
        DocKind::Html => Ok(html::extract(bytes)),
    }
}
