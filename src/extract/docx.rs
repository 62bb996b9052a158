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
    let mut pages: Vec<Page> = office::into_pages(walked.pages);

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    pub(crate) fn docx(parts: &[(&str, String)]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("[Content_Types].xml", o).unwrap();
        z.write_all(b"<Types/>").unwrap();
        for (name, body) in parts {
            z.start_file(*name, o).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn body_tables_notes_furniture_pages_and_metadata() {
        let body = format!(
            r#"<?xml version="1.0"?><w:document {W}><w:body>
<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>The officer was </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>paid</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t xml:space="preserve"> 500 &amp; more.</w:t></w:r></w:p>
<w:p><w:r><w:delText>deleted words</w:delText><w:instrText>PAGE</w:instrText><w:t>Kept</w:t><w:tab/><w:t>after tab</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Name</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Amount</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Inspector</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>THB 5000</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:br w:type="page"/><w:t>Second page.</w:t></w:r></w:p>
<w:sectPr/></w:body></w:document>"#
        );
        let notes = format!(
            r#"<w:footnotes {W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>Per the audit report.</w:t></w:r></w:p></w:footnote></w:footnotes>"#
        );
        let header = format!(r#"<w:hdr {W}><w:p><w:r><w:t>CONFIDENTIAL</w:t></w:r></w:p></w:hdr>"#);
        let core = r#"<cp:coreProperties xmlns:cp="x" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="d"><dc:title>Payments memo</dc:title><dc:creator>A. Clerk</dc:creator><dcterms:created>2019-03-01T10:00:00Z</dcterms:created></cp:coreProperties>"#;
        let bytes = docx(&[
            ("word/document.xml", body),
            ("word/footnotes.xml", notes),
            ("word/header1.xml", header),
            ("docProps/core.xml", core.to_owned()),
        ]);
        let (e, meta) = extract(&bytes, &Limits::default()).unwrap();
        assert_eq!(e.pages.len(), 2, "{:?}", e.pages);
        let p1 = &e.pages[0].text;
        assert_eq!(
            p1,
            "The officer was paid 500 & more.\n\nKept\tafter tab\n\nName | Amount\nInspector | THB 5000"
        );
        assert_eq!(e.pages[1].text, "Second page.\n\n[1] Per the audit report.");
        assert_eq!(e.pages[0].furniture[0].text, "CONFIDENTIAL");
        assert_eq!(e.pages[0].furniture[0].kind, FurnitureKind::Header);
        assert_eq!(e.title.as_deref(), Some("Payments memo"));
        assert_eq!(meta["author"], "A. Clerk");
        assert_eq!(e.date.as_deref(), Some("2019-03-01T10:00:00Z"));
    }

    #[test]
    fn broken_packages_are_errors() {
        assert!(extract(b"PK\x03\x04junk", &Limits::default()).is_err());
        let no_body = docx(&[("word/styles.xml", "<x/>".into())]);
        assert!(extract(&no_body, &Limits::default())
            .unwrap_err()
            .to_string()
            .contains("word/document.xml"));
        let bad_xml = docx(&[("word/document.xml", "<w:document><w:p></w:x>".into())]);
        assert!(extract(&bad_xml, &Limits::default()).is_err());
    }
}
