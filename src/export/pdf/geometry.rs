//! Where a passage's matched words are on the page: tag spans (bytes of the passage text) →
//! page-text byte ranges (through the passage's offset map) → the [`CharBox`]es of those bytes
//! → one rectangle per line, the shape a Highlight annotation's `/QuadPoints` wants.

use crate::model::{CharBox, Page, Passage, Rect, Span};

/// Maps spans of a passage's text to byte ranges of the page text. `range` and `offset_map`
/// are the passage's (as the index stores them); spans that are empty or run past `text_len`
/// are dropped. An end offset maps through its last byte, so a span ending where a folded
/// hyphen was does not swallow the hyphen.
pub fn page_ranges(
    range: (usize, usize),
    offset_map: &[(usize, usize)],
    text_len: usize,
    spans: &[Span],
) -> Vec<(usize, usize)> {
    let p = Passage {
        page: 0,
        ordinal: 0,
        range,
        text: String::new(),
        offset_map: offset_map.to_vec(),
    };
    let mut out: Vec<(usize, usize)> = spans
        .iter()
        .filter(|s| s.start < s.end && s.end <= text_len)
        .map(|s| (p.page_offset(s.start), p.page_offset(s.end - 1) + 1))
        .filter(|(a, b)| a < b)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The boxes of the characters in `ranges` of the page text, one rectangle per line (in the
/// order of the text). Whitespace and zero-size boxes are left out so a highlight does not
/// reach into the margin.
pub fn line_rects(page: &Page, ranges: &[(usize, usize)]) -> Vec<Rect> {
    let mut lines: Vec<Rect> = Vec::new();
    let mut last: Option<CharBox> = None;
    for c in &page.chars {
        let (s, e) = (c.start as usize, c.end as usize);
        if !ranges.iter().any(|&(a, b)| s < b && a < e) {
            continue;
        }
        let is_space = page
            .text
            .get(s..e)
            .is_none_or(|t| t.chars().all(char::is_whitespace));
        let r = normalise(c.rect);
        if is_space || r.x1 - r.x0 <= 0.0 || r.y1 - r.y0 <= 0.0 || !finite(&r) {
            continue;
        }
        let new_line = match (lines.last(), last) {
            (Some(line), Some(prev)) => {
                let overlap = r.y1.min(line.y1) - r.y0.max(line.y0);
                let h = (r.y1 - r.y0).min(line.y1 - line.y0);
                let went_back = r.x0 < normalise(prev.rect).x0 - 0.5 * (r.y1 - r.y0);
                overlap < 0.5 * h || went_back
            }
            _ => true,
        };
        if new_line {
            lines.push(r);
        } else if let Some(line) = lines.last_mut() {
            *line = line.union(&r);
        }
        last = Some(*c);
    }
    lines
}

/// The eight `/QuadPoints` numbers of a rectangle, in the order viewers read them:
/// top-left, top-right, bottom-left, bottom-right.
pub fn quad(r: &Rect) -> [f32; 8] {
    [r.x0, r.y1, r.x1, r.y1, r.x0, r.y0, r.x1, r.y0]
}

fn normalise(r: Rect) -> Rect {
    Rect {
        x0: r.x0.min(r.x1),
        y0: r.y0.min(r.y1),
        x1: r.x0.max(r.x1),
        y1: r.y0.max(r.y1),
    }
}

fn finite(r: &Rect) -> bool {
    [r.x0, r.y0, r.x1, r.y1].iter().all(|v| v.is_finite())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A page whose text is laid out in Courier 10 pt: 6 pt per character, lines 14 pt apart
    /// from y = 700 down, starting at x = 72.
    pub(crate) fn courier_page(lines: &[&str]) -> Page {
        let mut text = String::new();
        let mut chars = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            let base = 700.0 - 14.0 * i as f32;
            for (k, (off, ch)) in line.char_indices().enumerate() {
                let start = text.len() + off;
                chars.push(CharBox {
                    start: start as u32,
                    end: (start + ch.len_utf8()) as u32,
                    rect: Rect {
                        x0: 72.0 + 6.0 * k as f32,
                        y0: base - 2.0,
                        x1: 78.0 + 6.0 * k as f32,
                        y1: base + 8.0,
                    },
                });
            }
            text.push_str(line);
        }
        Page {
            number: 1,
            text,
            chars,
            ..Page::default()
        }
    }

    #[test]
    fn one_rectangle_per_line_over_the_words() {
        let page = courier_page(&["The guard took a", "bribe at the gate."]);
        // "took a\nbribe": bytes 10..23 cross the line break.
        let rects = line_rects(&page, &[(10, 23)]);
        assert_eq!(
            rects,
            vec![
                Rect {
                    x0: 132.0,
                    y0: 698.0,
                    x1: 168.0,
                    y1: 708.0
                },
                Rect {
                    x0: 72.0,
                    y0: 684.0,
                    x1: 102.0,
                    y1: 694.0
                },
            ]
        );
        assert_eq!(
            quad(&rects[1]),
            [72.0, 694.0, 102.0, 694.0, 72.0, 684.0, 102.0, 684.0]
        );
        assert!(line_rects(&page, &[]).is_empty());
        assert!(line_rects(&Page::default(), &[(0, 5)]).is_empty());
    }

    #[test]
    fn passage_spans_map_through_the_offset_map() {
        // Page: "intro\n\npaid a brib-\nery fee"; the passage starts at 7 and its text joins the
        // hyphenation: "paid a bribery fee" (offset 14 in the passage = 16 in the page).
        let page_text = "intro\n\npaid a brib-\nery fee";
        let passage_text = "paid a bribery fee";
        let map = [(0, 7), (11, 20)];
        let b = passage_text.find("bribery").unwrap();
        let r = page_ranges(
            (7, page_text.len()),
            &map,
            passage_text.len(),
            &[Span::from((b, b + 7))],
        );
        assert_eq!(r, vec![(14, 23)]);
        assert_eq!(&page_text[14..23], "brib-\nery");
        // "paid" maps without shift; spans out of the text are dropped.
        let r = page_ranges(
            (7, 27),
            &map,
            18,
            &[Span::from((0, 4)), Span::from((5, 99)), Span::from((3, 3))],
        );
        assert_eq!(r, vec![(7, 11)]);
        // No map: plain shift by the passage start.
        assert_eq!(
            page_ranges((100, 200), &[], 50, &[Span::from((1, 3))]),
            vec![(101, 103)]
        );
    }

    #[test]
    fn spaces_and_degenerate_boxes_are_skipped() {
        let mut page = courier_page(&["a  b"]);
        page.chars[3].rect.x1 = f32::NAN;
        let rects = line_rects(&page, &[(0, 4)]);
        assert_eq!(
            rects,
            vec![Rect {
                x0: 72.0,
                y0: 698.0,
                x1: 78.0,
                y1: 708.0
            }]
        );
    }
}
