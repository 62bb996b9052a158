//! Format identification: content first (magic bytes), then the extension.
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
    (b"PK\x03\x04", "ZIP archive (or DOCX/ODT/XLSX)"),
    (b"\x89PNG", "PNG image"),
    (b"\xFF\xD8\xFF", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"II*\0", "TIFF image"),
    (b"MM\0*", "TIFF image"),
    (b"%!PS", "PostScript"),
    (b"{\\rtf", "RTF document"),
    (b"\xD0\xCF\x11\xE0", "legacy Office document (DOC/XLS/MSG)"),
    (b"\x1F\x8B", "gzip archive"),
    (b"7z\xBC\xAF", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
    (b"\x7FELF", "executable"),
];

const TEXT_EXT: &[&str] = &["txt", "text", "asc"];
const MD_EXT: &[&str] = &["md", "markdown", "mdown", "mkd"];
const HTML_EXT: &[&str] = &["html", "htm", "xhtml"];

/// Identifies a file from its first bytes (pass at least 8 KiB when the file is that long)
/// and its extension (lower case, without the dot).
pub fn sniff(head: &[u8], ext: Option<&str>) -> Sniffed {
    // %PDF- may follow some junk: the specification allows it within the first 1024 bytes.
    let window = &head[..head.len().min(1024)];
    if memchr::memmem::find(window, b"%PDF-").is_some() {
        return Sniffed::Supported(DocKind::Pdf);
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
    let ext = ext.map(str::to_ascii_lowercase);
    match ext.as_deref() {
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
        assert!(
            matches!(sniff(b"PK\x03\x04...", Some("txt")), Sniffed::Unsupported(r) if r.contains("ZIP"))
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
