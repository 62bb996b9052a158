//! Fonts: from a font dictionary to a decoder of shown strings into (Unicode text, advance
//! width) per glyph.
//!
//! Simple fonts (Type1, MMType1, TrueType, Type3) map single-byte codes through `ToUnicode`
//! first, then `Encoding` (`Differences` glyph names over a base encoding, or the font
//! program's built-in encoding). Type0 fonts split codes by the encoding CMap's codespace
//! (Identity-H/V, UCS-2/UTF-16 CMaps, embedded CMaps) and map them through `ToUnicode`.
//! Without `ToUnicode`, the embedded program speaks ([`truetype`]: TrueType `cmap`/`post`,
//! CFF encodings and charsets) and CID fonts of a registered Adobe collection map through
//! Adobe's tables ([`cid`]). Widths come from `Widths`, `W`/`DW`, or standard-14 metrics. A
//! font without any usable mapping falls back to a best guess and is flagged, so only its
//! text is suspect.

pub mod cid;
pub mod cmap;
pub mod data;
pub mod names;
pub mod truetype;

use super::objects::{as_dict, as_num, Objects};
use cmap::CMap;
use lopdf::{Dictionary, Object};
use std::collections::HashMap;

/// One decoded glyph of a shown string.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// The character code.
    pub code: u32,
    /// Unicode text; empty when unmapped.
    pub text: String,
    /// Advance in thousandths of the font size (text space).
    pub width: f32,
    /// A single-byte code 32 (word spacing `Tw` applies).
    pub word_space: bool,
    /// The font had no mapping for this code.
    pub unmapped: bool,
}

#[derive(Debug, Clone)]
enum Kind {
    Simple {
        map: Box<[Option<String>]>,
        widths: Box<[f32]>,
    },
    Composite {
        encoding: Box<CodeSplit>,
        to_unicode: Option<Box<CMap>>,
        widths: HashMap<u32, f32>,
        default_width: f32,
        ucs2: bool,
        /// CID to Unicode recovered from an embedded TrueType `cmap` (no `ToUnicode`).
        from_font: HashMap<u32, char>,
        /// The registered character collection the CIDs belong to (no `ToUnicode`).
        collection: Option<cid::Collection>,
    },
}

#[derive(Debug, Clone)]
enum CodeSplit {
    /// Two-byte codes, CID = code.
    Identity,
    /// A parsed or approximated CMap.
    CMap(CMap),
}

/// A loaded font.
#[derive(Debug, Clone)]
pub struct Font {
    kind: Kind,
    /// Vertical writing mode (Identity-V and `-V` CMaps).
    pub vertical: bool,
    /// Multiplier from the font size to the glyph height (Type3 `FontMatrix`; 1 otherwise).
    pub vscale: f32,
    /// The font had no usable Unicode mapping; its text is a guess.
    pub fallback: bool,
    /// `BaseFont` without subset tag, for messages.
    pub name: String,
}

