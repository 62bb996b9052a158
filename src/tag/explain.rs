//! Explanations in plain words: which categories were tagged, by which rules, on which words,
//! with which modality and why, and the entities found. `redflag explain` and `--explain` print
//! this; the same facts are in [`crate::model::Tag::rules`] for machines.
//!
//! Example output:
//!
//! ```text
//! bribery: alleged (score 1.00)
//!   rule bribery:bribe-words (weight 1.00) matched "bribes" [28, 34]
//!   modality: "alleged" by cue 'allegedly' (alleged-adverb) at [12, 21]
//! entities: money "$400" (USD 400) [40, 44]
//! ```

use crate::model::{Span, Tagging};

fn quote(text: &str, s: Span) -> String {
    let t = text.get(s.start..s.end).unwrap_or("?");
    format!("\"{t}\" [{}, {}]", s.start, s.end)
}

/// A plain-words explanation of a tagging of `text`.
pub fn explain(tagging: &Tagging, text: &str) -> String {
    let mut out = String::new();
    if tagging.tags.is_empty() {
        out.push_str("no category tagged: no rule reached its category's threshold\n");
    }
    for tag in &tagging.tags {
        out.push_str(&format!(
            "{}: {} (score {:.2})\n",
            tag.category, tag.modality, tag.score
        ));
        for r in &tag.rules {
            let words: Vec<String> = r.spans.iter().map(|s| quote(text, *s)).collect();
            out.push_str(&format!(
                "  rule {} (weight {:.2}) matched {}\n",
                r.rule,
                r.weight,
                words.join(", ")
            ));
        }
        match &tag.modality_cue {
            Some(c) => out.push_str(&format!("  modality: {c}\n")),
            None => out.push_str("  modality: asserted (no modality cue in scope)\n"),
        }
    }
    if !tagging.entities.is_empty() {
        let list: Vec<String> = tagging
            .entities
            .iter()
            .map(|e| {
                let v = e
                    .value
                    .as_ref()
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default();
                format!(
                    "{} \"{}\"{v} [{}, {}]",
                    e.kind, e.text, e.span.start, e.span.end
                )
            })
            .collect();
        out.push_str(&format!("entities: {}\n", list.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::codebook::{embedded, Codebook};
    use crate::tag::{explain, Tagger};

    #[test]
    fn explains_rules_and_cues() {
        let t = Tagger::new(&Codebook::from_sources(&embedded()).unwrap()).unwrap();
        let text = "The clerk allegedly took bribes of $400 to stamp passports.";
        let e = explain(&t.tag(text), text);
        assert!(e.contains("bribery: alleged"), "{e}");
        assert!(e.contains("\"bribes\""), "{e}");
        assert!(e.contains("money \"$400\" (USD 400)"), "{e}");
        assert!(explain(&t.tag("nothing here"), "nothing here").starts_with("no category"));
    }
}
