//! The codebook: indicator dictionaries as data (TOML), parsed and validated.
//!
//! A dictionary file is one of three kinds (see `dictionaries/README.md` for the format):
//!
//! - **category**: the rules for one category (`bribery`, `trafficking`, ...): literal terms,
//!   proximity rules over lexicons, regular expressions with a literal prefilter, exclusions
//!   that veto a match, a weight per rule, a threshold, and self-test examples.
//! - **lexicon**: named term lists (`@official_role`, `@payment`, ...) that rules refer to.
//! - **modality**: cue words with a scope (NegEx/ConText style) and scope terminators.
//!
//! Parsing goes through a serde mirror that denies unknown keys (`raw`); validation then
//! checks what serde cannot (unknown lexicons, bad regexes, duplicate ids, term syntax) and
//! reports every problem as `file:line: message`. The library never reads files: the CLI reads
//! `--dictionaries DIR` and hands over [`Source`]s; [`embedded`] gives the built-in set.
//!
//! Example (a category rule that fires when an official role and a payment word are within
//! eight words of each other in one sentence):
//!
//! ```toml
//! [[rule]]
//! id = "official-paid"
//! weight = 1.0
//! near = ["@official_role", "@payment"]
//! window = 8
//! match = ["The guard pocketed cash from each driver."]
//! ```

mod raw;

use crate::model::Modality;
use raw::{RawFile, RawKind, RawRule, RawTerms};
use std::collections::{BTreeMap, BTreeSet};

/// One dictionary file: its name (for error messages) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// File name, e.g. `bribery.toml`.
    pub name: String,
    /// The TOML text.
    pub text: String,
}

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        /// File names of the embedded dictionaries, in load order.
        pub const EMBEDDED_NAMES: &[&str] = &[$($name),*];
        const EMBEDDED_TEXTS: &[&str] =
            &[$(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries/", $name))),*];
    };
}

embed!(
    "lexicon-officials.toml",
    "lexicon-payments.toml",
    "lexicon-documents.toml",
    "lexicon-enforcement.toml",
    "lexicon-actors.toml",
    "lexicon-places.toml",
    "lexicon-ordinary.toml",
    "modality.toml",
    "bribery.toml",
    "fraudulent_documents.toml",
    "leaked_information.toml",
    "obstruction_of_justice.toml",
    "official_complicity.toml",
    "extortion.toml",
    "influence_peddling.toml",
    "illicit_finance.toml",
    "impunity.toml",
    "trafficking.toml",
    "smuggling.toml",
);

/// The dictionaries compiled into the binary.
pub fn embedded() -> Vec<Source> {
    EMBEDDED_NAMES
        .iter()
        .zip(EMBEDDED_TEXTS)
        .map(|(n, t)| Source {
            name: (*n).to_string(),
            text: (*t).to_string(),
        })
        .collect()
}

/// True for a file name that is a dictionary (`*.toml`), as the CLI lists a directory.
pub fn is_dictionary_file(name: &str) -> bool {
    name.ends_with(".toml")
}

/// The embedded dictionaries with `overrides` applied: a source with the same name replaces
/// the embedded one, a new name is added. The CLI calls this with the files it read from
/// `--dictionaries DIR` (or passes only the directory's sources to replace the set entirely).
pub fn with_overrides(overrides: Vec<Source>) -> Vec<Source> {
    let mut out = embedded();
    for s in overrides {
        if let Some(slot) = out.iter_mut().find(|e| e.name == s.name) {
            *slot = s;
        } else {
            out.push(s);
        }
    }
    out
}

/// A bad dictionary: file, line and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct CodebookError {
    /// The dictionary file.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// One literal term after expansion: lower-cased text and whether it is a prefix (`brib*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Term {
    /// The literal head (NFC, case-folded the way the tagger folds text): the whole term, or
    /// the words up to and including the first `word*`.
    pub text: String,
    /// The head ends in `*`: any continuation of its last word matches (`brib*`: bribe,
    /// bribed, bribery).
    pub prefix: bool,
    /// The words after the head's `word*`, checked at each hit of the head ("false
    /// statement* in the passport application"), so a phrase with a wildcard inside is one
    /// automaton pattern, not one per inflection.
    pub tail: Vec<TailWord>,
}

