//! Form fields and annotations: text a page carries outside its content stream.
//!
//! Filled forms keep their content in AcroForm field values (`V` of the field a widget
//! belongs to, inherited through `Parent`); free-text annotations and stamps keep theirs in
//! `Contents` (or rich text `RC`), a stamp without `Contents` in its appearance stream.
//! Annotations flagged invisible, hidden or no-view are left out, as are buttons (check
//! boxes and radio buttons carry states, not text) and empty values.

use super::content::{Caches, Interpreter, PageLimits};
use super::objects::{as_dict, as_num, text_string, Objects};
use crate::model::{AnnotationKind, Rect};
use lopdf::{Dictionary, Object, ObjectId};
use std::collections::HashSet;

/// Text read from one annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotText {
    /// Where it came from.
    pub kind: AnnotationKind,
    /// The field's full name (form fields).
    pub name: Option<String>,
    /// The text, whitespace-normalised within lines.
    pub text: String,
    /// The annotation's rectangle on the page.
    pub rect: Rect,
}

/// Most annotations read from one page.
const MAX_ANNOTS: usize = 5_000;
/// Flags: Invisible (1), Hidden (2), NoView (32).
const HIDDEN_FLAGS: i64 = 1 | 2 | 32;

/// The texts of a page's annotations, in `/Annots` order.
pub fn read(
    objs: &Objects,
    page: &Dictionary,
    caches: &mut Caches,
    limits: &PageLimits,
) -> Vec<AnnotText> {
    let mut out = Vec::new();
    let Some(annots) = objs.array(page, b"Annots") else {
        return out;
    };
    let mut fields_seen: HashSet<ObjectId> = HashSet::new();
    for a in annots.iter().take(MAX_ANNOTS) {
        let Some(d) = as_dict(objs.resolve(a)) else {
            continue;
        };
        let flags = match objs.get(d, b"F") {
            Object::Integer(i) => *i,
            _ => 0,
        };
        if flags & HIDDEN_FLAGS != 0 {
            continue;
        }
        let Some(rect) = rect(objs, d) else { continue };
        let (kind, name, text) = match objs.name(d, b"Subtype") {
            Some(b"Widget") => {
                let Some((holder, name, text)) = field_value(objs, a, d) else {
                    continue;
                };
                if let Some(h) = holder {
                    if !fields_seen.insert(h) {
                        continue;
                    }
                }
                (AnnotationKind::FormField, name, text)
            }
            Some(b"FreeText") => {
                let Some(t) = contents(objs, d) else { continue };
                (AnnotationKind::FreeText, None, t)
            }
            Some(b"Stamp") => {
                let Some(t) =
                    contents(objs, d).or_else(|| appearance_text(objs, d, caches, limits))
                else {
                    continue;
                };
                (AnnotationKind::Stamp, None, t)
            }
            _ => continue,
        };
        let text = tidy(&text);
        if text.is_empty() {
            continue;
        }
        out.push(AnnotText {
            kind,
            name,
            text,
            rect,
        });
    }
    out
}

fn rect(objs: &Objects, d: &Dictionary) -> Option<Rect> {
    let a = objs.array(d, b"Rect")?;
    let v: Vec<f32> = a.iter().filter_map(|o| as_num(objs.resolve(o))).collect();
    if v.len() != 4 {
        return None;
    }
    Some(Rect {
        x0: v[0].min(v[2]),
        y0: v[1].min(v[3]),
        x1: v[0].max(v[2]),
        y1: v[1].max(v[3]),
    })
}

/// A widget's field value: the object holding `V` (to read a field with several widgets
/// once), the full field name and the text. `None` for buttons, signatures and empty values.
fn field_value(
    objs: &Objects,
    reference: &Object,
    widget: &Dictionary,
) -> Option<(Option<ObjectId>, Option<String>, String)> {
    let mut d = widget;
    let mut id = match reference {
        Object::Reference(r) => Some(*r),
        _ => None,
    };
    let mut value: Option<(Option<ObjectId>, &Object)> = None;
    let mut field_type: Option<&[u8]> = None;
    let mut names: Vec<String> = Vec::new();
    for _ in 0..32 {
        if value.is_none() {
            if let Ok(v) = d.get(b"V") {
                value = Some((id, objs.resolve(v)));
            }
        }
        if field_type.is_none() {
            field_type = objs.name(d, b"FT");
        }
        if let Object::String(s, _) = objs.get(d, b"T") {
            names.push(text_string(s));
        }
        match d.get(b"Parent") {
            Ok(p @ Object::Reference(r)) => match as_dict(objs.resolve(p)) {
                Some(pd) => {
                    id = Some(*r);
                    d = pd;
                }
                None => break,
            },
            _ => break,
        }
    }
    if matches!(field_type, Some(b"Btn") | Some(b"Sig")) {
        return None;
    }
    let (holder, v) = value?;
    let text = match v {
        Object::String(s, _) => text_string(s),
        Object::Array(items) => items
            .iter()
            .take(256)
            .filter_map(|o| match objs.resolve(o) {
                Object::String(s, _) => Some(text_string(s)),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", "),
        Object::Stream(_) => String::from_utf8_lossy(&objs.decode(v).data).into_owned(),
        _ => return None,
    };
    names.reverse();
    let name = (!names.is_empty()).then(|| names.join("."));
    Some((holder, name, text))
}

/// `Contents`, else the rich text `RC` with its tags stripped.
fn contents(objs: &Objects, d: &Dictionary) -> Option<String> {
    if let Object::String(s, _) = objs.get(d, b"Contents") {
        let t = text_string(s);
        if !t.trim().is_empty() {
            return Some(t);
        }
    }
    let rc = match objs.get(d, b"RC") {
        Object::String(s, _) => text_string(s),
        o @ Object::Stream(_) => String::from_utf8_lossy(&objs.decode(o).data).into_owned(),
        _ => return None,
    };
    let mut out = String::new();
    let mut in_tag = false;
    for c in rc.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    (!out.trim().is_empty()).then_some(out)
}

/// The text drawn by an annotation's normal appearance stream.
fn appearance_text(
    objs: &Objects,
    d: &Dictionary,
    caches: &mut Caches,
    limits: &PageLimits,
) -> Option<String> {
    let ap = objs.dict(d, b"AP")?;
    let n = objs.get(ap, b"N");
    let Object::Stream(s) = n else { return None };
    let data = objs.decode(n).data;
    let res = objs.dict(&s.dict, b"Resources");
    let pc = Interpreter::new(objs, caches, limits).run_page(&data, res);
    if pc.glyphs.is_empty() {
        return None;
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for g in &pc.glyphs {
        x0 = x0.min(g.x - 1000.0);
        y0 = y0.min(g.y - 1000.0);
        x1 = x1.max(g.x + 1000.0);
        y1 = y1.max(g.y + 1000.0);
    }
    let lay = super::layout::layout(&pc.glyphs, [x0, y0, x1, y1], [x0, y0, x1, y1]);
    let lines: Vec<String> = lay.lines.into_iter().map(|l| l.text).collect();
    Some(lines.join("\n"))
}

/// Lines with their inner whitespace collapsed; blank lines dropped.
fn tidy(s: &str) -> String {
    s.split(['\r', '\n'])
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_lines() {
        assert_eq!(tidy("  a  b \r\n\r\n c\t"), "a b\nc");
    }
}
