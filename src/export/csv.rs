//! CSV: one row per passage, for review in a spreadsheet.
//!
//! Columns (documented in the README): `citation, path, title, page, passage, start, end,
//! categories, modalities, rules, matched, text, doc, dictionary_version, status, reviewer,
//! note`. The last three are for the reviewer: `status` and `note` carry the decision made in
//! `redflag serve` when one exists, else they are empty. UTF-8, optionally with a BOM for
//! spreadsheet programs that need one; fields are quoted as needed so embedded quotes,
//! commas and newlines survive a round trip.

use super::{Excerpt, ReviewNote, Sink};
use std::collections::HashMap;
use std::io::{self, Write};

/// The header row.
pub const COLUMNS: &[&str] = &[
    "citation",
    "path",
    "title",
    "page",
    "passage",
    "start",
    "end",
    "categories",
    "modalities",
    "rules",
    "matched",
    "text",
    "doc",
    "dictionary_version",
    "status",
    "reviewer",
    "note",
];

/// Writes CSV rows.
pub struct CsvSink<'a> {
    w: csv::Writer<Box<dyn Write + 'a>>,
    reviews: HashMap<String, ReviewNote>,
}

impl<'a> CsvSink<'a> {
    /// A sink over `out`, writing the BOM (if asked) and the header row.
    pub fn new(mut out: Box<dyn Write + 'a>, bom: bool) -> io::Result<Self> {
        if bom {
            out.write_all("\u{FEFF}".as_bytes())?;
        }
        let mut w = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(out);
        w.write_record(COLUMNS).map_err(io::Error::other)?;
        Ok(CsvSink {
            w,
            reviews: HashMap::new(),
        })
    }

    /// Fills the `status` and `note` columns from these decisions (keys as
    /// [`super::review_key`]).
    pub fn with_reviews(mut self, reviews: HashMap<String, ReviewNote>) -> Self {
        self.reviews = reviews;
        self
    }
}

impl Sink for CsvSink<'_> {
    fn write(&mut self, e: &Excerpt) -> io::Result<()> {
        let categories: Vec<&str> = e.tags.iter().map(|t| t.category.as_str()).collect();
        let modalities: Vec<String> = e
            .tags
            .iter()
            .map(|t| format!("{}={}", t.category, t.modality))
            .collect();
        let mut rules: Vec<&str> = Vec::new();
        for t in &e.tags {
            for r in t
                .rules
                .iter()
                .map(|r| r.rule.as_str())
                .chain([t.rule.as_str()])
            {
                if !r.is_empty() && !rules.contains(&r) {
                    rules.push(r);
                }
            }
        }
        let review = self.reviews.get(&super::review_key(e));
        let row = [
            e.citation(),
            e.path.clone(),
            e.title.clone().unwrap_or_default(),
            e.page.to_string(),
            e.passage.to_string(),
            e.range.0.to_string(),
            e.range.1.to_string(),
            categories.join("; "),
            modalities.join("; "),
            rules.join("; "),
            e.matched_words().join(" | "),
            e.text.clone(),
            e.doc.clone(),
            e.dict_version.clone(),
            review.map(|r| r.status.clone()).unwrap_or_default(),
            String::new(),
            review.map(|r| r.note.clone()).unwrap_or_default(),
        ];
        self.w.write_record(&row).map_err(io::Error::other)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}