/// One word of a term's tail.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TailWord {
    /// The word (NFC, folded), without its `*`.
    pub word: String,
    /// Written `word*`: any continuation matches.
    pub prefix: bool,
}

/// One alternative inside a proximity group or an `unless` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermRef {
    /// `@name`: every term of a lexicon.
    Lexicon(String),
    /// An inline literal term (already expanded).
    Terms(Vec<Term>),
}

/// How far a rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Within one sentence (default).
    #[default]
    Sentence,
    /// Anywhere in the tagged text.
    Passage,
}

/// What a rule matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// Any of these literal terms.
    Terms(Vec<Term>),
    /// One alternative of every group, within `window` words, in any order.
    Near {
        /// The groups; each is a list of alternatives.
        groups: Vec<Vec<TermRef>>,
        /// Maximum distance in words between the first group's hit and every other hit.
        window: u32,
    },
    /// A regular expression, run only when one of the prefilter literals occurs.
    Regex {
        /// The expression (regex crate syntax).
        regex: String,
        /// Literal anchors: the regex runs only if one of them is present.
        prefilter: Vec<Term>,
        /// Further alternatives (lexicons or literals) of which one must occur in the same
        /// sentence (passage, for passage scope) before the regex runs: a second anchor for
        /// regexes whose prefilter is a common word ("own").
        requires: Vec<TermRef>,
    },
}

/// One rule of a category (or an exclusion).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Rule id, unique within its file.
    pub id: String,
    /// 1-based line of the rule's `id` in its file.
    pub line: usize,
    /// Weight added to the category score when the rule fires.
    pub weight: f32,
    /// What the rule captures and why.
    pub description: String,
    /// What it matches.
    pub pattern: Pattern,
    /// Sentence or passage.
    pub scope: Scope,
    /// Alternatives that veto the rule when present in the same sentence.
    pub unless: Vec<TermRef>,
    /// Sentences this rule must fire on.
    pub matches: Vec<String>,
    /// Sentences this rule must not fire on.
    pub no_match: Vec<String>,
}

/// A category-level self-test example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The sentence.
    pub text: String,
    /// Expected modality; `None`: the category must not be tagged.
    pub modality: Option<Modality>,
    /// 1-based line in the file.
    pub line: usize,
}

/// A category: its rules, exclusions and examples.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// Category id (`bribery`, ...).
    pub id: String,
    /// The file it came from.
    pub file: String,
    /// A domain-context category (`trafficking`, `smuggling`), not a corruption indicator.
    pub context: bool,
    /// Score needed to tag.
    pub threshold: f32,
    /// Positive (and negative-weight) rules.
    pub rules: Vec<Rule>,
    /// Vetoes: a match of an exclusion removes every rule match in its scope.
    pub exclusions: Vec<Rule>,
    /// Self-test examples.
    pub examples: Vec<Example>,
}

/// A named term list.
#[derive(Debug, Clone, PartialEq)]
pub struct Lexicon {
    /// Name used as `@name`.
    pub name: String,
    /// The file it came from.
    pub file: String,
    /// What the list holds.
    pub description: String,
    /// Entity kind its matches produce (`role`, `agency`, `country`, `currency`), if any.
    pub entity: Option<String>,
    /// The expanded terms.
    pub terms: Vec<Term>,
}

/// Where a modality cue applies, relative to the cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueScope {
    /// Words after the cue, up to a terminator or the window.
    Forward,
    /// Words before the cue.
    Backward,
    /// Both directions.
    Both,
    /// The whole sentence.
    Sentence,
    /// The whole passage (attribution such as "according to the indictment").
    Passage,
}

/// A modality cue.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// Cue id (for explanations).
    pub id: String,
    /// The modality it signals.
    pub modality: Modality,
    /// Its scope.
    pub scope: CueScope,
    /// Maximum distance in words for forward/backward scopes.
    pub window: u32,
    /// The cue words.
    pub terms: Vec<Term>,
}

/// Metadata of one dictionary file.
#[derive(Debug, Clone, PartialEq)]
pub struct Dictionary {
    /// Dictionary id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// The file name.
    pub file: String,
    /// What it tags and why.
    pub description: String,
    /// Sources of the definitions.
    pub references: Vec<String>,
}

