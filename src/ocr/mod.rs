//! OCR: the text of scanned pages, read by Tesseract.
//!
//! Pictures of pages (PNG, JPEG, TIFF, ... files, on disk, in archives or attached to
//! e-mail) are read the same way, the file handed to Tesseract as it is.
//!
//! Pages that the PDF reader marks [`crate::model::Page::needs_ocr`] (no text layer, or only
//! glyphs without a Unicode mapping), and pages whose text layer is garbage ([`garbled`]:
//! runs of `(cid:N)`, replacement and private-use characters, or too few letters), are read
//! here: the page's own image is taken from the PDF ([`image`], see there why no rendering),
//! passed to the `tesseract` command on its standard input, and its TSV output turned into
//! text (lines, paragraphs) and a mean word confidence (0-100), stored per page in
//! [`crate::model::Page::ocr_confidence`]. A reading below [`MIN_CONFIDENCE`] is not kept
//! (the page is reported unread, with a hint at `--ocr-lang`); a garbled text layer is
//! replaced only by a reading that is not garbled itself.
//!
//! ## Exceptions to the I/O rule
//!
//! This module is the one place below [`crate::cmd`] that runs a process and touches the
//! disk: it spawns `tesseract` (with a timeout; `OMP_THREAD_LIMIT=1`, as redflag already
//! runs one document per core) and keeps a cache of results in a folder next to the index
//! (`<index>.ocr/`), one small JSON file per page image, named by the BLAKE3 hash of the
//! image bytes, the language and the resolution. Re-indexing a file, or indexing a copy of
//! it, never runs Tesseract twice on the same image. A cache that cannot be written costs
//! time, never a result.
//!
//! Without Tesseract (or without the language pack) nothing fails: the pages stay empty and
//! the document carries a warning naming them and how to get them read.
//!
//! ## `--ocr-lang auto`
//!
//! The languages are chosen per page ([`auto_languages`]): Tesseract's script detection
//! (`--psm 0`, when the `osd` pack is installed) or, without it, a first reading in English
//! whose text and confidence decide. Thai, Lao, Khmer, Burmese and Han scripts pick `tha`,
//! `lao`, `khm`, `mya`, `chi_sim`; on Latin script the language of the first reading picks
//! `vie`, `ind`, `msa` or `fil`; each only when its pack is installed, always with `eng`. A
//! page the first reading cannot place (low confidence, no script detection) is read again
//! in each installed language of the region's scripts and the most confident reading kept.

pub mod image;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Readings with a lower mean confidence are not kept: at that level Tesseract is reading
/// a script or language it was not given (Thai or Chinese read as English), or noise.
pub const MIN_CONFIDENCE: f32 = 30.0;

/// The `--ocr-lang` value that chooses the languages per page.
pub const AUTO: &str = "auto";

/// The region's Tesseract languages `auto` can choose, by script or language: (detected
/// script as Tesseract's OSD names it, or the language code of [`crate::classify::language`];
/// Tesseract language).
const AUTO_LANGS: &[(&str, &str)] = &[
    ("Thai", "tha"),
    ("th", "tha"),
    ("Lao", "lao"),
    ("lo", "lao"),
    ("Khmer", "khm"),
    ("km", "khm"),
    ("Myanmar", "mya"),
    ("my", "mya"),
    ("Han", "chi_sim"),
    ("zh", "chi_sim"),
    ("vi", "vie"),
    ("id", "ind"),
    ("id", "msa"),
    ("ms", "msa"),
    ("tl", "fil"),
];

/// The Tesseract languages for a page whose script (OSD name) or language (code) is
/// `detected`, among the `installed` packs: the region's language(s) for it, then `eng`.
/// Just `eng` (or the first installed pack) when nothing matches.
pub fn auto_languages(detected: &str, installed: &[String]) -> String {
    let has = |l: &str| installed.iter().any(|x| x == l);
    let mut out: Vec<&str> = AUTO_LANGS
        .iter()
        .filter(|(d, l)| *d == detected && has(l))
        .map(|(_, l)| *l)
        .collect();
    if has("eng") {
        out.push("eng");
    }
    if out.is_empty() {
        if let Some(first) = installed.iter().find(|l| *l != "osd") {
            return first.clone();
        }
        return "eng".to_owned();
    }
    out.join("+")
}

/// The script line of Tesseract's `--psm 0` output (`Script: Thai`).
pub fn osd_script(osd: &str) -> Option<&str> {
    osd.lines()
        .find_map(|l| l.trim().strip_prefix("Script:"))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// How to install Tesseract, for messages.
pub const INSTALL_HINT: &str =
    "install Tesseract (`apt-get install tesseract-ocr`, other languages: `tesseract-ocr-LANG`) and index again with --rebuild";

/// Text read from one page image.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OcrText {
    /// Lines joined by `\n`, paragraphs by a blank line.
    pub text: String,
    /// Mean word confidence, 0-100.
    pub confidence: f32,
}

