//! Searching the index: a query plus filters → ranked or document-ordered passages, each with
//! everything needed to cite and highlight it (no source file is reopened); facet counts;
//! neighbouring passages for context.

use super::query::{self, strsim};
use super::schema::REC_PASSAGE;
use super::{tantivy_err, IndexError, IndexStore};
use crate::model::{Entity, Modality, Span, Tag};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::{AggContextParams, AggregationCollector};
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

/// Filters applied on top of the query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Keep passages carrying any of these categories.
    pub tags: Vec<String>,
    /// Keep passages with a tag in any of these modalities (on the filtered tags, if any).
    pub modalities: Vec<Modality>,
    /// Keep only passages with at least one tag.
    pub tagged_only: bool,
    /// Keep passages in any of these languages (`lang` codes: `th`, `id`, `zh`, `und`).
    pub langs: Vec<String>,
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
    /// File format (`pdf`, `text`, `markdown`, `html`).
    pub format: String,
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
    /// Passages per document (path).
    pub document: Vec<(String, u64)>,
    /// Passages per year.
    pub year: Vec<(String, u64)>,
    /// Passages per document kind.
    pub kind: Vec<(String, u64)>,
    /// Passages per language.
    pub lang: Vec<(String, u64)>,
}

/// A compiled request: the tantivy query and what to highlight.
struct Compiled {
    query: BooleanQuery,
    user: Option<Box<dyn Query>>,
    fuzzy: Vec<(String, u8)>,
}

impl IndexStore {
    fn compile(&self, query_text: &str, filters: &Filters) -> Result<Compiled, IndexError> {
        let f = &self.fields;
        let (user, fuzzy) = if query_text.trim().is_empty() {
            (None, Vec::new())
        } else {
            let langs = query::present_lang_fields(&self.reader.searcher(), f);
            let p = query::parse_with(&self.index, f, query_text, &langs)?;
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
        let c = self.compile(req.query, &req.filters)?;
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

    /// Facet counts for a query and filters (passages counted once per bucket).
    pub fn facets(&self, query_text: &str, filters: &Filters) -> Result<Facets, IndexError> {
        let searcher = self.fresh_searcher()?;
        let c = self.compile(query_text, filters)?;
        let terms = |field: &str| serde_json::json!({"terms": {"field": field, "size": 100000}});
        let req: Aggregations = serde_json::from_value(serde_json::json!({
            "tag": terms("tag"),
            "modality": terms("modality"),
            "key": terms("key"),
            "year": terms("year"),
            "kind": terms("kind"),
            "lang": terms("lang"),
        }))
        .map_err(|e| IndexError::Io {
            path: self.dir.clone(),
            message: format!("facet request: {e}"),
        })?;
        let collector = AggregationCollector::from_aggs(req, AggContextParams::default());
        let res = searcher
            .search(&c.query, &collector)
            .map_err(|e| tantivy_err(&self.dir, e))?;
        let v = serde_json::to_value(res).unwrap_or_default();
        let buckets = |name: &str| -> Vec<(String, u64)> {
            let mut out: Vec<(String, u64)> = v[name]["buckets"]
                .as_array()
                .map(|bs| {
                    bs.iter()
                        .map(|b| {
                            let key = match &b["key"] {
                                serde_json::Value::String(s) => s.clone(),
                                serde_json::Value::Number(n) => {
                                    n.as_f64().map_or(n.to_string(), |f| format!("{f:.0}"))
                                }
                                other => other.to_string(),
                            };
                            (key, b["doc_count"].as_u64().unwrap_or(0))
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            out
        };
        // Documents are counted by key; show them by the path they were indexed under.
        let paths: BTreeMap<String, String> = self
            .catalogue()?
            .into_values()
            .map(|r| (r.key, r.path))
            .collect();
        let document = buckets("key")
            .into_iter()
            .map(|(k, n)| (paths.get(&k).cloned().unwrap_or(k), n))
            .collect();
        let mut year = buckets("year");
        year.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(Facets {
            tag: buckets("tag"),
            modality: buckets("modality"),
            document,
            year,
            kind: buckets("kind"),
            lang: buckets("lang"),
        })
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
        Ok(Hit {
            score,
            doc: s(f.doc),
            path: s(f.path),
            title: (!title.is_empty()).then_some(title),
            format: s(f.format),
            kind: s(f.kind),
            lang: s(f.lang),
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
            highlights: highlighter.highlight(&text),
            text,
        })
    }
}

/// Finds the query's words in a passage text: stemmed terms, exact phrases, fuzzy words.
#[derive(Default)]
struct Highlighter {
    generators: Vec<SnippetGenerator>,
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
            generators.push(g);
        }
        Ok(Highlighter {
            generators,
            fuzzy: c.fuzzy.clone(),
        })
    }

    fn highlight(&self, text: &str) -> Vec<Span> {
        let mut spans: Vec<Span> = Vec::new();
        for g in &self.generators {
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
