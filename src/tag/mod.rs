//! Tagging: a compiled codebook applied to a text.
//!
//! [`Tagger::new`] compiles every literal of every dictionary (category terms, lexicons,
//! regex prefilters, exclusions, modality cues, entity triggers) into ONE aho-corasick DFA
//! (and an ASCII-only copy for the texts that need no other); [`Tagger::tag`] makes one pass
//! over the folded text with it (`scan`: two interleaved walks, every overlapping
//! occurrence) and evaluates the rules on the hits:
//!
//! - **terms**: a hit of any of the rule's literals ("bribe*", "tea money").
//! - **near**: one alternative of every group within `window` words of the first group's hit,
//!   in the same sentence (or passage), either order: `["@official_role", "@payment"]` fires
//!   on "the guard pocketed cash".
//! - **regex**: runs only when one of its prefilter literals was hit.
//! - **unless** (per rule) and **exclusions** (per category) veto matches in their sentence
//!   ("data corruption", "request smuggling", a basketball "tip-off").
//!
//! A category is tagged when the weights of the rules that fired sum to its threshold; its
//! modality comes from cue words around the matched spans ([`modality`]), its explanation lists
//! every rule and span ([`explain`]). Entities (money, roles, agencies, countries, case
//! numbers, dates) come from the same pass ([`entities`]). The codebook's own examples run
//! through [`selftest`]; [`eval`] scores taggings against a gold set like `score.py`.

pub mod entities;
pub mod eval;
mod explain;
pub mod learned;
pub mod modality;
mod scan;
pub mod selftest;
pub(crate) mod text;

pub use explain::explain;

use crate::codebook::{Codebook, CodebookError, Pattern, Scope, TailWord, Term, TermRef};
use crate::model::{RuleHit, Span, Tag, Tagging};
use std::collections::HashMap;
use text::Layout;

/// One automaton pattern (a literal) and the term forms that start with it.
#[derive(Debug, Clone)]
struct Pat {
    /// The literal must not start inside a word.
    start_check: bool,
    forms: Vec<Form>,
}

/// A term form: what must hold at a hit of its literal, and the sets it belongs to.
#[derive(Debug, Clone)]
struct Form {
    /// The literal must not end inside a word (a whole-word term).
    end_check: bool,
    /// The literal's last word may continue (`brib*`).
    prefix: bool,
    /// Index into [`Tagger::tails`]: the words that must follow ("* off").
    tail: Option<u32>,
    sets: Vec<u32>,
}

/// The words after a term's `word*`, as an anchored regex over the folded text.
#[derive(Debug)]
struct Tail {
    re: regex::Regex,
    /// The last word is a whole word: it must not continue.
    end_check: bool,
}

/// A hit of a term set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Hit {
    pub set: u32,
    pub start: u32,
    pub end: u32,
}

#[derive(Debug)]
enum Kind {
    Terms(u32),
    Near {
        groups: Vec<Vec<u32>>,
        window: u32,
    },
    Regex {
        re: regex::Regex,
        prefilter: u32,
        /// Sets of which one must be hit in the sentence (empty: none needed).
        requires: Vec<u32>,
    },
}

#[derive(Debug)]
struct CRule {
    name: String,
    weight: f32,
    kind: Kind,
    scope: Scope,
    unless: Vec<u32>,
}

#[derive(Debug)]
struct CCat {
    id: String,
    /// One bit per term set a rule of this category needs first (a terms rule's set, a
    /// regex's prefilter, a near rule's first group): a passage that hit none of them is
    /// skipped with a few word ANDs.
    trigger: Vec<u64>,
    threshold: f32,
    rules: Vec<CRule>,
    exclusions: Vec<CRule>,
}

/// A compiled codebook; built once, shared across threads.
#[derive(Debug)]
pub struct Tagger {
    version: String,
    /// Every pattern; pattern ids index `pats`.
    ac: scan::Literals,
    /// The patterns written in ASCII only, for texts that hold none of `wide_chars` (a
    /// pattern with a non-ASCII character cannot match there). A third of the memory of
    /// `ac` and ~15% faster per byte; `ascii_ids` maps its pattern ids to `pats`.
    ac_ascii: scan::Literals,
    ascii_ids: Vec<u32>,
    /// The non-ASCII characters of all patterns, sorted.
    wide_chars: Vec<char>,
    tails: Vec<Tail>,
    pats: Vec<Pat>,
    nsets: usize,
    cats: Vec<CCat>,
    modality: modality::Compiled,
    entities: entities::Compiled,
    /// Every lexicon's name and term set, sorted by name (the model's `lex:` features).
    lexicon_sets: Vec<(String, u32)>,
    /// The learned second opinion, if any.
    learned: Option<Learned>,
}

