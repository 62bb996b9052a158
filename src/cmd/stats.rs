//! `redflag stats`: the collection overview as tables (or JSON).

use crate::cli::{Global, StatsArgs};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::index::{Filters, IndexStore, SortOrder};
use crate::stats;
use std::io::Write;

pub(super) fn run(g: &Global, a: &StatsArgs) -> Result<ExitCode, Error> {
    let store = IndexStore::open(&g.index)?;
    let all = store.search("", &Filters::default(), SortOrder::Document, None)?;
    let s = stats::compute(&all.hits);
    let text = if a.json {
        serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
    } else {
        render(&s, a.top)
    };
    let mut out = super::output(None)?;
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if let Some(e) = super::write_err(None, e) {
            return Err(e);
        }
    }
    Ok(if s.passages == 0 {
        ExitCode::NothingFound
    } else {
        ExitCode::Success
    })
}

/// Column headings for the categories of the built-in codebook; others keep their id.
fn short(c: &str) -> String {
    match c {
        "fraudulent_documents" => "documents",
        "leaked_information" => "leaks",
        "obstruction_of_justice" => "obstruction",
        "official_complicity" => "complicity",
        "influence_peddling" => "influence",
        "illicit_finance" => "finance",
        other => other,
    }
    .to_owned()
}

fn render(s: &stats::Stats, top: usize) -> String {
    let mut o = format!(
        "{} documents, {} passages, {} tagged\n\ndocuments × categories (tagged passages)\n",
        s.documents, s.passages, s.tagged_passages
    );
    let width = s
        .matrix
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(8)
        .min(60);
    o.push_str(&format!("{:width$}", "document"));
    for c in &s.categories {
        o.push_str(&format!(" {:>11}", short(c)));
    }
    o.push('\n');
    for (doc, row) in &s.matrix {
        let name: String = if doc.chars().count() > width {
            let tail: String = doc
                .chars()
                .rev()
                .take(width - 1)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("…{tail}")
        } else {
            doc.clone()
        };
        o.push_str(&format!("{name:width$}"));
        for c in &s.categories {
            o.push_str(&format!(" {:>11}", row.get(c).copied().unwrap_or(0)));
        }
        o.push('\n');
    }
    o.push_str("\ntop documents by distinct corruption indicators\n");
    for (doc, n, p) in s.top.iter().take(top) {
        o.push_str(&format!(
            "  {n:>2} indicators, {p:>5} tagged passages  {doc}\n"
        ));
    }
    o.push_str("\ncategories tagged in the same passage\n");
    for (a, b, n) in s.cooccurrence.iter().take(20) {
        o.push_str(&format!("  {n:>6}  {a} + {b}\n"));
    }
    o
}
