//! The automaton pass: every occurrence of every codebook literal in a folded text.
//!
//! The literals are compiled into an aho-corasick DFA (a contiguous NFA when a codebook is
//! too large for the DFA's size limit) with standard semantics, walked by hand through the
//! crate's [`Automaton`] interface so that every occurrence is reported, overlapping ones
//! included ("tip" and "tip off", "no" and "no one").
//!
//! The walk is latency-bound: each byte's transition waits for the load of the previous state.
//! A text is therefore cut in two parts walked in lockstep by two independent states, whose
//! loads the CPU overlaps (1.4–1.5× here on English text). The first walk runs
//! `max_len - 1` bytes past the cut and keeps only occurrences that start before it; the
//! second starts at the cut from the root state, so it sees exactly the occurrences that start
//! at or after the cut. Every occurrence is reported once, in no particular order.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{dfa, nfa::contiguous, Anchored, BuildError, MatchKind};

/// Texts shorter than this are walked by one state: the split would not pay.
const MIN_SPLIT: usize = 64;

enum Matcher {
    Dfa(dfa::DFA),
    Nfa(contiguous::NFA),
}

/// A compiled set of literals.
pub(crate) struct Literals {
    matcher: Matcher,
    patterns: usize,
    max_len: usize,
}

impl std::fmt::Debug for Literals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Literals")
            .field("patterns", &self.patterns)
            .field("max_len", &self.max_len)
            .field("bytes", &self.memory_usage())
            .finish()
    }
}

impl Literals {
    /// Compiles the literals; pattern ids are their positions in `patterns`.
    pub fn new(patterns: &[&str]) -> Result<Literals, BuildError> {
        let matcher = match dfa::Builder::new()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(patterns)
        {
            Ok(d) => Matcher::Dfa(d),
            Err(_) => Matcher::Nfa(
                contiguous::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(patterns)?,
            ),
        };
        Ok(Literals {
            matcher,
            patterns: patterns.len(),
            max_len: patterns.iter().map(|p| p.len()).max().unwrap_or(0),
        })
    }

    /// Number of literals.
    pub fn patterns_len(&self) -> usize {
        self.patterns
    }

    /// Heap bytes of the automaton.
    pub fn memory_usage(&self) -> usize {
        match &self.matcher {
            Matcher::Dfa(a) => a.memory_usage(),
            Matcher::Nfa(a) => a.memory_usage(),
        }
    }

    /// Calls `f(pattern, start, end)` for every occurrence in `hay`, in no particular order.
    pub fn for_each(&self, hay: &[u8], f: impl FnMut(usize, usize, usize)) {
        match &self.matcher {
            Matcher::Dfa(a) => walk(a, hay, self.max_len, f),
            Matcher::Nfa(a) => walk(a, hay, self.max_len, f),
        }
    }
}

/// Reports the occurrences ending at `at` (inclusive) that start before `limit`.
#[inline(always)]
fn report<A: Automaton>(
    aut: &A,
    sid: StateID,
    at: usize,
    limit: usize,
    f: &mut impl FnMut(usize, usize, usize),
) {
    if !(aut.is_special(sid) && aut.is_match(sid)) {
        return;
    }
    for i in 0..aut.match_len(sid) {
        let pid = aut.match_pattern(sid, i);
        let end = at + 1;
        let start = end - aut.pattern_len(pid);
        if start < limit {
            f(pid.as_usize(), start, end);
        }
    }
}

/// Walks `hay[from..to]` from state `sid`, reporting occurrences that start before `limit`.
fn single<A: Automaton>(
    aut: &A,
    mut sid: StateID,
    hay: &[u8],
    from: usize,
    limit: usize,
    f: &mut impl FnMut(usize, usize, usize),
) {
    for (at, &b) in hay.iter().enumerate().skip(from) {
        sid = aut.next_state(Anchored::No, sid, b);
        report(aut, sid, at, limit, f);
    }
}

fn walk<A: Automaton>(aut: &A, hay: &[u8], max_len: usize, mut f: impl FnMut(usize, usize, usize)) {
    let Ok(root) = aut.start_state(Anchored::No) else {
        return;
    };
    let len = hay.len();
    let overlap = max_len.saturating_sub(1);
    if len < MIN_SPLIT.max(2 * overlap + 2) {
        single(aut, root, hay, 0, len, &mut f);
        return;
    }
    // Equal walks: the first covers [0, cut + overlap), the second [cut, len).
    let cut = (len - overlap) / 2;
    let (one, two) = (&hay[..cut + overlap], &hay[cut..]);
    let steps = one.len().min(two.len());
    let (mut s1, mut s2) = (root, root);
    for i in 0..steps {
        s1 = aut.next_state(Anchored::No, s1, one[i]);
        s2 = aut.next_state(Anchored::No, s2, two[i]);
        report(aut, s1, i, cut, &mut f);
        report(aut, s2, cut + i, len, &mut f);
    }
    single(aut, s1, one, steps, cut, &mut f);
    let mut shifted = |p, s, e| f(p, cut + s, cut + e);
    single(aut, s2, two, steps, len, &mut shifted);
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasick;

    fn sorted(lits: &Literals, hay: &str) -> Vec<(usize, usize, usize)> {
        let mut v = Vec::new();
        lits.for_each(hay.as_bytes(), |p, s, e| v.push((p, s, e)));
        v.sort_unstable();
        v
    }

    #[test]
    fn same_occurrences_as_the_crate_at_every_length_and_cut() {
        let pats = [
            "no",
            "no one",
            "tip",
            "tip off",
            "off",
            "a",
            "aaaa",
            "police officer took",
            "o",
        ];
        let lits = Literals::new(&pats).unwrap();
        let reference = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(pats)
            .unwrap();
        let base = "no one saw the police officer took a tip off aaaaa. tip offno ";
        for n in 0..base.len() * 3 {
            let hay: String = base.chars().cycle().skip(n % 7).take(n).collect();
            let mut want: Vec<_> = reference
                .find_overlapping_iter(&hay)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            want.sort_unstable();
            assert_eq!(sorted(&lits, &hay), want, "length {n}: {hay:?}");
        }
    }

    #[test]
    fn empty_inputs() {
        let lits = Literals::new(&["x"]).unwrap();
        assert!(sorted(&lits, "").is_empty());
        let none = Literals::new(&[]).unwrap();
        assert!(sorted(&none, "anything at all").is_empty());
    }
}
