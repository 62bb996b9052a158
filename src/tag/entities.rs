//! Entities: money amounts, official roles, agencies, countries, case numbers and dates.
//!
//! Roles, agencies and countries are the hits of lexicons that declare `entity = "role"`,
//! `"agency"` or `"country"` (from the same automaton pass as the rules). Money, case numbers
//! and dates are regular expressions that run only when a trigger literal was hit: a currency
//! lexicon (`entity = "currency"`: "$", "baht", "ringgit", "RM", "rupiah", "peso", "kyat",
//! "dong", "taka", ...), a month name, or a docket word ("case no.", "docket", "G.R. No.").
//! Money gets a normalised value: "RM 10" → `MYR 10`, "$3 million" → `USD 3000000`,
//! "12,000 บาท" → `THB 12000`. Dates get ISO values when complete: "March 20, 2003" →
//! `2003-03-20`. All regexes avoid Unicode `\b`/`\d` so they stay on the fast DFA.

use super::Hits;
use crate::codebook::{Codebook, Term};
use crate::model::{Entity, Span};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const MONTHS_ID: &[&str] = &[
    "januari",
    "februari",
    "maret",
    "april",
    "mei",
    "juni",
    "juli",
    "agustus",
    "september",
    "oktober",
    "november",
    "desember",
];

static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:(?P<pre>US\$|USD|S\$|A\$|HK\$|RM|Rp\.?|PHP|₱|THB|฿|VND|₫|MMK|BDT|৳|Tk\.?|€|£|¥|EUR|GBP|MYR|IDR|SGD|\$)[ \u{a0}]?",
        r"(?P<n1>[0-9](?:[0-9.,]*[0-9])?)(?:[ \u{a0}]?(?P<m1>million|billion|thousand|juta|miliar|ribu|triệu|tỷ|nghìn|ล้าน|พัน|bn|m|k)(?:[^a-z]|$))?",
        r"|(?P<n2>[0-9](?:[0-9.,]*[0-9])?)(?:[ \u{a0}]?(?P<m2>million|billion|thousand|juta|miliar|ribu|triệu|tỷ|nghìn|ล้าน|พัน))?[ \u{a0}]?",
        r"(?P<post>baht|บาท|ringgit|rupiah|pesos?|piso|kyats?|đồng|dong|taka|dollars?|euros?|pounds?|rands?|USD|THB|MYR|IDR|PHP|VND|MMK|BDT|EUR|GBP))"
    ))
    .expect("money regex is valid")
});

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let m = "(?P<mon>january|february|march|april|may|june|july|august|september|october|november|december|januari|februari|maret|mei|juni|juli|agustus|oktober|desember|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)";
    let m2 = m.replace("?P<mon>", "?P<mon2>");
    Regex::new(&format!(
        r"(?i)(?:(?P<d1>[0-9]{{1,2}})(?:st|nd|rd|th)?[ ]{m}\.?,?[ ](?P<y1>[0-9]{{4}})|{m2}\.?[ ](?P<d2>[0-9]{{1,2}})(?:st|nd|rd|th)?,?[ ](?P<y2>[0-9]{{4}})|(?P<iso>[12][0-9]{{3}}-[01][0-9]-[0-3][0-9]))"
    ))
    .expect("date regex is valid")
});

static CASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:case|docket|criminal case|civil action|g\.r\.|perkara|kaso)[ ]?(?:no\.?|number|nomor|nos\.?)?[ ]?:?[ ]?(?P<n>[A-Z0-9][A-Z0-9./:-]*[0-9][A-Z0-9/-]*)")
        .expect("case regex is valid")
});

/// Compiled entity sources.
#[derive(Debug)]
pub(crate) struct Compiled {
    lexicons: Vec<(u32, String)>,
    currency: Vec<u32>,
    months: u32,
    cases: u32,
}

impl Compiled {
    pub fn new(
        cb: &Codebook,
        lex_sets: &HashMap<String, u32>,
        add: &mut dyn FnMut(&[Term]) -> u32,
    ) -> Compiled {
        let mut lexicons = Vec::new();
        let mut currency = Vec::new();
        for (name, lex) in &cb.lexicons {
            let (Some(kind), Some(&set)) = (&lex.entity, lex_sets.get(name)) else {
                continue;
            };
            if kind == "currency" {
                currency.push(set);
            } else {
                lexicons.push((set, kind.clone()));
            }
        }
        let term = |s: &str| Term {
            text: s.to_string(),
            prefix: false,
            tail: Vec::new(),
        };
        let months: Vec<Term> = MONTHS
            .iter()
            .chain(MONTHS_ID)
            .map(|m| term(m))
            .chain(
                [
                    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
                    "dec",
                ]
                .iter()
                .map(|m| term(m)),
            )
            .collect();
        let cases: Vec<Term> = [
            "case no",
            "case number",
            "docket",
            "criminal case",
            "civil action",
            "g.r. no",
            "perkara",
            "kaso blg",
        ]
        .iter()
        .map(|m| term(m))
        .collect();
        Compiled {
            lexicons,
            currency,
            months: add(&months),
            cases: add(&cases),
        }
    }

