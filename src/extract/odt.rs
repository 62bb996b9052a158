//! OpenDocument text (ODT): body text, tables, footnotes and endnotes; headers and footers
//! kept apart as page furniture.
//!
//! The body is `content.xml`: paragraphs and headings (`text:p`, `text:h`) separated by a
//! blank line, table rows one line each with cells separated by ` | `, whitespace collapsed as
//! the format says (`text:s`, `text:tab`, `text:line-break` restore spaces, tabs and breaks).
//! Notes are written inline (`text:note`): their bodies are taken out of the running text and
//! follow the body on the last page as `[n] text`. Comments (`office:annotation`) and the
//! record of tracked changes are left out. Pages follow the soft page breaks the writing
//! application recorded (`text:soft-page-break`). Headers and footers come from the master
//! pages in `styles.xml`. Title, author and creation date come from `meta.xml`.

use super::office::{self, Dialect};
use super::{ExtractError, Extracted, Limits};
use crate::model::{DocKind, Furniture, FurnitureKind, Page};
use std::collections::BTreeMap;

const SKIP: &[&[u8]] = &[
    b"annotation",
    b"tracked-changes",
    b"note-citation",
    b"automatic-styles",
    b"font-face-decls",
    b"scripts",
    b"sequence-decls",
];

const BODY: Dialect = Dialect {
    paragraph: &[b"p", b"h"],
    text: None,
    tab: &[b"tab"],
    line_break: &[b"line-break"],
    spaces: &[b"s"],
    skip: SKIP,
    row: &[b"table-row"],
    cell: &[b"table-cell", b"covered-table-cell"],
    page_break: &[b"soft-page-break"],
    break_type_page: None,
    note_body: &[b"note-body"],
};

const HEADERS: Dialect = Dialect {
    note_body: &[b"header", b"header-left", b"header-first"],
    ..BODY
};

const FOOTERS: Dialect = Dialect {
    note_body: &[b"footer", b"footer-left", b"footer-first"],
    ..BODY
};

/// Reads an ODT file; returns the text and the metadata (`author`, `created`).
pub fn extract(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Extracted, BTreeMap<String, String>), ExtractError> {
    let kind = DocKind::Odt;
    let mut zip = office::open(bytes, kind)?;
    let content = office::member(&mut zip, "content.xml", kind, limits)?.ok_or_else(|| {
        ExtractError::Invalid {
            kind,
            reason: "no content.xml".into(),
        }
    })?;
    let walked = office::walk(&content, &BODY, kind, "content.xml")?;
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
    if let Some(last) = pages.last_mut() {
        for (i, n) in walked.notes.iter().enumerate() {
            if !last.text.is_empty() {
                last.text.push_str("\n\n");
            }
            last.text.push_str(&format!("[{}] {n}", i + 1));
        }
    }

    let mut furniture: Vec<Furniture> = Vec::new();
    if let Ok(Some(styles)) = office::member(&mut zip, "styles.xml", kind, limits) {
        for (dialect, fkind) in [
            (&HEADERS, FurnitureKind::Header),
            (&FOOTERS, FurnitureKind::Footer),
        ] {
            match office::walk(&styles, dialect, kind, "styles.xml") {
                Ok(w) => {
                    for text in w.notes {
                        if !furniture.iter().any(|f| f.text == text) {
                            furniture.push(Furniture { kind: fkind, text });
                        }
                    }
                }
                Err(e) => {
                    out.warnings.push(e.to_string());
                    break;
                }
            }
        }
    }
    for p in &mut pages {
        p.furniture = furniture.clone();
    }

    let mut meta = BTreeMap::new();
    if let Ok(Some(m)) = office::member(&mut zip, "meta.xml", kind, limits) {
        out.title = office::first_text(&m, b"title");
        if let Some(a) = office::first_text(&m, b"initial-creator")
            .or_else(|| office::first_text(&m, b"creator"))
        {
            meta.insert("author".to_owned(), a);
        }
        if let Some(d) = office::first_text(&m, b"creation-date") {
            out.date = Some(d.clone());
            meta.insert("created".to_owned(), d);
        }
    }
    out.pages = pages;
    Ok((out, meta))
}
