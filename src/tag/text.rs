//! Text layout for matching: case folding that keeps byte offsets, word boundaries that do not
//! depend on spaces in Thai, sentence ranges and word positions.
//!
//! - **Folding**: ASCII is lower-cased; other letters are lower-cased only
//!   when the lower-case form has the same UTF-8 length ("CÔNG AN" → "công an"), so every
//!   offset into the folded text is an offset into the original.
//! - **Boundaries**: a term must not start or end inside a word, except at the edge of a term
//!   written in a script without spaces (Thai, Lao, Khmer, Myanmar, CJK), where no boundary
//!   is required: "รับสินบน" contains "สินบน".
//! - **Sentences**: cut after `.`, `!`, `?`, `;`, `。` or a Thai/ideographic full stop when
//!   whitespace follows and the next word does not start in lower case; never after common
//!   abbreviations ("Mr.", "U.S.", "No.") or single-letter initials. Bullets (`•`) and
//!   newlines also cut: a passage keeps a newline only where a paragraph ends, and a newline
//!   also starts a new paragraph (modality cues stay in theirs).
//! - **Words**: a word starts after whitespace; inside a run of a space-less script every
//!   fourth character counts as a new word, so proximity windows stay meaningful in Thai.

/// A script written without spaces between words.
pub(crate) fn spaceless(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF | 0x3040..=0x30FF | 0x3400..=0x9FFF)
}

/// Word character for boundary checks.
pub(crate) fn wordy(c: char) -> bool {
    c.is_alphanumeric() && !spaceless(c)
}

/// Folds text for the automaton: ASCII lower-cased, other letters as [`fold_char`] does, every
/// byte offset unchanged. The automaton is built case-sensitive over folded patterns, which
/// halves its alphabet (and its memory) against an ASCII-case-insensitive one.
///
/// [`fold_char`]: crate::codebook::fold_char
pub(crate) fn fold(text: &str) -> String {
    use crate::codebook::fold_char;
    if text.is_ascii() || !text.chars().any(|c| !c.is_ascii() && fold_char(c) != c) {
        return text.to_ascii_lowercase();
    }
    text.chars().map(fold_char).collect()
}

const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "no", "nos", "sec", "art", "inc", "ltd", "jr", "sr", "gen",
    "col", "lt", "sgt", "capt", "u.s", "v", "vs", "etc", "e.g", "i.e", "pol", "insp", "supt",
    "gov", "sen", "rep", "hon", "atty", "corp", "co", "dept", "p.o", "u.n", "u.k", "pp", "vol",
    "fig", "approx", "brig", "maj", "cpl", "det", "const", "kombes", "ak", "bpk", "tp", "tt",
];

const WORD: u8 = 0;
const SPACE: u8 = 1;
const OTHER: u8 = 2;

/// Class of each byte for the layout's fast path: ASCII whitespace, other ASCII, or a byte
/// that needs the slow path (sentence punctuation, newline, any non-ASCII byte). A table
/// lookup, because branching on the space / letter alternation mispredicts once a word.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 0x80 {
        t[b] = match b as u8 {
            b'.' | b'!' | b'?' | b';' | b'\n' => OTHER,
            b' ' | 0x09..=0x0d => SPACE,
            _ => WORD,
        };
        b += 1;
    }
    t
};

/// Length of the longest entry of [`ABBREVIATIONS`].
const MAX_ABBREVIATION: usize = 6;

/// Sentence ranges and word starts of one text.
#[derive(Debug)]
pub(crate) struct Layout {
    /// Sentence ranges (byte offsets), covering the text in order.
    pub sentences: Vec<(usize, usize)>,
    word_starts: Vec<u32>,
    /// Starts of the paragraphs after the first: a passage keeps a newline only where a
    /// paragraph ends (the segmenter turns line breaks inside paragraphs into spaces), and a
    /// passage cut from a PDF page may hold several paragraphs.
    paragraph_starts: Vec<u32>,
}

impl Layout {
    pub fn new(text: &str) -> Layout {
        let bytes = text.as_bytes();
        let mut sentences = Vec::new();
        // Word starts are written branch-free into a buffer as long as the text (the space /
        // word alternation is unpredictable), then cut to the number found.
        let mut word_starts = vec![0u32; text.len() + 1];
        let mut nw = 0usize;
        let mut paragraph_starts = Vec::new();
        let mut start = 0usize;
        let mut prev_space = true;
        let mut run = 0u32;
        let mut i = 0usize;
        // A byte loop with a fast path for ASCII: most of the text is ASCII even in reports
        // with accented names, and decoding every character was the tagger's second cost.
        while i < bytes.len() {
            let b = bytes[i];
            let class = BYTE_CLASS[b as usize];
            if class != OTHER {
                // ASCII that cannot end a sentence: only the word starts matter.
                let space = class == SPACE;
                word_starts[nw] = i as u32;
                nw += usize::from(!space & prev_space);
                prev_space = space;
                i += 1;
                continue;
            }
            let c = match b {
                b if b < 0x80 => b as char,
                _ => text[i..].chars().next().unwrap_or(' '),
            };
            let next = i + c.len_utf8();
            let space = c.is_whitespace();
            if !space {
                if prev_space {
                    word_starts[nw] = i as u32;
                    nw += 1;
                    run = 0;
                } else if spaceless(c) {
                    run += 1;
                    if run.is_multiple_of(4) {
                        word_starts[nw] = i as u32;
                        nw += 1;
                    }
                }
            }
            prev_space = space;
            let end_here = match c {
                '.' | '!' | '?' | ';' | '。' | '\u{0E2F}' | '\u{0964}' => {
                    let next_ok = match text[next..].chars().next() {
                        Some(n) if n.is_whitespace() => {
                            let nw = text[next..].trim_start().chars().next();
                            !matches!(nw, Some(ch) if ch.is_lowercase())
                        }
                        Some(_) => false,
                        None => true,
                    };
                    next_ok && (c != '.' || !abbreviation_before(text, i))
                }
                '\n' => {
                    // Passages keep a newline only where a paragraph ends.
                    paragraph_starts.push(next as u32);
                    true
                }
                '\u{2022}' => true,
                _ => false,
            };
            if end_here {
                if next > start {
                    sentences.push((start, next));
                }
                start = next;
            }
            i = next;
        }
        if start < text.len() || sentences.is_empty() {
            sentences.push((start, text.len()));
        }
        word_starts.truncate(nw);
        Layout {
            sentences,
            word_starts,
            paragraph_starts,
        }
    }

