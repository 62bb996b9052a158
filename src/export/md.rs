//! Markdown: a memo to hand over. Excerpts grouped by document and page, the tags' matched
//! words in bold, each excerpt followed by its citation line (`title, p. 12, ¶3`) and its
//! tags with modality and rule.
//!
//! Document text is escaped: every Markdown-significant character gets a backslash, so a
//! passage can never open a link, an HTML tag, a heading or a list in the memo.

use super::{Excerpt, Sink};
use std::io::{self, Write};

/// Writes the memo, one section per document and page, as excerpts arrive (in document order).
pub struct MdSink<'a> {
    out: Box<dyn Write + 'a>,
    description: String,
    started: bool,
    doc: Option<(String, String)>,
    page: Option<u32>,
    dict: Option<String>,
    count: usize,
}

impl<'a> MdSink<'a> {
    /// A sink over `out`; `description` (query and filters) goes under the heading.
    pub fn new(out: Box<dyn Write + 'a>, description: &str) -> Self {
        MdSink {
            out,
            description: description.to_owned(),
            started: false,
            doc: None,
            page: None,
            dict: None,
            count: 0,
        }
    }

    fn start(&mut self) -> io::Result<()> {
        if !self.started {
            self.started = true;
            writeln!(self.out, "# redflag excerpts\n")?;
            if !self.description.is_empty() {
                writeln!(self.out, "{}\n", escape(&self.description))?;
            }
        }
        Ok(())
    }
}

