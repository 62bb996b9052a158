//! `redflag search QUERY`: ranked passages with citation, tags and highlighted snippet, or
//! one JSON object per hit with `--json`.

use super::output::render_hit;
use crate::cli::{Global, SearchArgs, Sort};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::export::{excerpt_json, Excerpt};
use crate::index::{IndexStore, SortOrder};
use std::io::Write;
use std::time::Instant;

pub(super) fn run(g: &Global, a: &SearchArgs) -> Result<ExitCode, Error> {
    let started = Instant::now();
    let filters = super::filters(&a.filters)?;
    let store = IndexStore::open(&g.index)?;
    let sort = match a.sort {
        Sort::Score => SortOrder::Score,
        Sort::Document => SortOrder::Document,
    };
    let limit = if a.all { None } else { Some(a.limit) };
    let result = store.search(&a.query, &filters, sort, limit)?;
    let color = super::use_color(g.color);
    let mut out = super::output(None)?;
    let mut write = || -> std::io::Result<()> {
        for hit in &result.hits {
            if a.json {
                let mut v = excerpt_json(&Excerpt::from(hit.clone()));
                v["score"] = serde_json::json!(hit.score);
                v["highlights"] = serde_json::to_value(&hit.highlights).unwrap_or_default();
                serde_json::to_writer(&mut out, &v)?;
                out.write_all(b"\n")?;
            } else {
                out.write_all(render_hit(hit, color).as_bytes())?;
            }
        }
        out.flush()
    };
    if let Err(e) = write() {
        if let Some(e) = super::write_err(None, e) {
            return Err(e);
        }
    }
    if !g.quiet {
        eprintln!(
            "redflag search: {} of {} matching passages shown in {:.0} ms",
            result.hits.len(),
            result.total,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(if result.total == 0 {
        ExitCode::NothingFound
    } else {
        ExitCode::Success
    })
}
