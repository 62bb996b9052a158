//! Object access on top of lopdf: loading with recovery, reference resolution with a depth
//! guard, typed dictionary look-ups, and stream decoding with size caps.
//!
//! Streams are decoded here rather than with lopdf's unbounded `decompressed_content`: every
//! filter writes into a buffer that stops at the per-stream cap, and every decoded byte is
//! charged to the per-document budget, so a decompression bomb costs only the cap.

use lopdf::{Dictionary, Document, Object, ObjectId};
use std::cell::Cell;
use std::io::Read;

/// Why a stream could not be decoded (fully).
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The decoded data would exceed the per-stream cap.
    #[error("stream larger than {0} bytes decompressed")]
    TooLarge(usize),
    /// The document's total decompression budget is spent.
    #[error("document decompression budget of {0} bytes spent")]
    Budget(usize),
    /// A filter this reader does not decode (images only need skipping).
    #[error("unsupported filter {0}")]
    Unsupported(String),
    /// The data is corrupt.
    #[error("corrupt stream: {0}")]
    Corrupt(String),
}

/// A decoded stream: the bytes decoded so far and the error that stopped decoding, if any.
/// A truncated or capped stream still yields what came before the problem.
pub struct Decoded {
    /// The decoded bytes.
    pub data: Vec<u8>,
    /// Why decoding stopped early.
    pub error: Option<StreamError>,
}

/// Read access to a loaded document with limits.
pub struct Objects<'a> {
    /// The lopdf document.
    pub doc: &'a Document,
    raw: &'a [u8],
    max_stream: usize,
    max_total: usize,
    used: Cell<usize>,
}

/// Deepest reference chain followed.
const MAX_DEREF: usize = 32;

impl<'a> Objects<'a> {
    /// Wraps a document with a per-stream and a per-document decompression cap.
    pub fn new(doc: &'a Document, raw: &'a [u8], max_stream: usize, max_total: usize) -> Self {
        Objects {
            doc,
            raw,
            max_stream,
            max_total,
            used: Cell::new(0),
        }
    }

    /// Follows references (bounded) to the object they name; `Null` when missing.
    pub fn resolve<'o>(&'o self, mut obj: &'o Object) -> &'o Object
    where
        'a: 'o,
    {
        for _ in 0..MAX_DEREF {
            match obj {
                Object::Reference(id) => match self.doc.objects.get(id) {
                    Some(o) => obj = o,
                    None => return &Object::Null,
                },
                _ => return obj,
            }
        }
        &Object::Null
    }

