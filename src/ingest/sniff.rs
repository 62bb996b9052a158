//! Format identification: content first (magic bytes), then the extension.
//!
//! Containers and their kin are told apart by content too: a ZIP whose first entries are
//! `mimetype` = `application/vnd.oasis.opendocument.text` is ODT, one with
//! `[Content_Types].xml` and a `word/` part is DOCX (other office packages are skipped with
//! their name), any other ZIP is an archive; `{\rtf` is RTF; a file that opens with a
//! `From ` line followed by header lines is a mailbox, and one that opens with header lines
//! (`From:`, `To:`, `Subject:`, `Date:`, `Message-ID:`, `Received:`, ...) is an e-mail
//! message. Pictures (PNG, JPEG, TIFF, GIF, WebP, JPEG 2000; BMP by extension) are images
//! to read by OCR. [`refine`] looks at a whole ZIP's directory when the first 8 KiB did not tell.
//!
//! A file whose extension promises one format but whose content is another is read as what
//! its content is (a `.pdf` that is really HTML is read as HTML); a file whose content is
//! binary and unknown is skipped with the reason.

use crate::model::DocKind;

/// The outcome of identifying a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// A format redflag reads.
    Supported(DocKind),
    /// Skipped, with the reason for the summary.
    Unsupported(String),
}

/// Known binary formats, for a helpful reason when skipping.
const MAGIC: &[(&[u8], &str)] = &[
    (b"%!PS", "PostScript"),
    (b"\xD0\xCF\x11\xE0", "legacy Office document (DOC/XLS/MSG)"),
    (b"\x1F\x8B", "gzip archive"),
    (b"7z\xBC\xAF", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
    (b"\x7FELF", "executable"),
];

/// Pictures Tesseract (Leptonica) reads: scans and photos of pages, read by OCR.
const IMAGES: &[&[u8]] = &[
    b"\x89PNG\r\n\x1a\n",
    b"\xFF\xD8\xFF",
    b"GIF87a",
    b"GIF89a",
    b"II*\0",
    b"MM\0*",
    b"\0\0\0\x0cjP  \r\n\x87\n",
];

const TEXT_EXT: &[&str] = &["txt", "text", "asc"];
const MD_EXT: &[&str] = &["md", "markdown", "mdown", "mkd"];
const HTML_EXT: &[&str] = &["html", "htm", "xhtml"];
const MAIL_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "content-type",
    "reply-to",
    "delivered-to",
    "x-mailer",
    "sender",
];

/// ZIP-based formats, from the first local entries.
fn sniff_zip(head: &[u8]) -> Sniffed {
    // ODT: the first entry is `mimetype`, stored, holding the media type.
    if head.get(30..38) == Some(b"mimetype") {
        let rest = &head[38..head.len().min(38 + 80)];
        if rest.starts_with(b"application/vnd.oasis.opendocument.text") {
            return Sniffed::Supported(DocKind::Odt);
        }
        if rest.starts_with(b"application/vnd.oasis.opendocument") {
            return Sniffed::Unsupported("unsupported format: OpenDocument other than text".into());
        }
    }
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    if has(b"[Content_Types].xml") || has(b"_rels/.rels") {
        if has(b"word/") {
            return Sniffed::Supported(DocKind::Docx);
        }
        if has(b"xl/") {
            return Sniffed::Unsupported("unsupported format: Excel workbook (XLSX)".into());
        }
        if has(b"ppt/") {
            return Sniffed::Unsupported("unsupported format: PowerPoint (PPTX)".into());
        }
    }
    Sniffed::Supported(DocKind::Zip)
}

/// Looks at a whole file when its head was not enough: a ZIP read as an archive whose
/// directory shows it is a DOCX (`word/document.xml`) or an ODT (`mimetype` + `content.xml`).
pub fn refine(kind: DocKind, bytes: &[u8]) -> Sniffed {
    if kind != DocKind::Zip {
        return Sniffed::Supported(kind);
    }
    let Ok(zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Sniffed::Supported(kind);
    };
    let names: Vec<&str> = zip.file_names().collect();
    if names.contains(&"word/document.xml") && names.contains(&"[Content_Types].xml") {
        return Sniffed::Supported(DocKind::Docx);
    }
    if names.contains(&"content.xml") && names.contains(&"mimetype") {
        return Sniffed::Supported(DocKind::Odt);
    }
    Sniffed::Supported(kind)
}

/// Counts leading RFC 5322 header lines (`Name: value`, folded lines included) and how many
/// of them are well-known mail headers; stops at the first blank line.
fn mail_headers(head: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    let (mut lines, mut known) = (0, 0);
    for line in text.lines().take(60) {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) && lines > 0 {
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return (lines, known);
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return (lines, known);
        }
        lines += 1;
        if MAIL_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            known += 1;
        }
    }
    (lines, known)
}

fn looks_like_email(head: &[u8]) -> bool {
    let (lines, known) = mail_headers(head);
    lines >= 2 && known >= 2
}

fn looks_like_mbox(head: &[u8]) -> bool {
    if !head.starts_with(b"From ") {
        return false;
    }
    let Some(nl) = memchr::memchr(b'\n', head) else {
        return false;
    };
    let (lines, known) = mail_headers(&head[nl + 1..]);
    lines >= 1 && known >= 1
}

