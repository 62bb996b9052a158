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
    let mut pages: Vec<Page> = office::into_pages(walked.pages);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn odt(content: &str, styles: &str, meta: &str) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("mimetype", stored).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.text")
            .unwrap();
        let o = zip::write::SimpleFileOptions::default();
        for (name, body) in [
            ("content.xml", content),
            ("styles.xml", styles),
            ("meta.xml", meta),
        ] {
            z.start_file(name, o).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    const NS: &str = r#"xmlns:office="o" xmlns:text="t" xmlns:table="b" xmlns:style="s" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="m""#;

    #[test]
    fn body_tables_notes_furniture_pages_and_metadata() {
        let content = format!(
            r#"<office:document-content {NS}><office:automatic-styles><style:style/></office:automatic-styles><office:body><office:text>
<text:h>Report</text:h>
<text:p>The   officer<text:s text:c="2"/>was <text:span>paid</text:span><text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>Per the audit.</text:p></text:note-body></text:note> 500.<office:annotation><text:p>reviewer comment</text:p></office:annotation></text:p>
<table:table><table:table-row><table:table-cell><text:p>Name</text:p></table:table-cell><table:table-cell><text:p>Amount</text:p></table:table-cell></table:table-row></table:table>
<text:p><text:soft-page-break/>Second<text:tab/>page<text:line-break/>next line</text:p>
</office:text></office:body></office:document-content>"#
        );
        let styles = format!(
            r#"<office:document-styles {NS}><office:master-styles><style:master-page><style:header><text:p>CONFIDENTIAL</text:p></style:header><style:footer><text:p>Ministry of Finance</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>"#
        );
        let meta = format!(
            r#"<office:document-meta {NS}><office:meta><dc:title>Memo</dc:title><meta:initial-creator>A. Clerk</meta:initial-creator><meta:creation-date>2019-03-01T10:00:00</meta:creation-date></office:meta></office:document-meta>"#
        );
        let bytes = odt(&content, &styles, &meta);
        assert_eq!(
            crate::ingest::sniff(&bytes, None),
            crate::ingest::Sniffed::Supported(DocKind::Odt)
        );
        let (e, m) = extract(&bytes, &Limits::default()).unwrap();
        assert_eq!(e.pages.len(), 2, "{:?}", e.pages);
        assert_eq!(
            e.pages[0].text,
            "Report\n\nThe officer  was paid 500.\n\nName | Amount"
        );
        assert_eq!(
            e.pages[1].text,
            "Second\tpage\nnext line\n\n[1] Per the audit."
        );
        let f: Vec<(&FurnitureKind, &str)> = e.pages[1]
            .furniture
            .iter()
            .map(|f| (&f.kind, f.text.as_str()))
            .collect();
        assert_eq!(
            f,
            vec![
                (&FurnitureKind::Header, "CONFIDENTIAL"),
                (&FurnitureKind::Footer, "Ministry of Finance")
            ]
        );
        assert_eq!(e.title.as_deref(), Some("Memo"));
        assert_eq!(m["author"], "A. Clerk");
    }

    #[test]
    fn broken_packages_are_errors() {
        assert!(extract(b"PK\x03\x04junk", &Limits::default()).is_err());
        let bad = odt("<office:document-content><text:p>x</text:q>", "", "");
        assert!(extract(&bad, &Limits::default()).is_err());
    }
}
