//! `redflag serve`: binds the local web server and provides its disk access.
//!
//! [`Files`] is the [`Backend`] of [`crate::serve`]: it reads the open index, reads source
//! files only by the canonical path the catalogue recorded for a document hash (and checks
//! the bytes against that hash, so a file swapped or a symlink redirected after indexing is
//! refused), and appends review decisions to `<index dir>.reviews.jsonl`
//! ([`crate::review::log_path`]), a sibling of the index folder that `--rebuild` leaves alone.
//! The server binds 127.0.0.1 unless `--bind` names another address and `--allow-remote` is
//! given; it draws a fresh access token at every start and prints it in the URL
//! (`--no-token` serves without one, loopback only); Ctrl-C stops the workers after the
//! requests in flight.

use crate::cli::{Global, ServeArgs};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::index::{FileRecord, Hit, IndexStore};
use crate::review::{Entry, Reviews};
use crate::serve::{Access, Backend, Server};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The server's disk access: the index, the source files by hash, the review log.
struct Files {
    store: IndexStore,
    log: PathBuf,
    reviews: Mutex<Reviews>,
    facets: crate::serve::api::FacetCache,
    categories: Vec<String>,
}

impl Backend for Files {
    fn store(&self) -> &IndexStore {
        &self.store
    }

    fn reviews(&self) -> Reviews {
        self.reviews.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn record_review(&self, entry: Entry) -> Result<(), String> {
        let mut guard = self.reviews.lock().map_err(|_| "review store poisoned")?;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| Error::io(&self.log, &e).to_string())?;
        // One write per line: an append of a whole line or nothing.
        f.write_all(entry.to_line().as_bytes())
            .and_then(|_| f.sync_data())
            .map_err(|e| Error::io(&self.log, &e).to_string())?;
        guard.apply(entry);
        Ok(())
    }

    fn source(&self, record: &FileRecord) -> Result<Vec<u8>, String> {
        let path = Path::new(&record.key);
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "{}: cannot read the source file ({})",
                record.path,
                e.kind()
            )
        })?;
        crate::ingest::verify(&bytes, &record.doc).map_err(|e| format!("{}: {e}", record.path))?;
        Ok(bytes)
    }

    fn facet_cache(&self) -> &crate::serve::api::FacetCache {
        &self.facets
    }

    fn categories(&self) -> &[String] {
        &self.categories
    }

    fn annotated_pdf(&self, record: &FileRecord, hits: &[Hit]) -> Result<Vec<u8>, String> {
        let src = Path::new(&record.key);
        let bytes =
            std::fs::read(src).map_err(|e| format!("{}: {}", record.path, Error::io(src, &e)))?;
        crate::export::pdf::annotate_hits(&bytes, &record.doc, hits)
            .map(|a| a.bytes)
            .map_err(|e| format!("{}: {e}", record.path))
    }
}

pub(super) fn run(g: &Global, a: &ServeArgs) -> Result<ExitCode, Error> {
    if !a.bind.is_loopback() && !a.allow_remote {
        return Err(Error::Usage(format!(
            "--bind {}: not a loopback address; add --allow-remote to serve the collection to other machines (anyone with the printed address and its token can read it)",
            a.bind
        )));
    }
    let token = if a.no_token {
        None
    } else {
        Some(crate::serve::guard::new_token().map_err(Error::Usage)?)
    };
    let store = IndexStore::open(&g.index)?;
    let reviews = super::load_reviews(&g.index)?.unwrap_or_default();
    let files = Files {
        log: super::log_of(&g.index),
        store,
        reviews: Mutex::new(reviews),
        facets: Default::default(),
        categories: super::load_codebook(g.dictionaries.as_deref())?
            .categories
            .iter()
            .map(|c| c.id.clone())
            .collect(),
    };
    let addr = std::net::SocketAddr::new(a.bind, a.port);
    let server = Server::bind(addr).map_err(|e| Error::Usage(e.to_string()))?;
    let local = server.local_addr().unwrap_or(addr);
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        // A second handler cannot be installed (e.g. in tests that call run twice): the
        // process then ends on Ctrl-C the default way, which loses nothing (reviews are
        // written line by line).
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst));
    }
    if !a.bind.is_loopback() {
        super::warn(format!(
            "warning: serving on {local} to other machines: anyone who can reach it and has the token can read the collection and record reviews (plain HTTP: use it only on a network you trust)"
        ));
    }
    let host = if local.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else if local.is_ipv6() {
        format!("[{}]", local.ip())
    } else {
        local.ip().to_string()
    };
    let access = Access {
        token,
        loopback_only: a.bind.is_loopback(),
        port: local.port(),
    };
    let login = access
        .token
        .as_ref()
        .map(|t| format!("?token={t}"))
        .unwrap_or_default();
    eprintln!(
        "redflag serve: http://{host}:{}/{login} (index {}, reviews {}; Ctrl-C to stop)",
        local.port(),
        g.index.display(),
        files.log.display()
    );
    server.run(&files, &access, &stop, a.workers.clamp(1, 64));
    if !g.quiet {
        eprintln!("redflag serve: stopped");
    }
    Ok(ExitCode::Success)
}