/// Escapes Markdown-significant characters with a backslash (CommonMark allows one before any
/// ASCII punctuation) and folds line breaks to spaces. Characters that matter only at the
/// start of a line (`-`, `+`, `=`, `1.`) are escaped there.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let lead = s.len() - s.trim_start().len();
    let digits = s[lead..].bytes().take_while(u8::is_ascii_digit).count();
    for (i, c) in s.char_indices() {
        let at_start = i == lead && matches!(c, '-' | '+' | '=');
        let list_number = digits > 0 && i == lead + digits && matches!(c, '.' | ')');
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '<' | '>' | '#' | '!'
            | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            _ if at_start || list_number => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The passage text with every matched run in bold (adjacent matches of different tags form
/// one run, so no `****` appears); the rest escaped.
fn bold_matches(e: &Excerpt) -> String {
    let mut runs: Vec<(usize, usize, bool)> = Vec::new();
    for (a, b, cats) in e.marked_pieces() {
        let marked = !cats.is_empty();
        match runs.last_mut() {
            Some(last) if last.2 == marked && last.1 == a => last.1 = b,
            _ => runs.push((a, b, marked)),
        }
    }
    let mut out = String::with_capacity(e.text.len() + 16);
    for (a, b, marked) in runs {
        let piece = escape(&e.text[a..b]);
        if !marked || piece.trim().is_empty() {
            out.push_str(&piece);
        } else {
            // Keep surrounding spaces outside the markers so the bold is recognised.
            let lead = piece.len() - piece.trim_start().len();
            let trail = piece.len() - piece.trim_end().len();
            out.push_str(&piece[..lead]);
            out.push_str("**");
            out.push_str(&piece[lead..piece.len() - trail]);
            out.push_str("**");
            out.push_str(&piece[piece.len() - trail..]);
        }
    }
    out
}

fn tags_line(e: &Excerpt) -> String {
    if e.tags.is_empty() {
        return "Tags: none".to_owned();
    }
    let parts: Vec<String> = e
        .tags
        .iter()
        .map(|t| {
            format!(
                "{} ({}, {:.2}; rule {})",
                escape(&t.category),
                t.modality,
                t.score,
                escape(&t.rule)
            )
        })
        .collect();
    format!("Tags: {}", parts.join(" · "))
}

impl Sink for MdSink<'_> {
    fn write(&mut self, e: &Excerpt) -> io::Result<()> {
        self.start()?;
        let key = (e.doc.clone(), e.path.clone());
        if self.doc.as_ref() != Some(&key) {
            writeln!(self.out, "## {}\n", escape(e.display_title()))?;
            writeln!(
                self.out,
                "File: {} · BLAKE3 {}\n",
                escape(&e.path),
                escape(&e.doc)
            )?;
            // The dictionaries, when they differ from the previous document's.
            if self.dict.as_deref() != Some(e.dict_version.as_str()) {
                writeln!(self.out, "Dictionaries: {}\n", escape(&e.dict_version))?;
                self.dict = Some(e.dict_version.clone());
            }
            self.doc = Some(key);
            self.page = None;
        }
        if self.page != Some(e.page) {
            writeln!(self.out, "### Page {}\n", e.page)?;
            self.page = Some(e.page);
        }
        self.count += 1;
        writeln!(self.out, "> {}", bold_matches(e))?;
        writeln!(self.out, ">")?;
        writeln!(self.out, "> — *{}*\n", escape(&e.citation_line()))?;
        writeln!(self.out, "{}\n", tags_line(e))?;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.start()?;
        if self.count == 0 {
            writeln!(self.out, "No passage matched.")?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::excerpt;

    fn render(es: &[Excerpt]) -> String {
        let mut buf = Vec::new();
        {
            let mut s = MdSink::new(Box::new(&mut buf), "query: bribe");
            for e in es {
                s.write(e).unwrap();
            }
            s.finish().unwrap();
        }
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn groups_by_document_and_page_with_bold_matches_and_citations() {
        let a = excerpt(
            "a.pdf",
            2,
            1,
            "The guard took a bribe at the gate.",
            &[(17, 22)],
        );
        let mut b = excerpt(
            "a.pdf",
            2,
            3,
            "Later the clerk took tea money.",
            &[(21, 30)],
        );
        b.title = Some("Border review".into());
        let c = excerpt("b.txt", 1, 1, "Nothing here.", &[]);
        let md = render(&[a, b, c]);
        assert_eq!(
            md.lines().filter(|l| l.starts_with("## ")).count(),
            2,
            "{md}"
        );
        assert_eq!(md.matches("### Page 2").count(), 1, "{md}");
        assert!(md.contains("**bribe**"), "{md}");
        assert!(md.contains("**tea money**"), "{md}");
        assert!(md.contains("*a.pdf, p. 2, ¶1*"), "{md}");
        assert!(md.contains("*Border review, p. 2, ¶3*"), "{md}");
        assert!(
            md.contains("bribery (alleged, 0.80; rule bribery:test)"),
            "{md}"
        );
        assert!(md.contains("Tags: none"), "{md}");
        assert_eq!(md.matches("Dictionaries: test@1").count(), 1, "{md}");
    }

    #[test]
    fn document_text_cannot_inject_markdown_or_html() {
        let e = excerpt(
            "x.txt",
            1,
            1,
            "# Title [click](javascript:alert(1)) <script>alert(1)</script> *x* `y`",
            &[],
        );
        let md = render(&[e]);
        let body = md
            .lines()
            .find(|l| l.starts_with("> ") && l.contains("Title"))
            .unwrap();
        assert!(!body.contains("<script>"), "{body}");
        assert!(body.contains("\\<script\\>"), "{body}");
        assert!(
            body.contains("\\[click\\]\\(javascript:alert\\(1\\)\\)"),
            "{body}"
        );
        assert!(body.starts_with("> \\# Title"), "{body}");
        assert!(body.contains("\\*x\\* \\`y\\`"), "{body}");
    }

    #[test]
    fn overlapping_tags_make_one_bold_run() {
        let mut e = excerpt(
            "a.txt",
            1,
            1,
            "they were accepting bribes daily",
            &[(10, 26)],
        );
        let mut t2 = e.tags[0].clone();
        t2.category = "official_complicity".into();
        t2.spans = vec![crate::model::Span::from((20, 24))];
        e.tags.push(t2);
        assert_eq!(bold_matches(&e), "they were **accepting bribes** daily");
    }

    #[test]
    fn line_start_markers_are_escaped() {
        assert_eq!(escape("- a - b"), "\\- a - b");
        assert_eq!(escape("12. May"), "12\\. May");
        assert_eq!(escape("p. 12."), "p. 12.");
        assert_eq!(escape("a\nb"), "a b");
    }

    #[test]
    fn bad_spans_are_ignored_not_a_panic() {
        let e = excerpt("x.txt", 1, 1, "héllo", &[(1, 2), (3, 99), (4, 2)]);
        let md = render(&[e]);
        assert!(md.contains("> héllo"), "{md}");
        assert!(render(&[]).contains("No passage matched."));
    }
}