impl Font {
    /// Loads a font dictionary. Never fails: broken parts degrade to defaults.
    pub fn load(objs: &Objects, dict: &Dictionary) -> Font {
        let subtype = objs.name(dict, b"Subtype").unwrap_or(b"Type1");
        let base = objs.name(dict, b"BaseFont").unwrap_or(b"");
        let name = String::from_utf8_lossy(
            base.get(7..)
                .filter(|_| base.get(6) == Some(&b'+'))
                .unwrap_or(base),
        )
        .into_owned();
        let to_unicode = match objs.get(dict, b"ToUnicode") {
            o @ Object::Stream(_) => {
                let d = objs.decode(o);
                let cm = CMap::parse(&d.data);
                cm.has_unicode().then_some(cm)
            }
            _ => None,
        };
        if subtype == b"Type0" {
            return Self::load_type0(objs, dict, to_unicode, name);
        }
        let mut vscale = 1.0;
        let mut wscale = 1.0;
        if subtype == b"Type3" {
            if let Some(m) = objs.array(dict, b"FontMatrix") {
                let v: Vec<f32> = m.iter().filter_map(|o| as_num(objs.resolve(o))).collect();
                if v.len() == 6 && v[0].abs() > 1e-9 {
                    wscale = v[0].abs() * 1000.0;
                    vscale = (v[3].abs() * 1000.0).clamp(0.01, 100.0);
                }
            }
        }
        // Encoding: names per code.
        let descriptor = objs.dict(dict, b"FontDescriptor");
        let flags = descriptor
            .and_then(|d| objs.num(d, b"Flags"))
            .unwrap_or(0.0) as u32;
        let symbolic = flags & 4 != 0 && flags & 32 == 0;
        let lname = name.to_ascii_lowercase();
        let mut base_enc: Option<&[u16; 256]> = None;
        let mut diffs: Vec<(usize, Vec<u8>)> = Vec::new();
        match objs.get(dict, b"Encoding") {
            Object::Name(n) => base_enc = named_encoding(n),
            o => {
                if let Some(ed) = as_dict(o) {
                    base_enc = objs.name(ed, b"BaseEncoding").and_then(named_encoding);
                    if let Some(arr) = objs.array(ed, b"Differences") {
                        let mut code: usize = 0;
                        for item in arr.iter().take(4096) {
                            match objs.resolve(item) {
                                Object::Integer(i) => code = (*i).clamp(0, 1 << 20) as usize,
                                Object::Name(n) => {
                                    if code < 256 {
                                        diffs.push((code, n.clone()));
                                    }
                                    code += 1;
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
        let no_encoding = matches!(objs.get(dict, b"Encoding"), Object::Null);
        let mut map: Vec<Option<String>> = vec![None; 256];
        let mut mapped_by_encoding = 0usize;
        // Base layer: explicit base, built-in (font program) or the default.
        let builtin = if base_enc.is_none() && subtype != b"Type3" {
            descriptor.and_then(|d| builtin_encoding(objs, d))
        } else {
            None
        };
        if let Some(b) = &builtin {
            for (code, n) in b {
                if *code < 256 {
                    map[*code] = names::glyph_to_unicode(n);
                }
            }
        } else {
            let table = base_enc.unwrap_or(if lname.contains("symbol") {
                &data::SYMBOL
            } else if subtype == b"TrueType" || symbolic {
                &data::WIN_ANSI
            } else {
                &data::STANDARD
            });
            for (code, slot) in map.iter_mut().enumerate() {
                let u = table[code];
                if u != 0 {
                    *slot = char::from_u32(u as u32).map(String::from);
                }
            }
        }
        let mut named_unknown = 0usize;
        for (code, n) in &diffs {
            match names::glyph_to_unicode(n) {
                Some(s) => {
                    map[*code] = Some(s);
                    mapped_by_encoding += 1;
                }
                None => {
                    map[*code] = None;
                    named_unknown += 1;
                }
            }
        }
        // ToUnicode wins where it maps to something printable.
        let mut fallback = false;
        if let Some(tu) = &to_unicode {
            for (code, slot) in map.iter_mut().enumerate() {
                if let Some(s) = tu.lookup(code as u32) {
                    if !s.is_empty()
                        && s.chars()
                            .all(|c| c != '\u{FFFD}' && (c >= ' ' || c == '\t'))
                    {
                        *slot = Some(s);
                    }
                }
            }
        } else if (named_unknown > 0 && mapped_by_encoding == 0)
            || (symbolic && no_encoding && builtin.is_none() && !lname.contains("symbol"))
        {
            // No usable mapping: ask the embedded TrueType/OpenType program (its symbolic
            // or Macintosh `cmap` and `post` names), else guess the codes are WinAnsi.
            let mut diff_names: Vec<Option<Vec<u8>>> = vec![None; 256];
            for (code, n) in &diffs {
                diff_names[*code] = Some(n.clone());
            }
            let from_program = descriptor
                .map(|d| program_codes(objs, d, &diff_names))
                .unwrap_or_default();
            for (code, t) in &from_program {
                map[*code as usize] = Some(t.clone());
            }
            fallback = from_program.is_empty();
        }
        if fallback {
            for (code, slot) in map.iter_mut().enumerate() {
                if slot.is_none() {
                    let u = data::WIN_ANSI[code];
                    if u != 0 {
                        *slot = char::from_u32(u as u32).map(String::from);
                    }
                }
            }
        }
        // Widths.
        let mut widths = vec![f32::NAN; 256];
        let first = objs
            .num(dict, b"FirstChar")
            .unwrap_or(0.0)
            .clamp(0.0, 255.0) as usize;
        if let Some(ws) = objs.array(dict, b"Widths") {
            for (k, w) in ws.iter().enumerate() {
                if first + k >= 256 {
                    break;
                }
                if let Some(v) = as_num(objs.resolve(w)) {
                    widths[first + k] = v * wscale;
                }
            }
        }
        let missing = descriptor
            .and_then(|d| objs.num(d, b"MissingWidth"))
            .filter(|w| *w > 0.0);
        let std = std14(&lname);
        for (code, w) in widths.iter_mut().enumerate() {
            if w.is_nan() || (*w == 0.0 && std.is_some()) {
                let ch = map[code].as_deref().and_then(|s| s.chars().next());
                *w = match (std, ch) {
                    (Some(t), Some(c)) => std_width(t, c),
                    _ => missing
                        .map(|m| m * wscale)
                        .unwrap_or(if subtype == b"Type3" { 0.0 } else { 500.0 }),
                };
            }
        }
        Font {
            kind: Kind::Simple {
                map: map.into_boxed_slice(),
                widths: widths.into_boxed_slice(),
            },
            vertical: false,
            vscale,
            fallback,
            name,
        }
    }

    fn load_type0(
        objs: &Objects,
        dict: &Dictionary,
        to_unicode: Option<CMap>,
        name: String,
    ) -> Font {
        let (encoding, vertical, ucs2) = match objs.get(dict, b"Encoding") {
            Object::Name(n) => {
                let v = n.ends_with(b"-V");
                if n.starts_with(b"Identity") {
                    (CodeSplit::Identity, v, false)
                } else {
                    let ucs = n.windows(4).any(|w| w == b"UCS2" || w == b"UTF1");
                    (CodeSplit::CMap(approximate_cmap(n)), v, ucs)
                }
            }
            o @ Object::Stream(s) => {
                let d = objs.decode(o);
                let mut cm = CMap::parse(&d.data);
                if cm.codespace.is_empty() {
                    cm.codespace.push(cmap::CodeRange {
                        len: 2,
                        lo: 0,
                        hi: 0xFFFF,
                    });
                }
                let v = matches!(objs.get(&s.dict, b"WMode"), Object::Integer(1));
                (CodeSplit::CMap(cm), v, false)
            }
            _ => (CodeSplit::Identity, false, false),
        };
        let desc = objs
            .array(dict, b"DescendantFonts")
            .and_then(|a| a.first())
            .and_then(|o| as_dict(objs.resolve(o)));
        let mut widths = HashMap::new();
        let mut default_width = 1000.0;
        if let Some(d) = desc {
            default_width = objs.num(d, b"DW").unwrap_or(1000.0);
            if let Some(w) = objs.array(d, b"W") {
                let mut i = 0;
                while i < w.len() && widths.len() < 100_000 {
                    let first = as_num(objs.resolve(&w[i])).unwrap_or(0.0).max(0.0) as u32;
                    match w.get(i + 1).map(|o| objs.resolve(o)) {
                        Some(Object::Array(list)) => {
                            for (k, v) in list.iter().enumerate().take(65536) {
                                if let Some(v) = as_num(objs.resolve(v)) {
                                    widths.insert(first.saturating_add(k as u32), v);
                                }
                            }
                            i += 2;
                        }
                        Some(o) => {
                            let last = as_num(o).unwrap_or(0.0).max(0.0) as u32;
                            let v = w
                                .get(i + 2)
                                .and_then(|o| as_num(objs.resolve(o)))
                                .unwrap_or(default_width);
                            for c in first..=last.min(first.saturating_add(65535)) {
                                widths.insert(c, v);
                            }
                            i += 3;
                        }
                        None => break,
                    }
                }
            }
        }
        let mut from_font = HashMap::new();
        let mut collection = None;
        if to_unicode.is_none() && !ucs2 {
            if let Some(d) = desc {
                collection = objs.dict(d, b"CIDSystemInfo").and_then(|info| {
                    let text = |k: &[u8]| match objs.get(info, k) {
                        Object::String(s, _) => Some(s.as_slice()),
                        Object::Name(n) => Some(n.as_slice()),
                        _ => None,
                    };
                    cid::Collection::from_names(text(b"Registry")?, text(b"Ordering")?)
                });
                // The embedded program first (a producer may name an ordering yet number
                // glyphs its own way), then the collection's table for the CIDs it lacks.
                from_font = cid_unicode_from_font(objs, d);
            }
        }
        let fallback =
            to_unicode.is_none() && !ucs2 && from_font.is_empty() && collection.is_none();
        Font {
            kind: Kind::Composite {
                encoding: Box::new(encoding),
                to_unicode: to_unicode.map(Box::new),
                widths,
                default_width,
                ucs2,
                from_font,
                collection,
            },
            vertical,
            vscale: 1.0,
            fallback,
            name,
        }
    }

    /// Whether codes are single bytes (word spacing applies to code 32).
    pub fn is_simple(&self) -> bool {
        matches!(self.kind, Kind::Simple { .. })
    }

    /// Decodes a shown string into glyphs, appending to `out`.
    pub fn decode(&self, bytes: &[u8], out: &mut Vec<Code>) {
        match &self.kind {
            Kind::Simple { map, widths } => {
                for &b in bytes {
                    let text = map.get(b as usize).cloned().flatten();
                    out.push(Code {
                        code: b as u32,
                        unmapped: text.is_none(),
                        text: text.unwrap_or_default(),
                        width: widths.get(b as usize).copied().unwrap_or(500.0),
                        word_space: b == 32,
                    });
                }
            }
            Kind::Composite {
                encoding,
                to_unicode,
                widths,
                default_width,
                ucs2,
                from_font,
                collection,
            } => {
                let mut rest = bytes;
                while !rest.is_empty() {
                    let (code, len, cid) = match encoding.as_ref() {
                        CodeSplit::Identity => {
                            if rest.len() >= 2 {
                                let c = u16::from_be_bytes([rest[0], rest[1]]) as u32;
                                (c, 2, c)
                            } else {
                                (rest[0] as u32, 1, rest[0] as u32)
                            }
                        }
                        CodeSplit::CMap(cm) => {
                            let (c, l) = cm.next_code(rest);
                            (c, l, cm.cid(c).unwrap_or(c))
                        }
                    };
                    let len = len.clamp(1, rest.len());
                    rest = &rest[len..];
                    let mut text = to_unicode.as_ref().and_then(|t| t.lookup(code));
                    if text.is_none() && *ucs2 {
                        text = char::from_u32(code).map(String::from);
                    }
                    if text.is_none() {
                        text = from_font.get(&cid).map(|c| c.to_string());
                    }
                    if text.is_none() {
                        text = collection.and_then(|c| c.lookup(cid));
                    }
                    let text = text.filter(|s| !s.is_empty() && !s.contains('\u{0}'));
                    out.push(Code {
                        code,
                        unmapped: text.is_none(),
                        text: text.unwrap_or_default(),
                        width: widths.get(&cid).copied().unwrap_or(*default_width),
                        word_space: len == 1 && code == 32,
                    });
                }
            }
        }
    }
}

/// CID → Unicode through an embedded TrueType program: CID → glyph id (`CIDToGIDMap`,
/// identity by default) → character (the font's own `cmap`, read in reverse).
fn cid_unicode_from_font(objs: &Objects, desc: &Dictionary) -> HashMap<u32, char> {
    let mut out = HashMap::new();
    let Some(fd) = objs.dict(desc, b"FontDescriptor") else {
        return out;
    };
    let ff = objs.get(fd, b"FontFile2");
    if !matches!(ff, Object::Stream(_)) {
        // A CFF program: glyph names (name-keyed) or, for OpenType, its `cmap`.
        let ff3 = objs.get(fd, b"FontFile3");
        if let Object::Stream(s) = ff3 {
            let prog = objs.decode(ff3);
            if objs.name(&s.dict, b"Subtype") == Some(b"OpenType") {
                return truetype::glyph_to_unicode(&prog.data)
                    .into_iter()
                    .map(|(g, c)| (g as u32, c))
                    .collect();
            }
            return truetype::cff_glyph_unicode(&prog.data);
        }
        return out;
    }
    let prog = objs.decode(ff);
    let by_gid = truetype::glyph_to_unicode(&prog.data);
    if by_gid.is_empty() {
        return out;
    }
    match objs.get(desc, b"CIDToGIDMap") {
        o @ Object::Stream(_) => {
            let m = objs.decode(o);
            for (cid, pair) in m.data.chunks_exact(2).enumerate().take(65536) {
                let gid = u16::from_be_bytes([pair[0], pair[1]]);
                if let Some(&c) = by_gid.get(&gid) {
                    out.insert(cid as u32, c);
                }
            }
        }
        _ => {
            for (gid, c) in by_gid {
                out.insert(gid as u32, c);
            }
        }
    }
    out
}

/// Unicode per code of a simple font from its embedded TrueType or OpenType program.
fn program_codes(
    objs: &Objects,
    desc: &Dictionary,
    diff_names: &[Option<Vec<u8>>],
) -> HashMap<u8, String> {
    for key in [&b"FontFile2"[..], b"FontFile3"] {
        let ff = objs.get(desc, key);
        if let Object::Stream(s) = ff {
            if key == b"FontFile3" && objs.name(&s.dict, b"Subtype") != Some(b"OpenType") {
                continue;
            }
            let prog = objs.decode(ff);
            return truetype::simple_truetype(&prog.data, diff_names);
        }
    }
    HashMap::new()
}

fn named_encoding(n: &[u8]) -> Option<&'static [u16; 256]> {
    match n {
        b"WinAnsiEncoding" => Some(&data::WIN_ANSI),
        b"MacRomanEncoding" => Some(&data::MAC_ROMAN),
        b"StandardEncoding" => Some(&data::STANDARD),
        b"PDFDocEncoding" => Some(&data::PDF_DOC),
        b"MacExpertEncoding" => Some(&data::MAC_EXPERT),
        _ => None,
    }
}

/// Predefined CMaps are not shipped: approximate their codespace (1 byte below 0x80,
/// 2 bytes above, as in the CJK multi-byte encodings; 2 bytes for UCS-2 and Identity).
fn approximate_cmap(name: &[u8]) -> CMap {
    let mut cm = CMap::default();
    let two =
        name.windows(4).any(|w| w == b"UCS2" || w == b"UTF1") || name.starts_with(b"Identity");
    if two {
        cm.codespace.push(cmap::CodeRange {
            len: 2,
            lo: 0,
            hi: 0xFFFF,
        });
    } else {
        cm.codespace.push(cmap::CodeRange {
            len: 1,
            lo: 0,
            hi: 0x80,
        });
        cm.codespace.push(cmap::CodeRange {
            len: 2,
            lo: 0x8100,
            hi: 0xFEFF,
        });
    }
    cm
}

/// The built-in encoding of an embedded Type1 font program (`dup <code> /<name> put`).
fn builtin_encoding(objs: &Objects, desc: &Dictionary) -> Option<Vec<(usize, Vec<u8>)>> {
    let ff3 = objs.get(desc, b"FontFile3");
    if let Object::Stream(s) = ff3 {
        if objs.name(&s.dict, b"Subtype") == Some(b"Type1C") {
            let d = objs.decode(ff3);
            let enc = truetype::cff_encoding(&d.data);
            return (!enc.is_empty()).then_some(enc);
        }
    }
    let ff = objs.get(desc, b"FontFile");
    let Object::Stream(s) = ff else {
        return None;
    };
    let d = objs.decode(ff);
    let clear_len = objs
        .num(&s.dict, b"Length1")
        .map(|v| v as usize)
        .unwrap_or(d.data.len());
    let clear = &d.data[..clear_len.min(d.data.len())];
    let start = memchr::memmem::find(clear, b"/Encoding")?;
    let enc = &clear[start..];
    if enc
        .get(9..)
        .is_some_and(|r| r.trim_ascii_start().starts_with(b"StandardEncoding"))
    {
        return None;
    }
    let end = memchr::memmem::find(enc, b"readonly def")
        .or_else(|| memchr::memmem::find(enc, b"eexec"))
        .unwrap_or(enc.len());
    let text = &enc[..end];
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(p) = memchr::memmem::find(&text[pos..], b"dup ") {
        let s = pos + p + 4;
        let mut parts = text[s..]
            .split(|c| c.is_ascii_whitespace())
            .filter(|t| !t.is_empty());
        if let (Some(num), Some(nm)) = (parts.next(), parts.next()) {
            if let (Some(code), Some(n)) = (
                std::str::from_utf8(num)
                    .ok()
                    .and_then(|t| t.parse::<usize>().ok()),
                nm.strip_prefix(b"/"),
            ) {
                out.push((code, n.to_vec()));
            }
        }
        pos = s;
        if out.len() > 512 {
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Standard-14 width table for a font name, if it is one of (or imitates) them.
fn std14(lname: &str) -> Option<&'static [u16; 224]> {
    let bold = lname.contains("bold") || lname.contains("black") || lname.contains(",bold");
    let italic = lname.contains("italic") || lname.contains("oblique");
    if lname.contains("courier") || lname.contains("mono") {
        return Some(&COURIER);
    }
    if lname.contains("times")
        || lname.contains("roman")
        || lname.contains("serif") && !lname.contains("sans")
    {
        return Some(match (bold, italic) {
            (false, false) => &data::TIMES_ROMAN,
            (true, false) => &data::TIMES_BOLD,
            (false, true) => &data::TIMES_ITALIC,
            (true, true) => &data::TIMES_BOLD_ITALIC,
        });
    }
    if lname.contains("helvetica") || lname.contains("arial") || lname.contains("sans") {
        return Some(match (bold, italic) {
            (false, false) => &data::HELVETICA,
            (true, false) => &data::HELVETICA_BOLD,
            (false, true) => &data::HELVETICA_OBLIQUE,
            (true, true) => &data::HELVETICA_BOLD_OBLIQUE,
        });
    }
    None
}

static COURIER: [u16; 224] = [600; 224];

fn std_width(table: &[u16; 224], c: char) -> f32 {
    let w = match c as u32 {
        v @ 0x20..=0xFF => table[(v - 0x20) as usize],
        _ => 0,
    };
    if w > 0 {
        return w as f32;
    }
    if table[0] == 600 {
        return 600.0;
    }
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' => 333.0,
        '\u{201C}' | '\u{201D}' | '\u{201E}' => 444.0,
        '\u{2013}' => 500.0,
        '\u{2014}' | '\u{2026}' | '\u{2030}' => 1000.0,
        '\u{2022}' => 350.0,
        '\u{FB01}' | '\u{FB02}' => 556.0,
        _ => 500.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_widths() {
        assert_eq!(std_width(&data::TIMES_ROMAN, 'a'), 444.0);
        assert_eq!(std_width(&data::HELVETICA, ' '), 278.0);
        assert_eq!(std_width(&COURIER, 'W'), 600.0);
        assert!(std14("times-bold").is_some());
        assert!(std14("zapfdingbats").is_none());
    }
}
