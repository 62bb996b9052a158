//! # redflag: find the traces of corruption in document collections
//!
//! redflag reads a collection of documents (PDF, scanned PDF through OCR, text, Markdown,
//! HTML, Word, OpenDocument, RTF, e-mail, mailboxes, ZIP archives, pictures of pages), cuts
//! every page into passages, tags each passage with corruption indicators from a dictionary
//! codebook, indexes the passages with tantivy on local disk, and lets users search and export
//! annotated excerpts.
//!
//! ## The flow, one room per step
//!
//! ```text
//! paths ─▶ ingest ─▶ extract ─▶ segment ─▶ tag ─▶ index ─▶ search / export
//!          (walk,    (bytes →   (page →    (passage ×  (tantivy)
//!           sniff,    Document)  passages)  Codebook →
//!           hash)                           Tagging)
//! ```
//!
//! - [`ingest`]: walks the given paths, identifies each file by content (magic bytes, then
//!   extension) and hashes its bytes (BLAKE3): the hash is the document's identity.
//! - [`extract`]: one reader per format turns bytes into a [`model::Document`] with per-page
//!   text; [`extract::pdf`] is the only place that reads PDF objects.
//! - [`ocr`]: reads the pages of scanned PDFs with Tesseract, from the PDF's own images.
//! - [`segment`]: cuts a page's text into [`model::Passage`]s (paragraphs, long ones cut at
//!   sentence ends), never across a page, each with its byte range in the page text.
//! - [`codebook`]: the dictionaries (TOML, embedded in the binary, replaceable at run time),
//!   parsed and validated; [`tag`] compiles them into a [`tag::Tagger`] that tags a text.
//! - [`index`]: the only module that touches tantivy: schema, writer, reader, queries;
//!   [`index::sync`] is incremental indexing as a library call (plan against the catalogue,
//!   schedule, write with the documents found inside a file, commit policy, the parallel run
//!   under a memory budget), so `redflag index`, a shard writer or a Spark stage share it.
//! - [`export`]: one sink per output format (JSONL, CSV, Markdown memo, HTML report) and the
//!   annotated-PDF writer ([`export::pdf`]); masking of names and contacts; the run manifest.
//! - [`classify`]: passage language, document kind and year (search fields and facets).
//! - [`stats`]: the collection overview (documents × categories, co-occurrence).
//! - [`pipeline`]: ties extract → OCR → segment → tag together for one file, for every
//!   command; a container's members (ZIP members, messages, attachments) are documents of
//!   their own, processed recursively within limits.
//! - [`review`]: review decisions on passages (confirmed / false positive / follow up), an
//!   append-only log next to the index folder, keyed by document hash, page and byte range.
//! - [`serve`]: the local web page and JSON API (`redflag serve`) over the same library calls.
//! - [`cli`] parses arguments into a validated [`cli::Cli`]; [`cmd`] runs one subcommand.
//!
//! ## Where to start for the common changes
//!
//! - **A new output field** of a passage: store it in the index in
//!   [`index::Writer::replace`] (and the schema, bumping [`index::SCHEMA_VERSION`]), read it
//!   back into [`index::Hit`], carry it in [`export::Excerpt`], and write it in the JSONL sink
//!   ([`export::JsonlSink`], bumping [`export::FORMAT_VERSION`]) and the other sinks that show it.
//! - **A new category**: a dictionary file in `dictionaries/` (see its README) with its
//!   example sentences; `context = true` marks a domain-context category rather than a
//!   corruption indicator. Embedding it in the binary is the `embed!` list in [`codebook`].
//! - **A new format**: a [`model::DocKind`] variant, its detection in [`ingest::sniff`], a
//!   reader in [`extract`] (bytes → pages), and a line in [`extract::read`]; a container
//!   returns its members, which [`pipeline`] processes as documents of their own.
//! - **A new command**: its arguments in [`cli`] (parsed and validated there), a module in
//!   [`cmd`] that calls the library and prints; the logic itself goes in a library module
//!   that takes values and returns values (as `cmd/index.rs` calls [`index::sync`]).
//!
//! ## Invariants
//!
//! - Only [`cmd`] opens files, writes the index or prints; everything below it takes bytes or
//!   values and returns values or typed errors (the [`ingest`] walker only lists and reads).
//!   One exception: [`ocr`] runs the `tesseract` (and `pdftoppm`) process and keeps its
//!   cache of page results in a folder next to the index (`<index>.ocr/`).
//! - Only [`index`] imports tantivy; only [`extract::pdf`] reads PDF objects with lopdf, apart
//!   from [`ocr::image`], which reads only the image streams of pages that need OCR, and
//!   [`export::pdf`], which writes them (it also loads the source it annotates); only [`cli`]
//!   imports clap; `anyhow` appears only in `main.rs`.
//! - Every offset is a half-open byte range. Page offsets point into [`model::Page::text`];
//!   tag spans point into [`model::Passage::text`], and [`model::Passage::page_offset`] maps
//!   them back to the page.
//! - A bad document, rule or query becomes an error value naming the file and the place; it
//!   never panics and never stops a batch. Per-document work runs under `catch_unwind` as a
//!   last line of defence ([`pipeline::Pipeline::process`]).
//! - [`serve`] owns no search or tagging logic (it calls [`index`] and [`export`] as the CLI
//!   does) and is the only module that does network I/O; its disk access goes through the
//!   `serve::Backend` that [`cmd`] provides (source files by document hash, the review log).
//! - On-disk formats carry a version: [`index::SCHEMA_VERSION`] for the index,
//!   [`export::FORMAT_VERSION`] for exported JSONL.

pub mod classify;
pub mod cli;
pub mod cmd;
pub mod codebook;
pub mod error;
pub mod exit_codes;
pub mod export;
pub mod extract;
pub mod index;
pub mod ingest;
pub mod model;
pub mod ocr;
pub mod pipeline;
pub mod review;
pub mod segment;
pub mod serve;
pub mod stats;
pub mod tag;
