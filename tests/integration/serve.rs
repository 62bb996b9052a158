//! `redflag serve` over real TCP: the JSON API (search, facets, paging, document view,
//! reviews and their survival across a re-index), the attacks it must refuse (path traversal,
//! swapped files, hostile document text, oversize bodies, bad input), and the page itself
//! driven in headless Chromium.
//!
//! Every socket has a timeout and every server process is killed by a Drop guard.

use crate::util::{indexed_sample_with, TestDir};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const HOSTILE: &str = "Internal note. <script>alert('x')</script> The official took a bribe \
to approve the permit. Click <a href=\"javascript:alert(3)\">javascript:alert(3)</a> now.";

/// A running `redflag serve`, killed on drop.
struct Server {
    child: Child,
    port: u16,
    /// The access token printed in the URL (empty with `--no-token`).
    token: String,
}

impl Server {
    fn start(t: &TestDir) -> Server {
        Server::start_with(t, &[])
    }

    fn start_with(t: &TestDir, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_redflag"))
            .arg("--index")
            .arg(t.index())
            .args(["serve", "--port", "0", "--workers", "2"])
            .args(extra)
            .current_dir(t.path())
            .env_remove("REDFLAG_INDEX")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start redflag serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            port: 0,
            token: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
                        server.port = rest
                            .split('/')
                            .next()
                            .and_then(|p| p.parse().ok())
                            .expect("port in the URL line");
                        server.token = rest
                            .split_whitespace()
                            .next()
                            .and_then(|u| u.split("?token=").nth(1))
                            .unwrap_or("")
                            .to_owned();
                        return server;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        panic!("redflag serve printed no URL within 30 s");
    }

    /// The address of `path` for a browser: with the token, as the printed URL has it.
    fn url(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!(
            "http://127.0.0.1:{}{path}{sep}token={}",
            self.port, self.token
        )
    }

    /// The token cookie a browser holds after the first page load.
    fn cookie(&self) -> String {
        format!("Cookie: redflag_token_{}={}\r\n", self.port, self.token)
    }

    fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[])
    }

    fn get_json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert_eq!(r.status, 200, "GET {path}: {}", r.text());
        r.json()
    }

    fn post(&self, path: &str, body: &[u8]) -> Resp {
        self.request("POST", path, body)
    }

    /// One HTTP/1.1 request as the page sends it: same origin, JSON body, token cookie.
    fn request(&self, method: &str, path: &str, body: &[u8]) -> Resp {
        let headers = format!(
            "Host: 127.0.0.1:{}\r\nContent-Type: application/json\r\n{}",
            self.port,
            self.cookie()
        );
        self.raw(method, path, &headers, body)
    }

    /// One HTTP/1.1 request on a fresh connection with exactly these header lines (each
    /// ending in CRLF; raw path: nothing is normalised).
    fn raw(&self, method: &str, path: &str, headers: &str, body: &[u8]) -> Resp {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\n{headers}Connection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        // The server may answer (413) before reading a large body: ignore a broken pipe.
        let _ = s.write_all(body);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        Resp::parse(&raw)
    }
}