/// Puts an OCR reading into its page. A page sent to OCR while it has a text layer of its
/// own (a stamp on a scan, form fields) keeps that text, with its boxes, and gets the
/// reading after it as a new paragraph; a garbled text layer is replaced.
pub fn merge(page: &mut crate::model::Page, t: OcrText) {
    if page.needs_ocr && !page.text.trim().is_empty() {
        page.text.push_str("\n\n");
        page.text.push_str(&t.text);
    } else {
        page.text = t.text;
        page.chars.clear();
        page.annotations.clear();
    }
    page.ocr_confidence = Some(t.confidence);
    page.needs_ocr = false;
}

/// Why a page was not read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OcrError {
    /// Tesseract is not installed or cannot run.
    #[error("Tesseract is not available ({0}); {INSTALL_HINT}")]
    Unavailable(String),
    /// The page has no image Tesseract can read.
    #[error("no readable page image: {0}")]
    NoImage(String),
    /// Tesseract ran too long and was stopped.
    #[error("Tesseract timed out after {0} s")]
    Timeout(u64),
    /// Tesseract failed on the image.
    #[error("Tesseract failed: {0}")]
    Failed(String),
}

/// Counters over a run, for the summary.
#[derive(Debug, Default)]
pub struct OcrStats {
    /// Pages read by Tesseract in this run.
    pub pages: AtomicU64,
    /// Pages answered from the cache.
    pub cached: AtomicU64,
    /// Pages that could not be read.
    pub failed: AtomicU64,
    /// Milliseconds spent in Tesseract.
    pub millis: AtomicU64,
    /// Sum of page confidences × 100 (pages read or cached).
    pub confidence_centi: AtomicU64,
}

/// The OCR engine: language, cache folder, timeout, and whether Tesseract runs here.
#[derive(Debug)]
pub struct Ocr {
    /// Tesseract language(s), `eng` or `eng+fra`.
    pub lang: String,
    /// Cache folder (`None`: no cache).
    pub cache: Option<PathBuf>,
    /// Longest time for one page.
    pub timeout: Duration,
    /// `Ok(version)` or why Tesseract cannot be used.
    available: Result<String, String>,
    /// Counters.
    pub stats: OcrStats,
}

impl Ocr {
    /// Probes `tesseract` (version, installed languages) once.
    pub fn new(lang: &str, cache: Option<PathBuf>) -> Ocr {
        let available = probe(lang);
        Ocr {
            lang: lang.to_owned(),
            cache,
            timeout: Duration::from_secs(120),
            available,
            stats: OcrStats::default(),
        }
    }

    /// `Ok(version)` when Tesseract can read pages in the chosen language.
    pub fn available(&self) -> Result<&str, OcrError> {
        self.available
            .as_deref()
            .map_err(|e| OcrError::Unavailable(e.clone()))
    }

