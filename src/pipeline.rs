//! One file through extract → segment → tag, the unit of work of every command.
//!
//! [`Pipeline::process`] takes a file's bytes and returns the document with its tagged
//! passages, or a [`DocError`] naming what went wrong. It runs the work under
//! `catch_unwind`, so a bug met on one hostile document becomes an error for that document
//! and the batch goes on.
//!
//! ## Containers
//!
//! A ZIP member, a message of a mailbox and an e-mail attachment are documents of their own,
//! processed recursively and returned in [`Processed::derived`]. Each keeps a path that shows
//! where it came from: the container's path, `!/`, the member's name, and so on down
//! (`leak.zip!/mail/2019.mbox!/msg-12/attachment.pdf`; a message's attachments follow the
//! message after `/` when the message is itself a member of a mailbox, after `!/`
//! otherwise). The index keys a derived document by its container's key followed by the same
//! suffix, so it is replaced or removed with its container. Limits hold for the whole tree
//! of one file ([`ContainerLimits`]): nesting depth, number of members, bytes expanded.
//! Going over any of them (a ZIP bomb, a ZIP that holds itself) fails the file on disk with
//! a clear [`ExtractError::Limit`]; a member that is merely unreadable or unsupported is
//! reported on its own and the rest is kept.
//!
//! ## OCR
//!
//! Pages of a PDF that need OCR (see [`crate::ocr`]) are read by Tesseract when the
//! pipeline has an [`Ocr`] engine and Tesseract runs here; otherwise the document carries a
//! warning naming the pages left unread and how to get them read.

use crate::classify;
use crate::extract::archive::{Archive, Budget, Entry};
use crate::extract::{self, ExtractError, Limits};
use crate::ingest::{self, Sniffed};
use crate::model::{DocKind, DocMeta, Document, TaggedPassage};
use crate::ocr::{self, Ocr};
use crate::segment::Segmenter;
use crate::tag::Tagger;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Why one document produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// Not a format redflag reads.
    #[error("skipped: {0}")]
    Unsupported(String),
    /// The reader failed.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// A bug: processing panicked. The message is kept for the report.
    #[error("internal error (please report): {0}")]
    Panic(String),
}

impl DocError {
    /// Skips are not failures: the summary lists them apart and they do not change the exit
    /// code.
    pub fn is_skip(&self) -> bool {
        matches!(self, DocError::Unsupported(_))
    }
}

/// A processed document and its tagged passages.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// The document (pages and metadata).
    pub document: Document,
    /// Kind and year.
    pub meta: DocMeta,
    /// Its passages, page by page, each with its tags.
    pub passages: Vec<TaggedPassage>,
    /// Documents found inside this one, at any depth, parents before their members (empty
    /// for documents that are not containers, and for derived documents themselves).
    pub derived: Vec<Derived>,
}

/// A document found inside a file: a ZIP member, a message of a mailbox, an attachment.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    /// What follows the file's path (and index key): `!/mail/2019.mbox!/msg-12`.
    pub suffix: String,
    /// Size of its bytes.
    pub size: u64,
    /// The processed document, or why there is none.
    pub outcome: Result<Processed, DerivedError>,
}

/// Why a derived document produced nothing. Shown as `skipped: REASON` for a skip, as the
/// message otherwise; the fields are read as they are, never re-parsed from the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if *.skip { "skipped: " } else { "" })]
pub struct DerivedError {
    /// Skipped as unsupported (not a failure).
    pub skip: bool,
    /// The reason it was skipped, or what went wrong.
    pub message: String,
}

impl From<DocError> for DerivedError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::Unsupported(reason) => DerivedError {
                skip: true,
                message: reason,
            },
            e => DerivedError {
                skip: false,
                message: e.to_string(),
            },
        }
    }
}

/// The index key (or path) of a document found inside a file: the file's key followed by
/// the document's [`Derived::suffix`] (`leak.zip` + `!/mail/2019.mbox!/msg-12`).
pub fn member_key(file_key: &str, suffix: &str) -> String {
    format!("{file_key}{suffix}")
}

/// The key of the file on disk that holds the document keyed `key` (the key itself for a
/// file on disk): documents inside a file live and die with it.
pub fn file_key(key: &str) -> &str {
    key.split_once("!/").map_or(key, |(file, _)| file)
}

/// Whether `key` names a document found inside the file keyed `file_key`, at any depth.
pub fn is_inside(key: &str, file_key: &str) -> bool {
    key.strip_prefix(file_key)
        .is_some_and(|rest| rest.starts_with("!/"))
}

