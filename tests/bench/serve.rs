//! `redflag-bench-serve`: latency of a running `redflag serve`, alone and under concurrent
//! readers, bounded in requests and time.
//!
//! ```text
//! redflag serve --port 8357 &            # prints http://127.0.0.1:8357/?token=T
//! redflag-bench-serve --url 'http://127.0.0.1:8357/?token=T' [--clients 16] [--requests 320] [--seconds 120]
//! ```
//!
//! Phase 1 (one reader): each page and API request of the mix below three times (the first
//! warms, the next two are counted), p50 / p95 / max per family. Phase 2 (`--clients`
//! readers at once): `--requests` requests of the same mix in all, p50 / p95 / max and
//! failures (any status but 200, or no answer within 30 s). The run stops at `--seconds`
//! whatever is left; unsent requests are reported.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const QUERIES: &[&str] = &[
    "officer checkpoint",
    "inspector harbour",
    "\"immigration officer\"",
    "\"forged passports\"",
    "bribe",
    "passport",
    "smuggling",
    "report report",
    "court court",
    "kickbacks OR bribe",
];

/// The mix: (family, path).
fn mix() -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("page /", "/".to_owned()),
        ("api/stats (overview)", "/api/stats".to_owned()),
        ("api/search empty", "/api/search?q=".to_owned()),
    ];
    for q in QUERIES {
        let enc: String = q
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        v.push(("api/search + facets", format!("/api/search?q={enc}")));
        v.push((
            "api/search + facets, tag filter",
            format!("/api/search?q={enc}&tag=bribery"),
        ));
    }
    v
}

struct Target {
    host: String,
    token: String,
}

fn get(t: &Target, path: &str) -> Result<u16, String> {
    let mut s = TcpStream::connect(&t.host).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nX-Redflag-Token: {}\r\nConnection: close\r\n\r\n",
        t.host, t.token
    );
    s.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let line = String::from_utf8_lossy(&raw[..raw.len().min(20)]).into_owned();
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("no status line: {line:?}"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn line(name: &str, ms: &mut [f64]) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name:<34} n={:<4} p50 {:>8.1} ms  p95 {:>8.1} ms  max {:>8.1} ms",
        ms.len(),
        percentile(ms, 0.5),
        percentile(ms, 0.95),
        ms.last().copied().unwrap_or(0.0)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let Some(url) = arg("--url") else {
        eprintln!("usage: redflag-bench-serve --url 'http://127.0.0.1:PORT/?token=T' [--clients 16] [--requests 320] [--seconds 120]");
        std::process::exit(2);
    };
    let num = |name: &str, d: usize| arg(name).and_then(|v| v.parse().ok()).unwrap_or(d);
    let clients = num("--clients", 16).max(1);
    let requests = num("--requests", 320);
    let deadline = Instant::now() + Duration::from_secs(num("--seconds", 120) as u64);
    let rest = url.trim_start_matches("http://");
    let (host, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let token = tail.split("token=").nth(1).unwrap_or("").to_owned();
    let t = Target {
        host: host.to_owned(),
        token,
    };
    let mix = mix();
    let mut failures = 0usize;
    println!("phase 1: one reader, each request 3 times (first not counted)");
    let mut by_family: Vec<(&str, Vec<f64>)> = Vec::new();
    'outer: for (family, path) in &mix {
        for round in 0..3 {
            if Instant::now() > deadline {
                break 'outer;
            }
            let t0 = Instant::now();
            let r = get(&t, path);
            let ms = t0.elapsed().as_secs_f64() * 1000.0;
            if r != Ok(200) {
                failures += 1;
                eprintln!("{path}: {r:?}");
            }
            if round > 0 {
                match by_family.iter_mut().find(|(f, _)| f == family) {
                    Some((_, v)) => v.push(ms),
                    None => by_family.push((family, vec![ms])),
                }
            }
        }
    }
    for (f, v) in &mut by_family {
        line(f, v);
    }
    println!("phase 2: {clients} readers at once, {requests} requests in all");
    let next = AtomicUsize::new(0);
    let times = Mutex::new(Vec::new());
    let failed = AtomicUsize::new(0);
    let wall = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..clients {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= requests || Instant::now() > deadline {
                    break;
                }
                let (_, path) = &mix[i % mix.len()];
                let t0 = Instant::now();
                let r = get(&t, path);
                let ms = t0.elapsed().as_secs_f64() * 1000.0;
                if r != Ok(200) {
                    failed.fetch_add(1, Ordering::SeqCst);
                    eprintln!("{path}: {r:?}");
                }
                if let Ok(mut v) = times.lock() {
                    v.push(ms);
                }
            });
        }
    });
    let mut all = times.into_inner().unwrap_or_default();
    let sent = all.len();
    line("all requests", &mut all);
    let failed = failed.load(Ordering::SeqCst);
    println!(
        "answered {} of {requests} ({} failed, {} not sent before the deadline) in {:.1} s; phase 1 failures {failures}",
        sent - failed,
        failed,
        requests - sent.min(requests),
        wall.elapsed().as_secs_f64()
    );
    if failures + failed > 0 || sent < requests {
        std::process::exit(1);
    }
}
