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
    let mut s = format!(
        "{:<24} {:>6} {:>6} {:>6} {:>5} {:>5} {:>5}\n",
        "label", "P", "R", "F1", "tp", "fp", "fn"
    );
    let order = eval::CORRUPTION.iter().chain(eval::CONTEXT.iter());
    for label in order {
        if let Some(l) = r.labels.get(*label) {
            s.push_str(&format!(
                "{label:<24} {:>6.3} {:>6.3} {:>6.3} {:>5} {:>5} {:>5}\n",
                l.p, l.r, l.f1, l.tp, l.fp, l.fn_
            ));
        }
    }
    s.push_str(&format!(
        "\nmacro-F1 (9 corruption labels) {:.3}   micro-F1 {:.3}\nmodality accuracy {:.3} on {} positive passages\nfalse-positive rate on {} negative passages {:.3}\n",
        r.macro_f1, r.micro_f1, r.modality_acc, r.positives, r.negatives, r.negative_fp_rate
    ));
    s
}
