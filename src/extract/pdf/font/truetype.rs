//! Embedded font programs as a source of Unicode when a font has no `ToUnicode`, read with
//! `ttf-parser`: TrueType/OpenType `cmap` subtables (Unicode (3,1)/(3,10)/(0,*) read in
//! reverse, glyph id to character; symbolic (3,0) and Macintosh (1,0) from code to glyph)
//! and `post` glyph names; bare CFF (`FontFile3`/`Type1C`) built-in encodings and charsets.
//! Glyph names go through the Adobe Glyph List. A broken program yields an empty map.

use super::names;
use std::collections::HashMap;
use ttf_parser::{cff, cmap, post, GlyphId, PlatformId, RawFace, Tag};

/// Most glyph ids mapped.
const MAX_GLYPHS: usize = 70_000;

fn raw_table<'a>(font: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
    RawFace::parse(font, 0).ok()?.table(Tag::from_bytes(tag))
}

fn subtables(font: &[u8]) -> Vec<cmap::Subtable<'_>> {
    raw_table(font, b"cmap")
        .and_then(cmap::Table::parse)
        .map(|t| t.subtables.into_iter().take(64).collect())
        .unwrap_or_default()
}

/// Glyph id to Unicode character from the font's Unicode `cmap` subtable.
pub fn glyph_to_unicode(font: &[u8]) -> HashMap<u16, char> {
    let mut map = HashMap::new();
    let subs = subtables(font);
    // Prefer the full-repertoire subtable, then BMP Unicode.
    let rank = |s: &cmap::Subtable| match (s.platform_id, s.encoding_id) {
        (PlatformId::Windows, 10) | (PlatformId::Unicode, 4) | (PlatformId::Unicode, 6) => 3,
        (PlatformId::Windows, 1) | (PlatformId::Unicode, _) => 2,
        _ => 0,
    };
    let Some(best) = subs.iter().filter(|s| rank(s) > 0).max_by_key(|s| rank(s)) else {
        return map;
    };
    let mut cps = Vec::new();
    best.codepoints(|c| {
        if cps.len() < MAX_GLYPHS {
            cps.push(c)
        }
    });
    for c in cps {
        if let (Some(g), Some(ch)) = (best.glyph_index(c), char::from_u32(c)) {
            if g.0 != 0 {
                map.entry(g.0).or_insert(ch);
            }
        }
    }
    map
}

/// Unicode per single-byte code of a simple TrueType (or OpenType) font without a usable
/// encoding: code to glyph through the symbolic (3,0) subtable (codes at 0xF000+c or c) or
/// the Macintosh (1,0) subtable, or through a `Differences` glyph name looked up in `post`;
/// glyph to text through the Unicode subtable read in reverse, else the `post` glyph name.
pub fn simple_truetype(font: &[u8], diff_names: &[Option<Vec<u8>>]) -> HashMap<u8, String> {
    let mut out = HashMap::new();
    let subs = subtables(font);
    let post = raw_table(font, b"post").and_then(post::Table::parse);
    let cff_table = raw_table(font, b"CFF ").and_then(cff::Table::parse);
    let by_gid = glyph_to_unicode(font);
    let symbolic = subs
        .iter()
        .find(|s| s.platform_id == PlatformId::Windows && s.encoding_id == 0);
    let mac = subs
        .iter()
        .find(|s| s.platform_id == PlatformId::Macintosh && s.encoding_id == 0);
    for code in 0..=255u8 {
        let by_name = diff_names
            .get(code as usize)
            .and_then(|n| n.as_deref())
            .and_then(|n| std::str::from_utf8(n).ok())
            .and_then(|n| {
                post.as_ref()
                    .and_then(|p| p.glyph_index_by_name(n))
                    .or_else(|| cff_table.as_ref().and_then(|t| t.glyph_index_by_name(n)))
            });
        let gid = by_name
            .or_else(|| {
                symbolic.and_then(|s| {
                    s.glyph_index(0xF000 + code as u32)
                        .or_else(|| s.glyph_index(code as u32))
                })
            })
            .or_else(|| mac.and_then(|s| s.glyph_index(code as u32)))
            .filter(|g| g.0 != 0);
        let Some(gid) = gid else { continue };
        let text = by_gid.get(&gid.0).map(|c| c.to_string()).or_else(|| {
            post.as_ref()
                .and_then(|p| p.glyph_name(gid))
                .or_else(|| cff_table.as_ref().and_then(|t| t.glyph_name(gid)))
                .and_then(|n| names::glyph_to_unicode(n.as_bytes()))
        });
        if let Some(t) = text.filter(|t| printable(t)) {
            out.insert(code, t);
        }
    }
    out
}