/// A parsed, validated set of dictionaries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Codebook {
    /// Combined version string of every dictionary (`id@version` joined by `,`).
    pub version: String,
    /// Every file's metadata, in load order.
    pub dictionaries: Vec<Dictionary>,
    /// Categories, in load order.
    pub categories: Vec<Category>,
    /// Lexicons by name.
    pub lexicons: BTreeMap<String, Lexicon>,
    /// Modality cues.
    pub cues: Vec<Cue>,
    /// Words that end a cue's scope ("but", "however", ...).
    pub terminators: Vec<Term>,
    /// Words that cancel an allegation or conviction cue right after them ("did not
    /// investigate reports of ...": the reports are not the author's allegation).
    pub negators: Vec<Term>,
}

impl Codebook {
    /// Parses and validates dictionary sources; the first problem is the error.
    pub fn from_sources(sources: &[Source]) -> Result<Codebook, CodebookError> {
        let (cb, errors) = build(sources);
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(cb),
        }
    }

    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }
}

/// Validates sources and returns every problem found (`redflag dict check`): TOML syntax,
/// unknown keys, bad regexes, unknown lexicons, duplicate ids, bad term syntax.
pub fn check(sources: &[Source]) -> Vec<CodebookError> {
    build(sources).1
}

/// 1-based line of a byte offset.
fn line_at(text: &str, byte: usize) -> usize {
    let end = byte.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// 1-based line of the first occurrence of `needle`, or 0.
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle).map(|b| line_at(text, b)).unwrap_or(0)
}

/// Folds one character the way the tagger folds text: lower case when that keeps the byte
/// length (so offsets never move), unchanged otherwise.
pub(crate) fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) if l.len_utf8() == c.len_utf8() => l,
        _ => c,
    }
}

/// Folds a string with [`fold_char`].
pub(crate) fn fold_str(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// Expands term syntax: `{a,b}` alternatives (several groups allowed, no nesting) and `word*`
/// (any continuation of that word: at the end of a term, `brib*`; inside a phrase, `tip* off`
/// = tip off, tips off, tipped off, tipping off). Returns the expanded, folded, NFC terms, each
/// split at its first `word*` into the literal head and the tail checked after it.
pub(crate) fn expand_term(raw: &str) -> Result<Vec<Term>, String> {
    use unicode_normalization::UnicodeNormalization;
    let t = raw.trim();
    if t.is_empty() {
        return Err("empty term".into());
    }
    if t.split_whitespace()
        .any(|w| w.trim_end_matches('*').contains('*') || w.starts_with('*'))
    {
        return Err(format!(
            "term {raw:?}: '*' is only allowed at the end of a word"
        ));
    }
    if t.contains('@') || t.contains('|') {
        return Err(format!(
            "term {raw:?}: '@' and '|' belong in near/unless lists, not in terms"
        ));
    }
    let mut variants = vec![String::new()];
    let mut rest = t;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(format!("term {raw:?}: '}}' without '{{'"));
        }
        let close = rest[open..]
            .find('}')
            .map(|c| c + open)
            .ok_or_else(|| format!("term {raw:?}: '{{' without '}}'"))?;
        let inner = &rest[open + 1..close];
        if inner.contains('{') {
            return Err(format!("term {raw:?}: nested '{{'"));
        }
        let head = &rest[..open];
        let alts: Vec<&str> = inner.split(',').collect();
        let mut next = Vec::new();
        for v in &variants {
            for a in &alts {
                next.push(format!("{v}{head}{a}"));
            }
        }
        if next.len() > 1024 {
            return Err(format!("term {raw:?}: more than 1024 expansions"));
        }
        variants = next;
        rest = &rest[close + 1..];
    }
    let mut out = Vec::new();
    for v in variants {
        let full: String = format!("{v}{rest}").nfc().collect();
        let words: Vec<&str> = full.split_whitespace().collect();
        if words.iter().all(|w| w.trim_end_matches('*').is_empty()) {
            return Err(format!("term {raw:?}: expands to an empty term"));
        }
        let cut = words
            .iter()
            .position(|w| w.ends_with('*'))
            .unwrap_or(words.len() - 1);
        let head = words[..=cut].join(" ");
        let prefix = head.ends_with('*');
        let text = fold_str(head.trim_end_matches('*'));
        let tail = words[cut + 1..]
            .iter()
            .map(|w| TailWord {
                word: fold_str(w.trim_end_matches('*')),
                prefix: w.ends_with('*'),
            })
            .collect();
        if text.is_empty() {
            return Err(format!("term {raw:?}: expands to an empty term"));
        }
        out.push(Term { text, prefix, tail });
    }
    Ok(out)
}

