//! Parsing what users type into tantivy queries, with errors that point at the position and
//! suggest the fix.
//!
//! The syntax is tantivy's: terms, `"phrases"`, `"a b"~N` proximity, `AND`/`OR`/`NOT`,
//! `+must`/`-mustnot`, parentheses, `field:value`, ranges `page:[1 TO 10]`. Several terms
//! without an operator must all match (AND), as in web search. Two additions, applied on
//! tantivy's parsed query tree before it becomes a query:
//! - a quoted phrase without a field searches the unstemmed `text_exact` field, so
//!   `"bribes paid"` does not also find `bribe pay`, while a bare `bribes` finds every
//!   inflection through the stemmed `text` field;
//! - `word~N` (N = 1 or 2) on a bare word is a fuzzy term: words within N edits
//!   (`pasport~1` finds `passport`);
//! - a bare word (or `text:word`) also searches the language-analyzed fields present in the
//!   index (`text_id`, `text_fr`, ..., see [`super::tokenize::LANG_ANALYZERS`]), each with its
//!   own analyzer: `penyelundupan` finds `menyelundupkan` in an Indonesian passage, while an
//!   English passage is matched (and scored) by `text` alone as before. The query does not
//!   need to say its language, and words of several languages can be mixed in one query.
//!
//! Words of the scripts written without spaces are segmented by the same dictionary as the
//! index, so a typed Thai or Chinese sentence becomes a phrase of its words.

use super::schema::Fields;
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, QueryParser,
    QueryParserError, TermQuery,
};
use tantivy::query_grammar::{self, Delimiter, UserInputAst, UserInputLeaf};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Index, Searcher, Term};

/// Fields a user may name in a query.
pub const USER_FIELDS: &[&str] = &[
    "text", "title", "path", "tag", "modality", "page", "kind", "format", "lang", "year", "doc",
    "from", "to", "subject", "author",
];

