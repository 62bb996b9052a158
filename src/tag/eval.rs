//! Evaluation against a gold set: per-category precision/recall/F1, macro-F1 over the nine
//! corruption categories, micro-F1, modality accuracy on gold-positive passages and the
//! false-positive rate on gold negatives, computed exactly as `shared/gold/score.py` does
//! (passage modality from the corruption tags by the taxonomy's precedence; a passage
//! predicted with no corruption tag has modality "none").
//!
//! `redflag eval GOLD.jsonl` = [`run`] (= [`parse_gold`] → tag every record's text →
//! [`evaluate`]) → print [`Report`] (its `Display` is score.py's table); [`predictions_jsonl`]
//! writes the predictions in the scorer's input format.

use crate::model::{Modality, Tagging};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The nine corruption categories, in the scorer's order.
pub const CORRUPTION: [&str; 9] = [
    "bribery",
    "fraudulent_documents",
    "leaked_information",
    "obstruction_of_justice",
    "official_complicity",
    "extortion",
    "influence_peddling",
    "illicit_finance",
    "impunity",
];

/// The domain-context categories.
pub const CONTEXT: [&str; 2] = ["trafficking", "smuggling"];

/// One gold passage.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct GoldRecord {
    /// Passage id.
    pub id: String,
    /// Passage text.
    pub text: String,
    /// Gold labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Gold modality (`none` for negatives).
    #[serde(default)]
    pub modality: String,
    /// Language code.
    #[serde(default)]
    pub lang: String,
    /// Every other field of the line (`source`, `source_kind`, `note`, ...), for `--by` and
    /// `--split`.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl GoldRecord {
    /// The value of a field of the gold line as text (`""` when absent; a non-string value
    /// as its JSON).
    pub fn field(&self, name: &str) -> String {
        match name {
            "id" => self.id.clone(),
            "lang" => self.lang.clone(),
            "modality" => self.modality.clone(),
            "text" => self.text.clone(),
            _ => match self.extra.get(name) {
                None => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            },
        }
    }
}

/// A malformed gold line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct GoldError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses gold JSONL (blank lines skipped).
pub fn parse_gold(jsonl: &str) -> Result<Vec<GoldRecord>, GoldError> {
    let mut out = Vec::new();
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let rec: GoldRecord = serde_json::from_str(line).map_err(|e| GoldError {
            line: i + 1,
            message: e.to_string(),
        })?;
        out.push(rec);
    }
    Ok(out)
}

/// Counts and scores of one label.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct LabelScore {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
    /// Precision.
    pub p: f64,
    /// Recall.
    pub r: f64,
    /// F1.
    pub f1: f64,
}

/// An evaluation summary.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Report {
    /// Gold passages.
    pub passages: usize,
    /// Per label (corruption then context).
    pub labels: BTreeMap<String, LabelScore>,
    /// Macro-F1 over the nine corruption labels.
    pub macro_f1: f64,
    /// Micro-F1 over the nine corruption labels.
    pub micro_f1: f64,
    /// Modality accuracy on gold-positive passages.
    pub modality_acc: f64,
    /// Gold-positive passages.
    pub positives: usize,
    /// False-positive rate on gold negatives.
    pub negative_fp_rate: f64,
    /// Gold-negative passages.
    pub negatives: usize,
    /// Modality accuracy on the gold-positive passages that got at least one corruption tag
    /// (the modality of what was found, apart from what was missed).
    pub modality_acc_found: f64,
    /// Gold-positive passages with at least one predicted corruption tag.
    pub found: usize,
    /// Modality confusion on gold-positive passages: gold modality → predicted passage
    /// modality (`none` when no corruption tag was predicted) → passages.
    pub modality_confusion: BTreeMap<String, BTreeMap<String, usize>>,
}

