//! Segmentation: a page's text → passages.
//!
//! Passages never cross a page. They follow paragraphs (blank-line separated): paragraphs
//! shorter than [`Segmenter::min_chars`] are merged with their neighbours, paragraphs longer
//! than [`Segmenter::max_chars`] are cut at sentence ends (at a space if a sentence runs on,
//! at a character boundary if there is no space at all, as in Thai without spaces). A
//! paragraph plainly in another language than the one before it (see
//! [`crate::classify::languages_differ`]) is never merged with it: it starts a new passage.
//!
//! Each passage keeps its byte range in the page text. Its `text` folds line breaks into
//! spaces and joins line-end hyphenation (`traf-\nficking` → `trafficking`);
//! [`Passage::offset_map`] records where the two diverge so any offset in the passage text
//! maps back into the page text. Pure and deterministic: the same page gives the same
//! passages.

use crate::classify::languages_differ;
use crate::model::Passage;

/// Passage size policy, in bytes of page text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segmenter {
    /// A paragraph shorter than this is merged with the next one (or the previous one at the
    /// end of a page).
    pub min_chars: usize,
    /// A paragraph longer than this is cut at sentence ends.
    pub max_chars: usize,
}

impl Default for Segmenter {
    fn default() -> Self {
        Segmenter {
            min_chars: 200,
            max_chars: 1200,
        }
    }
}

impl Segmenter {
    /// Cuts one page's text into passages numbered from 1.
    pub fn segment(&self, page: u32, text: &str) -> Vec<Passage> {
        let paragraphs = paragraphs(text);
        // The text between consecutive paragraphs: a newline there stays one in a passage.
        let gaps: Vec<(usize, usize)> = paragraphs.windows(2).map(|w| (w[0].1, w[1].0)).collect();
        // Merge short paragraphs with their neighbours (headings join the text below them).
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut cur: Option<(usize, usize)> = None;
        for (s, e) in paragraphs {
            // A heading starts a new passage: it belongs to the text below it.
            let heading = is_heading(&text[s..e]);
            cur = Some(match cur {
                None => (s, e),
                Some((cs, ce))
                    if !heading
                        && ce - cs < self.min_chars
                        && e - cs <= self.max_chars
                        && !languages_differ(&text[cs..ce], &text[s..e]) =>
                {
                    (cs, e)
                }
                Some(c) => {
                    groups.push(c);
                    (s, e)
                }
            });
        }
        if let Some((s, e)) = cur {
            match groups.last_mut() {
                Some(last)
                    if e - s < self.min_chars
                        && e - last.0 <= self.max_chars
                        && !languages_differ(&text[last.0..last.1], &text[s..e]) =>
                {
                    last.1 = e
                }
                _ => groups.push((s, e)),
            }
        }
        let mut out = Vec::new();
        for (s, e) in groups {
            for (cs, ce) in self.cut_long(text, s, e) {
                let (ptext, map) = fold(text, cs, ce, &gaps);
                if ptext.trim().is_empty() {
                    continue;
                }
                out.push(Passage {
                    page,
                    ordinal: out.len() as u32 + 1,
                    range: (cs, ce),
                    text: ptext,
                    offset_map: map,
                });
            }
        }
        out
    }

    /// Cuts `text[s..e]` into pieces of at most `max_chars`, at sentence ends where possible.
    fn cut_long(&self, text: &str, s: usize, e: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = s;
        while e - start > self.max_chars {
            let limit = floor_char_boundary(text, start + self.max_chars);
            let window = &text[start..limit];
            let min = self.min_chars.min(self.max_chars / 2);
            let cut = sentence_ends(window)
                .filter(|&c| c >= min)
                .last()
                .or_else(|| {
                    window
                        .char_indices()
                        .rev()
                        .find(|&(i, c)| c.is_whitespace() && i >= min)
                        .map(|(i, _)| i)
                })
                .map(|c| start + c)
                .unwrap_or(limit);
            let cut = if cut <= start { limit } else { cut };
            let (ps, pe) = trim_range(text, start, cut);
            if pe > ps {
                out.push((ps, pe));
            }
            start = cut;
            // Skip the whitespace between the pieces.
            while start < e {
                match text[start..].chars().next() {
                    Some(c) if c.is_whitespace() => start += c.len_utf8(),
                    _ => break,
                }
            }
        }
        let (ps, pe) = trim_range(text, start, e);
        if pe > ps {
            out.push((ps, pe));
        }
        out
    }
}

