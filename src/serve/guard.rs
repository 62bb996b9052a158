//! Who may talk to the server: the checks every request passes before it is routed.
//!
//! A leaked collection is read in a browser that also opens other web pages, so the server
//! refuses what a foreign page can make the browser send:
//! - a `Host` that is not a loopback name when serving on loopback (DNS rebinding: a page of
//!   `evil.example` whose name now resolves to 127.0.0.1 still sends `Host: evil.example`);
//! - an `Origin` (or `Sec-Fetch-Site: cross-site`) other than the server's own;
//! - a `POST` body that is not `application/json` (a cross-origin form or `text/plain`
//!   fetch cannot send that type without a preflight, which the server never grants);
//! - any request without the access token, when one is set: the token is printed in the URL
//!   at start (`/?token=…`, as notebook servers do); the first page load with it sets an
//!   `HttpOnly`, `SameSite=Strict` cookie that later requests of the page carry. Scripts
//!   may also send it as `X-Redflag-Token`. The token is mandatory with `--allow-remote`.
//!
//! The checks are pure functions of the [`Request`]: no I/O here.

use super::{api, Reply, Request};

/// The access rules of one running server.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    /// The secret every request must carry (`None`: no token, loopback only).
    pub token: Option<String>,
    /// Accept only loopback host names in `Host` (the server listens on loopback).
    pub loopback_only: bool,
    /// The port listened on (it names the cookie: cookies are not scoped by port).
    pub port: u16,
}

/// What a request that passed the checks needs in its reply.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Granted {
    /// A `Set-Cookie` header value to send (the token came in the URL).
    pub set_cookie: Option<String>,
}

/// A fresh random token: 32 hex digits (128 bits) from the operating system.
pub fn new_token() -> Result<String, String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| format!("no random numbers from the system: {e}"))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Whether `host` (a `Host` header value, port included or not) names this machine's
/// loopback interface: `localhost`, `127.x.x.x` or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inside, tail)) if tail.is_empty() || is_port(tail) => inside.to_owned(),
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((n, p)) if is_port(&format!(":{p}")) => n.to_owned(),
            Some(_) => return false,
            None => host.clone(),
        }
    };
    if name == "localhost" || name == "::1" {
        return true;
    }
    match name.parse::<std::net::Ipv4Addr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

