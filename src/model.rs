//! Plain data that flows through the pipeline: documents, pages, passages, tags, entities.
//!
//! Nothing here does I/O or computes anything beyond trivial accessors. Every offset is a
//! half-open byte range (`start..end`) into a UTF-8 string that the field's doc names.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The format a file was identified as (by content first, then by extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    /// Portable Document Format.
    Pdf,
    /// Plain UTF-8 (or Latin-1) text.
    Text,
    /// Markdown (read as text; the first `#` heading is the title).
    Markdown,
    /// HTML: visible text only, no scripts or styles.
    Html,
    /// Word (Office Open XML) document.
    Docx,
    /// OpenDocument text.
    Odt,
    /// Rich Text Format.
    Rtf,
    /// One e-mail message (RFC 5322, `.eml`); attachments become documents of their own.
    Email,
    /// A mailbox of messages (`From ` separated); each message becomes a document.
    Mbox,
    /// A ZIP archive; each member becomes a document.
    Zip,
    /// A picture (PNG, JPEG, TIFF, GIF, BMP, WebP, JPEG 2000): a scan or photo of a page,
    /// read by OCR.
    Image,
}

impl DocKind {
    /// The lowercase name used in the index and in output formats.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Pdf => "pdf",
            DocKind::Text => "text",
            DocKind::Markdown => "markdown",
            DocKind::Html => "html",
            DocKind::Docx => "docx",
            DocKind::Odt => "odt",
            DocKind::Rtf => "rtf",
            DocKind::Email => "email",
            DocKind::Mbox => "mbox",
            DocKind::Zip => "zip",
            DocKind::Image => "image",
        }
    }

    /// The kind named `name` (as [`DocKind::as_str`] writes it), `None` for another name.
    pub fn parse(name: &str) -> Option<DocKind> {
        [
            DocKind::Pdf,
            DocKind::Text,
            DocKind::Markdown,
            DocKind::Html,
            DocKind::Docx,
            DocKind::Odt,
            DocKind::Rtf,
            DocKind::Email,
            DocKind::Mbox,
            DocKind::Zip,
            DocKind::Image,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }

    /// True for formats that hold other documents (archives, mailboxes, messages with
    /// attachments).
    pub fn is_container(self) -> bool {
        matches!(self, DocKind::Email | DocKind::Mbox | DocKind::Zip)
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An axis-aligned rectangle in PDF user space of the page (points, origin bottom-left,
/// before the page's `/Rotate` is applied): the coordinates a PDF annotation's `/Rect` uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Rect {
    /// Left.
    pub x0: f32,
    /// Bottom.
    pub y0: f32,
    /// Right.
    pub x1: f32,
    /// Top.
    pub y1: f32,
}

impl Rect {
    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }
}

/// Where one character of a page's text was drawn: `start..end` is its byte range in
/// [`Page::text`], `rect` its box on the page.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CharBox {
    /// Byte offset of the character in the page text.
    pub start: u32,
    /// End (exclusive) of the character in the page text.
    pub end: u32,
    /// The glyph's box on the page.
    pub rect: Rect,
}

/// What kind of page furniture a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FurnitureKind {
    /// A running header repeated across pages.
    Header,
    /// A running footer repeated across pages.
    Footer,
    /// A page number ("12", "Page 3 of 9", "- 4 -").
    PageNumber,
    /// Pleading-paper margin line numbers (1-28).
    LineNumber,
}

/// A piece of page furniture kept out of the body text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Furniture {
    /// Header, footer, page number or line number.
    pub kind: FurnitureKind,
    /// The text as it appeared on the page.
    pub text: String,
}

/// Where a piece of page text came from when it is not the page's content stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationKind {
    /// The value of an interactive form field (AcroForm).
    FormField,
    /// A free-text annotation (a note typed onto the page).
    FreeText,
    /// A rubber-stamp annotation.
    Stamp,
}

/// Text of a PDF page that was read from a form field or an annotation: `start..end` is
/// its byte range in [`Page::text`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// Form field, free text or stamp.
    pub kind: AnnotationKind,
    /// Byte offset in the page text.
    pub start: u32,
    /// End (exclusive) in the page text.
    pub end: u32,
    /// The field's full name (`applicant.name`), for form fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One page of a document (text formats have a single page).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Page {
    /// 1-based page number.
    pub number: u32,
    /// The body text in reading order: lines separated by `\n`, paragraphs by a blank line.
    pub text: String,
    /// Headers, footers, page numbers and line numbers removed from `text`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub furniture: Vec<Furniture>,
    /// The page has no usable text layer (image only, or unmapped glyphs only).
    #[serde(default)]
    pub needs_ocr: bool,
    /// Some text on the page came from a font without a usable Unicode mapping.
    #[serde(default)]
    pub suspect: bool,
    /// Character boxes for `text` (PDF only; empty for other formats).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chars: Vec<CharBox>,
    /// Mean Tesseract word confidence (0-100) when the text was read by OCR; `None` for a
    /// text layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr_confidence: Option<f32>,
    /// Parts of `text` read from form fields and annotations (PDF only), appended after the
    /// page's own text, one paragraph each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
}

