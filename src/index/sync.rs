//! Incremental, crash-safe indexing as a library call, for `redflag index` and any other
//! writer of an index (a shard writer, a Spark stage):
//!
//! - [`plan`] compares the walked files with the catalogue: which are unchanged (a stat, no
//!   read), which must be processed ([`Job`], with what the catalogue knew), which are gone
//!   (with every document found inside them, keyed `FILE!/...`).
//! - [`schedule`] orders the jobs: the largest files first, the rest in folder order.
//! - [`Updater::apply`] writes one file's outcome: its passages, its record and the documents
//!   inside it replace what was indexed for it ([`Writer::replace`] builds the records);
//!   documents that were inside the old version and are gone are removed; a file that now
//!   fails is removed. It commits when the [`CommitPolicy`] says so.
//! - [`Runner::run`] processes the jobs on a thread pool and hands them to one writer through
//!   a bounded channel, under a budget of bytes in flight ([`InFlight`]).
//!
//! Reading a file's bytes is the caller's: [`Runner::read`] is given (the command reads from
//! disk, a Spark stage from its input records), so nothing here opens source files.
//!
//! ## Crash safety
//!
//! Everything written for one file (its removal, its passages, its record, the documents
//! inside it) is queued between two commits, and only a commit makes it visible: a process
//! killed at any point leaves every file as the last commit saw it, fully indexed in its old
//! or its new version, never half. The next run finds the difference in the catalogue and
//! does the rest.

use super::{FileRecord, IndexError, Writer};
use crate::ingest::WalkEntry;
use crate::pipeline::{self, DocError, Pipeline, Processed};
use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The file records of an index, by key (see [`super::IndexStore::catalogue`]).
pub type Catalogue = HashMap<String, FileRecord>;

/// What the catalogue knew of a file that must be processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// Not in the index.
    New,
    /// In the index with another size: changed.
    Changed,
    /// In the index with the same size and another modification time: hashed first, and
    /// processed only when the bytes differ from the indexed ones (this hash).
    Touched(String),
}

/// A file to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The file as walked.
    pub entry: WalkEntry,
    /// What the catalogue knew of it.
    pub known: Known,
}

impl Job {
    /// Whether the file was in the index before (its old passages must go).
    pub fn was_indexed(&self) -> bool {
        self.known != Known::New
    }
}

/// What to do with the walked files, against the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Keys of the files whose size and modification time match their record.
    pub unchanged: Vec<String>,
    /// Files to process (new, changed, or touched).
    pub todo: Vec<Job>,
    /// Keys to remove: files below the roots that are gone, and the documents inside them.
    pub removed: Vec<String>,
}

