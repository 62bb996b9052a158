//! The handlers: request parameters → library calls → JSON (or an export, or a source file).
//!
//! Every handler validates its input first (a bad query, filter, limit, hash or body is a
//! `400` naming the problem) and then calls the index and export functions the CLI uses.
//! Filters (tag, modality, document, year) are resolved by the same
//! [`index::Vocabulary::resolve`] the CLI uses, and the query's `tag:`/`modality:`/`kind:`
//! values are checked against the index: an unknown value is a `400` with a suggestion, never
//! a silent empty result. Review decisions join hits by [`PassageKey`].

use super::{Backend, Reply, Request, MAX_LIMIT};
use crate::export::{self, Excerpt, Format, SinkOptions};
use crate::index::{self, FileRecord, Filters, Hit, IndexError, SearchRequest, SortOrder};
use crate::model::DocKind;
use crate::review::{self, Entry, PassageKey, Reviews, Status};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// Facet counts of recent selections, kept while the index stays at one version (the
/// overview and a page's repeated requests are then counted once, not per request).
#[derive(Debug, Default)]
pub struct FacetCache {
    inner: std::sync::Mutex<(u64, HashMap<String, std::sync::Arc<index::Facets>>)>,
}

/// Selections whose facets are kept at most (the cache is emptied when full).
const FACET_CACHE_ENTRIES: usize = 256;

impl FacetCache {
    /// The facets of `query` + `filters`, counted once per index version.
    pub fn facets(
        &self,
        store: &index::IndexStore,
        query: &str,
        filters: &Filters,
    ) -> Result<std::sync::Arc<index::Facets>, IndexError> {
        let generation = store.generation()?;
        let key = format!("{query}\u{0}{filters:?}");
        if let Ok(g) = self.inner.lock() {
            if g.0 == generation {
                if let Some(f) = g.1.get(&key) {
                    return Ok(std::sync::Arc::clone(f));
                }
            }
        }
        let f = std::sync::Arc::new(store.facets(query, filters)?);
        if let Ok(mut g) = self.inner.lock() {
            if g.0 != generation || g.1.len() >= FACET_CACHE_ENTRIES {
                g.1.clear();
                g.0 = generation;
            }
            g.1.insert(key, std::sync::Arc::clone(&f));
        }
        Ok(f)
    }
}

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 2000;

/// A handler failure: HTTP status, message and, for queries, the position.
#[derive(Debug, Clone, PartialEq)]
pub struct Fail {
    status: u16,
    message: String,
    position: Option<usize>,
}

fn bad(message: impl Into<String>) -> Fail {
    Fail {
        status: 400,
        message: message.into(),
        position: None,
    }
}

fn not_found(message: impl Into<String>) -> Fail {
    Fail {
        status: 404,
        message: message.into(),
        position: None,
    }
}

impl From<IndexError> for Fail {
    fn from(e: IndexError) -> Fail {
        match e {
            IndexError::Query(q) => Fail {
                status: 400,
                message: q.to_string(),
                position: q.position,
            },
            other => Fail {
                status: 500,
                message: other.to_string(),
                position: None,
            },
        }
    }
}

type Res<T> = Result<T, Fail>;

/// An error as JSON under `/api/`, as an HTML page elsewhere.
pub fn error_reply(path: &str, status: u16, message: &str, position: Option<usize>) -> Reply {
    if path.starts_with("/api/") {
        let mut v = json!({"error": message, "status": status});
        if let Some(p) = position {
            v["position"] = json!(p + 1);
        }
        Reply::json(status, &v)
    } else {
        let msg = export::html_escape(message);
        let body = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>redflag: error {status}</title>\
             <link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"error\">\
             <h1>Error {status}</h1><p>{msg}</p><p><a href=\"/\">Back to search</a></p></main></body></html>\n"
        );
        Reply::text(status, "text/html; charset=utf-8", body)
    }
}

fn finish(path: &str, r: Res<Reply>) -> Reply {
    r.unwrap_or_else(|f| error_reply(path, f.status, &f.message, f.position))
}

