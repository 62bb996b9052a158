//! PDF: annotated copies of the source PDFs. The only module that writes PDF (with lopdf);
//! bytes in, bytes out: [`crate::cmd`] reads the source and writes the copy.
//!
//! For each tag of each passage, [`plan`] finds the matched words on the page ([`geometry`]:
//! tag spans → page-text ranges → the extractor's [`crate::model::CharBox`]es → one
//! rectangle per line) and [`annotate`] adds a `/Highlight` annotation over them (`/QuadPoints`,
//! `/Rect`, the category's colour, an appearance stream) with a note (`/Contents` and a
//! `/Popup`) listing the tags, modality and rule. A passage whose page has no character boxes
//! gets a `/Text` note (a sticky note in the top-left corner) instead, so nothing is lost.
//!
//! The copy is an incremental update: the original bytes come first, unchanged, and the
//! annotations are appended (ISO 32000-1, 7.5.6), so the source's hash can be checked against
//! the first bytes of the copy.

pub mod geometry;

use super::{category_color, Excerpt};
use crate::model::{Page, Rect, Tag};
use lopdf::{Dictionary, IncrementalDocument, Object, ObjectId, Stream, StringFormat};
use std::collections::BTreeMap;

/// Why a copy could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfExportError {
    /// The source could not be parsed.
    #[error("cannot read the PDF: {0}")]
    Load(String),
    /// A mark names a page the document does not have.
    #[error("page {0} is not in the document")]
    NoPage(u32),
    /// The page tree or an object could not be edited.
    #[error("cannot annotate: {0}")]
    Edit(String),
    /// The copy could not be written.
    #[error("cannot write the copy: {0}")]
    Save(String),
    /// The source is not the file that was indexed any more.
    #[error(transparent)]
    Changed(#[from] crate::ingest::SourceChanged),
    /// The source's text could not be extracted again (for the positions).
    #[error("{0}")]
    Extract(String),
}

/// An annotated copy of a source PDF (its `source` bytes, indexed as `doc`) with `items`
/// marked: checks that the bytes are still the indexed ones, extracts the pages for the
/// character positions, plans the marks and writes them. The one call behind `export
/// --format pdf` and the web page's copies.
pub fn annotate_source(
    source: &[u8],
    doc: &str,
    items: &[Item<'_>],
) -> Result<Annotated, PdfExportError> {
    crate::ingest::verify(source, doc)?;
    let extracted = crate::extract::extract(
        source,
        crate::model::DocKind::Pdf,
        &crate::extract::Limits::default(),
    )
    .map_err(|e| PdfExportError::Extract(e.to_string()))?;
    let marks = plan(items, &extracted.pages);
    annotate(source, &marks)
}

/// [`annotate_source`] for search hits, as they are (no masking): the tagged hits of `doc`
/// are marked, the others ignored.
pub fn annotate_hits(
    source: &[u8],
    doc: &str,
    hits: &[crate::index::Hit],
) -> Result<Annotated, PdfExportError> {
    let tagged: Vec<&crate::index::Hit> = hits
        .iter()
        .filter(|h| h.doc == doc && !h.tags.is_empty())
        .collect();
    let excerpts: Vec<Excerpt> = tagged.iter().map(|h| Excerpt::from((*h).clone())).collect();
    let items: Vec<Item<'_>> = tagged
        .iter()
        .zip(&excerpts)
        .map(|(h, e)| Item {
            excerpt: e,
            shown: e,
            offset_map: &h.offset_map,
        })
        .collect();
    annotate_source(source, doc, &items)
}

/// The copies a batch of passages asks for: one per PDF document with tagged passages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// (document hash, path, indices of its tagged passages), in order of first appearance.
    pub copies: Vec<(String, String, Vec<usize>)>,
    /// Tagged passages of documents that are not PDF (they have no copy).
    pub not_pdf: usize,
}

impl Batch {
    /// Groups the tagged passages of `excerpts` by document.
    pub fn of(excerpts: &[Excerpt]) -> Batch {
        let mut batch = Batch::default();
        let mut at: std::collections::HashMap<(&str, &str), usize> = Default::default();
        for (i, e) in excerpts.iter().enumerate() {
            if e.tags.is_empty() {
                continue;
            }
            if e.format != crate::model::DocKind::Pdf {
                batch.not_pdf += 1;
                continue;
            }
            let slot = *at.entry((&e.doc, &e.path)).or_insert_with(|| {
                batch
                    .copies
                    .push((e.doc.clone(), e.path.clone(), Vec::new()));
                batch.copies.len() - 1
            });
            batch.copies[slot].2.push(i);
        }
        batch
    }
}

