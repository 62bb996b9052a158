//! `redflag extract FILE`: the body text of each page, pages separated by form feeds (the
//! format `pdftotext` writes), or pages as JSON with furniture, OCR flags and boxes.

use crate::cli::{ExtractArgs, ExtractFormat, Global};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::extract::{self, Limits};
use crate::ingest::{self, Sniffed};
use std::io::Write;

pub(super) fn run(g: &Global, a: &ExtractArgs) -> Result<ExitCode, Error> {
    let path = &a.file;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let kind = match ingest::sniff(&bytes[..bytes.len().min(8192)], ext.as_deref()) {
        Sniffed::Supported(k) => k,
        Sniffed::Unsupported(reason) => {
            super::warn(format!("{}: {reason}", path.display()));
            return Ok(ExitCode::Error);
        }
    };
    let result = std::panic::catch_unwind(|| extract::extract(&bytes, kind, &Limits::default()));
    let extracted = match result {
        Ok(Ok(e)) => e,
        Ok(Err(e)) => {
            super::warn(format!("{}: {e}", path.display()));
            return Ok(ExitCode::Error);
        }
        Err(_) => {
            super::warn(format!(
                "{}: internal error while reading (please report)",
                path.display()
            ));
            return Ok(ExitCode::Error);
        }
    };
    for w in &extracted.warnings {
        super::warn(format!("{}: warning: {w}", path.display()));
    }
    let mut out = super::output(None)?;
    let res = (|| -> std::io::Result<()> {
        match a.format {
            ExtractFormat::Text => {
                for p in &extracted.pages {
                    out.write_all(p.text.as_bytes())?;
                    out.write_all(b"\n\x0c")?;
                }
            }
            ExtractFormat::Json => {
                let v = serde_json::json!({
                    "path": path.to_string_lossy(),
                    "doc": ingest::hash(&bytes),
                    "kind": kind,
                    "title": extracted.title,
                    "warnings": extracted.warnings,
                    "pages": extracted.pages,
                });
                serde_json::to_writer(&mut out, &v)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()
    })();
    if let Err(e) = res {
        if let Some(e) = super::write_err(None, e) {
            return Err(e);
        }
    }
    if !g.quiet {
        let needs_ocr = extracted.pages.iter().filter(|p| p.needs_ocr).count();
        eprintln!(
            "redflag extract: {} pages ({} need OCR), {} bytes of text, {} warnings",
            extracted.pages.len(),
            needs_ocr,
            extracted.pages.iter().map(|p| p.text.len()).sum::<usize>(),
            extracted.warnings.len()
        );
    }
    Ok(ExitCode::Success)
}
