//! Masking for export: names from a list (`--mask FILE`) become `[name]`, phone numbers and
//! e-mail addresses (`--mask-contacts`) become `[phone]` and `[email]`, to protect victims and
//! witnesses in what is handed over.
//!
//! [`Masker::apply`] rewrites an [`Excerpt`]'s text, title and entities and moves every span
//! (tags, rules, entities) to the masked text: a span that touched a masked string covers its
//! placeholder, so highlights stay on the right words. A name in the path is masked too (the
//! report then gives no link to that file); page byte ranges (`range`) still point into the
//! original page text.

use super::Excerpt;
use crate::model::Span;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

/// Why a mask could not be built.
#[derive(Debug, thiserror::Error)]
pub enum MaskError {
    /// The name list could not be compiled.
    #[error("mask list: {0}")]
    Names(String),
}

/// Placeholder for a listed name.
pub const NAME: &str = "[name]";
/// Placeholder for a phone number.
pub const PHONE: &str = "[phone]";
/// Placeholder for an e-mail address.
pub const EMAIL: &str = "[email]";

/// The names of a mask file: one per line, blank lines and `#` comments skipped.
pub fn parse_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .lines()
        .map(|l| l.trim().trim_start_matches('\u{FEFF}').trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// One replacement in a string: `start..end` of the original becomes `with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Start byte in the original.
    pub start: usize,
    /// End byte (exclusive) in the original.
    pub end: usize,
    /// The placeholder.
    pub with: &'static str,
}

/// A compiled mask.
#[derive(Debug, Clone)]
pub struct Masker {
    names: Option<AhoCorasick>,
    contacts: bool,
    email: Regex,
    phone: Regex,
}

impl Masker {
    /// Names (matched whole-word, ASCII case-insensitively) and, if `contacts`, phone numbers
    /// and e-mail addresses.
    pub fn new(names: &[String], contacts: bool) -> Result<Masker, MaskError> {
        // ASCII letters match in any case; other scripts as written, in lower, upper and
        // title case (NGUYỄN, Nguyễn, nguyễn).
        let mut patterns: Vec<String> = Vec::with_capacity(names.len() * 4);
        for n in names.iter().filter(|n| !n.trim().is_empty()) {
            let title: String = n
                .split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map_or_else(String::new, |f| {
                        f.to_uppercase()
                            .chain(c.flat_map(char::to_lowercase))
                            .collect()
                    })
                })
                .collect::<Vec<_>>()
                .join(" ");
            for v in [n.clone(), n.to_lowercase(), n.to_uppercase(), title] {
                if !patterns.contains(&v) {
                    patterns.push(v);
                }
            }
        }
        let names = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&patterns)
                    .map_err(|e| MaskError::Names(e.to_string()))?,
            )
        };
        let email =
            Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
                .map_err(|e| MaskError::Names(e.to_string()))?;
        let phone = Regex::new(r"\+?\(?[0-9][0-9 ().\-/]{5,22}[0-9]")
            .map_err(|e| MaskError::Names(e.to_string()))?;
        Ok(Masker {
            names,
            contacts,
            email,
            phone,
        })
    }

    /// True when the mask replaces nothing.
    pub fn is_empty(&self) -> bool {
        self.names.is_none() && !self.contacts
    }

    /// The replacements for `s`, sorted and non-overlapping. `keep` are byte ranges that are
    /// never taken for phone numbers (amounts, dates and case numbers the tagger found).
    pub fn edits(&self, s: &str, keep: &[Span]) -> Vec<Edit> {
        let mut found: Vec<Edit> = Vec::new();
        if let Some(ac) = &self.names {
            for m in ac.find_iter(s) {
                if word_edge(s, m.start(), m.end()) {
                    found.push(Edit {
                        start: m.start(),
                        end: m.end(),
                        with: NAME,
                    });
                }
            }
        }
        if self.contacts {
            for m in self.email.find_iter(s) {
                found.push(Edit {
                    start: m.start(),
                    end: m.end(),
                    with: EMAIL,
                });
            }
            for m in self.phone.find_iter(s) {
                if is_phone(s, m.start(), m.end())
                    && !keep.iter().any(|k| k.start < m.end() && m.start() < k.end)
                {
                    found.push(Edit {
                        start: m.start(),
                        end: m.end(),
                        with: PHONE,
                    });
                }
            }
        }
        // Earliest first, then longest; drop what overlaps an edit already taken.
        found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut out: Vec<Edit> = Vec::with_capacity(found.len());
        for e in found {
            if out.last().is_none_or(|l| l.end <= e.start) {
                out.push(e);
            }
        }
        out
    }

    /// `s` with every edit applied.
    pub fn mask_str(&self, s: &str) -> String {
        apply_edits(s, &self.edits(s, &[]))
    }

    /// The excerpt with text, title and entities masked and every span moved to the masked
    /// text; also the number of replacements made in the text.
    pub fn apply(&self, e: &Excerpt) -> (Excerpt, usize) {
        let keep: Vec<Span> = e
            .entities
            .iter()
            .filter(|en| matches!(en.kind.as_str(), "money" | "date" | "case_number"))
            .map(|en| en.span)
            .collect();
        let edits = self.edits(&e.text, &keep);
        let mut out = e.clone();
        out.title = e.title.as_deref().map(|t| self.mask_str(t));
        out.path = self.mask_str(&e.path);
        if edits.is_empty() {
            return (out, 0);
        }
        out.text = apply_edits(&e.text, &edits);
        let mv = |s: Span| Span {
            start: map_offset(s.start, &edits, false),
            end: map_offset(s.end, &edits, true),
        };
        for t in &mut out.tags {
            t.spans = t.spans.iter().map(|s| mv(*s)).collect();
            t.spans.dedup();
            for r in &mut t.rules {
                r.spans = r.spans.iter().map(|s| mv(*s)).collect();
                r.spans.dedup();
            }
            if let Some(cue) = &t.modality_cue {
                t.modality_cue = Some(self.mask_str(cue));
            }
        }
        for en in &mut out.entities {
            en.span = mv(en.span);
            en.text = out
                .text
                .get(en.span.start..en.span.end)
                .map_or_else(|| self.mask_str(&en.text), str::to_owned);
            en.value = en.value.as_deref().map(|v| self.mask_str(v));
        }
        (out, edits.len())
    }
}