fn is_port(tail: &str) -> bool {
    tail.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Compares two secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Access {
    /// The cookie that carries the token (named after the port).
    pub fn cookie_name(&self) -> String {
        format!("redflag_token_{}", self.port)
    }

    fn cookie_token<'a>(&self, req: &'a Request) -> Option<&'a str> {
        let name = self.cookie_name();
        req.headers_named("cookie")
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim())
    }

    /// Checks a request; `Err` is the refusal to send.
    pub fn check(&self, req: &Request) -> Result<Granted, Reply> {
        let refuse = |status: u16, msg: &str| Err(api::error_reply(&req.path, status, msg, None));
        let Some(host) = req.header("host").map(str::trim) else {
            return refuse(400, "the request has no Host header");
        };
        if self.loopback_only && !is_loopback_host(host) {
            return refuse(
                403,
                "foreign Host header: this server answers only to localhost and 127.0.0.1",
            );
        }
        if let Some(origin) = req.header("origin") {
            let own = format!("http://{host}");
            if !origin.trim().eq_ignore_ascii_case(&own) {
                return refuse(403, "cross-origin request refused");
            }
        }
        if req
            .header("sec-fetch-site")
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("cross-site"))
        {
            return refuse(403, "cross-site request refused");
        }
        if req.method == "POST" {
            let json = req.header("content-type").is_some_and(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
            if !json {
                return refuse(415, "POST bodies must be sent as application/json");
            }
        }
        let mut granted = Granted::default();
        if let Some(token) = &self.token {
            // The page's own code and style carry no data: the refusal page needs them.
            let public = req.method == "GET" && req.path.starts_with("/static/");
            let in_url = req.param("token").is_some_and(|t| same_secret(t, token));
            let in_header = req
                .header("x-redflag-token")
                .is_some_and(|t| same_secret(t.trim(), token));
            let in_cookie = self
                .cookie_token(req)
                .is_some_and(|t| same_secret(t, token));
            if !(public || in_url || in_header || in_cookie) {
                return refuse(
                    403,
                    "no access token: open the address printed by `redflag serve` (it ends in ?token=…)",
                );
            }
            if in_url && !in_cookie {
                granted.set_cookie = Some(format!(
                    "{}={token}; Path=/; HttpOnly; SameSite=Strict",
                    self.cookie_name()
                ));
            }
        }
        Ok(granted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, url: &str, headers: &[(&str, &str)]) -> Request {
        let mut r = Request::new(method, url, Vec::new());
        for (k, v) in headers {
            r.headers.push((k.to_string(), v.to_string()));
        }
        r
    }

    fn local(token: Option<&str>) -> Access {
        Access {
            token: token.map(str::to_owned),
            loopback_only: true,
            port: 8357,
        }
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for h in [
            "localhost",
            "LOCALHOST:8357",
            "127.0.0.1",
            "127.0.0.1:80",
            "127.1.2.3:9",
            "[::1]:8357",
            "[::1]",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "evil.example",
            "evil.example:8357",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "10.0.0.1:8357",
            "[::2]:1",
            "127.0.0.1:x",
            "",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn foreign_host_origin_and_body_types_are_refused() {
        let a = local(None);
        let ok = req("GET", "/api/stats", &[("Host", "127.0.0.1:8357")]);
        assert!(a.check(&ok).is_ok());
        let rebind = req("GET", "/api/stats", &[("Host", "evil.example:8357")]);
        assert_eq!(a.check(&rebind).unwrap_err().status, 403);
        let no_host = req("GET", "/api/stats", &[]);
        assert_eq!(a.check(&no_host).unwrap_err().status, 400);
        let cross = req(
            "POST",
            "/api/review",
            &[
                ("Host", "127.0.0.1:8357"),
                ("Origin", "http://evil.example"),
                ("Content-Type", "application/json"),
            ],
        );
        assert_eq!(a.check(&cross).unwrap_err().status, 403);
        let plain = req(
            "POST",
            "/api/review",
            &[("Host", "127.0.0.1:8357"), ("Content-Type", "text/plain")],
        );
        assert_eq!(a.check(&plain).unwrap_err().status, 415);
        let same = req(
            "POST",
            "/api/review",
            &[
                ("Host", "127.0.0.1:8357"),
                ("Origin", "http://127.0.0.1:8357"),
                ("Content-Type", "application/json; charset=utf-8"),
            ],
        );
        assert!(a.check(&same).is_ok());
        let site = req(
            "GET",
            "/api/search",
            &[("Host", "localhost:8357"), ("Sec-Fetch-Site", "cross-site")],
        );
        assert_eq!(a.check(&site).unwrap_err().status, 403);
    }

    #[test]
    fn the_token_is_required_and_becomes_a_cookie() {
        let t = "00112233445566778899aabbccddeeff";
        let a = local(Some(t));
        let h = ("Host", "127.0.0.1:8357");
        let none = req("GET", "/api/stats", &[h]);
        let refused = a.check(&none).unwrap_err();
        assert_eq!(refused.status, 403);
        assert!(String::from_utf8_lossy(&refused.body).contains("token"));
        let wrong = req("GET", "/?token=00112233445566778899aabbccddeefe", &[h]);
        assert_eq!(a.check(&wrong).unwrap_err().status, 403);
        let first = a.check(&req("GET", &format!("/?token={t}"), &[h])).unwrap();
        let cookie = first.set_cookie.expect("a cookie after the first load");
        assert!(cookie.starts_with(&format!("redflag_token_8357={t};")));
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let later = req(
            "GET",
            "/api/search?q=x",
            &[h, ("Cookie", &format!("a=b; redflag_token_8357={t}"))],
        );
        assert_eq!(a.check(&later).unwrap().set_cookie, None);
        let other_port = req(
            "GET",
            "/api/stats",
            &[h, ("Cookie", &format!("redflag_token_9={t}"))],
        );
        assert!(a.check(&other_port).is_err());
        let header = req("GET", "/api/stats", &[h, ("X-Redflag-Token", t)]);
        assert!(a.check(&header).is_ok());
        assert!(a.check(&req("GET", "/static/app.css", &[h])).is_ok());
        // Remote: any Host name, but the token still.
        let remote = Access {
            loopback_only: false,
            ..a
        };
        let far = req("GET", "/api/stats", &[("Host", "newsroom.lan:8357")]);
        assert_eq!(remote.check(&far).unwrap_err().status, 403);
        let far = req(
            "GET",
            "/api/stats",
            &[("Host", "newsroom.lan:8357"), ("X-Redflag-Token", t)],
        );
        assert!(remote.check(&far).is_ok());
    }

    #[test]
    fn tokens_are_random_hex() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