    /// Reads one page image: from the cache, or by running Tesseract.
    pub fn read(&self, img: &image::PageImage) -> Result<OcrText, OcrError> {
        let key = {
            let mut h = blake3::Hasher::new();
            h.update(&img.bytes);
            h.update(format!("\0{}\0{}\0v2", self.lang, img.dpi).as_bytes());
            h.finalize().to_hex().to_string()
        };
        if let Some(hit) = self.cache_get(&key) {
            self.stats.cached.fetch_add(1, Ordering::Relaxed);
            self.count_confidence(hit.confidence);
            return Ok(hit);
        }
        self.available()?;
        let started = Instant::now();
        let result = if self.lang == AUTO {
            self.read_auto(img)
        } else {
            self.read_as(img, &self.lang)
        };
        self.stats
            .millis
            .fetch_add(started.elapsed().as_millis() as u64, Ordering::Relaxed);
        match &result {
            Ok(t) => {
                self.stats.pages.fetch_add(1, Ordering::Relaxed);
                self.count_confidence(t.confidence);
                self.cache_put(&key, t);
            }
            Err(_) => {
                self.stats.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        result
    }

    /// `--ocr-lang auto`: script detection or a first reading picks the languages.
    fn read_auto(&self, img: &image::PageImage) -> Result<OcrText, OcrError> {
        let installed = list_langs().map_err(OcrError::Unavailable)?;
        let script = if self.lang_available("osd") {
            run(
                "tesseract",
                &["stdin", "stdout", "--psm", "0"],
                &img.bytes,
                self.timeout,
            )
            .ok()
            .and_then(|o| osd_script(&String::from_utf8_lossy(&o)).map(str::to_owned))
        } else {
            None
        };
        if let Some(s) = script.filter(|s| s != "Latin") {
            return self.read_as(img, &auto_languages(&s, &installed));
        }
        let first = self.read_as(img, &auto_languages("", &installed))?;
        let lang = crate::classify::language(&first.text);
        let chosen = auto_languages(lang, &installed);
        let mut best = first;
        if chosen.contains('+') {
            if let Ok(second) = self.read_as(img, &chosen) {
                if second.confidence > best.confidence {
                    best = second;
                }
            }
        } else if best.confidence < 60.0 {
            // Nothing placed the page: try the scripts of the region that are installed.
            for script in ["Thai", "Han", "Myanmar", "Khmer", "Lao"] {
                let l = auto_languages(script, &installed);
                if l.contains('+') {
                    if let Ok(t) = self.read_as(img, &l) {
                        if t.confidence > best.confidence {
                            best = t;
                        }
                    }
                }
            }
        }
        Ok(best)
    }

    /// Reads a page in the given Tesseract language(s).
    fn read_as(&self, img: &image::PageImage, lang: &str) -> Result<OcrText, OcrError> {
        self.tesseract(img, "3", lang).map(|first| {
            // A sideways or upside-down scan reads as noise: try again with orientation
            // detection, keep the better reading.
            if first.confidence >= 50.0 || !self.lang_available("osd") {
                return first;
            }
            match self.tesseract(img, "1", lang) {
                Ok(second) if second.confidence > first.confidence + 5.0 => second,
                _ => first,
            }
        })
    }

    fn count_confidence(&self, c: f32) {
        self.stats
            .confidence_centi
            .fetch_add((c.max(0.0) * 100.0) as u64, Ordering::Relaxed);
    }

    fn lang_available(&self, lang: &str) -> bool {
        list_langs().is_ok_and(|l| l.iter().any(|x| x == lang))
    }

    fn cache_get(&self, key: &str) -> Option<OcrText> {
        let path = self.cache.as_ref()?.join(format!("{key}.json"));
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn cache_put(&self, key: &str, t: &OcrText) {
        let Some(dir) = &self.cache else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let Ok(json) = serde_json::to_vec(t) else {
            return;
        };
        // write then rename: a reader never sees half a file
        let tmp = dir.join(format!(
            "{key}.{}.{:?}.tmp",
            std::process::id(),
            std::thread::current().id()
        ));
        if std::fs::write(&tmp, json).is_ok()
            && std::fs::rename(&tmp, dir.join(format!("{key}.json"))).is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    /// Runs `tesseract stdin stdout -l LANG --dpi N --psm PSM tsv`.
    fn tesseract(
        &self,
        img: &image::PageImage,
        psm: &str,
        lang: &str,
    ) -> Result<OcrText, OcrError> {
        let dpi = img.dpi.to_string();
        let mut args = vec!["stdin", "stdout", "-l", lang, "--psm", psm];
        // a picture file says its own resolution (or Tesseract estimates it)
        if img.dpi > 0 {
            args.extend(["--dpi", &dpi]);
        }
        args.push("tsv");
        let out = run("tesseract", &args, &img.bytes, self.timeout)?;
        Ok(parse_tsv(&String::from_utf8_lossy(&out)))
    }

    /// Renders a page with `pdftoppm` (poppler-utils) at 300 dpi, in grey: the fallback for
    /// pages whose image this crate cannot hand over (JBIG2, unusual encodings).
    pub fn render(&self, pdf: &[u8], number: u32) -> Result<image::PageImage, OcrError> {
        let n = number.to_string();
        let args = ["-r", "300", "-gray", "-f", &n, "-l", &n, "-"];
        let out = run("pdftoppm", &args, pdf, self.timeout).map_err(|e| match e {
            OcrError::Unavailable(_) => OcrError::NoImage(
                "`pdftoppm` is not installed to render it (`apt-get install poppler-utils`)".into(),
            ),
            e => e,
        })?;
        if !out.starts_with(b"P5") {
            return Err(OcrError::NoImage("pdftoppm rendered nothing".into()));
        }
        Ok(image::PageImage {
            bytes: out,
            format: "pnm",
            dpi: 300,
            width: 0,
            height: 0,
        })
    }
}

/// Runs a command with `input` on its standard input and returns its standard output; the
/// process is killed after `timeout`.
fn run(program: &str, args: &[&str], input: &[u8], timeout: Duration) -> Result<Vec<u8>, OcrError> {
    let mut child = Command::new(program)
        .args(args)
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| OcrError::Unavailable(format!("{program}: {e}")))?;
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let (status, out, err) = std::thread::scope(|s| {
        s.spawn(move || {
            if let Some(mut w) = stdin.take() {
                let _ = w.write_all(input);
            }
        });
        let out = s.spawn(move || {
            let mut buf = Vec::new();
            if let Some(r) = stdout.as_mut() {
                let _ = r.take(1 << 30).read_to_end(&mut buf);
            }
            buf
        });
        let err = s.spawn(move || {
            let mut buf = Vec::new();
            if let Some(r) = stderr.as_mut() {
                let _ = r.take(64 << 10).read_to_end(&mut buf);
            }
            buf
        });
        // wait with a deadline; on timeout kill, which closes the pipes
        let deadline = Instant::now() + timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(st)) => break Ok(st),
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(OcrError::Timeout(timeout.as_secs()));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => break Err(OcrError::Failed(e.to_string())),
            }
        };
        (
            status,
            out.join().unwrap_or_default(),
            err.join().unwrap_or_default(),
        )
    });
    if !status?.success() {
        let msg = String::from_utf8_lossy(&err);
        let msg = msg
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or("exit status not zero");
        return Err(OcrError::Failed(format!("{program}: {}", msg.trim())));
    }
    Ok(out)
}