/// Limits on what one file may hold, counted over the whole tree inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainerLimits {
    /// Deepest nesting of containers (a ZIP in a ZIP is depth 2).
    pub max_depth: usize,
    /// Most documents inside one file.
    pub max_members: u64,
    /// Most bytes the documents inside one file may expand to, in total.
    pub max_expanded_bytes: u64,
    /// Largest single member of an archive (larger ones are passed over with a warning).
    pub max_member_bytes: u64,
}

impl Default for ContainerLimits {
    fn default() -> Self {
        ContainerLimits {
            max_depth: 8,
            max_members: 20_000,
            max_expanded_bytes: 2 << 30,
            max_member_bytes: 512 << 20,
        }
    }
}

/// The configured steps, shared by every thread.
#[derive(Debug)]
pub struct Pipeline {
    /// The compiled codebook.
    pub tagger: Tagger,
    /// Passage size policy.
    pub segmenter: Segmenter,
    /// Reader limits.
    pub limits: Limits,
    /// Limits on archives, mailboxes and attachments.
    pub containers: ContainerLimits,
    /// The OCR engine; `None` with `--no-ocr`.
    pub ocr: Option<Ocr>,
}

/// Where a document sits in the tree of its file.
struct Node<'a> {
    path: &'a str,
    suffix: &'a str,
    parent: Option<&'a str>,
    depth: usize,
    /// A message of a mailbox (its attachments follow it after `/`).
    in_mbox: bool,
}

