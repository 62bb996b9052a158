//! CMap parsing: `ToUnicode` maps (bfchar, bfrange with arrays) and embedded encoding CMaps
//! (codespace ranges of 1-4 byte codes, cidchar, cidrange).
//!
//! The parser is a small PostScript-style tokenizer that only understands the sections it
//! needs; everything else is skipped. Ranges are kept as ranges (never expanded), so a
//! hostile `<0000> <FFFFFFFF>` range costs nothing.

use std::collections::HashMap;

/// One codespace range: codes of `len` bytes between `lo` and `hi` (byte-wise).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRange {
    /// Code length in bytes (1-4).
    pub len: u8,
    /// Low bound, bytes big-endian.
    pub lo: u32,
    /// High bound.
    pub hi: u32,
}

/// What one code maps to in a bfrange.
#[derive(Debug, Clone)]
enum RangeDst {
    /// Consecutive Unicode: the destination of `lo`, incremented in its last unit.
    Start(Vec<u16>),
    /// One destination per code.
    List(Vec<String>),
}

/// A parsed CMap: codespace, Unicode destinations and CID destinations.
#[derive(Debug, Clone, Default)]
pub struct CMap {
    /// Codespace ranges.
    pub codespace: Vec<CodeRange>,
    chars: HashMap<u32, String>,
    ranges: Vec<(u32, u32, RangeDst)>,
    cid_chars: HashMap<u32, u32>,
    cid_ranges: Vec<(u32, u32, u32)>,
}

/// Most entries read from one CMap.
const MAX_ENTRIES: usize = 200_000;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Hex(Vec<u8>),
    Str(Vec<u8>),
    Name(Vec<u8>),
    Num(i64),
    Open,
    Close,
    Word(Vec<u8>),
}

fn tokenize(data: &[u8]) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut i = 0;
    let n = data.len();
    while i < n {
        let c = data[i];
        match c {
            b'%' => {
                while i < n && data[i] != b'\n' && data[i] != b'\r' {
                    i += 1;
                }
            }
            b'<' if i + 1 < n && data[i + 1] == b'<' => i += 2,
            b'>' if i + 1 < n && data[i + 1] == b'>' => i += 2,
            b'<' => {
                i += 1;
                let mut nib = Vec::new();
                while i < n && data[i] != b'>' {
                    let d = data[i];
                    let v = match d {
                        b'0'..=b'9' => Some(d - b'0'),
                        b'a'..=b'f' => Some(d - b'a' + 10),
                        b'A'..=b'F' => Some(d - b'A' + 10),
                        _ => None,
                    };
                    if let Some(v) = v {
                        nib.push(v);
                    }
                    i += 1;
                }
                i += 1;
                if nib.len() % 2 == 1 {
                    nib.push(0);
                }
                toks.push(Tok::Hex(nib.chunks(2).map(|p| p[0] << 4 | p[1]).collect()));
            }
            b'(' => {
                i += 1;
                let mut depth = 1;
                let mut s = Vec::new();
                while i < n {
                    let d = data[i];
                    if d == b'\\' && i + 1 < n {
                        s.push(data[i + 1]);
                        i += 2;
                        continue;
                    }
                    if d == b'(' {
                        depth += 1;
                    } else if d == b')' {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    s.push(d);
                    i += 1;
                }
                i += 1;
                toks.push(Tok::Str(s));
            }
            b'[' => {
                toks.push(Tok::Open);
                i += 1;
            }
            b']' => {
                toks.push(Tok::Close);
                i += 1;
            }
            b'/' => {
                i += 1;
                let s = i;
                while i < n && !is_delim(data[i]) {
                    i += 1;
                }
                toks.push(Tok::Name(data[s..i].to_vec()));
            }
            _ if c.is_ascii_whitespace() || c == 0 => i += 1,
            _ => {
                let s = i;
                while i < n && !is_delim(data[i]) {
                    i += 1;
                }
                if i == s {
                    i += 1;
                    continue;
                }
                let w = &data[s..i];
                match std::str::from_utf8(w)
                    .ok()
                    .and_then(|t| t.parse::<i64>().ok())
                {
                    Some(v) => toks.push(Tok::Num(v)),
                    None => toks.push(Tok::Word(w.to_vec())),
                }
            }
        }
    }
    toks
}

fn is_delim(c: u8) -> bool {
    c.is_ascii_whitespace() || b"()<>[]{}/%".contains(&c) || c == 0
}

