//! Page furniture: running headers and footers (text repeated at the top or bottom of
//! several pages, digits ignored), page numbers ("12", "Page 3 of 9", "- 4 -", "iv") and
//! pleading-paper line numbers (a column of small increasing integers in a margin).

use super::layout::PageLayout;
use crate::model::FurnitureKind;
use std::collections::HashMap;

/// How many lines at the top and at the bottom of a page may be furniture.
const EDGE_LINES: usize = 3;
/// Share of the page height at the top and the bottom where furniture lives.
const EDGE_ZONE: f32 = 0.2;

/// Classifies the lines of every page: `result[page][line]` is the furniture kind, if any.
pub fn classify(pages: &[PageLayout]) -> Vec<Vec<Option<FurnitureKind>>> {
    let mut result: Vec<Vec<Option<FurnitureKind>>> =
        pages.iter().map(|p| vec![None; p.lines.len()]).collect();
    // Candidates grouped by key: (page, line, at the top, numbers in the line).
    let mut groups: HashMap<String, Vec<Candidate>> = HashMap::new();
    for (pi, page) in pages.iter().enumerate() {
        line_numbers(page, &mut result[pi]);
        let edges = edge_lines(page, &result[pi]);
        for (li, top) in edges {
            let text = page.lines[li].text.trim();
            if is_page_number(text) {
                result[pi][li] = Some(FurnitureKind::PageNumber);
                continue;
            }
            let key = normalise(text);
            if key.is_empty() {
                continue;
            }
            // Running furniture repeats in the same size: a title that a header repeats
            // is set larger on its own page.
            let key = format!("{key}@{}", (page.lines[li].size * 2.0).round());
            let g = groups.entry(key).or_default();
            if !g.iter().any(|m| m.page == pi) {
                g.push(Candidate {
                    page: pi,
                    line: li,
                    top,
                    numbers: numbers(text),
                });
            }
        }
    }
    let n = pages.len();
    let need = if n <= 3 {
        2
    } else {
        3.min((n as f32 * 0.25).ceil() as usize).max(2)
    };
    for members in groups.values() {
        if members.len() < need || !numbers_consistent(members) {
            continue;
        }
        for m in members {
            result[m.page][m.line] = Some(if m.top {
                FurnitureKind::Header
            } else {
                FurnitureKind::Footer
            });
        }
    }
    result
}

/// A line that may be a running header or footer.
struct Candidate {
    page: usize,
    line: usize,
    top: bool,
    numbers: Vec<u64>,
}

/// The numbers in a line, in order.
fn numbers(s: &str) -> Vec<u64> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty() && p.len() <= 12)
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Running furniture keeps its numbers fixed (a case number, a date) or counts with the
/// page ("Page 3 of 9"); numbers that do neither are headings ("Article 6").
fn numbers_consistent(members: &[Candidate]) -> bool {
    let Some(first) = members.first() else {
        return false;
    };
    let slots = first.numbers.len();
    if members.iter().any(|m| m.numbers.len() != slots) {
        return false;
    }
    (0..slots).all(|j| {
        let same = members.iter().all(|m| m.numbers[j] == first.numbers[j]);
        let offset = first.numbers[j] as i64 - first.page as i64;
        let with_page = members
            .iter()
            .all(|m| m.numbers[j] as i64 - m.page as i64 == offset);
        same || with_page
    })
}

/// Lines near the top or the bottom of the page (main direction only): (index, is_top).
fn edge_lines(page: &PageLayout, taken: &[Option<FurnitureKind>]) -> Vec<(usize, bool)> {
    let [_, bottom, _, top] = page.frame;
    let h = (top - bottom).max(1.0);
    let mut idx: Vec<usize> = (0..page.lines.len())
        .filter(|&i| page.lines[i].main && taken[i].is_none())
        .collect();
    idx.sort_by(|&a, &b| page.lines[b].y.total_cmp(&page.lines[a].y));
    let mut out = Vec::new();
    // Distinct baselines from the top, then from the bottom.
    let take =
        |iter: &mut dyn Iterator<Item = &usize>, is_top: bool, out: &mut Vec<(usize, bool)>| {
            let mut rows: Vec<f32> = Vec::new();
            for &i in iter {
                let l = &page.lines[i];
                let in_zone = if is_top {
                    l.y > top - EDGE_ZONE * h
                } else {
                    l.y < bottom + EDGE_ZONE * h
                };
                if !in_zone {
                    break;
                }
                if !rows.iter().any(|&y| (y - l.y).abs() < 0.5 * l.size) {
                    if rows.len() >= EDGE_LINES {
                        break;
                    }
                    rows.push(l.y);
                }
                if !out.iter().any(|(j, _)| *j == i) {
                    out.push((i, is_top));
                }
            }
        };
    take(&mut idx.iter(), true, &mut out);
    take(&mut idx.iter().rev(), false, &mut out);
    out
}

