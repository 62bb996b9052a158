//! The index: the only module that touches tantivy.
//!
//! An index folder (`./.redflag/` by default) holds a tantivy index and `redflag.json`, which
//! records [`SCHEMA_VERSION`]. Each passage is one tantivy document carrying everything search
//! and export need to cite and highlight without reopening the source files (path, page,
//! passage number, byte range, text, tags with rules and spans, entities). Each indexed file
//! also has one *file record* (path key, hash, size, mtime): the catalogue that makes
//! re-indexing incremental. A file's passages and its record are always replaced together in
//! one commit, so an interrupted run leaves every file either fully indexed or not at all.

mod query;
mod schema;
mod search;
pub mod sync;
mod tokenize;

pub use query::QueryError;
pub use search::{
    EmptyResult, Facets, Filters, Hit, RawFilters, SearchRequest, SearchResult, SortOrder,
    Vocabulary, KINDS, TOP_DOCUMENTS,
};
pub use tokenize::{unspaced, words};

pub use crate::model::{DocMeta, TaggedPassage};

use crate::model::{DocKind, Document};
use schema::{Fields, REC_FILE, REC_PASSAGE};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, Occur, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Version of the on-disk index layout; a change to the schema bumps it.
pub const SCHEMA_VERSION: u32 = 3;
const VERSION_FILE: &str = "redflag.json";

/// Errors of the index layer.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// No index at this place.
    #[error("no index at {0} (run `redflag index PATH` first, or give --index DIR)")]
    Missing(PathBuf),
    /// The index was written by another schema version.
    #[error("index at {path} has schema version {found}, this redflag reads version {expected}: re-create it with `redflag index --rebuild PATH`")]
    Version {
        /// Index folder.
        path: PathBuf,
        /// Version found on disk.
        found: String,
        /// Version this build reads.
        expected: u32,
    },
    /// Another process holds the writer lock.
    #[error("index at {0} is being written by another redflag process; wait for it to finish")]
    Locked(PathBuf),
    /// A query the user typed is wrong.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The index folder cannot be used (permissions, disk full, ...).
    #[error("index at {path}: {message}")]
    Io {
        /// Index folder.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
    /// A tantivy failure (corrupt index, internal error).
    #[error("index at {path}: {source}")]
    Tantivy {
        /// Index folder.
        path: PathBuf,
        /// The underlying error.
        source: tantivy::TantivyError,
    },
}

/// What the catalogue knows of an indexed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Canonical absolute path.
    pub key: String,
    /// Path for display and citations.
    pub path: String,
    /// Hex BLAKE3 of the bytes.
    pub doc: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time (ns since the epoch).
    pub mtime_ns: u64,
    /// Number of pages.
    pub pages: u64,
    /// Number of passages.
    pub passages: u64,
    /// Title (empty when none).
    pub title: String,
    /// File format (`None` only for a record written before it was known).
    pub format: Option<DocKind>,
    /// Document kind.
    pub kind: String,
}

/// An open index folder.
pub struct IndexStore {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    dir: PathBuf,
    /// The catalogue of the last reader generation read (see `catalogue_shared`).
    catalogue_cache: CatalogueCache,
}

type CatalogueCache = std::sync::Mutex<Option<(u64, std::sync::Arc<HashMap<String, FileRecord>>)>>;

impl std::fmt::Debug for IndexStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexStore")
            .field("dir", &self.dir)
            .finish()
    }
}

impl IndexStore {
    /// Opens an existing index.
    pub fn open(dir: &Path) -> Result<IndexStore, IndexError> {
        if !dir.join(VERSION_FILE).exists() || !dir.join("meta.json").exists() {
            return Err(IndexError::Missing(dir.to_path_buf()));
        }
        check_version(dir)?;
        let index = Index::open_in_dir(dir).map_err(|e| tantivy_err(dir, e))?;
        Self::from_index(index, dir)
    }

    /// Opens the index, creating the folder and an empty index when there is none.
    ///
    /// The version file is written before tantivy creates its files, so a process killed
    /// in between leaves a folder the next run completes, never one it refuses.
    pub fn open_or_create(dir: &Path) -> Result<IndexStore, IndexError> {
        if dir.exists() && !dir.is_dir() {
            return Err(IndexError::Io {
                path: dir.to_path_buf(),
                message: "exists and is not a folder; give --index a folder".into(),
            });
        }
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        if !dir.join(VERSION_FILE).exists() {
            if dir.join("meta.json").exists() {
                // A tantivy index without our version file: not ours.
                return Err(IndexError::Version {
                    path: dir.to_path_buf(),
                    found: "unknown".into(),
                    expected: SCHEMA_VERSION,
                });
            }
            write_version(dir)?;
        }
        check_version(dir)?;
        let index = if dir.join("meta.json").exists() {
            Index::open_in_dir(dir)
        } else {
            let (schema, _) = schema::build();
            Index::create_in_dir(dir, schema)
        }
        .map_err(|e| tantivy_err(dir, e))?;
        Self::from_index(index, dir)
    }

