//! Shared machinery of the office readers ([`super::docx`], [`super::odt`]): reading a
//! ZIP package member with a size cap, and one streaming XML walker that turns WordprocessingML
//! or OpenDocument markup into paragraphs, table rows and pages.
//!
//! The walker is driven by a [`Dialect`]: which elements end a paragraph, hold text, stand
//! for a tab, a line break or a page break, make a table row or cell, or are skipped with
//! everything inside (field codes, deleted text, the fallback copy of alternate content).
//! Paragraphs are separated by a blank line, table rows are one line each with cells
//! separated by ` | `.

use super::{ExtractError, Limits};
use crate::model::DocKind;
use quick_xml::events::Event;
use std::io::{Read, Seek};

/// Element names (local names, without prefix) that shape the text.
pub(crate) struct Dialect {
    /// Elements that are a paragraph (their end ends the paragraph).
    pub paragraph: &'static [&'static [u8]],
    /// When set, text counts only inside these elements (`w:t`); otherwise all text inside a
    /// paragraph counts.
    pub text: Option<&'static [&'static [u8]]>,
    /// A tab.
    pub tab: &'static [&'static [u8]],
    /// A line break inside a paragraph.
    pub line_break: &'static [&'static [u8]],
    /// A run of spaces (`text:s`, count in the `c` attribute).
    pub spaces: &'static [&'static [u8]],
    /// Elements skipped with their content.
    pub skip: &'static [&'static [u8]],
    /// A table row.
    pub row: &'static [&'static [u8]],
    /// A table cell.
    pub cell: &'static [&'static [u8]],
    /// An element that starts a new page (`w:lastRenderedPageBreak`, `text:soft-page-break`).
    pub page_break: &'static [&'static [u8]],
    /// The `type` attribute value that makes a line-break element a page break (`w:br
    /// w:type="page"`).
    pub break_type_page: Option<&'static [u8]>,
    /// Notes written inline (ODT `text:note-body`): their text is moved to the notes list.
    pub note_body: &'static [&'static [u8]],
}

/// What the walker found: pages of body text and the text of inline notes.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    /// Body text of each page (at least one).
    pub pages: Vec<String>,
    /// Inline notes (ODT footnotes and endnotes), in order.
    pub notes: Vec<String>,
}

#[derive(Default)]
struct Builder {
    pages: Vec<String>,
    page: String,
    para: String,
    row: Vec<String>,
    in_row: usize,
    /// The page ends with a table row (the next row follows on the next line).
    after_row: bool,
}

impl Builder {
    fn end_para(&mut self) {
        let p = self.para.trim().to_owned();
        self.para.clear();
        if p.is_empty() {
            return;
        }
        if self.in_row > 0 {
            // inside a table cell: paragraphs of a cell are joined by a space
            if let Some(cell) = self.row.last_mut() {
                if !cell.is_empty() {
                    cell.push(' ');
                }
                cell.push_str(&p);
            }
            return;
        }
        if !self.page.is_empty() {
            self.page.push_str("\n\n");
        }
        self.page.push_str(&p);
        self.after_row = false;
    }

    fn end_row(&mut self) {
        let cells: Vec<String> = std::mem::take(&mut self.row)
            .into_iter()
            .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if cells.iter().all(String::is_empty) {
            return;
        }
        if !self.page.is_empty() {
            self.page
                .push_str(if self.after_row { "\n" } else { "\n\n" });
        }
        self.page.push_str(&cells.join(" | "));
        self.after_row = true;
    }

    fn new_page(&mut self) {
        if self.page.trim().is_empty() {
            return;
        }
        self.pages.push(std::mem::take(&mut self.page));
        self.after_row = false;
    }
}