/// A model with its gate resolved to term sets.
#[derive(Debug)]
struct Learned {
    model: learned::Model,
    /// Every group needs a hit of one of its sets (a group of unknown lexicons never holds).
    gate: Vec<Vec<u32>>,
}

/// Builds term sets and the pattern table.
#[derive(Default)]
struct Sets {
    index: HashMap<String, usize>,
    patterns: Vec<String>,
    pats: Vec<Pat>,
    tails: Vec<Tail>,
    tail_index: HashMap<Vec<TailWord>, u32>,
    nsets: u32,
    lexicons: HashMap<String, u32>,
}

/// A regex fragment for one literal word: `'` and `-` also match `’` and the non-breaking
/// hyphen, as the literals' variants do.
fn word_regex(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            '\'' | '\u{2019}' => "['\u{2019}]".to_string(),
            '-' | '\u{2011}' => "[-\u{2011}]".to_string(),
            c => regex::escape(c.encode_utf8(&mut [0; 4])),
        })
        .collect()
}

impl Sets {
    fn tail(&mut self, tail: &[TailWord]) -> Option<u32> {
        let last = tail.last()?;
        if let Some(&i) = self.tail_index.get(tail) {
            return Some(i);
        }
        let mut src = String::from("^(?:");
        for w in tail {
            src.push_str("\\s+");
            src.push_str(&word_regex(&w.word));
            if w.prefix {
                src.push_str("[\\p{Alphabetic}\\p{N}]*");
            }
        }
        src.push(')');
        // Tails are escaped literals joined by spaces: they always compile.
        let re = regex::Regex::new(&src).ok()?;
        let end_check = !last.prefix && last.word.chars().next_back().is_some_and(text::wordy);
        self.tails.push(Tail { re, end_check });
        let i = self.tails.len() as u32 - 1;
        self.tail_index.insert(tail.to_vec(), i);
        Some(i)
    }

    fn add_pattern(&mut self, text: String, prefix: bool, tail: Option<u32>, set: u32) {
        let idx = match self.index.get(&text) {
            Some(&i) => i,
            None => {
                let first = text.chars().next().unwrap_or(' ');
                self.pats.push(Pat {
                    start_check: text::wordy(first),
                    forms: Vec::new(),
                });
                self.patterns.push(text.clone());
                self.index.insert(text.clone(), self.pats.len() - 1);
                self.pats.len() - 1
            }
        };
        let last = text.chars().next_back().unwrap_or(' ');
        let forms = &mut self.pats[idx].forms;
        let form = match forms
            .iter()
            .position(|f| f.prefix == prefix && f.tail == tail)
        {
            Some(i) => &mut forms[i],
            None => {
                forms.push(Form {
                    end_check: !prefix && text::wordy(last),
                    prefix,
                    tail,
                    sets: Vec::new(),
                });
                forms.last_mut().expect("just pushed")
            }
        };
        if !form.sets.contains(&set) {
            form.sets.push(set);
        }
    }

    fn add(&mut self, terms: &[Term]) -> u32 {
        use unicode_normalization::UnicodeNormalization;
        let set = self.nsets;
        self.nsets += 1;
        for t in terms {
            let tail = self.tail(&t.tail);
            let mut variants = vec![t.text.clone()];
            let nfd: String = t.text.nfd().collect();
            if nfd != t.text {
                variants.push(nfd);
            }
            if t.text.contains('\'') {
                variants.push(t.text.replace('\'', "\u{2019}"));
            }
            if t.text.contains('-') {
                variants.push(t.text.replace('-', "\u{2011}"));
            }
            for v in variants {
                self.add_pattern(v, t.prefix, tail, set);
            }
        }
        set
    }

    fn alternatives(&mut self, alts: &[TermRef]) -> Vec<u32> {
        alts.iter()
            .filter_map(|a| match a {
                TermRef::Lexicon(n) => self.lexicons.get(n).copied(),
                TermRef::Terms(ts) => Some(self.add(ts)),
            })
            .collect()
    }
}

/// Hits grouped by set: sorted by (set, start), looked up by binary search (a passage has a
/// handful of hits, the codebook hundreds of sets).
pub(crate) struct Hits {
    hits: Vec<Hit>,
    /// One bit per set: was it hit at all.
    seen: Vec<u64>,
}

impl Hits {
    fn new(mut hits: Vec<Hit>, nsets: usize) -> Hits {
        hits.sort_unstable();
        hits.dedup();
        let mut seen = vec![0u64; nsets / 64 + 1];
        for h in &hits {
            seen[h.set as usize / 64] |= 1 << (h.set % 64);
        }
        Hits { hits, seen }
    }