/// The selection a request describes: the user's query, filters and the review filter.
struct Selection {
    user_query: String,
    query: String,
    filters: Filters,
    review: Option<ReviewFilter>,
    sort: SortOrder,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ReviewFilter {
    Is(Status),
    Reviewed,
    Unreviewed,
}

impl ReviewFilter {
    fn keeps(self, e: Option<&Entry>) -> bool {
        match (self, e.and_then(|e| e.status)) {
            (ReviewFilter::Is(s), Some(t)) => s == t,
            (ReviewFilter::Reviewed, Some(_)) => true,
            (ReviewFilter::Unreviewed, None) => true,
            _ => false,
        }
    }
}

fn selection(req: &Request, b: &dyn Backend) -> Res<Selection> {
    let q = req.param("q").unwrap_or("").to_owned();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(bad(format!("query over {MAX_QUERY_CHARS} characters")));
    }
    if !q.trim().is_empty() {
        index::validate_query(&q).map_err(|e| IndexError::Query(e).into_fail())?;
    }
    let raw = index::RawFilters {
        tags: req.params_all("tag"),
        modalities: req.params_all("modality"),
        docs: req.params_all("doc"),
        years: req.params_all("year"),
        tagged: false,
    };
    let vocab = b.store().vocabulary(b.categories())?;
    vocab
        .check_query(&q)
        .map_err(|e| IndexError::Query(e).into_fail())?;
    let mut filters = vocab.resolve(&raw).map_err(bad)?;
    let review = match req.param("review").map(str::trim) {
        None | Some("") | Some("any") => None,
        Some("reviewed") => Some(ReviewFilter::Reviewed),
        Some("unreviewed") | Some("to_review") => Some(ReviewFilter::Unreviewed),
        Some(s) => Some(ReviewFilter::Is(Status::parse(s).ok_or_else(|| {
            bad(format!(
                "review {s:?}: one of confirmed, false_positive, follow_up, reviewed, unreviewed"
            ))
        })?)),
    };
    let sort = match req.param("sort").unwrap_or("score") {
        "score" | "" => SortOrder::Score,
        "document" => SortOrder::Document,
        s => return Err(bad(format!("sort {s:?}: score or document"))),
    };
    filters.tagged_only = match req.param("tagged").unwrap_or("") {
        "" | "0" | "false" => false,
        "1" | "true" => true,
        s => return Err(bad(format!("tagged {s:?}: true or false"))),
    };
    Ok(Selection {
        user_query: q.clone(),
        query: q,
        filters,
        review,
        sort,
    })
}

trait IntoFail {
    fn into_fail(self) -> Fail;
}

impl IntoFail for IndexError {
    fn into_fail(self) -> Fail {
        self.into()
    }
}

fn number(req: &Request, name: &str, default: usize, max: usize) -> Res<usize> {
    match req.param(name).map(str::trim) {
        None | Some("") => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            Ok(_) => Err(bad(format!("{name}={s}: at most {max}"))),
            Err(_) => Err(bad(format!("{name}={s:?}: expected a whole number"))),
        },
    }
}

fn key_of(h: &Hit) -> PassageKey {
    PassageKey::new(&h.doc, h.page, h.range)
}

fn review_json(e: Option<&Entry>) -> Value {
    match e {
        Some(e) => json!({"status": e.status, "note": e.note, "at": e.at}),
        None => Value::Null,
    }
}

fn hit_json(h: &Hit, reviews: &Reviews) -> Value {
    let key = key_of(h);
    let excerpt = Excerpt::from(h.clone());
    json!({
        "key": key.to_string(),
        "doc": h.doc,
        "path": h.path,
        "title": h.title,
        "format": h.format,
        "kind": h.kind,
        "lang": h.lang,
        "year": h.year,
        "page": h.page,
        "passage": h.passage,
        "range": [h.range.0, h.range.1],
        "citation": excerpt.citation_line(),
        "cite": excerpt.citation(),
        "score": h.score,
        "text": h.text,
        "tags": h.tags,
        "entities": h.entities,
        "highlights": h.highlights,
        "review": review_json(reviews.get(&key)),
    })
}

/// Every hit of a selection (review filter applied), in the selection's order.
fn all_hits(store: &index::IndexStore, sel: &Selection, reviews: &Reviews) -> Res<Vec<Hit>> {
    let mut hits = match sel.review {
        Some(ReviewFilter::Is(_)) | Some(ReviewFilter::Reviewed) => {
            // Only documents with decisions can hold matching passages.
            let mut out = Vec::new();
            for d in reviews.documents() {
                out.extend(doc_hits(store, sel, d)?);
            }
            out
        }
        _ => run(store, &sel.query, sel, None, 0)?.hits,
    };
    if let Some(f) = sel.review {
        hits.retain(|h| f.keeps(reviews.get(&key_of(h))));
    }
    match sel.sort {
        SortOrder::Score if !sel.user_query.trim().is_empty() => hits.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(doc_order(a, b))
        }),
        _ => hits.sort_by(doc_order),
    }
    Ok(hits)
}

