//! Searching the index: a query plus filters → ranked or document-ordered passages, each with
//! everything needed to cite and highlight it (no source file is reopened); facet counts;
//! neighbouring passages for context.

use super::query::{self, strsim};
use super::schema::REC_PASSAGE;
use super::{tantivy_err, IndexError, IndexStore};
use crate::model::{DocKind, Entity, Modality, Span, Tag};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

/// Filters applied on top of the query (checked against a [`Vocabulary`] by whoever built
/// them from user input).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Keep passages carrying any of these categories.
    pub tags: Vec<String>,
    /// Keep passages with a tag in any of these modalities (on the filtered tags, if any).
    pub modalities: Vec<Modality>,
    /// Keep only passages with at least one tag.
    pub tagged_only: bool,
    /// Keep passages of any of these documents (hashes).
    pub docs: Vec<String>,
    /// Keep passages of documents from any of these years.
    pub years: Vec<u16>,
    /// Keep passages in any of these languages (`lang` codes: `th`, `id`, `zh`, `und`).
    pub langs: Vec<String>,
}

/// Document kinds the classifier gives ([`crate::classify`]).
pub const KINDS: &[&str] = &["court", "report", "press", "other"];

/// The values filters may take: the categories of the codebook and of the index, the
/// modalities, the document kinds. Unknown values are errors with a suggestion, never a
/// silent empty result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vocabulary {
    /// Category ids.
    pub categories: std::collections::BTreeSet<String>,
    /// Document kinds.
    pub kinds: std::collections::BTreeSet<String>,
}

/// The closest known value (edit distance at most 2, or a shared prefix of 4), if any.
fn closest<'a>(value: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let v = value.to_lowercase();
    known
        .map(|k| {
            let d = strsim(&v, k);
            let prefix = v.chars().zip(k.chars()).take_while(|(a, b)| a == b).count();
            (if prefix >= 4 { d.min(2) } else { d }, k)
        })
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

impl Vocabulary {
    /// Checks a category id; the error names the closest known one.
    pub fn check_tag(&self, t: &str) -> Result<(), String> {
        if self.categories.contains(t) {
            return Ok(());
        }
        let all: Vec<&str> = self.categories.iter().map(String::as_str).collect();
        Err(match closest(t, all.iter().copied()) {
            Some(c) => format!("unknown category {t:?}: did you mean {c}?"),
            None => format!("unknown category {t:?}: one of {}", all.join(", ")),
        })
    }

    /// Checks a modality name.
    pub fn check_modality(&self, m: &str) -> Result<Modality, String> {
        Modality::parse(m).ok_or_else(|| {
            let names = [
                "asserted",
                "alleged",
                "established",
                "denied",
                "negated",
                "hypothetical",
            ];
            let hint = match closest(m, names.iter().copied()) {
                Some(c) => format!("did you mean {c}?"),
                // Words a journalist reaches for, mapped to the codebook's terms.
                None if ["convicted", "proven", "found", "guilty", "sentenced"]
                    .contains(&m.to_lowercase().as_str()) =>
                {
                    "a conviction is `established`".to_owned()
                }
                None => format!("one of {}", names.join(", ")),
            };
            format!("unknown modality {m:?}: {hint}")
        })
    }

    /// Checks a document kind.
    pub fn check_kind(&self, k: &str) -> Result<(), String> {
        if self.kinds.contains(k) {
            return Ok(());
        }
        let all: Vec<&str> = self.kinds.iter().map(String::as_str).collect();
        let hint = match closest(k, all.iter().copied()) {
            Some(c) => format!("did you mean {c}?"),
            None if ["newspaper", "news", "article", "media"].contains(&k) => {
                "newspaper articles are `press`".to_owned()
            }
            None => format!("one of {}", all.join(", ")),
        };
        Err(format!("unknown document kind {k:?}: {hint}"))
    }

    /// Checks the `tag:`, `modality:` and `kind:` values written in a query; the error
    /// points at the value.
    pub fn check_query(&self, query: &str) -> Result<(), super::QueryError> {
        if query.trim().is_empty() {
            return Ok(());
        }
        let Ok(ast) = tantivy::query_grammar::parse_query(query) else {
            return Ok(()); // the parser reports it, with its own message
        };
        let mut leaves = Vec::new();
        collect_fields(&ast, &mut leaves);
        for (field, value) in leaves {
            let res = match field.as_str() {
                "tag" => self.check_tag(&value),
                "modality" => self.check_modality(&value).map(|_| ()),
                "kind" => self.check_kind(&value),
                _ => Ok(()),
            };
            if let Err(message) = res {
                let needle = format!("{field}:{value}");
                let position = query
                    .find(&needle)
                    .map(|b| query[..b].chars().count() + field.len() + 1);
                return Err(super::QueryError {
                    query: query.to_owned(),
                    position,
                    message,
                    hint: None,
                });
            }
        }
        Ok(())
    }