/// Compares the walked `files` with the catalogue. `roots` are the canonical paths that were
/// walked: a catalogue key below one of them whose file was not found is removed (keys
/// elsewhere belong to other roots and stay).
pub fn plan(catalogue: &Catalogue, files: &[WalkEntry], roots: &[String]) -> Plan {
    let mut plan = Plan::default();
    for f in files {
        match catalogue.get(&f.key) {
            Some(r) if r.size == f.size && r.mtime_ns == f.mtime_ns => {
                plan.unchanged.push(f.key.clone())
            }
            Some(r) if r.size == f.size => plan.todo.push(Job {
                entry: f.clone(),
                known: Known::Touched(r.doc.clone()),
            }),
            Some(_) => plan.todo.push(Job {
                entry: f.clone(),
                known: Known::Changed,
            }),
            None => plan.todo.push(Job {
                entry: f.clone(),
                known: Known::New,
            }),
        }
    }
    let seen: HashSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    let below = |key: &str| {
        roots.iter().any(|r| {
            let r = r.trim_end_matches('/');
            key == r
                || key
                    .strip_prefix(r)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    plan.removed = catalogue
        .keys()
        .filter(|k| below(k) && !seen.contains(k.as_str()))
        // a document inside a file (`leak.zip!/a.pdf`) lives as long as its file
        .filter(|k| !seen.contains(pipeline::file_key(k)))
        .cloned()
        .collect();
    plan.removed.sort();
    plan
}

/// Orders the jobs for `threads` workers: the largest files first (4 per thread, plus one in
/// a thousand), the rest in key (folder) order. A long document started last leaves the
/// other cores idle at the end of the run (a 429-page manual did, on the dev corpus); only a
/// few move, so the rest keeps the folder order and the throughput per tenth stays
/// comparable.
pub fn schedule(todo: &mut [Job], threads: usize) {
    let first = (4 * threads.max(1) + todo.len() / 1000).min(todo.len());
    let larger = |a: &Job, b: &Job| {
        b.entry
            .size
            .cmp(&a.entry.size)
            .then_with(|| a.entry.key.cmp(&b.entry.key))
    };
    if first > 0 && first < todo.len() {
        todo.select_nth_unstable_by(first - 1, larger);
        let (big, rest) = todo.split_at_mut(first);
        big.sort_by(larger);
        rest.sort_by(|a, b| a.entry.key.cmp(&b.entry.key));
    }
}

/// What happened to one file before it reached the writer.
#[derive(Debug)]
pub enum Outcome {
    /// Processed, in this much time.
    Done(Box<Processed>, Duration),
    /// Same bytes as indexed (this hash): only the modification time changed.
    Same(String),
    /// The pipeline failed or skipped it.
    Failed(DocError),
    /// Its bytes could not be read (the reason).
    Unreadable(String),
    /// Larger than the limit.
    TooLarge {
        /// The file's size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
}

impl Outcome {
    /// Approximate heap bytes held: page texts and passage texts of the file and of the
    /// documents found inside it.
    pub fn weight(&self) -> usize {
        let Outcome::Done(p, _) = self else {
            return 0;
        };
        let text =
            |d: &crate::model::Document| d.pages.iter().map(|pg| pg.text.len()).sum::<usize>();
        let derived: usize = p
            .derived
            .iter()
            .filter_map(|d| d.outcome.as_ref().ok())
            .map(|dp| text(&dp.document))
            .sum();
        2 * (text(&p.document) + derived) + 4096
    }
}

/// Reads (through `read`) and processes one job. A touched file whose bytes hash as before
/// is [`Outcome::Same`] and is not parsed.
pub fn process(
    pipeline: &Pipeline,
    job: &Job,
    read: &(dyn Fn(&WalkEntry) -> Result<Vec<u8>, String> + Sync),
    max_bytes: u64,
) -> Outcome {
    let entry = &job.entry;
    if entry.size > max_bytes {
        return Outcome::TooLarge {
            size: entry.size,
            limit: max_bytes,
        };
    }
    let bytes = match read(entry) {
        Ok(b) => b,
        Err(message) => return Outcome::Unreadable(message),
    };
    if let Known::Touched(old) = &job.known {
        let hash = crate::ingest::hash(&bytes);
        if &hash == old {
            return Outcome::Same(hash);
        }
    }
    let started = Instant::now();
    match pipeline.process(&entry.display(), entry.ext().as_deref(), &bytes) {
        Ok(p) => Outcome::Done(Box::new(p), started.elapsed()),
        Err(e) => Outcome::Failed(e),
    }
}

/// When to commit: after this many files written, or this much time since the last commit,
/// whichever comes first (and always at the end). Few, large commits keep the segment count
/// low; frequent ones lose less to an interruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitPolicy {
    /// Files written (new, changed, touched) between commits.
    pub files: usize,
    /// Longest time between commits.
    pub interval: Duration,
}

impl Default for CommitPolicy {
    fn default() -> Self {
        CommitPolicy {
            files: 1000,
            interval: Duration::from_secs(30),
        }
    }
}

/// How one file ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// Indexed for the first time.
    #[default]
    New,
    /// Indexed again (its bytes changed).
    Changed,
    /// Its bytes were the same; only the record's modification time was updated.
    Unchanged,
    /// Not a format redflag reads, or over the size limit (not a failure).
    Skipped,
    /// Unreadable or failed (counts as a failure).
    Failed,
}

/// What writing one file did, for the caller's progress and summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// How the file ended.
    pub status: Status,
    /// Pages, passages and tags indexed, the documents inside the file included.
    pub pages: usize,
    /// See `pages`.
    pub passages: usize,
    /// See `pages`.
    pub tags: usize,
    /// Pages of the file itself (for progress).
    pub file_pages: usize,
    /// Documents found inside the file and indexed.
    pub inside: usize,
    /// Bytes of page text of the file itself.
    pub text_bytes: usize,
    /// Time spent processing the file (extract, segment, tag).
    pub process_time: Duration,
    /// Time spent handing it to the index writer.
    pub write_time: Duration,
    /// Warnings, each `PATH: warning: ...`.
    pub warnings: Vec<String>,
    /// Skips as (reason, path), the file's own or those of documents inside it.
    pub skipped: Vec<(String, String)>,
    /// Failures, each `PATH: reason`, the file's own or those of documents inside it.
    pub failures: Vec<String>,
}

/// One index writer fed with outcomes: the writing half of incremental indexing.
pub struct Updater {
    writer: Writer,
    catalogue: Catalogue,
    dict_version: String,
    policy: CommitPolicy,
    since_commit: usize,
    last_commit: Instant,
}

impl Updater {
    /// Writes through `writer`; `catalogue` is the index's catalogue when the run started,
    /// `dict_version` the codebook version stored with every passage.
    pub fn new(
        writer: Writer,
        catalogue: Catalogue,
        dict_version: &str,
        policy: CommitPolicy,
    ) -> Updater {
        Updater {
            writer,
            catalogue,
            dict_version: dict_version.to_owned(),
            policy,
            since_commit: 0,
            last_commit: Instant::now(),
        }
    }

    /// Removes these keys (their passages and records), e.g. [`Plan::removed`].
    pub fn remove(&mut self, keys: &[String]) {
        for k in keys {
            self.writer.remove(k);
        }
    }

    /// Removes a file that was indexed and every document that was found inside it.
    fn remove_file(&mut self, key: &str) {
        self.writer.remove(key);
        self.remove_inside(key);
    }

    /// Removes what was indexed from inside a file (`KEY!/...`).
    fn remove_inside(&mut self, key: &str) {
        for k in self.catalogue.keys() {
            if pipeline::is_inside(k, key) {
                self.writer.remove(k);
            }
        }
    }

    /// Writes one file's outcome, then commits if the policy says so.
    pub fn apply(&mut self, job: &Job, outcome: Outcome) -> Result<Report, IndexError> {
        let entry = &job.entry;
        let path = entry.display();
        let mut report = Report::default();
        match outcome {
            Outcome::Same(doc) => {
                if let Some(old) = self.catalogue.get(&entry.key) {
                    let record = FileRecord {
                        mtime_ns: entry.mtime_ns,
                        doc,
                        ..old.clone()
                    };
                    self.writer.update_record(&record)?;
                }
                report.status = Status::Unchanged;
                self.since_commit += 1;
            }
            Outcome::Done(p, spent) => {
                report.process_time = spent;
                report.text_bytes = p.document.pages.iter().map(|pg| pg.text.len()).sum();
                report.file_pages = p.document.pages.len();
                let started = Instant::now();
                if job.was_indexed() {
                    self.remove_inside(&entry.key);
                }
                self.writer.replace(entry, &p, &self.dict_version)?;
                for doc in std::iter::once(&*p)
                    .chain(p.derived.iter().filter_map(|d| d.outcome.as_ref().ok()))
                {
                    let dpath = &doc.document.path;
                    report.warnings.extend(
                        doc.document
                            .warnings
                            .iter()
                            .map(|w| format!("{dpath}: warning: {w}")),
                    );
                    report.pages += doc.document.pages.len();
                    report.passages += doc.passages.len();
                    report.tags += doc
                        .passages
                        .iter()
                        .map(|tp| tp.tagging.tags.len())
                        .sum::<usize>();
                }
                for d in &p.derived {
                    let dpath = pipeline::member_key(&path, &d.suffix);
                    match &d.outcome {
                        Ok(_) => report.inside += 1,
                        Err(e) if e.skip => report.skipped.push((e.message.clone(), dpath)),
                        Err(e) => report.failures.push(format!("{dpath}: {}", e.message)),
                    }
                }
                report.write_time = started.elapsed();
                report.status = if job.was_indexed() {
                    Status::Changed
                } else {
                    Status::New
                };
                self.since_commit += 1;
            }
            Outcome::Failed(e) => {
                if job.was_indexed() {
                    self.remove_file(&entry.key);
                }
                match e {
                    DocError::Unsupported(reason) => {
                        report.status = Status::Skipped;
                        report.skipped.push((reason, path));
                    }
                    e => {
                        report.status = Status::Failed;
                        report.failures.push(format!("{path}: {e}"));
                    }
                }
            }
            Outcome::Unreadable(message) => {
                report.status = Status::Failed;
                report.failures.push(format!("{path}: {message}"));
            }
            Outcome::TooLarge { size, limit } => {
                report.status = Status::Skipped;
                report.skipped.push((
                    format!(
                        "larger than --max-file-mib {} ({} MiB)",
                        limit >> 20,
                        size >> 20
                    ),
                    path,
                ));
            }
        }
        if self.since_commit >= self.policy.files.max(1)
            || self.last_commit.elapsed() >= self.policy.interval
        {
            self.commit()?;
        }
        Ok(report)
    }

    /// Makes everything written so far durable.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.since_commit = 0;
        self.last_commit = Instant::now();
        self.writer.commit()
    }

    /// Commits and waits for the background merges.
    pub fn finish(self) -> Result<(), IndexError> {
        self.writer.finish()
    }
}

