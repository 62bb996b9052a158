//! Tagging: a compiled codebook applied to a text.
//!
//! Interface placeholder: [`Tagger::new`], [`Tagger::tag`] and [`Tagger::version`] are the
//! contract the rest of the crate uses.

use crate::codebook::{Codebook, CodebookError};
use crate::model::Tagging;

/// A compiled codebook; built once, shared across threads.
#[derive(Debug, Clone)]
pub struct Tagger {
    version: String,
}

impl Tagger {
    /// Compiles a codebook.
    pub fn new(codebook: &Codebook) -> Result<Tagger, CodebookError> {
        Ok(Tagger {
            version: codebook.version.clone(),
        })
    }

    /// Tags one text (a passage). Spans are byte ranges into `text`.
    pub fn tag(&self, text: &str) -> Tagging {
        let _ = text;
        Tagging::default()
    }

    /// The codebook version that produced the tags.
    pub fn version(&self) -> &str {
        &self.version
    }
}
