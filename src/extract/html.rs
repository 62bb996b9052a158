//! HTML: the visible text only. Scripts, styles, templates and the `<head>` are skipped;
//! block elements become paragraph breaks; whitespace is collapsed outside `<pre>`.
//! The title is `<title>`, else the first `<h1>`.

use super::text::{clean_controls, decode};
use super::Extracted;
use crate::model::Page;
use scraper::{node::Node, Html};

const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "head", "svg", "iframe", "object", "canvas",
];
const BLOCK: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "dt",
    "dd",
    "dl",
    "hr",
    "main",
    "nav",
    "aside",
    "figure",
    "figcaption",
    "form",
    "address",
    "body",
    "caption",
    "tbody",
    "thead",
];

/// Reads an HTML file.
pub fn extract(bytes: &[u8]) -> Extracted {
    let (raw, fallback) = decode(bytes);
    let doc = Html::parse_document(&raw);
    let mut out = String::new();
    let mut skip = 0usize;
    let mut pre = 0usize;
    let mut title: Option<String> = None;
    let mut in_title = false;
    let mut h1: Option<String> = None;
    let mut h1_depth = 0usize;
    for edge in doc.root_element().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    let name = el.name();
                    if name == "title" {
                        in_title = true;
                    }
                    if SKIP.contains(&name) {
                        skip += 1;
                    } else if skip == 0 {
                        if name == "pre" {
                            pre += 1;
                        }
                        if name == "h1" && h1.is_none() {
                            h1_depth += 1;
                            h1 = Some(String::new());
                        }
                        if name == "br" {
                            out.push('\n');
                        } else if name == "td" || name == "th" {
                            push_space(&mut out);
                        } else if BLOCK.contains(&name) {
                            paragraph_break(&mut out);
                        }
                    }
                }
                Node::Text(t) => {
                    if in_title && title.is_none() {
                        let t = collapse(t);
                        if !t.trim().is_empty() {
                            title = Some(t.trim().to_owned());
                        }
                    }
                    if skip == 0 {
                        if h1_depth > 0 {
                            if let Some(h) = h1.as_mut() {
                                h.push_str(t);
                            }
                        }
                        if pre > 0 {
                            out.push_str(t);
                        } else {
                            let c = collapse(t);
                            if c.starts_with(' ')
                                && (out.is_empty() || out.ends_with(char::is_whitespace))
                            {
                                out.push_str(&c[1..]);
                            } else {
                                out.push_str(&c);
                            }
                        }
                    }
                }
                _ => {}
            },
            ego_tree::iter::Edge::Close(node) => {
                if let Node::Element(el) = node.value() {
                    let name = el.name();
                    if name == "title" {
                        in_title = false;
                    }
                    if SKIP.contains(&name) {
                        skip = skip.saturating_sub(1);
                    } else if skip == 0 {
                        if name == "pre" {
                            pre = pre.saturating_sub(1);
                        }
                        if name == "h1" && h1_depth > 0 {
                            h1_depth -= 1;
                        }
                        if BLOCK.contains(&name) {
                            paragraph_break(&mut out);
                        }
                    }
                }
            }
        }
    }
    let text = clean_controls(&tidy(&out));
    let title = title.or_else(|| {
        h1.map(|h| collapse(&h).trim().to_owned())
            .filter(|h| !h.is_empty())
    });
    Extracted {
        title,
        date: None,
        pages: vec![Page {
            number: 1,
            text,
            ..Page::default()
        }],
        warnings: fallback.map(|w| vec![w.to_owned()]).unwrap_or_default(),
    }
}

fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut ws = false;
    for c in s.chars() {
        if c.is_whitespace() {
            ws = true;
        } else {
            if ws {
                out.push(' ');
                ws = false;
            }
            out.push(c);
        }
    }
    if ws {
        out.push(' ');
    }
    out
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(char::is_whitespace) {
        out.push(' ');
    }
}

fn paragraph_break(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
    if out.is_empty() || out.ends_with("\n\n") {
        return;
    }
    if out.ends_with('\n') {
        out.push('\n');
    } else {
        out.push_str("\n\n");
    }
}

/// Trims spaces at line ends and starts, and runs of more than one blank line.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let l = line.trim_matches(' ');
        if l.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_only() {
        let html = br#"<html><head><title>Raid report</title><style>p{color:red}</style>
            <script>var bribe = 1;</script></head><body><h1>Heading</h1>
            <p>The officer took   a <b>bribe</b>.</p><p>Second<br>line</p>
            <noscript>enable js</noscript></body></html>"#;
        let e = extract(html);
        assert_eq!(e.title.as_deref(), Some("Raid report"));
        let t = &e.pages[0].text;
        assert_eq!(t, "Heading\n\nThe officer took a bribe.\n\nSecond\nline");
    }

    #[test]
    fn h1_is_title_without_title_element() {
        let e = extract(b"<body><h1>  Border   files </h1><p>x</p></body>");
        assert_eq!(e.title.as_deref(), Some("Border files"));
    }
}
