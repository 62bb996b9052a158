//! `redflag eval GOLD.jsonl`: tags every gold passage and scores the result the way
//! `shared/gold/score.py` does (per-label precision, recall, F1; macro-F1 over the nine
//! corruption categories; modality accuracy on passages with a corruption label, also on those
//! where a label was found, and the modality confusion table; the false-positive rate on
//! negatives). `--split tune|check` scores one side of `split.py`'s partition; `--by FIELD`
//! adds the figures per value of a field.

use crate::cli::{EvalArgs, Global, SplitKey, SplitPart};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::extract::Limits;
use crate::tag::eval;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;

pub(super) fn run(g: &Global, a: &EvalArgs) -> Result<ExitCode, Error> {
    let text = std::fs::read_to_string(&a.gold).map_err(|e| Error::io(&a.gold, &e))?;
    let mut gold = eval::parse_gold(&text)
        .map_err(|e| Error::Usage(format!("{}:{}: {}", a.gold.display(), e.line, e.message)))?;
    if !(0.0..=1.0).contains(&a.check_share) {
        return Err(Error::Usage(format!(
            "--check-share {}: a share between 0 and 1",
            a.check_share
        )));
    }
    if let Some(part) = a.split {
        let by = match a.split_by {
            SplitKey::Site => eval::SplitBy::Site,
            SplitKey::SourceKind => eval::SplitBy::SourceKind,
            SplitKey::Lang => eval::SplitBy::Lang,
        };
        gold.retain(|r| eval::is_check(r, by, a.check_share) == (part == SplitPart::Check));
    }
    let pipeline = super::pipeline(g, Limits::default())?;
    let predictions: BTreeMap<String, crate::model::Tagging> = gold
        .par_iter()
        .map(|r| (r.id.clone(), pipeline.tagger.tag(&r.text)))
        .collect();
    if let Some(p) = &a.predictions {
        let body = eval::predictions_jsonl(
            gold.iter()
                .filter_map(|r| predictions.get(&r.id).map(|t| (r.id.as_str(), t))),
        );
        std::fs::write(p, body).map_err(|e| Error::io(p, &e))?;
    }
    let report = eval::evaluate(&gold, &predictions);
    let by = a
        .by
        .as_ref()
        .map(|f| (f.clone(), eval::evaluate_by(&gold, &predictions, f)));
    let out = if a.json {
        let mut v = serde_json::to_value(&report).unwrap_or_default();
        if let Some(part) = a.split {
            v["split"] = serde_json::json!({
                "part": if part == SplitPart::Check { "check" } else { "tune" },
                "by": match a.split_by {
                    SplitKey::Site => "site",
                    SplitKey::SourceKind => "source_kind",
                    SplitKey::Lang => "lang",
                },
                "check_share": a.check_share,
            });
        }
        if let Some((f, groups)) = &by {
            v["by"] = serde_json::json!({ "field": f, "groups": groups });
        }
        serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
    } else {
        let mut s = report.to_string();
        s.push('\n');
        if let Some((f, groups)) = &by {
            s.push_str(&render_by(f, groups));
        }
        s
    };
    let mut w = super::output(None)?;
    if let Err(e) = w.write_all(out.as_bytes()).and_then(|_| w.flush()) {
        if let Some(e) = super::write_err(None, e) {
            return Err(e);
        }
    }
    Ok(ExitCode::Success)
}

/// One line per value: passages, macro- and micro-F1, modality, FP rate.
fn render_by(field: &str, groups: &BTreeMap<String, eval::Report>) -> String {
    let mut s = format!(
        "\n{:24} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
        format!("by {field}"),
        "passages",
        "macro-F1",
        "micro-F1",
        "modality",
        "FP rate"
    );
    for (k, r) in groups {
        let k = if k.is_empty() { "(none)" } else { k.as_str() };
        s.push_str(&format!(
            "{k:24} {:>8} {:>8.3} {:>8.3} {:>8.3} {:>8.3}\n",
            r.passages, r.macro_f1, r.micro_f1, r.modality_acc, r.negative_fp_rate
        ));
    }
    s
}