    /// The object with this id, resolved.
    pub fn get_id(&self, id: ObjectId) -> &'a Object {
        match self.doc.objects.get(&id) {
            Some(o) => self.resolve_static(o),
            None => &Object::Null,
        }
    }

    fn resolve_static(&self, mut obj: &'a Object) -> &'a Object {
        for _ in 0..MAX_DEREF {
            match obj {
                Object::Reference(id) => match self.doc.objects.get(id) {
                    Some(o) => obj = o,
                    None => return &Object::Null,
                },
                _ => return obj,
            }
        }
        &Object::Null
    }

    /// The bytes between `stream` and `endstream` of an object, found from its file offset
    /// (only for unencrypted files: the raw bytes of an encrypted file are ciphertext).
    fn raw_stream(&self, id: ObjectId) -> Option<&'a [u8]> {
        if self.doc.encryption_state.is_some() || self.doc.trailer.has(b"Encrypt") {
            return None;
        }
        let entry = self.doc.reference_table.get(id.0)?;
        let lopdf::xref::XrefEntry::Normal { offset, .. } = entry else {
            return None;
        };
        let start = *offset as usize;
        let tail = self.raw.get(start..)?;
        let window = &tail[..tail.len().min(1 << 16)];
        let kw = memchr::memmem::find(window, b"stream")? + 6;
        let mut s = kw;
        if tail.get(s) == Some(&b'\r') {
            s += 1;
        }
        if tail.get(s) == Some(&b'\n') {
            s += 1;
        }
        let end = memchr::memmem::find(&tail[s..], b"endstream")? + s;
        let mut e = end;
        while e > s && matches!(tail[e - 1], b'\r' | b'\n') {
            e -= 1;
        }
        tail.get(s..e)
    }

    /// `dict[key]`, resolved; `Null` when missing.
    pub fn get(&self, dict: &'a Dictionary, key: &[u8]) -> &'a Object {
        match dict.get(key) {
            Ok(o) => self.resolve_static(o),
            Err(_) => &Object::Null,
        }
    }

    /// `dict[key]` as a dictionary (a stream's dictionary counts).
    pub fn dict(&self, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
        as_dict(self.get(dict, key))
    }

    /// `dict[key]` as a number.
    pub fn num(&self, dict: &'a Dictionary, key: &[u8]) -> Option<f32> {
        as_num(self.get(dict, key))
    }

    /// `dict[key]` as a name.
    pub fn name(&self, dict: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
        match self.get(dict, key) {
            Object::Name(n) => Some(n.as_slice()),
            _ => None,
        }
    }

    /// `dict[key]` as an array.
    pub fn array(&self, dict: &'a Dictionary, key: &[u8]) -> Option<&'a [Object]> {
        match self.get(dict, key) {
            Object::Array(a) => Some(a.as_slice()),
            _ => None,
        }
    }

    /// The id `dict[key]` refers to, if it is a reference.
    pub fn ref_id(dict: &Dictionary, key: &[u8]) -> Option<ObjectId> {
        match dict.get(key) {
            Ok(Object::Reference(id)) => Some(*id),
            _ => None,
        }
    }

    /// Decodes a stream object through its filters, within the caps.
    pub fn decode(&self, obj: &Object) -> Decoded {
        match self.resolve(obj) {
            Object::Stream(s) if s.content.is_empty() => {
                // A wrong /Length can leave lopdf with no data: re-read it from the file.
                let raw = match obj {
                    Object::Reference(id) => self.raw_stream(*id),
                    _ => None,
                };
                self.decode_stream(&s.dict, raw.unwrap_or(&[]))
            }
            Object::Stream(s) => self.decode_stream(&s.dict, &s.content),
            _ => Decoded {
                data: Vec::new(),
                error: Some(StreamError::Corrupt("not a stream".into())),
            },
        }
    }

    /// Decodes raw stream bytes according to `dict`'s `Filter` and `DecodeParms`.
    pub fn decode_stream(&self, dict: &Dictionary, raw: &[u8]) -> Decoded {
        let remaining = self.max_total.saturating_sub(self.used.get());
        if remaining == 0 {
            return Decoded {
                data: Vec::new(),
                error: Some(StreamError::Budget(self.max_total)),
            };
        }
        let cap = self.max_stream.min(remaining);
        let filters: Vec<&[u8]> = match self.get(dict, b"Filter") {
            Object::Name(n) => vec![n.as_slice()],
            Object::Array(a) => a
                .iter()
                .filter_map(|o| match self.resolve(o) {
                    Object::Name(n) => Some(n.as_slice()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let parms: Vec<Option<&Dictionary>> = match self.get(dict, b"DecodeParms") {
            Object::Array(a) => a.iter().map(|o| as_dict(self.resolve(o))).collect(),
            o => vec![as_dict(o)],
        };
        let mut data: Vec<u8> = raw.to_vec();
        let mut error = None;
        for (i, f) in filters.iter().enumerate().take(8) {
            let parm = parms.get(i).copied().flatten();
            let (out, err) = match *f {
                b"FlateDecode" | b"Fl" => inflate(&data, cap),
                b"ASCIIHexDecode" | b"AHx" => (ascii_hex(&data), None),
                b"ASCII85Decode" | b"A85" => (ascii85(&data), None),
                b"LZWDecode" | b"LZW" => {
                    let early = parm
                        .and_then(|p| self.num(p, b"EarlyChange"))
                        .map(|v| v != 0.0)
                        .unwrap_or(true);
                    lzw(&data, cap, early)
                }
                b"RunLengthDecode" | b"RL" => run_length(&data, cap),
                other => {
                    error = Some(StreamError::Unsupported(
                        String::from_utf8_lossy(other).into_owned(),
                    ));
                    data.clear();
                    break;
                }
            };
            data = out;
            if let Some(p) = parm {
                data = self.predict(p, data);
            }
            if err.is_some() {
                error = err;
                break;
            }
        }
        if data.len() > cap {
            data.truncate(cap);
            error.get_or_insert(StreamError::TooLarge(cap));
        }
        self.used.set(self.used.get() + data.len());
        if cap < self.max_stream {
            if let Some(StreamError::TooLarge(_)) = error {
                error = Some(StreamError::Budget(self.max_total));
            }
        }
        Decoded { data, error }
    }

    /// Undoes PNG predictors (TIFF predictor 2 is left as is: it only occurs on images).
    fn predict(&self, parm: &Dictionary, data: Vec<u8>) -> Vec<u8> {
        let predictor = self.num(parm, b"Predictor").unwrap_or(1.0) as i64;
        if predictor < 10 {
            return data;
        }
        let colors = self.num(parm, b"Colors").unwrap_or(1.0).clamp(1.0, 32.0) as usize;
        let bpc = self
            .num(parm, b"BitsPerComponent")
            .unwrap_or(8.0)
            .clamp(1.0, 16.0) as usize;
        let columns = self.num(parm, b"Columns").unwrap_or(1.0).clamp(1.0, 1e6) as usize;
        let bpp = (colors * bpc).div_ceil(8).max(1);
        let row = (colors * bpc * columns).div_ceil(8);
        png_unpredict(&data, row, bpp)
    }
}

/// A number (integer or real).
pub fn as_num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) if r.is_finite() => Some(*r),
        _ => None,
    }
}

/// A dictionary, or a stream's dictionary.
pub fn as_dict(o: &Object) -> Option<&Dictionary> {
    match o {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// Decodes a PDF text string: UTF-16BE (with BOM), UTF-8 (with BOM) or PDFDocEncoding.
pub fn text_string(bytes: &[u8]) -> String {
    if bytes.len() >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes
        .iter()
        .filter_map(|&b| {
            let u = super::font::data::PDF_DOC[b as usize];
            if u != 0 {
                char::from_u32(u as u32)
            } else if b >= 0x20 {
                char::from_u32(b as u32)
            } else {
                None
            }
        })
        .collect()
}

/// Inflates zlib (or raw deflate) data up to `cap` bytes; keeps what came before an error.
pub fn inflate(data: &[u8], cap: usize) -> (Vec<u8>, Option<StreamError>) {
    let (out, err) = inflate_with(flate2::read::ZlibDecoder::new(data), cap);
    if err.is_some() && !matches!(err, Some(StreamError::TooLarge(_))) {
        // A wrong header or checksum, or a window smaller than the data needs: read the
        // raw deflate data after the two header bytes, then the whole input, keep the best.
        for skip in [2usize, 0] {
            if let Some(rest) = data.get(skip..) {
                let (o2, e2) = inflate_with(flate2::read::DeflateDecoder::new(rest), cap);
                if o2.len() > out.len() {
                    return (o2, e2);
                }
            }
        }
    }
    (out, err)
}

fn inflate_with<R: Read>(mut r: R, cap: usize) -> (Vec<u8>, Option<StreamError>) {
    let mut out = Vec::new();
    let mut buf = [0u8; 32 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return (out, None),
            Ok(n) => {
                if out.len() + n > cap {
                    let take = cap - out.len();
                    out.extend_from_slice(&buf[..take]);
                    return (out, Some(StreamError::TooLarge(cap)));
                }
                out.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return (out, Some(StreamError::Corrupt(e.to_string()))),
        }
    }
}

/// Decodes hex digits up to `>` (whitespace and junk skipped; an odd last digit is padded).
pub(super) fn ascii_hex(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut hi: Option<u8> = None;
    for &b in data {
        if b == b'>' {
            break;
        }
        let v = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => continue,
        };
        match hi.take() {
            Some(h) => out.push(h << 4 | v),
            None => hi = Some(v),
        }
    }
    if let Some(h) = hi {
        out.push(h << 4);
    }
    out
}

fn ascii85(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 4 / 5);
    let mut group = [0u32; 5];
    let mut n = 0;
    let body = data.strip_prefix(b"<~").unwrap_or(data);
    for &b in body {
        match b {
            b'~' => break,
            b'z' if n == 0 => out.extend_from_slice(&[0, 0, 0, 0]),
            b'!'..=b'u' => {
                group[n] = (b - b'!') as u32;
                n += 1;
                if n == 5 {
                    let v = group
                        .iter()
                        .fold(0u32, |acc, &d| acc.wrapping_mul(85).wrapping_add(d));
                    out.extend_from_slice(&v.to_be_bytes());
                    n = 0;
                }
            }
            _ => {}
        }
    }
    if n > 1 {
        for g in group.iter_mut().skip(n) {
            *g = 84;
        }
        let v = group
            .iter()
            .fold(0u32, |acc, &d| acc.wrapping_mul(85).wrapping_add(d));
        out.extend_from_slice(&v.to_be_bytes()[..n - 1]);
    }
    out
}

fn run_length(data: &[u8], cap: usize) -> (Vec<u8>, Option<StreamError>) {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let len = data[i];
        i += 1;
        if len == 128 {
            break;
        } else if len < 128 {
            let n = len as usize + 1;
            let end = (i + n).min(data.len());
            out.extend_from_slice(&data[i..end]);
            i = end;
        } else if i < data.len() {
            let n = 257 - len as usize;
            out.extend(std::iter::repeat_n(data[i], n));
            i += 1;
        }
        if out.len() > cap {
            out.truncate(cap);
            return (out, Some(StreamError::TooLarge(cap)));
        }
    }
    (out, None)
}

fn lzw(data: &[u8], cap: usize, early: bool) -> (Vec<u8>, Option<StreamError>) {
    let mut out: Vec<u8> = Vec::new();
    let mut table: Vec<(u16, u8, u32)> = Vec::with_capacity(4096); // (prefix, byte, len)
    let reset = |t: &mut Vec<(u16, u8, u32)>| {
        t.clear();
        for b in 0..=255u8 {
            t.push((u16::MAX, b, 1));
        }
        t.push((u16::MAX, 0, 0));
        t.push((u16::MAX, 0, 0));
    };
    reset(&mut table);
    let mut bits = 9u32;
    let mut acc: u32 = 0;
    let mut nacc = 0u32;
    let mut prev: Option<u16> = None;
    let mut tmp: Vec<u8> = Vec::new();
    let emit = |table: &Vec<(u16, u8, u32)>, code: u16, tmp: &mut Vec<u8>| {
        tmp.clear();
        let mut c = code;
        let mut guard = 0;
        while c != u16::MAX && guard < 4097 {
            let Some(&(p, b, _)) = table.get(c as usize) else {
                break;
            };
            tmp.push(b);
            c = p;
            guard += 1;
        }
        tmp.reverse();
    };
    for &byte in data {
        acc = (acc << 8) | byte as u32;
        nacc += 8;
        while nacc >= bits {
            let code = ((acc >> (nacc - bits)) & ((1 << bits) - 1)) as u16;
            nacc -= bits;
            if code == 256 {
                reset(&mut table);
                bits = 9;
                prev = None;
                continue;
            }
            if code == 257 {
                return (out, None);
            }
            match prev {
                None => {
                    emit(&table, code, &mut tmp);
                    out.extend_from_slice(&tmp);
                }
                Some(p) => {
                    if (code as usize) < table.len() {
                        emit(&table, code, &mut tmp);
                        let first = tmp.first().copied().unwrap_or(0);
                        out.extend_from_slice(&tmp);
                        if table.len() < 4096 {
                            table.push((p, first, 0));
                        }
                    } else {
                        emit(&table, p, &mut tmp);
                        let first = tmp.first().copied().unwrap_or(0);
                        tmp.push(first);
                        out.extend_from_slice(&tmp);
                        if table.len() < 4096 {
                            table.push((p, first, 0));
                        }
                    }
                }
            }
            prev = Some(code);
            let next = table.len() as u32 + if early { 1 } else { 0 };
            bits = if next >= 2048 {
                12
            } else if next >= 1024 {
                11
            } else if next >= 512 {
                10
            } else {
                9
            };
            if out.len() > cap {
                out.truncate(cap);
                return (out, Some(StreamError::TooLarge(cap)));
            }
        }
    }
    (out, None)
}

fn png_unpredict(data: &[u8], row: usize, bpp: usize) -> Vec<u8> {
    if row == 0 {
        return data.to_vec();
    }
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row];
    let mut cur = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let Some((&ft, rest)) = chunk.split_first() else {
            break;
        };
        let n = rest.len().min(row);
        cur[..n].copy_from_slice(&rest[..n]);
        for i in 0..n {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = match ft {
                1 => cur[i].wrapping_add(a),
                2 => cur[i].wrapping_add(b),
                3 => cur[i].wrapping_add(((a as u16 + b as u16) / 2) as u8),
                4 => {
                    let p = a as i16 + b as i16 - c as i16;
                    let (pa, pb, pc) = (
                        (p - a as i16).abs(),
                        (p - b as i16).abs(),
                        (p - c as i16).abs(),
                    );
                    let pred = if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    };
                    cur[i].wrapping_add(pred)
                }
                _ => cur[i],
            };
        }
        out.extend_from_slice(&cur[..n]);
        std::mem::swap(&mut prev, &mut cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflate_stops_at_cap() {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![b'a'; 1 << 20]).unwrap();
        let z = e.finish().unwrap();
        let (out, err) = inflate(&z, 1000);
        assert_eq!(out.len(), 1000);
        assert!(matches!(err, Some(StreamError::TooLarge(1000))));
        let (out, err) = inflate(&z, 2 << 20);
        assert_eq!(out.len(), 1 << 20);
        assert!(err.is_none());
    }

    #[test]
    fn inflate_keeps_prefix_of_truncated_stream() {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        let text: Vec<u8> = (0..20000u32)
            .flat_map(|i| i.to_string().into_bytes())
            .collect();
        e.write_all(&text).unwrap();
        let z = e.finish().unwrap();
        let (out, err) = inflate(&z[..z.len() / 2], usize::MAX);
        assert!(!out.is_empty());
        assert!(text.starts_with(&out));
        assert!(err.is_some());
    }

    #[test]
    fn ascii_filters() {
        assert_eq!(ascii_hex(b"48 65 6C6C6f>"), b"Hello");
        assert_eq!(ascii_hex(b"414>"), b"A@");
        assert_eq!(ascii85(b"<~87cURD]i,\"Ebo80~>"), b"Hello World!");
        assert_eq!(
            run_length(&[2, b'a', b'b', b'c', 254, b'x', 128], 100).0,
            b"abcxxx"
        );
    }

    #[test]
    fn lzw_spec_example() {
        // The example from the PDF reference: 45 45 45 45 45 65 45 45 45 66.
        let data = [0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01];
        let (out, _) = lzw(&data, 1000, true);
        assert_eq!(out, vec![45, 45, 45, 45, 45, 65, 45, 45, 45, 66]);
    }

    #[test]
    fn text_strings() {
        assert_eq!(text_string(b"\xFE\xFF\x00H\x00i"), "Hi");
        assert_eq!(
            text_string(b"caf\xE9 \x8Dq\x8E \x93"),
            "café \u{201C}q\u{201D} \u{FB01}"
        );
    }
}