/// Turns Tesseract's TSV into text and a mean word confidence.
pub fn parse_tsv(tsv: &str) -> OcrText {
    let mut text = String::new();
    let mut last: Option<(u32, u32, u32)> = None;
    let (mut sum, mut n) = (0f64, 0u32);
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.splitn(12, '\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let word = cols[11].trim();
        let conf: f64 = cols[10].trim().parse().unwrap_or(-1.0);
        if word.is_empty() || conf < 0.0 {
            continue;
        }
        let num = |i: usize| cols[i].parse::<u32>().unwrap_or(0);
        let (block, par, line_no) = (num(2), num(3), num(4));
        // Tesseract gives the scripts written without spaces (Thai, Lao, Khmer, Burmese,
        // Chinese) as one "word" per cluster or character, with gaps inside words as wide
        // as those between phrases: on one line they join without a space (as Tesseract's
        // own text output does), and the index's segmenter finds the words.
        let joined = text.chars().next_back().is_some_and(crate::index::unspaced)
            && word.chars().next().is_some_and(crate::index::unspaced);
        match last {
            Some((b, p, l)) if b == block && p == par && l == line_no && joined => {}
            Some((b, p, l)) if b == block && p == par && l == line_no => text.push(' '),
            Some((b, p, _)) if b == block && p == par => text.push('\n'),
            Some(_) => text.push_str("\n\n"),
            None => {}
        }
        last = Some((block, par, line_no));
        // Sara Am read as its two parts (nikhahit + sara aa, Thai and Lao): the one
        // character every typed word and text layer uses.
        if word.contains(['\u{0E4D}', '\u{0ECD}']) {
            text.push_str(
                &word
                    .replace("\u{0E4D}\u{0E32}", "\u{0E33}")
                    .replace("\u{0ECD}\u{0EB2}", "\u{0EB3}"),
            );
        } else {
            text.push_str(word);
        }
        sum += conf;
        n += 1;
    }
    OcrText {
        text,
        confidence: if n == 0 { 0.0 } else { (sum / n as f64) as f32 },
    }
}

fn list_langs() -> Result<Vec<String>, String> {
    static LANGS: std::sync::OnceLock<Result<Vec<String>, String>> = std::sync::OnceLock::new();
    LANGS
        .get_or_init(|| {
            let out = Command::new("tesseract")
                .arg("--list-langs")
                .stdin(Stdio::null())
                .output()
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => "`tesseract` not found".to_owned(),
                    _ => e.to_string(),
                })?;
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            Ok(all
                .lines()
                .skip_while(|l| !l.starts_with("List of available languages"))
                .skip(1)
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
                .collect())
        })
        .clone()
}

fn probe(lang: &str) -> Result<String, String> {
    let langs = list_langs()?;
    let missing: Vec<&str> = lang
        .split('+')
        .filter(|l| *l != AUTO || langs.iter().all(|x| x == "osd"))
        .filter(|l| !langs.iter().any(|x| x == l))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "language pack {} not installed (have: {}); `apt-get install {}`",
            missing.join(", "),
            langs.join(", "),
            missing
                .iter()
                .map(|l| format!("tesseract-ocr-{}", l.replace('_', "-").to_lowercase()))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    let out = Command::new("tesseract")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let v = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(v.lines().next().unwrap_or("tesseract").trim().to_owned())
}

