//! Search in the region's languages (issue 16): one passage per language written for these
//! tests (th, lo, km, my, zh, vi, id, ms, tl, and English), each about a bribed border
//! official; single words, phrases, field queries, Indonesian/Malay affixes, highlights,
//! the `--lang` filter and the language facet. Then passages split where the language
//! changes, and the Thai and Chinese bench PDFs searched by words of their true text.

use crate::util::{shared, TestDir};
use std::collections::HashMap;

/// (file, expected language, text). Every text is one paragraph: one passage.
const TEXTS: &[(&str, &str, &str)] = &[
    ("th.txt", "th", "เจ้าหน้าที่ตำรวจตรวจคนเข้าเมืองรับสินบนจากขบวนการค้ามนุษย์เพื่อปล่อยให้รถบรรทุกแรงงานข้ามชายแดนโดยไม่ตรวจค้น ผู้เสียหายหลายคนถูกยึดหนังสือเดินทางและถูกบังคับให้ทำงานบนเรือประมง"),
    ("lo.txt", "lo", "ເຈົ້າໜ້າທີ່ຕຳຫຼວດຮັບສິນບົນຈາກພວກຄ້າມະນຸດເພື່ອໃຫ້ລົດບັນທຸກຂ້າມຊາຍແດນ ຜູ້ເຄາະຮ້າຍຖືກຍຶດໜັງສືຜ່ານແດນ"),
    ("km.txt", "km", "មន្ត្រីប៉ូលីសព្រំដែនបានទទួលសំណូកពីក្រុមជួញដូរមនុស្ស ដើម្បីអនុញ្ញាតឱ្យឡានដឹកកម្មករឆ្លងកាត់ព្រំដែន ជនរងគ្រោះត្រូវបានរឹបអូសលិខិតឆ្លងដែន"),
    ("my.txt", "my", "နယ်စပ်ရဲအရာရှိများသည် လူကုန်ကူးသူများထံမှ လာဘ်ငွေယူပြီး အလုပ်သမားများကို နယ်စပ်ဖြတ်ကျော်ခွင့်ပြုခဲ့သည်။ သားကောင်များ၏ နိုင်ငံကူးလက်မှတ်များကို သိမ်းဆည်းခဲ့သည်။"),
    ("zh.txt", "zh", "边境警察收受人口贩子的贿赂，放行载有工人的卡车。多名受害者的护照被没收，并被迫在渔船上工作。"),
    ("vi.txt", "vi", "Các cán bộ công an biên phòng đã nhận hối lộ của đường dây buôn người để cho xe tải chở lao động đi qua cửa khẩu. Nhiều nạn nhân bị tịch thu hộ chiếu và bị ép làm việc trên tàu cá."),
    ("id.txt", "id", "Petugas imigrasi diduga menerima suap dari jaringan yang menyelundupkan pekerja migran melalui pelabuhan. Para korban dipaksa bekerja di kapal penangkap ikan dan paspor mereka ditahan oleh agen."),
    ("ms.txt", "id", "Pegawai penguatkuasa didakwa menerima rasuah daripada sindiket yang membawa pekerja asing melintasi sempadan dengan lori. Mangsa dipaksa bekerja tanpa gaji dan pasport mereka dirampas oleh majikan."),
    ("tl.txt", "tl", "Tumanggap ng suhol ang mga opisyal sa hangganan mula sa mga nagpupuslit ng tao upang palampasin ang mga trak na may sakay na manggagawa. Kinumpiska ang mga pasaporte ng mga biktima at pinilit silang magtrabaho sa mga bangkang pangisda."),
    ("en.txt", "en", "The border officers accepted bribes from the smuggling ring and let the trucks carrying workers cross without inspection. The victims had their passports confiscated and were forced to work on fishing boats."),
];

fn collection() -> TestDir {
    let t = TestDir::new();
    for (name, _, text) in TEXTS {
        t.write(&format!("docs/{name}"), text);
    }
    t.run(["index", "docs"]).expect_code(0);
    t
}

/// The files of the hits and, for each hit, the highlighted words.
fn hits(t: &TestDir, args: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut a = vec!["search", "--json", "--all"];
    a.extend_from_slice(args);
    let r = t.run(&a);
    r.json_lines()
        .iter()
        .filter(|h| h.get("text").is_some())
        .map(|h| {
            let path = h["path"].as_str().unwrap();
            let file = path.rsplit('/').next().unwrap().to_owned();
            let text = h["text"].as_str().unwrap();
            let words = h["highlights"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    text[s[0].as_u64().unwrap() as usize..s[1].as_u64().unwrap() as usize]
                        .to_owned()
                })
                .collect();
            (file, words)
        })
        .collect()
}

