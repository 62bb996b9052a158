//! Glyph names to Unicode: the Adobe Glyph List, `uniXXXX`, `uXXXX[XX]`, ligature names
//! joined with `_` and suffixed variants (`a.sc`).

use super::data::AGL;

/// Unicode text for a glyph name, or `None` when the name carries no meaning (`g12`, `cid7`).
pub fn glyph_to_unicode(name: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(name).ok()?;
    if name.is_empty() || name == ".notdef" {
        return None;
    }
    let base = match name.find('.') {
        Some(0) => return None,
        Some(p) => &name[..p],
        None => name,
    };
    if base.contains('_') {
        let mut out = String::new();
        for part in base.split('_') {
            out.push_str(&component(part)?);
        }
        return Some(out);
    }
    component(base)
}

fn component(name: &str) -> Option<String> {
    if let Ok(i) = AGL.binary_search_by(|(n, _)| (*n).cmp(name)) {
        return char::from_u32(AGL[i].1 as u32).map(String::from);
    }
    if let Some(hex) = name.strip_prefix("uni") {
        if !hex.is_empty() && hex.len() % 4 == 0 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let units: Vec<u16> = hex
                .as_bytes()
                .chunks(4)
                .filter_map(|c| u16::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
                .collect();
            let s = String::from_utf16_lossy(&units);
            return (!s.contains('\u{FFFD}')).then_some(s);
        }
    }
    if let Some(hex) = name.strip_prefix('u') {
        if (4..=6).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let v = u32::from_str_radix(hex, 16).ok()?;
            return char::from_u32(v).map(String::from);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(glyph_to_unicode(b"A").as_deref(), Some("A"));
        assert_eq!(
            glyph_to_unicode(b"quotedblleft").as_deref(),
            Some("\u{201C}")
        );
        assert_eq!(glyph_to_unicode(b"fi").as_deref(), Some("\u{FB01}"));
        assert_eq!(glyph_to_unicode(b"f_f_i").as_deref(), Some("ffi"));
        assert_eq!(glyph_to_unicode(b"uni00E9").as_deref(), Some("\u{E9}"));
        assert_eq!(glyph_to_unicode(b"uni00660069").as_deref(), Some("fi"));
        assert_eq!(glyph_to_unicode(b"u1D400").as_deref(), Some("\u{1D400}"));
        assert_eq!(glyph_to_unicode(b"a.sc").as_deref(), Some("a"));
        assert_eq!(glyph_to_unicode(b"g123"), None);
        assert_eq!(glyph_to_unicode(b".notdef"), None);
        assert_eq!(glyph_to_unicode(b"uniD800"), None);
    }
}