/// Vietnamese function words that are words by themselves (negators), allowed as
/// single-syllable terms.
const VI_FUNCTION_WORDS: &[&str] = &["không", "chưa", "chẳng", "chớ", "đừng"];

/// The longest Vietnamese syllable has seven letters ("nghiêng"); a longer token without a
/// space is a loanword ("Campuchia"), not a syllable.
const VI_MAX_SYLLABLE: usize = 7;

/// A letter that among the codebook's languages only Vietnamese writes: ă, đ, ơ, ư, ĩ, ũ
/// and the Latin Extended Additional block (ạ, ả, ế, ộ, ự, ...).
fn vietnamese_letter(c: char) -> bool {
    matches!(c, 'ă' | 'Ă' | 'đ' | 'Đ' | 'ơ' | 'Ơ' | 'ư' | 'Ư' | 'ĩ' | 'Ĩ' | 'ũ' | 'Ũ')
        || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
}

/// Why a Vietnamese term is refused, if it is: a Vietnamese syllable is not a word ("độc
/// giả" = reader holds "giả" = fake), so a term must be a phrase of two or more syllables.
/// Acronyms written in capitals ("CMND"), tokens longer than a syllable ("Campuchia") and
/// negators are allowed. `vietnamese` says the term sits on a `vi` line; literal terms in
/// `near`, `unless` and `prefilter` have no language and are checked when they hold a letter
/// only Vietnamese writes.
pub(crate) fn vi_syllable_problem(raw: &str, vietnamese: bool) -> Option<String> {
    if !vietnamese && !raw.chars().any(vietnamese_letter) {
        return None;
    }
    if !raw.chars().any(char::is_lowercase) {
        return None;
    }
    let terms = expand_term(raw).ok()?;
    let single = terms.iter().find(|t| {
        t.tail.is_empty()
            && !t.text.contains(' ')
            && t.text.chars().count() <= VI_MAX_SYLLABLE
            && !VI_FUNCTION_WORDS.contains(&t.text.as_str())
    })?;
    Some(format!(
        "Vietnamese term {raw:?}: {:?} is a single syllable, and a Vietnamese syllable is not \
         a word (\"độc giả\" = reader holds \"giả\" = fake); write the phrase (\"giấy tờ giả\")",
        single.text
    ))
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    errors: &'a mut Vec<CodebookError>,
}

