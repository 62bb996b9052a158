//! JSONL: one passage per line, the documented and versioned machine format.
//!
//! ```json
//! {"schema":"redflag.passage","version":1,"doc":"<blake3>","path":"r/a.pdf","title":null,
//!  "format":"pdf","kind":"court","lang":"en","year":2019,"page":3,"passage":2,"range":[120,480],"text":"...",
//!  "tags":[{"category":"bribery","modality":"alleged","score":0.9,"rule":"bribery:paid-official",
//!           "spans":[[10,24]],"rules":[...]}],
//!  "entities":[...],"dictionary_version":"..."}
//! ```

use super::{Excerpt, ReviewNote, Sink, FORMAT_VERSION};
use std::collections::HashMap;
use std::io::{self, Write};

/// The JSON object of one excerpt (also used by `search --json`).
pub fn excerpt_json(e: &Excerpt) -> serde_json::Value {
    serde_json::json!({
        "schema": "redflag.passage",
        "version": FORMAT_VERSION,
        "doc": e.doc,
        "path": e.path,
        "title": e.title,
        "format": e.format,
        "kind": e.kind,
        "lang": e.lang,
        "year": e.year,
        "page": e.page,
        "passage": e.passage,
        "range": [e.range.0, e.range.1],
        "text": e.text,
        "tags": e.tags,
        "entities": e.entities,
        "dictionary_version": e.dict_version,
        "ocr_confidence": e.ocr_confidence,
        "metadata": e.metadata,
        "parent": e.parent,
    })
}

/// Writes one JSON object per line.
pub struct JsonlSink<'a> {
    out: Box<dyn Write + 'a>,
    reviews: HashMap<String, ReviewNote>,
}

impl<'a> JsonlSink<'a> {
    /// A sink over `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        JsonlSink {
            out,
            reviews: HashMap::new(),
        }
    }

    /// Adds a `"review": {"status", "note"}` object to every line whose passage has a
    /// decision (keys as [`super::review_key`]).
    pub fn with_reviews(mut self, reviews: HashMap<String, ReviewNote>) -> Self {
        self.reviews = reviews;
        self
    }
}

impl Sink for JsonlSink<'_> {
    fn write(&mut self, e: &Excerpt) -> io::Result<()> {
        let mut v = excerpt_json(e);
        if let Some(r) = self.reviews.get(&super::review_key(e)) {
            v["review"] = serde_json::json!({"status": r.status, "note": r.note});
        }
        serde_json::to_writer(&mut self.out, &v)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