/// Asserts the query finds exactly `file`, with `marked` among the highlighted words.
fn finds(t: &TestDir, query: &str, file: &str, marked: &[&str]) {
    let h = hits(t, &[query]);
    let files: Vec<&str> = h.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(files, [file], "query {query:?}");
    for m in marked {
        assert!(
            h[0].1.iter().any(|w| w == m),
            "query {query:?}: {m:?} not highlighted in {:?}",
            h[0].1
        );
    }
}

#[test]
fn words_phrases_and_fields_in_each_language() {
    let t = collection();
    // Thai: words inside an unspaced sentence, alone, as a phrase, in a field query.
    finds(&t, "สินบน", "th.txt", &["สินบน"]);
    finds(&t, "ค้ามนุษย์", "th.txt", &[]);
    finds(&t, "หนังสือเดินทาง", "th.txt", &[]);
    // Adjacent words of a phrase are marked as one span.
    finds(&t, "\"รับสินบน\"", "th.txt", &["รับสินบน"]);
    finds(&t, "text:เรือประมง lang:th", "th.txt", &[]);
    // Lao, Khmer, Burmese.
    finds(&t, "ສິນບົນ", "lo.txt", &["ສິນບົນ"]);
    finds(&t, "ຊາຍແດນ", "lo.txt", &[]);
    finds(&t, "ព្រំដែន", "km.txt", &["ព្រំដែន"]);
    finds(&t, "ជួញដូរ", "km.txt", &[]);
    finds(&t, "\"ក្រុមជួញដូរមនុស្ស\" lang:km", "km.txt", &[]);
    // A compound the dictionary knows is one word: "received a bribe" is found whole, its
    // part "bribe" (សំណូក) alone is not (a known limit of dictionary segmentation).
    finds(&t, "ទទួលសំណូក", "km.txt", &["ទទួលសំណូក"]);
    assert!(hits(&t, &["សំណូក"]).is_empty());
    finds(&t, "လာဘ်", "my.txt", &["လာဘ်"]);
    finds(&t, "နယ်စပ် lang:my", "my.txt", &[]);
    finds(&t, "\"အလုပ်သမားများကို\"", "my.txt", &[]);
    // Chinese.
    finds(&t, "贿赂", "zh.txt", &["贿赂"]);
    finds(&t, "护照", "zh.txt", &["护照"]);
    finds(&t, "人口贩子", "zh.txt", &[]);
    finds(&t, "\"护照被没收\"", "zh.txt", &[]);
    finds(&t, "渔船 lang:zh", "zh.txt", &["渔船"]);
    // Vietnamese: syllables are words; a phrase keeps them in order.
    finds(&t, "\"hối lộ\"", "vi.txt", &["hối", "lộ"]);
    finds(&t, "\"hộ chiếu\" lang:vi", "vi.txt", &[]);
    assert!(hits(&t, &["\"lộ hối\""]).is_empty());
    finds(&t, "buôn", "vi.txt", &["buôn"]);
    // Typed with combining accents (decomposed), the word is the same word.
    finds(&t, "bie\u{0302}n", "vi.txt", &["biên"]);
    // Indonesian and Malay: words, and affixed forms meeting at the root.
    finds(&t, "suap", "id.txt", &["suap"]);
    finds(&t, "penyelundupan", "id.txt", &["menyelundupkan"]);
    finds(&t, "penahanan paspor", "id.txt", &["ditahan", "paspor"]);
    finds(&t, "\"kapal penangkap ikan\"", "id.txt", &[]);
    finds(&t, "rasuah", "ms.txt", &["rasuah"]);
    finds(&t, "rampasan", "ms.txt", &["dirampas"]);
    finds(&t, "sempadan lang:id", "ms.txt", &[]);
    // Tagalog.
    finds(&t, "suhol", "tl.txt", &["suhol"]);
    finds(&t, "\"mga biktima\"", "tl.txt", &[]);
    finds(&t, "pasaporte lang:tl", "tl.txt", &[]);
    // English as before: stemming, and nothing from the other languages.
    finds(&t, "bribe", "en.txt", &["bribes"]);
    finds(&t, "\"fishing boats\"", "en.txt", &["fishing", "boats"]);
    // Several languages' words in one query: any of them.
    let mut files: Vec<String> = hits(&t, &["สินบน OR 贿赂 OR suap OR suhol OR bribe"])
        .into_iter()
        .map(|h| h.0)
        .collect();
    files.sort();
    assert_eq!(files, ["en.txt", "id.txt", "th.txt", "tl.txt", "zh.txt"]);
}

