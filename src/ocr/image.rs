//! Page images from a PDF's own image streams: the second reader of PDF objects (lopdf),
//! after [`crate::extract::pdf`], and the only one that decodes images.
//!
//! Why the PDF's own images and not a rendering of the page: a scanned page *is* an image,
//! placed to fill the page; its pixels are the scanner's, at the scanner's resolution, and
//! passing them to Tesseract as they are loses nothing. Rendering would need a PDF
//! rasteriser (a large native dependency, or a subprocess such as `pdftoppm`) and would
//! resample the scan. The cost: text drawn over the image (stamps, a typed header) is not
//! in the image, and a page tiled from several images gives only its largest tile.
//!
//! For each page the largest image XObject of its resources is taken and handed on in a
//! format Tesseract (Leptonica) reads from memory:
//! - `DCTDecode` (JPEG) and `JPXDecode` (JPEG 2000) streams are passed through unchanged;
//! - `CCITTFaxDecode` streams are wrapped in a one-strip TIFF (Group 3 or 4) unchanged;
//! - `FlateDecode`, `LZWDecode`, `RunLengthDecode` and unfiltered samples are decoded (with a
//!   size limit) and written as PNM: 1-bit as PBM, grey as PGM, RGB / CMYK / indexed as PPM;
//! - filters before the image codec (`[/FlateDecode /DCTDecode]`) are undone first;
//! - `JBIG2Decode` has no decoder here (nor in Leptonica): such pages, and pages whose image
//!   cannot be handed over, are rendered by `pdftoppm` (poppler-utils) when it is installed
//!   ([`super::Ocr::render`]), and reported unread otherwise.

use std::fmt;

/// Largest decoded image accepted (bytes of samples).
const MAX_IMAGE_BYTES: usize = 256 << 20;

/// An image ready for Tesseract.
#[derive(Debug, Clone, PartialEq)]
pub struct PageImage {
    /// The encoded image (JPEG, JPEG 2000, TIFF or PNM; any picture file Leptonica reads).
    pub bytes: Vec<u8>,
    /// `jpeg`, `jp2`, `tiff`, `pnm`, or `image` for a picture file as it is.
    pub format: &'static str,
    /// Resolution from the image size against the page size (dots per inch); 0 when
    /// unknown (a picture file: its own header says, or Tesseract estimates).
    pub dpi: u32,
    /// Image size in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
}

/// Why a page gave no image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageError(pub String);

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An opened PDF, ready to give page images.
pub struct PdfImages {
    doc: lopdf::Document,
    pages: std::collections::BTreeMap<u32, lopdf::ObjectId>,
}

impl fmt::Debug for PdfImages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PdfImages")
            .field("pages", &self.pages.len())
            .finish()
    }
}

impl PdfImages {
    /// Parses the PDF.
    pub fn open(pdf: &[u8]) -> Result<PdfImages, ImageError> {
        let doc = lopdf::Document::load_mem(pdf).map_err(|e| ImageError(e.to_string()))?;
        let pages = doc.get_pages();
        Ok(PdfImages { doc, pages })
    }

