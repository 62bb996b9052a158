//! Export: one sink per output format, fed passage by passage.
//!
//! Every format is written through [`Sink`], over any `std::io::Write` the caller opened, so
//! this module computes and formats but never chooses where bytes go. [`Excerpt`] is the one
//! shape every format reads: a passage with its citation, tags and entities.
//!
//! - [`JsonlSink`], [`CsvSink`]: machine formats; [`MdSink`]: a memo; [`HtmlSink`]: one
//!   self-contained report. They all stream through [`sink`].
//! - [`pdf`]: annotated copies of the source PDFs (bytes in, bytes out; the only lopdf writer).
//! - [`mask`]: replaces names, phone numbers and e-mail addresses before any sink sees them.
//! - [`manifest`]: the run record written next to every export.
//!
//! JSONL lines carry `"schema": "redflag.passage"` and `"version":` [`FORMAT_VERSION`]; a
//! change to the fields bumps it.

mod csv;
mod html;
mod jsonl;
pub mod manifest;
pub mod mask;
mod md;
pub mod pdf;

pub use self::csv::CsvSink;
pub use self::html::{escape as html_escape, file_url, HtmlSink};
pub use self::jsonl::{excerpt_json, JsonlSink};
pub use self::md::MdSink;

use crate::index::Hit;
use crate::model::{DocKind, Entity, Tag};
use std::collections::HashMap;
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
    /// File format of the source.
    pub format: DocKind,
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
    /// Mean OCR confidence (0-100) of the page, when its text was read by OCR.
    pub ocr_confidence: Option<f32>,
    /// Format metadata (e-mail from/to/subject/date, document author, ...).
    pub metadata: std::collections::BTreeMap<String, String>,
    /// The document that holds this one (archive, mailbox, message), if any.
    pub parent: Option<String>,
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
            ocr_confidence: h.ocr_confidence,
            metadata: h.metadata,
            parent: h.parent,
        }
    }
}

impl Excerpt {
    /// The excerpt of a passage just tagged (not read back from an index): what `redflag
    /// tag` writes for files.
    pub fn of_passage(
        document: &crate::model::Document,
        meta: &crate::model::DocMeta,
        tp: crate::model::TaggedPassage,
        dict_version: &str,
    ) -> Excerpt {
        Excerpt {
            doc: document.hash.clone(),
            path: document.path.clone(),
            title: document.title.clone(),
            format: document.kind,
            kind: meta.kind.clone(),
            lang: tp.lang,
            year: meta.year,
            page: tp.passage.page,
            passage: tp.passage.ordinal,
            range: tp.passage.range,
            ocr_confidence: document
                .pages
                .iter()
                .find(|pg| pg.number == tp.passage.page)
                .and_then(|pg| pg.ocr_confidence),
            text: tp.passage.text,
            tags: tp.tagging.tags,
            entities: tp.tagging.entities,
            dict_version: dict_version.to_owned(),
            metadata: document.metadata.clone(),
            parent: document.parent.clone(),
        }
    }

    /// `path:page` citation.
    pub fn citation(&self) -> String {
        format!("{}:{}", self.path, self.page)
    }

    /// The title, or the file name when there is none.
    pub fn display_title(&self) -> &str {
        match self.title.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => t,
            _ => self
                .path
                .rsplit(['/', '\\'])
                .next()
                .filter(|n| !n.is_empty())
                .unwrap_or(&self.path),
        }
    }

    /// The citation line of the memo and the report: `title, p. 12, ¶3`.
    pub fn citation_line(&self) -> String {
        format!(
            "{}, p. {}, ¶{}",
            self.display_title(),
            self.page,
            self.passage
        )
    }

    /// The text cut at every tag-span boundary: `(start, end, categories)` pieces covering
    /// the whole text in order, each with the categories whose spans cover it (empty for
    /// unmatched text). Spans outside the text or off a character boundary are ignored.
    pub fn marked_pieces(&self) -> Vec<(usize, usize, Vec<&str>)> {
        let len = self.text.len();
        let ok = |s: &crate::model::Span| {
            s.start < s.end
                && s.end <= len
                && self.text.is_char_boundary(s.start)
                && self.text.is_char_boundary(s.end)
        };
        let mut cuts = vec![0, len];
        for t in &self.tags {
            for s in t.spans.iter().filter(|s| ok(s)) {
                cuts.push(s.start);
                cuts.push(s.end);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut out: Vec<(usize, usize, Vec<&str>)> = Vec::new();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a >= b {
                continue;
            }
            let mut cats: Vec<&str> = Vec::new();
            for t in &self.tags {
                if t.spans.iter().any(|s| ok(s) && s.start <= a && b <= s.end)
                    && !cats.contains(&t.category.as_str())
                {
                    cats.push(t.category.as_str());
                }
            }
            match out.last_mut() {
                Some(last) if last.1 == a && last.2 == cats => last.1 = b,
                _ => out.push((a, b, cats)),
            }
        }
        out
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

/// A colour for a category: fixed for the built-in categories, derived from the name for the
/// others, always light enough to read black text on.
pub fn category_color(category: &str) -> (u8, u8, u8) {
    match category {
        "bribery" => (255, 214, 102),
        "fraudulent_documents" => (255, 170, 128),
        "leaked_information" => (153, 204, 255),
        "obstruction_of_justice" => (204, 170, 255),
        "official_complicity" => (255, 153, 153),
        "extortion" => (255, 153, 204),
        "influence_peddling" => (170, 230, 170),
        "illicit_finance" => (200, 230, 120),
        "impunity" => (190, 190, 190),
        "trafficking" => (128, 222, 234),
        "smuggling" => (180, 200, 255),
        other => {
            let h = blake3::hash(other.as_bytes());
            let b = h.as_bytes();
            (150 + b[0] % 100, 150 + b[1] % 100, 150 + b[2] % 100)
        }
    }
}

/// The output formats of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A spreadsheet-ready CSV with review columns.
    Csv,
    /// A Markdown memo grouped by document and page.
    Md,
    /// One self-contained HTML report.
    Html,
    /// Annotated copies of the source PDFs (not a stream format: see [`pdf`]).
    Pdf,
}

impl Format {
    /// The lowercase name used on the command line and in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Md => "md",
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }
}

