//! `redflag eval GOLD.jsonl`: tags every gold passage and scores the result the way
//! `shared/gold/score.py` does (per-label precision, recall, F1; macro-F1 over the nine
//! corruption categories; modality accuracy on passages with a corruption label; the
//! false-positive rate on negatives).

use crate::cli::{EvalArgs, Global};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::extract::Limits;
use crate::tag::eval;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;

pub(super) fn run(g: &Global, a: &EvalArgs) -> Result<ExitCode, Error> {
    let text = std::fs::read_to_string(&a.gold).map_err(|e| Error::io(&a.gold, &e))?;
    let gold = eval::parse_gold(&text)
        .map_err(|e| Error::Usage(format!("{}:{}: {}", a.gold.display(), e.line, e.message)))?;
    let pipeline = super::pipeline(g, Limits::default())?;
    let predictions: BTreeMap<String, crate::model::Tagging> = gold
        .par_iter()
        .map(|r| (r.id.clone(), pipeline.tagger.tag(&r.text)))
        .collect();
    if let Some(p) = &a.predictions {
        let body = eval::predictions_jsonl(predictions.iter().map(|(k, v)| (k.as_str(), v)));
        std::fs::write(p, body).map_err(|e| Error::io(p, &e))?;
    }
    let report = eval::evaluate(&gold, &predictions);
    let out = if a.json {
        serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
    } else {
        render(&report)
    };
    let mut w = super::output(None)?;
    if let Err(e) = w.write_all(out.as_bytes()).and_then(|_| w.flush()) {
        if let Some(e) = super::write_err(None, e) {
            return Err(e);
        }
    }
    Ok(ExitCode::Success)
}

fn render(r: &eval::Report) -> String {
    r.to_string()
}