fn prf(tp: usize, fp: usize, fn_: usize) -> (f64, f64, f64) {
    let p = if tp + fp > 0 {
        tp as f64 / (tp + fp) as f64
    } else {
        0.0
    };
    let r = if tp + fn_ > 0 {
        tp as f64 / (tp + fn_) as f64
    } else {
        0.0
    };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// The passage modality of a tagging: precedence over its corruption tags, or `none`.
pub fn passage_modality(t: &Tagging) -> String {
    Modality::PRECEDENCE
        .iter()
        .find(|m| {
            t.tags
                .iter()
                .any(|x| x.modality == **m && CORRUPTION.contains(&x.category.as_str()))
        })
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "none".to_string())
}

/// Scores taggings (by gold id; a missing id counts as no labels) against gold records.
pub fn evaluate(gold: &[GoldRecord], predictions: &BTreeMap<String, Tagging>) -> Report {
    let empty = Tagging::default();
    let all: Vec<&str> = CORRUPTION.iter().chain(CONTEXT.iter()).copied().collect();
    let mut counts: BTreeMap<&str, (usize, usize, usize)> =
        all.iter().map(|l| (*l, (0, 0, 0))).collect();
    let (mut mod_ok, mut mod_n, mut neg_n, mut neg_fp) = (0usize, 0usize, 0usize, 0usize);
    let (mut found_ok, mut found_n) = (0usize, 0usize);
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for g in gold {
        let p = predictions.get(&g.id).unwrap_or(&empty);
        let pl: Vec<&str> = p.tags.iter().map(|t| t.category.as_str()).collect();
        for l in &all {
            let (gi, pi) = (g.labels.iter().any(|x| x == l), pl.contains(l));
            let c = counts.get_mut(l).expect("label present");
            match (gi, pi) {
                (true, true) => c.0 += 1,
                (false, true) => c.1 += 1,
                (true, false) => c.2 += 1,
                _ => {}
            }
        }
        let g_pos = g.labels.iter().any(|l| CORRUPTION.contains(&l.as_str()));
        let p_pos = pl.iter().any(|l| CORRUPTION.contains(l));
        if g_pos {
            mod_n += 1;
            let pm = if p_pos {
                passage_modality(p)
            } else {
                "none".into()
            };
            mod_ok += usize::from(pm == g.modality);
            if p_pos {
                found_n += 1;
                found_ok += usize::from(pm == g.modality);
            }
            *confusion
                .entry(g.modality.clone())
                .or_default()
                .entry(pm)
                .or_default() += 1;
        } else {
            neg_n += 1;
            neg_fp += usize::from(p_pos);
        }
    }
    let mut labels = BTreeMap::new();
    for (l, (tp, fp, fn_)) in &counts {
        let (p, r, f1) = prf(*tp, *fp, *fn_);
        labels.insert(
            l.to_string(),
            LabelScore {
                tp: *tp,
                fp: *fp,
                fn_: *fn_,
                p,
                r,
                f1,
            },
        );
    }
    let macro_f1 = CORRUPTION.iter().map(|l| labels[*l].f1).sum::<f64>() / CORRUPTION.len() as f64;
    let (tp, fp, fn_) = CORRUPTION.iter().fold((0, 0, 0), |a, l| {
        let c = counts[l];
        (a.0 + c.0, a.1 + c.1, a.2 + c.2)
    });
    Report {
        passages: gold.len(),
        labels,
        macro_f1,
        micro_f1: prf(tp, fp, fn_).2,
        modality_acc: if mod_n > 0 {
            mod_ok as f64 / mod_n as f64
        } else {
            0.0
        },
        positives: mod_n,
        negative_fp_rate: if neg_n > 0 {
            neg_fp as f64 / neg_n as f64
        } else {
            0.0
        },
        negatives: neg_n,
        modality_acc_found: if found_n > 0 {
            found_ok as f64 / found_n as f64
        } else {
            0.0
        },
        found: found_n,
        modality_confusion: confusion,
    }
}

/// Reports per value of a field of the gold lines (`lang`, `source_kind`, any key): each
/// value's passages scored on their own, as `score.py` would score that subset.
pub fn evaluate_by(
    gold: &[GoldRecord],
    predictions: &BTreeMap<String, Tagging>,
    field: &str,
) -> BTreeMap<String, Report> {
    let mut groups: BTreeMap<String, Vec<GoldRecord>> = BTreeMap::new();
    for g in gold {
        groups.entry(g.field(field)).or_default().push(g.clone());
    }
    groups
        .into_iter()
        .map(|(k, v)| (k, evaluate(&v, predictions)))
        .collect()
}