    /// The largest image of page `number` (1-based).
    pub fn page_image(&self, number: u32) -> Result<PageImage, ImageError> {
        let id = *self
            .pages
            .get(&number)
            .ok_or_else(|| ImageError(format!("no page {number}")))?;
        let images = self
            .doc
            .get_page_images(id)
            .map_err(|e| ImageError(format!("image resources: {e}")))?;
        let img = images
            .into_iter()
            .filter(|i| i.width > 0 && i.height > 0)
            .max_by_key(|i| i.width.saturating_mul(i.height))
            .ok_or_else(|| ImageError("no image on the page".into()))?;
        let width = u32::try_from(img.width).map_err(|_| ImageError("bad width".into()))?;
        let height = u32::try_from(img.height).map_err(|_| ImageError("bad height".into()))?;
        if (width as u64) * (height as u64) > 400_000_000 {
            return Err(ImageError(format!(
                "image of {width}x{height} is too large"
            )));
        }
        let dpi = self.dpi(id, width, height);
        let stream = self
            .doc
            .get_object(img.id)
            .and_then(|o| o.as_stream())
            .map_err(|e| ImageError(e.to_string()))?;
        let filters: Vec<Vec<u8>> = stream
            .filters()
            .map(|f| f.into_iter().map(<[u8]>::to_vec).collect())
            .unwrap_or_default();
        let last = filters.last().map(Vec::as_slice);
        let codec = matches!(
            last,
            Some(b"DCTDecode" | b"DCT" | b"JPXDecode" | b"CCITTFaxDecode" | b"CCF")
        );
        // `[/FlateDecode /DCTDecode]`: undo the filters before the image codec
        let content = if codec && filters.len() > 1 {
            let mut inner = stream.clone();
            let n = filters.len() - 1;
            inner.dict.set(
                "Filter",
                lopdf::Object::Array(
                    filters[..n]
                        .iter()
                        .map(|f| lopdf::Object::Name(f.clone()))
                        .collect(),
                ),
            );
            let stripped = inner
                .decompressed_content_with_limit(MAX_IMAGE_BYTES)
                .map_err(|e| ImageError(format!("image data: {e}")))?;
            std::borrow::Cow::Owned(stripped)
        } else {
            std::borrow::Cow::Borrowed(&stream.content)
        };
        let (bytes, format) = match last {
            Some(b"DCTDecode" | b"DCT") => (content.into_owned(), "jpeg"),
            Some(b"JPXDecode") => (content.into_owned(), "jp2"),
            Some(b"CCITTFaxDecode" | b"CCF") => (
                ccitt_tiff(&self.doc, stream, &content, width, height),
                "tiff",
            ),
            Some(b"JBIG2Decode") => return Err(ImageError("JBIG2 image: no decoder here".into())),
            _ => {
                let samples = stream
                    .decompressed_content_with_limit(MAX_IMAGE_BYTES)
                    .map_err(|e| ImageError(format!("image samples: {e}")))?;
                (self.pnm(stream, &samples, width, height)?, "pnm")
            }
        };
        Ok(PageImage {
            bytes,
            format,
            dpi,
            width,
            height,
        })
    }

    fn dpi(&self, page: lopdf::ObjectId, w: u32, h: u32) -> u32 {
        let media = self
            .doc
            .get_dictionary(page)
            .ok()
            .and_then(|d| {
                let mut node = d;
                for _ in 0..32 {
                    if let Ok(m) = node.get(b"MediaBox") {
                        return self.resolve(m).as_array().ok().cloned();
                    }
                    let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
                    node = self.doc.get_dictionary(parent).ok()?;
                }
                None
            })
            .and_then(|a| {
                let v: Vec<f32> = a.iter().filter_map(|o| number(self.resolve(o))).collect();
                (v.len() == 4).then(|| ((v[2] - v[0]).abs(), (v[3] - v[1]).abs()))
            });
        let (pw, ph) = media.unwrap_or((612.0, 792.0));
        let long_pt = pw.max(ph).max(1.0);
        let long_px = w.max(h) as f32;
        ((long_px * 72.0 / long_pt).round() as u32).clamp(70, 1200)
    }

    fn resolve<'a>(&'a self, o: &'a lopdf::Object) -> &'a lopdf::Object {
        match o {
            lopdf::Object::Reference(id) => self.doc.get_object(*id).unwrap_or(o),
            _ => o,
        }
    }

