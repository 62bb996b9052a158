//! `redflag search QUERY`: ranked passages with citation, tags and highlighted snippet
//! (`--json`: one object per hit), facet counts, neighbouring passages, a regex filter, and
//! batch search over a file of queries (`--queries FILE` → one CSV of hits).

use super::output::{render_hit, snippet};
use crate::cli::{Global, SearchArgs, Sort};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::export::{excerpt_json, Excerpt};
use crate::index::{Facets, Filters, IndexStore, SearchRequest, SortOrder};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

pub(super) fn run(g: &Global, a: &SearchArgs) -> Result<ExitCode, Error> {
    let started = Instant::now();
    let regex = match &a.regex {
        Some(p) => Some(
            regex::Regex::new(p)
                .map_err(|e| Error::Usage(format!("--regex: {}", one_line(&e.to_string()))))?,
        ),
        None => None,
    };
    let store = IndexStore::open(&g.index)?;
    let filters = super::filters(g, &store, &a.filters, &a.query)?;
    let sort = match a.sort {
        Sort::Score => SortOrder::Score,
        Sort::Document => SortOrder::Document,
    };
    if let Some(file) = &a.queries {
        return batch(g, a, &store, file, &filters, regex.as_ref(), sort);
    }
    let req = SearchRequest {
        query: &a.query,
        filters: filters.clone(),
        sort,
        limit: if a.all { None } else { Some(a.limit) },
        offset: a.offset,
        regex: regex.as_ref(),
    };
    let result = store.search_request(&req)?;
    let facets = if a.facets {
        Some(store.facets(&a.query, &filters)?)
    } else {
        None
    };
    let color = super::use_color(g.color);
    let mut out = super::output(None)?;
    let mut write = || -> Result<(), Error> {
        let io = |e| super::write_err(None, e);
        for hit in &result.hits {
            if a.json {
                let mut v = excerpt_json(&Excerpt::from(hit.clone()));
                v["score"] = serde_json::json!(hit.score);
                v["highlights"] = serde_json::to_value(&hit.highlights).unwrap_or_default();
                if a.explain {
                    let tagging = crate::model::Tagging {
                        tags: hit.tags.clone(),
                        entities: hit.entities.clone(),
                    };
                    v["explanation"] = crate::tag::explain(&tagging, &hit.text).into();
                }
                if a.context > 0 {
                    let ctx = store.neighbours(hit, a.context)?;
                    v["context"] = ctx
                        .iter()
                        .filter(|h| h.passage != hit.passage)
                        .map(|h| serde_json::json!({"passage": h.passage, "text": h.text}))
                        .collect();
                }
                let line = v.to_string();
                if let Err(e) = writeln!(out, "{line}") {
                    return io(e).map_or(Ok(()), Err);
                }
            } else {
                let mut block = String::new();
                if a.context > 0 {
                    let ctx = store.neighbours(hit, a.context)?;
                    for h in ctx.iter().filter(|h| h.passage < hit.passage) {
                        block.push_str(&format!(
                            "    ¶{} {}\n",
                            h.passage,
                            snippet(&h.text, &[], &[], false)
                        ));
                    }
                    block.push_str(&render_hit(hit, color));
                    for h in ctx.iter().filter(|h| h.passage > hit.passage) {
                        block.push_str(&format!(
                            "    ¶{} {}\n",
                            h.passage,
                            snippet(&h.text, &[], &[], false)
                        ));
                    }
                    block.push('\n');
                } else {
                    block = render_hit(hit, color);
                }
                if a.explain && !hit.tags.is_empty() {
                    let tagging = crate::model::Tagging {
                        tags: hit.tags.clone(),
                        entities: hit.entities.clone(),
                    };
                    for line in crate::tag::explain(&tagging, &hit.text).lines() {
                        block.push_str("      ");
                        block.push_str(line);
                        block.push('\n');
                    }
                }
                if let Err(e) = out.write_all(block.as_bytes()) {
                    return io(e).map_or(Ok(()), Err);
                }
            }
        }
        if let Some(f) = &facets {
            let text = if a.json {
                serde_json::json!({"facets": f, "total": result.total}).to_string() + "\n"
            } else {
                render_facets(f)
            };
            if let Err(e) = out.write_all(text.as_bytes()) {
                return io(e).map_or(Ok(()), Err);
            }
        }
        out.flush().or_else(|e| io(e).map_or(Ok(()), Err))
    };
    write()?;
    if !g.quiet {
        eprintln!(
            "redflag search: {} of {} matching passages shown in {:.0} ms",
            result.hits.len(),
            result.total,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    if result.total == 0 && !g.quiet {
        if let Some(e) = store.explain_empty(&a.query, &filters)? {
            if !e.unmatched.is_empty() {
                eprintln!(
                    "redflag search: no passage has {}",
                    e.unmatched
                        .iter()
                        .map(|w| format!("{w:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if let Some(or) = &e.or_query {
                eprintln!(
                    "redflag search: all words must match; any of them: redflag search '{or}' ({} passages)",
                    e.or_total
                );
            }
        }
    }
    Ok(if result.total == 0 {
        ExitCode::NothingFound
    } else {
        ExitCode::Success
    })
}

fn render_facets(f: &Facets) -> String {
    let mut s = String::from("\nfacets\n");
    for (name, rows) in [
        ("tag", &f.tag),
        ("modality", &f.modality),
        ("kind", &f.kind),
        ("year", &f.year),
        ("lang", &f.lang),
        ("document", &f.document),
    ] {
        if rows.is_empty() {
            continue;
        }
        s.push_str(&format!("  {name}:\n"));
        for (k, n) in rows
            .iter()
            .take(if name == "document" { 20 } else { usize::MAX })
        {
            s.push_str(&format!("    {n:>7}  {k}\n"));
        }
        if name == "document" && f.documents > 20 {
            s.push_str(&format!(
                "    ... {} more documents ({} in all)\n",
                f.documents - 20,
                f.documents
            ));
        }
    }
    s
}

/// `--queries FILE`: one query per line, or `label,query` CSV; every hit of every query
/// into one CSV (label, query, citation, path, page, passage, score, tags, snippet).
fn batch(
    g: &Global,
    a: &SearchArgs,
    store: &IndexStore,
    file: &Path,
    filters: &Filters,
    regex: Option<&regex::Regex>,
    sort: SortOrder,
) -> Result<ExitCode, Error> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, &e))?;
    let queries = parse_queries(&text);
    let out = super::output(a.out.as_deref())?;
    let mut w = csv::Writer::from_writer(out);
    let csv_err = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => super::write_err(a.out.as_deref(), io),
        other => Some(Error::Usage(format!("{other:?}"))),
    };
    if let Err(e) = w.write_record([
        "label", "query", "citation", "path", "page", "passage", "score", "tags", "snippet",
    ]) {
        return csv_err(e).map_or(Ok(ExitCode::Success), Err);
    }
    let (mut hits_total, mut failed, mut empty) = (0usize, 0usize, 0usize);
    for (line, label, query) in &queries {
        let req = SearchRequest {
            query,
            filters: filters.clone(),
            sort,
            limit: None,
            offset: 0,
            regex,
        };
        let result = match store.search_request(&req) {
            Ok(r) => r,
            Err(e) => {
                super::warn(format!("{}:{line}: {e}", file.display()));
                failed += 1;
                continue;
            }
        };
        if result.total == 0 {
            empty += 1;
        }
        for h in result.hits {
            hits_total += 1;
            let tags: Vec<String> = h
                .tags
                .iter()
                .map(|t| format!("{}/{}", t.category, t.modality))
                .collect();
            let row = [
                label.clone(),
                query.clone(),
                format!("{}:{}", h.path, h.page),
                h.path.clone(),
                h.page.to_string(),
                h.passage.to_string(),
                format!("{:.3}", h.score),
                tags.join("; "),
                snippet(&h.text, &h.highlights, &[], false),
            ];
            if let Err(e) = w.write_record(&row) {
                return csv_err(e).map_or(Ok(ExitCode::Success), Err);
            }
        }
    }
    if let Err(e) = w.flush() {
        if let Some(e) = super::write_err(a.out.as_deref(), e) {
            return Err(e);
        }
    }
    if !g.quiet {
        eprintln!(
            "redflag search: {} queries ({} without hits, {} bad), {} hits",
            queries.len(),
            empty,
            failed,
            hits_total
        );
    }
    Ok(if failed > 0 {
        ExitCode::Error
    } else if hits_total == 0 {
        ExitCode::NothingFound
    } else {
        ExitCode::Success
    })
}

/// Lines of a queries file: `(line number, label, query)`. A line is `label,query` when it
/// parses as a two-field CSV record whose first field has no spaces and the file's first
/// line is not a lone query; otherwise the whole line is the query and its label.
fn parse_queries(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let is_csv = lines.first().is_some_and(|(_, l)| {
        let lower = l.to_ascii_lowercase();
        lower == "label,query" || lower.starts_with("label,")
    });
    for (i, (no, line)) in lines.iter().enumerate() {
        if is_csv {
            if i == 0 {
                continue; // header
            }
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(line.as_bytes());
            if let Some(Ok(rec)) = rdr.records().next() {
                let label = rec.get(0).unwrap_or("").to_owned();
                let query: Vec<&str> = rec.iter().skip(1).collect();
                out.push((*no, label, query.join(",")));
                continue;
            }
        }
        out.push((*no, line.to_string(), line.to_string()));
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_files_plain_and_csv() {
        let q = parse_queries("# names\nbribe\n\n\"tea money\"\n");
        assert_eq!(
            q,
            vec![
                (2, "bribe".into(), "bribe".into()),
                (4, "\"tea money\"".into(), "\"tea money\"".into())
            ]
        );
        let q = parse_queries("label,query\nsergeant,\"sergeant AND paid\"\nvisa,visa~1\n");
        assert_eq!(
            q,
            vec![
                (2, "sergeant".into(), "sergeant AND paid".into()),
                (3, "visa".into(), "visa~1".into())
            ]
        );
    }
}
