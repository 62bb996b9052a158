//! `redflag serve`: a small local web page and JSON API over the index.
//!
//! The HTTP layer is `tiny_http` (synchronous, a few worker threads). Every request goes
//! through [`respond`], which routes it to a handler in [`api`] under `catch_unwind`, so no
//! request can bring the server down. Handlers use the same library calls as the CLI
//! ([`crate::index::IndexStore::search_request`], `facets`, the [`crate::export`] sinks): this
//! module owns no search or tagging logic. It does network I/O; everything it reads from or
//! writes to disk goes through the [`Backend`] that [`crate::cmd`] provides (the source
//! files, looked up by document hash in the catalogue, and the review log).
//!
//! Safety rules kept here:
//! - every request passes [`guard::Access::check`] first: loopback `Host` names only (unless
//!   remote serving was allowed), no foreign `Origin`, JSON-only `POST` bodies, and the
//!   access token printed at start (a cookie after the first page load);
//! - the page renders document text with `textContent` only, and every HTML response carries
//!   a strict Content-Security-Policy (no inline script, no remote origin);
//! - no path from a request ever reaches the file system: source files are served by
//!   document hash, looked up in the catalogue, and checked against that hash;
//! - request bodies are limited to [`MAX_BODY`], result pages to [`MAX_LIMIT`]; bad input is
//!   a `400` with a JSON error (`/api/`) or an HTML error page (elsewhere).

pub mod api;
pub mod guard;

pub use guard::Access;

use crate::index::{FileRecord, Hit, IndexStore};
use crate::review::{Entry, Reviews};
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Largest request body accepted (bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// Largest `limit` of one result page.
pub const MAX_LIMIT: usize = 500;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// The Content-Security-Policy of every page and API response.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What the server reads and writes on disk, provided by [`crate::cmd`].
pub trait Backend: Sync {
    /// The open index.
    fn store(&self) -> &IndexStore;
    /// The current review decisions.
    fn reviews(&self) -> Reviews;
    /// Appends a decision to the review log (and to [`Backend::reviews`]).
    fn record_review(&self, entry: Entry) -> Result<(), String>;
    /// The bytes of an indexed file, checked against its hash.
    fn source(&self, record: &FileRecord) -> Result<Vec<u8>, String>;
    /// An annotated copy of a source PDF with these hits marked.
    fn annotated_pdf(&self, record: &FileRecord, hits: &[Hit]) -> Result<Vec<u8>, String>;
    /// The facet counts kept per index version.
    fn facet_cache(&self) -> &api::FacetCache;
    /// The category ids of the codebook in use (valid filter values even before any passage
    /// carries them).
    fn categories(&self) -> &[String];
}

/// Errors of the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {message}")]
    Bind {
        /// The address.
        addr: String,
        /// What the system said.
        message: String,
    },
}

