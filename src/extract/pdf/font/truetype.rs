//! Just enough of TrueType to recover Unicode for CID fonts without `ToUnicode`: the
//! `cmap` table (formats 4, 6 and 12 of the Unicode subtables) read in reverse, glyph id
//! to character. Every read is bounds-checked; a broken font yields an empty map.

use std::collections::HashMap;

fn u16_at(d: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(o)?, *d.get(o + 1)?]))
}

fn u32_at(d: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *d.get(o)?,
        *d.get(o + 1)?,
        *d.get(o + 2)?,
        *d.get(o + 3)?,
    ]))
}

/// Most glyph ids mapped.
const MAX_GLYPHS: usize = 70_000;

/// Glyph id to Unicode character from the font's Unicode `cmap` subtable.
pub fn glyph_to_unicode(font: &[u8]) -> HashMap<u16, char> {
    let mut map = HashMap::new();
    let Some(cmap) = table(font, b"cmap") else {
        return map;
    };
    let n = u16_at(cmap, 2).unwrap_or(0) as usize;
    // Prefer the full-repertoire subtable, then BMP Unicode.
    let mut best: Option<(u8, usize)> = None;
    for i in 0..n.min(64) {
        let rec = 4 + 8 * i;
        let (Some(pid), Some(eid), Some(off)) = (
            u16_at(cmap, rec),
            u16_at(cmap, rec + 2),
            u32_at(cmap, rec + 4),
        ) else {
            break;
        };
        let rank = match (pid, eid) {
            (3, 10) | (0, 4) | (0, 6) => 3,
            (3, 1) | (0, _) => 2,
            _ => continue,
        };
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, off as usize));
        }
    }
    let Some((_, off)) = best else {
        return map;
    };
    let Some(sub) = cmap.get(off..) else {
        return map;
    };
    match u16_at(sub, 0) {
        Some(4) => format4(sub, &mut map),
        Some(6) => {
            let first = u16_at(sub, 6).unwrap_or(0) as u32;
            let count = u16_at(sub, 8).unwrap_or(0) as usize;
            for k in 0..count {
                if let (Some(g), Some(c)) =
                    (u16_at(sub, 10 + 2 * k), char::from_u32(first + k as u32))
                {
                    map.entry(g).or_insert(c);
                }
            }
        }
        Some(12) => {
            let groups = u32_at(sub, 12).unwrap_or(0) as usize;
            for k in 0..groups.min(MAX_GLYPHS) {
                let o = 16 + 12 * k;
                let (Some(start), Some(end), Some(gid)) =
                    (u32_at(sub, o), u32_at(sub, o + 4), u32_at(sub, o + 8))
                else {
                    break;
                };
                for c in start..=end.min(start.saturating_add(MAX_GLYPHS as u32)) {
                    let g = gid.saturating_add(c - start);
                    if let (Ok(g), Some(ch)) = (u16::try_from(g), char::from_u32(c)) {
                        map.entry(g).or_insert(ch);
                    }
                    if map.len() >= MAX_GLYPHS {
                        return map;
                    }
                }
            }
        }
        _ => {}
    }
    map
}

fn format4(sub: &[u8], map: &mut HashMap<u16, char>) {
    let segs = (u16_at(sub, 6).unwrap_or(0) / 2) as usize;
    let ends = 14;
    let starts = ends + 2 * segs + 2;
    let deltas = starts + 2 * segs;
    let ranges = deltas + 2 * segs;
    for s in 0..segs {
        let (Some(end), Some(start), Some(delta), Some(ro)) = (
            u16_at(sub, ends + 2 * s),
            u16_at(sub, starts + 2 * s),
            u16_at(sub, deltas + 2 * s),
            u16_at(sub, ranges + 2 * s),
        ) else {
            return;
        };
        if start > end || start == 0xFFFF {
            continue;
        }
        for c in start..=end {
            let g = if ro == 0 {
                c.wrapping_add(delta)
            } else {
                let at = ranges + 2 * s + ro as usize + 2 * (c - start) as usize;
                match u16_at(sub, at) {
                    Some(0) | None => continue,
                    Some(g) => g.wrapping_add(delta),
                }
            };
            if g != 0 {
                if let Some(ch) = char::from_u32(c as u32) {
                    map.entry(g).or_insert(ch);
                }
            }
        }
    }
}

fn table<'a>(font: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
    let n = u16_at(font, 4)? as usize;
    for i in 0..n.min(256) {
        let rec = 12 + 16 * i;
        if font.get(rec..rec + 4)? == tag {
            let off = u32_at(font, rec + 8)? as usize;
            let len = u32_at(font, rec + 12)? as usize;
            return font.get(off..off.checked_add(len)?.min(font.len()));
        }
    }
    None
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