/// A one-line paragraph that reads as a heading: a Markdown `#` line, or a short line that
/// does not end like a sentence.
fn is_heading(para: &str) -> bool {
    let t = para.trim();
    if t.contains('\n') || t.is_empty() {
        return false;
    }
    t.starts_with('#')
        || (t.chars().count() <= 80
            && !t.ends_with(['.', '!', '?', ':', ';', ',', '"', '”', ')'])
            && t.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_numeric()))
}

/// Byte ranges of paragraphs (blank-line separated), trimmed of surrounding whitespace.
fn paragraphs(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut para_start: Option<usize> = None;
    let mut para_end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        if blank {
            if let Some(s) = para_start.take() {
                out.push(trim_range(text, s, para_end));
            }
        } else {
            if para_start.is_none() {
                para_start = Some(pos);
            }
            para_end = pos + line.len();
        }
        pos += line.len();
    }
    if let Some(s) = para_start {
        out.push(trim_range(text, s, para_end));
    }
    out.retain(|(s, e)| e > s);
    out.into_iter()
        .flat_map(|(s, e)| split_at_short_lines(text, s, e))
        .collect()
}

/// Splits a block of lines where a paragraph evidently ends without a blank line (PDF
/// producers that space paragraphs by a few points, which text extraction cannot see): a
/// line ending a sentence that stops well short of the block's width, followed by a line
/// starting with a capital, a digit or a quote.
fn split_at_short_lines(text: &str, s: usize, e: usize) -> Vec<(usize, usize)> {
    let block = &text[s..e];
    let lines: Vec<(usize, &str)> = block
        .split_inclusive('\n')
        .scan(0usize, |pos, l| {
            let at = *pos;
            *pos += l.len();
            Some((at, l))
        })
        .collect();
    if lines.len() < 3 {
        return vec![(s, e)];
    }
    let width = lines
        .iter()
        .map(|(_, l)| l.trim().chars().count())
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut start = s;
    for pair in lines.windows(2) {
        let ((_, line), (next_at, next)) = (pair[0], pair[1]);
        let l = line.trim();
        let ends = l.ends_with(['.', '!', '?', ':', '"', '\u{201D}', ')']);
        let short = (l.chars().count() as f64) < 0.8 * width as f64;
        let opens = next.trim_start().chars().next().is_some_and(|c| {
            c.is_uppercase() || c.is_ascii_digit() || matches!(c, '"' | '\u{201C}' | '(')
        });
        if ends && short && opens {
            let cut = s + next_at;
            out.push(trim_range(text, start, cut));
            start = cut;
        }
    }
    out.push(trim_range(text, start, e));
    out.retain(|(a, b)| b > a);
    out
}

