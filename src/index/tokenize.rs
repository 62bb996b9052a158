//! The analyzers of the text fields.
//!
//! Every analyzer starts with [`WordTokenizer`]: words are runs of letters and digits, as in
//! tantivy's `SimpleTokenizer`, except in the scripts written without spaces between words
//! (Thai, Lao, Khmer, Burmese, Chinese, Japanese kana), whose runs are cut into words by
//! ICU4X's dictionary word segmenter (`icu_segmenter`, dictionaries compiled into the binary).
//! The same tokenizer runs at query time, so `สินบน` or `贿赂` typed alone finds the word inside
//! an unspaced sentence, and a typed Thai sentence becomes a phrase of its words.
//!
//! - `text` is stemmed for English (Snowball/Porter) and then folds a few derivations the
//!   stemmer keeps apart but a reporter means together: `bribery`, `briber` → `bribe`,
//!   `forgery`, `forger` → `forg`, `smuggler` → `smuggl`, `trafficker` → `traffick`,
//!   `extortion`, `extortionist` → `extort`, `complicity` → `complicit`. So `bribes` finds
//!   `bribed` and `bribery`. Words of other languages pass the English stemmer mostly as
//!   they are.
//! - `text_exact` is lower-cased words, unstemmed, for quoted phrases and fuzzy terms.
//! - one field per other analyzed language ([`LANG_ANALYZERS`]), filled only for passages
//!   detected in that language: Indonesian/Malay affix stripping ([`IdAffixes`]:
//!   `penyelundupan`, `menyelundupkan` → `selundup`) and the Snowball stemmers of the European
//!   languages the language detector keeps.
//! - `title`, `path` and the e-mail fields use [`WORDS`]: words, lower-cased.

use icu_segmenter::options::WordBreakInvariantOptions;
use icu_segmenter::{WordSegmenter, WordSegmenterBorrowed};
use std::collections::VecDeque;
use std::mem;
use std::sync::LazyLock;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Name of the stemmed analyzer.
pub const STEM: &str = "redflag_stem";
/// Name of the exact analyzer.
pub const EXACT: &str = "redflag_exact";
/// Name of the analyzer of titles, paths and e-mail fields (words, lower-cased).
pub const WORDS: &str = "redflag_words";

/// The language-specific analyzers: (passage language, field name = analyzer name, stemmer).
/// `None` is the Indonesian/Malay affix stripper. Malay passages are detected as `id`
/// (the detector does not tell the two apart); both are listed so either code selects it.
pub const LANG_ANALYZERS: &[(&str, &str, Option<Language>)] = &[
    ("id", "text_id", None),
    ("ms", "text_id", None),
    ("fr", "text_fr", Some(Language::French)),
    ("es", "text_es", Some(Language::Spanish)),
    ("pt", "text_pt", Some(Language::Portuguese)),
    ("de", "text_de", Some(Language::German)),
    ("it", "text_it", Some(Language::Italian)),
    ("nl", "text_nl", Some(Language::Dutch)),
    ("tr", "text_tr", Some(Language::Turkish)),
    ("ru", "text_ru", Some(Language::Russian)),
    ("ar", "text_ar", Some(Language::Arabic)),
];

/// Stems the English stemmer leaves apart, mapped to the one they share meaning with.
const DERIVATIONS: &[(&str, &str)] = &[
    ("briberi", "bribe"),
    ("briber", "bribe"),
    ("forgeri", "forg"),
    ("forger", "forg"),
    ("smuggler", "smuggl"),
    ("traffick", "traffick"),
    ("trafficker", "traffick"),
    ("extortion", "extort"),
    ("extortionist", "extort"),
    ("complic", "complicit"),
    ("launder", "launder"),
    ("counterfeit", "counterfeit"),
];

/// Registers every analyzer on an index.
pub fn register(index: &tantivy::Index) {
    let t = index.tokenizers();
    t.register(
        STEM,
        TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .filter(Derivations)
            .build(),
    );
    t.register(
        EXACT,
        TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(80))
            .filter(LowerCaser)
            .build(),
    );
    t.register(
        WORDS,
        TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .build(),
    );
    for (_, name, stemmer) in LANG_ANALYZERS {
        let base = TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser);
        let analyzer = match stemmer {
            Some(l) => base.filter(Stemmer::new(*l)).build(),
            None => base.filter(IdAffixes).build(),
        };
        t.register(name, analyzer);
    }
}