#[test]
fn lang_filter_and_facet() {
    let t = collection();
    // Each passage gets its language; the facet counts them.
    let r = t
        .run(["search", "--json", "--facets", "--limit", "1"])
        .expect_code(0);
    let lines = r.json_lines();
    let facet: HashMap<String, u64> = lines.last().unwrap()["facets"]["lang"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b[0].as_str().unwrap().to_owned(), b[1].as_u64().unwrap()))
        .collect();
    let mut want: HashMap<String, u64> = HashMap::new();
    for (_, lang, _) in TEXTS {
        *want.entry((*lang).to_owned()).or_default() += 1;
    }
    assert_eq!(facet, want);
    // --lang keeps those languages, repeatable.
    let mut files: Vec<String> = hits(&t, &["--lang", "th", "--lang", "zh"])
        .into_iter()
        .map(|h| h.0)
        .collect();
    files.sort();
    assert_eq!(files, ["th.txt", "zh.txt"]);
    assert!(hits(&t, &["--lang", "th", "贿赂"]).is_empty());
    assert_eq!(hits(&t, &["--lang", "id", "pasport OR paspor"]).len(), 2);
}

#[test]
fn a_paragraph_in_another_language_starts_a_passage() {
    let t = TestDir::new();
    // Three short paragraphs, three languages: three passages.
    t.write(
        "docs/mixed.txt",
        [
            "The officer took money from the recruiter at the checkpoint.",
            "เจ้าหน้าที่รับสินบนจากนายหน้าที่ด่านตรวจ",
            "Petugas itu menerima uang dari perekrut di pos pemeriksaan.",
        ]
        .join("\n\n"),
    );
    t.run(["index", "docs"]).expect_code(0);
    let all = t.run(["export"]).expect_code(0).json_lines();
    let langs: Vec<&str> = all.iter().map(|p| p["lang"].as_str().unwrap()).collect();
    assert_eq!(all.len(), 3, "{langs:?}");
    assert_eq!(hits(&t, &["สินบน"]).len(), 1);
}

/// Words of a true text, cut by the same dictionary segmenter the index uses, sampled
/// evenly; returns the fraction `redflag search` finds in the indexed PDF.
fn fraction_found(pdf: &str, truth: &str, script: fn(char) -> bool, samples: usize) -> f64 {
    let Some(pdf) = shared(pdf) else {
        return 1.0;
    };
    let truth = std::fs::read_to_string(shared(truth).expect("truth next to the PDF")).unwrap();
    let t = TestDir::new();
    let name = pdf.file_name().unwrap().to_str().unwrap().to_owned();
    std::fs::copy(&pdf, t.path().join(&name)).unwrap();
    t.run(["index", "--no-ocr", &name]).expect_code(0);
    let mut words: Vec<String> = redflag::index::words(&truth)
        .into_iter()
        .filter(|w| w.chars().count() >= 2 && w.chars().all(script))
        .collect();
    words.sort();
    words.dedup();
    assert!(words.len() >= samples, "{} distinct words", words.len());
    let step = words.len() / samples;
    let picked: Vec<&String> = words.iter().step_by(step).take(samples).collect();
    let mut missing = Vec::new();
    for w in &picked {
        if t.run(["search", "--limit", "1", w.as_str()]).code() != 0 {
            missing.push(w.as_str());
        }
    }
    let found = 1.0 - missing.len() as f64 / picked.len() as f64;
    eprintln!(
        "{name}: {found:.3} of {} sampled words found; missing {missing:?}",
        picked.len()
    );
    found
}

#[test]
fn thai_and_chinese_bench_pdfs_are_searchable_by_their_words() {
    let thai = |c: char| ('\u{0E00}'..='\u{0E7F}').contains(&c);
    let han = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
    let th = fraction_found(
        "extract-bench/dev/lo_udhr_thai.pdf",
        "extract-bench/dev/lo_udhr_thai.truth.txt",
        thai,
        60,
    );
    let zh = fraction_found(
        "extract-bench/dev/xelatex_udhr_zh_hans.pdf",
        "extract-bench/dev/xelatex_udhr_zh_hans.truth.txt",
        han,
        60,
    );
    assert!(th >= 0.95, "Thai: {th}");
    assert!(zh >= 0.95, "Chinese: {zh}");
}

/// Tesseract's installed language packs (`tesseract --list-langs`).
fn tesseract_langs() -> Vec<String> {
    let out = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .expect("tesseract");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(|l| l.trim().to_owned())
        .collect()
}

