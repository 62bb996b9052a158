//! Plain text and Markdown: decoding (UTF-8, UTF-16 with BOM, Latin-1 fallback), line ends,
//! and form feeds as page breaks (the way `pdftotext` writes pages).

use super::Extracted;
use crate::model::Page;

/// Decodes bytes to text: UTF-8 (BOM stripped), UTF-16 with a BOM, else Latin-1.
/// Returns the text and whether a fallback decoding was used.
pub fn decode(bytes: &[u8]) -> (String, Option<&'static str>) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), None);
    }
    let utf16 = |le: bool| {
        let units = bytes[2..].chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    };
    if bytes.starts_with(b"\xFF\xFE") {
        return (utf16(true), None);
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return (utf16(false), None);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), None),
        Err(_) => (
            bytes.iter().map(|&b| b as char).collect(),
            Some("not valid UTF-8; read as Latin-1"),
        ),
    }
}

/// Normalises line ends to `\n` and drops NUL and other C0 controls except tab, newline and
/// form feed.
pub fn clean_controls(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.chars()
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t' || c == '\x0c')
        .collect()
}

/// Reads a text or Markdown file. Form feeds separate pages.
pub fn extract(bytes: &[u8], markdown: bool) -> Extracted {
    let (raw, fallback) = decode(bytes);
    let text = clean_controls(&raw);
    let title = if markdown {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix("# ").map(|t| t.trim().to_owned()))
            .filter(|t| !t.is_empty())
    } else {
        None
    };
    let pages = text
        .split('\x0c')
        .enumerate()
        .map(|(i, t)| Page {
            number: i as u32 + 1,
            text: t.to_owned(),
            ..Page::default()
        })
        .collect();
    Extracted {
        title,
        date: None,
        pages,
        warnings: fallback.map(|w| vec![w.to_owned()]).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_feeds_split_pages_and_markdown_title_is_found() {
        let e = extract(b"intro\n# Border report\n\nbody\x0cpage two", true);
        assert_eq!(e.pages.len(), 2);
        assert_eq!(e.pages[1].number, 2);
        assert_eq!(e.pages[1].text, "page two");
        assert_eq!(e.title.as_deref(), Some("Border report"));
    }

    #[test]
    fn latin1_and_utf16_decode() {
        let (s, w) = decode(b"caf\xe9");
        assert_eq!(s, "café");
        assert!(w.is_some());
        let (s, w) = decode(b"\xFF\xFEh\0i\0");
        assert_eq!(s, "hi");
        assert!(w.is_none());
    }

    #[test]
    fn crlf_and_controls_are_cleaned() {
        assert_eq!(clean_controls("a\r\nb\0c\rd"), "a\nbc\nd");
    }
}
