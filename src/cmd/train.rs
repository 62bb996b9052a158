//! `redflag train GOLD --out FILE`: learns the second opinion from gold JSONL (rules from the
//! dictionaries in use, `--dictionaries`), calibrates its threshold and gate by a 5-fold
//! cross-validation grouped by site, prints the cross-validated figures (rules alone vs rules +
//! model) and writes the model file.

use crate::cli::{Global, TrainArgs};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::tag::{eval, learned, Tagger};
use std::io::Write;

pub(super) fn run(g: &Global, a: &TrainArgs) -> Result<ExitCode, Error> {
    let text = std::fs::read_to_string(&a.gold).map_err(|e| Error::io(&a.gold, &e))?;
    let gold = eval::parse_gold(&text)
        .map_err(|e| Error::Usage(format!("{}:{}: {}", a.gold.display(), e.line, e.message)))?;
    if gold.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no gold passages to learn from",
            a.gold.display()
        )));
    }
    let folds = a.cv.unwrap_or(5);
    if folds < 2 {
        return Err(Error::Usage(format!("--cv {folds}: at least 2 folds")));
    }
    let codebook = super::load_codebook(g.dictionaries.as_deref())?;
    let mut tagger = Tagger::new(&codebook)?;
    let fit = learned::fit(&mut tagger, &gold, folds, learned::TrainOptions::default());
    let body = fit.model.to_text();
    std::fs::write(&a.out, &body).map_err(|e| Error::io(&a.out, &e))?;
    let m = &fit.model;
    let gate: Vec<String> = m.gate.iter().map(|g| g.join("|")).collect();
    let summary = format!(
        "{}-fold cross-validation by site on {} passages (threshold and gate chosen on the same folds)\n\
         rules alone:   macro-F1 {:.3}  modality {:.3}  FP rate {:.3}\n\
         rules + model: macro-F1 {:.3}  modality {:.3}  FP rate {:.3}\n\
         chosen: threshold {:.2}, gate {}, only untagged passages: {}, L2 {}\n",
        fit.cv.folds,
        gold.len(),
        fit.cv.rules.macro_f1,
        fit.cv.rules.modality_acc,
        fit.cv.rules.negative_fp_rate,
        fit.cv.combined.macro_f1,
        fit.cv.combined.modality_acc,
        fit.cv.combined.negative_fp_rate,
        m.threshold,
        gate.join(" & "),
        m.only_untagged,
        m.l2,
    );
    let mut w = super::output(None)?;
    if let Err(e) = w.write_all(summary.as_bytes()).and_then(|_| w.flush()) {
        if let Some(e) = super::write_err(None, e) {
            return Err(e);
        }
    }
    if !g.quiet {
        super::warn(format!(
            "wrote {} ({} features, {} bytes)",
            a.out.display(),
            m.features.len(),
            body.len()
        ));
    }
    Ok(ExitCode::Success)
}