/// A byte budget for processed documents on their way to the writer: a worker waits before
/// handing over a document that would exceed it (unless nothing is in flight, so one huge
/// document still passes), the writer gives the bytes back when it is done with it.
#[derive(Debug)]
pub struct InFlight {
    used: Mutex<usize>,
    freed: Condvar,
    limit: usize,
}

impl InFlight {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> InFlight {
        InFlight {
            used: Mutex::new(0),
            freed: Condvar::new(),
            limit,
        }
    }

    /// Takes `bytes` from the budget, waiting while that would exceed it (and something is
    /// in flight).
    pub fn acquire(&self, bytes: usize) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used > 0 && *used + bytes > self.limit {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += bytes;
    }

    /// Gives `bytes` back.
    pub fn release(&self, bytes: usize) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(bytes);
        self.freed.notify_all();
    }

    /// Bytes in flight now.
    pub fn used(&self) -> usize {
        *self.used.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Gives a document's bytes back to the budget when the writer is done with it.
struct Held<'a>(&'a InFlight, usize);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.release(self.1);
    }
}

/// Bytes of processed documents allowed between the workers and the writer by default.
pub const IN_FLIGHT_BYTES: usize = 256 << 20;

/// Reads a file's bytes, or says why it cannot (one line, without the path).
pub type ReadFn<'a> = &'a (dyn Fn(&WalkEntry) -> Result<Vec<u8>, String> + Sync);