/// The built-in encoding of a bare CFF program (`FontFile3` of subtype `Type1C`): code to
/// glyph name through its encoding and charset.
pub fn cff_encoding(font: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let Some(t) = cff::Table::parse(font) else {
        return Vec::new();
    };
    (0..=255u8)
        .filter_map(|code| {
            let g = t.glyph_index(code).filter(|g| g.0 != 0)?;
            let n = t.glyph_name(g)?;
            Some((code as usize, n.as_bytes().to_vec()))
        })
        .collect()
}

/// Glyph id (= CID for a CID font over a name-keyed CFF, or the CID itself for a CID-keyed
/// one) to Unicode, from a bare CFF program's glyph names; empty for CID-keyed programs.
pub fn cff_glyph_unicode(font: &[u8]) -> HashMap<u32, char> {
    let mut out = HashMap::new();
    let Some(t) = cff::Table::parse(font) else {
        return out;
    };
    for g in 1..t.number_of_glyphs().min(MAX_GLYPHS as u16) {
        let Some(n) = t.glyph_name(GlyphId(g)) else {
            return out;
        };
        if let Some(s) = names::glyph_to_unicode(n.as_bytes()) {
            let mut cs = s.chars();
            if let (Some(c), None) = (cs.next(), cs.next()) {
                out.insert(g as u32, c);
            }
        }
    }
    out
}

fn printable(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c != '\u{FFFD}' && (c >= ' ' || c == '\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal font: a table directory with one `cmap` holding a format-4 subtable
    /// that maps 'A'..'C' to glyphs 10..12.
    fn tiny_font() -> Vec<u8> {
        let mut sub = Vec::new();
        let segs: u16 = 2;
        for v in [4u16, 0, 0, segs * 2, 0, 0, 0] {
            sub.extend_from_slice(&v.to_be_bytes());
        }
        for v in [0x43u16, 0xFFFF] {
            sub.extend_from_slice(&v.to_be_bytes()); // ends
        }
        sub.extend_from_slice(&0u16.to_be_bytes()); // pad
        for v in [0x41u16, 0xFFFF] {
            sub.extend_from_slice(&v.to_be_bytes()); // starts
        }
        for v in [(10u16).wrapping_sub(0x41), 1] {
            sub.extend_from_slice(&v.to_be_bytes()); // deltas
        }
        for v in [0u16, 0] {
            sub.extend_from_slice(&v.to_be_bytes()); // range offsets
        }
        let mut cmap = Vec::new();
        for v in [0u16, 1, 3, 1] {
            cmap.extend_from_slice(&v.to_be_bytes());
        }
        cmap.extend_from_slice(&12u32.to_be_bytes());
        cmap.extend_from_slice(&sub);
        let mut font = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        font.extend_from_slice(b"cmap");
        font.extend_from_slice(&0u32.to_be_bytes());
        font.extend_from_slice(&28u32.to_be_bytes());
        font.extend_from_slice(&(cmap.len() as u32).to_be_bytes());
        font.extend_from_slice(&cmap);
        font
    }

    #[test]
    fn reverse_cmap() {
        let m = glyph_to_unicode(&tiny_font());
        assert_eq!(m.get(&10), Some(&'A'));
        assert_eq!(m.get(&12), Some(&'C'));
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn truncated_fonts_give_empty_maps() {
        let f = tiny_font();
        for cut in 0..f.len() {
            let _ = glyph_to_unicode(&f[..cut]);
        }
        assert!(glyph_to_unicode(b"junk").is_empty());
    }
}
