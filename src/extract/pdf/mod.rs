//! PDF: the only module that reads PDF objects (through lopdf).
//!
//! [`extract`] loads the document (lopdf repairs damaged cross-reference data and opens
//! files encrypted with an empty user password), then for each page decodes its content
//! streams within size caps ([`objects`]), interprets them into positioned glyphs
//! ([`content`], with [`font`] for encodings and widths), lays the glyphs out into lines in
//! reading order ([`layout`]) and, once every page is known, moves running headers, footers,
//! page numbers and pleading line numbers out of the body ([`furniture`]). Form field values
//! and free-text and stamp annotations ([`annots`]) follow the page's text, one paragraph
//! each, marked in [`Page::annotations`]. A page that is a scan under a small text layer (a
//! filing stamp) is marked `needs_ocr` with its text kept.
//!
//! A problem on one page (a bad stream, a limit) costs that page, not the document: it is
//! reported in [`Extracted::warnings`] with the page number.

pub mod annots;
pub mod content;
pub mod font;
pub mod furniture;
pub mod layout;
pub mod objects;

use super::{ExtractError, Extracted, Limits};
use crate::model::{Annotation, CharBox, DocKind, Furniture, FurnitureKind, Page};
use content::{Caches, Interpreter, PageLimits};
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};
use objects::{as_dict, as_num, Objects};
use std::time::Instant;

/// Reads a PDF.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let start = Instant::now();
    let deadline = start + limits.time_budget;
    let head = &bytes[..bytes.len().min(1024)];
    if memchr::memmem::find(head, b"%PDF").is_none() {
        return Err(ExtractError::Invalid {
            kind: DocKind::Pdf,
            reason: "no %PDF header".into(),
        });
    }
    let doc = load(bytes, limits)?;
    let objs = Objects::new(&doc, bytes, limits.max_stream_bytes, limits.max_total_bytes);
    let mut out = Extracted {
        title: title(&objs),
        ..Extracted::default()
    };
    let page_ids: Vec<ObjectId> = doc
        .page_iter()
        .take(limits.max_pages.saturating_add(1))
        .collect();
    if page_ids.is_empty() {
        return Err(ExtractError::Damaged("no pages found".into()));
    }
    if page_ids.len() > limits.max_pages {
        out.warnings.push(format!(
            "limit: more than {} pages; the rest is skipped",
            limits.max_pages
        ));
    }
    let mut caches = Caches::default();
    let mut layouts = Vec::new();
    let mut infos = Vec::new();
    let mut warned_fonts = 0;
    let mut cut_pages: Vec<u32> = Vec::new();
    let mut out_of_time = false;
    for (i, &pid) in page_ids.iter().take(limits.max_pages).enumerate() {
        let number = i as u32 + 1;
        if Instant::now() > deadline {
            out.warnings.push(format!(
                "page {number}: limit: time budget of {:?} spent; pages {number}-{} skipped",
                limits.time_budget,
                page_ids.len().min(limits.max_pages)
            ));
            out_of_time = true;
            break;
        }
        let page_limits = PageLimits {
            max_ops: limits.max_ops_per_page,
            max_depth: limits.max_depth,
            deadline,
        };
        let (pc, page_box, media, notes) = read_page(
            &objs,
            pid,
            &mut caches,
            &page_limits,
            number,
            &mut out.warnings,
        );
        for name in &caches.fallback_fonts[warned_fonts..] {
            out.warnings.push(format!(
                "page {number}: font {name} has no usable Unicode mapping; its text is guessed"
            ));
        }
        warned_fonts = caches.fallback_fonts.len();
        for w in &pc.warnings {
            out.warnings.push(format!("page {number}: {w}"));
        }
        if pc.truncated {
            cut_pages.push(number);
        }
        let lay = layout::layout(&pc.glyphs, page_box, media);
        let suspect = pc.unmapped > 0 || pc.glyphs.iter().any(|g| g.suspect);
        let visible = pc.glyphs.iter().any(|g| !g.text.trim().is_empty());
        let needs_ocr =
            (!visible && (pc.images > 0 || pc.unmapped > 0)) || stamped_scan(&pc, page_box);
        infos.push((suspect, needs_ocr, notes));
        layouts.push(lay);
    }
    if out_of_time || !cut_pages.is_empty() {
        let mut what = Vec::new();
        if !cut_pages.is_empty() {
            let list: Vec<String> = cut_pages.iter().take(10).map(u32::to_string).collect();
            let more = if cut_pages.len() > 10 { ", ..." } else { "" };
            what.push(format!(
                "page(s) {}{more} stopped at a limit",
                list.join(", ")
            ));
        }
        if out_of_time {
            what.push(format!(
                "the time budget of {:?} ran out",
                limits.time_budget
            ));
        }
        out.warnings.push(format!(
            "limit: the document was cut short ({}); its text is incomplete",
            what.join("; ")
        ));
    }
    let mut kinds = furniture::classify(&layouts);
    // A document whose only text repeats on every page (stamps on a scan) keeps it as body.
    let body_left = kinds.iter().flatten().any(Option::is_none);
    if !body_left {
        for k in kinds.iter_mut().flatten() {
            if matches!(k, Some(FurnitureKind::Header | FurnitureKind::Footer)) {
                *k = None;
            }
        }
    }
    for (i, (lay, (suspect, needs_ocr, notes))) in layouts.into_iter().zip(infos).enumerate() {
        let mut page = Page {
            number: i as u32 + 1,
            needs_ocr,
            suspect,
            ..Page::default()
        };
        for (li, line) in lay.lines.into_iter().enumerate() {
            if let Some(kind) = kinds.get(i).and_then(|k| k.get(li)).copied().flatten() {
                page.furniture.push(Furniture {
                    kind,
                    text: line.text,
                });
                continue;
            }
            if !page.text.is_empty() {
                page.text
                    .push_str(if line.para_before { "\n\n" } else { "\n" });
            }
            let off = page.text.len() as u32;
            page.text.push_str(&line.text);
            page.chars
                .extend(line.chars.into_iter().map(|(s, e, rect)| CharBox {
                    start: s + off,
                    end: e + off,
                    rect,
                }));
        }
        // Form field values and annotations: one paragraph each after the page's text,
        // every character boxed by the annotation's rectangle.
        for note in notes {
            if !page.text.is_empty() {
                page.text.push_str("\n\n");
            }
            let start = page.text.len() as u32;
            for (o, c) in note.text.char_indices() {
                if c == '\n' {
                    continue;
                }
                let s = start + o as u32;
                page.chars.push(CharBox {
                    start: s,
                    end: s + c.len_utf8() as u32,
                    rect: note.rect,
                });
            }
            page.text.push_str(&note.text);
            page.annotations.push(Annotation {
                kind: note.kind,
                start,
                end: page.text.len() as u32,
                name: note.name,
            });
        }
        out.pages.push(page);
    }
    Ok(out)
}

