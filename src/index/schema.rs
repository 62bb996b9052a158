//! The index schema: one tantivy document per passage, plus one record per file (the
//! catalogue used for incremental indexing). Field names are the ones users type in queries
//! (`tag:bribery`, `modality:alleged`, `path:`, `title:`, `page:`, `kind:`).

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED,
    STRING, TEXT,
};

/// Record type of a passage document.
pub const REC_PASSAGE: &str = "passage";
/// Record type of a file (catalogue) document.
pub const REC_FILE: &str = "file";
/// The tokenizer of the `text` field: English stemming, so `bribes` finds `bribed`.
pub const TEXT_TOKENIZER: &str = super::tokenize::STEM;
/// The tokenizer of the `text_exact` field: words, lower-cased, not stemmed.
pub const EXACT_TOKENIZER: &str = super::tokenize::EXACT;

/// Handles to every field of the schema.
#[derive(Debug, Clone)]
pub struct Fields {
    /// `passage` or `file`.
    pub rec: Field,
    /// Canonical absolute path: the key for updates and deletes.
    pub key: Field,
    /// Document hash (hex BLAKE3).
    pub doc: Field,
    /// Path as indexed (tokenised, searchable with `path:`).
    pub path: Field,
    /// Title (searchable with `title:`).
    pub title: Field,
    /// File format: `pdf`, `text`, `markdown`, `html`.
    pub format: Field,
    /// Document kind: `court`, `report`, `press`, `other`.
    pub kind: Field,
    /// Passage language (ISO 639-1 where known, `und` otherwise).
    pub lang: Field,
    /// Document year, when known.
    pub year: Field,
    /// 1-based page number.
    pub page: Field,
    /// 1-based passage number within the page.
    pub passage: Field,
    /// Byte range of the passage in the page text.
    pub start: Field,
    /// End of that range.
    pub end: Field,
    /// Passage text (stemmed, with positions, stored).
    pub text: Field,
    /// Passage text again, unstemmed, for exact phrases and fuzzy terms (not stored).
    pub text_exact: Field,
    /// Category ids of the passage's tags.
    pub tag: Field,
    /// Modalities of the passage's tags.
    pub modality: Field,
    /// `category/modality` pairs, for filters that combine both.
    pub tagmod: Field,
    /// The tags as JSON (rules, spans, scores).
    pub tags_json: Field,
    /// The entities as JSON.
    pub entities_json: Field,
    /// The passage offset map as JSON.
    pub offsets_json: Field,
    /// Dictionary version that produced the tags.
    pub dict_version: Field,
    /// File size (file records).
    pub size: Field,
    /// File modification time in ns (file records).
    pub mtime: Field,
    /// Number of pages (file records).
    pub pages: Field,
    /// Number of passages (file records).
    pub passages: Field,
}

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let stored_only = TextOptions::default().set_stored();
    let text_opts = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TEXT_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        rec: b.add_text_field("rec", STRING),
        key: b.add_text_field("key", STRING | STORED | FAST),
        doc: b.add_text_field("doc", STRING | STORED),
        path: b.add_text_field("path", TEXT | STORED),
        title: b.add_text_field("title", TEXT | STORED),
        format: b.add_text_field("format", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED | FAST),
        lang: b.add_text_field("lang", STRING | STORED | FAST),
        year: b.add_u64_field("year", INDEXED | STORED | FAST),
        page: b.add_u64_field("page", INDEXED | STORED | FAST),
        passage: b.add_u64_field("passage", STORED | FAST),
        start: b.add_u64_field("start", STORED),
        end: b.add_u64_field("end", STORED),
        text: b.add_text_field("text", text_opts),
        text_exact: b.add_text_field(
            "text_exact",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(EXACT_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        ),
        tag: b.add_text_field("tag", STRING | FAST),
        modality: b.add_text_field("modality", STRING | FAST),
        tagmod: b.add_text_field("tagmod", STRING),
        tags_json: b.add_text_field("tags_json", stored_only.clone()),
        entities_json: b.add_text_field("entities_json", stored_only.clone()),
        offsets_json: b.add_text_field("offsets_json", stored_only.clone()),
        dict_version: b.add_text_field("dict_version", stored_only),
        size: b.add_u64_field("size", STORED),
        mtime: b.add_u64_field("mtime", STORED),
        pages: b.add_u64_field("pages", STORED),
        passages: b.add_u64_field("passages", STORED),
    };
    (b.build(), fields)
}