fn doc_order(a: &Hit, b: &Hit) -> std::cmp::Ordering {
    a.path
        .cmp(&b.path)
        .then(a.page.cmp(&b.page))
        .then(a.passage.cmp(&b.passage))
}

/// Every passage of the selection in one document (the selection's own document filter
/// still applies).
fn doc_hits(store: &index::IndexStore, sel: &Selection, doc: &str) -> Res<Vec<Hit>> {
    if !sel.filters.docs.is_empty() && !sel.filters.docs.iter().any(|d| d == doc) {
        return Ok(Vec::new());
    }
    let filters = Filters {
        docs: vec![doc.to_owned()],
        ..sel.filters.clone()
    };
    Ok(store
        .search_request(&SearchRequest {
            query: &sel.query,
            filters,
            sort: sel.sort,
            limit: None,
            offset: 0,
            regex: None,
        })?
        .hits)
}

fn run(
    store: &index::IndexStore,
    query: &str,
    sel: &Selection,
    limit: Option<usize>,
    offset: usize,
) -> Res<index::SearchResult> {
    Ok(store.search_request(&SearchRequest {
        query,
        filters: sel.filters.clone(),
        sort: sel.sort,
        limit,
        offset,
        regex: None,
    })?)
}

/// Counts of the selection's passages by review status (without the review filter).
fn review_counts(
    store: &index::IndexStore,
    sel: &Selection,
    reviews: &Reviews,
    total: usize,
) -> Res<Value> {
    let mut by: BTreeMap<&str, usize> = Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut reviewed = 0;
    for d in reviews.documents() {
        for h in doc_hits(store, sel, d)? {
            if let Some(s) = reviews.get(&key_of(&h)).and_then(|e| e.status) {
                *by.entry(s.as_str()).or_default() += 1;
                reviewed += 1;
            }
        }
    }
    let mut v = json!(by);
    v["reviewed"] = json!(reviewed);
    v["unreviewed"] = json!(total.saturating_sub(reviewed));
    Ok(v)
}

/// `GET /api/search`.
pub fn search(req: &Request, b: &dyn Backend) -> Reply {
    finish(&req.path, search_inner(req, b))
}

fn search_inner(req: &Request, b: &dyn Backend) -> Res<Reply> {
    let sel = selection(req, b)?;
    let offset = number(req, "offset", 0, 1_000_000_000)?;
    let limit = number(req, "limit", 20, MAX_LIMIT)?;
    let store = b.store();
    let reviews = b.reviews();
    let unfiltered_total = run(store, &sel.query, &sel, Some(0), 0)?.total;
    let (hits, total) = if sel.review.is_some() {
        let all = all_hits(store, &sel, &reviews)?;
        let total = all.len();
        (all.into_iter().skip(offset).take(limit).collect(), total)
    } else {
        let r = run(store, &sel.query, &sel, Some(limit), offset)?;
        (r.hits, r.total)
    };
    let facets = b.facet_cache().facets(store, &sel.query, &sel.filters)?;
    let catalogue = store.catalogue_shared()?;
    let by_path: HashMap<&str, &FileRecord> =
        catalogue.values().map(|r| (r.path.as_str(), r)).collect();
    let documents: Vec<Value> = facets
        .document
        .iter()
        .map(|(path, n)| {
            let rec = by_path.get(path.as_str());
            json!({
                "path": path,
                "doc": rec.map(|r| r.doc.clone()),
                "title": rec.map(|r| r.title.clone()).filter(|t| !t.is_empty()),
                "count": n,
            })
        })
        .collect();
    let review = review_counts(store, &sel, &reviews, unfiltered_total)?;
    let empty = if total == 0 {
        store.explain_empty(&sel.query, &sel.filters)?
    } else {
        None
    };
    let v = json!({
        "empty": empty,
        "query": sel.user_query,
        "total": total,
        "offset": offset,
        "limit": limit,
        "hits": hits.iter().map(|h| hit_json(h, &reviews)).collect::<Vec<_>>(),
        "facets": {
            "tag": facets.tag,
            "modality": facets.modality,
            "document": documents,
            "documents": facets.documents,
            "year": facets.year,
            "kind": facets.kind,
            "lang": facets.lang,
            "review": review,
        },
    });
    Ok(Reply::json(200, &v))
}