/// How `--split` cuts a gold file: the key whose hash decides the side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitBy {
    /// The web site of `source` (`split.py`'s default).
    Site,
    /// The `source_kind` field.
    SourceKind,
    /// The `lang` field.
    Lang,
}

/// The site of a gold line's `source`, as `split.py` computes it: the URL's network location
/// (`urllib.parse.urlsplit(...).netloc`, port included), lowercased, without the labels `www`,
/// `m` and `amp`, its last three labels joined; the id when nothing is left.
pub fn site(rec: &GoldRecord) -> String {
    let host = netloc(&rec.field("source")).to_lowercase();
    let parts: Vec<&str> = host
        .split('.')
        .filter(|p| !matches!(*p, "www" | "m" | "amp"))
        .collect();
    if parts.is_empty() {
        return rec.id.clone();
    }
    parts[parts.len().saturating_sub(3)..].join(".")
}

/// `urllib.parse.urlsplit(url).netloc`: after an optional `scheme:`, the part after `//` up
/// to the first `/`, `?` or `#`; empty without `//`.
fn netloc(url: &str) -> &str {
    let rest = match url.find(':') {
        Some(i)
            if i > 0
                && url[..i].starts_with(|c: char| c.is_ascii_alphabetic())
                && url[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            &url[i + 1..]
        }
        _ => url,
    };
    match rest.strip_prefix("//") {
        Some(r) => &r[..r.find(['/', '?', '#']).unwrap_or(r.len())],
        None => "",
    }
}

/// `split.py`'s bucket of a key: the first 32 bits of its SHA-256 over `0xFFFFFFFF`.
pub fn bucket(key: &str) -> f64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(key.as_bytes());
    let v = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
    f64::from(v) / f64::from(u32::MAX)
}

/// Whether a gold line falls on the check side of `split.py`'s partition.
pub fn is_check(rec: &GoldRecord, by: SplitBy, check_share: f64) -> bool {
    let key = match by {
        SplitBy::Site => site(rec),
        SplitBy::SourceKind => rec.field("source_kind"),
        SplitBy::Lang => rec.field("lang"),
    };
    bucket(&key) < check_share
}

/// Tags every gold record with `tagger` and scores the result: what `redflag eval` prints.
/// Returns the report and the taggings by id (for `--predictions` output).
pub fn run(
    tagger: &super::Tagger,
    gold_jsonl: &str,
) -> Result<(Report, BTreeMap<String, Tagging>), GoldError> {
    let gold = parse_gold(gold_jsonl)?;
    let preds: BTreeMap<String, Tagging> = gold
        .iter()
        .map(|g| (g.id.clone(), tagger.tag(&g.text)))
        .collect();
    Ok((evaluate(&gold, &preds), preds))
}

