//! Light document metadata computed from text: the language of a passage, the kind of a
//! document (court record, report, press) and its year. Heuristics, pure and cheap; they
//! feed the `lang:`, `kind:` and `year:` search fields and facets.

use crate::model::Document;
use std::sync::LazyLock;

/// Latin-script languages left out of detection: whatlang scores a text against every
/// language of its script (37 for Latin), which made detection the largest cost of indexing
/// (a third of the CPU time on English text). These are rare in the collections the tool is
/// for and are the usual confusions for the region's languages (Javanese and Indonesian,
/// Tagalog and the Bantu languages); the Latin-script languages kept are English,
/// Indonesian/Malay, Tagalog, Vietnamese, French, Spanish, Portuguese, German, Italian,
/// Dutch, Turkish and Polish. Other scripts are all kept.
const LEFT_OUT: &[whatlang::Lang] = {
    use whatlang::Lang::*;
    &[
        Jav, Ron, Hrv, Uzb, Hun, Aze, Ces, Zul, Swe, Aka, Sna, Afr, Fin, Slk, Tuk, Dan, Nob, Cat,
        Lit, Slv, Epo, Lav, Est, Lat, Cym,
    ]
};

static DETECTOR: LazyLock<whatlang::Detector> =
    LazyLock::new(|| whatlang::Detector::with_denylist(LEFT_OUT.to_vec()));

/// The language of a text as an ISO 639-1 code where one exists (`en`, `id`, `tl`, `vi`,
/// `th`, ...), the ISO 639-3 code otherwise, or `und` when the text is too short or unclear.
pub fn language(text: &str) -> &'static str {
    // 400 characters decide the language as well as the whole passage on the gold set and
    // cost a third of the time of 1,200.
    let sample = match text.char_indices().nth(400) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    if sample.chars().filter(|c| c.is_alphabetic()).count() < 20 {
        return "und";
    }
    // Lao is not among the detector's languages; its script decides.
    let lao = sample
        .chars()
        .filter(|c| ('\u{0E80}'..='\u{0EFF}').contains(c))
        .count();
    if lao * 2 > sample.chars().filter(|c| !c.is_whitespace()).count() {
        return "lo";
    }
    let Some(info) = DETECTOR.detect(sample) else {
        return "und";
    };
    // Scripts that decide the language on their own are reliable even when short.
    let reliable =
        info.is_reliable() || matches!(info.lang(), whatlang::Lang::Tha | whatlang::Lang::Vie);
    if !reliable && info.confidence() < 0.3 {
        return "und";
    }
    use whatlang::Lang::*;
    match info.lang() {
        Eng => "en",
        Ind => "id",
        Tgl => "tl",
        Vie => "vi",
        Tha => "th",
        Fra => "fr",
        Spa => "es",
        Por => "pt",
        Deu => "de",
        Rus => "ru",
        Ara => "ar",
        Cmn => "zh",
        Jpn => "ja",
        Kor => "ko",
        Heb => "he",
        Mar => "mr",
        Hin => "hi",
        Khm => "km",
        Mya => "my",
        Ben => "bn",
        Urd => "ur",
        other => other.code(),
    }
}

/// Function words that tell the Latin-script languages apart on a short paragraph.
const FUNCTION_WORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "and", "of", "to", "was", "were", "is", "that", "with", "for", "by", "from",
        ],
    ),
    (
        "id",
        &[
            "yang", "dan", "di", "dari", "untuk", "dengan", "ini", "itu", "tidak", "oleh", "pada",
            "ke", "akan", "telah",
        ],
    ),
    (
        "tl",
        &[
            "ang", "ng", "mga", "sa", "na", "ay", "si", "ni", "at", "kay", "hindi",
        ],
    ),
    (
        "fr",
        &[
            "le", "la", "les", "des", "et", "est", "du", "une", "dans", "pour", "qui",
        ],
    ),
    (
        "es",
        &[
            "el", "los", "las", "del", "que", "por", "una", "y", "con", "para",
        ],
    ),
    (
        "pt",
        &[
            "os", "da", "do", "das", "dos", "não", "em", "uma", "com", "para",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "nicht", "mit", "von", "den", "ein",
        ],
    ),
];

/// Each function word with the languages (indexes into [`FUNCTION_WORDS`]) that use it.
static FUNCTION_INDEX: LazyLock<std::collections::HashMap<&'static str, Vec<usize>>> =
    LazyLock::new(|| {
        let mut m: std::collections::HashMap<&'static str, Vec<usize>> = Default::default();
        for (i, (_, words)) in FUNCTION_WORDS.iter().enumerate() {
            for w in *words {
                m.entry(*w).or_default().push(i);
            }
        }
        m
    });

