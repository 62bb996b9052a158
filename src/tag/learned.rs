//! The learned second opinion: one-vs-rest logistic regression (L2) over word unigrams and
//! bigrams, character trigrams of space-less scripts (Thai), and the rule features the tagger
//! already computes (which lexicons were hit, which categories' rules fired, which categories
//! were tagged). Lexicon and category names, never rule ids, so the model survives rule edits.
//!
//! The model only *adds* a corruption tag the rules missed, and only when
//! - its probability reaches the calibrated `threshold`,
//! - every `gate` group of lexicons has a hit in the passage (e.g. an official or agency, and
//!   an indicator word): evidence that keeps precision on real collections, and the cheap
//!   check that keeps the model off most passages,
//! - with `only_untagged`, the rules found no corruption category at all.
//!
//! At most one tag per passage (the best category). The tag says so: `rule` =
//! `model:<category>`, `score` = the probability, `rules` = the top contributing features
//! (`model:<category>:<feature>` with their weight), spans on their words.
//!
//! The file (`models/second-opinion.txt`, compiled in, replaceable with `--model`) is plain
//! text, versioned, one feature per line with its weights; [`Model::parse`] reads it,
//! [`Model::to_text`] writes it, [`train`] learns it deterministically (full-batch Adam,
//! fixed iterations, sorted features, weights rounded to 4 decimals).

use super::eval;
use crate::model::{Span, Tag, Tagging};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// First word of a model file.
pub const MAGIC: &str = "redflag-model";
/// The file format version written and read.
pub const VERSION: u32 = 1;

/// The built-in model.
const EMBEDDED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/second-opinion.txt"
));

/// A model file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("model line {line}: {message}")]
pub struct ModelError {
    /// 1-based line of the file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A feature found in a passage, with where (byte range in the passage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// `w:word`, `b:word_word`, `c:abc` (character trigram), `lex:name`, `rule:category`,
    /// `tag:category`.
    pub feature: String,
    /// Where it is.
    pub span: Span,
}

fn is_spaceless(c: char) -> bool {
    super::text::spaceless(c)
}

/// A character of a word: a letter or digit, or any character of a space-less script (Thai
/// vowel signs are marks, not letters).
fn letter(c: char) -> bool {
    c.is_alphanumeric() || is_spaceless(c)
}

/// The text features of a passage: lower-cased words (runs of letters and digits) and
/// adjacent word pairs; in a space-less script, character trigrams instead of words.
pub fn text_features(text: &str, out: &mut Vec<Occurrence>) {
    let mut prev: Option<(String, usize)> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !letter(c) {
            if !c.is_whitespace() {
                // Punctuation breaks a bigram.
                prev = None;
            }
            continue;
        }
        let spaceless = is_spaceless(c);
        let mut end = start + c.len_utf8();
        let mut run = vec![(start, c)];
        while let Some(&(i, d)) = chars.peek() {
            if !letter(d) || is_spaceless(d) != spaceless {
                break;
            }
            run.push((i, d));
            end = i + d.len_utf8();
            chars.next();
        }
        if spaceless {
            for w in run.windows(3) {
                let s = w[0].0;
                let e = w[2].0 + w[2].1.len_utf8();
                out.push(Occurrence {
                    feature: format!("c:{}", &text[s..e]),
                    span: Span { start: s, end: e },
                });
            }
            prev = None;
            continue;
        }
        let word = text[start..end].to_lowercase();
        if let Some((p, ps)) = prev.take() {
            out.push(Occurrence {
                feature: format!("b:{p}_{word}"),
                span: Span { start: ps, end },
            });
        }
        out.push(Occurrence {
            feature: format!("w:{word}"),
            span: Span { start, end },
        });
        prev = Some((word, start));
    }
}

