//! Self-testing dictionaries: every rule's `match` / `no_match` sentences and every category's
//! `[[example]]` (expected modality, or `"none"`) run through the compiled tagger.
//!
//! A rule example checks the rule alone (it must fire, or not, after its vetoes), so a rule
//! with a weight below the threshold is still testable; a category example checks the outcome
//! (tagged with that modality, or not tagged). Failures read `file:rule: message`, e.g.
//! `bribery.toml:bribe-words: should match "The clerk took a bribe." but did not`.
//! `redflag dict test` prints [`run`]'s failures; `cargo test` runs it on the embedded set.

use super::Tagger;
use crate::codebook::{Codebook, CodebookError};

/// One failed example.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{rule}: {message}")]
pub struct Failure {
    /// Dictionary file.
    pub file: String,
    /// Rule id, or `example:LINE` for category examples.
    pub rule: String,
    /// What went wrong.
    pub message: String,
}

/// Result of a self-test run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Examples checked.
    pub checked: usize,
    /// Failures.
    pub failures: Vec<Failure>,
}

/// Compiles the codebook and runs every example in it.
pub fn run(codebook: &Codebook) -> Result<Report, CodebookError> {
    let tagger = Tagger::new(codebook)?;
    let mut report = Report::default();
    for cat in &codebook.categories {
        let positives = cat.examples.iter().filter(|e| e.modality.is_some()).count();
        if positives == 0 || positives == cat.examples.len() {
            report.failures.push(Failure {
                file: cat.file.clone(),
                rule: "example".into(),
                message: format!(
                    "category {} needs at least one tagged and one `none` [[example]]",
                    cat.id
                ),
            });
        }
        for rule in cat.rules.iter().chain(&cat.exclusions) {
            let name = format!("{}:{}", cat.id, rule.id);
            if rule.matches.is_empty() {
                report.failures.push(Failure {
                    file: cat.file.clone(),
                    rule: rule.id.clone(),
                    message: "no `match` example: show a sentence the rule tags".into(),
                });
            }
            for (text, want) in rule
                .matches
                .iter()
                .map(|t| (t, true))
                .chain(rule.no_match.iter().map(|t| (t, false)))
            {
                report.checked += 1;
                let got = tagger
                    .analyze_with(text, true)
                    .fired
                    .iter()
                    .any(|(_, r)| *r == name);
                if got != want {
                    report.failures.push(Failure {
                        file: cat.file.clone(),
                        rule: rule.id.clone(),
                        message: format!(
                            "should {}match {text:?} but {}",
                            if want { "" } else { "not " },
                            if want { "did not" } else { "did" }
                        ),
                    });
                }
            }
        }
        for ex in &cat.examples {
            report.checked += 1;
            let tagging = tagger.tag(&ex.text);
            let got = tagging.tags.iter().find(|t| t.category == cat.id);
            let problem = match (ex.modality, got) {
                (None, Some(t)) => Some(format!(
                    "should not tag {:?} but did (rule {})",
                    ex.text, t.rule
                )),
                (Some(m), None) => Some(format!("should tag {:?} ({m}) but did not", ex.text)),
                (Some(m), Some(t)) if t.modality != m => Some(format!(
                    "{:?}: modality {} expected, got {}{}",
                    ex.text,
                    m,
                    t.modality,
                    t.modality_cue
                        .as_ref()
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default()
                )),
                _ => None,
            };
            if let Some(message) = problem {
                report.failures.push(Failure {
                    file: cat.file.clone(),
                    rule: format!("example:{}", ex.line),
                    message,
                });
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{embedded, Source};

    #[test]
    fn embedded_examples_pass() {
        let cb = Codebook::from_sources(&embedded()).unwrap();
        let r = run(&cb).unwrap();
        let msgs: Vec<String> = r.failures.iter().map(|f| f.to_string()).collect();
        assert!(
            msgs.is_empty(),
            "{} failures:\n{}",
            msgs.len(),
            msgs.join("\n")
        );
        assert!(r.checked > 100, "only {} examples", r.checked);
    }

    #[test]
    fn failing_example_is_reported() {
        let cat = "id = \"c\"\nversion = \"1\"\nkind = \"category\"\ndescription = \"d\"\n\
                   [[rule]]\nid = \"r\"\nterms.en = [\"bribe*\"]\nmatch = [\"no such word\"]\n\
                   [[example]]\ntext = \"a bribe\"\nmodality = \"alleged\"\n";
        let cb = Codebook::from_sources(&[Source {
            name: "c.toml".into(),
            text: cat.into(),
        }])
        .unwrap();
        let r = run(&cb).unwrap();
        let msgs: Vec<String> = r.failures.iter().map(|f| f.to_string()).collect();
        assert_eq!(r.failures.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("needs at least one tagged and one `none`"));
        assert!(msgs[1].starts_with("c.toml:r: should match"));
        assert!(msgs[2].contains("modality alleged expected, got asserted"));
    }
}
