//! The serde mirror of a dictionary file: exactly the TOML keys the format allows.
//!
//! Every struct denies unknown fields, so a typo (`wieght = 1`) is an error with a line number
//! instead of a silently ignored rule. The typed, validated form lives in [`super`]; this module
//! only describes the shape. See `dictionaries/README.md` for the format in prose.

use serde::Deserialize;
use toml::Spanned;

/// What a file contributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawKind {
    /// Rules for one category (a corruption indicator or a context category).
    Category,
    /// Named term lists that rules refer to as `@name`.
    Lexicon,
    /// Modality cues and scope terminators.
    Modality,
}

/// Terms per language. `id` is Indonesian, `ms` Malay.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTerms {
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub id: Vec<String>,
    #[serde(default)]
    pub ms: Vec<String>,
    #[serde(default)]
    pub tl: Vec<String>,
    #[serde(default)]
    pub vi: Vec<String>,
    #[serde(default)]
    pub th: Vec<String>,
}

impl RawTerms {
    /// `(language, term)` pairs in a stable order.
    pub fn pairs(&self) -> Vec<(&'static str, &String)> {
        let mut out = Vec::new();
        for (lang, list) in [
            ("en", &self.en),
            ("id", &self.id),
            ("ms", &self.ms),
            ("tl", &self.tl),
            ("vi", &self.vi),
            ("th", &self.th),
        ] {
            out.extend(list.iter().map(|t| (lang, t)));
        }
        out
    }
}

/// One dictionary file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub id: Spanned<String>,
    pub version: String,
    pub kind: RawKind,
    pub description: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub context: bool,
    pub threshold: Option<f32>,
    #[serde(default)]
    pub rule: Vec<RawRule>,
    #[serde(default)]
    pub exclude: Vec<RawRule>,
    #[serde(default)]
    pub example: Vec<RawExample>,
    #[serde(default)]
    pub lexicon: std::collections::BTreeMap<String, RawLexicon>,
    #[serde(default)]
    pub cue: Vec<RawCue>,
    pub terminators: Option<RawTerms>,
    pub negators: Option<RawTerms>,
}

/// A rule (`[[rule]]`) or an exclusion (`[[exclude]]`, where `weight` is ignored).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub id: Spanned<String>,
    pub weight: Option<f32>,
    #[serde(default)]
    pub description: String,
    pub terms: Option<RawTerms>,
    pub near: Option<Vec<String>>,
    pub window: Option<u32>,
    pub scope: Option<String>,
    pub regex: Option<String>,
    pub prefilter: Option<Vec<String>>,
    pub requires: Option<Vec<String>>,
    #[serde(default)]
    pub unless: Vec<String>,
    #[serde(default, rename = "match")]
    pub matches: Vec<String>,
    #[serde(default)]
    pub no_match: Vec<String>,
}

/// A category-level example: a sentence and the modality the category must get
/// (`"none"`: the category must not be tagged).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExample {
    pub text: Spanned<String>,
    pub modality: String,
}

/// A named lexicon (`[lexicon.NAME]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLexicon {
    #[serde(default)]
    pub description: String,
    pub entity: Option<String>,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub id: Vec<String>,
    #[serde(default)]
    pub ms: Vec<String>,
    #[serde(default)]
    pub tl: Vec<String>,
    #[serde(default)]
    pub vi: Vec<String>,
    #[serde(default)]
    pub th: Vec<String>,
}

impl RawLexicon {
    /// The terms as a [`RawTerms`].
    pub fn terms(&self) -> RawTerms {
        RawTerms {
            en: self.en.clone(),
            id: self.id.clone(),
            ms: self.ms.clone(),
            tl: self.tl.clone(),
            vi: self.vi.clone(),
            th: self.th.clone(),
        }
    }
}

/// A modality cue (`[[cue]]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCue {
    pub id: Spanned<String>,
    pub modality: String,
    pub scope: String,
    pub window: Option<u32>,
    pub terms: RawTerms,
}