impl Pipeline {
    /// Identifies, extracts, segments and tags one file, and every document inside it.
    pub fn process(
        &self,
        path: &str,
        ext: Option<&str>,
        bytes: &[u8],
    ) -> Result<Processed, DocError> {
        let kind = identify(bytes, ext)?;
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut budget = Budget {
                members_left: self.containers.max_members,
                bytes_left: self.containers.max_expanded_bytes,
                max_member: self.containers.max_member_bytes,
            };
            let mut derived = Vec::new();
            let node = Node {
                path,
                suffix: "",
                parent: None,
                depth: 0,
                in_mbox: false,
            };
            let mut p = self.process_node(&node, kind, bytes, &mut budget, &mut derived)?;
            p.derived = derived;
            Ok(p)
        }));
        match result {
            Ok(r) => r,
            Err(payload) => Err(DocError::Panic(panic_message(payload.as_ref()))),
        }
    }

    fn process_node(
        &self,
        node: &Node<'_>,
        kind: DocKind,
        bytes: &[u8],
        budget: &mut Budget,
        derived: &mut Vec<Derived>,
    ) -> Result<Processed, DocError> {
        let read = extract::read(bytes, kind, &self.limits)?;
        let extracted = read.extracted;
        let extracted_date = extracted.date.clone();
        let mut document = Document {
            hash: ingest::hash(bytes),
            path: node.path.to_owned(),
            kind,
            title: extracted.title,
            pages: extracted.pages,
            warnings: extracted.warnings,
            parent: node.parent.map(str::to_owned),
            metadata: read.metadata,
        };
        match kind {
            DocKind::Pdf => self.ocr_pages(bytes, &mut document),
            DocKind::Image => self.ocr_image(bytes, &mut document),
            _ => {}
        }
        let passages = self.tag_document(&document);
        if passages.is_empty()
            && !kind.is_container()
            && !document.pages.iter().any(|p| p.needs_ocr)
        {
            document.warnings.push("no text found".to_owned());
        }

        // Members: read one at a time, each a document of its own.
        let sep = if kind == DocKind::Email && node.in_mbox {
            "/"
        } else {
            "!/"
        };
        match kind {
            DocKind::Zip => {
                let mut archive = Archive::open(bytes)?;
                for i in 0..archive.len() {
                    match archive.member(i, budget) {
                        Ok(Entry::File(name, data)) => {
                            self.member(node, sep, &name, &data, false, budget, derived)?
                        }
                        Ok(Entry::Skipped(Some(w))) => document.warnings.push(w),
                        Ok(Entry::Skipped(None)) => {}
                        Err(ExtractError::Limit(m)) => {
                            return Err(ExtractError::Limit(format!("in {}: {m}", node.path)).into())
                        }
                        Err(e) => document.warnings.push(e.to_string()),
                    }
                }
            }
            DocKind::Email | DocKind::Mbox => {
                for m in &read.members {
                    let size = m.bytes.len() as u64;
                    if budget.members_left == 0 {
                        return Err(ExtractError::Limit(format!(
                            "in {}: too many documents inside one file (limit {})",
                            node.path, self.containers.max_members
                        ))
                        .into());
                    }
                    if size > budget.bytes_left {
                        return Err(ExtractError::Limit(format!(
                            "in {}: {} takes the documents inside one file past {} MiB",
                            node.path,
                            m.name,
                            self.containers.max_expanded_bytes >> 20
                        ))
                        .into());
                    }
                    budget.members_left -= 1;
                    budget.bytes_left -= size;
                    let in_mbox = kind == DocKind::Mbox;
                    self.member(node, sep, &m.name, &m.bytes, in_mbox, budget, derived)?;
                }
            }
            _ => {}
        }

        let meta = DocMeta {
            kind: classify::kind(&document).to_owned(),
            year: classify::year(&document, extracted_date.as_deref()),
        };
        Ok(Processed {
            document,
            meta,
            passages,
            derived: Vec::new(),
        })
    }

    /// Processes one member into `derived`. Only a limit error comes back: it ends the file.
    #[allow(clippy::too_many_arguments)]
    fn member(
        &self,
        parent: &Node<'_>,
        sep: &str,
        name: &str,
        bytes: &[u8],
        in_mbox: bool,
        budget: &mut Budget,
        derived: &mut Vec<Derived>,
    ) -> Result<(), DocError> {
        let suffix = format!("{}{sep}{name}", parent.suffix);
        let path = format!("{}{sep}{name}", parent.path);
        if parent.depth + 1 > self.containers.max_depth {
            return Err(ExtractError::Limit(format!(
                "{path}: nested deeper than {} containers",
                self.containers.max_depth
            ))
            .into());
        }
        let slot = derived.len();
        derived.push(Derived {
            suffix: suffix.clone(),
            size: bytes.len() as u64,
            outcome: Err(DerivedError {
                skip: true,
                message: String::new(),
            }),
        });
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .filter(|e| !e.contains('/'));
        let outcome = match identify(bytes, ext.as_deref()) {
            Err(e) => Err(e),
            Ok(kind) => {
                let node = Node {
                    path: &path,
                    suffix: &suffix,
                    parent: Some(parent.path),
                    depth: parent.depth + 1,
                    in_mbox,
                };
                self.process_node(&node, kind, bytes, budget, derived)
            }
        };
        derived[slot].outcome = match outcome {
            Ok(p) => Ok(p),
            Err(DocError::Extract(ExtractError::Limit(m))) => {
                return Err(ExtractError::Limit(m).into())
            }
            Err(e) => Err(e.into()),
        };
        Ok(())
    }

    /// Reads the pages of a PDF document that need OCR (see [`crate::ocr`]), or adds a
    /// warning saying which stay unread and why. [`Pipeline::process`] calls it for every
    /// PDF; `bytes` are the PDF's.
    pub fn ocr_pages(&self, bytes: &[u8], document: &mut Document) {
        let todo: Vec<usize> = document
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.needs_ocr || ocr::garbled(&p.text))
            .map(|(i, _)| i)
            .collect();
        if todo.is_empty() {
            return;
        }
        let total = document.pages.len();
        let numbers = |idx: &[usize]| -> String {
            let n: Vec<u32> = idx.iter().map(|&i| document.pages[i].number).collect();
            page_list(&n)
        };
        let no_text: Vec<usize> = todo
            .iter()
            .copied()
            .filter(|&i| document.pages[i].needs_ocr)
            .collect();
        let engine = match &self.ocr {
            None => {
                if !no_text.is_empty() {
                    let w = format!(
                        "{} of {total} pages have no text layer and were not read (pages {}): OCR is off (--no-ocr)",
                        no_text.len(),
                        numbers(&no_text)
                    );
                    document.warnings.push(w);
                }
                return;
            }
            Some(o) => o,
        };
        if let Err(e) = engine.available() {
            if !no_text.is_empty() {
                let w = format!(
                    "{} of {total} pages have no text layer and were not read (pages {}): {e}",
                    no_text.len(),
                    numbers(&no_text)
                );
                document.warnings.push(w);
            }
            return;
        }
        let images = match ocr::image::PdfImages::open(bytes) {
            Ok(i) => i,
            Err(e) => {
                document.warnings.push(format!(
                    "pages {} need OCR but the PDF's images could not be read: {e}",
                    numbers(&todo)
                ));
                return;
            }
        };
        use rayon::prelude::*;
        let numbers_todo: Vec<(usize, u32)> = todo
            .iter()
            .map(|&i| (i, document.pages[i].number))
            .collect();
        let results: Vec<(usize, Result<ocr::OcrText, String>)> = numbers_todo
            .par_iter()
            .map(|&(i, number)| {
                let r = match images.page_image(number) {
                    Ok(img) => engine.read(&img),
                    // no image to hand over (JBIG2, ...): render the page instead
                    Err(e) => engine
                        .render(bytes, number)
                        .map_err(|r| ocr::OcrError::NoImage(format!("{e}; {r}")))
                        .and_then(|img| engine.read(&img)),
                }
                .map_err(|e| e.to_string());
                (i, r)
            })
            .collect();
        apply_ocr(document, results);
    }

    /// Reads a picture (a scan or photo of a page) with OCR, or says why it stays unread.
    pub fn ocr_image(&self, bytes: &[u8], document: &mut Document) {
        let engine = match &self.ocr {
            None => {
                document
                    .warnings
                    .push("image not read: OCR is off (--no-ocr)".to_owned());
                return;
            }
            Some(o) => o,
        };
        if let Err(e) = engine.available() {
            document.warnings.push(format!("image not read: {e}"));
            return;
        }
        if bytes.len() < 1024 {
            document
                .warnings
                .push("image not read: too small to hold text".to_owned());
            return;
        }
        let img = ocr::image::PageImage {
            bytes: bytes.to_vec(),
            format: "image",
            dpi: 0,
            width: 0,
            height: 0,
        };
        let r = engine.read(&img).map_err(|e| e.to_string());
        apply_ocr(document, vec![(0, r)]);
    }

    /// Segments and tags every page of a document.
    pub fn tag_document(&self, document: &Document) -> Vec<TaggedPassage> {
        document
            .pages
            .iter()
            .flat_map(|page| self.segmenter.segment(page.number, &page.text))
            .map(|passage| TaggedPassage {
                tagging: self.tagger.tag(&passage.text),
                lang: classify::language(&passage.text).to_owned(),
                passage,
            })
            .collect()
    }
}

