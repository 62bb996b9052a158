//! Rich Text Format: the visible text of an RTF file.
//!
//! A small tokenizer over groups, control words and text: `\par` ends a paragraph (a blank
//! line), `\line` breaks a line, `\tab` and `\cell` give a tab, `\row` ends a table row,
//! `\'hh` is a byte in the document's code page (Windows-1252 is assumed; other code pages
//! keep their ASCII range), `\uN` is a Unicode character followed by `\ucN` fallback
//! characters that are dropped. Destinations that hold no body text are skipped whole:
//! font, colour and style tables, pictures, objects, `\*` destinations, document
//! information (whose `\title` becomes the title). Headers and footers become furniture;
//! footnotes follow the body as `[n] text`. `\page` starts a new page. Nesting deeper than
//! the limit and control words with absurd parameters are tolerated, never a panic.

use super::{ExtractError, Extracted, Limits};
use crate::model::{DocKind, Furniture, FurnitureKind, Page};

/// What a group's text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    Body,
    Skip,
    Title,
    Header,
    Footer,
    Footnote,
}

#[derive(Debug, Clone, Copy)]
struct State {
    dest: Dest,
    uc: usize,
}

const SKIPPED: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "listtable",
    "listoverridetable",
    "revtbl",
    "rsidtbl",
    "generator",
    "pict",
    "object",
    "objdata",
    "themedata",
    "colorschememapping",
    "latentstyles",
    "datastore",
    "xmlnstbl",
    "fldinst",
    "author",
    "operator",
    "company",
    "keywords",
    "comment",
    "doccomm",
    "subject",
    "creatim",
    "revtim",
    "printim",
    "buptim",
    "filetbl",
    "pgdsctbl",
    "bkmkstart",
    "bkmkend",
];

