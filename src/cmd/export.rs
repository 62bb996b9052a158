//! `redflag export`: every passage matching the query and filters, in document order, as
//! JSONL, CSV, a Markdown memo, an HTML report, or annotated copies of the source PDFs. No
//! caps: everything that matches is written. Masking (`--mask`, `--mask-contacts`) is applied
//! before any format sees a passage; a run manifest records what was exported and how.

use crate::cli::{ExportArgs, ExportFormat, Global};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::export::manifest::{self, Manifest, MaskInfo, OutputFile, Selection};
use crate::export::mask::{self, Masker};
use crate::export::{self, pdf, Excerpt, Format, SinkOptions};
use crate::index::{Hit, IndexStore, SortOrder};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

pub(super) fn run(g: &Global, a: &ExportArgs) -> Result<ExitCode, Error> {
    let format = match a.format {
        ExportFormat::Jsonl => Format::Jsonl,
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Md => Format::Md,
        ExportFormat::Html => Format::Html,
        ExportFormat::Pdf => Format::Pdf,
    };
    let to_stdout = a.out.as_deref().is_none_or(|p| p.as_os_str() == "-");
    if format == Format::Pdf && to_stdout {
        return Err(Error::Usage(
            "--format pdf writes one annotated copy per source PDF: give a folder with --out DIR"
                .to_owned(),
        ));
    }
    let mut mask_info = MaskInfo {
        contacts: a.mask_contacts,
        ..MaskInfo::default()
    };
    let names = match &a.mask {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, &e))?;
            let names = mask::parse_names(&text);
            if names.is_empty() {
                return Err(Error::Usage(format!(
                    "--mask {}: no names in this file (one per line)",
                    p.display()
                )));
            }
            mask_info.names_file = Some(p.display().to_string());
            mask_info.names = names.len();
            names
        }
        None => Vec::new(),
    };
    let masker = Masker::new(&names, a.mask_contacts).map_err(|e| Error::Usage(e.to_string()))?;

    let store = IndexStore::open(&g.index)?;
    let filters = super::filters(g, &store, &a.filters, &a.query)?;
    let result = store.search(&a.query, &filters, SortOrder::Document, None)?;
    let hits = result.hits;
    let originals: Vec<Excerpt> = hits.iter().cloned().map(Excerpt::from).collect();
    let shown: Vec<Excerpt> = if masker.is_empty() {
        originals.clone()
    } else {
        originals
            .iter()
            .map(|e| {
                let (m, n) = masker.apply(e);
                mask_info.replacements += n;
                m
            })
            .collect()
    };
    let n = shown.len();
    let tags: usize = shown.iter().map(|e| e.tags.len()).sum();
    let documents = shown
        .iter()
        .map(|e| (&e.doc, &e.path))
        .collect::<HashSet<_>>()
        .len();
    let selection = Selection {
        query: a.query.clone(),
        tags: a.filters.tags.clone(),
        modalities: a.filters.modalities.clone(),
        tagged: a.filters.tagged,
    };

    let mut notes = Vec::new();
    let mut files = Vec::new();
    let mut failed = 0usize;
    let summary;
    if format == Format::Pdf {
        let dir = a.out.clone().unwrap_or_default();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
        if !masker.is_empty() {
            let msg = "the PDF copies keep the original page content: masking applies to the annotation notes only";
            super::warn(format!("warning: {msg}"));
            notes.push(msg.to_owned());
        }
        let r = export_pdfs(&dir, &hits, &originals, &shown, &mut notes)?;
        failed = r.failed;
        summary = format!(
            "{} annotated PDFs in {} ({} highlights, {} notes without positions)",
            r.files.len(),
            dir.display(),
            r.highlights,
            r.notes
        );
        files = r.files;
    } else {
        let opts = SinkOptions {
            bom: a.bom,
            links: if format == Format::Html {
                links(&originals, &shown)
            } else {
                HashMap::new()
            },
            description: describe(&selection, &mask_info),
            reviews: super::load_reviews(&g.index)?
                .map(|r| r.notes())
                .unwrap_or_default(),
        };
        let out = super::output(if to_stdout { None } else { a.out.as_deref() })?;
        let res = (|| -> std::io::Result<()> {
            let mut sink = export::sink(format, out, &opts)?;
            for e in &shown {
                sink.write(e)?;
            }
            sink.finish()
        })();
        if let Err(e) = res {
            if let Some(e) = super::write_err(a.out.as_deref(), e) {
                return Err(e);
            }
        }
        if let Some(p) = a.out.as_deref().filter(|_| !to_stdout) {
            files.push(output_file(p)?);
        }
        summary = a
            .out
            .as_ref()
            .filter(|_| !to_stdout)
            .map_or("stdout".to_owned(), |p| p.display().to_string());
    }

    let manifest_path = match (&a.manifest, &a.out) {
        (Some(m), _) => Some(m.clone()),
        (None, Some(out)) if format == Format::Pdf => Some(out.join("manifest.json")),
        (None, Some(out)) if !to_stdout => {
            let mut s = out.clone().into_os_string();
            s.push(".manifest.json");
            Some(PathBuf::from(s))
        }
        _ => None,
    };
    if let Some(mp) = &manifest_path {
        let m = Manifest {
            format: manifest::MANIFEST_FORMAT,
            version: manifest::MANIFEST_VERSION,
            created_utc: manifest::rfc3339(std::time::SystemTime::now()),
            redflag_version: env!("CARGO_PKG_VERSION"),
            command: std::env::args().collect(),
            index: absolute(&g.index),
            dictionary_versions: shown
                .iter()
                .map(|e| e.dict_version.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            selection,
            mask: mask_info,
            excerpts: n,
            documents,
            tags,
            output_format: format.as_str(),
            output: match &a.out {
                Some(p) if !to_stdout => absolute(p),
                _ => "-".to_owned(),
            },
            jsonl_format_version: export::FORMAT_VERSION,
            files,
            notes,
        };
        std::fs::write(mp, m.to_json()).map_err(|e| Error::io(mp, &e))?;
    }
    if !g.quiet {
        eprintln!("redflag export: {n} passages, {tags} tags -> {summary}");
    }
    Ok(if failed > 0 {
        ExitCode::Error
    } else if n == 0 {
        ExitCode::NothingFound
    } else {
        ExitCode::Success
    })
}