fn be(bytes: &[u8]) -> u32 {
    bytes.iter().take(4).fold(0u32, |a, &b| a << 8 | b as u32)
}

fn utf16_units(bytes: &[u8]) -> Vec<u16> {
    if bytes.len() == 1 {
        return vec![bytes[0] as u16];
    }
    bytes
        .chunks(2)
        .map(|c| {
            if c.len() == 2 {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                c[0] as u16
            }
        })
        .collect()
}

fn units_to_string(u: &[u16]) -> String {
    String::from_utf16_lossy(u)
}

impl CMap {
    /// Parses CMap text; unknown parts are skipped.
    pub fn parse(data: &[u8]) -> CMap {
        let toks = tokenize(data);
        let mut cm = CMap::default();
        let mut i = 0;
        let mut entries = 0usize;
        while i < toks.len() && entries < MAX_ENTRIES {
            let Tok::Word(w) = &toks[i] else {
                i += 1;
                continue;
            };
            i += 1;
            match w.as_slice() {
                b"begincodespacerange" => {
                    while let (Some(Tok::Hex(lo)), Some(Tok::Hex(hi))) =
                        (toks.get(i), toks.get(i + 1))
                    {
                        if (1..=4).contains(&lo.len()) {
                            cm.codespace.push(CodeRange {
                                len: lo.len() as u8,
                                lo: be(lo),
                                hi: be(hi),
                            });
                        }
                        i += 2;
                        entries += 1;
                    }
                }
                b"beginbfchar" => {
                    while let (Some(Tok::Hex(src)), Some(dst)) = (toks.get(i), toks.get(i + 1)) {
                        let s = match dst {
                            Tok::Hex(d) => Some(units_to_string(&utf16_units(d))),
                            Tok::Name(n) => super::names::glyph_to_unicode(n),
                            _ => None,
                        };
                        if let Some(s) = s {
                            cm.chars.insert(be(src), s);
                        }
                        i += 2;
                        entries += 1;
                    }
                }
                b"beginbfrange" => {
                    while let (Some(Tok::Hex(lo)), Some(Tok::Hex(hi))) =
                        (toks.get(i), toks.get(i + 1))
                    {
                        let (lo, hi) = (be(lo), be(hi));
                        i += 2;
                        match toks.get(i) {
                            Some(Tok::Hex(d)) => {
                                if hi >= lo {
                                    cm.ranges.push((lo, hi, RangeDst::Start(utf16_units(d))));
                                }
                                i += 1;
                            }
                            Some(Tok::Open) => {
                                i += 1;
                                let mut list = Vec::new();
                                while let Some(t) = toks.get(i) {
                                    i += 1;
                                    match t {
                                        Tok::Hex(d) => list.push(units_to_string(&utf16_units(d))),
                                        Tok::Name(n) => list.push(
                                            super::names::glyph_to_unicode(n).unwrap_or_default(),
                                        ),
                                        Tok::Close => break,
                                        _ => {}
                                    }
                                    if list.len() > 65536 {
                                        break;
                                    }
                                }
                                if hi >= lo {
                                    cm.ranges.push((lo, hi, RangeDst::List(list)));
                                }
                            }
                            Some(Tok::Name(n)) => {
                                if let Some(s) = super::names::glyph_to_unicode(n) {
                                    cm.chars.insert(lo, s);
                                }
                                i += 1;
                            }
                            _ => {}
                        }
                        entries += 1;
                    }
                }
                b"begincidchar" => {
                    while let (Some(Tok::Hex(src)), Some(Tok::Num(cid))) =
                        (toks.get(i), toks.get(i + 1))
                    {
                        cm.cid_chars
                            .insert(be(src), (*cid).clamp(0, u32::MAX as i64) as u32);
                        i += 2;
                        entries += 1;
                    }
                }
                b"begincidrange" => {
                    while let (Some(Tok::Hex(lo)), Some(Tok::Hex(hi)), Some(Tok::Num(cid))) =
                        (toks.get(i), toks.get(i + 1), toks.get(i + 2))
                    {
                        cm.cid_ranges.push((
                            be(lo),
                            be(hi),
                            (*cid).clamp(0, u32::MAX as i64) as u32,
                        ));
                        i += 3;
                        entries += 1;
                    }
                }
                _ => {}
            }
        }
        cm.ranges.sort_by_key(|r| r.0);
        cm
    }