/// A trained model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The categories it scores, in file order.
    pub categories: Vec<String>,
    /// Probability a tag needs.
    pub threshold: f32,
    /// Groups of lexicon names: every group needs a hit of one of its lexicons.
    pub gate: Vec<Vec<String>>,
    /// Add a tag only to passages where the rules found no corruption category.
    pub only_untagged: bool,
    /// Per category.
    pub bias: Vec<f32>,
    /// Sorted feature names.
    pub features: Vec<String>,
    /// `features.len() × categories.len()`, row-major.
    pub weights: Vec<f32>,
    /// The L2 strength it was trained with (recorded, not used at run time).
    pub l2: f64,
    index: HashMap<String, u32>,
}

/// The score of one category on a passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Index into [`Model::categories`].
    pub category: usize,
    /// Probability.
    pub p: f32,
    /// The present features with a positive weight, strongest first: (feature, weight).
    pub top: Vec<(String, f32)>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Model {
    /// The built-in model.
    pub fn embedded() -> Result<Model, ModelError> {
        Model::parse(EMBEDDED)
    }

    fn build(mut self) -> Model {
        self.index = self
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), i as u32))
            .collect();
        self
    }

    /// Reads a model file.
    pub fn parse(text: &str) -> Result<Model, ModelError> {
        let err = |line: usize, message: String| ModelError { line, message };
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        let (_, head) = lines
            .next()
            .ok_or_else(|| err(1, "empty file, not a redflag model".into()))?;
        let mut hw = head.split_whitespace();
        if hw.next() != Some(MAGIC) {
            return Err(err(
                1,
                format!("not a redflag model (expected `{MAGIC} {VERSION}`)"),
            ));
        }
        match hw.next().and_then(|v| v.parse::<u32>().ok()) {
            Some(VERSION) => {}
            other => {
                return Err(err(
                    1,
                    format!("unsupported model version {other:?} (this build reads {VERSION})"),
                ))
            }
        }
        let mut m = Model {
            categories: Vec::new(),
            threshold: 1.0,
            gate: Vec::new(),
            only_untagged: false,
            bias: Vec::new(),
            features: Vec::new(),
            weights: Vec::new(),
            l2: 0.0,
            index: HashMap::new(),
        };
        let num = |n: usize, s: &str| -> Result<f32, ModelError> {
            s.parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| err(n, format!("not a number: {s:?}")))
        };
        for (n, line) in lines {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, rest) = line.split_once('\t').unwrap_or((line, ""));
            match key {
                "categories" => m.categories = rest.split_whitespace().map(String::from).collect(),
                "threshold" => m.threshold = num(n, rest.trim())?,
                "gate" => m
                    .gate
                    .push(rest.split_whitespace().map(String::from).collect()),
                "only_untagged" => m.only_untagged = rest.trim() == "true",
                "l2" => m.l2 = f64::from(num(n, rest.trim())?),
                "bias" | "f" => {
                    let (name, ws) = if key == "f" {
                        rest.split_once('\t')
                            .ok_or_else(|| err(n, "feature line without weights".into()))?
                    } else {
                        ("", rest)
                    };
                    let ws: Vec<f32> = ws
                        .split_whitespace()
                        .map(|s| num(n, s))
                        .collect::<Result<_, _>>()?;
                    if m.categories.is_empty() || ws.len() != m.categories.len() {
                        return Err(err(
                            n,
                            format!(
                                "{} weights for {} categories",
                                ws.len(),
                                m.categories.len()
                            ),
                        ));
                    }
                    if key == "bias" {
                        m.bias = ws;
                    } else {
                        if m.features.last().is_some_and(|l| l.as_str() >= name) {
                            return Err(err(n, format!("feature {name:?} out of order")));
                        }
                        m.features.push(name.to_string());
                        m.weights.extend(ws);
                    }
                }
                other => return Err(err(n, format!("unknown line kind {other:?}"))),
            }
        }
        if m.categories.is_empty() || m.bias.len() != m.categories.len() {
            return Err(err(
                text.lines().count().max(1),
                "truncated: no categories or no bias line".into(),
            ));
        }
        Ok(m.build())
    }

    /// Writes the model file ([`Model::parse`] reads it back to an equal model).
    pub fn to_text(&self) -> String {
        let mut s = format!("{MAGIC} {VERSION}\n");
        let _ = writeln!(
            s,
            "# Learned second opinion for redflag: one-vs-rest logistic regression. Written by\n\
             # `redflag train`; one feature per line, then one weight per category."
        );
        let _ = writeln!(s, "categories\t{}", self.categories.join(" "));
        let _ = writeln!(s, "threshold\t{}", self.threshold);
        for g in &self.gate {
            let _ = writeln!(s, "gate\t{}", g.join(" "));
        }
        let _ = writeln!(s, "only_untagged\t{}", self.only_untagged);
        let _ = writeln!(s, "l2\t{}", self.l2);
        let row = |ws: &[f32]| ws.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(" ");
        let _ = writeln!(s, "bias\t{}", row(&self.bias));
        let nc = self.categories.len();
        for (i, f) in self.features.iter().enumerate() {
            let _ = writeln!(s, "f\t{f}\t{}", row(&self.weights[i * nc..(i + 1) * nc]));
        }
        s
    }

    /// Scores every category on the (deduplicated) features of a passage.
    pub fn score(&self, features: &[&str]) -> Vec<Score> {
        let nc = self.categories.len();
        let rows: Vec<(&str, usize)> = features
            .iter()
            .filter_map(|f| self.index.get(*f).map(|&i| (*f, i as usize)))
            .collect();
        (0..nc)
            .map(|c| {
                let mut z = f64::from(self.bias[c]);
                let mut top = Vec::new();
                for &(f, i) in &rows {
                    let w = self.weights[i * nc + c];
                    z += f64::from(w);
                    if w > 0.0 {
                        top.push((f.to_string(), w));
                    }
                }
                top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                Score {
                    category: c,
                    p: sigmoid(z) as f32,
                    top,
                }
            })
            .collect()
    }
}