/// A scan with a stamp: an image covers most of the page while the text layer covers a
/// small part of it (an e-filing header line on a scanned filing). The page goes to OCR;
/// the stamp's text is kept.
fn stamped_scan(pc: &content::PageContent, page_box: [f32; 4]) -> bool {
    let page_area = (page_box[2] - page_box[0]) * (page_box[3] - page_box[1]);
    if page_area <= 0.0 || pc.image_area < 0.5 * page_area {
        return false;
    }
    let mut text_area = 0.0f32;
    let mut chars = 0usize;
    for g in pc.glyphs.iter().filter(|g| !g.text.trim().is_empty()) {
        text_area += (g.adv.0 * g.up.1 - g.adv.1 * g.up.0).abs();
        chars += g.text.chars().count();
    }
    chars < 200 && text_area < 0.05 * page_area
}

fn load(bytes: &[u8], limits: &Limits) -> Result<Document, ExtractError> {
    let opts = LoadOptions {
        max_decompressed_size: Some(limits.max_stream_bytes),
        ..LoadOptions::default()
    };
    // lopdf is third-party code on hostile input: a panic in its parser costs the document.
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Document::load_mem_with_options(bytes, opts)
    }))
    .map_err(|_| ExtractError::Damaged("the PDF parser gave up on this file".into()))?;
    let doc = loaded.map_err(|e| match e {
        lopdf::Error::Decryption(_)
        | lopdf::Error::InvalidPassword
        | lopdf::Error::AlreadyEncrypted => ExtractError::Encrypted,
        lopdf::Error::Decompress(d) => ExtractError::Limit(format!("while loading: {d}")),
        e => ExtractError::Damaged(one_line(&e.to_string())),
    })?;
    if doc.is_encrypted() && doc.encryption_state.is_none() {
        return Err(ExtractError::Encrypted);
    }
    Ok(doc)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn title(objs: &Objects) -> Option<String> {
    let info = objs
        .doc
        .trailer
        .get(b"Info")
        .ok()
        .map(|o| objs.resolve(o))
        .and_then(as_dict);
    if let Some(Object::String(s, _)) = info.map(|i| objs.get(i, b"Title")) {
        let t = one_line(&objects::text_string(s));
        if !t.is_empty() {
            return Some(t);
        }
    }
    xmp_title(objs)
}