impl Ctx<'_> {
    fn err(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(CodebookError {
            file: self.file.to_string(),
            line,
            message: message.into(),
        });
    }

    fn terms(&mut self, line: usize, raw: &RawTerms) -> Vec<Term> {
        let mut out = Vec::new();
        for (_, t) in raw.pairs() {
            match expand_term(t) {
                Ok(v) => out.extend(v),
                Err(m) => {
                    let l = match line_of(self.text, &format!("\"{t}\"")) {
                        0 => line,
                        l => l,
                    };
                    self.err(l, m)
                }
            }
        }
        out
    }

    /// Refuses single-syllable Vietnamese terms ([`vi_syllable_problem`]) in rules and lexicons.
    fn vi_syllables(&mut self, line: usize, raw: &RawTerms) {
        for (lang, t) in raw.pairs() {
            if let Some(m) = vi_syllable_problem(t, lang == "vi") {
                let l = match line_of(self.text, &format!("\"{t}\"")) {
                    0 => line,
                    l => l,
                };
                self.err(l, m);
            }
        }
    }

    /// Parses a `near`/`unless` element: alternatives separated by `|`, each `@lexicon` or a
    /// literal term. Unknown lexicons are checked later (all files must be loaded first).
    fn alternatives(&mut self, line: usize, raw: &str) -> Vec<TermRef> {
        let mut out = Vec::new();
        let mut literals = Vec::new();
        for alt in raw.split('|') {
            let alt = alt.trim();
            if let Some(name) = alt.strip_prefix('@') {
                if name.is_empty() {
                    self.err(line, format!("{raw:?}: '@' without a lexicon name"));
                } else {
                    out.push(TermRef::Lexicon(name.to_string()));
                }
            } else {
                if let Some(m) = vi_syllable_problem(alt, false) {
                    self.err(line, m);
                }
                match expand_term(alt) {
                    Ok(v) => literals.extend(v),
                    Err(m) => self.err(line, m),
                }
            }
        }
        if !literals.is_empty() {
            out.push(TermRef::Terms(literals));
        }
        out
    }

    fn rule(&mut self, r: &RawRule, exclusion: bool) -> Option<Rule> {
        let id = r.id.get_ref().clone();
        let line = line_at(self.text, r.id.span().start);
        let what = if exclusion { "exclusion" } else { "rule" };
        if id.trim().is_empty() {
            self.err(line, format!("{what} with an empty id"));
        }
        let kinds = [r.terms.is_some(), r.near.is_some(), r.regex.is_some()]
            .iter()
            .filter(|&&b| b)
            .count();
        if kinds != 1 {
            self.err(
                line,
                format!("{what} {id:?}: give exactly one of `terms`, `near`, `regex`"),
            );
            return None;
        }
        let weight = r.weight.unwrap_or(1.0);
        if !weight.is_finite() {
            self.err(
                line,
                format!("{what} {id:?}: weight must be a finite number"),
            );
        }
        if exclusion && r.weight.is_some() {
            self.err(line, format!("exclusion {id:?}: exclusions have no weight"));
        }
        if r.window.is_some() && r.near.is_none() {
            self.err(
                line,
                format!("{what} {id:?}: `window` only applies to `near`"),
            );
        }
        if r.prefilter.is_some() && r.regex.is_none() {
            self.err(
                line,
                format!("{what} {id:?}: `prefilter` only applies to `regex`"),
            );
        }
        if r.requires.is_some() && r.regex.is_none() {
            self.err(
                line,
                format!("{what} {id:?}: `requires` only applies to `regex`"),
            );
        }
        let scope = match r.scope.as_deref() {
            None | Some("sentence") => Scope::Sentence,
            Some("passage") => Scope::Passage,
            Some(other) => {
                self.err(
                    line,
                    format!("{what} {id:?}: scope {other:?} is not `sentence` or `passage`"),
                );
                Scope::Sentence
            }
        };
        let pattern = if let Some(t) = &r.terms {
            self.vi_syllables(line, t);
            let terms = self.terms(line, t);
            if terms.is_empty() {
                self.err(line, format!("{what} {id:?}: `terms` is empty"));
            }
            Pattern::Terms(terms)
        } else if let Some(near) = &r.near {
            if near.len() < 2 {
                self.err(
                    line,
                    format!("{what} {id:?}: `near` needs at least two groups"),
                );
            }
            let groups = near.iter().map(|g| self.alternatives(line, g)).collect();
            let window = r.window.unwrap_or(10);
            if window == 0 {
                self.err(line, format!("{what} {id:?}: `window` must be at least 1"));
            }
            Pattern::Near { groups, window }
        } else {
            let regex = r.regex.clone().unwrap_or_default();
            if let Err(e) = regex::RegexBuilder::new(&regex).size_limit(1 << 22).build() {
                let l = match line_of(self.text, "regex") {
                    0 => line,
                    l if l >= line => l,
                    _ => line,
                };
                self.err(l, format!("{what} {id:?}: bad regex: {e}"));
            }
            let mut prefilter = Vec::new();
            for p in r.prefilter.iter().flatten() {
                match expand_term(p) {
                    Ok(v) => prefilter.extend(v),
                    Err(m) => self.err(line, format!("{what} {id:?}: prefilter: {m}")),
                }
            }
            if prefilter.is_empty() {
                self.err(
                    line,
                    format!("{what} {id:?}: a regex needs a non-empty literal `prefilter`"),
                );
            }
            let requires = r
                .requires
                .iter()
                .flatten()
                .flat_map(|u| self.alternatives(line, u))
                .collect();
            Pattern::Regex {
                regex,
                prefilter,
                requires,
            }
        };
        let unless = r
            .unless
            .iter()
            .flat_map(|u| self.alternatives(line, u))
            .collect();
        Some(Rule {
            id,
            line,
            weight,
            description: r.description.clone(),
            pattern,
            scope,
            unless,
            matches: r.matches.clone(),
            no_match: r.no_match.clone(),
        })
    }
}

