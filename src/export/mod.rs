//! Export: one sink per output format, fed passage by passage.
//!
//! Every format is written through [`Sink`], over any `std::io::Write` the caller opened, so
//! this module computes and formats but never chooses where bytes go. [`Excerpt`] is the one
//! shape every format reads: a passage with its citation, tags and entities.
//!
//! JSONL lines carry `"schema": "redflag.passage"` and `"version":` [`FORMAT_VERSION`]; a
//! change to the fields bumps it.

mod csv;
mod jsonl;

pub use self::csv::CsvSink;
pub use self::jsonl::{excerpt_json, JsonlSink};

use crate::index::Hit;
use crate::model::{Entity, Tag};
use std::io;

/// Version of the exported JSONL record.
pub const FORMAT_VERSION: u32 = 1;

/// One exported passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Excerpt {
    /// Document hash.
    pub doc: String,
    /// Path as indexed.
    pub path: String,
    /// Title, if any.
    pub title: Option<String>,
    /// File format of the source (`pdf`, `text`, `markdown`, `html`).
    pub format: String,
    /// Document kind (`court`, `report`, `press`, `other`).
    pub kind: String,
    /// Passage language.
    pub lang: String,
    /// Document year, when known.
    pub year: Option<u16>,
    /// 1-based page.
    pub page: u32,
    /// 1-based passage number within the page.
    pub passage: u32,
    /// Byte range in the page text.
    pub range: (usize, usize),
    /// Passage text.
    pub text: String,
    /// Tags (spans into `text`).
    pub tags: Vec<Tag>,
    /// Entities (spans into `text`).
    pub entities: Vec<Entity>,
    /// Dictionary version that produced the tags.
    pub dict_version: String,
}

impl From<Hit> for Excerpt {
    fn from(h: Hit) -> Self {
        Excerpt {
            doc: h.doc,
            path: h.path,
            title: h.title,
            format: h.format,
            kind: h.kind,
            lang: h.lang,
            year: h.year,
            page: h.page,
            passage: h.passage,
            range: h.range,
            text: h.text,
            tags: h.tags,
            entities: h.entities,
            dict_version: h.dict_version,
        }
    }
}

impl Excerpt {
    /// `path:page` citation.
    pub fn citation(&self) -> String {
        format!("{}:{}", self.path, self.page)
    }

    /// The words each tag matched, in text order, without repeats.
    pub fn matched_words(&self) -> Vec<&str> {
        let mut spans: Vec<_> = self.tags.iter().flat_map(|t| t.spans.iter()).collect();
        spans.sort();
        let mut out: Vec<&str> = Vec::new();
        for s in spans {
            if let Some(w) = self.text.get(s.start..s.end) {
                if !out.contains(&w) {
                    out.push(w);
                }
            }
        }
        out
    }
}

/// The output formats of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A spreadsheet-ready CSV with review columns.
    Csv,
}

/// Receives excerpts in order and writes them in one format.
pub trait Sink {
    /// Writes one excerpt.
    fn write(&mut self, excerpt: &Excerpt) -> io::Result<()>;
    /// Flushes whatever the format needs at the end.
    fn finish(&mut self) -> io::Result<()>;
}

/// A sink for `format` over `out`.
pub fn sink<'a>(
    format: Format,
    out: Box<dyn io::Write + 'a>,
    bom: bool,
) -> io::Result<Box<dyn Sink + 'a>> {
    Ok(match format {
        Format::Jsonl => Box::new(JsonlSink::new(out)),
        Format::Csv => Box::new(CsvSink::new(out, bom)?),
    })
}