fn record_by_doc(b: &dyn Backend, doc: &str) -> Res<FileRecord> {
    if !review::is_doc_hash(doc) {
        return Err(bad(format!(
            "{:?}: expected a document hash (64 hex digits)",
            doc.chars().take(80).collect::<String>()
        )));
    }
    let mut recs: Vec<FileRecord> = b
        .store()
        .catalogue_shared()?
        .values()
        .filter(|r| r.doc == doc)
        .cloned()
        .collect();
    recs.sort_by(|a, b| a.path.cmp(&b.path));
    recs.into_iter()
        .next()
        .ok_or_else(|| not_found("no indexed document with this hash"))
}

/// `GET /api/doc/{doc}/page/{n}`: the page rebuilt from its passages, in order.
pub fn page(req: &Request, b: &dyn Backend, doc: &str, n: &str) -> Reply {
    finish(&req.path, page_inner(req, b, doc, n))
}

fn page_inner(req: &Request, b: &dyn Backend, doc: &str, n: &str) -> Res<Reply> {
    let rec = record_by_doc(b, doc)?;
    let n: u32 = n
        .parse()
        .map_err(|_| bad(format!("page {n:?}: expected a page number")))?;
    let pages = rec.pages.max(1) as u32;
    if n == 0 || n > pages {
        return Err(not_found(format!(
            "page {n}: the document has {pages} page(s)"
        )));
    }
    let q = req.param("q").unwrap_or("").to_owned();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(bad(format!("query over {MAX_QUERY_CHARS} characters")));
    }
    if !q.trim().is_empty() {
        index::validate_query(&q).map_err(|e| IndexError::Query(e).into_fail())?;
    }
    let store = b.store();
    let scope = format!("page:{n}");
    let in_doc = Filters {
        docs: vec![doc.to_owned()],
        ..Filters::default()
    };
    let all = store.search(&scope, &in_doc, SortOrder::Document, None)?;
    let mut highlights: HashMap<u32, Vec<crate::model::Span>> = HashMap::new();
    if !q.trim().is_empty() {
        let m = store.search(
            &format!("({q}) AND {scope}"),
            &in_doc,
            SortOrder::Document,
            None,
        )?;
        for h in m.hits {
            highlights.insert(h.passage, h.highlights);
        }
    }
    let reviews = b.reviews();
    let mut text = String::new();
    let mut passages = Vec::new();
    let mut hits = all.hits;
    hits.sort_by_key(|h| h.passage);
    hits.dedup_by_key(|h| h.passage);
    for h in &hits {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        let offset = text.len();
        text.push_str(&h.text);
        let mut v = hit_json(h, &reviews);
        v["offset"] = json!(offset);
        v["matched"] = json!(highlights.contains_key(&h.passage));
        v["highlights"] = json!(highlights.get(&h.passage).cloned().unwrap_or_default());
        passages.push(v);
    }
    let v = json!({
        "doc": rec.doc,
        "path": rec.path,
        "title": (!rec.title.is_empty()).then_some(rec.title.clone()),
        "format": rec.format,
        "page": n,
        "pages": pages,
        "prev": (n > 1).then_some(n - 1),
        "next": (n < pages).then_some(n + 1),
        "text": text,
        "passages": passages,
        "source": format!("/source/{}", rec.doc),
        "source_page": if rec.format == Some(DocKind::Pdf) {
            format!("/source/{}#page={n}", rec.doc)
        } else {
            format!("/source/{}", rec.doc)
        },
    });
    Ok(Reply::json(200, &v))
}

/// `GET /api/stats`: collection counts and review progress.
pub fn stats(b: &dyn Backend) -> Reply {
    finish("/api/stats", stats_inner(b))
}

