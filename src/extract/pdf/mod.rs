//! PDF: the only module that reads PDF objects (through lopdf).
//!
//! Interim reader: lopdf's own per-page text. The layout-aware content-stream interpreter
//! (fonts, positions, reading order, furniture) replaces it.

use super::{ExtractError, Extracted, Limits};
use crate::model::{DocKind, Page};

/// Reads a PDF.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| match e {
        lopdf::Error::Decryption(_) => ExtractError::Encrypted,
        e => ExtractError::Invalid {
            kind: DocKind::Pdf,
            reason: e.to_string(),
        },
    })?;
    let mut out = Extracted::default();
    for (i, (num, _)) in doc.get_pages().into_iter().enumerate() {
        if i >= limits.max_pages {
            out.warnings
                .push(format!("limit: more than {} pages", limits.max_pages));
            break;
        }
        let text = match doc.extract_text(&[num]) {
            Ok(t) => t,
            Err(e) => {
                out.warnings.push(format!("page {}: {e}", i + 1));
                String::new()
            }
        };
        out.pages.push(Page {
            number: i as u32 + 1,
            needs_ocr: text.trim().is_empty(),
            text,
            ..Page::default()
        });
    }
    Ok(out)
}