    /// Resolves filter values as typed (command line or URL) into checked [`Filters`]: the
    /// one place both the CLI and the server validate them. Errors name the value and, when
    /// one is close, the value meant.
    pub fn resolve(&self, raw: &RawFilters) -> Result<Filters, String> {
        let mut f = Filters {
            tagged_only: raw.tagged,
            ..Filters::default()
        };
        for t in &raw.tags {
            self.check_tag(t)?;
            f.tags.push(t.clone());
        }
        for m in &raw.modalities {
            f.modalities.push(self.check_modality(m)?);
        }
        for d in &raw.docs {
            let d = d.trim().to_ascii_lowercase();
            if d.len() != 64 || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "doc {:?}: expected a document hash (64 hex digits)",
                    d.chars().take(80).collect::<String>()
                ));
            }
            f.docs.push(d);
        }
        for y in &raw.years {
            match y.trim().parse::<u16>() {
                Ok(n) if (1000..=9999).contains(&n) => f.years.push(n),
                _ => return Err(format!("year {y:?}: expected a year such as 2019")),
            }
        }
        f.langs = raw.langs.iter().map(|l| l.trim().to_lowercase()).collect();
        Ok(f)
    }
}

/// Filter values as the user typed them, before [`Vocabulary::resolve`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawFilters {
    /// Category ids.
    pub tags: Vec<String>,
    /// Modality names.
    pub modalities: Vec<String>,
    /// Document hashes.
    pub docs: Vec<String>,
    /// Years.
    pub years: Vec<String>,
    /// Languages (`lang` codes).
    pub langs: Vec<String>,
    /// Only tagged passages.
    pub tagged: bool,
}

fn collect_fields(ast: &tantivy::query_grammar::UserInputAst, out: &mut Vec<(String, String)>) {
    use tantivy::query_grammar::{UserInputAst, UserInputLeaf};
    match ast {
        UserInputAst::Clause(cs) => cs.iter().for_each(|(_, c)| collect_fields(c, out)),
        UserInputAst::Boost(inner, _) => collect_fields(inner, out),
        UserInputAst::Leaf(leaf) => {
            if let UserInputLeaf::Literal(lit) = leaf.as_ref() {
                if let Some(f) = &lit.field_name {
                    out.push((f.clone(), lit.phrase.clone()));
                }
            }
        }
    }
}

/// Why a query found nothing: the words that match no passage on their own, and the OR form
/// of the query when some words do match.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EmptyResult {
    /// Words of the query that match no passage (with the filters).
    pub unmatched: Vec<String>,
    /// The words joined with OR, when that finds something.
    pub or_query: Option<String>,
    /// How many passages the OR form finds.
    pub or_total: usize,
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Best match first (BM25).
    #[default]
    Score,
    /// By path, page and passage number.
    Document,
}

/// What to search for and how to return it.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest<'a> {
    /// The query as typed (empty: every passage).
    pub query: &'a str,
    /// Filters.
    pub filters: Filters,
    /// Result order.
    pub sort: SortOrder,
    /// Most hits returned (never caps `total`); `None`: all.
    pub limit: Option<usize>,
    /// Hits skipped before the first returned (paging).
    pub offset: usize,
    /// Keep only passages whose text matches (applied after the index narrowed the
    /// candidates; `total` then counts the passages that match it).
    pub regex: Option<&'a regex::Regex>,
}