/// The words of a text as the exact field indexes them (lower-cased, segmented): what a
/// one-word query can find.
pub fn words(text: &str) -> Vec<String> {
    let mut a = TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(80))
        .filter(LowerCaser)
        .build();
    let mut ts = a.token_stream(text);
    let mut out = Vec::new();
    while ts.advance() {
        out.push(ts.token().text.clone());
    }
    out
}

/// The word segmenter of the scripts without spaces (dictionary mode, compiled data).
static SEGMENTER: LazyLock<WordSegmenterBorrowed<'static>> =
    LazyLock::new(|| WordSegmenter::new_dictionary(WordBreakInvariantOptions::default()));

/// Whether a character belongs to a script written without spaces between words, whose runs
/// go to the dictionary segmenter: Thai, Lao, Burmese, Khmer, Tai Tham, New Tai Lue, Han,
/// kana.
#[inline]
pub fn unspaced(c: char) -> bool {
    let u = c as u32;
    if u < 0x0E00 {
        return false;
    }
    matches!(u,
        0x0E00..=0x0EFF        // Thai, Lao
        | 0x1000..=0x109F      // Myanmar
        | 0x1780..=0x17FF      // Khmer
        | 0x1950..=0x19FF      // Tai Le, New Tai Lue, Khmer symbols
        | 0x1A20..=0x1AAF      // Tai Tham
        | 0x3005..=0x3007      // 々 〆 〇
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x31F0..=0x31FF      // Katakana extensions
        | 0x3400..=0x4DBF      // Han extension A
        | 0x4E00..=0x9FFF      // Han
        | 0xA9E0..=0xA9FF      // Myanmar extended B
        | 0xAA60..=0xAA7F      // Myanmar extended A
        | 0xF900..=0xFAFF      // Han compatibility
        | 0xFF66..=0xFF9F      // half-width katakana
        | 0x20000..=0x3134F // Han extensions B-G
    )
}

/// Longest segment the dictionary segmenter may give as one token, in bytes; longer ones
/// (text the dictionaries do not know) are cut into pieces of [`PIECE_CHARS`] characters, so
/// nothing is dropped by the length filters.
const MAX_SEGMENT: usize = 39;
/// Length of those pieces, in characters.
const PIECE_CHARS: usize = 8;

/// Splits text into words: alphanumeric runs, and dictionary words inside runs of the
/// scripts written without spaces (see [`unspaced`]). Positions count words, so phrases
/// work in every script.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
    pending: VecDeque<(usize, usize)>,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        self.pending.clear();
        WordStream {
            text,
            pos: 0,
            token: &mut self.token,
            pending: &mut self.pending,
        }
    }
}

/// The token stream of [`WordTokenizer`].
pub struct WordStream<'a> {
    text: &'a str,
    /// Byte offset where scanning resumes.
    pos: usize,
    token: &'a mut Token,
    /// Words of the current unspaced run not yet given out.
    pending: &'a mut VecDeque<(usize, usize)>,
}

impl WordStream<'_> {
    fn emit(&mut self, from: usize, to: usize) {
        self.token.offset_from = from;
        self.token.offset_to = to;
        let word = &self.text[from..to];
        // Decomposed accents (`ê` as `e` + U+0302, as some PDFs and OCR give Vietnamese)
        // are composed, so a word matches however it was encoded.
        if word.is_ascii() || is_nfc_quick(word.chars()) == IsNormalized::Yes {
            self.token.text.push_str(word);
        } else {
            self.token.text.extend(word.nfc());
        }
    }

    /// Segments the unspaced run starting at `from`; returns its end.
    fn segment_run(&mut self, from: usize) -> usize {
        let rest = &self.text[from..];
        let len = rest
            .char_indices()
            .find(|&(_, c)| !unspaced(c))
            .map_or(rest.len(), |(i, _)| i);
        let run = &rest[..len];
        let mut it = SEGMENTER.segment_str(run);
        let mut prev = 0;
        while let Some(b) = it.next() {
            if b > prev && it.is_word_like() {
                if b - prev <= MAX_SEGMENT {
                    self.pending.push_back((from + prev, from + b));
                } else {
                    let seg = &run[prev..b];
                    let mut start = 0;
                    let cuts = seg
                        .char_indices()
                        .map(|(i, _)| i)
                        .skip(PIECE_CHARS)
                        .step_by(PIECE_CHARS);
                    for cut in cuts.chain(std::iter::once(seg.len())) {
                        self.pending
                            .push_back((from + prev + start, from + prev + cut));
                        start = cut;
                    }
                }
            }
            prev = b;
        }
        from + len
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        self.token.position = self.token.position.wrapping_add(1);
        loop {
            if let Some((s, e)) = self.pending.pop_front() {
                self.emit(s, e);
                return true;
            }
            let rest = &self.text[self.pos..];
            let mut chars = rest.char_indices();
            let start = loop {
                match chars.next() {
                    None => {
                        self.pos = self.text.len();
                        return false;
                    }
                    Some((i, c)) if c.is_ascii_alphanumeric() => break (i, false),
                    Some((_, c)) if c.is_ascii() => {}
                    Some((i, c)) if unspaced(c) => break (i, true),
                    Some((i, c)) if c.is_alphanumeric() => break (i, false),
                    Some(_) => {}
                }
            };
            let from = self.pos + start.0;
            if start.1 {
                self.pos = self.segment_run(from);
                continue;
            }
            // Combining marks continue a word (`ê` written `e` + U+0302).
            let end = chars
                .find(|&(_, c)| !(c.is_alphanumeric() || is_combining_mark(c)) || unspaced(c))
                .map_or(rest.len(), |(i, _)| i);
            self.pos += end;
            self.emit(from, self.pos);
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Token filter folding [`DERIVATIONS`].
#[derive(Clone)]
pub struct Derivations;

impl TokenFilter for Derivations {
    type Tokenizer<T: Tokenizer> = DerivationsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        DerivationsFilter { tokenizer }
    }
}

/// The tokenizer wrapper of [`Derivations`].
#[derive(Clone)]
pub struct DerivationsFilter<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for DerivationsFilter<T> {
    type TokenStream<'a> = DerivationsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        DerivationsStream {
            tail: self.tokenizer.token_stream(text),
        }
    }
}

