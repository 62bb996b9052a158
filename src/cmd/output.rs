//! Terminal output of hits: citation line, tags, and a snippet with the query words and the
//! tags' matched words highlighted (colour only when asked or on a terminal).

use crate::index::Hit;
use crate::model::Span;

const BOLD_RED: &str = "\x1b[1;31m";
const BOLD_YELLOW: &str = "\x1b[1;33m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";
/// Longest snippet shown, in bytes.
const SNIPPET_BYTES: usize = 320;

/// Renders a hit for a terminal or a plain pipe.
pub(super) fn render_hit(hit: &Hit, color: bool) -> String {
    let mut out = String::new();
    let citation = format!("{}:{}", hit.path, hit.page);
    let tags: Vec<String> = hit
        .tags
        .iter()
        .map(|t| format!("{}/{}", t.category, t.modality))
        .collect();
    if color {
        out.push_str(&format!("{GREEN}{citation}{RESET} ¶{}", hit.passage));
    } else {
        out.push_str(&format!("{citation} ¶{}", hit.passage));
    }
    if !tags.is_empty() {
        if color {
            out.push_str(&format!("  {CYAN}[{}]{RESET}", tags.join(", ")));
        } else {
            out.push_str(&format!("  [{}]", tags.join(", ")));
        }
    }
    if hit.score > 0.0 {
        out.push_str(&format!("  score {:.2}", hit.score));
    }
    out.push('\n');
    let tag_spans: Vec<Span> = hit
        .tags
        .iter()
        .flat_map(|t| t.spans.iter().copied())
        .collect();
    out.push_str("    ");
    out.push_str(&snippet(&hit.text, &hit.highlights, &tag_spans, color));
    out.push('\n');
    out
}

/// A window of `text` around the first highlight, with query matches and tag spans marked:
/// in colour on a terminal, `[[...]]` (query) and `{{...}}` (tag) otherwise.
pub(super) fn snippet(text: &str, query: &[Span], tags: &[Span], color: bool) -> String {
    let first = query.iter().chain(tags).map(|s| s.start).min().unwrap_or(0);
    let mut start = if text.len() <= SNIPPET_BYTES {
        0
    } else {
        first.saturating_sub(SNIPPET_BYTES / 4)
    };
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    // Start at a word boundary.
    if start > 0 {
        if let Some(sp) = text[start..].find(' ') {
            if sp < 20 {
                start += sp + 1;
            }
        }
    }
    let mut end = (start + SNIPPET_BYTES).min(text.len());
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    if end < text.len() {
        if let Some(sp) = text[start..end].rfind(' ') {
            end = start + sp;
        }
    }
    // Marks: (position, is_open, kind).
    let mut marks: Vec<(usize, bool, u8)> = Vec::new();
    for (spans, kind) in [(query, 0u8), (tags, 1u8)] {
        for s in spans {
            if s.end <= start
                || s.start >= end
                || !text.is_char_boundary(s.start)
                || !text.is_char_boundary(s.end.min(text.len()))
            {
                continue;
            }
            marks.push((s.start.max(start), true, kind));
            marks.push((s.end.min(end), false, kind));
        }
    }
    marks.sort_by_key(|&(p, open, _)| (p, open));
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    let mut depth = [0usize; 2];
    for (p, open, kind) in marks {
        out.push_str(&text[pos..p]);
        pos = p;
        let k = kind as usize;
        if open {
            depth[k] += 1;
            if depth[k] == 1 {
                out.push_str(match (color, kind) {
                    (true, 0) => BOLD_RED,
                    (true, _) => BOLD_YELLOW,
                    (false, 0) => "[[",
                    (false, _) => "{{",
                });
            }
        } else {
            depth[k] = depth[k].saturating_sub(1);
            if depth[k] == 0 {
                if color {
                    out.push_str(RESET);
                    // Reopen the other highlight if it is still active.
                    if depth[1 - k] > 0 {
                        out.push_str(if k == 0 { BOLD_YELLOW } else { BOLD_RED });
                    }
                } else {
                    out.push_str(if kind == 0 { "]]" } else { "}}" });
                }
            }
        }
    }
    out.push_str(&text[pos..end]);
    if end < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_snippet_marks_query_and_tag_words() {
        let text = "The officer took a bribe at the border.";
        let s = snippet(
            text,
            &[Span { start: 4, end: 11 }],
            &[Span { start: 19, end: 24 }],
            false,
        );
        assert_eq!(s, "The [[officer]] took a {{bribe}} at the border.");
    }

    #[test]
    fn long_text_is_windowed_around_first_match() {
        let text = format!("{} bribe {}", "word ".repeat(200), "tail ".repeat(200));
        let at = text.find("bribe").unwrap();
        let s = snippet(
            &text,
            &[Span {
                start: at,
                end: at + 5,
            }],
            &[],
            false,
        );
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("[[bribe]]"));
        assert!(s.len() < 400);
    }
}