    /// Deletes the index folder's contents (for `--rebuild`); only files redflag writes.
    pub fn remove(dir: &Path) -> Result<(), IndexError> {
        if !dir.exists() {
            return Ok(());
        }
        if !dir.join(VERSION_FILE).exists() && !dir.join("meta.json").exists() {
            return Err(IndexError::Io {
                path: dir.to_path_buf(),
                message: "refusing to delete a folder that is not a redflag index".into(),
            });
        }
        std::fs::remove_dir_all(dir).map_err(|e| io_err(dir, e))
    }

    fn from_index(mut index: Index, dir: &Path) -> Result<IndexStore, IndexError> {
        let (_, fields) = schema::build();
        tokenize::register(&index);
        index.set_default_multithread_executor().ok();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| tantivy_err(dir, e))?;
        Ok(IndexStore {
            index,
            reader,
            fields,
            dir: dir.to_path_buf(),
            catalogue_cache: Default::default(),
        })
    }

    /// Number of segments in the last committed state (a health figure: it must stay
    /// bounded however many runs and commits there were).
    pub fn segment_count(&self) -> Result<usize, IndexError> {
        self.reader
            .reload()
            .map_err(|e| tantivy_err(&self.dir, e))?;
        Ok(self.reader.searcher().segment_readers().len())
    }

    /// The index folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every file record, by key.
    pub fn catalogue(&self) -> Result<HashMap<String, FileRecord>, IndexError> {
        self.reader
            .reload()
            .map_err(|e| tantivy_err(&self.dir, e))?;
        let searcher = self.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_text(self.fields.rec, REC_FILE),
            IndexRecordOption::Basic,
        );
        let addrs = searcher
            .search(&q, &DocSetCollector)
            .map_err(|e| tantivy_err(&self.dir, e))?;
        let f = &self.fields;
        let mut out = HashMap::with_capacity(addrs.len());
        for addr in addrs {
            let d: TantivyDocument = searcher.doc(addr).map_err(|e| tantivy_err(&self.dir, e))?;
            let s = |field| {
                d.get_first(field)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            let n = |field| d.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
            let rec = FileRecord {
                key: s(f.key),
                path: s(f.path),
                doc: s(f.doc),
                size: n(f.size),
                mtime_ns: n(f.mtime),
                pages: n(f.pages),
                passages: n(f.passages),
                title: s(f.title),
                format: DocKind::parse(&s(f.format)),
                kind: s(f.kind),
            };
            out.insert(rec.key.clone(), rec);
        }
        Ok(out)
    }

    /// Opens the single writer. Fails with [`IndexError::Locked`] when another process writes.
    pub fn writer(&self, memory_bytes: usize, threads: usize) -> Result<Writer, IndexError> {
        let writer = self
            .index
            .writer_with_num_threads(threads.clamp(1, 8), memory_bytes.max(15_000_000 * threads))
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => IndexError::Locked(self.dir.clone()),
                e => tantivy_err(&self.dir, e),
            })?;
        writer.set_merge_policy(Box::new(merge_policy()));
        Ok(Writer {
            writer,
            fields: self.fields.clone(),
            dir: self.dir.clone(),
        })
    }
}

/// The merge policy, the same for a 100-file and a 1,000,000-passage index.
///
/// Each commit (every `--commit-every` documents, every 30 s, at the end) adds a segment.
/// tantivy's log merge policy groups segments in levels of similar size and merges a level
/// once it holds 8 segments, so the segment count grows with the logarithm of the index size,
/// not with the number of commits: a 100-file index ends as one or a few segments, a
/// 1,000,000-passage index built with a commit every 1,000 documents (about 100 commits) as a
/// few dozen at most. Segments under 10,000 documents count as one level so small commits are
/// merged quickly; segments stop growing at 5,000,000 documents (merges stay affordable on a
/// laptop); a segment where 30 % of the documents were deleted by re-indexing is merged
/// again, so changed files do not leave dead weight behind and search does not slow down
/// after many incremental runs.
fn merge_policy() -> tantivy::indexer::LogMergePolicy {
    let mut p = tantivy::indexer::LogMergePolicy::default();
    p.set_min_num_segments(8);
    p.set_min_layer_size(10_000);
    p.set_max_docs_before_merge(5_000_000);
    p.set_del_docs_ratio_before_merge(0.3);
    p
}