/// File names for the copies of a batch: the source's file name, and for a second source of
/// the same name the name prefixed with the first 12 characters of its hash.
#[derive(Debug, Default)]
pub struct CopyNames {
    used: std::collections::HashSet<String>,
}

impl CopyNames {
    /// The name for the copy of `doc`, whose source is called `name`.
    pub fn name(&mut self, name: &str, doc: &str) -> String {
        let name = if self.used.insert(name.to_owned()) {
            name.to_owned()
        } else {
            format!("{}-{name}", doc.chars().take(12).collect::<String>())
        };
        self.used.insert(name.clone());
        name
    }
}

/// One annotation to add: a highlight over `quads` or, if there are none, a note icon.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// 1-based page.
    pub page: u32,
    /// One rectangle per line of matched words (user space of the page, unrotated).
    pub quads: Vec<Rect>,
    /// The category's colour.
    pub color: (u8, u8, u8),
    /// The category (the annotation's subject).
    pub category: String,
    /// The note: tags, modality, rule, citation.
    pub note: String,
}

/// One passage to mark: the excerpt as indexed (for positions), the excerpt as shown (masked,
/// for the note's words) and the passage's offset map (passage text → page text).
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// The excerpt as indexed: its spans are mapped to the page.
    pub excerpt: &'a Excerpt,
    /// The excerpt as exported (masked, if masking is on): the note quotes it.
    pub shown: &'a Excerpt,
    /// [`crate::index::Hit::offset_map`].
    pub offset_map: &'a [(usize, usize)],
}

/// What [`annotate`] did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Annotated {
    /// The copy.
    pub bytes: Vec<u8>,
    /// Highlight annotations added.
    pub highlights: usize,
    /// Note-only annotations added (no character positions on the page).
    pub notes: usize,
}

/// The note of one tag of a passage.
pub fn note_text(shown: &Excerpt, tag: &Tag) -> String {
    let mut s = format!(
        "redflag: {} ({}, score {:.2})\nrule: {}",
        tag.category, tag.modality, tag.score, tag.rule
    );
    let words: Vec<&str> = tag
        .spans
        .iter()
        .filter_map(|sp| shown.text.get(sp.start..sp.end))
        .collect();
    if !words.is_empty() {
        s.push_str("\nmatched: ");
        s.push_str(&words.join(" | "));
    }
    if let Some(cue) = &tag.modality_cue {
        s.push_str("\nmodality cue: ");
        s.push_str(cue);
    }
    let others: Vec<String> = shown
        .tags
        .iter()
        .filter(|t| t.category != tag.category)
        .map(|t| format!("{} ({})", t.category, t.modality))
        .collect();
    if !others.is_empty() {
        s.push_str("\nalso: ");
        s.push_str(&others.join(", "));
    }
    s.push_str(&format!(
        "\ncitation: {}\ndictionaries: {}",
        shown.citation_line(),
        shown.dict_version
    ));
    s
}

/// The marks for `items` on the document's extracted `pages`: one per tag per passage.
pub fn plan(items: &[Item<'_>], pages: &[Page]) -> Vec<Mark> {
    let mut marks = Vec::new();
    for it in items {
        let e = it.excerpt;
        let page = pages.iter().find(|p| p.number == e.page);
        for (i, tag) in e.tags.iter().enumerate() {
            let quads = match page {
                Some(p) => {
                    let ranges =
                        geometry::page_ranges(e.range, it.offset_map, e.text.len(), &tag.spans);
                    geometry::line_rects(p, &ranges)
                }
                None => Vec::new(),
            };
            let shown_tag = it
                .shown
                .tags
                .get(i)
                .filter(|t| t.category == tag.category)
                .unwrap_or(tag);
            marks.push(Mark {
                page: e.page,
                quads,
                color: category_color(&tag.category),
                category: tag.category.clone(),
                note: note_text(it.shown, shown_tag),
            });
        }
    }
    marks
}

/// A PDF text string: literal for printable ASCII, UTF-16BE with a byte-order mark otherwise.
fn text_string(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b) || b == b'\n') {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut b = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            b.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(b, StringFormat::Hexadecimal)
    }
}