/// One training passage: its features (any order, duplicates allowed) and its gold labels.
#[derive(Debug, Clone)]
pub struct Example {
    /// Feature names.
    pub features: Vec<String>,
    /// Gold labels.
    pub labels: Vec<String>,
}

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// L2 strength (on the mean log-loss).
    pub l2: f64,
    /// Full-batch iterations.
    pub iterations: usize,
    /// A feature must occur in this many passages.
    pub min_count: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            l2: 0.003,
            iterations: 300,
            min_count: 2,
        }
    }
}

/// Learns a model (threshold 1.0, no gate: the caller calibrates them). Deterministic: sorted
/// features, full-batch updates in a fixed order, weights rounded to 4 decimals.
pub fn train(examples: &[Example], categories: &[&str], opts: TrainOptions) -> Model {
    let mut df: BTreeMap<&str, usize> = BTreeMap::new();
    let docs: Vec<Vec<&str>> = examples
        .iter()
        .map(|e| {
            let mut f: Vec<&str> = e.features.iter().map(String::as_str).collect();
            f.sort_unstable();
            f.dedup();
            f
        })
        .collect();
    for d in &docs {
        for f in d {
            *df.entry(f).or_default() += 1;
        }
    }
    let features: Vec<String> = df
        .iter()
        .filter(|(_, &n)| n >= opts.min_count)
        .map(|(f, _)| f.to_string())
        .collect();
    let index: HashMap<&str, usize> = features
        .iter()
        .enumerate()
        .map(|(i, f)| (f.as_str(), i))
        .collect();
    let rows: Vec<Vec<usize>> = docs
        .iter()
        .map(|d| d.iter().filter_map(|f| index.get(f).copied()).collect())
        .collect();
    let nc = categories.len();
    let nf = features.len();
    let y: Vec<Vec<f64>> = examples
        .iter()
        .map(|e| {
            categories
                .iter()
                .map(|c| f64::from(u8::from(e.labels.iter().any(|l| l == c))))
                .collect()
        })
        .collect();
    let n = examples.len().max(1) as f64;
    // Adam on the mean log-loss + l2/2 |w|² (bias not regularised).
    let (b1, b2, lr, eps) = (0.9, 0.999, 0.05, 1e-8);
    let mut w = vec![0.0f64; nf * nc];
    let mut bias = vec![0.0f64; nc];
    let (mut mw, mut vw) = (vec![0.0f64; nf * nc], vec![0.0f64; nf * nc]);
    let (mut mb, mut vb) = (vec![0.0f64; nc], vec![0.0f64; nc]);
    for t in 1..=opts.iterations {
        let mut gw = vec![0.0f64; nf * nc];
        let mut gb = vec![0.0f64; nc];
        for (row, yy) in rows.iter().zip(&y) {
            for (c, (&yc, gbc)) in yy.iter().zip(gb.iter_mut()).enumerate() {
                let z = bias[c] + row.iter().map(|&i| w[i * nc + c]).sum::<f64>();
                let g = (sigmoid(z) - yc) / n;
                *gbc += g;
                for &i in row {
                    gw[i * nc + c] += g;
                }
            }
        }
        let (c1, c2) = (1.0 - b1f(b1, t), 1.0 - b1f(b2, t));
        let adam = |p: &mut f64, m: &mut f64, v: &mut f64, g: f64| {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
        };
        for (((p, m), v), g) in w.iter_mut().zip(&mut mw).zip(&mut vw).zip(&gw) {
            let g = g + opts.l2 * *p;
            adam(p, m, v, g);
        }
        for (((p, m), v), g) in bias.iter_mut().zip(&mut mb).zip(&mut vb).zip(&gb) {
            adam(p, m, v, *g);
        }
    }
    let round = |v: f64| ((v * 1e4).round() / 1e4) as f32;
    // Drop the features whose every weight rounds to zero: a smaller file, the same scores.
    let mut kept = Vec::new();
    let mut weights = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let ws: Vec<f32> = (0..nc).map(|c| round(w[i * nc + c])).collect();
        if ws.iter().any(|&v| v.abs() >= 5e-4) {
            kept.push(f.clone());
            weights.extend(ws);
        }
    }
    Model {
        categories: categories.iter().map(|c| c.to_string()).collect(),
        threshold: 1.0,
        gate: Vec::new(),
        only_untagged: false,
        bias: bias.into_iter().map(round).collect(),
        features: kept,
        weights,
        l2: opts.l2,
        index: HashMap::new(),
    }
    .build()
}

