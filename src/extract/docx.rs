//! Word documents (DOCX, Office Open XML): body text, tables, footnotes and endnotes;
//! headers and footers are kept apart as page furniture.
//!
//! The body is `word/document.xml`: paragraphs (`w:p`) separated by a blank line, table rows
//! (`w:tr`) one line each with cells separated by ` | `. Deleted text of tracked changes
//! (`w:delText`), field codes (`w:instrText`) and the fallback copy of alternate content are
//! left out. Pages follow the page breaks Word recorded when the file was last saved
//! (`w:lastRenderedPageBreak`) and explicit ones (`w:br w:type="page"`), so page numbers are
//! close to what the author saw. Footnotes and endnotes (`word/footnotes.xml`,
//! `word/endnotes.xml`) follow the body on the last page, one paragraph each, as `[n] text`.
//! The text of every header and footer part is attached to every page as furniture.
//! Title, author and creation date come from `docProps/core.xml`.

use super::office::{self, Dialect};
use super::{ExtractError, Extracted, Limits};
use crate::model::{DocKind, Furniture, FurnitureKind, Page};
use std::collections::BTreeMap;

const WORD: Dialect = Dialect {
    paragraph: &[b"p"],
    text: Some(&[b"t"]),
    tab: &[b"tab"],
    line_break: &[b"br", b"cr"],
    spaces: &[],
    skip: &[
        b"delText",
        b"instrText",
        b"Fallback",
        b"pPr",
        b"rPr",
        b"sectPr",
        b"footnoteReference",
        b"endnoteReference",
    ],
    row: &[b"tr"],
    cell: &[b"tc"],
    page_break: &[b"lastRenderedPageBreak"],
    break_type_page: Some(b"page"),
    note_body: &[],
};

/// Reads a DOCX file; returns the text and the metadata (`author`, `created`).
pub fn extract(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Extracted, BTreeMap<String, String>), ExtractError> {
    let kind = DocKind::Docx;
    let mut zip = office::open(bytes, kind)?;
    let body = office::member(&mut zip, "word/document.xml", kind, limits)?.ok_or_else(|| {
        ExtractError::Invalid {
            kind,
            reason: "no word/document.xml".into(),
        }
    })?;
    let walked = office::walk(&body, &WORD, kind, "word/document.xml")?;
    let mut out = Extracted::default();
    let mut pages: Vec<Page> = walked
        .pages
        .into_iter()
        .enumerate()
        .map(|(i, text)| Page {
            number: i as u32 + 1,
            text,
            ..Page::default()
        })
        .collect();

    // Footnotes and endnotes: each w:footnote is one note; ids -1 and 0 are separators.
    let mut notes = Vec::new();
    for part in ["word/footnotes.xml", "word/endnotes.xml"] {
        match office::member(&mut zip, part, kind, limits) {
            Ok(Some(xml)) => match office::walk(&xml, &NOTES, kind, part) {
                Ok(w) => notes.extend(w.pages.into_iter().flat_map(|p| {
                    p.split("\n\n")
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })),
                Err(e) => out.warnings.push(e.to_string()),
            },
            Ok(None) => {}
            Err(e) => out.warnings.push(e.to_string()),
        }
    }
    if !notes.is_empty() {
        if let Some(last) = pages.last_mut() {
            for (i, n) in notes.iter().enumerate() {
                if !last.text.is_empty() {
                    last.text.push_str("\n\n");
                }
                last.text.push_str(&format!("[{}] {n}", i + 1));
            }
        }
    }

    // Headers and footers: furniture on every page.
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    let mut furniture = Vec::new();
    for name in names.iter().filter(|n| n.starts_with("word/")) {
        let file = name.trim_start_matches("word/");
        let fkind = if file.starts_with("header") && file.ends_with(".xml") {
            FurnitureKind::Header
        } else if file.starts_with("footer") && file.ends_with(".xml") {
            FurnitureKind::Footer
        } else {
            continue;
        };
        if let Ok(Some(xml)) = office::member(&mut zip, name, kind, limits) {
            if let Ok(w) = office::walk(&xml, &WORD, kind, name) {
                let text = w.pages.join("\n").trim().to_owned();
                if !text.is_empty() && !furniture.iter().any(|f: &Furniture| f.text == text) {
                    furniture.push(Furniture { kind: fkind, text });
                }
            }
        }
    }
    for p in &mut pages {
        p.furniture = furniture.clone();
    }

    let mut meta = BTreeMap::new();
    if let Ok(Some(core)) = office::member(&mut zip, "docProps/core.xml", kind, limits) {
        out.title = office::first_text(&core, b"title");
        if let Some(a) = office::first_text(&core, b"creator") {
            meta.insert("author".to_owned(), a);
        }
        if let Some(d) = office::first_text(&core, b"created") {
            out.date = Some(d.clone());
            meta.insert("created".to_owned(), d);
        }
    }
    out.pages = pages;
    Ok((out, meta))
}

/// Notes parts: like the body, but each `w:footnote`/`w:endnote` is one paragraph and the
/// separator notes (`w:separator`) are skipped.
const NOTES: Dialect = Dialect {
    paragraph: &[b"footnote", b"endnote"],
    text: Some(&[b"t"]),
    tab: &[b"tab"],
    line_break: &[b"br", b"cr"],
    spaces: &[],
    skip: &[
        b"delText",
        b"instrText",
        b"Fallback",
        b"separator",
        b"continuationSeparator",
        b"rPr",
        b"pPr",
    ],
    row: &[b"tr"],
    cell: &[b"tc"],
    page_break: &[],
    break_type_page: None,
    note_body: &[],
};