fn refs_of(rule: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |alts: &[TermRef]| {
        for a in alts {
            if let TermRef::Lexicon(n) = a {
                out.push(n.clone());
            }
        }
    };
    match &rule.pattern {
        Pattern::Near { groups, .. } => groups.iter().for_each(|g| push(g)),
        Pattern::Regex { requires, .. } => push(requires),
        Pattern::Terms(_) => {}
    }
    push(&rule.unless);
    out
}

fn build(sources: &[Source]) -> (Codebook, Vec<CodebookError>) {
    let mut errors = Vec::new();
    let mut cb = Codebook::default();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut versions = Vec::new();
    // (file, lexicon references as (line, name)) of every category, checked at the end.
    let mut rule_files: Vec<(String, Vec<(usize, String)>)> = Vec::new();
    for src in sources {
        let mut ctx = Ctx {
            file: &src.name,
            text: &src.text,
            errors: &mut errors,
        };
        let raw: RawFile = match toml::from_str(&src.text) {
            Ok(r) => r,
            Err(e) => {
                let line = e.span().map(|s| line_at(&src.text, s.start)).unwrap_or(0);
                let msg = e.message().trim().to_string();
                ctx.err(line, msg);
                continue;
            }
        };
        let id = raw.id.get_ref().clone();
        let id_line = line_at(&src.text, raw.id.span().start);
        if id.trim().is_empty() {
            ctx.err(id_line, "empty `id`");
        }
        if let Some(prev) = ids.insert(id.clone(), src.name.clone()) {
            ctx.err(
                id_line,
                format!("duplicate dictionary id {id:?} (also in {prev})"),
            );
        }
        if raw.version.trim().is_empty() {
            ctx.err(line_of(&src.text, "version"), "empty `version`");
        }
        if raw.description.trim().is_empty() {
            ctx.err(line_of(&src.text, "description"), "empty `description`");
        }
        versions.push(format!("{id}@{}", raw.version));
        cb.dictionaries.push(Dictionary {
            id: id.clone(),
            version: raw.version.clone(),
            file: src.name.clone(),
            description: raw.description.clone(),
            references: raw.references.clone(),
        });
        let misplaced = |ctx: &mut Ctx, cond: bool, key: &str| {
            if cond {
                let l = line_of(ctx.text, key);
                ctx.err(
                    l,
                    format!("`{key}` is not allowed in a {:?} file", raw.kind).to_lowercase(),
                );
            }
        };
        misplaced(
            &mut ctx,
            raw.kind != RawKind::Category && !raw.rule.is_empty(),
            "rule",
        );
        misplaced(
            &mut ctx,
            raw.kind != RawKind::Category && !raw.exclude.is_empty(),
            "exclude",
        );
        misplaced(
            &mut ctx,
            raw.kind != RawKind::Category && !raw.example.is_empty(),
            "example",
        );
        misplaced(
            &mut ctx,
            raw.kind != RawKind::Category && raw.threshold.is_some(),
            "threshold",
        );
        misplaced(
            &mut ctx,
            raw.kind != RawKind::Modality
                && (!raw.cue.is_empty() || raw.terminators.is_some() || raw.negators.is_some()),
            "cue",
        );
        // Lexicons may appear in any file kind.
        for (name, lex) in &raw.lexicon {
            let line = line_of(&src.text, &format!("lexicon.{name}"));
            ctx.vi_syllables(line, &lex.terms());
            let terms = ctx.terms(line, &lex.terms());
            if terms.is_empty() {
                ctx.err(line, format!("lexicon {name:?} has no terms"));
            }
            if let Some(prev) = cb.lexicons.get(name) {
                let prev_file = prev.file.clone();
                ctx.err(
                    line,
                    format!("duplicate lexicon {name:?} (also in {prev_file})"),
                );
                continue;
            }
            if let Some(kind) = &lex.entity {
                if !["role", "agency", "country", "currency"].contains(&kind.as_str()) {
                    ctx.err(
                        line,
                        format!(
                            "lexicon {name:?}: entity {kind:?} is not role, agency, country or currency"
                        ),
                    );
                }
            }
            cb.lexicons.insert(
                name.clone(),
                Lexicon {
                    name: name.clone(),
                    file: src.name.clone(),
                    description: lex.description.clone(),
                    entity: lex.entity.clone(),
                    terms,
                },
            );
        }
        match raw.kind {
            RawKind::Lexicon => {}
            RawKind::Modality => {
                let mut seen = BTreeSet::new();
                for c in &raw.cue {
                    let line = line_at(&src.text, c.id.span().start);
                    if !seen.insert(c.id.get_ref().clone()) {
                        ctx.err(line, format!("duplicate cue id {:?}", c.id.get_ref()));
                    }
                    let Some(modality) = Modality::parse(&c.modality) else {
                        ctx.err(line, format!("unknown modality {:?}", c.modality));
                        continue;
                    };
                    let scope = match c.scope.as_str() {
                        "forward" => CueScope::Forward,
                        "backward" => CueScope::Backward,
                        "both" => CueScope::Both,
                        "sentence" => CueScope::Sentence,
                        "passage" => CueScope::Passage,
                        other => {
                            ctx.err(line, format!("cue scope {other:?} is not forward, backward, both, sentence or passage"));
                            continue;
                        }
                    };
                    let terms = ctx.terms(line, &c.terms);
                    cb.cues.push(Cue {
                        id: c.id.get_ref().clone(),
                        modality,
                        scope,
                        window: c.window.unwrap_or(8),
                        terms,
                    });
                }
                if let Some(t) = &raw.terminators {
                    let line = line_of(&src.text, "terminators");
                    let terms = ctx.terms(line, t);
                    cb.terminators.extend(terms);
                }
                if let Some(t) = &raw.negators {
                    let line = line_of(&src.text, "negators");
                    let terms = ctx.terms(line, t);
                    cb.negators.extend(terms);
                }
            }
            RawKind::Category => {
                let threshold = raw.threshold.unwrap_or(1.0);
                if !(threshold.is_finite() && threshold > 0.0) {
                    ctx.err(
                        line_of(&src.text, "threshold"),
                        "`threshold` must be a positive number",
                    );
                }
                let mut seen = BTreeSet::new();
                let mut rules = Vec::new();
                let mut exclusions = Vec::new();
                let mut refs = Vec::new();
                for (list, excl) in [(&raw.rule, false), (&raw.exclude, true)] {
                    for r in list {
                        let line = line_at(&src.text, r.id.span().start);
                        if !seen.insert(r.id.get_ref().clone()) {
                            ctx.err(line, format!("duplicate rule id {:?}", r.id.get_ref()));
                        }
                        if let Some(rule) = ctx.rule(r, excl) {
                            refs.extend(refs_of(&rule).into_iter().map(|n| (line, n)));
                            if excl {
                                exclusions.push(rule);
                            } else {
                                rules.push(rule);
                            }
                        }
                    }
                }
                if rules.is_empty() {
                    ctx.err(id_line, format!("category {id:?} has no rules"));
                }
                let mut examples = Vec::new();
                for ex in &raw.example {
                    let line = line_at(&src.text, ex.text.span().start);
                    let modality = if ex.modality == "none" {
                        None
                    } else {
                        match Modality::parse(&ex.modality) {
                            Some(m) => Some(m),
                            None => {
                                ctx.err(line, format!("unknown modality {:?}", ex.modality));
                                continue;
                            }
                        }
                    };
                    examples.push(Example {
                        text: ex.text.get_ref().clone(),
                        modality,
                        line,
                    });
                }
                if cb.categories.iter().any(|c| c.id == id) {
                    continue;
                }
                rule_files.push((src.name.clone(), refs));
                cb.categories.push(Category {
                    id,
                    file: src.name.clone(),
                    context: raw.context,
                    threshold,
                    rules,
                    exclusions,
                    examples,
                });
            }
        }
    }
    for (file, refs) in rule_files {
        for (line, name) in refs {
            if !cb.lexicons.contains_key(&name) {
                errors.push(CodebookError {
                    file: file.clone(),
                    line,
                    message: format!("unknown lexicon @{name}"),
                });
            }
        }
    }
    cb.version = versions.join(",");
    (cb, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, text: &str) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    const HEAD: &str = "id = \"x\"\nversion = \"1\"\nkind = \"category\"\ndescription = \"d\"\n";

    #[test]
    fn embedded_matches_folder() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_dictionary_file(n))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED_NAMES.iter().map(|s| s.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
        for s in super::embedded() {
            let disk = std::fs::read_to_string(format!("{dir}/{}", s.name)).unwrap();
            assert_eq!(disk, s.text, "{} differs from the embedded copy", s.name);
        }
    }

    #[test]
    fn embedded_codebook_is_valid() {
        let errs = check(&embedded());
        assert!(errs.is_empty(), "{errs:#?}");
        let cb = Codebook::from_sources(&embedded()).unwrap();
        assert!(cb.version.contains("bribery@"));
        assert_eq!(cb.categories.len(), 11);
    }

    #[test]
    fn expands_braces_and_prefix() {
        let t = expand_term("{take,took} a brib*").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].text, "took a brib");
        assert!(t[1].prefix);
        assert!(expand_term("a*b").is_err());
        let infl = expand_term("tip* {the,a} smuggler*").unwrap();
        assert_eq!(infl.len(), 2);
        assert_eq!((infl[0].text.as_str(), infl[0].prefix), ("tip", true));
        assert_eq!(
            infl[1].tail,
            vec![
                TailWord {
                    word: "a".into(),
                    prefix: false
                },
                TailWord {
                    word: "smuggler".into(),
                    prefix: true
                }
            ]
        );
        assert!(expand_term("* *").is_err());
        assert!(expand_term("{a,b").is_err());
        assert!(expand_term("   ").is_err());
        assert_eq!(expand_term("Công An").unwrap()[0].text, "công an");
    }

    #[test]
    fn unknown_key_has_line() {
        let text = format!("{HEAD}[[rule]]\nid = \"a\"\nwieght = 2\nterms.en = [\"x\"]\n");
        let e = Codebook::from_sources(&[src("x.toml", &text)]).unwrap_err();
        assert_eq!(e.file, "x.toml");
        assert_eq!(e.line, 7);
        assert!(e.message.contains("wieght"), "{e}");
        assert!(e.to_string().starts_with("x.toml:7: "));
    }

    #[test]
    fn bad_regex_unknown_lexicon_duplicates() {
        let text = format!(
            "{HEAD}[[rule]]\nid = \"a\"\nregex = \"(unclosed\"\nprefilter = [\"u\"]\n\
             [[rule]]\nid = \"a\"\nnear = [\"@nope\", \"x\"]\n"
        );
        let errs = check(&[src("x.toml", &text)]);
        let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert!(msgs.iter().any(|m| m.contains("bad regex")), "{msgs:?}");
        assert!(
            msgs.iter().any(|m| m.contains("duplicate rule id")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("unknown lexicon @nope")),
            "{msgs:?}"
        );
        let dup = check(&[src("a.toml", &text), src("b.toml", HEAD)]);
        assert!(dup
            .iter()
            .any(|e| e.message.contains("duplicate dictionary id")));
    }

    #[test]
    fn single_vietnamese_syllables_are_refused() {
        let t = "id = \"x\"\nversion = \"1\"\nkind = \"lexicon\"\ndescription = \"d\"\n\n[lexicon.forged]\ndescription = \"d\"\nvi = [\"giả\", \"giấy tờ giả\", \"CMND\", \"Campuchia\", \"không\"]\n";
        let errors = check(&[src("x.toml", t)]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 8);
        assert!(errors[0].message.contains("\"giả\""), "{}", errors[0].message);
        let near = "id = \"c\"\nversion = \"1\"\nkind = \"category\"\ndescription = \"d\"\n\n[[rule]]\nid = \"r\"\nnear = [\"tiền\", \"cán bộ|officer\"]\n";
        let errors = check(&[src("c.toml", near)]);
        assert!(
            errors.iter().any(|e| e.message.contains("\"tiền\"")),
            "{errors:?}"
        );
        assert!(vi_syllable_problem("độc giả", true).is_none());
        assert!(vi_syllable_problem("bribe", false).is_none());
        assert!(vi_syllable_problem("{giấy tờ,con dấu} giả", true).is_none());
        assert!(vi_syllable_problem("{giấy tờ,dấu} giả", true).is_none());
        assert!(vi_syllable_problem("{hộ chiếu,giả}", true).is_some());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for t in [
            "",
            "\u{0}\u{ffff}",
            "id = [",
            "[[rule]]\nid = 3",
            "id = \"x\"\nkind = \"nope\"",
        ] {
            assert!(
                Codebook::from_sources(&[src("g.toml", t)]).is_err(),
                "{t:?}"
            );
        }
    }
}
