//! Modality: how a text presents each tag (asserted, alleged, established, denied, negated,
//! hypothetical), decided NegEx/ConText style from cue words in `dictionaries/modality.toml`.
//!
//! A cue has a modality, a scope and a window: `forward` cues ("allegedly", "may") cover the
//! words after them, `backward` cues ("..., the indictment says") the words before them,
//! `sentence` cues their whole sentence, `passage` cues (attributions like "according to the
//! lawsuit") the whole text but only when no cue inside the tag's own sentences applies.
//! Forward and backward scopes stop at a terminator ("but", "however", "although").
//!
//! For one tag, every matched span collects the cues whose scope covers it; the strongest cue
//! wins by this order: established > denied > negated > alleged > hypothetical > asserted (a
//! conviction outranks the accusation it settles; a denial or "no evidence" outranks the claim
//! it answers). No cue: asserted. The passage-level modality is then the taxonomy's precedence
//! over the corruption tags (established > asserted > denied > negated > alleged >
//! hypothetical), which the gold scorer applies itself.
//!
//! Example: "The officer allegedly accepted bribes" → bribery, alleged by cue 'allegedly'.

use super::text::Layout;
use super::Hits;
use crate::codebook::{Codebook, CueScope, Term};
use crate::model::{Modality, Span};

#[derive(Debug)]
struct CCue {
    id: String,
    modality: Modality,
    scope: CueScope,
    window: u32,
    set: u32,
}

/// Compiled cues.
#[derive(Debug)]
pub(crate) struct Compiled {
    cues: Vec<CCue>,
    terminators: Option<u32>,
}

/// Strength of a cue's modality for one tag (lower is stronger).
fn strength(m: Modality) -> u8 {
    match m {
        Modality::Established => 0,
        Modality::Denied => 1,
        Modality::Negated => 2,
        Modality::Alleged => 3,
        Modality::Hypothetical => 4,
        Modality::Asserted => 5,
    }
}

impl Compiled {
    pub fn new(cb: &Codebook, add: &mut dyn FnMut(&[Term]) -> u32) -> Compiled {
        let cues = cb
            .cues
            .iter()
            .map(|c| CCue {
                id: c.id.clone(),
                modality: c.modality,
                scope: c.scope,
                window: c.window,
                set: add(&c.terms),
            })
            .collect();
        let terminators = (!cb.terminators.is_empty()).then(|| add(&cb.terminators));
        Compiled { cues, terminators }
    }

    fn blocked(&self, hits: &Hits, layout: &Layout, from: usize, to: usize) -> bool {
        let Some(t) = self.terminators else {
            return false;
        };
        let _ = layout;
        hits.of(t)
            .iter()
            .any(|h| h.start as usize >= from && (h.end as usize) <= to)
    }

    /// The modality of a tag with these spans, and the cue that decided it.
    pub fn decide(
        &self,
        spans: &[Span],
        text: &str,
        hits: &Hits,
        layout: &Layout,
    ) -> (Modality, Option<String>) {
        // (weak, strength, distance, cue index, hit)
        let mut best: Option<(bool, u8, u32, usize, (u32, u32))> = None;
        for span in spans {
            let sent = layout.sentence_of(span.start);
            let sr = (span.start, span.end);
            for (ci, c) in self.cues.iter().enumerate() {
                for h in hits.of(c.set) {
                    let hr = (h.start as usize, h.end as usize);
                    let same = layout.sentence_of(hr.0) == sent;
                    let dist = layout.distance(hr, sr);
                    let before = hr.1 <= sr.1 && hr.0 <= sr.0;
                    let after = hr.0 >= sr.0 && hr.1 >= sr.1;
                    let ok_fwd = same
                        && before
                        && dist <= c.window
                        && !self.blocked(hits, layout, hr.1, sr.0);
                    let ok_bwd = same
                        && after
                        && dist <= c.window
                        && !self.blocked(hits, layout, sr.1, hr.0);
                    let (ok, weak) = match c.scope {
                        CueScope::Forward => (ok_fwd, false),
                        CueScope::Backward => (ok_bwd, false),
                        CueScope::Both => (ok_fwd || ok_bwd, false),
                        CueScope::Sentence => (same, false),
                        CueScope::Passage => (true, !same),
                    };
                    if !ok {
                        continue;
                    }
                    let cand = (weak, strength(c.modality), dist, ci, (h.start, h.end));
                    if best.is_none_or(|b| (cand.0, cand.1, cand.2) < (b.0, b.1, b.2)) {
                        best = Some(cand);
                    }
                }
            }
        }
        match best {
            None => (Modality::Asserted, None),
            Some((_, _, _, ci, (s, e))) => {
                let c = &self.cues[ci];
                let word = text.get(s as usize..e as usize).unwrap_or("");
                (
                    c.modality,
                    Some(format!(
                        "\"{}\" by cue '{}' ({}) at [{}, {}]",
                        c.modality, word, c.id, s, e
                    )),
                )
            }
        }
    }
}
