//! Extraction: one reader per format turns a file's bytes into pages of text.
//!
//! [`extract`] dispatches on the [`DocKind`] that ingest identified. Readers never do I/O:
//! they take bytes and [`Limits`] and return an [`Extracted`] value or an [`ExtractError`].
//! Non-fatal problems (a limit hit on one page, a font without a Unicode mapping) are
//! reported as warnings in [`Extracted::warnings`] while the rest of the text is kept.

pub mod archive;
pub mod docx;
pub mod email;
pub mod html;
pub mod odt;
pub(crate) mod office;
pub mod pdf;
pub mod rtf;
pub mod text;

use crate::model::{DocKind, Page};
use std::collections::BTreeMap;
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

/// Reads `bytes` as `kind`. Containers give their own text only (an e-mail's headers and
/// body; nothing for an archive or a mailbox): see [`read`] for their members.
pub fn extract(bytes: &[u8], kind: DocKind, limits: &Limits) -> Result<Extracted, ExtractError> {
    read(bytes, kind, limits).map(|r| r.extracted)
}

/// A document inside another, found by [`read`]: `name` is its place in the container
/// (`mail/2019.mbox`, `msg-12`, `attachment.pdf`). Archive members are read on demand
/// ([`archive::Archive`]), so only messages and attachments are listed here.
#[derive(Debug, Clone, PartialEq)]
pub struct Member<'a> {
    /// The member's name inside its container (no `!/` in it).
    pub name: String,
    /// Its bytes.
    pub bytes: std::borrow::Cow<'a, [u8]>,
}

/// What [`read`] returns: the text, format metadata, and the members of a container.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Read<'a> {
    /// Title, date, pages, warnings.
    pub extracted: Extracted,
    /// Format metadata (`from`, `to`, `subject`, `author`, ...), see
    /// [`crate::model::Document::metadata`].
    pub metadata: BTreeMap<String, String>,
    /// Messages of a mailbox, attachments of a message.
    pub members: Vec<Member<'a>>,
}

/// Reads `bytes` as `kind`, with metadata and members. A ZIP archive has neither text nor
/// listed members here: the pipeline opens it with [`archive::Archive`] and reads one member
/// at a time, within its size and count limits.
pub fn read<'a>(bytes: &'a [u8], kind: DocKind, limits: &Limits) -> Result<Read<'a>, ExtractError> {
    let plain = |extracted| Read {
        extracted,
        ..Read::default()
    };
    match kind {
        DocKind::Pdf => pdf::extract(bytes, limits).map(plain),
        DocKind::Text => Ok(plain(text::extract(bytes, false))),
        DocKind::Markdown => Ok(plain(text::extract(bytes, true))),
        DocKind::Html => Ok(plain(html::extract(bytes))),
        DocKind::Rtf => rtf::extract(bytes, limits).map(plain),
        DocKind::Docx => docx::extract(bytes, limits).map(|(extracted, metadata)| Read {
            extracted,
            metadata,
            members: Vec::new(),
        }),
        DocKind::Odt => odt::extract(bytes, limits).map(|(extracted, metadata)| Read {
            extracted,
            metadata,
            members: Vec::new(),
        }),
        DocKind::Email => email::read_message(bytes),
        DocKind::Mbox => Ok(email::read_mbox(bytes)),
        DocKind::Zip => Ok(Read::default()),
        // one page, read by OCR in the pipeline
        DocKind::Image => Ok(plain(Extracted {
            pages: vec![Page {
                number: 1,
                needs_ocr: true,
                ..Page::default()
            }],
            ..Extracted::default()
        })),
    }
}