/// One line about the run for the memo and the report.
fn describe(s: &Selection, m: &MaskInfo) -> String {
    let mut parts = Vec::new();
    parts.push(if s.query.trim().is_empty() {
        "Query: none".to_owned()
    } else {
        format!("Query: {}", s.query)
    });
    if !s.tags.is_empty() {
        parts.push(format!("tags: {}", s.tags.join(", ")));
    }
    if !s.modalities.is_empty() {
        parts.push(format!("modalities: {}", s.modalities.join(", ")));
    }
    if s.tagged {
        parts.push("tagged passages only".to_owned());
    }
    if m.names > 0 || m.contacts {
        parts.push(format!(
            "masked: {}{}",
            if m.names > 0 { "listed names" } else { "" },
            match (m.names > 0, m.contacts) {
                (true, true) => ", phone numbers and e-mail addresses",
                (false, true) => "phone numbers and e-mail addresses",
                _ => "",
            }
        ));
    }
    parts.join("; ") + "."
}

/// The source file of an indexed path: as given if absolute, else relative to the current
/// folder (where `index` was run, in the common case).
fn source_path(path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

fn absolute(p: &Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| source_path(&p.to_string_lossy()))
        .display()
        .to_string()
}

/// `file:` URLs for every source that exists on this machine, keyed by the path as shown. A
/// path that masking changed gets no link (the URL would carry the masked name).
fn links(originals: &[Excerpt], shown: &[Excerpt]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (e, s) in originals.iter().zip(shown) {
        if out.contains_key(&e.path) || e.path != s.path {
            continue;
        }
        if let Ok(abs) = std::fs::canonicalize(source_path(&e.path)) {
            if let Some(u) = export::file_url(&abs) {
                out.insert(e.path.clone(), u);
            }
        }
    }
    out
}