/// Letters only Vietnamese uses among the Latin-script languages.
const VIETNAMESE: &str = "ơưđăạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹƠƯĐĂ";

/// A cheap guess of a paragraph's language, for telling neighbouring paragraphs apart:
/// the script decides for Thai, Lao, Khmer, Burmese, Chinese, Japanese, Korean, Arabic and
/// Cyrillic; on Latin script, Vietnamese letters, then counts of function words (two hits at
/// least, twice as many as the next language). `None` when unsure. Much cheaper than
/// [`language`], which runs on every passage afterwards.
pub fn quick_language(text: &str) -> Option<&'static str> {
    let mut counts = [0usize; 10];
    const SCRIPTS: [&str; 10] = [
        "latin", "th", "lo", "km", "my", "zh", "ja", "ko", "ar", "ru",
    ];
    let mut vi = 0;
    for c in text.chars() {
        let u = c as u32;
        let k = match u {
            0x41..=0x5A | 0x61..=0x7A => 0,
            0..=0x7F => continue,
            0x0E00..=0x0E7F => 1,
            0x0E80..=0x0EFF => 2,
            0x1780..=0x17FF => 3,
            0x1000..=0x109F => 4,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF => 5,
            0x3040..=0x30FF => 6,
            0xAC00..=0xD7AF | 0x1100..=0x11FF => 7,
            0x0600..=0x06FF => 8,
            0x0400..=0x04FF => 9,
            _ if c.is_alphabetic() => {
                if VIETNAMESE.contains(c) {
                    vi += 1;
                }
                0
            }
            _ => continue,
        };
        counts[k] += 1;
    }
    let (best, &n) = counts.iter().enumerate().max_by_key(|&(_, n)| *n)?;
    if n < 4 {
        return None;
    }
    if best == 5 && counts[6] * 10 >= n {
        return Some("ja");
    }
    if best != 0 {
        return Some(SCRIPTS[best]);
    }
    if vi >= 3 {
        return Some("vi");
    }
    let mut hits = [0usize; FUNCTION_WORDS.len()];
    for w in text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty() && w.len() <= 6)
    {
        // Lower-case words only: a capitalised function word is rare enough to pass over.
        if let Some(langs) = FUNCTION_INDEX.get(w) {
            for &i in langs {
                hits[i] += 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..hits.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(hits[i]));
    let (a, b) = (hits[order[0]], hits[order[1]]);
    (a >= 2 && a >= 2 * b.max(1)).then_some(FUNCTION_WORDS[order[0]].0)
}

/// Whether two neighbouring paragraphs are plainly in different languages (both guessed by
/// [`quick_language`], and the guesses differ).
pub fn languages_differ(a: &str, b: &str) -> bool {
    match (quick_language(a), quick_language(b)) {
        (Some(x), Some(y)) => x != y,
        _ => false,
    }
}

static COURT: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(court of appeals|district court|supreme court|circuit|plaintiffs?|defendants?|appellants?|appellees?|petitioners?|respondents?|docket|case no\.?|judgment|opinion of the court|v\.|vs\.|indictment|prosecutor|magistrate)\b",
    )
    .expect("static regex")
});
static PRESS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(press release|for immediate release|media contact|news release|statement by|spokesperson|reported on|newsroom)\b")
        .expect("static regex")
});
static REPORT: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(report|executive summary|recommendations?|methodology|findings|table of contents|annex|introduction)\b")
        .expect("static regex")
});
static YEAR: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"\b(19[5-9][0-9]|20[0-4][0-9])\b").expect("static regex"));

/// `court`, `press`, `report` or `other`, from cue words on the first pages and the title.
pub fn kind(doc: &Document) -> &'static str {
    let mut sample = doc.title.clone().unwrap_or_default();
    sample.push('\n');
    sample.push_str(&doc.path);
    for p in doc.pages.iter().take(2) {
        sample.push('\n');
        let end = p
            .text
            .char_indices()
            .nth(6000)
            .map_or(p.text.len(), |(i, _)| i);
        sample.push_str(&p.text[..end]);
    }
    let court = COURT.find_iter(&sample).count();
    let press = PRESS.find_iter(&sample).count();
    let report = REPORT.find_iter(&sample).count();
    if court >= 3 && court >= report {
        "court"
    } else if press >= 1 && press * 3 >= report {
        "press"
    } else if report >= 2 {
        "report"
    } else if court >= 2 {
        "court"
    } else {
        "other"
    }
}