/// Runs jobs: processing on a thread pool, writing on the calling thread.
pub struct Runner<'a> {
    /// The configured pipeline.
    pub pipeline: &'a Pipeline,
    /// The workers.
    pub pool: &'a rayon::ThreadPool,
    /// Reads a file's bytes.
    pub read: ReadFn<'a>,
    /// Called on a worker when it starts a file (for a progress display).
    pub on_start: &'a (dyn Fn(&WalkEntry) + Sync),
    /// Files larger than this are skipped unread.
    pub max_file_bytes: u64,
    /// Budget of processed bytes waiting for the writer ([`IN_FLIGHT_BYTES`]).
    pub in_flight_bytes: usize,
}

impl Runner<'_> {
    /// Processes `todo` in order on the pool and writes each outcome through `sync` as it
    /// arrives, calling `on_done` with its report. A write error stops the writing (the
    /// workers are drained) and is returned; what was committed before it stays.
    pub fn run(
        &self,
        todo: &[Job],
        sync: &mut Updater,
        mut on_done: impl FnMut(&Job, &Report),
    ) -> Result<(), IndexError> {
        let threads = self.pool.current_num_threads().max(1);
        // Deep enough that the workers go on while the writer waits for tantivy (a segment
        // being written, a commit); memory is bounded by the bytes in flight, not by this
        // count.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Outcome)>(threads * 32);
        let in_flight = InFlight::new(self.in_flight_bytes);
        let mut write_error = None;
        std::thread::scope(|scope| {
            let in_flight = &in_flight;
            scope.spawn(move || {
                self.pool.install(|| {
                    use rayon::prelude::*;
                    todo.par_iter().enumerate().with_max_len(1).for_each_with(
                        tx,
                        |tx, (i, job)| {
                            (self.on_start)(&job.entry);
                            let outcome =
                                process(self.pipeline, job, self.read, self.max_file_bytes);
                            in_flight.acquire(outcome.weight());
                            // The receiver only goes away on a fatal write error.
                            let _ = tx.send((i, outcome));
                        },
                    );
                });
            });
            for (i, outcome) in rx {
                let _held = Held(in_flight, outcome.weight());
                if write_error.is_some() {
                    continue; // drain, so the workers finish
                }
                match sync.apply(&todo[i], outcome) {
                    Ok(report) => on_done(&todo[i], &report),
                    Err(e) => write_error = Some(e),
                }
            }
        });
        write_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexStore;
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn pipeline() -> Pipeline {
        let codebook = crate::codebook::Codebook::from_sources(&crate::codebook::embedded())
            .expect("built-in codebook");
        Pipeline {
            tagger: crate::tag::Tagger::new(&codebook).expect("tagger"),
            segmenter: crate::segment::Segmenter::default(),
            limits: crate::extract::Limits::default(),
            containers: pipeline::ContainerLimits::default(),
            ocr: None,
        }
    }

    fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in files {
            z.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(data.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    fn entry(key: &str, size: u64, mtime_ns: u64) -> WalkEntry {
        WalkEntry {
            path: key.into(),
            key: key.to_owned(),
            size,
            mtime_ns,
        }
    }

    fn record(key: &str, size: u64, mtime_ns: u64, doc: &str) -> FileRecord {
        FileRecord {
            key: key.to_owned(),
            path: key.to_owned(),
            doc: doc.to_owned(),
            size,
            mtime_ns,
            pages: 1,
            passages: 1,
            title: String::new(),
            format: None,
            kind: String::new(),
        }
    }

    /// A collection in memory: key -> (bytes, mtime).
    struct Files(HashMap<String, (Vec<u8>, u64)>);

    impl Files {
        fn new(files: &[(&str, Vec<u8>, u64)]) -> Files {
            Files(
                files
                    .iter()
                    .map(|(k, b, m)| ((*k).to_owned(), (b.clone(), *m)))
                    .collect(),
            )
        }

        fn walk(&self) -> Vec<WalkEntry> {
            let mut v: Vec<WalkEntry> = self
                .0
                .iter()
                .map(|(k, (b, m))| entry(k, b.len() as u64, *m))
                .collect();
            v.sort_by(|a, b| a.key.cmp(&b.key));
            v
        }
    }

    /// One `redflag index /r` run over `files` into the index at `dir`, without a process:
    /// the reports by key, and the catalogue after it.
    fn index_run(
        dir: &std::path::Path,
        files: &Files,
        policy: CommitPolicy,
        finish: bool,
    ) -> HashMap<String, Report> {
        let store = IndexStore::open_or_create(dir).unwrap();
        let catalogue = store.catalogue().unwrap();
        let mut plan = plan(&catalogue, &files.walk(), &["/r".to_owned()]);
        schedule(&mut plan.todo, 2);
        let p = pipeline();
        let mut updater = Updater::new(
            store.writer(32 << 20, 1).unwrap(),
            catalogue,
            p.tagger.version(),
            policy,
        );
        updater.remove(&plan.removed);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let read = |e: &WalkEntry| {
            files
                .0
                .get(&e.key)
                .map(|(b, _)| b.clone())
                .ok_or_else(|| "gone".to_owned())
        };
        let runner = Runner {
            pipeline: &p,
            pool: &pool,
            read: &read,
            on_start: &|_| {},
            max_file_bytes: 1 << 20,
            in_flight_bytes: IN_FLIGHT_BYTES,
        };
        let mut reports = HashMap::new();
        runner
            .run(&plan.todo, &mut updater, |job, r| {
                reports.insert(job.entry.key.clone(), r.clone());
            })
            .unwrap();
        if finish {
            updater.finish().unwrap();
        }
        reports
    }

    fn catalogue(dir: &std::path::Path) -> Catalogue {
        IndexStore::open(dir).unwrap().catalogue().unwrap()
    }

    fn keys(c: &Catalogue) -> Vec<&str> {
        let mut k: Vec<&str> = c.keys().map(String::as_str).collect();
        k.sort();
        k
    }

    #[test]
    fn plan_sorts_files_into_unchanged_todo_and_removed() {
        let cat: Catalogue = [
            record("/r/same.txt", 10, 1, "h1"),
            record("/r/touched.txt", 10, 1, "h2"),
            record("/r/grown.txt", 10, 1, "h3"),
            record("/r/gone.zip", 10, 1, "h4"),
            record("/r/gone.zip!/m.txt", 5, 1, "h5"),
            record("/r/gone.zip!/inner.zip!/n.txt", 5, 1, "h6"),
            record("/r/kept.zip!/m.txt", 5, 1, "h7"),
            record("/r/kept.zip", 10, 1, "h8"),
            record("/rx/elsewhere.txt", 10, 1, "h9"),
            record("/other/x.txt", 10, 1, "h10"),
        ]
        .into_iter()
        .map(|r| (r.key.clone(), r))
        .collect();
        let walked = [
            entry("/r/same.txt", 10, 1),
            entry("/r/touched.txt", 10, 2),
            entry("/r/grown.txt", 11, 1),
            entry("/r/new.txt", 3, 1),
            entry("/r/kept.zip", 10, 1),
        ];
        let p = plan(&cat, &walked, &["/r/".to_owned()]);
        assert_eq!(p.unchanged, vec!["/r/same.txt", "/r/kept.zip"]);
        let todo: Vec<(&str, &Known)> = p
            .todo
            .iter()
            .map(|j| (j.entry.key.as_str(), &j.known))
            .collect();
        assert_eq!(
            todo,
            vec![
                ("/r/touched.txt", &Known::Touched("h2".into())),
                ("/r/grown.txt", &Known::Changed),
                ("/r/new.txt", &Known::New),
            ]
        );
        // the file that is gone goes with every document found inside it; keys outside the
        // walked root (`/rx` only shares a prefix) stay
        assert_eq!(
            p.removed,
            vec![
                "/r/gone.zip",
                "/r/gone.zip!/inner.zip!/n.txt",
                "/r/gone.zip!/m.txt"
            ]
        );
    }

    #[test]
    fn the_largest_files_go_first_and_the_rest_in_folder_order() {
        let mut todo: Vec<Job> = (0..20u64)
            .map(|i| Job {
                entry: entry(&format!("/r/{i:02}"), if i == 17 { 1000 } else { i }, 1),
                known: Known::New,
            })
            .collect();
        schedule(&mut todo, 1);
        let keys: Vec<&str> = todo.iter().map(|j| j.entry.key.as_str()).collect();
        assert_eq!(&keys[..4], ["/r/17", "/r/19", "/r/18", "/r/16"]);
        let rest = &keys[4..];
        assert!(rest.windows(2).all(|w| w[0] < w[1]), "{rest:?}");
    }

    #[test]
    fn a_changed_container_replaces_its_members_and_drops_the_gone_ones() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("idx");
        let v1 = zip_of(&[
            ("a.txt", "The officer took a bribe at the border."),
            ("b.txt", "A second member about the smuggling route."),
        ]);
        let files = Files::new(&[
            ("/r/leak.zip", v1, 1),
            ("/r/note.txt", b"A note on the case.".to_vec(), 1),
        ]);
        let r = index_run(&dir, &files, CommitPolicy::default(), true);
        assert_eq!(r["/r/leak.zip"].status, Status::New);
        assert_eq!(r["/r/leak.zip"].inside, 2);
        assert_eq!(
            keys(&catalogue(&dir)),
            vec![
                "/r/leak.zip",
                "/r/leak.zip!/a.txt",
                "/r/leak.zip!/b.txt",
                "/r/note.txt"
            ]
        );
        let member = &catalogue(&dir)["/r/leak.zip!/a.txt"];
        assert_eq!(member.path, "/r/leak.zip!/a.txt");
        assert_eq!(
            member.doc,
            crate::ingest::hash(b"The officer took a bribe at the border.")
        );
        assert_eq!(member.passages, 1);

        // b.txt leaves the archive, a.txt changes, note.txt is deleted
        let v2 = zip_of(&[("a.txt", "The officer was paid off at the border crossing.")]);
        let files = Files::new(&[("/r/leak.zip", v2, 2)]);
        let r = index_run(&dir, &files, CommitPolicy::default(), true);
        assert_eq!(r["/r/leak.zip"].status, Status::Changed);
        let cat = catalogue(&dir);
        assert_eq!(keys(&cat), vec!["/r/leak.zip", "/r/leak.zip!/a.txt"]);
        assert_eq!(
            cat["/r/leak.zip!/a.txt"].doc,
            crate::ingest::hash(b"The officer was paid off at the border crossing.")
        );

        // touched, same bytes: only the record's time changes, nothing is parsed
        let same = Files::new(&[(
            "/r/leak.zip",
            zip_of(&[("a.txt", "The officer was paid off at the border crossing.")]),
            3,
        )]);
        let r = index_run(&dir, &same, CommitPolicy::default(), true);
        assert_eq!(r["/r/leak.zip"].status, Status::Unchanged);
        assert_eq!(r["/r/leak.zip"].process_time, Duration::ZERO);
        let cat = catalogue(&dir);
        assert_eq!(cat["/r/leak.zip"].mtime_ns, 3);
        assert_eq!(keys(&cat), vec!["/r/leak.zip", "/r/leak.zip!/a.txt"]);

        // the file now fails (not a format redflag reads): it goes with its members
        let bad = Files::new(&[("/r/leak.zip", vec![0u8, 159, 146, 150, 7, 7], 4)]);
        let r = index_run(&dir, &bad, CommitPolicy::default(), true);
        assert_eq!(r["/r/leak.zip"].status, Status::Skipped, "{r:?}");
        assert!(catalogue(&dir).is_empty());
    }

    #[test]
    fn a_run_killed_before_its_commit_leaves_the_old_version_whole() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("idx");
        let v1 = zip_of(&[("a.txt", "First version."), ("b.txt", "Second member.")]);
        index_run(
            &dir,
            &Files::new(&[("/r/leak.zip", v1, 1)]),
            CommitPolicy::default(),
            true,
        );
        let before = catalogue(&dir);
        // the changed file is written but the run dies before any commit
        let v2 = zip_of(&[("c.txt", "Third version, other member.")]);
        let files = Files::new(&[("/r/leak.zip", v2, 2), ("/r/new.txt", b"New.".to_vec(), 2)]);
        let slow = CommitPolicy {
            files: 1000,
            interval: Duration::from_secs(3600),
        };
        let r = index_run(&dir, &files, slow, false);
        assert_eq!(r["/r/leak.zip"].status, Status::Changed);
        assert_eq!(catalogue(&dir), before);
        // the next run does it all, and a commit after every file makes each one durable
        // as it is written
        let every = CommitPolicy {
            files: 1,
            interval: Duration::from_secs(3600),
        };
        index_run(&dir, &files, every, false);
        assert_eq!(
            keys(&catalogue(&dir)),
            vec!["/r/leak.zip", "/r/leak.zip!/c.txt", "/r/new.txt"]
        );
    }

    #[test]
    fn unreadable_and_too_large_files_are_reported_and_keep_their_old_version() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("idx");
        index_run(
            &dir,
            &Files::new(&[("/r/a.txt", b"Some text.".to_vec(), 1)]),
            CommitPolicy::default(),
            true,
        );
        let store = IndexStore::open(&dir).unwrap();
        let mut updater = Updater::new(
            store.writer(32 << 20, 1).unwrap(),
            store.catalogue().unwrap(),
            "v",
            CommitPolicy::default(),
        );
        let job = Job {
            entry: entry("/r/a.txt", 20, 2),
            known: Known::Changed,
        };
        let r = updater
            .apply(&job, Outcome::Unreadable("permission denied".into()))
            .unwrap();
        assert_eq!(r.status, Status::Failed);
        assert_eq!(r.failures, vec!["/r/a.txt: permission denied"]);
        let r = updater
            .apply(
                &job,
                Outcome::TooLarge {
                    size: 3 << 20,
                    limit: 1 << 20,
                },
            )
            .unwrap();
        assert_eq!(r.status, Status::Skipped);
        assert_eq!(
            r.skipped,
            vec![(
                "larger than --max-file-mib 1 (3 MiB)".to_owned(),
                "/r/a.txt".to_owned()
            )]
        );
        updater.finish().unwrap();
        assert_eq!(keys(&catalogue(&dir)), vec!["/r/a.txt"]);
    }

    #[test]
    fn in_flight_budget_blocks_until_bytes_come_back() {
        let budget = InFlight::new(100);
        budget.acquire(80);
        let passed = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                budget.acquire(50); // 80 + 50 > 100: waits for the release
                passed.store(true, Ordering::SeqCst);
            });
            std::thread::sleep(Duration::from_millis(100));
            assert!(!passed.load(Ordering::SeqCst));
            drop(Held(&budget, 80));
        });
        assert!(passed.load(Ordering::SeqCst));
        // a document larger than the whole budget passes when nothing else is in flight
        budget.release(50);
        budget.acquire(1000);
        assert_eq!(budget.used(), 1000);
    }
}