/// A document after extraction: its identity, metadata and pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Hex BLAKE3 hash of the file's bytes: the document's identity.
    pub hash: String,
    /// The path as the user gave it (display form).
    pub path: String,
    /// The identified format.
    pub kind: DocKind,
    /// PDF metadata title, or the first heading.
    pub title: Option<String>,
    /// The pages, in order.
    pub pages: Vec<Page>,
    /// Non-fatal problems met while reading (a limit hit, a font without mapping, ...).
    pub warnings: Vec<String>,
    /// For a document found inside another (a ZIP member, an e-mail attachment, a message
    /// of a mailbox): the path of the document that holds it. `None` for files on disk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Format metadata worth searching: for e-mail `from`, `to`, `cc`, `date`, `subject`,
    /// `message_id`; for office documents `author`, `created` where the file says.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// A passage: a paragraph-sized piece of one page, the unit that is tagged, indexed and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// 1-based page number.
    pub page: u32,
    /// 1-based number of the passage within its page.
    pub ordinal: u32,
    /// Byte range of the passage in the page text.
    pub range: (usize, usize),
    /// The passage text: the page text of `range` with line breaks folded to spaces and
    /// line-end hyphenation joined. Tag spans point into this string.
    pub text: String,
    /// Pairs `(offset in text, offset in page text)` at every point where the shift between
    /// the two changes; see [`Passage::page_offset`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offset_map: Vec<(usize, usize)>,
}

impl Passage {
    /// Maps a byte offset in [`Passage::text`] to a byte offset in the page text.
    pub fn page_offset(&self, offset: usize) -> usize {
        let idx = self.offset_map.partition_point(|&(p, _)| p <= offset);
        if idx == 0 {
            self.range.0 + offset
        } else {
            let (p, q) = self.offset_map[idx - 1];
            q + (offset - p)
        }
    }
}

/// How a passage presents its corruption claim (see `taxonomy.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    /// Stated as fact by the author.
    Asserted,
    /// Reported, suspected, accused, under investigation.
    Alleged,
    /// Convicted, pleaded guilty, admitted.
    Established,
    /// The person or body concerned denies it.
    Denied,
    /// The text says it did not happen / no evidence.
    Negated,
    /// Could, may, risk of, if; recommendations and statutes.
    Hypothetical,
}

impl Modality {
    /// Every modality, in the precedence order of the taxonomy (strongest first).
    pub const PRECEDENCE: [Modality; 6] = [
        Modality::Established,
        Modality::Asserted,
        Modality::Denied,
        Modality::Negated,
        Modality::Alleged,
        Modality::Hypothetical,
    ];

    /// The lowercase id used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Asserted => "asserted",
            Modality::Alleged => "alleged",
            Modality::Established => "established",
            Modality::Denied => "denied",
            Modality::Negated => "negated",
            Modality::Hypothetical => "hypothetical",
        }
    }

    /// Parses a lowercase id.
    pub fn parse(s: &str) -> Option<Modality> {
        Modality::PRECEDENCE.into_iter().find(|m| m.as_str() == s)
    }

    /// Rank in the precedence order (0 is strongest).
    pub fn rank(self) -> usize {
        Modality::PRECEDENCE
            .iter()
            .position(|m| *m == self)
            .unwrap_or(usize::MAX)
    }
}

impl fmt::Display for Modality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte range in the tagged text, serialised as `[start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "(usize, usize)", into = "(usize, usize)")]
pub struct Span {
    /// Start byte (inclusive).
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
}

impl From<(usize, usize)> for Span {
    fn from((start, end): (usize, usize)) -> Self {
        Span { start, end }
    }
}

impl From<Span> for (usize, usize) {
    fn from(s: Span) -> Self {
        (s.start, s.end)
    }
}

/// One rule that fired for a tag, with the words it matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleHit {
    /// `dictionary-id:rule-id`.
    pub rule: String,
    /// The rule's weight.
    pub weight: f32,
    /// The matched byte spans in the tagged text.
    pub spans: Vec<Span>,
}

/// A category assigned to a passage, with its modality and its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// Category id (`bribery`, `trafficking`, ...).
    pub category: String,
    /// How the passage presents it.
    pub modality: Modality,
    /// Sum of the weights of the rules that fired (capped at 1.0 by the tagger).
    pub score: f32,
    /// The strongest rule that fired (`dictionary-id:rule-id`).
    pub rule: String,
    /// Every matched span, merged over the rules, sorted.
    pub spans: Vec<Span>,
    /// Every rule that fired, strongest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleHit>,
    /// The cue that decided the modality, if any (`"alleged" by cue 'reportedly' at [10, 20]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality_cue: Option<String>,
}

/// Something named in a passage: an amount, an official role, an agency, a country, a case
/// number, a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// `money`, `role`, `agency`, `country`, `case_number`, `date`.
    pub kind: String,
    /// The text as written.
    pub text: String,
    /// A normalised value where one exists (`THB 5000`, `2019-03-01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Where, in the tagged text.
    pub span: Span,
}

/// The tagger's output for one text.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tagging {
    /// Tags, one per category at most, in category order.
    pub tags: Vec<Tag>,
    /// Entities found in the text, in text order.
    pub entities: Vec<Entity>,
}

/// A passage with its tags, ready to index.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedPassage {
    /// The passage.
    pub passage: Passage,
    /// Its tags and entities.
    pub tagging: Tagging,
    /// Its language (see [`crate::classify::language`]).
    pub lang: String,
}

/// Document-level metadata stored with every passage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocMeta {
    /// `court`, `report`, `press`, `other`.
    pub kind: String,
    /// The document's year, when known.
    pub year: Option<u16>,
}