/// `s` with `edits` (sorted, non-overlapping) applied.
pub fn apply_edits(s: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for e in edits {
        if e.start < at || e.end > s.len() {
            continue;
        }
        out.push_str(&s[at..e.start]);
        out.push_str(e.with);
        at = e.end;
    }
    out.push_str(&s[at..]);
    out
}

/// Where offset `pos` of the original lands in the masked string. An offset inside a masked
/// string goes to the placeholder's start (`end = false`) or end (`end = true`), so a span
/// that touched it covers the whole placeholder.
pub fn map_offset(pos: usize, edits: &[Edit], end: bool) -> usize {
    let mut shift: isize = 0;
    for e in edits {
        let new_start = (e.start as isize + shift) as usize;
        if pos <= e.start {
            break;
        }
        if pos < e.end {
            return if end {
                new_start + e.with.len()
            } else {
                new_start
            };
        }
        shift += e.with.len() as isize - (e.end - e.start) as isize;
    }
    (pos as isize + shift).max(0) as usize
}

fn word_edge(s: &str, start: usize, end: usize) -> bool {
    let before = s[..start].chars().next_back();
    let after = s[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// A candidate is a phone number when it has 7 to 15 digits, is not glued to a word, a
/// case number or an amount, and is not a date.
fn is_phone(s: &str, start: usize, end: usize) -> bool {
    let m = &s[start..end];
    let digits = m.bytes().filter(u8::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return false;
    }
    let before = s[..start].chars().next_back();
    let after = s[end..].chars().next();
    if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '/' | '#' | '.' | ',' | '_'))
        || after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '/' | '_'))
    {
        return false;
    }
    // Dates: 2019-03-01, 01/03/2019, 1.3.2019 and ranges of years.
    let groups: Vec<&str> = m
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    if let [a, b, c] = groups[..] {
        let ymd = a.len() == 4 && b.len() <= 2 && c.len() <= 2;
        let dmy = a.len() <= 2 && b.len() <= 2 && (c.len() == 4 || c.len() == 2);
        if ymd || dmy {
            return false;
        }
    }
    if groups
        .iter()
        .all(|g| g.len() == 4 && (g.starts_with("19") || g.starts_with("20")))
    {
        return false;
    }
    // Amounts: a currency sign or code just before.
    let head = &s[..start];
    let head = head.trim_end();
    let tail: String = head
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let currency = [
        "$", "€", "£", "¥", "₱", "฿", "₫", "₹", "Rp", "USD", "EUR", "THB", "IDR", "VND", "PHP",
        "MYR", "GBP", "INR", "MMK", "KHR", "LAK", "BDT",
    ];
    if currency.iter().any(|c| tail.ends_with(c)) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::excerpt;
    use crate::model::Entity;

    #[test]
    fn names_are_masked_whole_word_and_case_insensitively() {
        let m = Masker::new(&parse_names("# witnesses\nMaria Santos\n\nAna\n"), false).unwrap();
        assert_eq!(
            m.mask_str("maria santos met Ana and Anatoly; MARIA SANTOS left."),
            "[name] met [name] and Anatoly; [name] left."
        );
        assert!(!m.is_empty());
        assert!(Masker::new(&[], false).unwrap().is_empty());
    }

    #[test]
    fn names_in_other_scripts_match_in_lower_upper_and_title_case() {
        let m = Masker::new(&["Nguyễn Văn Ánh".to_owned()], false).unwrap();
        assert_eq!(
            m.mask_str("NGUYỄN VĂN ÁNH, nguyễn văn ánh and Nguyễn Văn Ánh"),
            "[name], [name] and [name]"
        );
        let mut e = excerpt("statements/Nguyễn Văn Ánh.txt", 1, 1, "x", &[]);
        e.title = None;
        assert_eq!(m.apply(&e).0.path, "statements/[name].txt");
    }

    #[test]
    fn contacts_are_masked_but_dates_amounts_and_case_numbers_are_not() {
        let m = Masker::new(&[], true).unwrap();
        let s = "Call +63 917 555 0142 or (02) 8123-4567, mail j.doe@example.org. \
                 On 2019-03-01 he paid THB 5000000 and USD 1 250 000; case CR-2019-00118; 2019 2020 2021.";
        assert_eq!(
            m.mask_str(s),
            "Call [phone] or [phone], mail [email]. \
             On 2019-03-01 he paid THB 5000000 and USD 1 250 000; case CR-2019-00118; 2019 2020 2021."
        );
    }

    #[test]
    fn spans_follow_the_masked_text() {
        let text = "Maria Santos said officer Tan took a bribe; call 0917 555 0142.";
        let bribe = text.find("bribe").unwrap();
        let maria = (0, 12);
        let mut e = excerpt("a.txt", 1, 1, text, &[(bribe, bribe + 5), (6, 17)]);
        e.entities.push(Entity {
            kind: "role".into(),
            text: "officer".into(),
            value: None,
            span: Span::from((18, 25)),
        });
        e.title = Some("Statement of Maria Santos".into());
        let m = Masker::new(&["Maria Santos".to_owned()], true).unwrap();
        let (out, n) = m.apply(&e);
        assert_eq!(n, 2);
        assert_eq!(
            out.text,
            "[name] said officer Tan took a bribe; call [phone]."
        );
        assert_eq!(out.title.as_deref(), Some("Statement of [name]"));
        let s = out.tags[0].spans[0];
        assert_eq!(&out.text[s.start..s.end], "bribe");
        // A span that started inside the name now covers the placeholder.
        let s = out.tags[0].spans[1];
        assert_eq!(&out.text[s.start..s.end], "[name] said");
        assert_eq!(out.tags[0].rules[0].spans, out.tags[0].spans);
        assert_eq!(out.entities[0].text, "officer");
        assert_eq!(
            &out.text[out.entities[0].span.start..out.entities[0].span.end],
            "officer"
        );
        let _ = maria;
        // Every span stays on character boundaries inside the text.
        for t in &out.tags {
            for s in &t.spans {
                assert!(out.text.get(s.start..s.end).is_some());
            }
        }
    }

    #[test]
    fn offsets_map_before_inside_and_after_edits() {
        let edits = [Edit {
            start: 4,
            end: 10,
            with: "[x]",
        }];
        assert_eq!(map_offset(2, &edits, false), 2);
        assert_eq!(map_offset(4, &edits, false), 4);
        assert_eq!(map_offset(6, &edits, false), 4);
        assert_eq!(map_offset(6, &edits, true), 7);
        assert_eq!(map_offset(10, &edits, true), 7);
        assert_eq!(map_offset(12, &edits, false), 9);
    }

    #[test]
    fn an_entity_keeps_its_number_from_the_phone_mask() {
        let mut e = excerpt("a.txt", 1, 1, "Case 555 0142 991 was closed.", &[]);
        e.entities.push(Entity {
            kind: "case_number".into(),
            text: "555 0142 991".into(),
            value: None,
            span: Span::from((5, 18)),
        });
        let m = Masker::new(&[], true).unwrap();
        assert_eq!(m.apply(&e).0.text, e.text);
        e.entities.clear();
        assert_eq!(m.apply(&e).0.text, "Case [phone] was closed.");
    }
}