fn trim_range(text: &str, s: usize, e: usize) -> (usize, usize) {
    let slice = &text[s..e];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if lead + trail >= slice.len() {
        (s, s)
    } else {
        (s + lead, e - trail)
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    if i >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Abbreviations after which a period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "no", "nos", "v", "vs", "inc", "ltd", "co", "corp", "art", "arts",
    "sec", "para", "p", "pp", "fig", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt", "gov",
    "u.s", "e.g", "i.e", "cf", "id", "al", "etc", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "cir", "supp", "app", "stat", "ch", "cl", "ex", "hon",
    "pol", "maj", "rep", "sen", "atty",
];

/// Byte offsets just after each sentence end (`.`, `!`, `?`, `。`, possibly followed by a
/// closing quote or bracket) that is followed by whitespace and not preceded by a known
/// abbreviation or a single capital initial.
fn sentence_ends(window: &str) -> impl Iterator<Item = usize> + '_ {
    window.char_indices().filter_map(move |(i, c)| {
        if !matches!(c, '.' | '!' | '?' | '。' | '！' | '？') {
            return None;
        }
        let mut end = i + c.len_utf8();
        // Closing quotes and brackets stay with the sentence.
        while let Some(n) = window[end..].chars().next() {
            if matches!(n, '"' | '\'' | ')' | ']' | '”' | '’' | '»') {
                end += n.len_utf8();
            } else {
                break;
            }
        }
        let next = window[end..].chars().next()?;
        if !next.is_whitespace() {
            return None;
        }
        if c == '.' {
            let before = &window[..i];
            let word_start = before
                .char_indices()
                .rev()
                .find(|&(_, ch)| ch.is_whitespace() || ch == '(')
                .map(|(p, ch)| p + ch.len_utf8())
                .unwrap_or(0);
            let word = before[word_start..].to_lowercase();
            if ABBREVIATIONS.contains(&word.as_str()) {
                return None;
            }
            let w = &before[word_start..];
            if w.chars().count() == 1 && w.chars().all(|ch| ch.is_uppercase()) {
                return None; // an initial: "J. Smith"
            }
        }
        Some(end)
    })
}

/// Folds `text[s..e]` for tagging and display: a line break becomes a space, and a hyphen
/// at a line end between two letters, the second in lower case, is removed with the break.
/// Returns the folded text and the offset map (see [`Passage::offset_map`]).
fn fold(text: &str, s: usize, e: usize, gaps: &[(usize, usize)]) -> (String, Vec<(usize, usize)>) {
    let src = &text[s..e];
    let mut out = String::with_capacity(src.len());
    let mut map = Vec::new();
    let mut iter = src.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c == '-' || c == '\u{00AD}' {
            // Look for "-\n" followed by a lower-case letter, with a letter before.
            let rest = &src[i + c.len_utf8()..];
            let ws = rest.len() - rest.trim_start_matches([' ', '\t', '\r']).len();
            let after_ws = &rest[ws..];
            if let Some(after_nl) = after_ws.strip_prefix('\n') {
                let lead = after_nl.len() - after_nl.trim_start_matches([' ', '\t']).len();
                let next = after_nl[lead..].chars().next();
                let prev = src[..i].chars().next_back();
                if prev.is_some_and(char::is_alphabetic) && next.is_some_and(char::is_lowercase) {
                    let skip_to = i + c.len_utf8() + ws + 1 + lead;
                    while iter.peek().is_some_and(|&(j, _)| j < skip_to) {
                        iter.next();
                    }
                    map.push((out.len(), s + skip_to));
                    continue;
                }
            }
        }
        if c == '\n' && in_gap(gaps, s + i) {
            // A paragraph break inside a passage stays one (several short paragraphs share
            // a passage): the tagger keeps modality cues to their own paragraph.
            out.push('\n');
        } else if c == '\n' || c == '\r' || c == '\t' || c == '\x0c' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    (out, map)
}