/// Identifies a file from its first bytes (pass at least 8 KiB when the file is that long)
/// and its extension (lower case, without the dot).
pub fn sniff(head: &[u8], ext: Option<&str>) -> Sniffed {
    // %PDF- may follow some junk: the specification allows it within the first 1024 bytes.
    let window = &head[..head.len().min(1024)];
    if memchr::memmem::find(window, b"%PDF-").is_some() {
        return Sniffed::Supported(DocKind::Pdf);
    }
    if head.starts_with(b"PK\x03\x04") {
        return sniff_zip(head);
    }
    if head.starts_with(b"{\\rtf") {
        return Sniffed::Supported(DocKind::Rtf);
    }
    if IMAGES.iter().any(|m| head.starts_with(m))
        || (head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP"))
        || (head.starts_with(b"BM") && ext.is_some_and(|e| e.eq_ignore_ascii_case("bmp")))
    {
        return Sniffed::Supported(DocKind::Image);
    }
    for (magic, name) in MAGIC {
        if head.starts_with(magic) {
            return Sniffed::Unsupported(format!("unsupported format: {name}"));
        }
    }
    let utf16 = head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF");
    if !utf16 && head.contains(&0) {
        return Sniffed::Unsupported("binary file of unknown format".into());
    }
    if looks_like_html(head) {
        return Sniffed::Supported(DocKind::Html);
    }
    if looks_like_mbox(head) {
        return Sniffed::Supported(DocKind::Mbox);
    }
    if looks_like_email(head) {
        return Sniffed::Supported(DocKind::Email);
    }
    let ext = ext.map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("eml") => Sniffed::Supported(DocKind::Email),
        Some("mbox" | "mbx") => Sniffed::Supported(DocKind::Mbox),
        Some("pdf") => Sniffed::Unsupported("named .pdf but has no %PDF header".into()),
        Some(e) if HTML_EXT.contains(&e) => Sniffed::Supported(DocKind::Html),
        Some(e) if MD_EXT.contains(&e) => Sniffed::Supported(DocKind::Markdown),
        Some(e) if TEXT_EXT.contains(&e) => Sniffed::Supported(DocKind::Text),
        None => Sniffed::Supported(DocKind::Text),
        Some(e) => Sniffed::Unsupported(format!("unsupported extension .{e}")),
    }
}

fn looks_like_html(head: &[u8]) -> bool {
    let start = head
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(head)
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let lead: Vec<u8> = head[start..head.len().min(start + 512)]
        .iter()
        .map(u8::to_ascii_lowercase)
        .collect();
    lead.starts_with(b"<!doctype html")
        || lead.starts_with(b"<html")
        || (lead.starts_with(b"<") && memchr::memmem::find(&lead, b"<html").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_wins_over_extension() {
        assert_eq!(
            sniff(b"%PDF-1.7\n", Some("txt")),
            Sniffed::Supported(DocKind::Pdf)
        );
        assert_eq!(
            sniff(b"  <!DOCTYPE html><p>x", Some("pdf")),
            Sniffed::Supported(DocKind::Html)
        );
        assert_eq!(
            sniff(b"PK\x03\x04...", Some("txt")),
            Sniffed::Supported(DocKind::Zip)
        );
    }

    #[test]
    fn containers_and_mail() {
        let mut odt = b"PK\x03\x04".to_vec();
        odt.resize(30, 0);
        odt.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.text");
        assert_eq!(sniff(&odt, None), Sniffed::Supported(DocKind::Odt));
        let docx = b"PK\x03\x04\0\0[Content_Types].xml....PK\x03\x04word/document.xml";
        assert_eq!(sniff(docx, Some("zip")), Sniffed::Supported(DocKind::Docx));
        let xlsx = b"PK\x03\x04\0\0[Content_Types].xml....PK\x03\x04xl/workbook.xml";
        assert!(matches!(sniff(xlsx, None), Sniffed::Unsupported(r) if r.contains("XLSX")));
        assert_eq!(
            sniff(b"{\\rtf1\\ansi hello}", None),
            Sniffed::Supported(DocKind::Rtf)
        );
        assert_eq!(
            sniff(
                b"From: a@b.org\r\nTo: c@d.org\r\nSubject: x\r\n\r\nbody",
                None
            ),
            Sniffed::Supported(DocKind::Email)
        );
        assert_eq!(
            sniff(
                b"Received: from x\n  by y\nMessage-ID: <1@x>\n\nbody",
                Some("txt")
            ),
            Sniffed::Supported(DocKind::Email)
        );
        assert_eq!(
            sniff(
                b"From a@b Tue Mar  5 10:00:00 2019\nFrom: a@b\n\nbody",
                None
            ),
            Sniffed::Supported(DocKind::Mbox)
        );
        // prose that merely mentions a header is text
        assert_eq!(
            sniff(
                b"Subject: the report\nIt says the officer was paid.",
                Some("txt")
            ),
            Sniffed::Supported(DocKind::Text)
        );
        assert_eq!(
            sniff(b"hello", Some("eml")),
            Sniffed::Supported(DocKind::Email)
        );
    }

    #[test]
    fn extension_decides_for_text() {
        assert_eq!(
            sniff(b"# Title", Some("md")),
            Sniffed::Supported(DocKind::Markdown)
        );
        assert_eq!(
            sniff(b"hello", Some("TXT")),
            Sniffed::Supported(DocKind::Text)
        );
        assert_eq!(sniff(b"hello", None), Sniffed::Supported(DocKind::Text));
        assert_eq!(
            sniff(b"a,b", Some("csv")),
            Sniffed::Unsupported("unsupported extension .csv".into())
        );
        assert!(matches!(
            sniff(b"junk", Some("pdf")),
            Sniffed::Unsupported(_)
        ));
        assert!(matches!(
            sniff(b"a\0b", Some("txt")),
            Sniffed::Unsupported(_)
        ));
    }
}