/// One matching passage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    /// Relevance (0 when the query was only filters).
    pub score: f32,
    /// Document hash.
    pub doc: String,
    /// Path as indexed.
    pub path: String,
    /// Title, if any.
    pub title: Option<String>,
    /// File format.
    pub format: DocKind,
    /// Document kind (`court`, `report`, `press`, `other`).
    pub kind: String,
    /// Passage language.
    pub lang: String,
    /// Document year.
    pub year: Option<u16>,
    /// 1-based page.
    pub page: u32,
    /// 1-based passage number within the page.
    pub passage: u32,
    /// Byte range in the page text.
    pub range: (usize, usize),
    /// Passage text.
    pub text: String,
    /// Tags with rules and spans (spans into `text`).
    pub tags: Vec<Tag>,
    /// Entities (spans into `text`).
    pub entities: Vec<Entity>,
    /// Query-term matches in `text`.
    pub highlights: Vec<Span>,
    /// Passage-to-page offset map (see [`crate::model::Passage::offset_map`]).
    #[serde(skip)]
    pub offset_map: Vec<(usize, usize)>,
    /// Dictionary version that produced the tags.
    pub dict_version: String,
    /// Mean OCR confidence (0-100) of the page, when its text was read by OCR.
    pub ocr_confidence: Option<f32>,
    /// Format metadata (e-mail from/to/subject/date, document author, ...).
    pub metadata: std::collections::BTreeMap<String, String>,
    /// The document that holds this one (archive, mailbox, message), if any.
    pub parent: Option<String>,
}

/// Hits and the total number of matching passages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResult {
    /// Matching passages (all of them when no limit was given).
    pub hits: Vec<Hit>,
    /// How many passages match in all.
    pub total: usize,
}

/// Counts of matching passages by tag, modality, document, year, kind and language.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Facets {
    /// Passages per category.
    pub tag: Vec<(String, u64)>,
    /// Passages per modality.
    pub modality: Vec<(String, u64)>,
    /// Passages per document (path): the [`TOP_DOCUMENTS`] documents with the most
    /// matching passages, most first.
    pub document: Vec<(String, u64)>,
    /// How many documents hold a matching passage (all of them, not only those listed).
    pub documents: u64,
    /// Passages per year.
    pub year: Vec<(String, u64)>,
    /// Passages per document kind.
    pub kind: Vec<(String, u64)>,
    /// Passages per language.
    pub lang: Vec<(String, u64)>,
}

/// Most documents listed in [`Facets::document`].
pub const TOP_DOCUMENTS: usize = 100;

/// Facet counts of one search, from fast fields (string facets by term, years by value).
#[derive(Debug, Default)]
struct FacetCounts {
    /// tag, modality, kind, lang.
    terms: [BTreeMap<String, u64>; 4],
    years: BTreeMap<u64, u64>,
    /// Matching passages per document key.
    keys: Vec<(String, u64)>,
    /// Documents holding a match.
    documents: u64,
}

/// Counts matching passages per facet value without an aggregation bucket per document:
/// per segment, a counter per term ordinal, read back as text once at the end.
struct FacetCollector;

const TERM_FACETS: [&str; 4] = ["tag", "modality", "kind", "lang"];

struct FacetSegment {
    columns: Vec<Option<tantivy::columnar::StrColumn>>,
    counts: Vec<Vec<u64>>,
    key: Option<tantivy::columnar::StrColumn>,
    key_counts: Vec<u64>,
    year: Option<tantivy::columnar::Column<u64>>,
    years: BTreeMap<u64, u64>,
    seen: Vec<u64>,
}