    /// Whether a set has any hit.
    fn any(&self, set: u32) -> bool {
        self.seen
            .get(set as usize / 64)
            .is_some_and(|w| w & (1 << (set % 64)) != 0)
    }

    /// Whether any set of a bit mask (one bit per set) has a hit.
    fn any_of(&self, mask: &[u64]) -> bool {
        self.seen.iter().zip(mask).any(|(a, b)| a & b != 0)
    }

    /// Hits of one set, in text order.
    pub(crate) fn of(&self, set: u32) -> &[Hit] {
        let a = self.hits.partition_point(|h| h.set < set);
        let b = a + self.hits[a..].partition_point(|h| h.set == set);
        &self.hits[a..b]
    }
}

/// The outcome of tagging, with the rules that fired below the threshold too (self-test).
pub(crate) struct Analysis {
    pub tagging: Tagging,
    /// `(category id, rule name)` of every rule that fired after vetoes.
    pub fired: Vec<(String, String)>,
    /// The model's features of the passage (when asked for).
    pub features: Vec<learned::Occurrence>,
}

impl Tagger {
    /// Compiles a codebook.
    pub fn new(codebook: &Codebook) -> Result<Tagger, CodebookError> {
        let mut sets = Sets::default();
        for (name, lex) in &codebook.lexicons {
            let id = sets.add(&lex.terms);
            sets.lexicons.insert(name.clone(), id);
        }
        let mut cats = Vec::new();
        for cat in &codebook.categories {
            let compile = |sets: &mut Sets, r: &crate::codebook::Rule| {
                let err = |message: String| CodebookError {
                    file: cat.file.clone(),
                    line: r.line,
                    message,
                };
                let kind = match &r.pattern {
                    Pattern::Terms(ts) => Kind::Terms(sets.add(ts)),
                    Pattern::Near { groups, window } => {
                        let mut gs = Vec::new();
                        for g in groups {
                            let ids = sets.alternatives(g);
                            if ids.is_empty() {
                                return Err(err(format!(
                                    "rule {:?}: a near group has no known alternative",
                                    r.id
                                )));
                            }
                            gs.push(ids);
                        }
                        Kind::Near {
                            groups: gs,
                            window: *window,
                        }
                    }
                    Pattern::Regex {
                        regex,
                        prefilter,
                        requires,
                    } => {
                        let re = regex::RegexBuilder::new(regex)
                            .size_limit(1 << 22)
                            .build()
                            .map_err(|e| err(format!("rule {:?}: bad regex: {e}", r.id)))?;
                        Kind::Regex {
                            re,
                            prefilter: sets.add(prefilter),
                            requires: sets.alternatives(requires),
                        }
                    }
                };
                Ok(CRule {
                    name: format!("{}:{}", cat.id, r.id),
                    weight: r.weight,
                    kind,
                    scope: r.scope,
                    unless: sets.alternatives(&r.unless),
                })
            };
            let mut rules = Vec::new();
            for r in &cat.rules {
                rules.push(compile(&mut sets, r)?);
            }
            let mut exclusions = Vec::new();
            for r in &cat.exclusions {
                exclusions.push(compile(&mut sets, r)?);
            }
            cats.push(CCat {
                id: cat.id.clone(),
                trigger: Vec::new(),
                threshold: cat.threshold,
                rules,
                exclusions,
            });
        }
        let modality = modality::Compiled::new(codebook, &mut |t| sets.add(t));
        let lex_sets = sets.lexicons.clone();
        let mut lexicon_sets: Vec<(String, u32)> =
            lex_sets.iter().map(|(k, v)| (k.clone(), *v)).collect();
        lexicon_sets.sort();
        let entities = entities::Compiled::new(codebook, &lex_sets, &mut |t| sets.add(t));
        let build = |patterns: &[&str]| {
            scan::Literals::new(patterns).map_err(|e| CodebookError {
                file: "(codebook)".into(),
                line: 0,
                message: format!("cannot build the term automaton: {e}"),
            })
        };
        let all: Vec<&str> = sets.patterns.iter().map(String::as_str).collect();
        let (ascii_ids, ascii): (Vec<u32>, Vec<&str>) = all
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_ascii())
            .map(|(i, p)| (i as u32, *p))
            .unzip();
        // The two automata build on two cores when there are two (start-up of every command).
        let (ac, ac_ascii) = rayon::join(|| build(&all), || build(&ascii));
        let (ac, ac_ascii) = (ac?, ac_ascii?);
        let mut wide_chars: Vec<char> = all
            .iter()
            .flat_map(|p| p.chars())
            .filter(|c| !c.is_ascii())
            .collect();
        wide_chars.sort_unstable();
        wide_chars.dedup();
        let words = sets.nsets as usize / 64 + 1;
        for cat in &mut cats {
            cat.trigger = vec![0u64; words];
            for r in &cat.rules {
                let first: &[u32] = match &r.kind {
                    Kind::Terms(set) => std::slice::from_ref(set),
                    Kind::Regex { prefilter, .. } => std::slice::from_ref(prefilter),
                    Kind::Near { groups, .. } => &groups[0],
                };
                for &set in first {
                    cat.trigger[set as usize / 64] |= 1 << (set % 64);
                }
            }
        }
        Ok(Tagger {
            version: codebook.version.clone(),
            ac,
            ac_ascii,
            ascii_ids,
            wide_chars,
            tails: sets.tails,
            pats: sets.pats,
            nsets: sets.nsets as usize,
            cats,
            modality,
            entities,
            lexicon_sets,
            learned: None,
        })
    }

    /// Sets (or removes) the learned second opinion. Gate lexicons this codebook does not
    /// know are ignored; a gate group with no known lexicon keeps the model silent.
    pub fn set_model(&mut self, model: Option<learned::Model>) {
        self.learned = model.map(|model| {
            let gate = model
                .gate
                .iter()
                .map(|g| {
                    g.iter()
                        .filter_map(|name| {
                            self.lexicon_sets
                                .iter()
                                .find(|(n, _)| n == name)
                                .map(|(_, s)| *s)
                        })
                        .collect()
                })
                .collect();
            Learned { model, gate }
        });
    }

    /// The learned second opinion in use, if any.
    pub fn model(&self) -> Option<&learned::Model> {
        self.learned.as_ref().map(|l| &l.model)
    }

    /// The features the model sees in a text (computed with the rules alone): what
    /// `redflag train` learns from.
    pub fn model_features(&self, text: &str) -> Vec<learned::Occurrence> {
        self.analyze_impl(text, false, true).features
    }

    /// Tags one text (a passage). Spans are byte ranges into `text`.
    pub fn tag(&self, text: &str) -> Tagging {
        self.analyze(text).tagging
    }

    /// The codebook version that produced the tags.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Size of the compiled automaton: (patterns, heap bytes).
    pub fn automaton_size(&self) -> (usize, usize) {
        (
            self.ac.patterns_len(),
            self.ac.memory_usage() + self.ac_ascii.memory_usage(),
        )
    }

    /// Number of raw term hits of the single automaton pass (for benchmarks and diagnostics).
    pub fn count_term_hits(&self, text: &str) -> usize {
        self.scan(text).len()
    }

    fn scan(&self, text: &str) -> Vec<Hit> {
        let folded = text::fold(text);
        let mut hits = Vec::new();
        let narrow = folded.is_ascii()
            || !folded
                .chars()
                .any(|c| !c.is_ascii() && self.wide_chars.binary_search(&c).is_ok());
        let (ac, ids) = match narrow {
            true => (&self.ac_ascii, Some(&self.ascii_ids)),
            false => (&self.ac, None),
        };
        ac.for_each(folded.as_bytes(), |id, s, e| {
            let id = ids.map_or(id, |ids| ids[id] as usize);
            let p = &self.pats[id];
            if p.start_check && text[..s].chars().next_back().is_some_and(text::wordy) {
                return;
            }
            let next_wordy = |at: usize| text[at..].chars().next().is_some_and(text::wordy);
            for f in &p.forms {
                if f.end_check && next_wordy(e) {
                    continue;
                }
                let mut end = e;
                if f.prefix {
                    // A prefix term covers the rest of its word: "brib*" spans "bribes".
                    end += text[e..]
                        .char_indices()
                        .find(|&(_, c)| !text::wordy(c))
                        .map(|(i, _)| i)
                        .unwrap_or(text.len() - e);
                }
                if let Some(t) = f.tail {
                    let tail = &self.tails[t as usize];
                    match tail.re.find(&folded[end..]) {
                        Some(m) => end += m.end(),
                        None => continue,
                    }
                    if tail.end_check && next_wordy(end) {
                        continue;
                    }
                }
                for &set in &f.sets {
                    hits.push(Hit {
                        set,
                        start: s as u32,
                        end: end as u32,
                    });
                }
            }
        });
        hits
    }

    pub(crate) fn analyze(&self, text: &str) -> Analysis {
        self.analyze_with(text, false)
    }

    /// `every_category`: evaluate exclusions even where no rule can fire, and record every
    /// rule that fired (self-test).
    pub(crate) fn analyze_with(&self, text: &str, every_category: bool) -> Analysis {
        self.analyze_impl(text, every_category, false)
    }

    /// `features`: collect the model's features (and run no model).
    fn analyze_impl(&self, text: &str, every_category: bool, features: bool) -> Analysis {
        let raw = self.scan(text);
        if raw.is_empty() && !features {
            return Analysis {
                tagging: Tagging::default(),
                fired: Vec::new(),
                features: Vec::new(),
            };
        }
        let hits = Hits::new(raw, self.nsets);
        let mut tags = Vec::new();
        let mut fired = Vec::new();
        // Most passages hit only common words (cues, lexicon words); build the sentence layout
        // only when some rule can fire.
        let possible: Vec<bool> = self
            .cats
            .iter()
            .map(|c| {
                every_category
                    || (hits.any_of(&c.trigger) && c.rules.iter().any(|r| Self::possible(r, &hits)))
            })
            .collect();
        let mut fired_cats: Vec<(usize, Span)> = Vec::new();
        if !possible.iter().any(|&p| p) {
            let features = self.second_opinion(text, &hits, None, &mut tags, &fired_cats, features);
            let entities = self.entities.find(text, &hits);
            return Analysis {
                tagging: Tagging { tags, entities },
                fired,
                features,
            };
        }
        let layout = Layout::new(text);
        for (ci, (cat, _)) in self
            .cats
            .iter()
            .zip(&possible)
            .enumerate()
            .filter(|(_, (_, p))| **p)
        {
            let mut vetoed = vec![false; layout.sentences.len()];
            for ex in &cat.exclusions {
                if !Self::possible(ex, &hits) {
                    continue;
                }
                let units = self.eval_rule(ex, text, &hits, &layout);
                if every_category && !units.is_empty() {
                    fired.push((cat.id.clone(), ex.name.clone()));
                }
                for s in units.iter().flatten() {
                    match ex.scope {
                        Scope::Passage => vetoed.iter_mut().for_each(|v| *v = true),
                        Scope::Sentence => vetoed[layout.sentence_of(s.start)] = true,
                    }
                }
            }
            let mut rule_hits: Vec<RuleHit> = Vec::new();
            let mut cat_units: Vec<Vec<Span>> = Vec::new();
            for r in &cat.rules {
                if !Self::possible(r, &hits) {
                    continue;
                }
                let mut units = self.eval_rule(r, text, &hits, &layout);
                units.retain(|u| u.iter().all(|s| !vetoed[layout.sentence_of(s.start)]));
                if !r.unless.is_empty() {
                    units.retain(|u| {
                        u.iter().all(|s| {
                            let sent = layout.sentence_of(s.start);
                            !r.unless.iter().any(|&x| {
                                hits.of(x)
                                    .iter()
                                    .any(|h| layout.sentence_of(h.start as usize) == sent)
                            })
                        })
                    });
                }
                if units.is_empty() {
                    continue;
                }
                let mut spans: Vec<Span> = units.iter().flatten().copied().collect();
                if r.weight > 0.0 {
                    cat_units.extend(units);
                }
                spans.sort_unstable();
                spans.dedup();
                if every_category {
                    fired.push((cat.id.clone(), r.name.clone()));
                }
                rule_hits.push(RuleHit {
                    rule: r.name.clone(),
                    weight: r.weight,
                    spans,
                });
            }
            if let Some(h) = rule_hits.iter().find(|h| h.weight > 0.0) {
                fired_cats.push((
                    ci,
                    h.spans
                        .first()
                        .copied()
                        .unwrap_or(Span { start: 0, end: 0 }),
                ));
            }
            let score: f32 = rule_hits.iter().map(|h| h.weight).sum();
            if rule_hits.is_empty() || score + 1e-6 < cat.threshold {
                continue;
            }
            rule_hits.retain(|h| h.weight > 0.0);
            rule_hits.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            let mut spans: Vec<Span> = rule_hits
                .iter()
                .flat_map(|h| h.spans.iter().copied())
                .collect();
            spans.sort_unstable();
            spans.dedup();
            let (modality, cue) = self.modality.decide(&cat_units, text, &hits, &layout);
            tags.push(Tag {
                category: cat.id.clone(),
                modality,
                score: score.min(1.0),
                rule: rule_hits[0].rule.clone(),
                spans,
                rules: rule_hits,
                modality_cue: cue,
            });
        }
        let features =
            self.second_opinion(text, &hits, Some(&layout), &mut tags, &fired_cats, features);
        let entities = self.entities.find(text, &hits);
        Analysis {
            tagging: Tagging { tags, entities },
            fired,
            features,
        }
    }

    /// The model's features of a passage: its words, the lexicons hit, the categories whose
    /// rules fired, the categories tagged.
    fn occurrences(
        &self,
        text: &str,
        hits: &Hits,
        tags: &[Tag],
        fired_cats: &[(usize, Span)],
    ) -> Vec<learned::Occurrence> {
        let mut out = Vec::new();
        learned::text_features(text, &mut out);
        for (name, set) in &self.lexicon_sets {
            if let Some(h) = hits.of(*set).first() {
                out.push(learned::Occurrence {
                    feature: format!("lex:{name}"),
                    span: Span::from((h.start as usize, h.end as usize)),
                });
            }
        }
        for (ci, span) in fired_cats {
            out.push(learned::Occurrence {
                feature: format!("rule:{}", self.cats[*ci].id),
                span: *span,
            });
        }
        for t in tags {
            out.push(learned::Occurrence {
                feature: format!("tag:{}", t.category),
                span: t
                    .spans
                    .first()
                    .copied()
                    .unwrap_or(Span { start: 0, end: 0 }),
            });
        }
        out
    }

    /// Runs the learned second opinion after the rules (see [`learned`]): adds at most one
    /// corruption tag the rules missed. With `collect`, returns the features instead.
    fn second_opinion(
        &self,
        text: &str,
        hits: &Hits,
        layout: Option<&Layout>,
        tags: &mut Vec<Tag>,
        fired_cats: &[(usize, Span)],
        collect: bool,
    ) -> Vec<learned::Occurrence> {
        if collect {
            return self.occurrences(text, hits, tags, fired_cats);
        }
        let Some(l) = &self.learned else {
            return Vec::new();
        };
        // The cheap checks first: the gate's lexicons, then the rules' own verdict.
        if !l.gate.iter().all(|g| g.iter().any(|&s| hits.any(s))) {
            return Vec::new();
        }
        let is_corruption = |c: &str| eval::CORRUPTION.contains(&c);
        if l.model.only_untagged && tags.iter().any(|t| is_corruption(&t.category)) {
            return Vec::new();
        }
        let occ = self.occurrences(text, hits, tags, fired_cats);
        let mut names: Vec<&str> = occ.iter().map(|o| o.feature.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let best = l
            .model
            .score(&names)
            .into_iter()
            .filter(|s| {
                let c = &l.model.categories[s.category];
                is_corruption(c)
                    && s.p >= l.model.threshold
                    && !tags.iter().any(|t| &t.category == c)
            })
            .max_by(|a, b| a.p.total_cmp(&b.p));
        let Some(best) = best else {
            return Vec::new();
        };
        let category = l.model.categories[best.category].clone();
        let mut rules = Vec::new();
        for (f, w) in best.top.iter().take(5) {
            let spans: Vec<Span> = occ
                .iter()
                .filter(|o| &o.feature == f && o.span.end > o.span.start)
                .map(|o| o.span)
                .take(3)
                .collect();
            rules.push(RuleHit {
                rule: format!("model:{category}:{f}"),
                weight: *w,
                spans,
            });
        }
        let mut spans: Vec<Span> = rules.iter().flat_map(|r| r.spans.iter().copied()).collect();
        spans.sort_unstable();
        spans.dedup();
        let units: Vec<Vec<Span>> = spans.iter().map(|s| vec![*s]).collect();
        let own;
        let layout = match layout {
            Some(l) => l,
            None => {
                own = Layout::new(text);
                &own
            }
        };
        let (modality, cue) = self.modality.decide(&units, text, hits, layout);
        let pos = self
            .cats
            .iter()
            .position(|c| c.id == category)
            .unwrap_or(usize::MAX);
        let at = tags
            .iter()
            .position(|t| {
                self.cats
                    .iter()
                    .position(|c| c.id == t.category)
                    .unwrap_or(usize::MAX)
                    > pos
            })
            .unwrap_or(tags.len());
        tags.insert(
            at,
            Tag {
                category: category.clone(),
                modality,
                score: best.p,
                rule: format!("model:{category}"),
                spans,
                rules,
                modality_cue: cue,
            },
        );
        Vec::new()
    }

    /// Whether the rule's literals were all hit (a cheap necessary condition).
    fn possible(r: &CRule, hits: &Hits) -> bool {
        match &r.kind {
            Kind::Terms(set) => hits.any(*set),
            Kind::Regex {
                prefilter,
                requires,
                ..
            } => {
                hits.any(*prefilter)
                    && (requires.is_empty() || requires.iter().any(|&s| hits.any(s)))
            }
            Kind::Near { groups, .. } => groups.iter().all(|g| g.iter().any(|&s| hits.any(s))),
        }
    }

    /// Matches of one rule, each a unit of spans (a near rule's unit holds one span per group).
    fn eval_rule(&self, r: &CRule, text: &str, hits: &Hits, layout: &Layout) -> Vec<Vec<Span>> {
        match &r.kind {
            Kind::Terms(set) => hits
                .of(*set)
                .iter()
                .map(|h| vec![Span::from((h.start as usize, h.end as usize))])
                .collect(),
            Kind::Regex {
                re,
                prefilter,
                requires,
            } => {
                // Run only on the sentences (or, for passage scope, the text) holding a
                // prefilter literal.
                let mut out = Vec::new();
                let mut last = usize::MAX;
                for h in hits.of(*prefilter) {
                    let (s, e) = match r.scope {
                        Scope::Passage => (0, text.len()),
                        Scope::Sentence => layout.sentences[layout.sentence_of(h.start as usize)],
                    };
                    if s == last {
                        continue;
                    }
                    last = s;
                    let required = requires.is_empty()
                        || requires
                            .iter()
                            .flat_map(|&r| hits.of(r))
                            .any(|h| (h.start as usize) >= s && (h.end as usize) <= e);
                    if !required {
                        continue;
                    }
                    out.extend(
                        re.find_iter(&text[s..e])
                            .filter(|m| m.end() > m.start())
                            .map(|m| vec![Span::from((s + m.start(), s + m.end()))]),
                    );
                }
                out.sort_unstable();
                out.dedup();
                out
            }
            Kind::Near { groups, window } => {
                let mut out = Vec::new();
                let anchors = groups[0].iter().flat_map(|&s| hits.of(s).iter());
                for a in anchors {
                    let ar = (a.start as usize, a.end as usize);
                    let asent = layout.sentence_of(ar.0);
                    let mut unit = vec![Span::from(ar)];
                    for g in &groups[1..] {
                        let best = g
                            .iter()
                            .flat_map(|&s| hits.of(s).iter())
                            .filter(|h| h.end <= a.start || h.start >= a.end)
                            .filter(|h| {
                                r.scope == Scope::Passage
                                    || layout.sentence_of(h.start as usize) == asent
                            })
                            .map(|h| {
                                let hr = (h.start as usize, h.end as usize);
                                (layout.distance(ar, hr), hr)
                            })
                            .filter(|(d, _)| *d <= *window)
                            .min();
                        match best {
                            Some((_, hr)) => unit.push(Span::from(hr)),
                            None => break,
                        }
                    }
                    if unit.len() == groups.len() {
                        out.push(unit);
                    }
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{embedded, Source};
    use crate::model::Modality;

    fn tagger() -> Tagger {
        Tagger::new(&Codebook::from_sources(&embedded()).unwrap()).unwrap()
    }

    /// A tagger from one lexicon file and one category file.
    fn tagger_from(lex: &str, cat: &str) -> Tagger {
        let cb = Codebook::from_sources(&[
            Source {
                name: "l.toml".into(),
                text: lex.into(),
            },
            Source {
                name: "c.toml".into(),
                text: cat.into(),
            },
        ])
        .unwrap();
        Tagger::new(&cb).unwrap()
    }

    fn cats(t: &Tagging) -> Vec<&str> {
        t.tags.iter().map(|t| t.category.as_str()).collect()
    }

    #[test]
    fn tagger_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Tagger>();
    }

    #[test]
    fn empty_and_odd_input() {
        let t = tagger();
        assert!(t.tag("").tags.is_empty());
        for s in [
            "\u{0}\u{feff}İİİ",
            "ﬁ ＢＲＩＢＥ",
            "💰💰 brib",
            "ÿ",
            ".....",
            "\u{0301}a",
        ] {
            let _ = t.tag(s);
        }
    }

    #[test]
    fn random_unicode_never_panics() {
        // Deterministic soup of the characters that break byte-offset code: multi-byte
        // spaces, combining marks, Thai, Vietnamese capitals, dots and quotes next to words.
        let palette = [
            "bribe",
            " ",
            "\u{a0}",
            "\u{3000}",
            ".",
            ". ",
            "\u{2019}",
            "\"",
            "$",
            "RM",
            "5",
            ",",
            "\u{0301}",
            "ส",
            "สินบน",
            "Ô",
            "HỐI LỘ",
            "police",
            "paid",
            "İ",
            "ß",
            "\u{feff}",
            "\n\n",
            "No.",
            "Mr.",
            "Case No. ",
            "March ",
            "2020",
            "\u{1F4B0}",
            "-",
            "tip",
            "off",
            "•",
        ];
        let t = tagger();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..(x % 40) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push_str(palette[(x % palette.len() as u64) as usize]);
            }
            let got = t.tag(&s);
            for tag in &got.tags {
                for sp in &tag.spans {
                    assert!(s.is_char_boundary(sp.start) && s.is_char_boundary(sp.end));
                }
            }
            let _ = explain(&got, &s);
        }
    }

    #[test]
    fn basic_bribery_and_trap() {
        let t = tagger();
        let got = t.tag("The customs inspector took bribes from truck drivers.");
        assert!(cats(&got).contains(&"bribery"), "{got:?}");
        let tag = got.tags.iter().find(|x| x.category == "bribery").unwrap();
        assert!(!tag.spans.is_empty() && !tag.rules.is_empty());
        let neg = t.tag("The disk suffered data corruption after the crash.");
        assert!(neg.tags.is_empty(), "{neg:?}");
    }

    #[test]
    fn modality_from_cues() {
        let t = tagger();
        let got = t.tag("The officer allegedly accepted bribes from smugglers.");
        let tag = got.tags.iter().find(|x| x.category == "bribery").unwrap();
        assert_eq!(tag.modality, Modality::Alleged);
        let got = t.tag("The officer pleaded guilty to accepting bribes.");
        let tag = got.tags.iter().find(|x| x.category == "bribery").unwrap();
        assert_eq!(tag.modality, Modality::Established);
    }

    #[test]
    fn thai_without_spaces() {
        let t = tagger();
        let got = t.tag("เจ้าหน้าที่ตำรวจรับสินบนจากนายหน้า");
        assert!(cats(&got).contains(&"bribery"), "{got:?}");
    }

    #[test]
    fn thai_term_containing_another_term_is_found() {
        // "เรียกรับเงิน" (demand money) ends with "รับเงิน" (receive money): the longer term
        // is hit too, and an official demanding money is extortion.
        let t = tagger();
        let got = t.tag("ตำรวจเรียกรับเงินจากแรงงานต่างด้าว");
        assert!(cats(&got).contains(&"extortion"), "{got:?}");
        // The dot of "ตม." (immigration police) does not cut the sentence.
        let got = t.tag("เจ้าหน้าที่ ตม. เรียกรับเงินจากแรงงานต่างด้าว");
        assert!(cats(&got).contains(&"extortion"), "{got:?}");
    }

    #[test]
    fn regex_requires_a_second_anchor_in_the_sentence() {
        let lex = "id = \"l\"\nversion = \"1\"\nkind = \"lexicon\"\ndescription = \"d\"\n\
                   [lexicon.role]\nen = [\"mayor\"]\n";
        let cat = "id = \"c\"\nversion = \"1\"\nkind = \"category\"\ndescription = \"d\"\n\
                   [[rule]]\nid = \"r\"\nregex = '(?i)own[a-z]* (?:a|the) (?:bar|mill)'\n\
                   prefilter = [\"own*\"]\nrequires = [\"@role|governor\"]\n";
        let t = tagger_from(lex, cat);
        assert_eq!(cats(&t.tag("The mayor owns the bar.")), vec!["c"]);
        assert_eq!(cats(&t.tag("The governor owned a mill.")), vec!["c"]);
        assert!(t.tag("The family owns the bar.").tags.is_empty());
        assert!(t
            .tag("The mayor spoke. The family owns the bar.")
            .tags
            .is_empty());
        let bad = cat.replace(
            "regex = '(?i)own[a-z]* (?:a|the) (?:bar|mill)'\n",
            "terms.en = [\"x\"]\n",
        );
        let bad = bad.replace("prefilter = [\"own*\"]\n", "");
        let err = Codebook::from_sources(&[Source {
            name: "c.toml".into(),
            text: bad,
        }])
        .unwrap_err();
        assert!(
            format!("{err:?}").contains("`requires` only applies to `regex`"),
            "{err:?}"
        );
    }

    #[test]
    fn custom_codebook_near_rule() {
        let lex = "id = \"l\"\nversion = \"1\"\nkind = \"lexicon\"\ndescription = \"d\"\n\
                   [lexicon.role]\nen = [\"guard\"]\n[lexicon.pay]\nen = [\"cash\"]\n";
        let cat = "id = \"c\"\nversion = \"1\"\nkind = \"category\"\ndescription = \"d\"\n\
                   [[rule]]\nid = \"n\"\nnear = [\"@role\", \"@pay\"]\nwindow = 3\n";
        let t = tagger_from(lex, cat);
        assert_eq!(cats(&t.tag("the guard took cash")), vec!["c"]);
        assert!(t.tag("the guard slept. Cash was gone").tags.is_empty());
        assert!(t
            .tag("the guard and one two three four cash")
            .tags
            .is_empty());
        assert!(t.tag("the guards took cashews").tags.is_empty());
    }
}