/// Reads an RTF file.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    if !bytes.starts_with(b"{\\rtf") {
        return Err(ExtractError::Invalid {
            kind: DocKind::Rtf,
            reason: "no {\\rtf header".into(),
        });
    }
    let mut stack: Vec<State> = Vec::new();
    let mut st = State {
        dest: Dest::Body,
        uc: 1,
    };
    let mut pages: Vec<String> = vec![String::new()];
    let mut title = String::new();
    let mut header = String::new();
    let mut footer = String::new();
    let mut notes: Vec<String> = Vec::new();
    // fallback bytes still to drop after a \uN
    let mut skip_fallback = 0usize;
    let mut i = 0usize;
    let n = bytes.len();
    let max_depth = limits.max_depth.max(8) * 8;

    let mut emit = |st: &State, s: &str, pages: &mut Vec<String>, notes: &mut Vec<String>| {
        let target = match st.dest {
            Dest::Body => pages.last_mut(),
            Dest::Title => Some(&mut title),
            Dest::Header => Some(&mut header),
            Dest::Footer => Some(&mut footer),
            Dest::Footnote => notes.last_mut(),
            Dest::Skip => None,
        };
        if let Some(t) = target {
            t.push_str(s);
        }
    };

    while i < n {
        let b = bytes[i];
        match b {
            b'{' => {
                if stack.len() < max_depth {
                    stack.push(st);
                }
                i += 1;
                continue;
            }
            b'}' => {
                if let Some(s) = stack.pop() {
                    st = s;
                }
                skip_fallback = 0;
                i += 1;
            }
            b'\\' => {
                i += 1;
                if i >= n {
                    break;
                }
                let c = bytes[i];
                if c.is_ascii_alphabetic() {
                    let start = i;
                    while i < n && bytes[i].is_ascii_alphabetic() && i - start < 32 {
                        i += 1;
                    }
                    let word = std::str::from_utf8(&bytes[start..i]).unwrap_or("");
                    let mut param: Option<i64> = None;
                    let neg = i < n && bytes[i] == b'-';
                    if neg {
                        i += 1;
                    }
                    let ds = i;
                    while i < n && bytes[i].is_ascii_digit() && i - ds < 10 {
                        i += 1;
                    }
                    if i > ds {
                        let v: i64 = std::str::from_utf8(&bytes[ds..i])
                            .ok()
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(0);
                        param = Some(if neg { -v } else { v });
                    }
                    if i < n && bytes[i] == b' ' {
                        i += 1;
                    }
                    if SKIPPED.contains(&word) {
                        st.dest = Dest::Skip;
                        continue;
                    }
                    if word == "title" {
                        st.dest = Dest::Title;
                        continue;
                    }
                    if st.dest == Dest::Skip {
                        continue;
                    }
                    match word {
                        "info" => st.dest = Dest::Skip,
                        "header" | "headerl" | "headerr" | "headerf" => st.dest = Dest::Header,
                        "footer" | "footerl" | "footerr" | "footerf" => st.dest = Dest::Footer,
                        "footnote" => {
                            notes.push(String::new());
                            st.dest = Dest::Footnote;
                        }
                        "par" | "sect" => emit(&st, "\n\n", &mut pages, &mut notes),
                        "line" | "row" => emit(&st, "\n", &mut pages, &mut notes),
                        "tab" | "cell" => emit(&st, "\t", &mut pages, &mut notes),
                        "page" if st.dest == Dest::Body => pages.push(String::new()),
                        "emdash" => emit(&st, "\u{2014}", &mut pages, &mut notes),
                        "endash" => emit(&st, "\u{2013}", &mut pages, &mut notes),
                        "lquote" => emit(&st, "\u{2018}", &mut pages, &mut notes),
                        "rquote" => emit(&st, "\u{2019}", &mut pages, &mut notes),
                        "ldblquote" => emit(&st, "\u{201C}", &mut pages, &mut notes),
                        "rdblquote" => emit(&st, "\u{201D}", &mut pages, &mut notes),
                        "bullet" => emit(&st, "\u{2022}", &mut pages, &mut notes),
                        "uc" => st.uc = param.unwrap_or(1).clamp(0, 8) as usize,
                        "u" => {
                            let v = param.unwrap_or(0);
                            let v = if v < 0 { v + 65536 } else { v };
                            let ch = char::from_u32(v as u32).unwrap_or('\u{FFFD}');
                            emit(&st, ch.encode_utf8(&mut [0; 4]), &mut pages, &mut notes);
                            skip_fallback = st.uc;
                        }
                        _ => {}
                    }
                    continue;
                }
                i += 1;
                match c {
                    b'*' => st.dest = Dest::Skip,
                    b'\'' => {
                        let hex = bytes.get(i..i + 2).and_then(|h| {
                            u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
                        });
                        i = (i + 2).min(n);
                        if skip_fallback > 0 {
                            skip_fallback -= 1;
                            continue;
                        }
                        if let Some(h) = hex {
                            let ch = cp1252(h);
                            emit(&st, ch.encode_utf8(&mut [0; 4]), &mut pages, &mut notes);
                        }
                    }
                    b'~' => emit(&st, "\u{A0}", &mut pages, &mut notes),
                    b'-' => {}
                    b'_' => emit(&st, "\u{2011}", &mut pages, &mut notes),
                    b'\n' | b'\r' => emit(&st, "\n\n", &mut pages, &mut notes),
                    b'\\' | b'{' | b'}' => {
                        if skip_fallback > 0 {
                            skip_fallback -= 1;
                        } else {
                            emit(
                                &st,
                                (c as char).encode_utf8(&mut [0; 4]),
                                &mut pages,
                                &mut notes,
                            );
                        }
                    }
                    _ => {}
                }
                continue;
            }
            b'\r' | b'\n' => i += 1,
            _ => {
                let start = i;
                while i < n && !matches!(bytes[i], b'{' | b'}' | b'\\' | b'\r' | b'\n') {
                    i += 1;
                }
                let mut chunk = &bytes[start..i];
                while skip_fallback > 0 && !chunk.is_empty() {
                    chunk = &chunk[1..];
                    skip_fallback -= 1;
                }
                let s: String = chunk.iter().map(|&b| cp1252(b)).collect();
                emit(&st, &s, &mut pages, &mut notes);
            }
        }
    }

    let tidy = |s: &str| -> String {
        let paras: Vec<String> = s
            .split("\n\n")
            .map(|p| {
                p.lines()
                    .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .filter(|p| !p.is_empty())
            .collect();
        paras.join("\n\n")
    };
    let mut furniture = Vec::new();
    for (kind, text) in [
        (FurnitureKind::Header, &header),
        (FurnitureKind::Footer, &footer),
    ] {
        let t = tidy(text);
        if !t.is_empty() {
            furniture.push(Furniture { kind, text: t });
        }
    }
    let mut out_pages: Vec<Page> = pages
        .iter()
        .map(|p| tidy(p))
        .filter(|p| !p.is_empty())
        .enumerate()
        .map(|(i, text)| Page {
            number: i as u32 + 1,
            text,
            furniture: furniture.clone(),
            ..Page::default()
        })
        .collect();
    if out_pages.is_empty() {
        out_pages.push(Page {
            number: 1,
            ..Page::default()
        });
    }
    if let Some(last) = out_pages.last_mut() {
        for (k, note) in notes
            .iter()
            .map(|s| tidy(s))
            .filter(|s| !s.is_empty())
            .enumerate()
        {
            if !last.text.is_empty() {
                last.text.push_str("\n\n");
            }
            last.text.push_str(&format!("[{}] {note}", k + 1));
        }
    }
    let title = tidy(&title);
    Ok(Extracted {
        title: (!title.is_empty()).then_some(title),
        date: None,
        pages: out_pages,
        warnings: Vec::new(),
    })
}

/// Windows-1252 to Unicode.
fn cp1252(b: u8) -> char {
    const HIGH: [u16; 32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9F => char::from_u32(HIGH[(b - 0x80) as usize] as u32).unwrap_or('\u{FFFD}'),
        _ => b as char,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_paragraphs_escapes_and_skipped_destinations() {
        let rtf = br"{\rtf1\ansi{\fonttbl{\f0 Times;}}{\info{\title Payments}{\author X}}{\header Confidential}
\f0 The officer took a bribe of \'8050.\par Second {\b paragraph} with caf\'e9 and \u8364?5.{\*\generator Word;}\par
{\footnote The source.}}";
        let e = extract(rtf, &Limits::default()).unwrap();
        assert_eq!(e.title.as_deref(), Some("Payments"));
        let text = &e.pages[0].text;
        assert!(
            text.starts_with("The officer took a bribe of \u{20AC}50."),
            "{text}"
        );
        assert!(
            text.contains("Second paragraph with caf\u{e9} and \u{20AC}5."),
            "{text}"
        );
        assert!(text.ends_with("[1] The source."), "{text}");
        assert!(!text.contains("Times") && !text.contains("Word"), "{text}");
        assert_eq!(e.pages[0].furniture[0].text, "Confidential");
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for junk in [
            &b"{\\rtf"[..],
            b"{\\rtf1 \\u-99999999999999999 \\'zz \\",
            b"{\\rtf1 }}}}}}{{{{",
            b"{\\rtf1 \\uc99999999 \\u65 abc}",
        ] {
            let _ = extract(junk, &Limits::default());
        }
        assert!(extract(b"hello", &Limits::default()).is_err());
    }
}