impl tantivy::collector::Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = FacetSegment;

    fn for_segment(
        &self,
        _ord: u32,
        segment: &tantivy::SegmentReader,
    ) -> tantivy::Result<FacetSegment> {
        let ff = segment.fast_fields();
        let mut columns = Vec::new();
        let mut counts = Vec::new();
        for name in TERM_FACETS {
            let col = ff.str(name)?;
            counts.push(vec![0; col.as_ref().map_or(0, |c| c.num_terms())]);
            columns.push(col);
        }
        let key = ff.str("key")?;
        let key_counts = vec![0; key.as_ref().map_or(0, |c| c.num_terms())];
        Ok(FacetSegment {
            columns,
            counts,
            key,
            key_counts,
            year: ff.column_opt::<u64>("year")?,
            years: BTreeMap::new(),
            seen: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut out = FacetCounts::default();
        let mut keys: BTreeMap<String, u64> = BTreeMap::new();
        for f in fruits {
            for (i, m) in f.terms.into_iter().enumerate() {
                for (k, n) in m {
                    *out.terms[i].entry(k).or_default() += n;
                }
            }
            for (y, n) in f.years {
                *out.years.entry(y).or_default() += n;
            }
            for (k, n) in f.keys {
                *keys.entry(k).or_default() += n;
            }
        }
        out.documents = keys.len() as u64;
        out.keys = keys.into_iter().collect();
        Ok(out)
    }
}

impl tantivy::collector::SegmentCollector for FacetSegment {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: tantivy::DocId, _score: tantivy::Score) {
        for (col, counts) in self.columns.iter().zip(self.counts.iter_mut()) {
            let Some(col) = col else { continue };
            // A passage counts once per value (two bribery tags: one bribery passage).
            self.seen.clear();
            self.seen.extend(col.ords().values_for_doc(doc));
            if self.seen.len() > 1 {
                self.seen.sort_unstable();
                self.seen.dedup();
            }
            for &o in &self.seen {
                if let Some(c) = counts.get_mut(o as usize) {
                    *c += 1;
                }
            }
        }
        if let Some(k) = &self.key {
            if let Some(o) = k.ords().first(doc) {
                if let Some(c) = self.key_counts.get_mut(o as usize) {
                    *c += 1;
                }
            }
        }
        if let Some(y) = self.year.as_ref().and_then(|c| c.first(doc)) {
            *self.years.entry(y).or_default() += 1;
        }
    }

    fn harvest(self) -> FacetCounts {
        let mut out = FacetCounts {
            years: self.years,
            ..FacetCounts::default()
        };
        let mut text = String::new();
        for (i, (col, counts)) in self.columns.iter().zip(&self.counts).enumerate() {
            let Some(col) = col else { continue };
            for (o, &n) in counts.iter().enumerate() {
                if n > 0 && col.ord_to_str(o as u64, &mut text).unwrap_or(false) {
                    out.terms[i].insert(text.clone(), n);
                }
            }
        }
        // Every matching document's key (a document's passages may sit in several
        // segments, so counts are merged by key text; ordinals ascend, so the dictionary
        // is read in one pass).
        if let Some(k) = &self.key {
            let ords: Vec<u64> = (0..self.key_counts.len() as u64)
                .filter(|&o| self.key_counts[o as usize] > 0)
                .collect();
            let mut i = 0;
            let _ = k.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                if let Some(&o) = ords.get(i) {
                    out.keys.push((
                        String::from_utf8_lossy(bytes).into_owned(),
                        self.key_counts[o as usize],
                    ));
                }
                i += 1;
            });
        }
        out
    }
}

/// The first `limit` matching passages by (document key, page, passage), read from fast
/// fields: no passage outside the page is loaded.
struct DocOrderTop {
    limit: usize,
}

/// A passage's place in document order within one segment (key by term ordinal, which is
/// the key's order within the segment).
type OrderKey = (u64, u64, u64, tantivy::DocId);

struct DocOrderSegment {
    segment: u32,
    limit: usize,
    key: Option<tantivy::columnar::StrColumn>,
    page: Option<tantivy::columnar::Column<u64>>,
    passage: Option<tantivy::columnar::Column<u64>>,
    heap: std::collections::BinaryHeap<OrderKey>,
}

impl tantivy::collector::Collector for DocOrderTop {
    type Fruit = Vec<DocAddress>;
    type Child = DocOrderSegment;