fn stats_inner(b: &dyn Backend) -> Res<Reply> {
    let store = b.store();
    let reviews = b.reviews();
    let catalogue = store.catalogue_shared()?;
    let empty = Selection {
        user_query: String::new(),
        query: String::new(),
        filters: Filters::default(),
        review: None,
        sort: SortOrder::Document,
    };
    let passages = run(store, "", &empty, Some(0), 0)?.total;
    let tagged_sel = Selection {
        filters: Filters {
            tagged_only: true,
            ..Filters::default()
        },
        ..empty
    };
    let tagged = run(store, "", &tagged_sel, Some(0), 0)?.total;
    let review = review_counts(store, &tagged_sel, &reviews, tagged)?;
    let facets = b.facet_cache().facets(store, "", &Filters::default())?;
    let v = json!({
        "documents": catalogue.len(),
        "pages": catalogue.values().map(|r| r.pages).sum::<u64>(),
        "passages": passages,
        "tagged_passages": tagged,
        "reviewed": reviews.len(),
        "to_review": review["unreviewed"],
        "review": review,
        "tags": facets.tag,
        "modalities": facets.modality,
        "years": facets.year,
    });
    Ok(Reply::json(200, &v))
}

/// `GET /api/reviews`: every current decision.
pub fn reviews(b: &dyn Backend) -> Reply {
    let r = b.reviews();
    let list: Vec<Value> = r
        .entries()
        .map(|e| {
            json!({"passage": e.key.to_string(), "doc": e.key.doc, "page": e.key.page,
                   "range": [e.key.start, e.key.end], "status": e.status, "note": e.note, "at": e.at})
        })
        .collect();
    Reply::json(200, &json!({"reviews": list, "count": list.len()}))
}

/// The body of `POST /api/review`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    passage: Option<String>,
    doc: Option<String>,
    page: Option<u32>,
    range: Option<(usize, usize)>,
    status: Option<String>,
    #[serde(default)]
    note: String,
}

/// `POST /api/review`: records a decision on an indexed passage.
pub fn review(req: &Request, b: &dyn Backend) -> Reply {
    finish(&req.path, review_inner(req, b))
}

fn review_inner(req: &Request, b: &dyn Backend) -> Res<Reply> {
    let body: ReviewBody = serde_json::from_slice(&req.body).map_err(|e| {
        bad(format!(
            "body: {e}; expected {{\"passage\": \"DOC:PAGE:START-END\", \"status\": \"confirmed\", \"note\": \"...\"}}"
        ))
    })?;
    let key = match (&body.passage, &body.doc, body.page, body.range) {
        (Some(p), None, None, None) => PassageKey::parse(p).map_err(|e| bad(e.to_string()))?,
        (None, Some(d), Some(p), Some(r)) => {
            let k = PassageKey::new(d, p, r);
            k.check().map_err(|e| bad(e.to_string()))?;
            k
        }
        _ => return Err(bad(
            "give either \"passage\": \"DOC:PAGE:START-END\" or \"doc\", \"page\" and \"range\"",
        )),
    };
    let status = match body.status.as_deref().map(str::trim) {
        None | Some("") | Some("none") => None,
        Some(s) => Some(
            Status::parse(s)
                .ok_or_else(|| bad(review::ReviewError::BadStatus(s.into()).to_string()))?,
        ),
    };
    let entry = Entry {
        key: key.clone(),
        status,
        note: body.note.trim().to_owned(),
        at: export::manifest::rfc3339(std::time::SystemTime::now()),
    };
    entry.check().map_err(|e| bad(e.to_string()))?;
    let exists = b
        .store()
        .search(
            &format!("doc:{} AND page:{}", key.doc, key.page),
            &Filters::default(),
            SortOrder::Document,
            None,
        )?
        .hits
        .iter()
        .any(|h| h.range == (key.start, key.end));
    if !exists {
        return Err(not_found(format!("no indexed passage {key}")));
    }
    b.record_review(entry.clone()).map_err(|m| Fail {
        status: 500,
        message: format!("cannot record the review: {m}"),
        position: None,
    })?;
    let reviews = b.reviews();
    Ok(Reply::json(
        200,
        &json!({"passage": key.to_string(), "review": review_json(reviews.get(&key)), "reviewed": reviews.len()}),
    ))
}

/// `GET /source/{doc}`: the indexed file, found by hash in the catalogue.
pub fn source(b: &dyn Backend, doc: &str) -> Reply {
    finish("/source", source_inner(b, doc))
}

