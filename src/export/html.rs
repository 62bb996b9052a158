//! HTML: one self-contained report (inline CSS, no script, no network: a Content-Security-Policy
//! forbids everything else). A legend of the categories, a summary table (documents ×
//! categories, counting tagged passages), then the excerpts grouped by document and page with
//! the matched words highlighted in their category's colour, tag chips with modality and rule,
//! the citation line and a link to the source file at the page (`file:///…/x.pdf#page=12`).
//!
//! Every piece of document text goes through [`escape`]; links are only ever built by
//! [`file_url`] from a path, so they always start with `file://` and are percent-encoded.

use super::{category_color, Excerpt, Sink, SinkOptions};
use crate::model::DocKind;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

/// Collects the excerpts and writes the report when finished (the summary comes first).
pub struct HtmlSink<'a> {
    out: Box<dyn Write + 'a>,
    links: HashMap<String, String>,
    description: String,
    reviews: HashMap<String, super::ReviewNote>,
    excerpts: Vec<Excerpt>,
}

impl<'a> HtmlSink<'a> {
    /// A sink over `out`, with links and description from `opts`.
    pub fn new(out: Box<dyn Write + 'a>, opts: &SinkOptions) -> Self {
        HtmlSink {
            out,
            links: opts.links.clone(),
            description: opts.description.clone(),
            reviews: opts.reviews.clone(),
            excerpts: Vec::new(),
        }
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A `file://` URL for an absolute path (percent-encoded; `None` for a relative path). The
/// only way a link gets into the report, so no other scheme can appear in an `href`.
pub fn file_url(path: &Path) -> Option<String> {
    if !path.is_absolute() {
        return None;
    }
    let s = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    let drive = !s.starts_with('/');
    if drive {
        out.push('/'); // C:/x → file:///C:/x
    }
    for (i, b) in s.bytes().enumerate() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else if drive && i == 1 && b == b':' {
            out.push(':'); // the drive letter's colon
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Some(out)
}

const CSS: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:72em;padding:0 1.5em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:.2em}
h3{font-size:1.05em;color:#555;margin:1.4em 0 .4em}
.meta{color:#666;font-size:.9em}.meta code{font-size:.85em;word-break:break-all}
table.summary{border-collapse:collapse;margin:1em 0;font-size:.9em}
table.summary th,table.summary td{border:1px solid #ccc;padding:.3em .4em;text-align:center}
table.summary th.doc,table.summary td.doc{text-align:left;min-width:12em}
table.summary thead .chip{font-size:.8em;white-space:normal}
div.wrap{overflow-x:auto}
table.summary td.zero{color:#bbb}
.legend{display:flex;flex-wrap:wrap;gap:.4em;padding:0;list-style:none}
article.excerpt{border-left:4px solid #ccc;margin:.8em 0;padding:.3em 1em;background:#fafafa}
article.excerpt.tagged{border-left-color:#e0a800}
p.text{margin:.3em 0;white-space:pre-wrap}
mark{padding:0 .1em;border-radius:2px;color:#000}
ul.tags{display:flex;flex-wrap:wrap;gap:.4em;padding:0;margin:.3em 0;list-style:none}
.chip{display:inline-block;border-radius:1em;padding:.05em .7em;font-size:.85em;color:#000}
.chip .mod{font-weight:600}.chip .rule{color:#444;font-size:.9em}
p.cite{margin:.2em 0;font-style:italic;color:#444}
p.entities{margin:.2em 0;font-size:.85em;color:#555}
a{color:#0645ad}
";

impl HtmlSink<'_> {
    fn render(&self) -> String {
        let ex = &self.excerpts;
        // Categories in first-seen order, each with its CSS class.
        let mut cats: Vec<&str> = Vec::new();
        for e in ex {
            for t in &e.tags {
                if !cats.contains(&t.category.as_str()) {
                    cats.push(&t.category);
                }
            }
        }
        cats.sort_unstable();
        let class = |c: &str| {
            cats.iter()
                .position(|x| *x == c)
                .map_or(String::new(), |i| format!("c{i}"))
        };
        // Documents in order of appearance, each with its excerpts.
        let mut docs: Vec<(&str, &str, Vec<&Excerpt>)> = Vec::new();
        let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
        for e in ex {
            let i = *seen.entry((&e.doc, &e.path)).or_insert_with(|| {
                docs.push((&e.doc, &e.path, Vec::new()));
                docs.len() - 1
            });
            docs[i].2.push(e);
        }
        let mut versions: Vec<&str> = ex.iter().map(|e| e.dict_version.as_str()).collect();
        versions.sort_unstable();
        versions.dedup();
        let mut h =
            String::with_capacity(4096 + ex.iter().map(|e| e.text.len() * 2).sum::<usize>());
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.push_str("<title>redflag excerpts</title>\n<style>");
        h.push_str(CSS);
        for (i, c) in cats.iter().enumerate() {
            let (r, g, b) = category_color(c);
            let _ = writeln!(h, ".c{i}{{background:rgb({r},{g},{b})}}");
        }
        h.push_str("</style>\n</head>\n<body>\n<h1>redflag excerpts</h1>\n");
        let _ = writeln!(
            h,
            "<p class=\"meta\">{} passages from {} documents.{}</p>",
            ex.len(),
            docs.len(),
            if self.description.is_empty() {
                String::new()
            } else {
                format!(" {}", escape(&self.description))
            }
        );
        if let [v] = versions[..] {
            let _ = writeln!(
                h,
                "<p class=\"meta\">Dictionaries: <code>{}</code></p>",
                escape(v)
            );
        }
        if !cats.is_empty() {
            h.push_str("<h2 id=\"legend\">Categories</h2>\n<ul class=\"legend\">\n");
            for c in &cats {
                let _ = writeln!(h, "<li class=\"chip {}\">{}</li>", class(c), escape(c));
            }
            h.push_str("</ul>\n");
        }
        // Summary: one row per document, one column per category, tagged passages counted.
        h.push_str("<h2 id=\"summary\">Summary</h2>\n<div class=\"wrap\"><table class=\"summary\">\n<thead><tr><th class=\"doc\">Document</th>");
        for c in &cats {
            // Long ids may break after an underscore.
            let _ = write!(
                h,
                "<th><span class=\"chip {}\">{}</span></th>",
                class(c),
                escape(c).replace('_', "_<wbr>")
            );
        }
        h.push_str("<th>passages</th></tr></thead>\n<tbody>\n");
        for (i, (_, _, mine)) in docs.iter().enumerate() {
            let title = mine.first().map_or("", |e| e.display_title());
            let _ = write!(
                h,
                "<tr><td class=\"doc\"><a href=\"#doc-{i}\">{}</a></td>",
                escape(title)
            );
            for c in &cats {
                let n = mine
                    .iter()
                    .filter(|e| e.tags.iter().any(|t| t.category == *c))
                    .count();
                let _ = write!(
                    h,
                    "<td{}>{n}</td>",
                    if n == 0 { " class=\"zero\"" } else { "" }
                );
            }
            let _ = writeln!(h, "<td>{}</td></tr>", mine.len());
        }
        h.push_str("</tbody>\n</table></div>\n");
        // Excerpts, grouped by document and page.
        for (i, (doc, path, mine)) in docs.iter().enumerate() {
            let Some(first) = mine.first() else { continue };
            let url = self.links.get(*path);
            let _ = writeln!(
                h,
                "<section class=\"document\" id=\"doc-{i}\">\n<h2>{}</h2>",
                escape(first.display_title())
            );
            let _ = write!(h, "<p class=\"meta\">");
            match url {
                Some(u) => {
                    let _ = write!(h, "<a href=\"{}\">{}</a>", escape(u), escape(path));
                }
                None => h.push_str(&escape(path)),
            }
            let _ = write!(
                h,
                " · {} · BLAKE3 <code>{}</code>",
                escape(first.format.as_str()),
                escape(doc)
            );
            if versions.len() > 1 {
                let _ = write!(
                    h,
                    " · dictionaries <code>{}</code>",
                    escape(&first.dict_version)
                );
            }
            h.push_str("</p>\n");
            let mut page = None;
            for &e in mine {
                if page != Some(e.page) {
                    page = Some(e.page);
                    match url.filter(|_| e.format == DocKind::Pdf) {
                        Some(u) => {
                            let _ = writeln!(
                                h,
                                "<h3>Page {p} · <a href=\"{}#page={p}\">open at this page</a></h3>",
                                escape(u),
                                p = e.page
                            );
                        }
                        None => {
                            let _ = writeln!(h, "<h3>Page {}</h3>", e.page);
                        }
                    }
                }
                self.excerpt(&mut h, e, i, &class);
            }
            h.push_str("</section>\n");
        }
        h.push_str("</body>\n</html>\n");
        h
    }

    fn excerpt(&self, h: &mut String, e: &Excerpt, doc_i: usize, class: &dyn Fn(&str) -> String) {
        let _ = writeln!(
            h,
            "<article class=\"excerpt{}\" id=\"d{doc_i}-p{}-{}\">",
            if e.tags.is_empty() { "" } else { " tagged" },
            e.page,
            e.passage
        );
        h.push_str("<p class=\"text\">");
        for (a, b, cats) in e.marked_pieces() {
            let piece = escape(&e.text[a..b]);
            match cats.first() {
                None => h.push_str(&piece),
                Some(c) => {
                    let _ = write!(
                        h,
                        "<mark class=\"{}\" title=\"{}\">{piece}</mark>",
                        class(c),
                        escape(&cats.join(", "))
                    );
                }
            }
        }
        h.push_str("</p>\n");
        if !e.tags.is_empty() {
            h.push_str("<ul class=\"tags\">");
            for t in &e.tags {
                let _ = write!(
                    h,
                    "<li class=\"chip {}\">{} · <span class=\"mod\">{}</span> · {:.2} · <span class=\"rule\">{}</span></li>",
                    class(&t.category),
                    escape(&t.category),
                    t.modality,
                    t.score,
                    escape(&t.rule)
                );
            }
            h.push_str("</ul>\n");
        }
        if !e.entities.is_empty() {
            let list: Vec<String> = e
                .entities
                .iter()
                .map(|en| format!("{}: {}", escape(&en.kind), escape(&en.text)))
                .collect();
            let _ = writeln!(h, "<p class=\"entities\">{}</p>", list.join(" · "));
        }
        if let Some(r) = self.reviews.get(&super::review_key(e)) {
            let _ = write!(
                h,
                "<p class=\"review\">Review: <strong>{}</strong>",
                escape(&r.status.replace('_', " "))
            );
            if !r.note.is_empty() {
                let _ = write!(h, " · {}", escape(&r.note));
            }
            h.push_str("</p>\n");
        }
        let _ = writeln!(
            h,
            "<p class=\"cite\">{}</p>\n</article>",
            escape(&e.citation_line())
        );
    }
}

impl Sink for HtmlSink<'_> {
    fn write(&mut self, e: &Excerpt) -> io::Result<()> {
        self.excerpts.push(e.clone());
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let page = self.render();
        self.out.write_all(page.as_bytes())?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::excerpt;
    use scraper::{Html, Selector};

    fn render(es: &[Excerpt], links: &[(&str, &str)]) -> String {
        let mut buf = Vec::new();
        {
            let opts = SinkOptions {
                links: links
                    .iter()
                    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                    .collect(),
                ..SinkOptions::default()
            };
            let mut s = HtmlSink::new(Box::new(&mut buf), &opts);
            for e in es {
                s.write(e).unwrap();
            }
            s.finish().unwrap();
        }
        String::from_utf8(buf).unwrap()
    }

    fn sel(s: &str) -> Selector {
        Selector::parse(s).unwrap()
    }

    #[test]
    fn report_has_summary_highlights_chips_citations_and_page_links() {
        let a = excerpt(
            "/r/a b.pdf",
            3,
            2,
            "The guard took a bribe at the gate.",
            &[(17, 22)],
        );
        let mut b = excerpt("/r/c.txt", 1, 1, "Visas were sold for cash.", &[(0, 5)]);
        b.tags[0].category = "fraudulent_documents".into();
        let html = render(&[a, b], &[("/r/a b.pdf", "file:///r/a%20b.pdf")]);
        let doc = Html::parse_document(&html);
        let marks: Vec<String> = doc
            .select(&sel("article mark"))
            .map(|m| m.text().collect())
            .collect();
        assert_eq!(marks, ["bribe", "Visas"]);
        // Summary: 2 documents × 2 categories.
        let rows: Vec<Vec<String>> = doc
            .select(&sel("table.summary tbody tr"))
            .map(|r| r.select(&sel("td")).map(|c| c.text().collect()).collect())
            .collect();
        assert_eq!(rows, [["a b.pdf", "1", "0", "1"], ["c.txt", "0", "1", "1"]]);
        assert_eq!(doc.select(&sel("ul.legend li")).count(), 2);
        let chips: Vec<String> = doc
            .select(&sel("ul.tags li"))
            .map(|m| m.text().collect())
            .collect();
        assert!(
            chips[0].contains("bribery") && chips[0].contains("alleged"),
            "{chips:?}"
        );
        let cites: Vec<String> = doc
            .select(&sel("p.cite"))
            .map(|m| m.text().collect())
            .collect();
        assert_eq!(cites, ["a b.pdf, p. 3, ¶2", "c.txt, p. 1, ¶1"]);
        let hrefs: Vec<&str> = doc
            .select(&sel("a[href^='file:']"))
            .filter_map(|a| a.value().attr("href"))
            .collect();
        assert_eq!(hrefs, ["file:///r/a%20b.pdf", "file:///r/a%20b.pdf#page=3"]);
        // The two colours differ and the marks use their category's class.
        assert!(html.contains(".c0{background:rgb(255,214,102)}"), "{html}");
        assert_eq!(doc.select(&sel("mark.c1")).count(), 1);
        assert!(doc.select(&sel("script")).next().is_none());
    }

    #[test]
    fn document_text_is_escaped_and_no_script_or_javascript_link_appears() {
        let text = "<script>alert(1)</script> <a href=\"javascript:alert(2)\">x</a> & 'q'";
        let mut e = excerpt("/r/<x>.txt", 1, 1, text, &[(0, 8)]);
        e.title = Some("<img src=x onerror=alert(3)>".into());
        e.tags[0].category = "<b>cat\"</b>".into();
        e.tags[0].rule = "r<script>".into();
        let html = render(
            &[e],
            &[("/r/<x>.txt", &file_url(Path::new("/r/<x>.txt")).unwrap())],
        );
        let doc = Html::parse_document(&html);
        assert!(doc.select(&sel("script")).next().is_none(), "{html}");
        assert!(doc.select(&sel("img")).next().is_none(), "{html}");
        assert!(doc.select(&sel("b")).next().is_none(), "{html}");
        for a in doc.select(&sel("a[href]")) {
            let href = a.value().attr("href").unwrap();
            assert!(
                href.starts_with('#') || href.starts_with("file:///"),
                "{href}"
            );
        }
        let body: String = doc.select(&sel("p.text")).next().unwrap().text().collect();
        assert_eq!(body, text);
        let mark: String = doc
            .select(&sel("p.text mark"))
            .next()
            .unwrap()
            .text()
            .collect();
        assert_eq!(mark, "<script>");
        assert!(html.contains("file:///r/%3Cx%3E.txt"), "{html}");
    }

    #[test]
    fn file_urls_are_absolute_and_encoded() {
        assert_eq!(file_url(Path::new("rel/a.pdf")), None);
        assert_eq!(
            file_url(Path::new("/home/a b/ü#1?.pdf")).unwrap(),
            "file:///home/a%20b/%C3%BC%231%3F.pdf"
        );
        assert_eq!(
            file_url(Path::new("/x/javascript:alert(1)")).unwrap(),
            "file:///x/javascript%3Aalert%281%29"
        );
    }

    #[test]
    fn empty_report_is_valid() {
        let html = render(&[], &[]);
        let doc = Html::parse_document(&html);
        assert_eq!(doc.select(&sel("article")).count(), 0);
        assert!(html.contains("0 passages from 0 documents"));
    }
}