/// `beta^t`.
fn b1f(beta: f64, t: usize) -> f64 {
    beta.powi(t as i32)
}

/// The L2 strengths `fit` tries.
pub const L2_CHOICES: &[f64] = &[0.001, 0.003, 0.01];

/// The gate choices `fit` tries: officials (or agencies) in the passage; officials and an
/// indicator word. Both also need the domain in the passage (the `crime` lexicon:
/// trafficking, smuggling, prostitution, forced labour, illegal entry, ...): without it, on
/// real collections (court opinions, governance reports) every tag the model added was wrong.
pub fn gate_choices() -> Vec<Vec<Vec<String>>> {
    let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let officials = v(&["agency", "government", "official_person", "official_role"]);
    let indicators = v(&[
        "bribe_word",
        "demand",
        "forgery",
        "leak_verb",
        "look_away",
        "no_accountability",
        "no_action",
        "obstruct",
        "payment",
        "payment_taken",
    ]);
    let domain = v(&["crime"]);
    vec![
        vec![officials.clone(), domain.clone()],
        vec![officials, indicators, domain],
    ]
}

/// Figures of one setting over the out-of-fold predictions.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CvFigures {
    /// Folds (grouped by site).
    pub folds: usize,
    /// The rules alone.
    pub rules: eval::Report,
    /// The rules and the model at the chosen setting.
    pub combined: eval::Report,
}

/// What [`fit`] chose and measured.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The model trained on every passage, with the chosen threshold and gate.
    pub model: Model,
    /// Cross-validated figures at the chosen setting (the setting is chosen on the same
    /// folds, so they lean optimistic).
    pub cv: CvFigures,
}

/// The fold of a gold line: its site's `split.py` bucket cut into `k` equal parts.
pub fn fold_of(rec: &eval::GoldRecord, k: usize) -> usize {
    ((eval::bucket(&eval::site(rec)) * k as f64) as usize).min(k.saturating_sub(1))
}

