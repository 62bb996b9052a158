//! Searching the index: a query plus filters → ranked or document-ordered passages, each with
//! everything needed to cite and highlight it (no source file is reopened).

use super::schema::REC_PASSAGE;
use super::{query, tantivy_err, IndexError, IndexStore};
use crate::model::{Entity, Modality, Span, Tag};
use std::cmp::Ordering;
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery};
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
    /// Format.
    pub kind: String,
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
}

/// Hits and the total number of matching passages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResult {
    /// Matching passages (all of them when no limit was given).
    pub hits: Vec<Hit>,
    /// How many passages match in all.
    pub total: usize,
}

impl IndexStore {
    /// Runs `query` (empty: every passage) with `filters`. `limit` bounds the hits returned,
    /// never the total; `None` returns every match.
    pub fn search(
        &self,
        query_text: &str,
        filters: &Filters,
        sort: SortOrder,
        limit: Option<usize>,
    ) -> Result<SearchResult, IndexError> {
        self.reader
            .reload()
            .map_err(|e| tantivy_err(&self.dir, e))?;
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let user: Option<Box<dyn Query>> = if query_text.trim().is_empty() {
            None
        } else {
            Some(query::parse(&self.index, f, query_text)?)
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
        if filters.tagged_only {
            clauses.push((
                Occur::Must,
                Box::new(tantivy::query::ExistsQuery::new("tag".to_owned(), false)),
            ));
        }
        let q = BooleanQuery::new(clauses);
        let total = searcher
            .search(&q, &Count)
            .map_err(|e| tantivy_err(&self.dir, e))?;
        let want = limit.unwrap_or(total).min(total);
        let mut scored: Vec<(f32, DocAddress)> = if want == 0 {
            Vec::new()
        } else if sort == SortOrder::Score && user.is_some() {
            searcher
                .search(&q, &TopDocs::with_limit(want).order_by_score())
                .map_err(|e| tantivy_err(&self.dir, e))?
        } else {
            let mut all: Vec<DocAddress> = searcher
                .search(&q, &DocSetCollector)
                .map_err(|e| tantivy_err(&self.dir, e))?
                .into_iter()
                .collect();
            all.sort();
            all.into_iter().map(|a| (0.0, a)).collect()
        };
        let highlighter = match &user {
            Some(uq) => {
                let mut g = SnippetGenerator::create(&searcher, uq.as_ref(), f.text)
                    .map_err(|e| tantivy_err(&self.dir, e))?;
                // Passages are short: highlight over the whole text, not one fragment.
                g.set_max_num_chars(1 << 20);
                Some(g)
            }
            None => None,
        };
        let mut hits = Vec::with_capacity(scored.len().min(want));
        if sort == SortOrder::Document || user.is_none() {
            // Load every match, order by path/page/passage, then cut.
            for (score, addr) in scored.drain(..) {
                hits.push(self.load_hit(&searcher, addr, score, highlighter.as_ref())?);
            }
            hits.sort_by(document_order);
            hits.truncate(want);
        } else {
            for (score, addr) in scored {
                hits.push(self.load_hit(&searcher, addr, score, highlighter.as_ref())?);
            }
        }
        Ok(SearchResult { hits, total })
    }

    fn load_hit(
        &self,
        searcher: &Searcher,
        addr: DocAddress,
        score: f32,
        highlighter: Option<&SnippetGenerator>,
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
        let highlights = match highlighter {
            Some(h) => {
                let snip = h.snippet(&text);
                let base = snip.fragment_range().start;
                snip.highlighted()
                    .iter()
                    .map(|r| Span {
                        start: base + r.start,
                        end: base + r.end,
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let title = s(f.title);
        Ok(Hit {
            score,
            doc: s(f.doc),
            path: s(f.path),
            title: (!title.is_empty()).then_some(title),
            kind: s(f.kind),
            page: n(f.page) as u32,
            passage: n(f.passage) as u32,
            range: (n(f.start) as usize, n(f.end) as usize),
            tags: serde_json::from_str(&s(f.tags_json)).unwrap_or_default(),
            entities: serde_json::from_str(&s(f.entities_json)).unwrap_or_default(),
            offset_map: serde_json::from_str(&s(f.offsets_json)).unwrap_or_default(),
            dict_version: s(f.dict_version),
            highlights,
            text,
        })
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