/// A query the user typed that cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad query{}: {message}{}", position.map(|p| format!(" at position {}", p + 1)).unwrap_or_default(), hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
pub struct QueryError {
    /// The query as typed.
    pub query: String,
    /// 0-based character position of the problem, when known.
    pub position: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// A parsed query and the words to highlight that tantivy's snippets cannot find (fuzzy).
pub(crate) struct Parsed {
    /// The query to run.
    pub query: Box<dyn Query>,
    /// Fuzzy terms: (lower-case word, distance).
    pub fuzzy: Vec<(String, u8)>,
}

/// Parses a query that searches only the fields every index has (no language fields).
pub(crate) fn parse(index: &Index, fields: &Fields, query: &str) -> Result<Parsed, QueryError> {
    parse_inner(index, None, fields, query)
}

/// The language-analyzed fields that hold at least one term in this searcher's segments,
/// with their analyzer names: the ones worth searching.
pub(crate) fn present_lang_fields(
    searcher: &Searcher,
    fields: &Fields,
) -> Vec<(Field, &'static str)> {
    fields
        .lang_fields()
        .into_iter()
        .filter(|&(f, _)| {
            searcher.segment_readers().iter().any(|seg| {
                seg.inverted_index(f)
                    .map(|ii| ii.terms().num_terms() > 0)
                    .unwrap_or(false)
            })
        })
        .collect()
}

/// Parses a query; bare words also search `langs`, the language-analyzed fields (see
/// [`present_lang_fields`]), where `searcher` holds their analyzed terms: a language clause
/// whose terms no passage has is left out, so a query of words found only in English
/// passages is the same query tree as without language fields (nothing more to score or to
/// highlight).
pub(crate) fn parse_with(
    index: &Index,
    searcher: &Searcher,
    fields: &Fields,
    query: &str,
    langs: &[(Field, &'static str)],
) -> Result<Parsed, QueryError> {
    parse_inner(index, Some((searcher, langs)), fields, query)
}

/// [`parse`] and [`parse_with`]: `langs` are the searcher and the language fields to expand
/// bare words to.
fn parse_inner(
    index: &Index,
    langs: Option<(&Searcher, &[(Field, &'static str)])>,
    fields: &Fields,
    query: &str,
) -> Result<Parsed, QueryError> {
    let mut parser = QueryParser::for_index(index, vec![fields.text]);
    parser.set_conjunction_by_default();
    if let Some(e) = precheck(query) {
        return Err(e);
    }
    let ast = query_grammar::parse_query(query).map_err(|_| QueryError {
        query: query.to_owned(),
        position: None,
        message: "the query cannot be parsed".to_owned(),
        hint: Some(SYNTAX_HINT.to_owned()),
    })?;
    let mut fuzzy = Vec::new();
    let cx = Cx {
        parser: &parser,
        index,
        fields,
        langs,
    };
    let q = convert(&cx, ast, &mut fuzzy).map_err(|e| explain(query, e))?;
    Ok(Parsed { query: q, fuzzy })
}

const SYNTAX_HINT: &str =
    "syntax: words, \"a phrase\", \"a b\"~5, word~1, AND/OR/NOT, +must, -exclude, field:value";

/// What [`convert`] needs.
struct Cx<'a> {
    parser: &'a QueryParser,
    index: &'a Index,
    fields: &'a Fields,
    /// The searcher whose terms decide which language clauses to keep, and the language
    /// fields; `None`: bare words search `text` only.
    langs: Option<(&'a Searcher, &'a [(Field, &'static str)])>,
}

/// Converts tantivy's parsed tree, routing quoted phrases to the exact field, `word~N`
/// to fuzzy term queries and bare words to `text` and the language fields; every other
/// leaf goes through tantivy's own conversion.
fn convert(
    cx: &Cx<'_>,
    ast: UserInputAst,
    fuzzy: &mut Vec<(String, u8)>,
) -> Result<Box<dyn Query>, QueryParserError> {
    let (parser, fields) = (cx.parser, cx.fields);
    match ast {
        UserInputAst::Clause(clauses) => {
            let mut out = Vec::with_capacity(clauses.len());
            for (occur, sub) in clauses {
                out.push((occur.unwrap_or(Occur::Must), convert(cx, sub, fuzzy)?));
            }
            if !out.is_empty() && out.iter().all(|(o, _)| *o == Occur::MustNot) {
                return Err(QueryParserError::AllButQueryForbidden);
            }
            Ok(Box::new(BooleanQuery::new(out)))
        }
        UserInputAst::Boost(inner, boost) => Ok(Box::new(BoostQuery::new(
            convert(cx, *inner, fuzzy)?,
            boost.into_inner() as f32,
        ))),
        UserInputAst::Leaf(leaf) => match *leaf {
            UserInputLeaf::Literal(mut lit) => {
                let on_text = lit.field_name.as_deref().is_none_or(|f| f == "text");
                // tantivy's grammar keeps `word~N` as the literal text "word~N".
                let fuzzy_term = (on_text && lit.delimiter == Delimiter::None)
                    .then(|| lit.phrase.rsplit_once('~'))
                    .flatten()
                    .filter(|(w, n)| {
                        !w.is_empty()
                            && w.chars().all(char::is_alphanumeric)
                            && matches!(*n, "1" | "2")
                    });
                if let Some((w, n)) = fuzzy_term {
                    let word = w.to_lowercase();
                    let distance: u8 = if n == "2" { 2 } else { 1 };
                    fuzzy.push((word.clone(), distance));
                    return Ok(Box::new(FuzzyTermQuery::new(
                        Term::from_field_text(fields.text_exact, &word),
                        distance,
                        true,
                    )));
                }
                if on_text && lit.delimiter == Delimiter::DoubleQuotes {
                    lit.field_name = Some("text_exact".to_owned());
                }
                let langs = cx
                    .langs
                    .filter(|(_, l)| on_text && lit.delimiter == Delimiter::None && !l.is_empty());
                let words = langs.map(|_| lit.phrase.clone());
                let base = parser.build_query_from_user_input_ast(UserInputAst::Leaf(Box::new(
                    UserInputLeaf::Literal(lit),
                )))?;
                let (Some(words), Some((searcher, langs))) = (words, langs) else {
                    return Ok(base);
                };
                let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for &(field, analyzer) in langs {
                    if let Some(q) = lang_query(cx.index, searcher, field, analyzer, &words) {
                        any.push((Occur::Should, q));
                    }
                }
                if any.is_empty() {
                    return Ok(base);
                }
                any.insert(0, (Occur::Should, base));
                Ok(Box::new(BooleanQuery::new(any)))
            }
            other => parser.build_query_from_user_input_ast(UserInputAst::Leaf(Box::new(other))),
        },
    }
}

/// A bare word analyzed for one language field: one term, the candidate roots of one word
/// (any may match), or a phrase of the first candidate of each word. `None` when no passage
/// of `searcher` holds the term (or, for a phrase, one of its words).
fn lang_query(
    index: &Index,
    searcher: &Searcher,
    field: Field,
    analyzer: &str,
    words: &str,
) -> Option<Box<dyn Query>> {
    let mut a = index.tokenizers().get(analyzer)?;
    let mut ts = a.token_stream(words);
    let mut groups: Vec<(usize, Vec<Term>)> = Vec::new();
    while ts.advance() {
        let t = ts.token();
        let term = Term::from_field_text(field, &t.text);
        match groups.last_mut() {
            Some((p, v)) if *p == t.position => v.push(term),
            _ => groups.push((t.position, vec![term])),
        }
    }
    let present = |t: &Term| searcher.doc_freq(t).is_ok_and(|n| n > 0);
    match groups.len() {
        0 => None,
        1 => {
            let (_, mut terms) = groups.pop()?;
            terms.retain(present);
            let q = |t: Term| -> Box<dyn Query> {
                Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs))
            };
            if terms.len() <= 1 {
                terms.pop().map(q)
            } else {
                Some(Box::new(BooleanQuery::new(
                    terms.into_iter().map(|t| (Occur::Should, q(t))).collect(),
                )))
            }
        }
        _ => {
            let first = groups[0].0;
            let terms: Vec<(usize, Term)> = groups
                .into_iter()
                .filter_map(|(p, mut v)| {
                    v.truncate(1);
                    v.pop().map(|t| (p - first, t))
                })
                .collect();
            if !terms.iter().all(|(_, t)| present(t)) {
                return None;
            }
            Some(Box::new(PhraseQuery::new_with_offset(terms)))
        }
    }
}

/// Finds the common mistakes tantivy reports without a position.
fn precheck(query: &str) -> Option<QueryError> {
    let err = |pos: usize, message: &str, hint: &str| QueryError {
        query: query.to_owned(),
        position: Some(pos),
        message: message.to_owned(),
        hint: Some(hint.to_owned()),
    };
    let quotes: Vec<usize> = query
        .chars()
        .enumerate()
        .filter(|&(_, c)| c == '"')
        .map(|(i, _)| i)
        .collect();
    if quotes.len() % 2 == 1 {
        return Some(err(
            *quotes.last().unwrap_or(&0),
            "unclosed quote",
            "close the phrase with a second \"",
        ));
    }
    let mut depth: Vec<usize> = Vec::new();
    let mut in_quote = false;
    for (i, c) in query.chars().enumerate() {
        match c {
            '"' => in_quote = !in_quote,
            '(' if !in_quote => depth.push(i),
            ')' if !in_quote && depth.pop().is_none() => {
                return Some(err(i, "')' without a matching '('", "remove it or add '('"));
            }
            _ => {}
        }
    }
    if let Some(&open) = depth.last() {
        return Some(err(open, "'(' is never closed", "add ')'"));
    }
    let trimmed = query.trim_end();
    for op in ["AND", "OR", "NOT"] {
        if trimmed.ends_with(op)
            && trimmed[..trimmed.len() - op.len()]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace)
        {
            let pos = query[..trimmed.len() - op.len()].chars().count();
            return Some(err(
                pos,
                &format!("{op} at the end has nothing to join"),
                "add a term after it or remove it",
            ));
        }
    }
    None
}

fn explain(query: &str, e: QueryParserError) -> QueryError {
    let char_pos = |byte: usize| query[..byte].chars().count();
    let (position, message, hint) = match &e {
        QueryParserError::FieldDoesNotExist(f) => {
            let pos = query.find(&format!("{f}:")).map(char_pos);
            let near = USER_FIELDS
                .iter()
                .min_by_key(|u| strsim(u, f))
                .filter(|u| strsim(u, f) <= 2);
            let hint = match near {
                Some(n) => format!("did you mean `{n}:`? fields: {}", USER_FIELDS.join(", ")),
                None => format!(
                    "fields: {}; to search the word itself, quote it: \"{f}:\"",
                    USER_FIELDS.join(", ")
                ),
            };
            (pos, format!("unknown field `{f}`"), Some(hint))
        }
        QueryParserError::ExpectedInt(_) => (
            query.find("page:").map(char_pos),
            "page: takes a number".to_owned(),
            Some("e.g. page:3 or page:[1 TO 10]".to_owned()),
        ),
        QueryParserError::AllButQueryForbidden => (
            None,
            "only excluded terms: nothing to search for".to_owned(),
            Some("add a term to find, e.g. `bribe -sport`".to_owned()),
        ),
        QueryParserError::FieldNotIndexed(f) => (
            query.find(&format!("{f}:")).map(char_pos),
            format!("field `{f}` cannot be searched"),
            Some(format!("fields: {}", USER_FIELDS.join(", "))),
        ),
        other => (None, other.to_string(), Some(SYNTAX_HINT.to_owned())),
    };
    QueryError {
        query: query.to_owned(),
        position,
        message,
        hint,
    }
}

/// Levenshtein distance, for "did you mean".
pub(crate) fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let v = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prechecks_point_at_the_problem() {
        let e = precheck("border \"official").unwrap();
        assert_eq!(e.position, Some(7));
        let e = precheck("(a OR b").unwrap();
        assert_eq!(e.position, Some(0));
        let e = precheck("bribe AND").unwrap();
        assert_eq!(e.position, Some(6));
        assert!(precheck("\"a b\"~3 AND (c OR d)").is_none());
        assert!(precheck("ORANGE").is_none());
    }

    #[test]
    fn distance() {
        assert_eq!(strsim("tag", "tags"), 1);
        assert_eq!(strsim("modality", "modalty"), 1);
    }
}
