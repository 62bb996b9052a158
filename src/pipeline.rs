//! One file through extract → segment → tag, the unit of work of every command.
//!
//! [`Pipeline::process`] takes a file's bytes and returns the document with its tagged
//! passages, or a [`DocError`] naming what went wrong. It runs the work under
//! `catch_unwind`, so a bug met on one hostile document becomes an error for that document
//! and the batch goes on.

use crate::classify;
use crate::extract::{self, ExtractError, Limits};
use crate::index::{DocMeta, TaggedPassage};
use crate::ingest::{self, Sniffed};
use crate::model::{DocKind, Document};
use crate::segment::Segmenter;
use crate::tag::Tagger;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Why one document produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// Not a format redflag reads.
    #[error("skipped: {0}")]
    Unsupported(String),
    /// The reader failed.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// A bug: processing panicked. The message is kept for the report.
    #[error("internal error (please report): {0}")]
    Panic(String),
}

impl DocError {
    /// Skips are not failures: the summary lists them apart and they do not change the exit
    /// code.
    pub fn is_skip(&self) -> bool {
        matches!(self, DocError::Unsupported(_))
    }
}

/// A processed document and its tagged passages.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// The document (pages and metadata).
    pub document: Document,
    /// Kind and year.
    pub meta: DocMeta,
    /// Its passages, page by page, each with its tags.
    pub passages: Vec<TaggedPassage>,
}

/// The configured steps, shared by every thread.
#[derive(Debug)]
pub struct Pipeline {
    /// The compiled codebook.
    pub tagger: Tagger,
    /// Passage size policy.
    pub segmenter: Segmenter,
    /// Reader limits.
    pub limits: Limits,
}

impl Pipeline {
    /// Identifies, extracts, segments and tags one file.
    pub fn process(
        &self,
        path: &str,
        ext: Option<&str>,
        bytes: &[u8],
    ) -> Result<Processed, DocError> {
        let kind = match ingest::sniff(&bytes[..bytes.len().min(8192)], ext) {
            Sniffed::Supported(k) => k,
            Sniffed::Unsupported(reason) => return Err(DocError::Unsupported(reason)),
        };
        let result = catch_unwind(AssertUnwindSafe(|| self.process_kind(path, kind, bytes)));
        match result {
            Ok(r) => r,
            Err(payload) => Err(DocError::Panic(panic_message(payload.as_ref()))),
        }
    }

    fn process_kind(&self, path: &str, kind: DocKind, bytes: &[u8]) -> Result<Processed, DocError> {
        let extracted = extract::extract(bytes, kind, &self.limits)?;
        let extracted_date = extracted.date.clone();
        let mut document = Document {
            hash: ingest::hash(bytes),
            path: path.to_owned(),
            kind,
            title: extracted.title,
            pages: extracted.pages,
            warnings: extracted.warnings,
        };
        let passages = self.tag_document(&document);
        let no_text: Vec<u32> = document
            .pages
            .iter()
            .filter(|p| p.needs_ocr)
            .map(|p| p.number)
            .collect();
        if !no_text.is_empty() {
            document.warnings.push(format!(
                "{} of {} pages have no text layer and need OCR (pages {})",
                no_text.len(),
                document.pages.len(),
                page_list(&no_text)
            ));
        } else if passages.is_empty() {
            document.warnings.push("no text found".to_owned());
        }
        let meta = DocMeta {
            kind: classify::kind(&document).to_owned(),
            year: classify::year(&document, extracted_date.as_deref()),
        };
        Ok(Processed {
            document,
            meta,
            passages,
        })
    }

    /// Segments and tags every page of a document.
    pub fn tag_document(&self, document: &Document) -> Vec<TaggedPassage> {
        document
            .pages
            .iter()
            .flat_map(|page| self.segmenter.segment(page.number, &page.text))
            .map(|passage| TaggedPassage {
                tagging: self.tagger.tag(&passage.text),
                lang: classify::language(&passage.text).to_owned(),
                passage,
            })
            .collect()
    }
}

/// `1-3, 7, 9-10`.
fn page_list(pages: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < pages.len() {
        let mut j = i;
        while j + 1 < pages.len() && pages[j + 1] == pages[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            pages[i].to_string()
        } else {
            format!("{}-{}", pages[i], pages[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_lists_are_compact() {
        assert_eq!(page_list(&[1, 2, 3, 7, 9, 10]), "1-3, 7, 9-10");
        assert_eq!(page_list(&[4]), "4");
    }
}