impl Server {
    /// Sends Ctrl-C (SIGINT) and returns the exit code, waiting at most 10 s.
    fn interrupt(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn parse(raw: &[u8]) -> Resp {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete HTTP response");
        let head = String::from_utf8_lossy(&raw[..split]);
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Resp {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        }
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// The sample collection plus a hostile text file, indexed from `<tmp>/col`.
fn indexed() -> TestDir {
    indexed_sample_with(&[("hostile.txt", HOSTILE)])
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn doc_of(v: &Value, file: &str) -> String {
    v["facets"]["document"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"].as_str().unwrap().ends_with(file))
        .unwrap_or_else(|| panic!("{file} in the document facet: {v}"))["doc"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn serve_search_returns_hits_facets_and_pages_without_caps() {
    let t = indexed();
    let s = Server::start(&t);
    let v = s.get_json("/api/search?q=bribe&limit=50");
    let total = v["total"].as_u64().unwrap();
    assert!(total >= 2, "{v}");
    let hits = v["hits"].as_array().unwrap();
    assert_eq!(hits.len() as u64, total);
    for h in hits {
        assert!(h["citation"].as_str().unwrap().contains(", p. "), "{h}");
        assert!(!h["highlights"].as_array().unwrap().is_empty(), "{h}");
        let key = h["key"].as_str().unwrap();
        assert!(key.starts_with(h["doc"].as_str().unwrap()), "{key}");
    }
    let tags: Vec<&str> = v["facets"]["tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap())
        .collect();
    assert!(tags.contains(&"bribery"), "{tags:?}");
    // A facet filter narrows the hits, and each hit carries the tag.
    let f = s.get_json("/api/search?q=bribe&tag=bribery&limit=500");
    assert!(f["total"].as_u64().unwrap() >= 1);
    for h in f["hits"].as_array().unwrap() {
        assert!(h["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["category"] == "bribery"));
    }
    // Document and year facets filter too.
    let all = s.get_json("/api/search?limit=500");
    let doc = doc_of(&all, "court-summary-case-118.txt");
    let d = s.get_json(&format!("/api/search?doc={doc}&limit=500"));
    assert!(d["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["doc"] == doc));
    let year = all["facets"]["year"][0][0].as_str().unwrap().to_owned();
    let y = s.get_json(&format!("/api/search?year={year}&limit=500"));
    assert!(y["total"].as_u64().unwrap() >= 1);
    assert!(y["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["year"].as_u64().map(|y| y.to_string()) == Some(year.clone())));
    // Paging: every passage once, the total never capped.
    let n = all["total"].as_u64().unwrap() as usize;
    let mut keys = Vec::new();
    for off in 0..n {
        let p = s.get_json(&format!("/api/search?limit=1&offset={off}"));
        assert_eq!(p["total"].as_u64().unwrap() as usize, n);
        keys.push(p["hits"][0]["key"].as_str().unwrap().to_owned());
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n);
    // Limits and bad input: 400 with a JSON error.
    assert_eq!(s.get("/api/search?limit=500").status, 200);
    let r = s.get("/api/search?limit=501");
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("500"));
    let r = s.get(&format!("/api/search?q={}", enc("bribe \"unclosed")));
    assert_eq!(r.status, 400);
    let e = r.json();
    assert!(e["error"].as_str().unwrap().contains("position 7"), "{e}");
    assert_eq!(e["position"], 7);
    for bad in [
        "/api/search?offset=-1",
        "/api/search?tag=a%20b",
        "/api/search?modality=maybe",
        "/api/search?doc=../../etc",
        "/api/search?year=two",
        "/api/search?review=perhaps",
    ] {
        let r = s.get(bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(r.json()["error"].is_string());
    }
    let st = s.get_json("/api/stats");
    assert_eq!(st["documents"], 6);
    assert_eq!(st["passages"].as_u64().unwrap() as usize, n);
}

#[test]
fn serve_document_view_rebuilds_the_page_from_its_passages() {
    let t = indexed();
    let s = Server::start(&t);
    let all = s.get_json("/api/search?limit=500");
    let pdf = doc_of(&all, "labour-inspection-review.pdf");
    let p = s.get_json(&format!("/api/doc/{pdf}/page/2?q=police"));
    assert_eq!(p["page"], 2);
    assert_eq!(p["prev"], 1);
    assert_eq!(p["format"], "pdf");
    assert_eq!(p["source_page"], format!("/source/{pdf}#page=2"));
    let passages = p["passages"].as_array().unwrap();
    assert!(!passages.is_empty());
    let text = p["text"].as_str().unwrap();
    let mut last = 0;
    for ps in passages {
        let off = ps["offset"].as_u64().unwrap() as usize;
        let body = ps["text"].as_str().unwrap();
        assert_eq!(
            &text[off..off + body.len()],
            body,
            "offsets into the page text"
        );
        assert!(ps["passage"].as_u64().unwrap() > last, "in order");
        last = ps["passage"].as_u64().unwrap();
    }
    let matched: Vec<&Value> = passages.iter().filter(|p| p["matched"] == true).collect();
    assert!(!matched.is_empty());
    for m in matched {
        let t = m["text"].as_str().unwrap();
        for h in m["highlights"].as_array().unwrap() {
            let (a, b) = (
                h[0].as_u64().unwrap() as usize,
                h[1].as_u64().unwrap() as usize,
            );
            assert!(t[a..b].to_lowercase().starts_with("police"), "{}", &t[a..b]);
        }
    }
    assert!(passages
        .iter()
        .any(|p| !p["tags"].as_array().unwrap().is_empty()));
    // The original is served by hash, unchanged.
    let src = s.get(&format!("/source/{pdf}"));
    assert_eq!(src.status, 200);
    assert_eq!(src.header("content-type"), Some("application/pdf"));
    assert_eq!(
        src.body,
        std::fs::read(t.path().join("col/labour-inspection-review.pdf")).unwrap()
    );
    // The export button's annotated copy: the original bytes first, annotations appended.
    let copy = s.get(&format!("/export/pdf/{pdf}?tag=bribery"));
    assert_eq!(copy.status, 200, "{}", copy.text());
    assert_eq!(copy.header("content-type"), Some("application/pdf"));
    assert!(copy.body.starts_with(&src.body));
    assert!(copy.body.len() > src.body.len());
    assert!(String::from_utf8_lossy(&copy.body[src.body.len()..]).contains("/Highlight"));
    // All annotated copies of the selection at once: a ZIP.
    let z = s.get("/export/pdf?tag=bribery");
    assert_eq!(z.status, 200, "{}", z.text());
    assert_eq!(z.header("content-type"), Some("application/zip"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(z.body.clone())).unwrap();
    assert_eq!(zip.len(), 1);
    let mut member = Vec::new();
    zip.by_index(0).unwrap().read_to_end(&mut member).unwrap();
    assert!(member.starts_with(&src.body));
    assert_eq!(
        zip.by_index(0).unwrap().name(),
        "labour-inspection-review.pdf"
    );
    let unknown = s.get("/export/pdf?tag=no_such_tag");
    assert_eq!(
        unknown.status, 400,
        "an unknown category is an error, not nothing"
    );
    assert!(
        unknown.text().contains("unknown category"),
        "{}",
        unknown.text()
    );
    let txt = doc_of(&all, "court-summary-case-118.txt");
    assert_eq!(s.get(&format!("/export/pdf/{txt}")).status, 400);
    // Out-of-range pages and bad hashes.
    assert_eq!(s.get(&format!("/api/doc/{pdf}/page/0")).status, 404);
    assert_eq!(s.get(&format!("/api/doc/{pdf}/page/999")).status, 404);
    assert_eq!(s.get(&format!("/api/doc/{pdf}/page/x")).status, 400);
    assert_eq!(s.get("/api/doc/abc/page/1").status, 400);
    assert_eq!(
        s.get(&format!("/api/doc/{}/page/1", "0".repeat(64))).status,
        404
    );
}

#[test]
fn serve_reviews_round_trip_export_and_survive_a_rebuild() {
    let t = indexed();
    let key;
    {
        let s = Server::start(&t);
        let v = s.get_json("/api/search?q=bribe&limit=1");
        key = v["hits"][0]["key"].as_str().unwrap().to_owned();
        assert!(v["hits"][0]["review"].is_null());
        let before = v["facets"]["review"]["unreviewed"].as_u64().unwrap();
        let body = serde_json::json!({"passage": key, "status": "confirmed", "note": "seen in the ledger, <b>p. 4</b>"});
        let r = s.post("/api/review", body.to_string().as_bytes());
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["review"]["status"], "confirmed");
        let v = s.get_json("/api/search?q=bribe&limit=1");
        assert_eq!(v["hits"][0]["review"]["status"], "confirmed");
        assert_eq!(v["facets"]["review"]["confirmed"], 1);
        assert_eq!(
            v["facets"]["review"]["unreviewed"].as_u64().unwrap(),
            before - 1
        );
        let c = s.get_json("/api/search?review=confirmed&limit=500");
        assert_eq!(c["total"], 1);
        assert_eq!(c["hits"][0]["key"], key.as_str());
        let u = s.get_json("/api/search?review=unreviewed&limit=500");
        let all = s.get_json("/api/search?limit=0");
        assert_eq!(
            u["total"].as_u64().unwrap() + 1,
            all["total"].as_u64().unwrap()
        );
        // The last decision wins; a note travels with it.
        let body =
            serde_json::json!({"passage": key, "status": "follow up", "note": "ask the court"});
        assert_eq!(
            s.post("/api/review", body.to_string().as_bytes()).status,
            200
        );
        let st = s.get_json("/api/stats");
        assert_eq!(st["reviewed"], 1);
        assert_eq!(st["review"]["follow_up"], 1);
        // Export buttons of the page: CSV and HTML carry the decision.
        let csv = s.get("/export/csv?q=bribe");
        assert_eq!(csv.status, 200);
        assert!(csv
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment"));
        let text = csv.text();
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let heads = rd.headers().unwrap().clone();
        let si = heads.iter().position(|h| h == "status").unwrap();
        let ni = heads.iter().position(|h| h == "note").unwrap();
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert!(rows
            .iter()
            .any(|r| &r[si] == "follow_up" && &r[ni] == "ask the court"));
        let html = s.get("/export/html?q=bribe").text();
        assert!(html.contains("follow up") && html.contains("ask the court"));
        // Bad reviews.
        for (body, code) in [
            (
                r#"{"passage": "nope", "status": "confirmed"}"#.to_owned(),
                400,
            ),
            (format!(r#"{{"passage": "{key}", "status": "maybe"}}"#), 400),
            (
                format!(
                    r#"{{"passage": "{}:1:0-5", "status": "confirmed"}}"#,
                    "a".repeat(64)
                ),
                404,
            ),
            ("{not json".to_owned(), 400),
            (
                format!(
                    r#"{{"passage": "{key}", "status": "confirmed", "note": "{}"}}"#,
                    "x".repeat(5000)
                ),
                400,
            ),
        ] {
            let r = s.post("/api/review", body.as_bytes());
            assert_eq!(r.status, code, "{body:.80}: {}", r.text());
            assert!(r.json()["error"].is_string());
        }
        let big = vec![b' '; 70 * 1024];
        assert_eq!(s.post("/api/review", &big).status, 413);
    }
    // The log sits next to the index folder, outside what --rebuild deletes.
    let log = PathBuf::from(format!("{}.reviews.jsonl", t.index().display()));
    assert!(log.exists(), "{}", log.display());
    assert!(!t.index().join("reviews.jsonl").exists());
    t.run(["index", "--rebuild", "col"]).expect_code(0);
    let jl = t
        .run(["export", "--format", "jsonl", "bribe"])
        .expect_code(0);
    let lines = jl.json_lines();
    let reviewed: Vec<&Value> = lines.iter().filter(|l| !l["review"].is_null()).collect();
    assert_eq!(reviewed.len(), 1, "{lines:?}");
    assert_eq!(reviewed[0]["review"]["status"], "follow_up");
    let s = Server::start(&t);
    let v = s.get_json("/api/search?review=follow_up&limit=10");
    assert_eq!(v["total"], 1);
    assert_eq!(v["hits"][0]["key"], key.as_str());
    assert_eq!(v["hits"][0]["review"]["note"], "ask the court");
    // Ctrl-C stops the server cleanly.
    assert_eq!(s.interrupt(), Some(0));
}

#[test]
fn serve_refuses_traversal_swapped_files_and_renders_hostile_text_inert() {
    let t = indexed();
    t.write("outside/secret.txt", "TOP SECRET outside the collection");
    let s = Server::start(&t);
    for path in [
        "/source/..%2F..%2Foutside%2Fsecret.txt",
        "/source/../../outside/secret.txt",
        "/../../outside/secret.txt",
        "/static/../../outside/secret.txt",
        "/static/..%2f..%2fCargo.toml",
        "/source/%2e%2e",
        "/api/doc/..%2F..%2Fetc%2Fpasswd/page/1",
        "/export/pdf/..%2Fsecret",
        "/nope",
    ] {
        let r = s.get(path);
        assert!(
            r.status == 400 || r.status == 404,
            "{path}: {} {}",
            r.status,
            r.text()
        );
        assert!(!r.text().contains("TOP SECRET"), "{path}");
    }
    // An error outside /api/ is a readable HTML page, with the policy.
    let r = s.get("/nope");
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text().contains("Error 404"));
    assert!(r.header("content-security-policy").is_some());
    // A source file replaced by a symlink to a file outside after indexing is refused.
    let all = s.get_json("/api/search?limit=500");
    let hostile = doc_of(&all, "hostile.txt");
    let hp = t.path().join("col/hostile.txt");
    std::fs::remove_file(&hp).unwrap();
    std::os::unix::fs::symlink(t.path().join("outside/secret.txt"), &hp).unwrap();
    let r = s.get(&format!("/source/{hostile}"));
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(!r.text().contains("TOP SECRET"));
    // Hostile text comes back as JSON data; the page never embeds it.
    let v = s.get_json(&format!("/api/search?doc={hostile}"));
    assert!(v["hits"][0]["text"].as_str().unwrap().contains("<script>"));
    let page = s.get("/");
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    let js = s.get("/static/app.js").text();
    assert!(!js.contains("innerHTML"), "the page must not use innerHTML");
    assert!(!js.contains("eval("));
    // The HTML export escapes it.
    let html = s.get(&format!("/export/html?doc={hostile}")).text();
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;"));
    assert!(!html.contains("href=\"javascript:"));
    // Methods.
    assert_eq!(s.post("/api/search", b"").status, 405);
    assert_eq!(s.get("/api/review").status, 405);
}

#[test]
fn serve_refuses_forged_requests_and_keeps_the_page_working() {
    let t = indexed();
    let s = Server::start(&t);
    assert_eq!(s.token.len(), 32, "a token in the printed URL");
    let host = format!("Host: 127.0.0.1:{}\r\n", s.port);
    let json = "Content-Type: application/json\r\n";
    let hit = s.get_json("/api/search?q=bribe");
    let key = hit["hits"][0]["key"].as_str().unwrap().to_owned();
    let body = serde_json::json!({"passage": key, "status": "confirmed", "note": "x"}).to_string();
    // No token: nothing is readable, not even the page.
    for path in ["/", "/api/search?q=bribe", "/api/stats", "/export/csv"] {
        let r = s.raw("GET", path, &host, b"");
        assert_eq!(r.status, 403, "{path}: {}", r.text());
        assert!(r.text().contains("token"), "{path}");
    }
    let wrong = format!("/?token={}", "0".repeat(32));
    assert_eq!(s.raw("GET", &wrong, &host, b"").status, 403);
    // DNS rebinding: the right token cannot help a foreign Host name.
    let evil_host = format!("Host: evil.example:{}\r\n{}", s.port, s.cookie());
    let r = s.raw("GET", "/api/search?q=bribe", &evil_host, b"");
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(!r.text().contains("bribe\""));
    // Cross-origin writes: a text/plain body (no preflight), a foreign Origin, no token.
    let cookie = s.cookie();
    let forged = [
        (format!("{host}Content-Type: text/plain\r\n{cookie}"), 415),
        (format!("{host}{cookie}"), 415),
        (
            format!("{host}{json}Origin: http://evil.example\r\n{cookie}"),
            403,
        ),
        (format!("{host}{json}Origin: null\r\n{cookie}"), 403),
        (
            format!("{host}{json}Sec-Fetch-Site: cross-site\r\n{cookie}"),
            403,
        ),
        (format!("{host}{json}"), 403),
    ];
    for (headers, status) in &forged {
        let r = s.raw("POST", "/api/review", headers, body.as_bytes());
        assert_eq!(r.status, *status, "{headers}: {}", r.text());
    }
    assert_eq!(
        s.get_json("/api/reviews")["count"],
        0,
        "nothing was recorded"
    );
    let log = PathBuf::from(format!("{}.reviews.jsonl", t.index().display()));
    assert!(!log.exists(), "no review log was written");
    // The page's own requests work: first load with the token sets the cookie...
    let first = s.raw("GET", &format!("/?token={}", s.token), &host, b"");
    assert_eq!(first.status, 200);
    let set = first.header("set-cookie").expect("a token cookie");
    assert!(set.starts_with(&format!("redflag_token_{}={};", s.port, s.token)));
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert_eq!(s.raw("GET", "/static/app.js", &host, b"").status, 200);
    // ...and a same-origin JSON POST with the cookie is recorded.
    let own = format!(
        "{host}{json}Origin: http://127.0.0.1:{}\r\n{cookie}",
        s.port
    );
    let r = s.raw("POST", "/api/review", &own, body.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(s.get_json("/api/reviews")["count"], 1);
    let localhost = format!("Host: localhost:{}\r\n{cookie}", s.port);
    assert_eq!(s.raw("GET", "/api/stats", &localhost, b"").status, 200);
    drop(s);
    // --no-token: loopback only, and the Host check still holds.
    let s = Server::start_with(&t, &["--no-token"]);
    assert!(s.token.is_empty());
    let host = format!("Host: 127.0.0.1:{}\r\n", s.port);
    assert_eq!(s.raw("GET", "/api/stats", &host, b"").status, 200);
    let evil = format!("Host: evil.example:{}\r\n", s.port);
    assert_eq!(s.raw("GET", "/api/stats", &evil, b"").status, 403);
    let r = t.run([
        "serve",
        "--no-token",
        "--allow-remote",
        "--bind",
        "0.0.0.0",
        "--port",
        "0",
    ]);
    assert_ne!(r.code(), 0);
    assert!(r.stderr().contains("--no-token"), "{}", r.stderr());
}

#[test]
fn serve_unknown_filter_values_are_errors_with_a_suggestion() {
    let t = indexed();
    let s = Server::start(&t);
    for (path, says) in [
        ("/api/search?tag=bribes", "did you mean bribery?"),
        ("/api/search?q=tag:bribes", "did you mean bribery?"),
        ("/api/search?modality=convicted", "established"),
        ("/api/search?q=modality:convicted", "established"),
        ("/api/search?q=kind:newspaper", "press"),
        ("/export/csv?tag=bribes", "did you mean bribery?"),
    ] {
        let r = s.get(path);
        assert_eq!(r.status, 400, "{path}: {}", r.text());
        assert!(r.text().contains(says), "{path}: {}", r.text());
    }
    // Known values, typed filters (doc and year) and the same counts as the query fields.
    let all = s.get_json("/api/search?limit=500");
    let doc = doc_of(&all, "hostile.txt");
    let by_doc = s.get_json(&format!("/api/search?doc={doc}&limit=500"));
    assert!(by_doc["total"].as_u64().unwrap() >= 1);
    assert!(by_doc["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["doc"] == doc.as_str()));
    assert_eq!(
        s.get_json("/api/search?q=kind:press")["query"],
        "kind:press"
    );
    // An empty result says which words matched nothing and offers the OR form.
    let v = s.get_json("/api/search?q=bribe+zeppelin");
    assert_eq!(v["total"], 0);
    assert_eq!(v["empty"]["unmatched"], serde_json::json!(["zeppelin"]));
    assert_eq!(v["empty"]["or_query"], "bribe OR zeppelin");
    assert!(v["empty"]["or_total"].as_u64().unwrap() > 0);
}

#[test]
fn serve_refuses_remote_binding_without_the_flag() {
    let t = indexed();
    let r = t.run(["serve", "--bind", "0.0.0.0", "--port", "0"]);
    assert_ne!(r.code(), 0);
    assert!(r.stderr().contains("--allow-remote"), "{}", r.stderr());
    let out = Command::new(env!("CARGO_BIN_EXE_redflag"))
        .args(["--index", "/nonexistent/idx", "serve", "--port", "0"])
        .env_remove("REDFLAG_INDEX")
        .output()
        .expect("run redflag");
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no index"), "{err}");
}

/// Chromium, or `None` (a failure on CI, where `.ci/run` installs it).
fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
        {
            let p = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if out.status.success() && !p.is_empty() {
                return Some(PathBuf::from(p));
            }
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("chromium is missing on CI (.ci/run installs it)");
    }
    eprintln!("note: chromium not installed; headless page test skipped on this machine");
    None
}

/// Runs headless Chromium on `url`, with `mode` `--dump-dom` or `--screenshot=PATH`; returns
/// stdout. Killed after 90 s.
fn browse(chrome: &Path, profile: &Path, mode: &str, url: &str) -> String {
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,1000",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(mode)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        let _ = tx.send(s);
    });
    let got = rx.recv_timeout(Duration::from_secs(90));
    let _ = child.kill();
    let _ = child.wait();
    got.expect("chromium finished within 90 s")
}

fn attr_values<'a>(dom: &'a str, attr: &str) -> Vec<&'a str> {
    dom.split(&format!("{attr}=\""))
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect()
}

#[test]
fn serve_page_works_in_headless_chromium() {
    let Some(chrome) = chromium() else { return };
    let t = indexed();
    let s = Server::start(&t);
    let profile = t.path().join("chrome-profile");
    let shots = std::env::var_os("REDFLAG_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| t.path().join("shots"));
    std::fs::create_dir_all(&shots).unwrap();
    let shot = |name: &str, url: &str| {
        let p = shots.join(name);
        browse(
            &chrome,
            &profile,
            &format!("--screenshot={}", p.display()),
            url,
        );
        assert!(
            p.metadata().map(|m| m.len() > 10_000).unwrap_or(false),
            "{name}"
        );
    };
    // 1. Search.
    let dom = browse(
        &chrome,
        &profile,
        "--dump-dom",
        &s.url("/?q=bribe%20OR%20police"),
    );
    assert!(dom.contains("class=\"hit\""), "{dom:.2000}");
    assert!(dom.contains("passages (showing 1–"), "{dom:.3000}");
    assert!(dom.contains("<mark class=\"q\">") || dom.contains("<mark class=\"tag q\">"));
    shot("1-search.png", &s.url("/?q=bribe%20OR%20police"));
    // 2. Click a facet: follow the tag facet's link as rendered.
    let facet = attr_values(&dom, "href")
        .into_iter()
        .find(|h| h.contains("tag=bribery"))
        .expect("a bribery facet link")
        .replace("&amp;", "&");
    let dom = browse(&chrome, &profile, "--dump-dom", &s.url(&facet));
    assert!(
        dom.contains("class=\"on\" data-facet=\"tag\" data-value=\"bribery\""),
        "{dom:.3000}"
    );
    let hits = dom.matches("class=\"hit\"").count();
    let api = s.get_json(&format!("/api/search?{}", facet.trim_start_matches("/?")));
    assert_eq!(hits as u64, api["total"].as_u64().unwrap().min(20));
    shot("2-facet.png", &s.url(&facet));
    // 3. Open a document: follow the first result's link.
    let open = attr_values(&dom, "href")
        .into_iter()
        .find(|h| h.contains("view=doc"))
        .expect("a document link")
        .replace("&amp;", "&");
    let dom = browse(&chrome, &profile, "--dump-dom", &s.url(&open));
    assert!(dom.contains("class=\"passage"), "{dom:.3000}");
    assert!(dom.contains("data-source=\"1\""));
    shot("3-document.png", &s.url(&open));
    // 4. Mark a passage (the button's request), then see it marked on the page.
    let key = attr_values(&dom, "data-key")[0].to_owned();
    let body = serde_json::json!({"passage": key, "status": "confirmed", "note": "checked"});
    assert_eq!(
        s.post("/api/review", body.to_string().as_bytes()).status,
        200
    );
    let dom = browse(&chrome, &profile, "--dump-dom", &s.url(&open));
    assert!(dom.contains("Review: confirmed"), "{dom:.3000}");
    shot("4-reviewed.png", &s.url(&open));
    // 5. Export: the page's CSV link downloads the selection with the decision.
    let dom = browse(&chrome, &profile, "--dump-dom", &s.url(&facet));
    let csv_link = attr_values(&dom, "href")
        .into_iter()
        .find(|h| h.starts_with("/export/csv"))
        .expect("a CSV export link")
        .replace("&amp;", "&");
    let csv = s.get(&csv_link);
    assert_eq!(csv.status, 200);
    assert!(csv.text().contains("confirmed"));
    // 6. Hostile text shows as text.
    let all = s.get_json("/api/search?limit=500");
    let hostile = doc_of(&all, "hostile.txt");
    let url = s.url(&format!("/?view=doc&doc={hostile}&page=1"));
    let dom = browse(&chrome, &profile, "--dump-dom", &url);
    assert!(
        dom.contains("&lt;script&gt;alert('x')&lt;/script&gt;"),
        "{dom:.3000}"
    );
    assert!(!dom.contains("<script>alert"));
    assert!(dom.contains("&lt;a href=\"javascript:alert(3)\"&gt;"));
    assert!(!dom.contains("<a href=\"javascript:"));
    shot("5-hostile.png", &url);
}