/// Whether byte `at` lies between two paragraphs (blank lines, or the line break after a
/// paragraph that ends without one); `gaps` is sorted.
fn in_gap(gaps: &[(usize, usize)], at: usize) -> bool {
    let k = gaps.partition_point(|g| g.1 <= at);
    gaps.get(k).is_some_and(|g| g.0 <= at && at < g.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str) -> Vec<Passage> {
        Segmenter::default().segment(1, text)
    }

    #[test]
    fn paragraphs_become_passages_with_ranges() {
        let a = "A".repeat(250);
        let b = "B".repeat(300);
        let text = format!("{a}\n\n\n{b}\n");
        let ps = seg(&text);
        assert_eq!(ps.len(), 2);
        assert_eq!(&text[ps[0].range.0..ps[0].range.1], a);
        assert_eq!(&text[ps[1].range.0..ps[1].range.1], b);
        assert_eq!(ps[1].ordinal, 2);
    }

    #[test]
    fn a_short_last_line_ends_a_paragraph_without_a_blank_line() {
        let text = "The guards at the crossing were paid to look away from the\n\
                    trucks, two drivers told the monitors in separate interviews.\n\
                    Nobody was charged.\n\
                    Later that year the ministry opened an inquiry into the post,\n\
                    which found no records of the payments. The end of it all.\n\
                    And a last line";
        let ps = paragraphs(text);
        assert_eq!(ps.len(), 2, "{ps:?}");
        assert!(text[ps[0].0..ps[0].1].ends_with("Nobody was charged."));
        assert!(text[ps[1].0..ps[1].1].starts_with("Later that year"));
        // the break stays a newline in the passage they share
        let p = &seg(text)[0];
        assert!(p.text.contains("charged.\nLater"), "{:?}", p.text);
        assert!(p.text.contains("the\u{20}trucks"), "{:?}", p.text);
    }

    #[test]
    fn merged_paragraphs_keep_their_break() {
        let text = "Short one.\n\nShort two,\nwith a wrapped line.\n";
        let ps = seg(text);
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].text, "Short one.\n\nShort two, with a wrapped line.");
    }

    #[test]
    fn short_heading_joins_next_paragraph() {
        let body = "The officer accepted payment. ".repeat(10);
        let text = format!("Findings\n\n{body}");
        let ps = seg(&text);
        assert_eq!(ps.len(), 1);
        assert!(ps[0].text.starts_with("Findings"));
        assert_eq!(ps[0].range.0, 0);
    }

    #[test]
    fn a_heading_after_a_short_paragraph_starts_a_new_passage() {
        let text = "A short closing remark.\n\n## Documents\n\nBrokers supplied forged papers. "
            .to_owned()
            + &"More text follows here. ".repeat(10);
        let ps = seg(&text);
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].text, "A short closing remark.");
        assert!(ps[1].text.starts_with("## Documents\n\nBrokers"));
    }

    #[test]
    fn long_paragraph_cut_at_sentence_ends() {
        let sentence = "Border guards in the district were paid to look away from the trucks. ";
        let text = sentence.repeat(40);
        let ps = seg(&text);
        assert!(ps.len() >= 2);
        for p in &ps {
            assert!(p.range.1 - p.range.0 <= 1200, "{}", p.range.1 - p.range.0);
            assert!(p.text.ends_with('.'), "{:?}", p.text);
        }
        // Pieces cover the text in order with no overlap.
        for w in ps.windows(2) {
            assert!(w[0].range.1 <= w[1].range.0);
        }
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        let ends: Vec<_> = sentence_ends("See U.S. v. Smith and Mr. Jones. Then more").collect();
        assert_eq!(ends, vec![32]);
    }

    #[test]
    fn text_without_spaces_is_cut_at_char_boundaries() {
        let text = "สินบน".repeat(200); // 1000 chars, 3000 bytes, no spaces
        let ps = seg(&text);
        assert_eq!(ps.len(), 3);
        let joined: String = ps.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn hyphenation_joined_and_offsets_map_back() {
        let text = "the traf-\nficking ring paid off-\nduty officers and A-\nB stays";
        let ps = Segmenter {
            min_chars: 1,
            max_chars: 1200,
        }
        .segment(3, text);
        assert_eq!(ps.len(), 1);
        let p = &ps[0];
        assert_eq!(
            p.text,
            "the trafficking ring paid offduty officers and A- B stays"
        );
        // Every word of the passage maps back to the same word in the page text.
        for word in ["trafficking", "ring", "officers", "stays"] {
            let i = p.text.find(word).unwrap();
            let j = p.page_offset(i);
            assert!(text[j..].starts_with(&word[..3]), "{word}: {}", &text[j..]);
        }
        let i = p.text.find("ficking").unwrap();
        assert_eq!(&text[p.page_offset(i)..p.page_offset(i) + 7], "ficking");
    }

    #[test]
    fn multibyte_whitespace_before_a_period_is_safe() {
        let text = format!(
            "{}Governance\u{a0}iii. Next part {}",
            "word ".repeat(60),
            "more ".repeat(300)
        );
        let ps = seg(&text);
        assert!(ps.len() >= 2);
    }

    #[test]
    fn empty_and_blank_pages_give_nothing() {
        assert!(seg("").is_empty());
        assert!(seg(" \n\n \t\n").is_empty());
    }
}