/// Page 1 of a PDF rendered at 300 dpi (grey) and wrapped in a PDF of its own with no text
/// layer: a clean scan of a page whose true text is known.
fn scan_of_first_page(pdf: &std::path::Path) -> Vec<u8> {
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-f", "1", "-l", "1"])
        .arg(pdf)
        .output()
        .expect("pdftoppm");
    assert!(out.status.success(), "pdftoppm {}", pdf.display());
    let (w, h, samples) = crate::util::pgm_samples(&out.stdout);
    crate::util::grey_image_pdf(w, h, samples, [595, 842])
}

/// The fraction of `words` that `redflag search` finds in the index of `t`, and the missing.
fn found_in(t: &TestDir, words: &[String]) -> (f64, Vec<String>) {
    let missing: Vec<String> = words
        .iter()
        .filter(|w| t.run(["search", "--limit", "1", w.as_str()]).code() != 0)
        .cloned()
        .collect();
    (1.0 - missing.len() as f64 / words.len() as f64, missing)
}

/// `--ocr-lang auto` on scans of a Thai and a Vietnamese page (page 1 of the bench PDFs,
/// rendered without their text layer): the script or the first reading picks `tha` or
/// `vie`, so words of the page's true text are found; read as English (`--ocr-lang eng`)
/// the same pages give almost none of them. Needs Tesseract with the `tha` and `vie` packs
/// (`apt-get install tesseract-ocr-tha tesseract-ocr-vie`, in `.ci/run`).
#[test]
fn ocr_auto_reads_thai_and_vietnamese_scans() {
    let (Some(th), Some(vi)) = (
        shared("extract-bench/dev/lo_udhr_thai.pdf"),
        shared("extract-bench/dev/xelatex_udhr_vie_2col.pdf"),
    ) else {
        return;
    };
    let install = "apt-get install tesseract-ocr tesseract-ocr-tha tesseract-ocr-vie poppler-utils";
    crate::util::require("tesseract", install);
    crate::util::require("pdftoppm", install);
    let langs = tesseract_langs();
    for pack in ["tha", "vie"] {
        assert!(
            langs.iter().any(|l| l == pack),
            "Tesseract pack `{pack}` is needed by this test: {install} (see .ci/run); installed: {langs:?}"
        );
    }
    let (th_scan, vi_scan) = (scan_of_first_page(&th), scan_of_first_page(&vi));
    let indexed = |lang: &str| {
        let t = TestDir::new();
        t.write("docs/th-scan.pdf", &th_scan);
        t.write("docs/vi-scan.pdf", &vi_scan);
        t.run(["--ocr-lang", lang, "index", "docs"]).expect_code(0);
        t
    };
    let (auto_idx, eng_idx) = (indexed("auto"), indexed("eng"));
    let read: String = auto_idx
        .run(["export"])
        .expect_code(0)
        .json_lines()
        .iter()
        .map(|p| format!("[{}] {}", p["lang"], p["text"].as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!(
        "read with --ocr-lang auto:\n{}",
        read.chars().take(1500).collect::<String>()
    );
    let page1 = |truth: &str| -> String {
        let j: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(shared(truth).expect("truth next to the PDF")).unwrap(),
        )
        .unwrap();
        j["pages"][0]["body"].as_str().unwrap().to_owned()
    };
    let sample = |text: &str, keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        let mut words: Vec<String> = redflag::index::words(text)
            .into_iter()
            .filter(|w| w.chars().count() >= 2 && keep(w))
            .collect();
        words.sort();
        words.dedup();
        let step = (words.len() / 30).max(1);
        words.into_iter().step_by(step).take(30).collect()
    };
    let thai_words = sample(&page1("extract-bench/dev/lo_udhr_thai.truth.json"), &|w| {
        w.chars().all(|c| ('\u{0E00}'..='\u{0E7F}').contains(&c))
    });
    // Vietnamese syllables with a letter English has not (diacritics).
    let viet_words = sample(
        &page1("extract-bench/dev/xelatex_udhr_vie_2col.truth.json"),
        &|w| !w.is_ascii(),
    );
    assert!(thai_words.len() >= 20 && viet_words.len() >= 20);
    for (name, words) in [("Thai", &thai_words), ("Vietnamese", &viet_words)] {
        let (auto, missing) = found_in(&auto_idx, words);
        let (eng, _) = found_in(&eng_idx, words);
        eprintln!(
            "{name}: --ocr-lang auto finds {auto:.2} of {} words (missing {missing:?}), eng {eng:.2}",
            words.len()
        );
        assert!(
            auto >= 0.8,
            "{name}: auto found {auto:.2}, missing {missing:?}"
        );
        assert!(eng <= 0.3, "{name}: read as English found {eng:.2}");
    }
}
