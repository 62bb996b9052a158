//! The index schema: one tantivy document per passage, plus one record per file (the
//! catalogue used for incremental indexing). Field names are the ones users type in queries
//! (`tag:bribery`, `modality:alleged`, `path:`, `title:`, `page:`, `kind:`).

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};

/// Record type of a passage document.
pub const REC_PASSAGE: &str = "passage";
/// Record type of a file (catalogue) document.
pub const REC_FILE: &str = "file";
/// The tokenizer of the `text` field: English stemming, so `bribes` finds `bribed`.
pub const TEXT_TOKENIZER: &str = super::tokenize::STEM;
/// The tokenizer of the `text_exact` field: words, lower-cased, not stemmed.
pub const EXACT_TOKENIZER: &str = super::tokenize::EXACT;
/// The tokenizer of `title`, `path` and the e-mail fields: words, lower-cased.
pub const WORDS_TOKENIZER: &str = super::tokenize::WORDS;

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
    /// Passage text analyzed for its language (not stored), filled only for passages of that
    /// language: (language code, field), from [`super::tokenize::LANG_ANALYZERS`]. Several
    /// codes may share one field (`id`, `ms`).
    pub text_lang: Vec<(&'static str, Field)>,
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
    /// Mean OCR confidence of the passage's page (absent for a text layer).
    pub ocr: Field,
    /// E-mail sender (searchable with `from:`).
    pub from: Field,
    /// E-mail recipients, To and Cc (searchable with `to:`).
    pub to: Field,
    /// E-mail subject (searchable with `subject:`).
    pub subject: Field,
    /// Document author from its properties (searchable with `author:`).
    pub author: Field,
    /// All format metadata as JSON.
    pub meta_json: Field,
    /// Path of the document that holds this one (archive, mailbox, message).
    pub parent: Field,
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
    let words = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORDS_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    let analyzed = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        rec: b.add_text_field("rec", STRING),
        key: b.add_text_field("key", STRING | STORED | FAST),
        doc: b.add_text_field("doc", STRING | STORED),
        path: b.add_text_field("path", words(true)),
        title: b.add_text_field("title", words(true)),
        format: b.add_text_field("format", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED | FAST),
        lang: b.add_text_field("lang", STRING | STORED | FAST),
        year: b.add_u64_field("year", INDEXED | STORED | FAST),
        page: b.add_u64_field("page", INDEXED | STORED | FAST),
        passage: b.add_u64_field("passage", STORED | FAST),
        start: b.add_u64_field("start", STORED),
        end: b.add_u64_field("end", STORED),
        text: b.add_text_field("text", text_opts),
        text_exact: b.add_text_field("text_exact", analyzed(EXACT_TOKENIZER)),
        text_lang: {
            let mut by_name: Vec<(&str, Field)> = Vec::new();
            let mut v: Vec<(&'static str, Field)> = Vec::new();
            for (lang, name, _) in super::tokenize::LANG_ANALYZERS {
                let field = match by_name.iter().find(|(n, _)| n == name) {
                    Some(&(_, f)) => f,
                    None => {
                        let f = b.add_text_field(name, analyzed(name));
                        by_name.push((name, f));
                        f
                    }
                };
                v.push((lang, field));
            }
            v
        },
        tag: b.add_text_field("tag", STRING | FAST),
        modality: b.add_text_field("modality", STRING | FAST),
        tagmod: b.add_text_field("tagmod", STRING),
        tags_json: b.add_text_field("tags_json", stored_only.clone()),
        entities_json: b.add_text_field("entities_json", stored_only.clone()),
        offsets_json: b.add_text_field("offsets_json", stored_only.clone()),
        dict_version: b.add_text_field("dict_version", stored_only.clone()),
        ocr: b.add_f64_field("ocr", STORED),
        from: b.add_text_field("from", words(true)),
        to: b.add_text_field("to", words(true)),
        subject: b.add_text_field("subject", words(true)),
        author: b.add_text_field("author", words(true)),
        meta_json: b.add_text_field("meta_json", stored_only.clone()),
        parent: b.add_text_field("parent", STRING | STORED),
        size: b.add_u64_field("size", STORED),
        mtime: b.add_u64_field("mtime", STORED),
        pages: b.add_u64_field("pages", STORED),
        passages: b.add_u64_field("passages", STORED),
    };
    (b.build(), fields)
}

impl Fields {
    /// The language-analyzed text field of a passage language, if it has one.
    pub fn lang_field(&self, lang: &str) -> Option<Field> {
        self.text_lang
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|&(_, f)| f)
    }

    /// The distinct language-analyzed fields with their analyzer names.
    pub fn lang_fields(&self) -> Vec<(Field, &'static str)> {
        let mut out: Vec<(Field, &'static str)> = Vec::new();
        for (&(_, f), (_, name, _)) in self.text_lang.iter().zip(super::tokenize::LANG_ANALYZERS) {
            if !out.iter().any(|(g, _)| *g == f) {
                out.push((f, name));
            }
        }
        out
    }
}