    /// Whether the CMap maps anything to Unicode.
    pub fn has_unicode(&self) -> bool {
        !self.chars.is_empty() || !self.ranges.is_empty()
    }

    /// The Unicode text of `code`, if mapped.
    pub fn lookup(&self, code: u32) -> Option<String> {
        if let Some(s) = self.chars.get(&code) {
            return Some(s.clone());
        }
        // Ranges are sorted by low bound: scan those that start at or before `code`.
        let end = self.ranges.partition_point(|r| r.0 <= code);
        for (lo, hi, dst) in self.ranges[..end].iter().rev() {
            if code <= *hi {
                let off = code - lo;
                return match dst {
                    RangeDst::Start(units) => {
                        let mut u = units.clone();
                        if let Some(last) = u.last_mut() {
                            *last = last.wrapping_add(off as u16);
                        }
                        Some(units_to_string(&u))
                    }
                    RangeDst::List(l) => l.get(off as usize).cloned(),
                };
            }
        }
        None
    }

    /// The CID of `code` from cidchar/cidrange entries.
    pub fn cid(&self, code: u32) -> Option<u32> {
        if let Some(c) = self.cid_chars.get(&code) {
            return Some(*c);
        }
        self.cid_ranges
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&code))
            .map(|(lo, _, c)| c.saturating_add(code - lo))
    }

    /// Splits the next code off `bytes` by the codespace ranges: (code, length).
    /// Without a matching range, the shortest declared length is used (1 when none).
    pub fn next_code(&self, bytes: &[u8]) -> (u32, usize) {
        for len in 1..=4usize {
            if bytes.len() < len {
                break;
            }
            let v = be(&bytes[..len]);
            if self.codespace.iter().any(|r| {
                r.len as usize == len
                    && byte_range_contains(r, &bytes[..len])
                    && v >= r.lo
                    && v <= r.hi
            }) {
                return (v, len);
            }
        }
        let len = self
            .codespace
            .iter()
            .map(|r| r.len as usize)
            .min()
            .unwrap_or(1)
            .clamp(1, bytes.len().max(1));
        let len = len.min(bytes.len());
        (be(&bytes[..len]), len.max(1))
    }
}

/// Codespace ranges compare byte by byte (each byte within its own bounds).
fn byte_range_contains(r: &CodeRange, code: &[u8]) -> bool {
    let n = r.len as usize;
    (0..n).all(|k| {
        let shift = 8 * (n - 1 - k);
        let lo = (r.lo >> shift) as u8;
        let hi = (r.hi >> shift) as u8;
        code.get(k).is_some_and(|&b| b >= lo && b <= hi)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
        1 begincodespacerange <00> <7F> endcodespacerange
        1 begincodespacerange <8140> <FFFF> endcodespacerange
        2 beginbfchar <0003> <0020> <0041> <D835DC00> endbfchar
        3 beginbfrange <0010> <0012> <0061> <0020> <0021> [<0066006C> <00660069>]
        <1000> <1002> <00FF> endbfrange
        1 begincidrange <8140> <817E> 633 endcidrange
        endcmap";

    #[test]
    fn bfchar_bfrange_and_arrays() {
        let cm = CMap::parse(SAMPLE);
        assert_eq!(cm.lookup(3).as_deref(), Some(" "));
        assert_eq!(cm.lookup(0x41).as_deref(), Some("\u{1D400}"));
        assert_eq!(cm.lookup(0x11).as_deref(), Some("b"));
        assert_eq!(cm.lookup(0x12).as_deref(), Some("c"));
        assert_eq!(cm.lookup(0x13), None);
        assert_eq!(cm.lookup(0x20).as_deref(), Some("fl"));
        assert_eq!(cm.lookup(0x21).as_deref(), Some("fi"));
        assert_eq!(cm.lookup(0x1001).as_deref(), Some("\u{100}"));
    }

    #[test]
    fn codespace_splits_mixed_lengths() {
        let cm = CMap::parse(SAMPLE);
        assert_eq!(cm.next_code(b"A\x81\x40"), (0x41, 1));
        assert_eq!(cm.next_code(b"\x81\x41z"), (0x8141, 2));
        assert_eq!(cm.cid(0x8141), Some(634));
    }

    #[test]
    fn hostile_range_is_cheap() {
        let cm = CMap::parse(b"1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange");
        assert_eq!(cm.lookup(1).as_deref(), Some("B"));
    }
}