/// Predictions in the scorer's tag-level format, one JSON object per line.
pub fn predictions_jsonl<'a>(items: impl IntoIterator<Item = (&'a str, &'a Tagging)>) -> String {
    let mut out = String::new();
    for (id, t) in items {
        let tags: Vec<serde_json::Value> = t
            .tags
            .iter()
            .map(|x| serde_json::json!({"category": x.category, "modality": x.modality.as_str()}))
            .collect();
        out.push_str(&serde_json::json!({"id": id, "tags": tags}).to_string());
        out.push('\n');
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:24} {:>6} {:>6} {:>6} {:>5} {:>5} {:>5}",
            "label", "P", "R", "F1", "tp", "fp", "fn"
        )?;
        for l in CORRUPTION.iter().chain(CONTEXT.iter()) {
            let r = self.labels.get(*l).copied().unwrap_or_default();
            writeln!(
                f,
                "{l:24} {:6.3} {:6.3} {:6.3} {:5} {:5} {:5}",
                r.p, r.r, r.f1, r.tp, r.fp, r.fn_
            )?;
        }
        writeln!(
            f,
            "\nmacro-F1 (9 corruption labels) {:.3}   micro-F1 {:.3}",
            self.macro_f1, self.micro_f1
        )?;
        writeln!(
            f,
            "modality accuracy {:.3} on {} positive passages",
            self.modality_acc, self.positives
        )?;
        writeln!(
            f,
            "false-positive rate on {} negative passages {:.3}",
            self.negatives, self.negative_fp_rate
        )?;
        writeln!(
            f,
            "modality accuracy {:.3} on the {} positive passages where a label was found",
            self.modality_acc_found, self.found
        )?;
        // The confusion table: gold rows × predicted columns, every modality that occurs.
        let mut cols: Vec<&str> = Vec::new();
        for row in self.modality_confusion.values() {
            for k in row.keys() {
                if !cols.contains(&k.as_str()) {
                    cols.push(k);
                }
            }
        }
        let order = |m: &str| {
            Modality::PRECEDENCE
                .iter()
                .position(|x| x.as_str() == m)
                .unwrap_or(usize::MAX)
        };
        cols.sort_by_key(|m| (order(m), m.to_string()));
        write!(f, "\nmodality (gold \\ predicted) {:>12}", "")?;
        for c in &cols {
            write!(f, " {c:>12}")?;
        }
        let mut rows: Vec<&String> = self.modality_confusion.keys().collect();
        rows.sort_by_key(|m| (order(m), m.to_string()));
        for r in rows {
            write!(f, "\n{r:>40}")?;
            for c in &cols {
                let n = self.modality_confusion[r].get(*c).copied().unwrap_or(0);
                write!(f, " {n:>12}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Span, Tag};

    fn tag(c: &str, m: Modality) -> Tag {
        Tag {
            category: c.into(),
            modality: m,
            score: 1.0,
            rule: "x:y".into(),
            spans: vec![Span { start: 0, end: 1 }],
            rules: vec![],
            modality_cue: None,
        }
    }

    #[test]
    fn counts_like_the_scorer() {
        let gold = parse_gold(
            "{\"id\":\"a\",\"text\":\"t\",\"labels\":[\"bribery\"],\"modality\":\"alleged\"}\n\n\
             {\"id\":\"b\",\"text\":\"t\",\"labels\":[],\"modality\":\"none\"}\n",
        )
        .unwrap();
        let mut preds = BTreeMap::new();
        preds.insert(
            "a".to_string(),
            Tagging {
                tags: vec![
                    tag("bribery", Modality::Alleged),
                    tag("trafficking", Modality::Asserted),
                ],
                entities: vec![],
            },
        );
        preds.insert(
            "b".to_string(),
            Tagging {
                tags: vec![tag("extortion", Modality::Hypothetical)],
                entities: vec![],
            },
        );
        let r = evaluate(&gold, &preds);
        assert_eq!(r.labels["bribery"].tp, 1);
        assert_eq!(r.labels["extortion"].fp, 1);
        assert_eq!(r.labels["trafficking"].fp, 1);
        assert!((r.modality_acc - 1.0).abs() < 1e-9);
        assert!((r.negative_fp_rate - 1.0).abs() < 1e-9);
        assert!((r.macro_f1 - 1.0 / 9.0).abs() < 1e-9);
        assert!(parse_gold("{not json").is_err());
        let t = crate::tag::Tagger::new(
            &crate::codebook::Codebook::from_sources(&crate::codebook::embedded()).unwrap(),
        )
        .unwrap();
        let (r, p) = run(&t, "{\"id\":\"x\",\"text\":\"The clerk took bribes.\",\"labels\":[\"bribery\"],\"modality\":\"asserted\"}").unwrap();
        assert_eq!(r.labels["bribery"].tp, 1);
        assert!((r.modality_acc - 1.0).abs() < 1e-9);
        assert!(predictions_jsonl(p.iter().map(|(k, v)| (k.as_str(), v))).contains("\"bribery\""));
    }
}