    /// Decoded samples as PNM.
    fn pnm(
        &self,
        stream: &lopdf::Stream,
        samples: &[u8],
        width: u32,
        height: u32,
    ) -> Result<Vec<u8>, ImageError> {
        let dict = &stream.dict;
        let is_mask = dict
            .get(b"ImageMask")
            .ok()
            .and_then(|o| o.as_bool().ok())
            .unwrap_or(false);
        let bpc = if is_mask {
            1
        } else {
            dict.get(b"BitsPerComponent")
                .ok()
                .and_then(|o| self.resolve(o).as_i64().ok())
                .unwrap_or(8)
        };
        if ![1, 2, 4, 8, 16].contains(&bpc) {
            return Err(ImageError(format!("{bpc} bits per component")));
        }
        let bpc = bpc as u32;
        let decode_inverted = dict
            .get(b"Decode")
            .ok()
            .and_then(|o| self.resolve(o).as_array().ok())
            .and_then(|a| a.first().and_then(|x| number(self.resolve(x))))
            .is_some_and(|first| first > 0.5);
        let space = if is_mask {
            Space::Gray
        } else {
            dict.get(b"ColorSpace")
                .map(|o| self.space(o, 0))
                .unwrap_or(Space::Gray)
        };
        let comps = space.components();
        let w = width as usize;
        let h = height as usize;
        let row_bytes = (w * comps * bpc as usize).div_ceil(8);
        if samples.len() < row_bytes * h {
            // a short stream keeps the rows it has
            if samples.len() < row_bytes {
                return Err(ImageError("image data shorter than one row".into()));
            }
        }
        let rows = (samples.len() / row_bytes).min(h);
        if bpc == 1 && matches!(space, Space::Gray) {
            // PBM: 1 is black; PDF grey: 0 is black (mask: 0 paints, i.e. black)
            let invert = if is_mask {
                decode_inverted
            } else {
                !decode_inverted
            };
            let mut out = format!("P4\n{w} {rows}\n").into_bytes();
            for r in 0..rows {
                let row = &samples[r * row_bytes..(r + 1) * row_bytes];
                out.extend(row.iter().map(|b| if invert { !b } else { *b }));
            }
            return Ok(out);
        }
        let sample = |row: &[u8], i: usize| -> u8 {
            match bpc {
                8 => row.get(i).copied().unwrap_or(0),
                16 => row.get(2 * i).copied().unwrap_or(0),
                b => {
                    let bit = i * b as usize;
                    let byte = row.get(bit / 8).copied().unwrap_or(0);
                    let shift = 8 - b as usize - (bit % 8);
                    let v = (byte >> shift) & ((1u8 << b) - 1);
                    match &space {
                        Space::Indexed(..) => v,
                        _ => ((v as u32 * 255) / ((1u32 << b) - 1)) as u8,
                    }
                }
            }
        };
        let gray = matches!(space, Space::Gray)
            || matches!(&space, Space::Indexed(base, _) if base.components() == 1);
        let mut out = if gray {
            format!("P5\n{w} {rows}\n255\n").into_bytes()
        } else {
            format!("P6\n{w} {rows}\n255\n").into_bytes()
        };
        for r in 0..rows {
            let row = &samples[r * row_bytes..(r + 1) * row_bytes];
            for x in 0..w {
                match &space {
                    Space::Gray => {
                        let v = sample(row, x);
                        out.push(if decode_inverted { 255 - v } else { v });
                    }
                    Space::Rgb => {
                        for c in 0..3 {
                            out.push(sample(row, x * 3 + c));
                        }
                    }
                    Space::Cmyk => {
                        let k = sample(row, x * 4 + 3) as u32;
                        for c in 0..3 {
                            let v = sample(row, x * 4 + c) as u32;
                            out.push((255 - (v + k).min(255)) as u8);
                        }
                    }
                    Space::Indexed(base, table) => {
                        let idx = sample(row, x) as usize;
                        let n = base.components();
                        let entry = table.get(idx * n..idx * n + n);
                        match (base.as_ref(), entry) {
                            (Space::Cmyk, Some(e)) => {
                                let k = e[3] as u32;
                                for &v in &e[..3] {
                                    out.push((255 - (v as u32 + k).min(255)) as u8);
                                }
                            }
                            (_, Some(e)) => out.extend_from_slice(e),
                            (_, None) => out.extend(std::iter::repeat_n(0, n.min(3))),
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    fn space(&self, o: &lopdf::Object, depth: usize) -> Space {
        let o = self.resolve(o);
        if depth > 4 {
            return Space::Gray;
        }
        match o {
            lopdf::Object::Name(n) => match n.as_slice() {
                b"DeviceRGB" | b"RGB" | b"CalRGB" => Space::Rgb,
                b"DeviceCMYK" | b"CMYK" => Space::Cmyk,
                _ => Space::Gray,
            },
            lopdf::Object::Array(a) => {
                let name = a.first().and_then(|n| self.resolve(n).as_name().ok());
                match name {
                    Some(b"ICCBased") => {
                        let n = a
                            .get(1)
                            .and_then(|s| self.resolve(s).as_stream().ok())
                            .and_then(|s| s.dict.get(b"N").ok()?.as_i64().ok())
                            .unwrap_or(3);
                        match n {
                            1 => Space::Gray,
                            4 => Space::Cmyk,
                            _ => Space::Rgb,
                        }
                    }
                    Some(b"CalRGB" | b"Lab") => Space::Rgb,
                    Some(b"CalGray") => Space::Gray,
                    Some(b"Indexed" | b"I") => {
                        let base = a
                            .get(1)
                            .map(|b| self.space(b, depth + 1))
                            .unwrap_or(Space::Rgb);
                        let base = match base {
                            Space::Indexed(..) => Space::Rgb,
                            b => b,
                        };
                        let table = match a.get(3).map(|t| self.resolve(t)) {
                            Some(lopdf::Object::String(s, _)) => s.clone(),
                            Some(lopdf::Object::Stream(s)) => s
                                .decompressed_content_with_limit(1 << 16)
                                .unwrap_or_else(|_| s.content.clone()),
                            _ => Vec::new(),
                        };
                        Space::Indexed(Box::new(base), table)
                    }
                    _ => Space::Rgb,
                }
            }
            _ => Space::Gray,
        }
    }
}

#[derive(Debug, Clone)]
enum Space {
    Gray,
    Rgb,
    Cmyk,
    Indexed(Box<Space>, Vec<u8>),
}

impl Space {
    fn components(&self) -> usize {
        match self {
            Space::Gray | Space::Indexed(..) => 1,
            Space::Rgb => 3,
            Space::Cmyk => 4,
        }
    }
}

fn number(o: &lopdf::Object) -> Option<f32> {
    match o {
        lopdf::Object::Integer(i) => Some(*i as f32),
        lopdf::Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// Wraps CCITT fax data in a one-strip little-endian TIFF.
fn ccitt_tiff(
    doc: &lopdf::Document,
    stream: &lopdf::Stream,
    data: &[u8],
    width: u32,
    height: u32,
) -> Vec<u8> {
    let params = stream
        .dict
        .get(b"DecodeParms")
        .ok()
        .map(|p| match p {
            lopdf::Object::Reference(id) => doc.get_object(*id).unwrap_or(p),
            _ => p,
        })
        .and_then(|p| match p {
            lopdf::Object::Dictionary(d) => Some(d.clone()),
            lopdf::Object::Array(a) => a.last().and_then(|d| d.as_dict().ok()).cloned(),
            _ => None,
        })
        .unwrap_or_default();
    let int = |k: &[u8], default: i64| {
        params
            .get(k)
            .ok()
            .and_then(|o| o.as_i64().ok())
            .unwrap_or(default)
    };
    let k = int(b"K", 0);
    let columns = int(b"Columns", width as i64).clamp(1, 1 << 20) as u32;
    let rows = match int(b"Rows", height as i64) {
        r if r > 0 => r as u32,
        _ => height,
    };
    let (compression, opt_tag, opt_val) = if k < 0 {
        (4u16, 293u16, 0u32)
    } else if k == 0 {
        (3, 292, 0)
    } else {
        (3, 292, 1)
    };
    let mut entries: Vec<(u16, u16, u32)> = vec![
        (256, 4, columns),
        (257, 4, rows),
        (258, 3, 1),
        (259, 3, compression as u32),
        // the fax codes runs of white and black; decoded, 1 is black (WhiteIsZero),
        // whatever /BlackIs1 says about the PDF decoder's output
        (262, 3, 0),
        (273, 4, 0), // strip offset, set below
        (277, 3, 1),
        (278, 4, rows),
        (279, 4, data.len() as u32),
        (opt_tag, 4, opt_val),
    ];
    entries.sort_by_key(|e| e.0);
    let ifd_len = 2 + entries.len() * 12 + 4;
    let data_offset = (8 + ifd_len) as u32;
    let mut out = Vec::with_capacity(data_offset as usize + data.len());
    out.extend_from_slice(b"II*\0");
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, ty, val) in entries {
        let val = if tag == 273 { data_offset } else { val };
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        if ty == 3 {
            out.extend_from_slice(&(val as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&val.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF whose page draws one image with this dictionary body and data.
    fn pdf_with_image(dict: &str, data: &[u8]) -> Vec<u8> {
        let objects: Vec<Vec<u8>> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Resources << /XObject << /Im1 4 0 R >> >> >>".to_vec(),
            {
                let mut o = format!(
                    "<< /Type /XObject /Subtype /Image {dict} /Length {} >>\nstream\n",
                    data.len()
                )
                .into_bytes();
                o.extend_from_slice(data);
                o.extend_from_slice(b"\nendstream");
                o
            },
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(o);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
        for off in offsets {
            out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        out
    }

    fn image(dict: &str, data: &[u8]) -> PageImage {
        PdfImages::open(&pdf_with_image(dict, data))
            .unwrap()
            .page_image(1)
            .unwrap()
    }

    #[test]
    fn samples_become_pnm_and_codecs_pass_through() {
        // 1-bit grey: PDF 0 is black, PBM 1 is black
        let img = image(
            "/Width 8 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 1",
            &[0b0000_1111, 0b1111_0000],
        );
        assert_eq!(img.format, "pnm");
        assert_eq!(img.bytes, b"P4\n8 2\n\xF0\x0F".to_vec());
        // 8 px on a 1-inch page: 8 dpi, clamped to 70
        assert_eq!(img.dpi, 70);
        // 1-bit indexed: the palette decides (0 -> white, 1 -> black)
        let img = image(
            "/Width 2 /Height 1 /ColorSpace [/Indexed /DeviceGray 1 <FF00>] /BitsPerComponent 1",
            &[0b0100_0000],
        );
        assert_eq!(img.bytes, b"P5\n2 1\n255\n\xFF\x00".to_vec());
        // RGB, CMYK
        let img = image(
            "/Width 1 /Height 1 /ColorSpace /DeviceRGB /BitsPerComponent 8",
            &[1, 2, 3],
        );
        assert_eq!(img.bytes, b"P6\n1 1\n255\n\x01\x02\x03".to_vec());
        let img = image(
            "/Width 1 /Height 1 /ColorSpace /DeviceCMYK /BitsPerComponent 8",
            &[0, 0, 0, 255],
        );
        assert_eq!(img.bytes, b"P6\n1 1\n255\n\x00\x00\x00".to_vec());
        // JPEG is handed over unchanged
        let img = image(
            "/Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode",
            b"\xFF\xD8\xFF\xE0jpeg",
        );
        assert_eq!(
            (img.format, img.bytes.as_slice()),
            ("jpeg", &b"\xFF\xD8\xFF\xE0jpeg"[..])
        );
        // CCITT G4 is wrapped in a TIFF
        let img = image(
            "/Width 16 /Height 4 /ImageMask true /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns 16 >>",
            b"fax",
        );
        assert_eq!(img.format, "tiff");
        assert!(img.bytes.starts_with(b"II*\0") && img.bytes.ends_with(b"fax"));
    }

    #[test]
    fn unreadable_images_are_errors() {
        let jbig2 = PdfImages::open(&pdf_with_image(
            "/Width 1 /Height 1 /BitsPerComponent 1 /Filter /JBIG2Decode",
            b"x",
        ))
        .unwrap()
        .page_image(1)
        .unwrap_err();
        assert!(jbig2.0.contains("JBIG2"));
        let short = PdfImages::open(&pdf_with_image(
            "/Width 100 /Height 100 /ColorSpace /DeviceRGB /BitsPerComponent 8",
            b"xy",
        ))
        .unwrap()
        .page_image(1);
        assert!(short.is_err());
        assert!(PdfImages::open(b"%PDF-1.4 junk").is_err());
    }
}