/// Lower case, digits folded to `#`, white space collapsed.
fn normalise(s: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// "12", "- 4 -", "Page 3", "Page 3 of 9", "3 of 9", "3/9", "iv".
pub fn is_page_number(s: &str) -> bool {
    let t = s
        .trim()
        .trim_matches(|c: char| c == '-' || c == '–' || c == '—' || c.is_whitespace());
    let lower = t.to_lowercase();
    let t = lower
        .strip_prefix("page")
        .map(str::trim_start)
        .unwrap_or(&lower);
    let t = t.trim_end_matches('.');
    if t.is_empty() || t.len() > 16 {
        return false;
    }
    let parts: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == '/')
        .filter(|p| !p.is_empty())
        .collect();
    let num = |p: &str| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
    let roman = |p: &str| !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b"ivxlc".contains(&b));
    match parts.as_slice() {
        [a] => num(a) || roman(a),
        [a, b] => num(a) && num(b) && t.contains('/'),
        [a, "of", b] => num(a) && num(b),
        _ => false,
    }
}

/// Pleading-paper line numbers: a column of integers 1-40 in one margin, increasing downwards.
fn line_numbers(page: &PageLayout, result: &mut [Option<FurnitureKind>]) {
    let cands: Vec<(usize, u32)> = page
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.main)
        .filter_map(|(i, l)| {
            let t = l.text.trim();
            (t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<u32>().ok())
                .flatten()
                .filter(|v| (1..=40).contains(v))
                .map(|v| (i, v))
        })
        .collect();
    if cands.len() < 5 {
        return;
    }
    // Group by right edge (numbers are usually right-aligned in their column).
    let mut groups: Vec<Vec<(usize, u32)>> = Vec::new();
    for &(i, v) in &cands {
        let x = page.lines[i].x1;
        match groups
            .iter_mut()
            .find(|g| (page.lines[g[0].0].x1 - x).abs() < 6.0)
        {
            Some(g) => g.push((i, v)),
            None => groups.push(vec![(i, v)]),
        }
    }
    let body_left = page
        .lines
        .iter()
        .filter(|l| l.main && l.text.trim().len() > 3)
        .map(|l| l.x0)
        .fold(f32::INFINITY, f32::min);
    for mut g in groups {
        if g.len() < 5 {
            continue;
        }
        g.sort_by(|a, b| page.lines[b.0].y.total_cmp(&page.lines[a.0].y));
        let inc = g.windows(2).filter(|w| w[1].1 > w[0].1).count();
        let x1 = page.lines[g[0].0].x1;
        if inc * 10 >= (g.len() - 1) * 8 && x1 <= body_left + 2.0 {
            for (i, _) in g {
                result[i] = Some(FurnitureKind::LineNumber);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::pdf::layout::Line;

    fn line(text: &str, x0: f32, y: f32) -> Line {
        Line {
            text: text.into(),
            chars: Vec::new(),
            para_before: false,
            x0,
            x1: x0 + 6.0 * text.len() as f32,
            y,
            size: 10.0,
            main: true,
        }
    }

    #[test]
    fn page_numbers() {
        for s in [
            "12",
            "- 4 -",
            "Page 3 of 9",
            "page 3",
            "3 of 9",
            "iv",
            "3/9",
            "— 7 —",
        ] {
            assert!(is_page_number(s), "{s}");
        }
        for s in ["1990 Act", "Section 12", "of", "12 U.S.C."] {
            assert!(!is_page_number(s), "{s}");
        }
    }

    #[test]
    fn running_headers_and_numbers() {
        let pages: Vec<PageLayout> = (1..=4)
            .map(|p: usize| PageLayout {
                lines: vec![
                    line(&format!("UNITED STATES v. SMITH {p}"), 72.0, 750.0),
                    line(
                        [
                            "Alpha begins",
                            "Beta follows",
                            "Gamma goes on",
                            "Delta ends",
                        ][p - 1],
                        72.0,
                        700.0,
                    ),
                    line(&format!("More body {}", p * 7), 72.0, 400.0),
                    line(&format!("{p}"), 300.0, 40.0),
                ],
                frame: [0.0, 0.0, 612.0, 792.0],
            })
            .collect();
        let r = classify(&pages);
        for pr in &r {
            assert_eq!(
                pr,
                &vec![
                    Some(FurnitureKind::Header),
                    None,
                    None,
                    Some(FurnitureKind::PageNumber)
                ]
            );
        }
    }

    #[test]
    fn pleading_line_numbers() {
        let mut lines = Vec::new();
        for i in 1..=28u32 {
            lines.push(line(
                &i.to_string(),
                40.0 - 6.0 * (i.to_string().len() as f32 - 1.0),
                720.0 - 24.0 * i as f32,
            ));
            lines.push(line(
                "The body of the filing runs here on every row",
                72.0,
                720.0 - 24.0 * i as f32,
            ));
        }
        let page = PageLayout {
            lines,
            frame: [0.0, 0.0, 612.0, 792.0],
        };
        let r = classify(std::slice::from_ref(&page));
        let nums = r[0]
            .iter()
            .filter(|k| **k == Some(FurnitureKind::LineNumber))
            .count();
        assert_eq!(nums, 28);
        assert!(r[0][1].is_none());
    }
}