fn source_inner(b: &dyn Backend, doc: &str) -> Res<Reply> {
    let rec = record_by_doc(b, doc)?;
    let bytes = b.source(&rec).map_err(|m| Fail {
        status: 409,
        message: m,
        position: None,
    })?;
    Ok(if rec.format == Some(DocKind::Pdf) {
        // The browser's PDF viewer refuses sandboxed documents: no policy on this response
        // (nosniff keeps the bytes a PDF, never HTML).
        Reply::text(200, "application/pdf", bytes)
            .with_header("Content-Security-Policy", "")
            .with_header("Content-Disposition", "inline")
    } else {
        // HTML and text sources are shown as text, never rendered.
        Reply::text(200, "text/plain; charset=utf-8", bytes)
            .with_header("Content-Security-Policy", "sandbox; default-src 'none'")
    })
}

/// `GET /export/{csv|jsonl|html}`: every passage of the selection, as a download.
pub fn export(req: &Request, b: &dyn Backend, format: &str) -> Reply {
    finish(&req.path, export_inner(req, b, format))
}

fn export_inner(req: &Request, b: &dyn Backend, format: &str) -> Res<Reply> {
    let (fmt, ctype, ext) = match format {
        "csv" => (Format::Csv, "text/csv; charset=utf-8", "csv"),
        "jsonl" => (
            Format::Jsonl,
            "application/x-ndjson; charset=utf-8",
            "jsonl",
        ),
        "html" => (Format::Html, "text/html; charset=utf-8", "html"),
        "md" => (Format::Md, "text/markdown; charset=utf-8", "md"),
        other => {
            return Err(not_found(format!(
                "export format {other:?}: csv, jsonl, html, md, or pdf/DOC"
            )))
        }
    };
    let mut sel = selection(req, b)?;
    sel.sort = SortOrder::Document;
    let reviews = b.reviews();
    let hits = all_hits(b.store(), &sel, &reviews)?;
    let opts = SinkOptions {
        description: if sel.user_query.trim().is_empty() {
            "Query: none (exported from redflag serve).".to_owned()
        } else {
            format!("Query: {} (exported from redflag serve).", sel.user_query)
        },
        reviews: reviews.notes(),
        ..SinkOptions::default()
    };
    let mut buf: Vec<u8> = Vec::new();
    {
        let out: Box<dyn std::io::Write + '_> = Box::new(&mut buf);
        let res = (|| -> std::io::Result<()> {
            let mut sink = export::sink(fmt, out, &opts)?;
            for h in hits {
                sink.write(&Excerpt::from(h))?;
            }
            sink.finish()
        })();
        res.map_err(|e| Fail {
            status: 500,
            message: format!("export: {e}"),
            position: None,
        })?;
    }
    let mut reply = Reply::text(200, ctype, buf).with_header(
        "Content-Disposition",
        format!("attachment; filename=\"redflag-export.{ext}\""),
    );
    if fmt == Format::Html {
        reply = reply.with_header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        );
    }
    Ok(reply)
}

/// `GET /export/pdf`: a ZIP of annotated copies of every source PDF with tagged passages in
/// the selection (stored, not recompressed); copies that cannot be made are listed in
/// `problems.txt` inside the archive.
pub fn export_pdf_zip(req: &Request, b: &dyn Backend) -> Reply {
    finish(&req.path, export_pdf_zip_inner(req, b))
}

fn export_pdf_zip_inner(req: &Request, b: &dyn Backend) -> Res<Reply> {
    let mut sel = selection(req, b)?;
    sel.sort = SortOrder::Document;
    let reviews = b.reviews();
    let hits = all_hits(b.store(), &sel, &reviews)?;
    let excerpts: Vec<Excerpt> = hits.iter().cloned().map(Excerpt::from).collect();
    let batch = export::pdf::Batch::of(&excerpts);
    if batch.copies.is_empty() {
        return Err(not_found(
            "no tagged passage of a PDF document in this selection",
        ));
    }
    let internal = |e: zip::result::ZipError| Fail {
        status: 500,
        message: format!("zip: {e}"),
        position: None,
    };
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut names = export::pdf::CopyNames::default();
    let mut done = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for (doc, _, idx) in &batch.copies {
        // one copy per document, however many paths it was found at
        if !done.insert(doc) {
            continue;
        }
        let rec = record_by_doc(b, doc)?;
        let doc_hits: Vec<Hit> = idx.iter().map(|&i| hits[i].clone()).collect();
        match b.annotated_pdf(&rec, &doc_hits) {
            Ok(bytes) => {
                let name = names.name(&safe_name(&rec.path), doc);
                zw.start_file(name, opts).map_err(internal)?;
                std::io::Write::write_all(&mut zw, &bytes).map_err(|e| internal(e.into()))?;
            }
            Err(m) => problems.push(m),
        }
    }
    if !problems.is_empty() {
        zw.start_file("problems.txt", opts).map_err(internal)?;
        std::io::Write::write_all(&mut zw, (problems.join("\n") + "\n").as_bytes())
            .map_err(|e| internal(e.into()))?;
    }
    let bytes = zw.finish().map_err(internal)?.into_inner();
    Ok(Reply::text(200, "application/zip", bytes).with_header(
        "Content-Disposition",
        "attachment; filename=\"redflag-annotated-pdfs.zip\"",
    ))
}