/// True when a page's text layer is garbage a reader should not trust: several `(cid:N)`
/// placeholders, many replacement or private-use characters, or, on a page with some text,
/// too few letters among the visible characters.
pub fn garbled(text: &str) -> bool {
    if text.matches("(cid:").count() >= 3 {
        return true;
    }
    let (mut visible, mut bad, mut letters) = (0usize, 0usize, 0usize);
    for c in text.chars() {
        if c.is_whitespace() {
            continue;
        }
        visible += 1;
        if c == '\u{FFFD}'
            || ('\u{E000}'..='\u{F8FF}').contains(&c)
            || (c.is_control() && c != '\t')
        {
            bad += 1;
        } else if c.is_alphabetic() {
            letters += 1;
        }
    }
    if visible < 40 {
        return false;
    }
    bad * 10 > visible || letters * 100 < visible * 15
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_the_installed_languages_of_the_script() {
        let installed: Vec<String> = ["eng", "osd", "tha", "chi_sim", "ind", "vie"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(auto_languages("Thai", &installed), "tha+eng");
        assert_eq!(auto_languages("Han", &installed), "chi_sim+eng");
        assert_eq!(auto_languages("vi", &installed), "vie+eng");
        assert_eq!(auto_languages("id", &installed), "ind+eng");
        // Not installed, or not the region's: English alone.
        assert_eq!(auto_languages("Khmer", &installed), "eng");
        assert_eq!(auto_languages("en", &installed), "eng");
        assert_eq!(auto_languages("th", &["tha".to_owned()]), "tha");
        assert_eq!(auto_languages("zh", &["fra".to_owned()]), "fra");
        let osd =
            "Page number: 0\nOrientation in degrees: 0\nScript: Thai\nScript confidence: 4.2\n";
        assert_eq!(osd_script(osd), Some("Thai"));
        assert_eq!(osd_script("nothing"), None);
    }

    #[test]
    fn merge_keeps_a_stamp_and_replaces_garbage() {
        let reading = || OcrText {
            text: "Motion to suppress".into(),
            confidence: 91.0,
        };
        let mut stamped = crate::model::Page {
            text: "Filed: 10/31/2017".into(),
            needs_ocr: true,
            ..Default::default()
        };
        merge(&mut stamped, reading());
        assert_eq!(stamped.text, "Filed: 10/31/2017\n\nMotion to suppress");
        assert!(!stamped.needs_ocr);
        assert_eq!(stamped.ocr_confidence, Some(91.0));
        let mut garbled = crate::model::Page {
            text: "(cid:3)(cid:4)".into(),
            ..Default::default()
        };
        merge(&mut garbled, reading());
        assert_eq!(garbled.text, "Motion to suppress");
    }

    #[test]
    fn tsv_to_text_and_confidence() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tThe\n\
5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\tofficer\n\
5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t70\tpaid\n\
5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t60\tEnd\n\
5\t1\t2\t1\t1\t2\t0\t0\t1\t1\t95\t \n";
        let t = parse_tsv(tsv);
        assert_eq!(t.text, "The officer\npaid\n\nEnd");
        assert!((t.confidence - 75.0).abs() < 0.01);
        assert_eq!(parse_tsv("").confidence, 0.0);
    }

    #[test]
    fn thai_clusters_join_and_sara_am_is_one_character() {
        // Tesseract's `tha` gives clusters as words, and Sara Am in two parts.
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
5\t1\t1\t1\t1\t1\t100\t0\t40\t30\t90\tรับ\n\
5\t1\t1\t1\t1\t2\t142\t0\t40\t30\t90\tสิน\n\
5\t1\t1\t1\t1\t3\t183\t0\t30\t30\t90\tบน\n\
5\t1\t1\t1\t1\t4\t240\t0\t60\t30\t90\tต\u{0E4D}\u{0E32}รวจ\n\
5\t1\t1\t1\t1\t5\t301\t0\t60\t30\t90\tpolice\n";
        assert_eq!(parse_tsv(tsv).text, "รับสินบน\u{0E15}\u{0E33}รวจ police");
    }

    #[test]
    fn garbage_text_layers() {
        assert!(garbled("(cid:12)(cid:13)(cid:14) hello"));
        assert!(garbled(&"\u{FFFD}\u{E001}ab ".repeat(20)));
        assert!(garbled(&"#$%& 12;: ".repeat(10)));
        assert!(!garbled(
            "The officer at the border crossing took a payment of 500 dollars in 2019."
        ));
        assert!(!garbled("12"));
    }
}