    pub fn find(&self, text: &str, hits: &Hits) -> Vec<Entity> {
        let mut out: Vec<Entity> = Vec::new();
        let ent = |kind: &str, s: usize, e: usize, value: Option<String>| Entity {
            kind: kind.to_string(),
            text: text[s..e].to_string(),
            value,
            span: Span::from((s, e)),
        };
        for (set, kind) in &self.lexicons {
            for h in hits.of(*set) {
                out.push(ent(kind, h.start as usize, h.end as usize, None));
            }
        }
        let money_windows = windows(
            text,
            self.currency.iter().flat_map(|&s| hits.of(s).iter()),
            48,
            48,
        );
        for (ws, we) in money_windows {
            for c in MONEY.captures_iter(&text[ws..we]) {
                let Some(m) = c.get(0) else { continue };
                let at = |x: usize| ws + x;
                let (num, mult, cur) = match (c.name("n1"), c.name("n2")) {
                    (Some(n), _) => (n.as_str(), c.name("m1"), c.name("pre")),
                    (None, Some(n)) => (n.as_str(), c.name("m2"), c.name("post")),
                    _ => continue,
                };
                let code = cur.map(|x| currency_code(x.as_str())).unwrap_or("XXX");
                let mut end = m.end();
                // The multiplier group may have consumed one trailing non-letter.
                if let Some(mm) = mult {
                    if c.name("n1").is_some() {
                        end = mm.end();
                    }
                }
                let value =
                    amount(num, mult.map(|x| x.as_str()), code).map(|a| format!("{code} {a}"));
                out.push(ent("money", at(m.start()), at(end), value));
            }
        }
        for (ws, we) in windows(text, hits.of(self.months).iter(), 24, 24) {
            for c in DATE.captures_iter(&text[ws..we]) {
                let Some(m) = c.get(0) else { continue };
                let value = if let Some(iso) = c.name("iso") {
                    Some(iso.as_str().to_string())
                } else {
                    let (d, mon, y) = match (c.name("d1"), c.name("d2")) {
                        (Some(d), _) => (d, c.name("mon"), c.name("y1")),
                        (None, Some(d)) => (d, c.name("mon2"), c.name("y2")),
                        _ => continue,
                    };
                    match (mon.and_then(|m| month_number(m.as_str())), y) {
                        (Some(mn), Some(y)) => {
                            let day: u32 = d.as_str().parse().unwrap_or(0);
                            (1..=31)
                                .contains(&day)
                                .then(|| format!("{}-{mn:02}-{day:02}", y.as_str()))
                        }
                        _ => None,
                    }
                };
                out.push(ent("date", ws + m.start(), ws + m.end(), value));
            }
        }
        for (ws, we) in windows(text, hits.of(self.cases).iter(), 0, 64) {
            for c in CASE.captures_iter(&text[ws..we]) {
                let (Some(m), Some(n)) = (c.get(0), c.name("n")) else {
                    continue;
                };
                out.push(ent(
                    "case_number",
                    ws + m.start(),
                    ws + m.end(),
                    Some(n.as_str().into()),
                ));
            }
        }
        out.sort_by(|a, b| {
            (a.span.start, std::cmp::Reverse(a.span.end))
                .cmp(&(b.span.start, std::cmp::Reverse(b.span.end)))
        });
        // Keep the longest of overlapping entities of the same kind.
        let mut kept: Vec<Entity> = Vec::with_capacity(out.len());
        for e in out {
            let dup = kept.iter().any(|k| {
                k.kind == e.kind && k.span.start <= e.span.start && e.span.end <= k.span.end
            });
            if !dup {
                kept.push(e);
            }
        }
        kept
    }
}

/// Merged byte windows around hits, widened by `before`/`after` bytes and snapped to char
/// boundaries, so the entity regexes read a few dozen bytes instead of the whole text.
fn windows<'a>(
    text: &str,
    hits: impl Iterator<Item = &'a super::Hit>,
    before: usize,
    after: usize,
) -> Vec<(usize, usize)> {
    let mut ws: Vec<(usize, usize)> = hits
        .map(|h| {
            let mut s = (h.start as usize).saturating_sub(before);
            while !text.is_char_boundary(s) {
                s -= 1;
            }
            let mut e = (h.end as usize + after).min(text.len());
            while !text.is_char_boundary(e) {
                e += 1;
            }
            (s, e)
        })
        .collect();
    ws.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ws.len());
    for w in ws {
        match merged.last_mut() {
            Some(last) if w.0 <= last.1 => last.1 = last.1.max(w.1),
            _ => merged.push(w),
        }
    }
    merged
}