/// The index writer: replaces and removes files, commits at checkpoints.
pub struct Writer {
    writer: IndexWriter,
    fields: Fields,
    dir: PathBuf,
}

impl Writer {
    /// Replaces everything indexed for the file `entry` with this processed file: its
    /// passages and record, and those of every document found inside it (keyed by the file's
    /// key and the document's suffix, see [`crate::pipeline::member_key`]). The records are
    /// built here from the file and the documents. Documents that were inside an older
    /// version of the file and are gone are not known here: [`sync::Updater::apply`] removes
    /// them.
    pub fn replace(
        &mut self,
        entry: &crate::ingest::WalkEntry,
        processed: &crate::pipeline::Processed,
        dict_version: &str,
    ) -> Result<(), IndexError> {
        let record = |key: String, size: u64, p: &crate::pipeline::Processed| FileRecord {
            key,
            path: p.document.path.clone(),
            doc: p.document.hash.clone(),
            size,
            mtime_ns: entry.mtime_ns,
            pages: p.document.pages.len() as u64,
            passages: p.passages.len() as u64,
            title: String::new(),
            format: Some(p.document.kind),
            kind: String::new(),
        };
        let file = record(entry.key.clone(), entry.size, processed);
        self.replace_document(
            &file,
            &processed.document,
            &processed.meta,
            &processed.passages,
            dict_version,
        )?;
        for d in &processed.derived {
            if let Ok(dp) = &d.outcome {
                let rec = record(
                    crate::pipeline::member_key(&entry.key, &d.suffix),
                    d.size,
                    dp,
                );
                self.replace_document(&rec, &dp.document, &dp.meta, &dp.passages, dict_version)?;
            }
        }
        Ok(())
    }

    /// Replaces everything indexed for `record.key` with this document's passages and record.
    fn replace_document(
        &mut self,
        record: &FileRecord,
        document: &Document,
        meta: &DocMeta,
        passages: &[TaggedPassage],
        dict_version: &str,
    ) -> Result<(), IndexError> {
        self.remove(&record.key);
        let f = &self.fields;
        let title = document.title.clone().unwrap_or_default();
        for tp in passages {
            let p = &tp.passage;
            let mut d = TantivyDocument::default();
            d.add_text(f.rec, REC_PASSAGE);
            d.add_text(f.key, &record.key);
            d.add_text(f.doc, &document.hash);
            d.add_text(f.path, &record.path);
            d.add_text(f.title, &title);
            d.add_text(f.format, document.kind.as_str());
            d.add_text(f.kind, &meta.kind);
            d.add_text(f.lang, &tp.lang);
            if let Some(y) = meta.year {
                d.add_u64(f.year, y as u64);
            }
            d.add_u64(f.page, p.page as u64);
            d.add_u64(f.passage, p.ordinal as u64);
            d.add_u64(f.start, p.range.0 as u64);
            d.add_u64(f.end, p.range.1 as u64);
            d.add_text(f.text, &p.text);
            d.add_text(f.text_exact, &p.text);
            if let Some(field) = f.lang_field(&tp.lang) {
                d.add_text(field, &p.text);
            }
            if let Some(c) = document
                .pages
                .get((p.page as usize).wrapping_sub(1))
                .filter(|pg| pg.number == p.page)
                .or_else(|| document.pages.iter().find(|pg| pg.number == p.page))
                .and_then(|pg| pg.ocr_confidence)
            {
                d.add_f64(f.ocr, c as f64);
            }
            let m = &document.metadata;
            for (field, key) in [
                (f.from, "from"),
                (f.subject, "subject"),
                (f.author, "author"),
            ] {
                if let Some(v) = m.get(key) {
                    d.add_text(field, v);
                }
            }
            for key in ["to", "cc"] {
                if let Some(v) = m.get(key) {
                    d.add_text(f.to, v);
                }
            }
            if !m.is_empty() {
                d.add_text(f.meta_json, to_json(m));
            }
            if let Some(parent) = &document.parent {
                d.add_text(f.parent, parent);
            }
            for t in &tp.tagging.tags {
                d.add_text(f.tag, &t.category);
                d.add_text(f.modality, t.modality.as_str());
                d.add_text(f.tagmod, format!("{}/{}", t.category, t.modality));
            }
            d.add_text(f.tags_json, to_json(&tp.tagging.tags));
            d.add_text(f.entities_json, to_json(&tp.tagging.entities));
            d.add_text(f.offsets_json, to_json(&p.offset_map));
            d.add_text(f.dict_version, dict_version);
            self.writer
                .add_document(d)
                .map_err(|e| tantivy_err(&self.dir, e))?;
        }
        let record = FileRecord {
            title,
            format: Some(document.kind),
            kind: meta.kind.clone(),
            ..record.clone()
        };
        self.add_record(&record)
    }