    /// Index of the sentence holding byte `b`.
    pub fn sentence_of(&self, b: usize) -> usize {
        self.sentences
            .partition_point(|&(_, e)| e <= b)
            .min(self.sentences.len() - 1)
    }

    /// Paragraph number of byte `b` (0 for the first).
    pub fn paragraph_of(&self, b: usize) -> usize {
        self.paragraph_starts.partition_point(|&p| p as usize <= b)
    }

    /// Word position of byte `b`.
    pub fn word_of(&self, b: usize) -> u32 {
        self.word_starts.partition_point(|&w| w as usize <= b) as u32
    }

    /// Words between two spans (0 when adjacent or overlapping).
    pub fn distance(&self, a: (usize, usize), b: (usize, usize)) -> u32 {
        if b.0 >= a.1 {
            self.word_of(b.0)
                .saturating_sub(self.word_of(a.1.saturating_sub(1)))
        } else if a.0 >= b.1 {
            self.word_of(a.0)
                .saturating_sub(self.word_of(b.1.saturating_sub(1)))
        } else {
            0
        }
    }
}

fn abbreviation_before(text: &str, dot: usize) -> bool {
    let before = &text[..dot];
    let word_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || c == '(' || c == '"')
        .map(|(p, c)| p + c.len_utf8())
        .unwrap_or(0);
    let word = &before[word_start..];
    // Thai ends sentences with a space, not a full stop: a dot after Thai letters closes an
    // abbreviation ("ตม." immigration police, "พ.ต.ท." police lieutenant colonel, "จ." province).
    if word
        .chars()
        .next_back()
        .is_some_and(|c| matches!(c as u32, 0x0E01..=0x0E5B))
    {
        return true;
    }
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return c.is_uppercase();
    }
    // Every abbreviation is short ASCII: compare only such words, lower-cased on the stack.
    if word.len() > MAX_ABBREVIATION || !word.is_ascii() {
        return false;
    }
    let mut buf = [0u8; MAX_ABBREVIATION];
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    ABBREVIATIONS.iter().any(|a| a.as_bytes() == &*lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_abbreviations_do_not_end_sentences() {
        // Thai writes no full stop; its dots close abbreviations (ตม. = immigration police).
        let t = "เจ้าหน้าที่ ตม. รับเงินจากนายหน้า พ.ต.ท. สมชาย ปฏิเสธ. He paid. Then";
        let l = Layout::new(t);
        let s: Vec<&str> = l.sentences.iter().map(|&(a, b)| &t[a..b]).collect();
        assert_eq!(
            s,
            vec![
                "เจ้าหน้าที่ ตม. รับเงินจากนายหน้า พ.ต.ท. สมชาย ปฏิเสธ. He paid.",
                " Then"
            ]
        );
    }

    #[test]
    fn sentences_skip_abbreviations() {
        let t = "Mr. Lee met the U.S. consul. He paid. Then he left";
        let l = Layout::new(t);
        let s: Vec<&str> = l.sentences.iter().map(|&(a, b)| &t[a..b]).collect();
        assert_eq!(
            s,
            vec!["Mr. Lee met the U.S. consul.", " He paid.", " Then he left"]
        );
        assert_eq!(l.sentence_of(0), 0);
        assert_eq!(l.sentence_of(t.len() - 1), 2);
    }

    #[test]
    fn abbreviations_are_short_ascii() {
        assert!(ABBREVIATIONS
            .iter()
            .all(|a| a.len() <= MAX_ABBREVIATION && a.is_ascii() && *a == a.to_lowercase()));
        let t = "Ask Capt. Reyes and Insp. Tan. They met Kombes. Budi at No. 5 St. Mary Road.";
        let l = Layout::new(t);
        assert_eq!(l.sentences.len(), 2, "{:?}", l.sentences);
    }

    #[test]
    fn fold_keeps_offsets() {
        let t = "CÔNG AN nhận HỐI LỘ İ";
        let f = fold(t);
        assert_eq!(f.len(), t.len());
        assert!(f.contains("công an") && f.contains("hối lộ"), "{f}");
    }

    #[test]
    fn thai_words_without_spaces() {
        let t = "เจ้าหน้าที่รับสินบนจากนายหน้า";
        let l = Layout::new(t);
        assert!(l.word_of(t.len() - 1) >= 4);
        assert!(spaceless('ส') && !wordy('ส') && wordy('a'));
    }

    #[test]
    fn distance_in_words() {
        let t = "the officer quietly took the cash";
        let l = Layout::new(t);
        assert_eq!(l.distance((4, 11), (29, 33)), 4);
        assert_eq!(l.distance((29, 33), (4, 11)), 4);
    }
}