/// Puts OCR readings into their pages; pages left unread are named in warnings, one per
/// reason.
fn apply_ocr(document: &mut Document, results: Vec<(usize, Result<ocr::OcrText, String>)>) {
    let total = document.pages.len();
    let mut failed: Vec<(u32, String)> = Vec::new();
    for (i, r) in results {
        let page = &mut document.pages[i];
        match r {
            Ok(t) if t.confidence < ocr::MIN_CONFIDENCE && page.needs_ocr => failed.push((
                page.number,
                format!(
                    "OCR confidence below {:.0}, text not kept (another script or language? see --ocr-lang)",
                    ocr::MIN_CONFIDENCE
                ),
            )),
            Ok(t) if t.text.trim().is_empty() && page.needs_ocr => {
                failed.push((page.number, "OCR found no text".into()))
            }
            // a garbled text layer is replaced only by a better reading
            Ok(t)
                if !t.text.trim().is_empty()
                    && t.confidence >= ocr::MIN_CONFIDENCE
                    && (page.needs_ocr || !ocr::garbled(&t.text)) =>
            {
                ocr::merge(page, t);
            }
            Ok(_) => {}
            Err(e) if page.needs_ocr => failed.push((page.number, e)),
            Err(_) => {}
        }
    }
    // one warning per reason
    let mut by_reason: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for (n, e) in failed {
        by_reason.entry(e).or_default().push(n);
    }
    for (reason, pages) in by_reason {
        document.warnings.push(format!(
            "{} of {total} pages not read by OCR (pages {}): {reason}",
            pages.len(),
            page_list(&pages)
        ));
    }
}

/// The format of a file or member: content first, then its name's extension; a ZIP is looked
/// at whole to tell a DOCX or ODT from an archive.
fn identify(bytes: &[u8], ext: Option<&str>) -> Result<DocKind, DocError> {
    let kind = match ingest::sniff(&bytes[..bytes.len().min(8192)], ext) {
        Sniffed::Supported(k) => k,
        Sniffed::Unsupported(reason) => return Err(DocError::Unsupported(reason)),
    };
    match ingest::sniff::refine(kind, bytes) {
        Sniffed::Supported(k) => Ok(k),
        Sniffed::Unsupported(reason) => Err(DocError::Unsupported(reason)),
    }
}