/// `dc:title` from the catalog's XMP metadata stream.
fn xmp_title(objs: &Objects) -> Option<String> {
    let root = objs
        .doc
        .trailer
        .get(b"Root")
        .ok()
        .map(|o| objs.resolve(o))
        .and_then(as_dict)?;
    let meta = objs.get(root, b"Metadata");
    if !matches!(meta, Object::Stream(_)) {
        return None;
    }
    let d = objs.decode(meta);
    let xml = String::from_utf8_lossy(&d.data);
    let start = xml.find("<dc:title")?;
    let rest = &xml[start..xml[start..].find("</dc:title>").map(|e| start + e)?];
    // The first rdf:li (or the element's own text), tags stripped.
    let body = rest.find("<rdf:li").map(|i| &rest[i..]).unwrap_or(rest);
    let text_start = body.find('>')? + 1;
    let text_end = body[text_start..]
        .find('<')
        .map(|e| text_start + e)
        .unwrap_or(body.len());
    let t = one_line(&unescape_xml(&body[text_start..text_end]));
    (!t.is_empty()).then_some(t)
}

fn unescape_xml(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// An inherited page attribute (Resources, MediaBox, CropBox, Rotate).
fn inherited<'a>(objs: &Objects<'a>, page: &'a Dictionary, key: &[u8]) -> &'a Object {
    let mut d = page;
    for _ in 0..32 {
        let v = objs.get(d, key);
        if !matches!(v, Object::Null) {
            return v;
        }
        match objs.dict(d, b"Parent") {
            Some(p) => d = p,
            None => break,
        }
    }
    &Object::Null
}

fn rect(objs: &Objects, o: &Object) -> Option<[f32; 4]> {
    let Object::Array(a) = o else { return None };
    let v: Vec<f32> = a.iter().filter_map(|x| as_num(objs.resolve(x))).collect();
    if v.len() != 4 {
        return None;
    }
    let r = [
        v[0].min(v[2]),
        v[1].min(v[3]),
        v[0].max(v[2]),
        v[1].max(v[3]),
    ];
    (r[2] - r[0] > 1.0 && r[3] - r[1] > 1.0).then_some(r)
}

fn read_page(
    objs: &Objects,
    pid: ObjectId,
    caches: &mut Caches,
    limits: &PageLimits,
    number: u32,
    warnings: &mut Vec<String>,
) -> (
    content::PageContent,
    [f32; 4],
    [f32; 4],
    Vec<annots::AnnotText>,
) {
    let Some(page) = as_dict(objs.get_id(pid)) else {
        warnings.push(format!("page {number}: page object missing"));
        let letter = [0.0, 0.0, 612.0, 792.0];
        return (content::PageContent::default(), letter, letter, Vec::new());
    };
    let media = rect(objs, inherited(objs, page, b"MediaBox")).unwrap_or([0.0, 0.0, 612.0, 792.0]);
    let page_box = rect(objs, inherited(objs, page, b"CropBox")).unwrap_or(media);
    let resources = as_dict(inherited(objs, page, b"Resources"));
    let mut data = Vec::new();
    let streams: Vec<&Object> = match page.get(b"Contents") {
        Ok(o) => match objs.resolve(o) {
            Object::Array(a) => a.iter().take(10_000).collect(),
            _ => vec![o],
        },
        Err(_) => Vec::new(),
    };
    for s in streams {
        let d = objs.decode(s);
        if let Some(e) = d.error {
            warnings.push(format!("page {number}: content stream: {e}"));
        }
        data.extend_from_slice(&d.data);
        data.push(b'\n');
    }
    let interp = Interpreter::new(objs, caches, limits);
    let pc = interp.run_page(&data, resources);
    let notes = annots::read(objs, page, caches, limits);
    (pc, page_box, media, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_entities() {
        assert_eq!(unescape_xml("A &amp; B &lt;C&gt;"), "A & B <C>");
    }

    #[test]
    fn not_a_pdf() {
        assert!(matches!(
            extract(b"hello", &Limits::default()),
            Err(ExtractError::Invalid { .. })
        ));
    }

    #[test]
    fn garbage_after_header_is_an_error_not_a_panic() {
        let r = extract(
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
            &Limits::default(),
        );
        assert!(r.is_err());
    }
}