/// The record of a written output file, with its hash.
fn output_file(p: &Path) -> Result<OutputFile, Error> {
    let bytes = std::fs::read(p).map_err(|e| Error::io(p, &e))?;
    Ok(OutputFile {
        path: absolute(p),
        blake3: blake3::hash(&bytes).to_hex().to_string(),
        source: None,
        source_blake3: None,
        annotations: None,
    })
}

struct PdfRun {
    files: Vec<OutputFile>,
    highlights: usize,
    notes: usize,
    failed: usize,
}

/// One annotated copy per source PDF that has tagged passages.
fn export_pdfs(
    dir: &Path,
    hits: &[Hit],
    originals: &[Excerpt],
    shown: &[Excerpt],
    notes: &mut Vec<String>,
) -> Result<PdfRun, Error> {
    let mut run = PdfRun {
        files: Vec::new(),
        highlights: 0,
        notes: 0,
        failed: 0,
    };
    let batch = pdf::Batch::of(originals);
    if batch.not_pdf > 0 {
        notes.push(format!(
            "{} tagged passages come from documents that are not PDF and have no copy",
            batch.not_pdf
        ));
    }
    let mut names = pdf::CopyNames::default();
    let dir_abs = std::fs::canonicalize(dir).map_err(|e| Error::io(dir, &e))?;
    for (doc, path, idx) in &batch.copies {
        let src = source_path(path);
        let fail = |run: &mut PdfRun, notes: &mut Vec<String>, msg: String| {
            super::warn(format!("{path}: {msg}"));
            notes.push(format!("{path}: {msg}"));
            run.failed += 1;
        };
        let bytes = match std::fs::read(&src) {
            Ok(b) => b,
            Err(e) => {
                let e = Error::io(&src, &e);
                fail(&mut run, notes, format!("no copy made: {e}"));
                continue;
            }
        };
        let items: Vec<pdf::Item<'_>> = idx
            .iter()
            .map(|&i| pdf::Item {
                excerpt: &originals[i],
                shown: &shown[i],
                offset_map: &hits[i].offset_map,
            })
            .collect();
        let annotated = match pdf::annotate_source(&bytes, doc, &items) {
            Ok(a) => a,
            Err(e) => {
                fail(&mut run, notes, format!("no copy made: {e}"));
                continue;
            }
        };
        // Same file name as the source; a second source of that name gets its hash prefix.
        let name = src.file_name().map_or_else(
            || "document.pdf".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        let name = names.name(&name, doc);
        let dest = dir_abs.join(&name);
        if std::fs::canonicalize(&src).is_ok_and(|s| s == dest) {
            fail(
                &mut run,
                notes,
                "no copy made: the --out folder holds the original; choose another folder"
                    .to_owned(),
            );
            continue;
        }
        std::fs::write(&dest, &annotated.bytes).map_err(|e| Error::io(&dest, &e))?;
        run.highlights += annotated.highlights;
        run.notes += annotated.notes;
        if annotated.notes > 0 {
            notes.push(format!(
                "{path}: {} annotations placed as notes (no character positions on their page)",
                annotated.notes
            ));
        }
        run.files.push(OutputFile {
            path: dest.display().to_string(),
            blake3: blake3::hash(&annotated.bytes).to_hex().to_string(),
            source: Some(absolute(&src)),
            source_blake3: Some(doc.clone()),
            annotations: Some(annotated.highlights + annotated.notes),
        });
    }
    Ok(run)
}
