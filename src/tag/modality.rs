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

/// A cue's index and its byte range.
type CueHit = (usize, (usize, usize));

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
    negators: Option<u32>,
}

/// Words after a negator within which an allegation cue is part of what did not happen
/// ("did not report investigating, prosecuting or convicting officials for alleged complicity").
const NEGATOR_REACH_ALLEGED: u32 = 10;

/// Words after a negator within which a conviction cue is negated ("nor were any government
/// officials convicted").
const NEGATOR_REACH_ESTABLISHED: u32 = 6;

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
        let negators = (!cb.negators.is_empty()).then(|| add(&cb.negators));
        Compiled {
            cues,
            terminators,
            negators,
        }
    }

    fn blocked(&self, hits: &Hits, from: usize, to: usize) -> bool {
        let Some(t) = self.terminators else {
            return false;
        };
        hits.of(t)
            .iter()
            .any(|h| h.start as usize >= from && (h.end as usize) <= to)
    }

    /// The modality of a tag whose rule matches are `units` (each a group of spans), and the
    /// cue that decided it.
    ///
    /// Per unit: the strongest cue in scope of any of its spans ("local"); a conviction, denial
    /// or negation anywhere in the text outranks a weaker local cue (it answers the claim);
    /// without a local cue an attribution anywhere in the text ("according to the lawsuit")
    /// applies; else asserted. Units combine by the taxonomy's precedence. Cue words inside a
    /// matched span are part of the indicator, not cues, and a cue inside a longer cue yields
    /// to it ("according to research" is not "according to").
    pub fn decide(
        &self,
        units: &[Vec<Span>],
        text: &str,
        hits: &Hits,
        layout: &Layout,
    ) -> (Modality, Option<String>) {
        let spans: Vec<&Span> = units.iter().flatten().collect();
        let mut cues: Vec<(usize, (usize, usize))> = Vec::new();
        for (ci, c) in self.cues.iter().enumerate() {
            for h in hits.of(c.set) {
                let hr = (h.start as usize, h.end as usize);
                // A cue word inside a short literal match is part of the indicator ("if they
                // did not pay"); long regex or proximity spans keep their inner cues.
                if spans
                    .iter()
                    .any(|s| s.start <= hr.0 && hr.1 <= s.end && s.end - s.start <= 40)
                {
                    continue;
                }
                cues.push((ci, hr));
            }
        }
        let inside = |a: (usize, usize), b: (usize, usize)| {
            b.0 <= a.0 && a.1 <= b.1 && (b.1 - b.0) > (a.1 - a.0)
        };
        // An allegation or conviction cue in the clause of a negator before it is not one:
        // "not convicted", "nor were any officials convicted", "did not report investigating
        // officials for alleged complicity" (the allegation is the object of what was not
        // done; the statement itself is the author's).
        let negated = |ci: usize, hr: (usize, usize)| {
            let reach = match self.cues[ci].modality {
                Modality::Alleged => NEGATOR_REACH_ALLEGED,
                Modality::Established => NEGATOR_REACH_ESTABLISHED,
                _ => return false,
            };
            let Some(n) = self.negators else {
                return false;
            };
            hits.of(n).iter().any(|h| {
                let nr = (h.start as usize, h.end as usize);
                nr.1 <= hr.0
                    && layout.sentence_of(nr.0) == layout.sentence_of(hr.0)
                    && layout.distance(nr, hr) <= reach
                    && !self.blocked(hits, nr.1, hr.0)
            })
        };
        let cues: Vec<(usize, (usize, usize))> = cues
            .iter()
            .filter(|(_, a)| !cues.iter().any(|(_, b)| inside(*a, *b)))
            .filter(|(ci, hr)| !negated(*ci, *hr))
            .copied()
            .collect();
        // Passage-scope cues: strong ones (conviction, denial, negation) answer the claim
        // wherever they are in its paragraph; weak ones (attribution) apply where no local
        // cue does. A paragraph, not the whole passage: a passage cut from a PDF page can
        // hold the paragraph before, which speaks of something else.
        let passage = |strong: bool, paragraph: usize| {
            cues.iter()
                .filter(|(ci, _)| self.cues[*ci].scope == CueScope::Passage)
                .filter(|(ci, _)| (strength(self.cues[*ci].modality) <= 2) == strong)
                .filter(|(_, hr)| layout.paragraph_of(hr.0) == paragraph)
                .min_by_key(|(ci, hr)| (strength(self.cues[*ci].modality), hr.0))
        };
        let mut decided: Option<(Modality, Option<CueHit>)> = None;
        for unit in units {
            let mut local: Option<(u8, u32, usize, (usize, usize))> = None;
            for span in unit {
                let sent = layout.sentence_of(span.start);
                let sr = (span.start, span.end);
                for &(ci, hr) in &cues {
                    let c = &self.cues[ci];
                    let same = layout.sentence_of(hr.0) == sent;
                    if !same {
                        continue;
                    }
                    let dist = layout.distance(hr, sr);
                    let ok_fwd =
                        hr.1 <= sr.0 && dist <= c.window && !self.blocked(hits, hr.1, sr.0);
                    let ok_bwd =
                        hr.0 >= sr.1 && dist <= c.window && !self.blocked(hits, sr.1, hr.0);
                    // A cue inside a long match (a regex over a whole clause) covers it.
                    let within = hr.0 >= sr.0 && hr.1 <= sr.1;
                    let ok = within
                        || match c.scope {
                            CueScope::Forward => ok_fwd,
                            CueScope::Backward => ok_bwd,
                            CueScope::Both => ok_fwd || ok_bwd,
                            CueScope::Sentence | CueScope::Passage => true,
                        };
                    if !ok {
                        continue;
                    }
                    let cand = (strength(c.modality), dist, ci, hr);
                    if local.is_none_or(|l| (cand.0, cand.1) < (l.0, l.1)) {
                        local = Some(cand);
                    }
                }
            }
            // An allegation in an earlier sentence carries over to a sentence without cues
            // ("X was charged with ... He took cash ...").
            let first = unit.iter().map(|s| s.start).min().unwrap_or(0);
            let first_sent = layout.sentence_of(first);
            let paragraph = layout.paragraph_of(first);
            let (strong, weak) = (passage(true, paragraph), passage(false, paragraph));
            let earlier = || {
                cues.iter()
                    .filter(|(ci, hr)| {
                        self.cues[*ci].modality == Modality::Alleged
                            && layout.sentence_of(hr.0) < first_sent
                            && layout.paragraph_of(hr.0) == paragraph
                    })
                    .max_by_key(|(_, hr)| hr.0)
                    .copied()
            };
            let pick = match (local, strong) {
                (Some(l), Some(&(sci, shr))) if strength(self.cues[sci].modality) < l.0 => {
                    Some((sci, shr))
                }
                (Some(l), _) => Some((l.2, l.3)),
                (None, Some(&s)) => Some(s),
                (None, None) => weak.copied().or_else(earlier),
            };
            let m = pick
                .map(|(ci, _)| self.cues[ci].modality)
                .unwrap_or(Modality::Asserted);
            if decided.as_ref().is_none_or(|(d, _)| m.rank() < d.rank()) {
                decided = Some((m, pick));
            }
        }
        match decided {
            None | Some((_, None)) => (Modality::Asserted, None),
            Some((m, Some((ci, (s, e))))) => {
                let c = &self.cues[ci];
                let word = text.get(s..e).unwrap_or("");
                (
                    m,
                    Some(format!(
                        "\"{}\" by cue '{}' ({}) at [{}, {}]",
                        c.modality, word, c.id, s, e
                    )),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::codebook::{Codebook, Source};
    use crate::model::Modality;
    use crate::tag::Tagger;

    /// One category whose only rule is the bribe word in each language, and the shipped
    /// modality cues: the cases below test the cues, not the category rules.
    fn tagger() -> Tagger {
        let cat = "id = \"bribe\"\nversion = \"1\"\nkind = \"category\"\ndescription = \"d\"\n\
                   [[rule]]\nid = \"w\"\nterms.en = [\"brib*\"]\nterms.id = [\"suap\"]\n\
                   terms.ms = [\"rasuah\"]\nterms.tl = [\"suhol\", \"lagay\"]\n\
                   terms.vi = [\"hối lộ\"]\nterms.th = [\"สินบน\"]\n";
        let cb = Codebook::from_sources(&[
            Source {
                name: "modality.toml".into(),
                text: include_str!("../../dictionaries/modality.toml").into(),
            },
            Source {
                name: "bribe.toml".into(),
                text: cat.into(),
            },
        ])
        .unwrap();
        Tagger::new(&cb).unwrap()
    }

    fn check(cases: &[(&str, Modality)]) {
        let t = tagger();
        let mut wrong = Vec::new();
        for (text, want) in cases {
            let got = t.tag(text);
            let m = got.tags.first().map(|t| t.modality);
            if m != Some(*want) {
                wrong.push(format!("{text:?}: want {want:?}, got {m:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    use Modality::*;

    #[test]
    fn english_attribution_binds_to_its_clause() {
        check(&[
            ("The border guard took bribes at the crossing.", Asserted),
            (
                "Witnesses said the border guard took bribes at the crossing.",
                Alleged,
            ),
            (
                "The border guard took bribes, the indictment says.",
                Alleged,
            ),
            (
                "The clerk was charged with taking bribes from recruiters.",
                Alleged,
            ),
            ("The mayor was arrested for accepting bribes.", Alleged),
            ("Two wardens are under investigation for bribery.", Alleged),
            (
                "Prosecutors believe the ring ran for years. The clerk took bribes for each visa.",
                Alleged,
            ),
        ]);
    }

    #[test]
    fn english_outcomes_and_answers() {
        check(&[
            (
                "The inspector pleaded guilty to taking bribes.",
                Established,
            ),
            (
                "A jury convicted the sergeant of soliciting bribes.",
                Established,
            ),
            (
                "He admitted he had accepted bribes from the brothel owner.",
                Established,
            ),
            (
                "The minister denied that he had accepted any bribes.",
                Denied,
            ),
            (
                "The ministry rejected allegations that staff took bribes.",
                Denied,
            ),
            ("The court acquitted the officer of taking bribes.", Negated),
            (
                "Investigators found no evidence that the guard took bribes.",
                Negated,
            ),
        ]);
    }

    #[test]
    fn english_possibility_and_law() {
        check(&[
            (
                "Low pay may push some guards to accept bribes.",
                Hypothetical,
            ),
            (
                "Officials could be tempted to take bribes at remote posts.",
                Hypothetical,
            ),
            (
                "Bribery of a public official is punishable by ten years.",
                Hypothetical,
            ),
            (
                "The convention requires states to criminalize bribery.",
                Hypothetical,
            ),
        ]);
    }

    #[test]
    fn negated_action_keeps_the_authors_voice() {
        check(&[
            // The allegation is the object of what the government did not do.
            (
                "The government did not report investigating or prosecuting officials for alleged bribery.",
                Asserted,
            ),
            // Descriptors are not attributions.
            ("Guards took bribes to free suspected traffickers.", Asserted),
            // Concessive background is the author's frame, not an attribution.
            (
                "Despite reports of officials taking bribes, no one has been prosecuted.",
                Asserted,
            ),
            (
                "According to the UNODC, bribery of border officials sustains smuggling.",
                Asserted,
            ),
            // A conviction under a negator is none.
            ("No officials were ever convicted, though guards openly took bribes.", Asserted),
        ]);
    }

    #[test]
    fn indonesian_and_malay() {
        check(&[
            ("Kepala kantor itu diduga menerima suap dari calo.", Alleged),
            ("Menurut polisi, petugas menerima suap dari agen.", Alleged),
            (
                "Petugas itu ditetapkan sebagai tersangka kasus suap.",
                Alleged,
            ),
            (
                "Hakim memvonis terdakwa; ia divonis empat tahun karena suap.",
                Established,
            ),
            (
                "Pejabat itu membantah menerima suap dari perusahaan.",
                Denied,
            ),
            ("Tuduhan suap itu tidak terbukti di pengadilan.", Negated),
            ("Pegawai yang rawan suap perlu diawasi.", Hypothetical),
            ("Pegawai imigresen itu didakwa menerima rasuah.", Alleged),
            (
                "Mahkamah mensabitkan pegawai itu atas kesalahan rasuah.",
                Established,
            ),
            ("Pegawai itu menafikan menerima rasuah.", Denied),
        ]);
    }

    #[test]
    fn tagalog() {
        check(&[
            ("Tumanggap umano ng suhol ang mga tauhan ng BI.", Alleged),
            ("Ayon sa senador, may lagay sa bawat pasahero.", Alleged),
            (
                "Hinatulan ang opisyal dahil sa pagtanggap ng suhol.",
                Established,
            ),
            (
                "Mariing itinanggi ng hepe na tumanggap siya ng suhol.",
                Denied,
            ),
            (
                "Walang ebidensya na tumanggap ng suhol ang kawani.",
                Negated,
            ),
            (
                "Maaaring humingi ng lagay ang ilang tiwaling kawani.",
                Hypothetical,
            ),
        ]);
    }

    #[test]
    fn vietnamese() {
        check(&[
            (
                "Cán bộ hải quan bị cáo buộc nhận hối lộ của đường dây.",
                Alleged,
            ),
            ("Theo cơ quan điều tra, cán bộ đã nhận hối lộ.", Alleged),
            (
                "Tòa tuyên phạt cựu cán bộ 8 năm tù về tội nhận hối lộ.",
                Established,
            ),
            ("Ông ta phủ nhận việc nhận hối lộ.", Denied),
            ("Không có bằng chứng cho thấy cán bộ nhận hối lộ.", Negated),
            ("Cán bộ có thể nhận hối lộ để làm ngơ.", Hypothetical),
        ]);
    }

    #[test]
    fn thai() {
        check(&[
            ("เจ้าหน้าที่ถูกกล่าวหาว่ารับสินบนจากนายหน้า", Alleged),
            ("ศาลพิพากษาจำคุกเจ้าหน้าที่ที่รับสินบน", Established),
            ("ผู้กำกับปฏิเสธว่าไม่ได้รับสินบน", Denied),
            ("คณะกรรมการไม่พบหลักฐานว่ามีการรับสินบน", Negated),
            ("เจ้าหน้าที่อาจรับสินบนเพื่อปล่อยรถผ่านด่าน", Hypothetical),
        ]);
    }
}