    fn for_segment(
        &self,
        ord: u32,
        segment: &tantivy::SegmentReader,
    ) -> tantivy::Result<DocOrderSegment> {
        let ff = segment.fast_fields();
        Ok(DocOrderSegment {
            segment: ord,
            limit: self.limit,
            key: ff.str("key")?,
            page: ff.column_opt::<u64>("page")?,
            passage: ff.column_opt::<u64>("passage")?,
            heap: std::collections::BinaryHeap::with_capacity(self.limit + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<Vec<(String, u64, u64, DocAddress)>>,
    ) -> tantivy::Result<Vec<DocAddress>> {
        let mut all: Vec<(String, u64, u64, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort();
        all.truncate(self.limit);
        Ok(all.into_iter().map(|(_, _, _, a)| a).collect())
    }
}

impl tantivy::collector::SegmentCollector for DocOrderSegment {
    type Fruit = Vec<(String, u64, u64, DocAddress)>;

    fn collect(&mut self, doc: tantivy::DocId, _score: tantivy::Score) {
        let first = |c: &Option<tantivy::columnar::Column<u64>>| {
            c.as_ref().and_then(|c| c.first(doc)).unwrap_or(0)
        };
        let key = self
            .key
            .as_ref()
            .and_then(|k| k.ords().first(doc))
            .unwrap_or(0);
        let item = (key, first(&self.page), first(&self.passage), doc);
        if self.heap.len() < self.limit {
            self.heap.push(item);
        } else if self.heap.peek().is_some_and(|top| item < *top) {
            self.heap.pop();
            self.heap.push(item);
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut text = String::new();
        self.heap
            .into_iter()
            .map(|(k, page, passage, doc)| {
                text.clear();
                if let Some(col) = &self.key {
                    let _ = col.ord_to_str(k, &mut text);
                }
                (
                    text.clone(),
                    page,
                    passage,
                    DocAddress::new(self.segment, doc),
                )
            })
            .collect()
    }
}

/// A compiled request: the tantivy query and what to highlight.
struct Compiled {
    query: BooleanQuery,
    user: Option<Box<dyn Query>>,
    fuzzy: Vec<(String, u8)>,
}

impl IndexStore {
    fn compile(
        &self,
        searcher: &Searcher,
        query_text: &str,
        filters: &Filters,
    ) -> Result<Compiled, IndexError> {
        let f = &self.fields;
        let (user, fuzzy) = if query_text.trim().is_empty() {
            (None, Vec::new())
        } else {
            let langs = query::present_lang_fields(searcher, f);
            let p = query::parse_with(&self.index, searcher, f, query_text, &langs)?;
            (Some(p.query), p.fuzzy)
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, term_query(f.rec, REC_PASSAGE))];
        clauses.push((
            Occur::Must,
            user.as_ref()
                .map_or_else(|| Box::new(AllQuery) as Box<dyn Query>, |q| q.box_clone()),
        ));
        let filter_terms: Vec<Box<dyn Query>> =
            match (filters.tags.is_empty(), filters.modalities.is_empty()) {
                (true, true) => Vec::new(),
                (false, true) => filters.tags.iter().map(|t| term_query(f.tag, t)).collect(),
                (true, false) => filters
                    .modalities
                    .iter()
                    .map(|m| term_query(f.modality, m.as_str()))
                    .collect(),
                (false, false) => filters
                    .tags
                    .iter()
                    .flat_map(|t| {
                        filters
                            .modalities
                            .iter()
                            .map(move |m| term_query(f.tagmod, &format!("{t}/{m}")))
                    })
                    .collect(),
            };
        if !filter_terms.is_empty() {
            let any = BooleanQuery::new(
                filter_terms
                    .into_iter()
                    .map(|q| (Occur::Should, q))
                    .collect(),
            );
            clauses.push((Occur::Must, Box::new(any)));
        }
        if !filters.docs.is_empty() {
            let any = filters
                .docs
                .iter()
                .map(|d| (Occur::Should, term_query(f.doc, d)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if !filters.years.is_empty() {
            let any = filters
                .years
                .iter()
                .map(|&y| {
                    let t = Term::from_field_u64(f.year, y as u64);
                    let q: Box<dyn Query> = Box::new(TermQuery::new(t, IndexRecordOption::Basic));
                    (Occur::Should, q)
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if !filters.langs.is_empty() {
            let any = BooleanQuery::new(
                filters
                    .langs
                    .iter()
                    .map(|l| (Occur::Should, term_query(f.lang, l)))
                    .collect(),
            );
            clauses.push((Occur::Must, Box::new(any)));
        }
        if filters.tagged_only {
            clauses.push((
                Occur::Must,
                Box::new(tantivy::query::ExistsQuery::new("tag".to_owned(), false)),
            ));
        }
        Ok(Compiled {
            query: BooleanQuery::new(clauses),
            user,
            fuzzy,
        })
    }

    fn fresh_searcher(&self) -> Result<Searcher, IndexError> {
        self.reader
            .reload()
            .map_err(|e| tantivy_err(&self.dir, e))?;
        Ok(self.reader.searcher())
    }

    /// Runs a search request.
    pub fn search_request(&self, req: &SearchRequest<'_>) -> Result<SearchResult, IndexError> {
        let searcher = self.fresh_searcher()?;
        let c = self.compile(&searcher, req.query, &req.filters)?;
        let err = |e| tantivy_err(&self.dir, e);
        let index_total = searcher.search(&c.query, &Count).map_err(err)?;
        let highlighter = Highlighter::new(self, &searcher, &c)?;
        let by_score = req.sort == SortOrder::Score && c.user.is_some();
        // Without a regex, the index decides the window; with one, every candidate is read.
        let window = match (req.regex, req.limit) {
            (None, Some(l)) => (req.offset + l).min(index_total),
            _ => index_total,
        };
        let addrs: Vec<(f32, DocAddress)> = if window == 0 {
            Vec::new()
        } else if by_score {
            searcher
                .search(&c.query, &TopDocs::with_limit(window).order_by_score())
                .map_err(err)?
        } else if req.regex.is_none() && window < index_total {
            // A page in document order: the first `window` by (document, page, passage),
            // from fast fields, so only the page's passages are read from the store.
            searcher
                .search(&c.query, &DocOrderTop { limit: window })
                .map_err(err)?
                .into_iter()
                .map(|a| (0.0, a))
                .collect()
        } else {
            let mut all: Vec<DocAddress> = searcher
                .search(&c.query, &DocSetCollector)
                .map_err(err)?
                .into_iter()
                .collect();
            all.sort();
            all.into_iter().map(|a| (0.0, a)).collect()
        };
        let mut hits = Vec::with_capacity(addrs.len());
        for (score, addr) in addrs {
            let hit = self.load_hit(&searcher, addr, score, &highlighter)?;
            if req.regex.is_none_or(|r| r.is_match(&hit.text)) {
                hits.push(hit);
            }
        }
        let total = if req.regex.is_some() {
            hits.len()
        } else {
            index_total
        };
        if !by_score {
            // Stable: a window from `DocOrderTop` is already in key order, which matches path
            // order within one collection root.
            hits.sort_by(document_order);
        }
        let hits: Vec<Hit> = hits
            .into_iter()
            .skip(req.offset)
            .take(req.limit.unwrap_or(usize::MAX))
            .collect();
        Ok(SearchResult { hits, total })
    }

    /// Runs `query` (empty: every passage) with `filters`. `limit` bounds the hits returned,
    /// never the total; `None` returns every match.
    pub fn search(
        &self,
        query_text: &str,
        filters: &Filters,
        sort: SortOrder,
        limit: Option<usize>,
    ) -> Result<SearchResult, IndexError> {
        self.search_request(&SearchRequest {
            query: query_text,
            filters: filters.clone(),
            sort,
            limit,
            ..SearchRequest::default()
        })
    }

    /// Facet counts for a query and filters (passages counted once per bucket), over the
    /// matching passages only, read from the index's fast fields. Documents: the
    /// [`TOP_DOCUMENTS`] with the most matching passages, and how many there are in all.
    pub fn facets(&self, query_text: &str, filters: &Filters) -> Result<Facets, IndexError> {
        let searcher = self.fresh_searcher()?;
        let c = self.compile(&searcher, query_text, filters)?;
        let counts = searcher
            .search(&c.query, &FacetCollector)
            .map_err(|e| tantivy_err(&self.dir, e))?;
        let catalogue = self.catalogue_shared()?;
        let path_of = |key: &str| -> String {
            catalogue
                .get(key)
                .map(|r| r.path.clone())
                .unwrap_or_else(|| key.to_owned())
        };
        let sorted = |m: BTreeMap<String, u64>| -> Vec<(String, u64)> {
            let mut out: Vec<(String, u64)> = m.into_iter().collect();
            out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            out
        };
        let mut document: Vec<(String, u64)> =
            counts.keys.iter().map(|(k, n)| (path_of(k), *n)).collect();
        document.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        document.truncate(TOP_DOCUMENTS);
        let mut year: Vec<(String, u64)> = counts
            .years
            .iter()
            .map(|(y, n)| (y.to_string(), *n))
            .collect();
        year.sort_by(|a, b| b.0.cmp(&a.0));
        let [tag, modality, kind, lang] = counts.terms;
        Ok(Facets {
            tag: sorted(tag),
            modality: sorted(modality),
            document,
            documents: counts.documents,
            year,
            kind: sorted(kind),
            lang: sorted(lang),
        })
    }

    /// The filter values of this index: its categories and kinds plus `categories` (those of
    /// the codebook in use, which may have no passage yet) and [`KINDS`].
    pub fn vocabulary(&self, categories: &[String]) -> Result<Vocabulary, IndexError> {
        let searcher = self.fresh_searcher()?;
        let mut v = Vocabulary {
            categories: categories.iter().cloned().collect(),
            kinds: KINDS.iter().map(|k| k.to_string()).collect(),
        };
        for seg in searcher.segment_readers() {
            for (field, set) in [
                (self.fields.tag, &mut v.categories),
                (self.fields.kind, &mut v.kinds),
            ] {
                let inv = seg
                    .inverted_index(field)
                    .map_err(|e| tantivy_err(&self.dir, e))?;
                let mut terms = inv.terms().stream().map_err(|e| IndexError::Io {
                    path: self.dir.clone(),
                    message: e.to_string(),
                })?;
                while terms.advance() {
                    set.insert(String::from_utf8_lossy(terms.key()).into_owned());
                }
            }
        }
        Ok(v)
    }

    /// For a query with no hit: which of its plain words match nothing on their own (with
    /// the filters), and whether the words joined with OR find something. `None` when the
    /// query is not a list of two or more plain words.
    pub fn explain_empty(
        &self,
        query: &str,
        filters: &Filters,
    ) -> Result<Option<EmptyResult>, IndexError> {
        let words: Vec<&str> = query.split_whitespace().collect();
        let plain = |w: &&str| {
            w.chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '\'')
                && !matches!(*w, "AND" | "OR" | "NOT")
        };
        if words.len() < 2 || !words.iter().all(plain) {
            return Ok(None);
        }
        let count = |q: &str| -> Result<usize, IndexError> {
            Ok(self.search(q, filters, SortOrder::Document, Some(0))?.total)
        };
        let mut unmatched = Vec::new();
        for w in &words {
            if count(w)? == 0 && !unmatched.contains(&w.to_string()) {
                unmatched.push(w.to_string());
            }
        }
        let or = words.join(" OR ");
        let or_total = count(&or)?;
        Ok(Some(EmptyResult {
            unmatched,
            or_query: (or_total > 0).then_some(or),
            or_total,
        }))
    }

    /// The catalogue ([`IndexStore::catalogue`]) shared and kept until the index changes
    /// (one read per reader generation, not one per request).
    pub fn catalogue_shared(
        &self,
    ) -> Result<Arc<std::collections::HashMap<String, super::FileRecord>>, IndexError> {
        let generation = self.generation()?;
        if let Ok(guard) = self.catalogue_cache.lock() {
            if let Some((g, c)) = guard.as_ref() {
                if *g == generation {
                    return Ok(Arc::clone(c));
                }
            }
        }
        let fresh = Arc::new(self.catalogue()?);
        if let Ok(mut guard) = self.catalogue_cache.lock() {
            *guard = Some((generation, Arc::clone(&fresh)));
        }
        Ok(fresh)
    }

    /// The version of the committed index the reader sees (after reloading): a hash of its
    /// segments and their deletions, which every commit changes, so caches keyed by it are
    /// never stale.
    pub fn generation(&self) -> Result<u64, IndexError> {
        use std::hash::{Hash, Hasher};
        // The reader's own generation id changes at every reload, even of an unchanged
        // index: the committed state is its segments and their deletions.
        let searcher = self.fresh_searcher()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for seg in searcher.segment_readers() {
            seg.segment_id().hash(&mut h);
            seg.num_deleted_docs().hash(&mut h);
        }
        Ok(h.finish())
    }

    /// The passages within `n` passages of `hit` on the same page, in order, `hit` included.
    pub fn neighbours(&self, hit: &Hit, n: u32) -> Result<Vec<Hit>, IndexError> {
        let searcher = self.fresh_searcher()?;
        let f = &self.fields;
        let q = BooleanQuery::new(vec![
            (Occur::Must, term_query(f.rec, REC_PASSAGE)),
            (Occur::Must, term_query(f.doc, &hit.doc)),
            (
                Occur::Must,
                Box::new(RangeQuery::new(
                    std::ops::Bound::Included(Term::from_field_u64(f.page, hit.page as u64)),
                    std::ops::Bound::Included(Term::from_field_u64(f.page, hit.page as u64)),
                )),
            ),
        ]);
        let addrs = searcher
            .search(&q, &DocSetCollector)
            .map_err(|e| tantivy_err(&self.dir, e))?;
        let none = Highlighter::default();
        let mut out = Vec::new();
        for a in addrs {
            let h = self.load_hit(&searcher, a, 0.0, &none)?;
            if h.path == hit.path && h.passage.abs_diff(hit.passage) <= n {
                out.push(h);
            }
        }
        out.sort_by_key(|h| h.passage);
        Ok(out)
    }

    fn load_hit(
        &self,
        searcher: &Searcher,
        addr: DocAddress,
        score: f32,
        highlighter: &Highlighter,
    ) -> Result<Hit, IndexError> {
        let f = &self.fields;
        let d: TantivyDocument = searcher.doc(addr).map_err(|e| tantivy_err(&self.dir, e))?;
        let s = |field| {
            d.get_first(field)
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let n = |field| d.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
        let text = s(f.text);
        let title = s(f.title);
        let lang = s(f.lang);
        let highlights = highlighter.highlight(&text, f.lang_field(&lang));
        Ok(Hit {
            score,
            doc: s(f.doc),
            path: s(f.path),
            title: (!title.is_empty()).then_some(title),
            // the index writes only known kinds; an unknown one reads as text
            format: DocKind::parse(&s(f.format)).unwrap_or(DocKind::Text),
            kind: s(f.kind),
            lang,
            year: d
                .get_first(f.year)
                .and_then(|v| v.as_u64())
                .map(|y| y as u16),
            page: n(f.page) as u32,
            passage: n(f.passage) as u32,
            range: (n(f.start) as usize, n(f.end) as usize),
            tags: serde_json::from_str(&s(f.tags_json)).unwrap_or_default(),
            entities: serde_json::from_str(&s(f.entities_json)).unwrap_or_default(),
            offset_map: serde_json::from_str(&s(f.offsets_json)).unwrap_or_default(),
            dict_version: s(f.dict_version),
            ocr_confidence: d
                .get_first(f.ocr)
                .and_then(|v| v.as_f64())
                .map(|c| c as f32),
            metadata: serde_json::from_str(&s(f.meta_json)).unwrap_or_default(),
            parent: Some(s(f.parent)).filter(|p| !p.is_empty()),
            highlights,
            text,
        })
    }
}

/// Finds the query's words in a passage text: stemmed terms, exact phrases, fuzzy words.
#[derive(Default)]
struct Highlighter {
    /// The generators and, for a language field, that field (its generator runs only on
    /// passages of its language: the others hold no term of it).
    generators: Vec<(Option<tantivy::schema::Field>, SnippetGenerator)>,
    fuzzy: Vec<(String, u8)>,
}

impl Highlighter {
    fn new(
        store: &IndexStore,
        searcher: &Searcher,
        c: &Compiled,
    ) -> Result<Highlighter, IndexError> {
        let Some(user) = &c.user else {
            return Ok(Highlighter::default());
        };
        let mut generators = Vec::new();
        let mut fields = vec![store.fields.text, store.fields.text_exact];
        // Language fields only when the query searches them (a generator re-reads the text).
        user.query_terms(&mut |t, _| {
            let f = t.field();
            if store.fields.text_lang.iter().any(|(_, g)| *g == f) && !fields.contains(&f) {
                fields.push(f);
            }
        });
        for field in fields {
            let mut g = SnippetGenerator::create(searcher, user.as_ref(), field)
                .map_err(|e| tantivy_err(&store.dir, e))?;
            // Passages are short: highlight over the whole text, not one fragment.
            g.set_max_num_chars(1 << 20);
            let lang =
                (field != store.fields.text && field != store.fields.text_exact).then_some(field);
            generators.push((lang, g));
        }
        Ok(Highlighter {
            generators,
            fuzzy: c.fuzzy.clone(),
        })
    }

    /// The spans of a passage text; `lang` is the language field of the passage's language.
    fn highlight(&self, text: &str, lang: Option<tantivy::schema::Field>) -> Vec<Span> {
        let mut spans: Vec<Span> = Vec::new();
        for (field, g) in &self.generators {
            if field.is_some() && *field != lang {
                continue;
            }
            let snip = g.snippet(text);
            let base = snip.fragment_range().start;
            spans.extend(snip.highlighted().iter().map(|r| Span {
                start: base + r.start,
                end: base + r.end,
            }));
        }
        if !self.fuzzy.is_empty() {
            let mut start = None;
            for (i, c) in text
                .char_indices()
                .chain(std::iter::once((text.len(), ' ')))
            {
                match (c.is_alphanumeric(), start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        let w = text[s..i].to_lowercase();
                        if self.fuzzy.iter().any(|(f, d)| strsim(f, &w) <= *d as usize) {
                            spans.push(Span { start: s, end: i });
                        }
                        start = None;
                    }
                    _ => {}
                }
            }
        }
        spans.sort();
        // Merge overlaps.
        let mut out: Vec<Span> = Vec::with_capacity(spans.len());
        for s in spans {
            match out.last_mut() {
                Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
                _ => out.push(s),
            }
        }
        out
    }
}

fn term_query(field: tantivy::schema::Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn document_order(a: &Hit, b: &Hit) -> Ordering {
    a.path
        .cmp(&b.path)
        .then(a.page.cmp(&b.page))
        .then(a.passage.cmp(&b.passage))
        .then(b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal))
}