fn reals(v: &[f32]) -> Object {
    Object::Array(v.iter().map(|&x| Object::Real(x)).collect())
}

fn rgb(c: (u8, u8, u8)) -> [f32; 3] {
    [c.0 as f32 / 255.0, c.1 as f32 / 255.0, c.2 as f32 / 255.0]
}

/// The page's MediaBox (inherited through the page tree if need be; US Letter if absent).
fn media_box(doc: &lopdf::Document, page: ObjectId) -> Rect {
    let mut id = page;
    for _ in 0..32 {
        let Ok(d) = doc.get_dictionary(id) else { break };
        if let Ok(arr) = d
            .get(b"MediaBox")
            .and_then(|o| doc.dereference(o))
            .and_then(|(_, o)| o.as_array())
        {
            let n: Vec<f32> = arr
                .iter()
                .filter_map(|o| match doc.dereference(o) {
                    Ok((_, Object::Integer(i))) => Some(*i as f32),
                    Ok((_, Object::Real(r))) => Some(*r),
                    _ => None,
                })
                .collect();
            if let [a, b, c, e] = n[..] {
                return Rect {
                    x0: a.min(c),
                    y0: b.min(e),
                    x1: a.max(c),
                    y1: b.max(e),
                };
            }
        }
        match d.get(b"Parent") {
            Ok(Object::Reference(p)) => id = *p,
            _ => break,
        }
    }
    Rect {
        x0: 0.0,
        y0: 0.0,
        x1: 612.0,
        y1: 792.0,
    }
}

/// The appearance of a highlight: the quads filled in the colour, multiplied onto the page.
fn highlight_appearance(bbox: &Rect, quads: &[Rect], color: [f32; 3]) -> Stream {
    let mut content = format!(
        "/GS0 gs {:.3} {:.3} {:.3} rg\n",
        color[0], color[1], color[2]
    );
    for q in quads {
        content.push_str(&format!(
            "{:.2} {:.2} {:.2} {:.2} re f\n",
            q.x0,
            q.y0,
            q.x1 - q.x0,
            q.y1 - q.y0
        ));
    }
    let mut gs = Dictionary::new();
    gs.set("Type", Object::Name(b"ExtGState".to_vec()));
    gs.set("BM", Object::Name(b"Multiply".to_vec()));
    gs.set("ca", Object::Real(1.0));
    let mut ext = Dictionary::new();
    ext.set("GS0", Object::Dictionary(gs));
    let mut res = Dictionary::new();
    res.set("ExtGState", Object::Dictionary(ext));
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"XObject".to_vec()));
    d.set("Subtype", Object::Name(b"Form".to_vec()));
    d.set("BBox", reals(&[bbox.x0, bbox.y0, bbox.x1, bbox.y1]));
    d.set("Resources", Object::Dictionary(res));
    Stream::new(d, content.into_bytes())
}

/// Where the `%PDF-` header starts. Readers take the offsets of a file with junk before its
/// header as relative to the header, so the copy starts there.
fn header_offset(src: &[u8]) -> usize {
    src.get(..src.len().min(1024))
        .and_then(|head| head.windows(5).position(|w| w == b"%PDF-"))
        .unwrap_or(0)
}