    /// Replaces only the file record (the file was touched but its bytes are the same).
    pub fn update_record(&mut self, record: &FileRecord) -> Result<(), IndexError> {
        let q = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.rec, REC_FILE),
                    IndexRecordOption::Basic,
                )) as Box<dyn tantivy::query::Query>,
            ),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.key, &record.key),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        self.writer
            .delete_query(Box::new(q))
            .map_err(|e| tantivy_err(&self.dir, e))?;
        self.add_record(record)
    }

    fn add_record(&mut self, record: &FileRecord) -> Result<(), IndexError> {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.rec, REC_FILE);
        d.add_text(f.key, &record.key);
        d.add_text(f.doc, &record.doc);
        d.add_text(f.path, &record.path);
        d.add_text(f.title, &record.title);
        d.add_text(f.format, record.format.map_or("", DocKind::as_str));
        d.add_text(f.kind, &record.kind);
        d.add_u64(f.size, record.size);
        d.add_u64(f.mtime, record.mtime_ns);
        d.add_u64(f.pages, record.pages);
        d.add_u64(f.passages, record.passages);
        self.writer
            .add_document(d)
            .map_err(|e| tantivy_err(&self.dir, e))?;
        Ok(())
    }

    /// Removes a file (its passages and its record).
    pub fn remove(&mut self, key: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.fields.key, key));
    }

    /// Makes everything so far durable.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.writer
            .commit()
            .map_err(|e| tantivy_err(&self.dir, e))?;
        Ok(())
    }

    /// Commits and waits for background merges to finish.
    pub fn finish(mut self) -> Result<(), IndexError> {
        self.commit()?;
        self.writer
            .wait_merging_threads()
            .map_err(|e| tantivy_err(&self.dir, e))
    }
}

/// Checks a query without an index on disk (for fuzzing and for validating query lists).
pub fn validate_query(q: &str) -> Result<(), QueryError> {
    static EMPTY: std::sync::LazyLock<(Index, Fields)> = std::sync::LazyLock::new(|| {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        tokenize::register(&index);
        (index, fields)
    });
    query::parse(&EMPTY.0, &EMPTY.1, q).map(|_| ())
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn check_version(dir: &Path) -> Result<(), IndexError> {
    let text = std::fs::read_to_string(dir.join(VERSION_FILE)).map_err(|e| io_err(dir, e))?;
    let found = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("schema_version").and_then(|n| n.as_u64()));
    match found {
        Some(v) if v == SCHEMA_VERSION as u64 => Ok(()),
        other => Err(IndexError::Version {
            path: dir.to_path_buf(),
            found: other.map_or("unreadable".into(), |v| v.to_string()),
            expected: SCHEMA_VERSION,
        }),
    }
}

fn write_version(dir: &Path) -> Result<(), IndexError> {
    let body = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "created_by": concat!("redflag ", env!("CARGO_PKG_VERSION")),
    });
    let tmp = dir.join(format!("{VERSION_FILE}.tmp"));
    std::fs::write(&tmp, body.to_string() + "\n").map_err(|e| io_err(dir, e))?;
    std::fs::rename(&tmp, dir.join(VERSION_FILE)).map_err(|e| io_err(dir, e))
}

fn io_err(dir: &Path, e: std::io::Error) -> IndexError {
    IndexError::Io {
        path: dir.to_path_buf(),
        message: e.to_string(),
    }
}

fn tantivy_err(dir: &Path, e: tantivy::TantivyError) -> IndexError {
    match e {
        tantivy::TantivyError::LockFailure(..) => IndexError::Locked(dir.to_path_buf()),
        tantivy::TantivyError::IoError(io) => IndexError::Io {
            path: dir.to_path_buf(),
            message: io.to_string(),
        },
        source => {
            // A writer thread that died on an I/O error is reported by tantivy without the
            // cause: find out whether the disk is full or the folder unwritable.
            if let Some(message) = probe_writable(dir) {
                return IndexError::Io {
                    path: dir.to_path_buf(),
                    message: format!("{message}; the last committed state of the index is intact"),
                };
            }
            IndexError::Tantivy {
                path: dir.to_path_buf(),
                source,
            }
        }
    }
}

/// Writes and removes a 1 MiB file in `dir`; returns the error message if that fails.
fn probe_writable(dir: &Path) -> Option<String> {
    let probe = dir.join(".redflag-write-probe");
    let result = std::fs::write(&probe, vec![0u8; 1 << 20]);
    let _ = std::fs::remove_file(&probe);
    result.err().map(|e| e.to_string())
}