/// Walks one XML part. Malformed XML ends the walk with an error naming the part.
pub(crate) fn walk(
    xml: &[u8],
    d: &Dialect,
    kind: DocKind,
    part: &str,
) -> Result<Walked, ExtractError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut b = Builder::default();
    let mut notes = Vec::new();
    // depth of skipped subtrees, of text elements, of paragraphs
    let mut skip = 0usize;
    let mut in_text = 0usize;
    let mut in_para = 0usize;
    // inline note capture: (depth counter, saved builder)
    let mut note: Option<(usize, Builder)> = None;
    let has = |set: &[&[u8]], name: &[u8]| set.contains(&name);
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| ExtractError::Invalid {
                kind,
                reason: format!("{part}: {e}"),
            })?;
        match ev {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if skip > 0 {
                    skip += 1;
                } else if has(d.skip, name) {
                    skip = 1;
                } else if note.is_none() && has(d.note_body, name) {
                    let saved = std::mem::take(&mut b);
                    note = Some((1, saved));
                } else {
                    if let Some((depth, _)) = note.as_mut() {
                        *depth += 1;
                    }
                    if has(d.paragraph, name) {
                        in_para += 1;
                    } else if d.text.is_some_and(|t| has(t, name)) {
                        in_text += 1;
                    } else if has(d.row, name) {
                        b.in_row += 1;
                        if b.in_row == 1 {
                            b.row.clear();
                        }
                    } else if has(d.cell, name) {
                        b.row.push(String::new());
                    }
                }
            }
            Event::Empty(e) => {
                if skip > 0 {
                    continue;
                }
                let name = e.local_name();
                let name = name.as_ref();
                if has(d.tab, name) {
                    b.para.push('\t');
                } else if has(d.line_break, name) {
                    let page = d.break_type_page.is_some_and(|want| {
                        e.attributes()
                            .flatten()
                            .any(|a| a.key.local_name().as_ref() == b"type" && &*a.value == want)
                    });
                    if page && note.is_none() {
                        b.end_para();
                        b.new_page();
                    } else {
                        b.para.push('\n');
                    }
                } else if has(d.spaces, name) {
                    let n = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == b"c")
                        .and_then(|a| std::str::from_utf8(&a.value).ok()?.parse::<usize>().ok())
                        .unwrap_or(1)
                        .min(64);
                    b.para.extend(std::iter::repeat_n(' ', n));
                } else if has(d.page_break, name) && note.is_none() {
                    // a page break inside a paragraph splits it at the break
                    b.end_para();
                    b.new_page();
                } else if has(d.paragraph, name) {
                    b.end_para();
                } else if has(d.cell, name) {
                    b.row.push(String::new());
                }
            }
            Event::End(e) => {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let name = e.local_name();
                let name = name.as_ref();
                if let Some((depth, _)) = note.as_mut() {
                    *depth -= 1;
                    if *depth == 0 {
                        b.end_para();
                        b.new_page();
                        let text = std::mem::take(&mut b.pages).join("\n\n");
                        if let Some((_, saved)) = note.take() {
                            b = saved;
                        }
                        let text = text.trim();
                        if !text.is_empty() {
                            notes.push(text.to_owned());
                        }
                        continue;
                    }
                }
                if has(d.paragraph, name) {
                    in_para = in_para.saturating_sub(1);
                    b.end_para();
                } else if d.text.is_some_and(|t| has(t, name)) {
                    in_text = in_text.saturating_sub(1);
                } else if has(d.row, name) {
                    b.in_row = b.in_row.saturating_sub(1);
                    if b.in_row == 0 {
                        b.end_row();
                    }
                }
            }
            Event::Text(t) => {
                if skip > 0 || in_para == 0 || (d.text.is_some() && in_text == 0) {
                    continue;
                }
                let s = t.xml10_content().unwrap_or_default();
                if d.text.is_some() {
                    b.para.push_str(&s);
                } else {
                    // ODT: whitespace in markup collapses like HTML
                    push_collapsed(&mut b.para, &s);
                }
            }
            Event::CData(t) if skip == 0 && in_para > 0 && (d.text.is_none() || in_text > 0) => {
                b.para.push_str(&String::from_utf8_lossy(&t));
            }
            Event::GeneralRef(r) => {
                if skip > 0 || in_para == 0 || (d.text.is_some() && in_text == 0) {
                    continue;
                }
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    b.para.push(c);
                } else {
                    let name = r.decode().unwrap_or_default();
                    b.para.push_str(match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            _ => {}
        }
        buf.clear();
    }
    b.end_para();
    if b.in_row > 0 {
        b.end_row();
    }
    b.pages.push(std::mem::take(&mut b.page));
    // drop empty pages but keep at least one
    let mut pages: Vec<String> = b
        .pages
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect();
    if pages.is_empty() {
        pages.push(String::new());
    }
    Ok(Walked { pages, notes })
}

fn push_collapsed(out: &mut String, s: &str) {
    for c in s.chars() {
        if c.is_whitespace() {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

/// Reads one member of an office package, with its size capped by the stream limit (the
/// declared size is not trusted: the copy stops at the cap). `Ok(None)` when absent.
pub(crate) fn member<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    kind: DocKind,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, ExtractError> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => {
            return Err(ExtractError::Invalid {
                kind,
                reason: format!("{name}: {e}"),
            })
        }
    };
    let cap = limits.max_stream_bytes as u64;
    let mut out = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| ExtractError::Invalid {
            kind,
            reason: format!("{name}: {e}"),
        })?;
    if out.len() as u64 > cap {
        return Err(ExtractError::Limit(format!(
            "{name} expands to more than {} MiB",
            cap >> 20
        )));
    }
    Ok(Some(out))
}

/// Opens an office package.
/// Numbered pages from the texts a walk split at page breaks.
pub(crate) fn into_pages(texts: Vec<String>) -> Vec<crate::model::Page> {
    texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| crate::model::Page {
            number: i as u32 + 1,
            text,
            ..crate::model::Page::default()
        })
        .collect()
}

pub(crate) fn open(
    bytes: &[u8],
    kind: DocKind,
) -> Result<zip::ZipArchive<std::io::Cursor<&[u8]>>, ExtractError> {
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| ExtractError::Invalid {
        kind,
        reason: format!("not a readable ZIP package: {e}"),
    })
}

/// The text of the first element with this local name (for `dc:title`, `dc:creator`, ...).
pub(crate) fn first_text(xml: &[u8], local: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut inside = false;
    let mut out = String::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Eof => return None,
            Event::Start(e) if e.local_name().as_ref() == local => inside = true,
            Event::End(e) if inside && e.local_name().as_ref() == local => {
                let t = out.split_whitespace().collect::<Vec<_>>().join(" ");
                return (!t.is_empty()).then_some(t);
            }
            Event::Text(t) if inside => out.push_str(&t.xml10_content().unwrap_or_default()),
            Event::GeneralRef(r) if inside => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else if let Ok(n) = r.decode() {
                    out.push_str(match n.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            _ => {}
        }
        buf.clear();
    }
}