/// The token stream of [`Derivations`].
pub struct DerivationsStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for DerivationsStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &mut self.tail.token_mut().text;
        if let Some((_, to)) = DERIVATIONS.iter().find(|(from, _)| from == text) {
            let mut s = (*to).to_owned();
            mem::swap(text, &mut s);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Indonesian and Malay affix stripping, without a dictionary: the possessive `-nya`, the
/// suffixes `-kan`, `-an`, `-i`, the prefixes `me-`, `di-`, `pe-`, `ber-`, `ter-`, `per-`
/// and `ke-…-an`, with the nasal recoding of `meny-`/`peny-` → `s`, `mem-` → `p`,
/// `men-` → `t`, `meng-` → `k`. Where the root is ambiguous without a dictionary
/// (`mengirim` ← `kirim`, `mengambil` ← `ambil`) every candidate is given at the same
/// position, in the index and in the query alike, so the two meet when any candidate agrees.
pub fn id_roots(word: &str) -> Vec<String> {
    const MIN: usize = 4;
    if word.len() < 5 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return vec![word.to_owned()];
    }
    let mut w = word;
    if let Some(r) = w.strip_suffix("nya").filter(|r| r.len() >= MIN) {
        w = r;
    }
    // Suffix variants: the word with its derivational suffix removed, and for `-an` and `-i`
    // (often part of the root: `jalan`, `beli`, `polisi`) also the word as it is.
    let mut stems: Vec<(&str, bool)> = Vec::new();
    if let Some(r) = w.strip_suffix("kan").filter(|r| r.len() >= MIN) {
        stems.push((r, false));
    } else if let Some(r) = w.strip_suffix("an").filter(|r| r.len() >= MIN) {
        // `-an` also ends roots (`jalan`, `tahan`): keep the word as it is too.
        stems.push((r, true));
        stems.push((w, false));
    } else if let Some(r) = w.strip_suffix('i').filter(|r| r.len() >= MIN) {
        stems.push((r, false));
        stems.push((w, false));
    } else {
        stems.push((w, false));
    }
    let mut out: Vec<String> = Vec::new();
    for (s, had_an) in stems {
        for root in id_unprefix(s, had_an) {
            if !out.contains(&root) {
                out.push(root);
            }
        }
    }
    out
}