/// What some sinks need beyond the excerpts.
#[derive(Debug, Clone, Default)]
pub struct SinkOptions {
    /// CSV: start with a UTF-8 byte-order mark.
    pub bom: bool,
    /// HTML: a `file:` URL per indexed path (see [`file_url`]); paths without one get no link.
    pub links: HashMap<String, String>,
    /// Markdown and HTML: a one-line description of the run (query, filters) for the heading.
    pub description: String,
    /// CSV, JSONL and HTML: review decisions by passage key ([`review_key`]); passages
    /// without one are exported without a status.
    pub reviews: HashMap<String, ReviewNote>,
}

/// A reviewer's decision on a passage, as exports show it (see [`crate::review`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewNote {
    /// `confirmed`, `false_positive` or `follow_up`.
    pub status: String,
    /// The reviewer's note (may be empty).
    pub note: String,
}

/// The review key of an excerpt: `DOC:PAGE:START-END` ([`crate::review::PassageKey`]).
pub fn review_key(e: &Excerpt) -> String {
    crate::review::PassageKey::new(&e.doc, e.page, e.range).to_string()
}

/// Receives excerpts in order and writes them in one format.
pub trait Sink {
    /// Writes one excerpt.
    fn write(&mut self, excerpt: &Excerpt) -> io::Result<()>;
    /// Flushes whatever the format needs at the end.
    fn finish(&mut self) -> io::Result<()>;
}

/// A sink for `format` over `out`. [`Format::Pdf`] has no stream sink (it writes one copy
/// per source file, see [`pdf::annotate`]) and is refused here.
pub fn sink<'a>(
    format: Format,
    out: Box<dyn io::Write + 'a>,
    opts: &SinkOptions,
) -> io::Result<Box<dyn Sink + 'a>> {
    Ok(match format {
        Format::Jsonl => Box::new(JsonlSink::new(out).with_reviews(opts.reviews.clone())),
        Format::Csv => Box::new(CsvSink::new(out, opts.bom)?.with_reviews(opts.reviews.clone())),
        Format::Md => Box::new(MdSink::new(out, &opts.description)),
        Format::Html => Box::new(HtmlSink::new(out, opts)),
        Format::Pdf => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "pdf export writes one file per source document, not a stream",
            ))
        }
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Modality, RuleHit, Span};

    /// A hand-built excerpt with one `bribery` tag (alleged) over `spans`, if any.
    pub(crate) fn excerpt(
        path: &str,
        page: u32,
        passage: u32,
        text: &str,
        spans: &[(usize, usize)],
    ) -> Excerpt {
        let spans: Vec<Span> = spans.iter().map(|&s| Span::from(s)).collect();
        let tags = if spans.is_empty() {
            Vec::new()
        } else {
            vec![Tag {
                category: "bribery".into(),
                modality: Modality::Alleged,
                score: 0.8,
                rule: "bribery:test".into(),
                spans: spans.clone(),
                rules: vec![RuleHit {
                    rule: "bribery:test".into(),
                    weight: 0.8,
                    spans,
                }],
                modality_cue: None,
            }]
        };
        Excerpt {
            doc: format!("hash-of-{path}"),
            path: path.into(),
            title: None,
            format: if path.ends_with(".pdf") {
                DocKind::Pdf
            } else {
                DocKind::Text
            },
            kind: "report".into(),
            lang: "en".into(),
            year: None,
            page,
            passage,
            range: (0, text.len()),
            text: text.into(),
            tags,
            entities: Vec::new(),
            dict_version: "test@1".into(),
            ocr_confidence: None,
            metadata: Default::default(),
            parent: None,
        }
    }

    #[test]
    fn pieces_cover_the_text_and_merge_overlapping_tags() {
        let mut e = excerpt("a.txt", 1, 1, "paid a bribe to the guard", &[(7, 12)]);
        let mut t2 = e.tags[0].clone();
        t2.category = "official_complicity".into();
        t2.spans = vec![Span::from((0, 12)), Span::from((20, 99))];
        e.tags.push(t2);
        let p = e.marked_pieces();
        assert_eq!(
            p,
            vec![
                (0, 7, vec!["official_complicity"]),
                (7, 12, vec!["bribery", "official_complicity"]),
                (12, 25, vec![]),
            ]
        );
        assert_eq!(e.citation_line(), "a.txt, p. 1, ¶1");
        e.title = Some("  ".into());
        e.path = "dir/sub/x.pdf".into();
        assert_eq!(e.display_title(), "x.pdf");
    }
}
