//! `redflag-gen`: a deterministic generator of realistic test collections for scale tests
//! and benchmarks.
//!
//! ```text
//! redflag-gen --docs 100000 --seed 7 --out /tmp/collection [--pdf-share 0.2]
//! ```
//!
//! Writes N documents below OUT (100 per folder): plain-text reports and multi-page PDFs
//! (Helvetica, running header, page numbers), built from sentence templates about border
//! crossings, inspections, courts and payments (with corruption indicators at realistic
//! rates), plus a Zipf-distributed long tail of pseudo-words so that term statistics and
//! postings look like real text. The same seed gives the same bytes, so anyone can reproduce
//! a measurement. Each document has about ten passages.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// SplitMix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

const ROLES: &[&str] = &[
    "immigration officer",
    "customs inspector",
    "police sergeant",
    "border guard",
    "labour inspector",
    "district official",
    "consular officer",
    "harbour master",
    "prosecutor",
    "village chief",
    "provincial governor",
    "registry clerk",
    "military officer",
    "judge",
];
const PLACES: &[&str] = &[
    "the northern checkpoint",
    "the river crossing",
    "the port of entry",
    "the provincial capital",
    "the fishing harbour",
    "the industrial zone",
    "the airport",
    "the district office",
    "the border market",
];
const GROUPS: &[&str] = &[
    "migrants",
    "seasonal workers",
    "fishermen",
    "domestic workers",
    "asylum seekers",
    "factory workers",
    "construction workers",
    "young women",
    "children",
];
const NEUTRAL: &[&str] = &[
    "The survey team visited {place} twice during the dry season and met {n} {group}.",
    "Most {group} travelled by bus and reached {place} within two days.",
    "The {role} explained the registration procedure and the fees set by regulation.",
    "Records kept at {place} show {n} arrivals in the first quarter of the year.",
    "Interviews were conducted in the workers' own languages with the help of interpreters.",
    "The ministry published new guidelines on recruitment agencies and wage deductions.",
    "Weather conditions delayed the boats, and the {group} waited at {place} for a week.",
    "According to the statistics office, the number of registered {group} rose by {n} percent.",
    "The committee met in the capital to review the annual budget of the labour department.",
    "A training session for the {role} covered victim identification and referral.",
];
const INDICATOR: &[&str] = &[
    "Several {group} said the {role} at {place} accepted a bribe of {n} dollars to let the truck pass.",
    "The {role} allegedly sold forged passports and visas to brokers for {n} baht each.",
    "Witnesses reported that a {role} tipped off the owner before the police raid at {place}.",
    "The investigation into the {role} was dropped after the family paid {n} dollars.",
    "The {role} was convicted of accepting kickbacks from a recruitment agency.",
    "Officers at {place} reportedly turned a blind eye to the smuggling of {group}.",
    "The {role} demanded {n} dollars from each of the {group} before releasing them from detention.",
    "No official has been prosecuted despite evidence of complicity at {place}.",
    "The company owned by the brother of the {role} was awarded the contract without tender.",
    "Proceeds were laundered through shell companies registered in the name of the {role}'s wife.",
];
const SYLLABLES: &[&str] = &[
    "ka", "ri", "mo", "ta", "len", "sar", "vi", "do", "pun", "ra", "te", "ko", "man", "si", "lo",
    "ba", "ne", "hu", "gar", "pi", "tor", "ve", "sa", "mi", "dal", "ru", "ken", "ya", "bo", "chi",
];

fn pseudo_word(rng: &mut Rng) -> String {
    // Zipf rank (P(r) ~ 1/r over 50,000 words): log-uniform sampling.
    let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
    let rank = (u * 50_000f64.ln()).exp() as u64;
    let mut r = Rng(rank.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let n = 2 + r.below(3);
    (0..n).map(|_| r.pick(SYLLABLES)).collect()
}

fn sentence(rng: &mut Rng, indicator_rate: f64) -> String {
    let template = if rng.chance(indicator_rate) {
        rng.pick(INDICATOR)
    } else {
        rng.pick(NEUTRAL)
    };
    let mut s = template
        .replace("{role}", rng.pick(ROLES))
        .replace("{place}", rng.pick(PLACES))
        .replace("{group}", rng.pick(GROUPS))
        .replace("{n}", &(2 + rng.below(5000)).to_string());
    if rng.chance(0.6) {
        // A clause with long-tail vocabulary.
        s.pop();
        let words: Vec<String> = (0..3 + rng.below(6)).map(|_| pseudo_word(rng)).collect();
        let _ = write!(s, ", near the {} settlement.", words.join(" "));
    }
    s
}

fn paragraph(rng: &mut Rng) -> String {
    let n = 3 + rng.below(5);
    (0..n)
        .map(|_| sentence(rng, 0.12))
        .collect::<Vec<_>>()
        .join(" ")
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in text.split_whitespace() {
        if !cur.is_empty() && cur.len() + 1 + w.len() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

fn pdf_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '(' | ')' | '\\' => format!("\\{c}"),
            c if c.is_ascii() => c.to_string(),
            _ => "?".to_owned(),
        })
        .collect()
}

