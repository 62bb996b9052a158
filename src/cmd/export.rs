//! `redflag export`: every passage matching the query and filters, in document order, as
//! JSONL or CSV. No caps: everything that matches is written.

use crate::cli::{ExportArgs, ExportFormat, Global};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::export::{self, Excerpt, Format};
use crate::index::{IndexStore, SortOrder};

pub(super) fn run(g: &Global, a: &ExportArgs) -> Result<ExitCode, Error> {
    let filters = super::filters(&a.filters)?;
    let store = IndexStore::open(&g.index)?;
    let result = store.search(&a.query, &filters, SortOrder::Document, None)?;
    let format = match a.format {
        ExportFormat::Jsonl => Format::Jsonl,
        ExportFormat::Csv => Format::Csv,
    };
    let out = super::output(a.out.as_deref())?;
    let n = result.hits.len();
    let mut tags = 0;
    let res = (|| -> std::io::Result<()> {
        let mut sink = export::sink(format, out, a.bom)?;
        for hit in result.hits {
            tags += hit.tags.len();
            sink.write(&Excerpt::from(hit))?;
        }
        sink.finish()
    })();
    if let Err(e) = res {
        if let Some(e) = super::write_err(a.out.as_deref(), e) {
            return Err(e);
        }
    }
    if !g.quiet {
        let dest = a
            .out
            .as_ref()
            .map_or("stdout".to_owned(), |p| p.display().to_string());
        eprintln!("redflag export: {n} passages, {tags} tags -> {dest}");
    }
    Ok(if n == 0 {
        ExitCode::NothingFound
    } else {
        ExitCode::Success
    })
}