/// Root candidates of a word whose suffix is already removed.
fn id_unprefix(w: &str, had_an: bool) -> Vec<String> {
    const MIN: usize = 4;
    let vowel = |s: &str| s.starts_with(['a', 'e', 'i', 'o', 'u']);
    let ok = |s: &str| s.len() >= MIN;
    let one = |s: &str| vec![s.to_owned()];
    // A second prefix after me-/di-/ter-/ke-: memper-, diper-, diber-, keber-.
    let inner = |s: &str| -> Vec<String> {
        for p in ["per", "ber"] {
            if let Some(r) = s.strip_prefix(p).filter(|r| ok(r)) {
                return one(r);
            }
        }
        one(s)
    };
    for (nasal, plain) in [("me", true), ("pe", false)] {
        let Some(r) = w.strip_prefix(nasal) else {
            continue;
        };
        if let Some(r) = r.strip_prefix("ng").filter(|r| ok(r)) {
            if vowel(r) {
                let r2 = r.strip_prefix('e').filter(|r| ok(r)).unwrap_or(r);
                let mut v = vec![r.to_owned(), format!("k{r}")];
                if r2 != r {
                    v.push(r2.to_owned());
                }
                return v;
            }
            return one(r);
        }
        if let Some(r) = r.strip_prefix("ny").filter(|r| ok(r) && vowel(r)) {
            return one(&format!("s{r}"));
        }
        if let Some(r) = r.strip_prefix('m').filter(|r| ok(r)) {
            if vowel(r) {
                return vec![format!("p{r}"), format!("m{r}")];
            }
            if r.starts_with(['b', 'p', 'f']) {
                return if plain { inner(r) } else { one(r) };
            }
        }
        if let Some(r) = r.strip_prefix('n').filter(|r| ok(r)) {
            if vowel(r) {
                return vec![format!("t{r}"), format!("n{r}")];
            }
            if r.starts_with(['c', 'd', 'j', 't', 's', 'z']) {
                return one(r);
            }
        }
        if !plain {
            if let Some(r) = r.strip_prefix('r').filter(|r| ok(r)) {
                // per- or pe- before r: `perjalanan` ← `jalan`, `perampok` ← `rampok`.
                return if vowel(r) {
                    vec![r.to_owned(), format!("r{r}"), w.to_owned()]
                } else {
                    one(r)
                };
            }
        }
        if r.starts_with(['l', 'r', 'w', 'y']) && ok(r) {
            return one(r);
        }
    }
    for p in ["ber", "ter"] {
        if let Some(r) = w.strip_prefix(p).filter(|r| ok(r)) {
            return one(r);
        }
    }
    if let Some(r) = w.strip_prefix("di").filter(|r| ok(r)) {
        return inner(r);
    }
    if had_an {
        if let Some(r) = w.strip_prefix("ke").filter(|r| ok(r)) {
            return inner(r);
        }
    }
    one(w)
}

/// Token filter applying [`id_roots`]; extra candidates keep the word's position.
#[derive(Clone)]
pub struct IdAffixes;

impl TokenFilter for IdAffixes {
    type Tokenizer<T: Tokenizer> = IdAffixesFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        IdAffixesFilter { tokenizer }
    }
}

/// The tokenizer wrapper of [`IdAffixes`].
#[derive(Clone)]
pub struct IdAffixesFilter<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for IdAffixesFilter<T> {
    type TokenStream<'a> = IdAffixesStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        IdAffixesStream {
            tail: self.tokenizer.token_stream(text),
            extra: Vec::new(),
            token: Token::default(),
        }
    }
}

/// The token stream of [`IdAffixes`].
pub struct IdAffixesStream<T> {
    tail: T,
    /// Candidates still to give at the current position.
    extra: Vec<String>,
    token: Token,
}