fn month_number(m: &str) -> Option<usize> {
    let m = m.to_lowercase();
    MONTHS
        .iter()
        .position(|x| *x == m || (m.len() >= 3 && x.starts_with(&m)))
        .or_else(|| MONTHS_ID.iter().position(|x| *x == m))
        .map(|i| i + 1)
}

fn currency_code(s: &str) -> &'static str {
    let l = s.to_lowercase();
    let l = l.trim_end_matches('.');
    match l {
        "us$" | "usd" | "$" | "dollar" | "dollars" => "USD",
        "s$" | "sgd" => "SGD",
        "a$" => "AUD",
        "hk$" => "HKD",
        "rm" | "myr" | "ringgit" => "MYR",
        "rp" | "idr" | "rupiah" => "IDR",
        "php" | "₱" | "peso" | "pesos" | "piso" => "PHP",
        "thb" | "฿" | "baht" | "บาท" => "THB",
        "vnd" | "₫" | "dong" | "đồng" => "VND",
        "mmk" | "kyat" | "kyats" => "MMK",
        "bdt" | "৳" | "tk" | "taka" => "BDT",
        "€" | "eur" | "euro" | "euros" => "EUR",
        "£" | "gbp" | "pound" | "pounds" => "GBP",
        "¥" => "JPY",
        "rand" | "rands" => "ZAR",
        _ => "XXX",
    }
}

fn amount(num: &str, mult: Option<&str>, code: &str) -> Option<String> {
    // Dots group thousands in IDR/VND ("Rp 1.500.000"); commas elsewhere.
    let grouped_dots = matches!(code, "IDR" | "VND")
        || num.split('.').skip(1).all(|g| g.len() == 3) && num.matches('.').count() > 1;
    let cleaned: String = if grouped_dots {
        num.chars()
            .filter(|c| c.is_ascii_digit() || *c == ',')
            .collect::<String>()
            .replace(',', ".")
    } else {
        num.chars().filter(|c| *c != ',').collect()
    };
    let v: f64 = cleaned.parse().ok()?;
    let factor = match mult.map(|m| m.to_lowercase()) {
        None => 1.0,
        Some(m) => match m.as_str() {
            "thousand" | "ribu" | "nghìn" | "พัน" | "k" => 1e3,
            "million" | "juta" | "triệu" | "ล้าน" | "m" => 1e6,
            "billion" | "miliar" | "tỷ" | "bn" => 1e9,
            _ => 1.0,
        },
    };
    let total = v * factor;
    if !total.is_finite() {
        return None;
    }
    Some(if (total - total.round()).abs() < 1e-9 {
        format!("{}", total.round() as i128)
    } else {
        format!("{total:.2}")
    })
}

#[cfg(test)]
mod tests {
    use crate::codebook::{embedded, Codebook};
    use crate::tag::Tagger;

    fn ents(text: &str) -> Vec<(String, String, Option<String>)> {
        let t = Tagger::new(&Codebook::from_sources(&embedded()).unwrap()).unwrap();
        t.tag(text)
            .entities
            .into_iter()
            .map(|e| (e.kind, e.text, e.value))
            .collect()
    }

    #[test]
    fn money_values() {
        let e =
            ents("He paid $400 per head and RM 10 at the post, then 12,000 baht and Rp 1.500.000.");
        let money: Vec<_> = e.iter().filter(|x| x.0 == "money").collect();
        let vals: Vec<_> = money
            .iter()
            .map(|x| x.2.clone().unwrap_or_default())
            .collect();
        assert!(vals.contains(&"USD 400".to_string()), "{e:?}");
        assert!(vals.contains(&"MYR 10".to_string()), "{e:?}");
        assert!(vals.contains(&"THB 12000".to_string()), "{e:?}");
        assert!(vals.contains(&"IDR 1500000".to_string()), "{e:?}");
        let e = ents("bribes of more than $3 million were paid");
        assert!(
            e.iter().any(|x| x.2.as_deref() == Some("USD 3000000")),
            "{e:?}"
        );
    }

    #[test]
    fn dates_cases_roles() {
        let e =
            ents("On March 20, 2003 the police chief of Thailand filed Case No. 12-345 in court.");
        assert!(
            e.iter()
                .any(|x| x.0 == "date" && x.2.as_deref() == Some("2003-03-20")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|x| x.0 == "case_number" && x.2.as_deref() == Some("12-345")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|x| x.0 == "country" && x.1 == "Thailand"),
            "{e:?}"
        );
        assert!(e.iter().any(|x| x.0 == "role"), "{e:?}");
    }
}
