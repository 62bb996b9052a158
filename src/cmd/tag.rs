//! `redflag tag`: tagging without an index.
//!
//! - `--jsonl FILE|-`: each line `{"id": ..., "text": ..., ...}` is one passage (not
//!   re-segmented); each output line is the input object with `tags` (and `entities`) added,
//!   in input order. A bad line is reported as `FILE:LINE: reason` and left out.
//! - `PATH...`: files are extracted, segmented and tagged; passages are printed as JSONL in
//!   the export format.

use crate::cli::{Global, TagArgs};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::export::{excerpt_json, Excerpt};
use crate::extract::Limits;
use crate::ingest;
use crate::pipeline::{DerivedError, Pipeline};
use rayon::prelude::*;
use std::io::{BufRead, Write};
use std::path::Path;

/// Lines tagged per parallel batch (bounds memory on endless input).
const BATCH: usize = 4096;

pub(super) fn run(g: &Global, a: &TagArgs) -> Result<ExitCode, Error> {
    let pipeline = super::pipeline(g, Limits::default())?;
    match &a.jsonl {
        Some(input) => tag_jsonl(g, &pipeline, input, a.explain),
        None => tag_files(g, &pipeline, &a.paths),
    }
}

fn tag_jsonl(
    g: &Global,
    pipeline: &Pipeline,
    input: &Path,
    explain: bool,
) -> Result<ExitCode, Error> {
    let name = input.display().to_string();
    let reader: Box<dyn BufRead> = if input.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(input).map_err(|e| Error::io(input, &e))?;
        Box::new(std::io::BufReader::new(f))
    };
    let mut out = super::output(None)?;
    let (mut lines_in, mut written, mut tags, mut bad) = (0usize, 0usize, 0usize, 0usize);
    let mut batch: Vec<(usize, String)> = Vec::with_capacity(BATCH);
    let mut lines = reader.lines();
    loop {
        batch.clear();
        for line in lines.by_ref() {
            lines_in += 1;
            match line {
                Ok(l) if l.trim().is_empty() => continue,
                Ok(l) => batch.push((lines_in, l)),
                Err(e) => {
                    super::warn(format!("{name}:{lines_in}: {e}"));
                    bad += 1;
                    continue;
                }
            }
            if batch.len() == BATCH {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        let results: Vec<Result<(String, usize), String>> = batch
            .par_iter()
            .map(|(no, line)| {
                tag_line(pipeline, line, explain).map_err(|e| format!("{name}:{no}: {e}"))
            })
            .collect();
        for r in results {
            match r {
                Ok((json, n)) => {
                    tags += n;
                    written += 1;
                    if let Err(e) = out
                        .write_all(json.as_bytes())
                        .and_then(|_| out.write_all(b"\n"))
                    {
                        return super::write_err(None, e).map_or(Ok(ExitCode::Success), Err);
                    }
                }
                Err(msg) => {
                    super::warn(msg);
                    bad += 1;
                }
            }
        }
    }
    if let Err(e) = out.flush() {
        if let Some(e) = super::write_err(None, e) {
            return Err(e);
        }
    }
    if !g.quiet {
        eprintln!("redflag tag: {written} passages, {tags} tags, {bad} bad lines");
    }
    Ok(if bad > 0 {
        ExitCode::Error
    } else {
        ExitCode::Success
    })
}

/// Tags one input line; returns the output line and its number of tags.
fn tag_line(pipeline: &Pipeline, line: &str, explain: bool) -> Result<(String, usize), String> {
    let mut v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let obj = v.as_object_mut().ok_or("not a JSON object")?;
    let text = match obj.get("text") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(_) => return Err("\"text\" is not a string".into()),
        None => return Err("no \"text\" field".into()),
    };
    let tagging = pipeline.tagger.tag(&text);
    let n = tagging.tags.len();
    obj.insert(
        "tags".into(),
        serde_json::to_value(&tagging.tags).map_err(|e| e.to_string())?,
    );
    obj.insert(
        "entities".into(),
        serde_json::to_value(&tagging.entities).map_err(|e| e.to_string())?,
    );
    if explain {
        obj.insert(
            "explanation".into(),
            crate::tag::explain(&tagging, &text).into(),
        );
    }
    Ok((v.to_string(), n))
}

fn tag_files(
    g: &Global,
    pipeline: &Pipeline,
    paths: &[std::path::PathBuf],
) -> Result<ExitCode, Error> {
    let (files, errors) = ingest::walk(paths, None);
    let mut failed = errors.len();
    for e in &errors {
        super::warn(e);
    }
    let mut out = super::output(None)?;
    let (mut docs, mut passages, mut tags, mut skipped) = (0usize, 0usize, 0usize, 0usize);
    for chunk in files.chunks(64) {
        let results: Vec<_> = chunk
            .par_iter()
            .map(|f| {
                let bytes = std::fs::read(&f.path).map_err(|e| match Error::io(&f.path, &e) {
                    Error::Io { message, .. } => DerivedError {
                        skip: false,
                        message,
                    },
                    other => DerivedError {
                        skip: false,
                        message: other.to_string(),
                    },
                })?;
                pipeline
                    .process(&f.display(), f.ext().as_deref(), &bytes)
                    .map_err(DerivedError::from)
            })
            .collect();
        for (f, r) in chunk.iter().zip(results) {
            match r {
                Ok(mut p) => {
                    // the file, then every document inside it (ZIP members, messages,
                    // attachments), each under its own path
                    let derived = std::mem::take(&mut p.derived);
                    let mut all = vec![p];
                    for d in derived {
                        match d.outcome {
                            Ok(dp) => all.push(dp),
                            Err(e) if e.skip => {
                                skipped += 1;
                                if !g.quiet {
                                    super::warn(format!("{}{}: {e}", f.display(), d.suffix));
                                }
                            }
                            Err(e) => {
                                failed += 1;
                                super::warn(format!("{}{}: {e}", f.display(), d.suffix));
                            }
                        }
                    }
                    for p in all {
                        docs += 1;
                        for w in &p.document.warnings {
                            super::warn(format!("{}: warning: {w}", p.document.path));
                        }
                        for tp in p.passages {
                            passages += 1;
                            tags += tp.tagging.tags.len();
                            let e = Excerpt::of_passage(
                                &p.document,
                                &p.meta,
                                tp,
                                pipeline.tagger.version(),
                            );
                            let line = excerpt_json(&e).to_string();
                            if let Err(e) = out
                                .write_all(line.as_bytes())
                                .and_then(|_| out.write_all(b"\n"))
                            {
                                return super::write_err(None, e)
                                    .map_or(Ok(ExitCode::Success), Err);
                            }
                        }
                    }
                }
                Err(e) if e.skip => {
                    skipped += 1;
                    if !g.quiet {
                        super::warn(format!("{}: {e}", f.display()));
                    }
                }
                Err(e) => {
                    failed += 1;
                    super::warn(format!("{}: {e}", f.display()));
                }
            }
        }
    }
    if let Err(e) = out.flush() {
        if let Some(e) = super::write_err(None, e) {
            return Err(e);
        }
    }
    if !g.quiet {
        eprintln!("redflag tag: {docs} files, {passages} passages, {tags} tags, {skipped} skipped, {failed} failed");
    }
    Ok(if failed > 0 {
        ExitCode::Error
    } else {
        ExitCode::Success
    })
}