/// `1-3, 7, 9-10`.
fn page_list(pages: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < pages.len() {
        let mut j = i;
        while j + 1 < pages.len() && pages[j + 1] == pages[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            pages[i].to_string()
        } else {
            format!("{}-{}", pages[i], pages[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::Write;

    fn pipeline(containers: ContainerLimits) -> Pipeline {
        let codebook = crate::codebook::Codebook::from_sources(&crate::codebook::embedded())
            .expect("built-in codebook");
        Pipeline {
            tagger: Tagger::new(&codebook).expect("tagger"),
            segmenter: Segmenter::default(),
            limits: Limits::default(),
            containers,
            ocr: None,
        }
    }

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        for (name, data) in files {
            z.start_file(*name, o).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn member_and_size_budgets_hold_over_the_whole_tree() {
        let inner = zip_of(&[("a.txt", b"first member text"), ("b.txt", b"second member")]);
        let outer = zip_of(&[("inner.zip", &inner), ("c.txt", b"third member")]);
        let p = pipeline(ContainerLimits::default());
        let done = p.process("outer.zip", Some("zip"), &outer).unwrap();
        let suffixes: Vec<&str> = done.derived.iter().map(|d| d.suffix.as_str()).collect();
        assert_eq!(
            suffixes,
            vec![
                "!/inner.zip",
                "!/inner.zip!/a.txt",
                "!/inner.zip!/b.txt",
                "!/c.txt"
            ]
        );
        let a = done.derived[1].outcome.as_ref().unwrap();
        assert_eq!(a.document.path, "outer.zip!/inner.zip!/a.txt");
        assert_eq!(a.document.parent.as_deref(), Some("outer.zip!/inner.zip"));
        // four documents inside: a budget of three ends the file with a limit error
        let few = pipeline(ContainerLimits {
            max_members: 3,
            ..ContainerLimits::default()
        });
        let e = few
            .process("outer.zip", None, &outer)
            .unwrap_err()
            .to_string();
        assert!(e.contains("too many members"), "{e}");
        // the bytes of all members count together
        let small = pipeline(ContainerLimits {
            max_expanded_bytes: inner.len() as u64 + 20,
            ..ContainerLimits::default()
        });
        let e = small
            .process("outer.zip", None, &outer)
            .unwrap_err()
            .to_string();
        assert!(e.contains("zip bomb") && e.contains("outer.zip"), "{e}");
        let shallow = pipeline(ContainerLimits {
            max_depth: 1,
            ..ContainerLimits::default()
        });
        let e = shallow
            .process("outer.zip", None, &outer)
            .unwrap_err()
            .to_string();
        assert!(e.contains("nested deeper than 1"), "{e}");
    }

    #[test]
    fn truncated_and_corrupted_containers_never_panic() {
        let mbox = b"From a@b Tue Mar  5 10:00:00 2019\nFrom: a@b\nTo: c@d\nSubject: x\nContent-Type: multipart/mixed; boundary=Q\n\n--Q\n\nbody\n--Q\nContent-Disposition: attachment; filename=z.zip\n\nPK\x03\x04\n--Q--\n";
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            (
                "word/document.xml",
                b"<w:document><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>",
            ),
        ]);
        let odt = {
            let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            z.start_file("mimetype", stored).unwrap();
            z.write_all(b"application/vnd.oasis.opendocument.text")
                .unwrap();
            z.start_file("content.xml", stored).unwrap();
            z.write_all(
                b"<office:document-content><text:p>hello</text:p></office:document-content>",
            )
            .unwrap();
            z.finish().unwrap().into_inner()
        };
        let all = zip_of(&[
            ("m.mbox", mbox),
            ("d.docx", &docx),
            ("o.odt", &odt),
            ("r.rtf", b"{\\rtf1 hello \\u8364? {\\*\\x}}"),
        ]);
        let p = pipeline(ContainerLimits::default());
        assert!(p.process("all.zip", None, &all).is_ok());
        for file in [&all, &docx, &odt] {
            // every truncation, and a byte flipped every so often
            for cut in (0..file.len()).step_by(7) {
                let r = p.process("t.zip", None, &file[..cut]);
                assert!(!matches!(r, Err(DocError::Panic(_))), "cut {cut}: {r:?}");
            }
            for at in (0..file.len()).step_by(13) {
                let mut f = file.clone();
                f[at] ^= 0x5A;
                let r = p.process("f.zip", None, &f);
                assert!(!matches!(r, Err(DocError::Panic(_))), "flip {at}: {r:?}");
            }
        }
    }

    #[test]
    fn page_lists_are_compact() {
        assert_eq!(page_list(&[1, 2, 3, 7, 9, 10]), "1-3, 7, 9-10");
        assert_eq!(page_list(&[4]), "4");
    }
}