impl<T: TokenStream> TokenStream for IdAffixesStream<T> {
    fn advance(&mut self) -> bool {
        if let Some(next) = self.extra.pop() {
            self.token.text = next;
            return true;
        }
        if !self.tail.advance() {
            return false;
        }
        let t = self.tail.token();
        let mut roots = id_roots(&t.text);
        roots.reverse();
        self.token = t.clone();
        self.token.text = roots.pop().unwrap_or_default();
        self.extra = roots;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(analyzer: &str, text: &str) -> Vec<(String, usize, usize, usize)> {
        let index = tantivy::Index::create_in_ram(tantivy::schema::Schema::builder().build());
        register(&index);
        let mut a = index.tokenizers().get(analyzer).unwrap();
        let mut ts = a.token_stream(text);
        let mut out = Vec::new();
        while ts.advance() {
            let t = ts.token();
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    fn terms(analyzer: &str, text: &str) -> Vec<String> {
        tokens(analyzer, text).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn derivations_meet_their_base() {
        let t = terms(
            STEM,
            "bribes bribed bribery bribing forged forgery smugglers smuggling extortion extorted",
        );
        assert_eq!(t[..4], ["bribe", "bribe", "bribe", "bribe"]);
        assert_eq!(t[4], t[5]);
        assert_eq!(t[6], t[7]);
        assert_eq!(t[8], t[9]);
    }

    #[test]
    fn decomposed_accents_stay_in_the_word_and_are_composed() {
        // "biên phòng" with its marks as combining characters (NFD), and as typed (NFC).
        let nfd = "bie\u{0302}n pho\u{0300}ng";
        let t = tokens(EXACT, nfd);
        assert_eq!(t[0], ("biên".to_owned(), 0, 0, 6));
        assert_eq!(t[1].0, "phòng");
        assert_eq!(terms(EXACT, "biên phòng"), ["biên", "phòng"]);
    }

    #[test]
    fn latin_words_split_like_the_simple_tokenizer() {
        let text = "Hello, happy tax-payer! Ça coûte 25€ (l'état) naïve_café x2";
        let mut simple = tantivy::tokenizer::SimpleTokenizer::default();
        let mut ts = simple.token_stream(text);
        let mut want = Vec::new();
        while ts.advance() {
            let t = ts.token();
            want.push((
                t.text.to_lowercase(),
                t.position,
                t.offset_from,
                t.offset_to,
            ));
        }
        assert_eq!(tokens(EXACT, text), want);
    }

    #[test]
    fn unspaced_scripts_are_cut_into_words() {
        // Thai: "the police officer took a bribe from the trafficking ring"
        let th = terms(EXACT, "เจ้าหน้าที่ตำรวจรับสินบนจากขบวนการค้ามนุษย์");
        assert!(th.contains(&"สินบน".to_owned()), "{th:?}");
        assert!(th.contains(&"ตำรวจ".to_owned()), "{th:?}");
        // Chinese: "police officials took bribes from human smugglers"
        let zh = terms(EXACT, "警方官员收受人口贩子的贿赂");
        assert!(zh.contains(&"贿赂".to_owned()), "{zh:?}");
        assert!(zh.contains(&"警方".to_owned()), "{zh:?}");
        // Khmer, Lao, Burmese: the run is cut into more than one word, none dropped.
        for s in ["មន្ត្រីប៉ូលីសទទួលសំណូក", "ເຈົ້າໜ້າທີ່ຕຳຫຼວດຮັບສິນບົນ", "ရဲအရာရှိသည်လာဘ်ယူသည်"]
        {
            let t = tokens(EXACT, s);
            assert!(t.len() > 1, "{s}: {t:?}");
            assert_eq!(t.first().unwrap().2, 0);
            assert_eq!(t.last().unwrap().3, s.len(), "{s}: {t:?}");
            let joined: String = t.iter().map(|x| x.0.as_str()).collect();
            assert_eq!(joined, s);
        }
        // Positions count words across scripts; offsets are byte ranges of the text.
        let mixed = tokens(EXACT, "Bribe สินบน 贿赂 paid");
        let words: Vec<&str> = mixed.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(words, ["bribe", "สินบน", "贿赂", "paid"]);
        assert_eq!(mixed.iter().map(|t| t.1).collect::<Vec<_>>(), [0, 1, 2, 3]);
        assert_eq!(&"Bribe สินบน 贿赂 paid"[mixed[1].2..mixed[1].3], "สินบน");
    }

    #[test]
    fn indonesian_affixes_meet_at_the_root() {
        let root = |w: &str| id_roots(w);
        let meet = |a: &str, b: &str| {
            let (ra, rb) = (root(a), root(b));
            assert!(ra.iter().any(|x| rb.contains(x)), "{a} {ra:?} / {b} {rb:?}");
        };
        meet("penyelundupan", "menyelundupkan");
        meet("penyelundupan", "diselundupkan");
        meet("penyelundup", "selundup");
        meet("pengawasan", "mengawasi");
        meet("mengirim", "kirim");
        meet("mengambil", "ambil");
        meet("ditangkap", "penangkapan");
        meet("perdagangan", "diperdagangkan");
        meet("pembelian", "membeli");
        meet("pemerintah", "perintah");
        meet("kepolisian", "polisi");
        meet("menulis", "tulis");
        meet("berjalan", "perjalanan");
        assert_eq!(root("suap"), ["suap"]);
        assert_eq!(root("polisi"), ["polis", "polisi"]);
        let mismatch = |a: &str, b: &str| {
            let (ra, rb) = (root(a), root(b));
            assert!(
                !ra.iter().any(|x| rb.contains(x)),
                "{a} {ra:?} / {b} {rb:?}"
            );
        };
        mismatch("makan", "kan");
        mismatch("selatan", "lat");
        // The filter gives the candidates at one position.
        let t = tokens("text_id", "Mereka mengambil paspor");
        assert_eq!(t.iter().filter(|x| x.1 == 1).count(), 2, "{t:?}");
        assert!(t.iter().any(|x| x.0 == "ambil" && x.1 == 1));
        assert_eq!(t.last().unwrap().1, 2);
    }
}