/// The offset after the file's last `startxref` keyword, if it points inside the file.
fn last_startxref(src: &[u8]) -> Option<usize> {
    let tail_start = src.len().saturating_sub(2048);
    let tail = &src[tail_start..];
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    let digits: String = tail[at + 9..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    digits
        .parse::<usize>()
        .ok()
        .filter(|&n| n > 0 && n < src.len())
}

/// A copy of `src` with `marks` added as annotations: an incremental update, so the copy is
/// the original bytes (from the `%PDF-` header on) followed by the new objects. Marks on pages
/// the document lacks are an error.
pub fn annotate(src: &[u8], marks: &[Mark]) -> Result<Annotated, PdfExportError> {
    let src = &src[header_offset(src)..];
    let mut inc: IncrementalDocument = src
        .try_into()
        .map_err(|e: lopdf::Error| PdfExportError::Load(e.to_string()))?;
    // The update's /Prev must be the original's last cross-reference section, the one its
    // final `startxref` names (lopdf may record an earlier one for hybrid files). Without a
    // /Prev, lopdf rebuilt the table by scanning and the update stands alone.
    if let Some(last) = last_startxref(src).filter(|_| inc.new_document.trailer.has(b"Prev")) {
        inc.new_document
            .trailer
            .set("Prev", Object::Integer(last as i64));
        inc.new_document.trailer.remove(b"XRefStm");
    }
    let pages = inc.get_prev_documents().get_pages();
    let mut by_page: BTreeMap<u32, Vec<&Mark>> = BTreeMap::new();
    for m in marks {
        by_page.entry(m.page).or_default().push(m);
    }
    let mut out = Annotated::default();
    for (&number, page_marks) in &by_page {
        let &page_id = pages.get(&number).ok_or(PdfExportError::NoPage(number))?;
        let mbox = media_box(inc.get_prev_documents(), page_id);
        let edit = |e: lopdf::Error| PdfExportError::Edit(format!("page {number}: {e}"));
        inc.opt_clone_object_to_new_document(page_id)
            .map_err(edit)?;
        let mut new_annots: Vec<Object> = Vec::new();
        let mut icons = 0usize;
        for (i, m) in page_marks.iter().enumerate() {
            let doc = &mut inc.new_document;
            let full = |e: lopdf::Error| PdfExportError::Edit(format!("page {number}: {e}"));
            let annot_id = doc.try_new_object_id().map_err(full)?;
            let color = rgb(m.color);
            let mut a = Dictionary::new();
            a.set("Type", Object::Name(b"Annot".to_vec()));
            a.set("P", Object::Reference(page_id));
            a.set("C", reals(&color));
            a.set("Contents", text_string(&m.note));
            a.set("T", text_string("redflag"));
            a.set("Subj", text_string(&m.category));
            a.set("NM", text_string(&format!("redflag-p{number}-{i}")));
            a.set("F", Object::Integer(4));
            let popup_rect;
            if let Some(first) = m.quads.first() {
                let bbox = m.quads.iter().fold(*first, |acc, q| acc.union(q));
                let mut qp = Vec::with_capacity(m.quads.len() * 8);
                for q in &m.quads {
                    qp.extend_from_slice(&geometry::quad(q));
                }
                a.set("Subtype", Object::Name(b"Highlight".to_vec()));
                a.set("Rect", reals(&[bbox.x0, bbox.y0, bbox.x1, bbox.y1]));
                a.set("QuadPoints", reals(&qp));
                a.set("CA", Object::Real(1.0));
                let ap = doc
                    .try_add_object(highlight_appearance(&bbox, &m.quads, color))
                    .map_err(full)?;
                let mut apd = Dictionary::new();
                apd.set("N", Object::Reference(ap));
                a.set("AP", Object::Dictionary(apd));
                popup_rect = Rect {
                    x0: (bbox.x1 + 10.0).min(mbox.x1 - 200.0).max(mbox.x0),
                    y0: (bbox.y1 - 120.0).max(mbox.y0),
                    x1: (bbox.x1 + 210.0).min(mbox.x1),
                    y1: bbox.y1.min(mbox.y1),
                };
                out.highlights += 1;
            } else {
                let top = mbox.y1 - 12.0 - 22.0 * icons as f32;
                let r = Rect {
                    x0: mbox.x0 + 8.0,
                    y0: (top - 20.0).max(mbox.y0),
                    x1: mbox.x0 + 28.0,
                    y1: top.max(mbox.y0 + 20.0),
                };
                icons += 1;
                a.set("Subtype", Object::Name(b"Text".to_vec()));
                a.set("Rect", reals(&[r.x0, r.y0, r.x1, r.y1]));
                a.set("Name", Object::Name(b"Comment".to_vec()));
                a.set("Open", Object::Boolean(false));
                popup_rect = Rect {
                    x0: r.x1 + 4.0,
                    y0: (r.y1 - 120.0).max(mbox.y0),
                    x1: (r.x1 + 204.0).min(mbox.x1),
                    y1: r.y1,
                };
                out.notes += 1;
            }
            let mut p = Dictionary::new();
            p.set("Type", Object::Name(b"Annot".to_vec()));
            p.set("Subtype", Object::Name(b"Popup".to_vec()));
            p.set("Parent", Object::Reference(annot_id));
            p.set("P", Object::Reference(page_id));
            p.set(
                "Rect",
                reals(&[popup_rect.x0, popup_rect.y0, popup_rect.x1, popup_rect.y1]),
            );
            p.set("Open", Object::Boolean(false));
            let popup_id = doc.try_add_object(Object::Dictionary(p)).map_err(full)?;
            a.set("Popup", Object::Reference(popup_id));
            doc.set_object(annot_id, Object::Dictionary(a));
            new_annots.push(Object::Reference(annot_id));
            new_annots.push(Object::Reference(popup_id));
        }
        // Append to the page's /Annots: an array in the page, an indirect array, or none.
        let existing = inc
            .new_document
            .get_dictionary(page_id)
            .map_err(edit)?
            .get(b"Annots")
            .ok()
            .cloned();
        match existing {
            Some(Object::Reference(arr_id)) => {
                inc.opt_clone_object_to_new_document(arr_id).map_err(edit)?;
                match inc.new_document.get_object_mut(arr_id).map_err(edit)? {
                    Object::Array(arr) => arr.extend(new_annots),
                    _ => {
                        // Not an array: replace the broken entry with ours.
                        let page = inc.new_document.get_dictionary_mut(page_id).map_err(edit)?;
                        page.set("Annots", Object::Array(new_annots));
                    }
                }
            }
            Some(Object::Array(mut arr)) => {
                arr.extend(new_annots);
                let page = inc.new_document.get_dictionary_mut(page_id).map_err(edit)?;
                page.set("Annots", Object::Array(arr));
            }
            _ => {
                let page = inc.new_document.get_dictionary_mut(page_id).map_err(edit)?;
                page.set("Annots", Object::Array(new_annots));
            }
        }
    }
    let mut bytes = Vec::with_capacity(src.len() + 4096);
    inc.save_to(&mut bytes)
        .map_err(|e| PdfExportError::Save(e.to_string()))?;
    out.bytes = bytes;
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::export::tests::excerpt;
    use crate::model::Span;
    use lopdf::content::{Content, Operation};

    /// A PDF with one page per entry, each line of text in Courier 10 pt at x = 72 from
    /// y = 700 down, 14 pt apart: the layout of [`geometry::tests::courier_page`].
    pub(crate) fn make_pdf(pages: &[&[&str]]) -> Vec<u8> {
        let mut doc = lopdf::Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let mut font = Dictionary::new();
        font.set("Type", Object::Name(b"Font".to_vec()));
        font.set("Subtype", Object::Name(b"Type1".to_vec()));
        font.set("BaseFont", Object::Name(b"Courier".to_vec()));
        let font_id = doc.add_object(font);
        let mut kids = Vec::new();
        for lines in pages {
            let mut ops = vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 10.into()]),
                Operation::new("TL", vec![14.into()]),
                Operation::new("Td", vec![72.into(), 700.into()]),
            ];
            for (i, l) in lines.iter().enumerate() {
                if i > 0 {
                    ops.push(Operation::new("T*", vec![]));
                }
                ops.push(Operation::new("Tj", vec![Object::string_literal(*l)]));
            }
            ops.push(Operation::new("ET", vec![]));
            let content = Content { operations: ops };
            let cid = doc.add_object(Stream::new(Dictionary::new(), content.encode().unwrap()));
            let mut fonts = Dictionary::new();
            fonts.set("F1", Object::Reference(font_id));
            let mut res = Dictionary::new();
            res.set("Font", Object::Dictionary(fonts));
            let mut page = Dictionary::new();
            page.set("Type", Object::Name(b"Page".to_vec()));
            page.set("Parent", Object::Reference(pages_id));
            page.set("Contents", Object::Reference(cid));
            page.set("Resources", Object::Dictionary(res));
            kids.push(Object::Reference(doc.add_object(page)));
        }
        let mut pd = Dictionary::new();
        pd.set("Type", Object::Name(b"Pages".to_vec()));
        pd.set("Count", Object::Integer(kids.len() as i64));
        pd.set("Kids", Object::Array(kids));
        pd.set("MediaBox", reals(&[0.0, 0.0, 612.0, 792.0]));
        doc.objects.insert(pages_id, Object::Dictionary(pd));
        let mut cat = Dictionary::new();
        cat.set("Type", Object::Name(b"Catalog".to_vec()));
        cat.set("Pages", Object::Reference(pages_id));
        let cat_id = doc.add_object(cat);
        doc.trailer.set("Root", Object::Reference(cat_id));
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn f(o: &Object) -> f32 {
        match o {
            Object::Real(r) => *r,
            Object::Integer(i) => *i as f32,
            _ => f32::NAN,
        }
    }

    /// The annotations of page `n` of `bytes`, re-read with lopdf.
    fn annots(bytes: &[u8], n: u32) -> Vec<Dictionary> {
        let doc = lopdf::Document::load_mem(bytes).unwrap();
        let pid = doc.get_pages()[&n];
        doc.get_page_annotations(pid)
            .unwrap()
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn highlights_lie_over_the_words_on_the_right_page() {
        let lines: &[&str] = &["The guard took a", "bribe at the gate."];
        let src = make_pdf(&[&["Cover page."], lines]);
        let mut page = geometry::tests::courier_page(lines);
        page.number = 2;
        let text = "The guard took a bribe at the gate.";
        let mut e = excerpt("a.pdf", 2, 1, text, &[(10, 22)]);
        e.range = (0, page.text.len());
        let map = [(0, 0)];
        let items = [Item {
            excerpt: &e,
            shown: &e,
            offset_map: &map,
        }];
        let marks = plan(&items, &[Page::default(), page]);
        assert_eq!(marks.len(), 1);
        assert_eq!(marks[0].quads.len(), 2);
        let out = annotate(&src, &marks).unwrap();
        assert_eq!((out.highlights, out.notes), (1, 0));
        assert!(
            out.bytes.starts_with(&src),
            "the original bytes come first, unchanged"
        );
        assert!(annots(&out.bytes, 1).is_empty());
        let a = annots(&out.bytes, 2);
        let hl: Vec<&Dictionary> = a
            .iter()
            .filter(|d| d.get(b"Subtype").and_then(|o| o.as_name()).ok() == Some(b"Highlight"))
            .collect();
        assert_eq!(hl.len(), 1);
        assert_eq!(a.len(), 2, "highlight + popup");
        let qp: Vec<f32> = hl[0]
            .get(b"QuadPoints")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(f)
            .collect();
        // "took a" on line 1 (characters 10-15), "bribe" on line 2 (characters 0-4).
        assert_eq!(
            qp,
            [
                132.0, 708.0, 168.0, 708.0, 132.0, 698.0, 168.0, 698.0, 72.0, 694.0, 102.0, 694.0,
                72.0, 684.0, 102.0, 684.0
            ]
        );
        let rect: Vec<f32> = hl[0]
            .get(b"Rect")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(f)
            .collect();
        assert_eq!(rect, [72.0, 684.0, 168.0, 708.0]);
        let note = match hl[0].get(b"Contents").unwrap() {
            Object::String(b, _) if b.starts_with(&[0xFE, 0xFF]) => {
                let u: Vec<u16> = b[2..]
                    .chunks(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16(&u).unwrap()
            }
            o => panic!("{o:?}"),
        };
        assert!(note.contains("citation: a.pdf, p. 2, ¶1"), "{note}");
        assert!(note.contains("bribery (alleged, score 0.80)"), "{note}");
        assert!(note.contains("rule: bribery:test"), "{note}");
        assert!(note.contains("matched: took a bribe"), "{note}");
        assert!(hl[0].get(b"Popup").is_ok());
        let c: Vec<f32> = hl[0]
            .get(b"C")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(f)
            .collect();
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn no_positions_gives_a_note_and_bad_input_gives_an_error() {
        let src = make_pdf(&[&["Only page."]]);
        let e = excerpt("a.pdf", 1, 1, "Only page.", &[(0, 4)]);
        let items = [Item {
            excerpt: &e,
            shown: &e,
            offset_map: &[],
        }];
        let marks = plan(&items, &[]);
        assert!(marks[0].quads.is_empty());
        let out = annotate(&src, &marks).unwrap();
        assert_eq!((out.highlights, out.notes), (0, 1));
        let a = annots(&out.bytes, 1);
        assert!(a
            .iter()
            .any(|d| d.get(b"Subtype").and_then(|o| o.as_name()).ok() == Some(b"Text")));
        let mut far = marks[0].clone();
        far.page = 9;
        assert!(matches!(
            annotate(&src, &[far]),
            Err(PdfExportError::NoPage(9))
        ));
        assert!(matches!(
            annotate(b"not a pdf", &marks),
            Err(PdfExportError::Load(_))
        ));
    }

    #[test]
    fn header_and_last_startxref_are_found() {
        assert_eq!(header_offset(b"\r\n%PDF-1.5\n"), 2);
        assert_eq!(header_offset(b"no header"), 0);
        let f = b"%PDF-1.4\n...xref...startxref\n9\n%%EOF\nxref\ntrailer\nstartxref\r\n12\r\n%%EOF";
        assert_eq!(last_startxref(f), Some(12));
        assert_eq!(last_startxref(b"%PDF-1.4 startxref 99999"), None);
        assert_eq!(last_startxref(b"%PDF-1.4 startxref x"), None);
        assert_eq!(last_startxref(b""), None);
    }

    #[test]
    fn existing_annotations_are_kept_and_unicode_notes_are_utf16() {
        let src = make_pdf(&[&["x"]]);
        let m = Mark {
            page: 1,
            quads: vec![Rect {
                x0: 72.0,
                y0: 698.0,
                x1: 78.0,
                y1: 708.0,
            }],
            color: (255, 0, 0),
            category: "bribery".into(),
            note: "hối lộ".into(),
        };
        let once = annotate(&src, std::slice::from_ref(&m)).unwrap();
        let twice = annotate(&once.bytes, &[m]).unwrap();
        let a = annots(&twice.bytes, 1);
        assert_eq!(a.len(), 4);
        match a[0].get(b"Contents").unwrap() {
            Object::String(b, _) => assert!(b.starts_with(&[0xFE, 0xFF])),
            o => panic!("{o:?}"),
        }
        let _ = Span::from((0, 1));
    }

    #[test]
    fn a_batch_groups_tagged_pdf_passages_by_document_and_names_copies_once() {
        let mut a1 = excerpt("/c/a.pdf", 1, 1, "paid a bribe", &[(7, 12)]);
        a1.doc = "aaaaaaaaaaaaaaaa".into();
        let mut b = excerpt("/d/a.pdf", 1, 1, "another bribe", &[(8, 13)]);
        b.doc = "bbbbbbbbbbbbbbbb".into();
        let untagged = excerpt("/c/a.pdf", 1, 2, "nothing here", &[]);
        let text = excerpt("/c/n.txt", 1, 1, "a bribe in text", &[(2, 7)]);
        let mut a2 = excerpt("/c/a.pdf", 2, 1, "a bribe again", &[(2, 7)]);
        a2.doc = a1.doc.clone();
        let batch = Batch::of(&[a1, b, untagged, text, a2]);
        assert_eq!(
            batch.copies,
            vec![
                ("aaaaaaaaaaaaaaaa".into(), "/c/a.pdf".into(), vec![0, 4]),
                ("bbbbbbbbbbbbbbbb".into(), "/d/a.pdf".into(), vec![1]),
            ]
        );
        assert_eq!(batch.not_pdf, 1);
        let mut names = CopyNames::default();
        assert_eq!(names.name("a.pdf", "aaaaaaaaaaaaaaaa"), "a.pdf");
        assert_eq!(
            names.name("a.pdf", "bbbbbbbbbbbbbbbb"),
            "bbbbbbbbbbbb-a.pdf"
        );
    }

    #[test]
    fn a_source_that_changed_since_indexing_gets_no_copy() {
        let pdf = make_pdf(&[&["The officer took a bribe."]]);
        let doc = crate::ingest::hash(&pdf);
        let e = excerpt("/c/a.pdf", 1, 1, "The officer took a bribe.", &[(17, 22)]);
        let items = [Item {
            excerpt: &e,
            shown: &e,
            offset_map: &[],
        }];
        let copy = annotate_source(&pdf, &doc, &items).unwrap();
        assert_eq!(copy.highlights + copy.notes, 1);
        assert!(copy.bytes.starts_with(&pdf));
        let mut changed = pdf.clone();
        changed.extend_from_slice(b"\n% edited\n");
        let err = annotate_source(&changed, &doc, &items).unwrap_err();
        assert!(matches!(err, PdfExportError::Changed(_)), "{err}");
        assert_eq!(
            err.to_string(),
            "the file changed since it was indexed; run `redflag index` again"
        );
    }
}