/// A response before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content-Type.
    pub content_type: String,
    /// Body.
    pub body: Vec<u8>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// A JSON response.
    pub fn json(status: u16, v: &serde_json::Value) -> Reply {
        Reply {
            status,
            content_type: "application/json; charset=utf-8".into(),
            body: serde_json::to_vec(v).unwrap_or_default(),
            headers: Vec::new(),
        }
    }

    /// A response of static or generated text.
    pub fn text(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type: content_type.into(),
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request reduced to what handlers need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, percent-decoded per segment is left to handlers (raw here).
    pub path: String,
    /// Decoded query parameters, in order (repeats kept).
    pub params: Vec<(String, String)>,
    /// The body (at most [`MAX_BODY`] bytes).
    pub body: Vec<u8>,
    /// The request headers, in order (names as sent).
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// Builds a request from a raw URL (`/path?query`).
    pub fn new(method: &str, url: &str, body: Vec<u8>) -> Request {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        Request {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            params: parse_query(query),
            body,
            headers: Vec::new(),
        }
    }

    /// Every value of a header (names compared without case).
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a parameter (repeated, or comma-separated).
    pub fn params_all(&self, name: &str) -> Vec<String> {
        self.params
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` (as a space); invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A bound server, not yet answering.
pub struct Server {
    inner: tiny_http::Server,
}

impl Server {
    /// Binds `addr` (port 0: any free port).
    pub fn bind(addr: SocketAddr) -> Result<Server, ServeError> {
        let inner = tiny_http::Server::http(addr).map_err(|e| ServeError::Bind {
            addr: addr.to_string(),
            message: e.to_string(),
        })?;
        Ok(Server { inner })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.inner.server_addr().to_ip()
    }

    /// Answers requests on `workers` threads until `stop` is set; every request passes
    /// `access` first.
    pub fn run(&self, backend: &dyn Backend, access: &Access, stop: &AtomicBool, workers: usize) {
        std::thread::scope(|s| {
            for _ in 0..workers.max(1) {
                s.spawn(|| {
                    while !stop.load(Ordering::SeqCst) {
                        match self.inner.recv_timeout(Duration::from_millis(200)) {
                            Ok(Some(req)) => handle(req, backend, access),
                            Ok(None) => {}
                            Err(_) => break,
                        }
                    }
                });
            }
        });
    }
}

fn handle(mut req: tiny_http::Request, backend: &dyn Backend, access: &Access) {
    let method = req.method().as_str().to_owned();
    let url = req.url().to_owned();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_owned(),
                h.value.as_str().to_owned(),
            )
        })
        .collect();
    let declared = req
        .headers()
        .iter()
        .find(|h| h.field.equiv("Content-Length"))
        .and_then(|h| h.value.as_str().trim().parse::<u64>().ok());
    let reply = if declared.is_some_and(|n| n > MAX_BODY as u64) {
        too_large(&url)
    } else {
        let mut body = Vec::new();
        match req
            .as_reader()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut body)
        {
            Ok(_) if body.len() > MAX_BODY => too_large(&url),
            Ok(_) => {
                let mut r = Request::new(&method, &url, body);
                r.headers = headers;
                respond_checked(&r, backend, access)
            }
            Err(e) => api::error_reply(&url, 400, &format!("cannot read the request: {e}"), None),
        }
    };
    let mut resp = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
    let mut headers = vec![
        ("Content-Type".to_owned(), reply.content_type),
        ("X-Content-Type-Options".to_owned(), "nosniff".to_owned()),
        ("Referrer-Policy".to_owned(), "no-referrer".to_owned()),
        ("Cache-Control".to_owned(), "no-store".to_owned()),
    ];
    if !reply
        .headers
        .iter()
        .any(|(k, _)| k == "Content-Security-Policy")
    {
        headers.push(("Content-Security-Policy".to_owned(), CSP.to_owned()));
    }
    // An empty policy from a handler means "none" (the browser's PDF viewer needs that).
    headers.extend(reply.headers.into_iter().filter(|(_, v)| !v.is_empty()));
    for (k, v) in headers {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            resp.add_header(h);
        }
    }
    // The client may have gone away; nothing to do about it.
    let _ = req.respond(resp);
}

fn too_large(url: &str) -> Reply {
    api::error_reply(
        url,
        413,
        &format!("request body over {MAX_BODY} bytes"),
        None,
    )
}

/// Checks a request against `access`, then routes it ([`respond`]); a first page load with
/// the token in its URL gets the token cookie.
pub fn respond_checked(req: &Request, backend: &dyn Backend, access: &Access) -> Reply {
    match access.check(req) {
        Err(refusal) => refusal,
        Ok(granted) => {
            let reply = respond(req, backend);
            match granted.set_cookie {
                Some(c) => reply.with_header("Set-Cookie", c),
                None => reply,
            }
        }
    }
}

/// Routes one request; never panics (a handler panic becomes a 500).
pub fn respond(req: &Request, backend: &dyn Backend) -> Reply {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| route(req, backend)));
    r.unwrap_or_else(|_| api::error_reply(&req.path, 500, "internal error", None))
}

fn route(req: &Request, backend: &dyn Backend) -> Reply {
    let segs: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let get = req.method == "GET" || req.method == "HEAD";
    match (req.method.as_str(), segs.as_slice()) {
        (_, []) | (_, ["doc", ..]) if get => {
            Reply::text(200, "text/html; charset=utf-8", INDEX_HTML)
        }
        (_, ["static", "app.js"]) if get => {
            Reply::text(200, "text/javascript; charset=utf-8", APP_JS)
        }
        (_, ["static", "app.css"]) if get => Reply::text(200, "text/css; charset=utf-8", APP_CSS),
        (_, ["api", "search"]) if get => api::search(req, backend),
        (_, ["api", "doc", doc, "page", n]) if get => api::page(req, backend, doc, n),
        (_, ["api", "stats"]) if get => api::stats(backend),
        (_, ["api", "reviews"]) if get => api::reviews(backend),
        ("POST", ["api", "review"]) => api::review(req, backend),
        (_, ["source", doc]) if get => api::source(backend, doc),
        (_, ["export", "pdf", doc]) if get => api::export_pdf(req, backend, doc),
        (_, ["export", "pdf"]) if get => api::export_pdf_zip(req, backend),
        (_, ["export", format]) if get => api::export(req, backend, format),
        (_, ["api", ..]) | (_, ["static", ..]) | (_, ["source", ..]) | (_, ["export", ..]) => {
            let known = matches!(
                segs.as_slice(),
                ["api", "search" | "stats" | "reviews" | "review"]
                    | ["api", "doc", _, "page", _]
                    | ["source", _]
                    | ["export", _]
                    | ["export", "pdf", _]
                    | ["static", "app.js" | "app.css"]
            );
            if known {
                api::error_reply(&req.path, 405, "method not allowed", None)
            } else {
                api::error_reply(&req.path, 404, "no such address", None)
            }
        }
        _ => api::error_reply(&req.path, 404, "no such page", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode() {
        let r = Request::new(
            "get",
            "/api/search?q=%22a+b%22&tag=x&tag=y,z&bad=%zz%",
            vec![],
        );
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/api/search");
        assert_eq!(r.param("q"), Some("\"a b\""));
        assert_eq!(r.params_all("tag"), vec!["x", "y", "z"]);
        assert_eq!(r.param("bad"), Some("%zz%"));
        assert_eq!(percent_decode("%C3%A9%2F"), "é/");
        assert_eq!(percent_decode("%ff"), "\u{FFFD}");
    }
}