/// The document's year: from a metadata date (`D:2019...`, `2019-03-01`) when given, else
/// the latest plausible year written on the first page.
pub fn year(doc: &Document, metadata_date: Option<&str>) -> Option<u16> {
    if let Some(d) = metadata_date {
        let digits: String = d.trim_start_matches("D:").chars().take(4).collect();
        if let Ok(y) = digits.parse::<u16>() {
            if (1950..=2049).contains(&y) {
                return Some(y);
            }
        }
    }
    let first = doc.pages.iter().find(|p| !p.text.trim().is_empty())?;
    YEAR.find_iter(&first.text)
        .filter_map(|m| m.as_str().parse::<u16>().ok())
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DocKind, Page};

    fn doc(text: &str) -> Document {
        Document {
            hash: String::new(),
            path: "x.txt".into(),
            kind: DocKind::Text,
            title: None,
            pages: vec![Page {
                number: 1,
                text: text.into(),
                ..Page::default()
            }],
            warnings: vec![],
            parent: None,
            metadata: Default::default(),
        }
    }

    #[test]
    fn languages_of_the_region() {
        assert_eq!(language("The officers at the border were paid to let the trucks pass without any inspection."), "en");
        assert_eq!(language("Petugas imigrasi menerima suap dari para penyelundup agar truk dapat melewati pos pemeriksaan."), "id");
        assert_eq!(language("Các quan chức biên phòng đã nhận hối lộ để cho xe tải đi qua trạm kiểm soát mà không kiểm tra."), "vi");
        assert_eq!(
            language("เจ้าหน้าที่ตำรวจรับสินบนจากขบวนการค้ามนุษย์เพื่อปล่อยให้รถบรรทุกผ่านด่าน"),
            "th"
        );
        assert_eq!(language("ok"), "und");
    }

    #[test]
    fn quick_guesses_tell_neighbouring_paragraphs_apart() {
        assert_eq!(
            quick_language("The officer took money from the recruiter at the checkpoint."),
            Some("en")
        );
        assert_eq!(
            quick_language("Petugas itu menerima uang dari perekrut di pos pemeriksaan."),
            Some("id")
        );
        assert_eq!(
            quick_language("Tumanggap ng suhol ang mga opisyal sa hangganan."),
            Some("tl")
        );
        assert_eq!(
            quick_language("Cán bộ biên phòng đã nhận hối lộ của đường dây buôn người."),
            Some("vi")
        );
        assert_eq!(quick_language("เจ้าหน้าที่รับสินบนจากนายหน้า"), Some("th"));
        assert_eq!(quick_language("边境警察收受贿赂"), Some("zh"));
        assert_eq!(quick_language("Annex 3"), None);
        assert!(languages_differ(
            "The officer took money from the recruiter.",
            "เจ้าหน้าที่รับสินบนจากนายหน้า"
        ));
        assert!(!languages_differ(
            "The officer took the money.",
            "Table 4: Seizures by year"
        ));
        assert!(!languages_differ(
            "The officer took the money.",
            "He was paid in cash by the agent."
        ));
    }

    #[test]
    fn lao_by_its_script() {
        assert_eq!(
            language("ເຈົ້າໜ້າທີ່ຕຳຫຼວດຮັບສິນບົນຈາກພວກຄ້າມະນຸດເພື່ອໃຫ້ລົດບັນທຸກຂ້າມຊາຍແດນ"),
            "lo"
        );
    }

    #[test]
    fn kinds_and_years() {
        let c = doc("UNITED STATES DISTRICT COURT\nCase No. 3:19-cr-1\nUnited States v. Doe\nDefendant moves to dismiss the indictment. Filed 03/02/2020");
        assert_eq!(kind(&c), "court");
        assert_eq!(year(&c, None), Some(2020));
        assert_eq!(year(&c, Some("D:20110304120000Z")), Some(2011));
        let p = doc("PRESS RELEASE\nFor immediate release\nThe ministry announced today...");
        assert_eq!(kind(&p), "press");
        let r = doc("Annual Report 2018\nExecutive summary\nFindings and recommendations");
        assert_eq!(kind(&r), "report");
        assert_eq!(kind(&doc("a shopping list")), "other");
    }
}