/// Trains a model from gold passages and calibrates it by a `k`-fold cross-validation
/// grouped by site: every fold's model scores the passages it did not see, and the threshold,
/// gate and `only_untagged` that give the best macro-F1 without raising the false-positive
/// rate on negatives by more than 0.01 are kept. `tagger` must carry no model (its rules give
/// the rule features); it is left without one.
pub fn fit(
    tagger: &mut super::Tagger,
    gold: &[eval::GoldRecord],
    k: usize,
    opts: TrainOptions,
) -> Fit {
    let cats: Vec<&str> = eval::CORRUPTION.to_vec();
    tagger.set_model(None);
    let examples: Vec<Example> = gold
        .iter()
        .map(|g| Example {
            features: tagger
                .model_features(&g.text)
                .into_iter()
                .map(|o| o.feature)
                .collect(),
            labels: g.labels.clone(),
        })
        .collect();
    let rules: Vec<Tagging> = gold.iter().map(|g| tagger.tag(&g.text)).collect();
    let k = k.max(2);
    let folds: Vec<usize> = gold.iter().map(|g| fold_of(g, k)).collect();
    let gates = gate_choices();
    let rules_map: BTreeMap<String, Tagging> = gold
        .iter()
        .zip(&rules)
        .map(|(g, t)| (g.id.clone(), t.clone()))
        .collect();
    let base = eval::evaluate(gold, &rules_map);
    // (macro-F1, l2, gate, threshold, only_untagged, report)
    let mut best: Option<(f64, f64, usize, f32, bool, eval::Report)> = None;
    for &l2 in L2_CHOICES {
        let opts = TrainOptions { l2, ..opts };
        // candidates[gate][passage]: the model's tag at threshold 0.
        let mut candidates: Vec<Vec<Option<Tag>>> = vec![vec![None; gold.len()]; gates.len()];
        for f in 0..k {
            let train_set: Vec<Example> = examples
                .iter()
                .zip(&folds)
                .filter(|(_, &x)| x != f)
                .map(|(e, _)| e.clone())
                .collect();
            if train_set.is_empty() {
                continue;
            }
            let fold_model = train(&train_set, &cats, opts);
            for (gi, gate) in gates.iter().enumerate() {
                let mut m = fold_model.clone();
                m.threshold = 0.0;
                m.gate = gate.clone();
                tagger.set_model(Some(m));
                for (i, g) in gold.iter().enumerate() {
                    if folds[i] != f {
                        continue;
                    }
                    candidates[gi][i] = tagger
                        .tag(&g.text)
                        .tags
                        .into_iter()
                        .find(|t| t.rule.starts_with("model:"));
                }
            }
        }
        tagger.set_model(None);
        let predict = |gi: usize, t: f32, only_untagged: bool| -> BTreeMap<String, Tagging> {
            gold.iter()
                .enumerate()
                .map(|(i, g)| {
                    let mut tg = rules[i].clone();
                    let tagged = tg
                        .tags
                        .iter()
                        .any(|x| eval::CORRUPTION.contains(&x.category.as_str()));
                    if let Some(c) = &candidates[gi][i] {
                        if c.score >= t && !(only_untagged && tagged) {
                            tg.tags.push(c.clone());
                        }
                    }
                    (g.id.clone(), tg)
                })
                .collect()
        };
        for gi in 0..gates.len() {
            for only_untagged in [true, false] {
                // From the strictest threshold down: a tie keeps the stricter one.
                for step in (0..=17).rev() {
                    let t = 0.1 + 0.05 * step as f32;
                    let r = eval::evaluate(gold, &predict(gi, t, only_untagged));
                    if r.negative_fp_rate > base.negative_fp_rate + 0.01 + 1e-9 {
                        continue;
                    }
                    if best.as_ref().is_none_or(|b| r.macro_f1 > b.0 + 1e-9) {
                        best = Some((r.macro_f1, l2, gi, t, only_untagged, r));
                    }
                }
            }
        }
    }
    let l2 = best.as_ref().map_or(opts.l2, |b| b.1);
    let mut model = train(&examples, &cats, TrainOptions { l2, ..opts });
    model.l2 = l2;
    let combined = match best {
        Some((_, _, gi, t, ou, r)) => {
            model.threshold = t;
            model.gate = gates[gi].clone();
            model.only_untagged = ou;
            r
        }
        None => {
            model.threshold = 1.0;
            model.gate = gates[gates.len() - 1].clone();
            model.only_untagged = true;
            base.clone()
        }
    };
    Fit {
        model,
        cv: CvFigures {
            folds: k,
            rules: base,
            combined,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Vec<Example> {
        let ex = |f: &[&str], l: &[&str]| Example {
            features: f.iter().map(|s| s.to_string()).collect(),
            labels: l.iter().map(|s| s.to_string()).collect(),
        };
        vec![
            ex(&["w:guard", "w:cash", "lex:official_role"], &["bribery"]),
            ex(&["w:guard", "w:cash", "w:took"], &["bribery"]),
            ex(&["w:forged", "w:passport"], &["fraudulent_documents"]),
            ex(&["w:forged", "w:passport", "w:clerk"], &["fraudulent_documents"]),
            ex(&["w:rain", "w:clerk"], &[]),
            ex(&["w:rain", "w:took"], &[]),
        ]
    }

    #[test]
    fn training_is_deterministic_and_round_trips() {
        let cats = ["bribery", "fraudulent_documents"];
        let a = train(&toy(), &cats, TrainOptions::default());
        let b = train(&toy(), &cats, TrainOptions::default());
        assert_eq!(a.to_text(), b.to_text());
        let back = Model::parse(&a.to_text()).unwrap();
        assert_eq!(back.to_text(), a.to_text());
        let s = a.score(&["w:guard", "w:cash"]);
        assert!(s[0].p > 0.5 && s[1].p < 0.5, "{s:?}");
        assert_eq!(s[0].top[0].0, "w:cash");
    }

    #[test]
    fn corrupt_files_say_what_is_wrong() {
        let good = train(&toy(), &["bribery"], TrainOptions::default()).to_text();
        let e = Model::parse("").unwrap_err();
        assert!(e.to_string().contains("not a redflag model"), "{e}");
        let e = Model::parse("PK\u{3}\u{4}garbage").unwrap_err();
        assert!(e.to_string().contains("line 1: not a redflag model"), "{e}");
        let e = Model::parse(&good.replace("redflag-model 1", "redflag-model 9")).unwrap_err();
        assert!(e.to_string().contains("unsupported model version"), "{e}");
        let e = Model::parse(&good.replacen("\nbias\t", "\nbias\tx ", 1)).unwrap_err();
        assert!(e.to_string().contains("not a number"), "{e}");
        let cut: String = good.lines().take(3).collect::<Vec<_>>().join("\n");
        let e = Model::parse(&cut).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
    }

    #[test]
    fn words_bigrams_and_thai_trigrams() {
        let mut out = Vec::new();
        text_features("The Guard, took cash. รับสินบน", &mut out);
        let f: Vec<&str> = out.iter().map(|o| o.feature.as_str()).collect();
        assert!(f.contains(&"w:guard") && f.contains(&"b:took_cash"), "{f:?}");
        assert!(!f.contains(&"b:guard_took"), "punctuation breaks a bigram: {f:?}");
        assert!(f.contains(&"c:รับ") && f.contains(&"c:ินบ"), "{f:?}");
        let t = "The Guard, took cash. รับสินบน";
        for o in &out {
            assert!(t.is_char_boundary(o.span.start) && t.is_char_boundary(o.span.end));
        }
        let guard = out.iter().find(|o| o.feature == "w:guard").unwrap();
        assert_eq!(&t[guard.span.start..guard.span.end], "Guard");
        let pair = out.iter().find(|o| o.feature == "b:took_cash").unwrap();
        assert_eq!(&t[pair.span.start..pair.span.end], "took cash");
    }

    #[test]
    fn the_embedded_model_loads() {
        let m = Model::embedded().unwrap();
        assert!(!m.categories.is_empty());
    }
}
