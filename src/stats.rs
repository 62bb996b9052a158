//! Collection statistics from indexed passages: documents × categories, the documents with
//! the most distinct indicators, and which categories occur together in a passage. Pure.

use crate::index::Hit;
use std::collections::{BTreeMap, BTreeSet};

/// The corruption indicators (context categories `trafficking` and `smuggling` are counted
/// in the tables but not in "distinct indicators").
pub const INDICATORS: [&str; 9] = [
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

/// The overview `redflag stats` prints.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Stats {
    /// Documents in the index (with at least one passage).
    pub documents: usize,
    /// Passages in the index.
    pub passages: usize,
    /// Passages with at least one tag.
    pub tagged_passages: usize,
    /// Every category seen, in a stable order.
    pub categories: Vec<String>,
    /// Per document (path): tagged passages per category.
    pub matrix: BTreeMap<String, BTreeMap<String, usize>>,
    /// Documents by number of distinct corruption indicators, most first:
    /// `(path, distinct indicators, tagged passages)`.
    pub top: Vec<(String, usize, usize)>,
    /// Pairs of categories tagged in the same passage, with counts, most first.
    pub cooccurrence: Vec<(String, String, usize)>,
}

/// Computes the overview from every passage.
pub fn compute(hits: &[Hit]) -> Stats {
    let mut docs: BTreeSet<&str> = BTreeSet::new();
    let mut cats: BTreeSet<String> = BTreeSet::new();
    let mut matrix: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut tagged_per_doc: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pairs: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut tagged = 0;
    for h in hits {
        docs.insert(&h.path);
        if h.tags.is_empty() {
            continue;
        }
        tagged += 1;
        *tagged_per_doc.entry(&h.path).or_default() += 1;
        let mut here: Vec<&str> = h.tags.iter().map(|t| t.category.as_str()).collect();
        here.sort_unstable();
        here.dedup();
        for c in &here {
            cats.insert((*c).to_owned());
            *matrix
                .entry(h.path.clone())
                .or_default()
                .entry((*c).to_owned())
                .or_default() += 1;
        }
        for (i, a) in here.iter().enumerate() {
            for b in &here[i + 1..] {
                *pairs.entry(((*a).to_owned(), (*b).to_owned())).or_default() += 1;
            }
        }
    }
    let mut categories: Vec<String> = INDICATORS
        .iter()
        .filter(|c| cats.contains(**c))
        .map(|c| (*c).to_owned())
        .collect();
    categories.extend(
        cats.iter()
            .filter(|c| !INDICATORS.contains(&c.as_str()))
            .cloned(),
    );
    let mut top: Vec<(String, usize, usize)> = matrix
        .iter()
        .map(|(doc, row)| {
            let distinct = row
                .keys()
                .filter(|c| INDICATORS.contains(&c.as_str()))
                .count();
            (
                doc.clone(),
                distinct,
                tagged_per_doc.get(doc.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    let mut cooccurrence: Vec<(String, String, usize)> =
        pairs.into_iter().map(|((a, b), n)| (a, b, n)).collect();
    cooccurrence.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    Stats {
        documents: docs.len(),
        passages: hits.len(),
        tagged_passages: tagged,
        categories,
        matrix,
        top,
        cooccurrence,
    }
}
