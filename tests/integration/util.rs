//! Test helpers: a temporary folder with its own index, a runner for the `redflag` binary,
//! and access to the shared development sets next to the project.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary folder; the index lives in `<dir>/index`.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn index(&self) -> PathBuf {
        self.dir.path().join("index")
    }

    /// Writes a file (creating folders) and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, contents).expect("write");
        p
    }

    /// Runs `redflag --index <dir>/index ARGS...` in this folder.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = Command::new(env!("CARGO_BIN_EXE_redflag"))
            .arg("--index")
            .arg(self.index())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("REDFLAG_INDEX")
            .env_remove("REDFLAG_DICTIONARIES")
            .env_remove("REDFLAG_MODEL")
            .output()
            .expect("run redflag");
        Run(out)
    }
}

/// The result of one run.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Asserts the exit code, showing stderr when it differs.
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(self.code(), code, "exit code; stderr:\n{}", self.stderr());
        self
    }
    /// Parses stdout as JSON lines.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
            .collect()
    }
}

/// The project's sample collection.
pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sample/collection")
}

/// A path inside `../shared`. Returns `None` (and says so) when the folder is absent on a
/// developer machine; on CI (`CI` set) its absence is a failure, never a skip.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{} is missing on CI", p.display());
    }
    eprintln!(
        "note: {} not present; test skipped on this machine",
        p.display()
    );
    None
}

/// Whether an external tool (`qpdf`, `pdftoppm`, `tesseract`, ...) is installed. On CI (`CI`
/// set) a missing tool is a failure with `install`, the line that installs it; on a developer
/// machine the check is skipped with a note.
pub fn tool(name: &str, install: &str) -> bool {
    let found = installed(name);
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("{name} is missing on CI: {install} (see .ci/run)");
        }
        eprintln!("note: {name} not installed ({install}); check skipped");
    }
    found
}

/// Fails the test, on any machine, when an external tool is missing.
pub fn require(name: &str, install: &str) {
    assert!(
        installed(name),
        "`{name}` is needed by this test: {install} (see .ci/run)"
    );
}

fn installed(name: &str) -> bool {
    Command::new(name)
        .arg("-v")
        .output()
        .or_else(|_| Command::new(name).arg("--version").output())
        .is_ok()
}

/// A ZIP archive (deflated) holding these files.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, data) in files {
        z.start_file(*name, o).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// Assembles a PDF from object bodies (object `i + 1` is `objects[i]`) with a correct xref
/// table; the catalogue is object `root`.
pub fn pdf_of(objects: &[Vec<u8>], root: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A folder holding the sample collection plus `extra` (name, contents) under `col/`,
/// indexed from `<tmp>/col`.
pub fn indexed_sample_with(extra: &[(&str, &str)]) -> TestDir {
    let t = TestDir::new();
    for (name, contents) in extra {
        t.write(&format!("col/{name}"), contents);
    }
    for f in std::fs::read_dir(sample()).unwrap() {
        let p = f.unwrap().path();
        t.write(
            &format!("col/{}", p.file_name().unwrap().to_string_lossy()),
            std::fs::read(&p).unwrap(),
        );
    }
    t.run(["index", "col"]).expect_code(0);
    t
}

/// `../shared/gold/score.py GOLD PRED --json OUT` (OUT in `dir`, named after the gold file), as
/// the JSON summary it writes; fails the test if the script fails.
pub fn score_py(gold: &Path, pred: &Path, dir: &Path) -> serde_json::Value {
    let scorer = shared("gold/score.py").expect("score.py");
    let out_json = dir.join(format!(
        "score-{}-{}.json",
        gold.file_stem().unwrap().to_string_lossy(),
        pred.file_stem().unwrap().to_string_lossy()
    ));
    python(&[
        scorer.as_os_str(),
        gold.as_os_str(),
        pred.as_os_str(),
        "--json".as_ref(),
        out_json.as_os_str(),
    ]);
    serde_json::from_str(&std::fs::read_to_string(&out_json).expect("summary")).expect("json")
}

/// Runs `python3 ARGS...` (the shared scripts need only the standard library) and returns its
/// output; fails the test with the script's stderr if it fails.
pub fn python(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let out = std::process::Command::new("python3")
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python3 {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A one-page PDF whose only content is a grey image (8-bit samples, Flate-compressed) drawn
/// over the whole page of `media` points: a scan with no text layer.
pub fn grey_image_pdf(width: usize, height: usize, gray: &[u8], media: [u32; 2]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(gray).unwrap();
    let data = enc.finish().unwrap();
    let [mw, mh] = media;
    let content = format!("q {mw} 0 0 {mh} 0 0 cm /Im1 Do Q\n");
    let mut img = format!(
        "<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length {} >>\nstream\n",
        data.len()
    )
    .into_bytes();
    img.extend_from_slice(&data);
    img.extend_from_slice(b"\nendstream");
    pdf_of(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {mw} {mh}] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>").into_bytes(),
            img,
            format!("<< /Length {} >>\nstream\n{content}endstream", content.len()).into_bytes(),
        ],
        1,
    )
}

/// The width, height and samples of a binary grey PGM (`P5`, maxval 255), as `pdftoppm -gray`
/// writes it.
pub fn pgm_samples(pgm: &[u8]) -> (usize, usize, &[u8]) {
    // P5\n<w> <h>\n255\n<samples>
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while pgm[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let start = pos;
        while !pgm[pos].is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..pos]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let samples = &pgm[pos + 1..];
    assert_eq!(samples.len(), w * h);
    (w, h, samples)
}