/// A file name from an indexed path: its last component, letters, digits, `.-_` only.
fn safe_name(path: &str) -> String {
    let name: String = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if name.is_empty() || name.starts_with('.') {
        "document.pdf".to_owned()
    } else {
        name
    }
}

/// `GET /export/pdf/{doc}`: an annotated copy of one source PDF with the selection marked.
pub fn export_pdf(req: &Request, b: &dyn Backend, doc: &str) -> Reply {
    finish(&req.path, export_pdf_inner(req, b, doc))
}

fn export_pdf_inner(req: &Request, b: &dyn Backend, doc: &str) -> Res<Reply> {
    let rec = record_by_doc(b, doc)?;
    if rec.format != Some(DocKind::Pdf) {
        return Err(bad(format!("{} is not a PDF", rec.path)));
    }
    let mut sel = selection(req, b)?;
    sel.sort = SortOrder::Document;
    sel.filters.docs = vec![doc.to_owned()];
    let reviews = b.reviews();
    let hits = all_hits(b.store(), &sel, &reviews)?;
    let bytes = b.annotated_pdf(&rec, &hits).map_err(|m| Fail {
        status: 409,
        message: m,
        position: None,
    })?;
    let name = safe_name(&rec.path);
    Ok(Reply::text(200, "application/pdf", bytes).with_header(
        "Content-Disposition",
        format!("attachment; filename=\"annotated-{name}\""),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn export_with_review(fmt: Format) -> String {
        let mut e = crate::export::tests::excerpt("a.txt", 2, 1, "paid a bribe <b>", &[(7, 12)]);
        e.doc = H.to_owned();
        e.range = (5, 21);
        let mut reviews = Reviews::default();
        reviews.apply(Entry {
            key: PassageKey::new(H, 2, (5, 21)),
            status: Some(Status::FalsePositive),
            note: "not <i>ours</i>".into(),
            at: String::new(),
        });
        let opts = SinkOptions {
            reviews: reviews.notes(),
            ..SinkOptions::default()
        };
        let mut buf = Vec::new();
        {
            let mut sink = export::sink(fmt, Box::new(&mut buf), &opts).unwrap();
            sink.write(&e).unwrap();
            let mut other = e.clone();
            other.range = (30, 40);
            sink.write(&other).unwrap();
            sink.finish().unwrap();
        }
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn exports_carry_review_status_and_note() {
        let csv = export_with_review(Format::Csv);
        let mut rd = ::csv::Reader::from_reader(csv.as_bytes());
        let rows: Vec<::csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][14], "false_positive");
        assert_eq!(&rows[0][16], "not <i>ours</i>");
        assert_eq!(&rows[1][14], "");
        let jsonl = export_with_review(Format::Jsonl);
        let lines: Vec<Value> = jsonl
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["review"]["status"], "false_positive");
        assert!(lines[1].get("review").is_none());
        let html = export_with_review(Format::Html);
        assert!(html.contains("false positive"));
        assert!(html.contains("not &lt;i&gt;ours&lt;/i&gt;"));
    }

    #[test]
    fn errors_are_json_under_api_and_html_elsewhere() {
        let r = error_reply("/api/search", 400, "bad <query>", Some(4));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["position"], 5);
        assert_eq!(v["error"], "bad <query>");
        let r = error_reply("/nope", 404, "no <script>", None);
        let body = String::from_utf8(r.body).unwrap();
        assert!(body.contains("no &lt;script&gt;"));
        assert!(r.content_type.starts_with("text/html"));
    }
}