/// A multi-page PDF of the paragraphs: Helvetica 10/12, running header, page numbers.
fn pdf(title: &str, paragraphs: &[String]) -> Vec<u8> {
    let mut lines: Vec<String> = Vec::new();
    for p in paragraphs {
        lines.extend(wrap(p, 92));
        lines.push(String::new());
    }
    let per_page = 56;
    let pages: Vec<&[String]> = lines.chunks(per_page).collect();
    let mut objs: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        String::new(), // pages, filled below
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
        format!(
            "<< /Title ({}) /Producer (redflag-gen) >>",
            pdf_escape(title)
        ),
    ];
    let mut kids = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let mut c = format!(
            "BT /F1 8 Tf 72 760 Td ({}) Tj ET\nBT /F1 10 Tf 12 TL 72 730 Td\n",
            pdf_escape(title)
        );
        for l in page.iter() {
            let _ = writeln!(c, "({}) Tj T*", pdf_escape(l));
        }
        let _ = write!(c, "ET\nBT /F1 8 Tf 300 40 Td ({}) Tj ET", i + 1);
        objs.push(format!("<< /Length {} >>\nstream\n{c}\nendstream", c.len()));
        let content_id = objs.len();
        objs.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
        ));
        kids.push(format!("{} 0 R", objs.len()));
    }
    objs[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        kids.len()
    );
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn generate(docs: usize, seed: u64, out: &Path, pdf_share: f64) -> std::io::Result<(usize, usize)> {
    let mut n_pdf = 0;
    for i in 0..docs {
        let mut rng = Rng(seed ^ (i as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        let dir = out.join(format!("{:04}", i / 100));
        std::fs::create_dir_all(&dir)?;
        let title = format!(
            "Field report {i}: {} and {}",
            rng.pick(PLACES),
            rng.pick(GROUPS)
        );
        let paragraphs: Vec<String> = (0..8 + rng.below(5)).map(|_| paragraph(&mut rng)).collect();
        if rng.chance(pdf_share) {
            n_pdf += 1;
            std::fs::write(
                dir.join(format!("report-{i:06}.pdf")),
                pdf(&title, &paragraphs),
            )?;
        } else {
            let body = format!("# {title}\n\n{}\n", paragraphs.join("\n\n"));
            std::fs::write(dir.join(format!("report-{i:06}.md")), body)?;
        }
    }
    Ok((docs - n_pdf, n_pdf))
}

fn main() {
    let mut docs = 1000usize;
    let mut seed = 1u64;
    let mut out: Option<PathBuf> = None;
    let mut pdf_share = 0.2f64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_default();
        match a.as_str() {
            "--docs" => docs = val().parse().unwrap_or(docs),
            "--seed" => seed = val().parse().unwrap_or(seed),
            "--out" => out = Some(PathBuf::from(val())),
            "--pdf-share" => pdf_share = val().parse().unwrap_or(pdf_share),
            _ => {
                eprintln!("usage: redflag-gen --docs N --seed S --out DIR [--pdf-share 0.2]");
                std::process::exit(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("redflag-gen: --out DIR is required");
        std::process::exit(2);
    };
    match generate(docs, seed, &out, pdf_share) {
        Ok((text, pdf)) => eprintln!(
            "redflag-gen: {text} text and {pdf} PDF documents in {}",
            out.display()
        ),
        Err(e) => {
            eprintln!("redflag-gen: {}: {e}", out.display());
            std::process::exit(2);
        }
    }
}
