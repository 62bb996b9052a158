//! E-mail: one message (`.eml`, RFC 5322 with MIME) or a mailbox of them (`.mbox`).
//!
//! A message becomes a one-page document: a short header block (`From:`, `To:`, `Cc:`,
//! `Date:`, `Subject:`) as the first paragraph, so names and subjects are searchable and
//! cited with the text, then every text body (HTML bodies are turned into text when there
//! is no plain one). The subject is the title; the headers are also returned as metadata
//! (`from`, `to`, `cc`, `date` (RFC 3339), `subject`, `message_id`). Attachments, nested
//! messages included, are returned as [`Member`]s: the pipeline processes each as a document
//! of its own, whose parent is the message.
//!
//! A mailbox is split at its `From ` separator lines (mboxo/mboxrd: `>From ` quoting is
//! undone); each message is a member named `msg-N` (1-based, in file order).

use super::{ExtractError, Extracted, Member, Read};
use crate::model::{DocKind, Page};
use mail_parser::{MessageParser, MimeHeaders};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Reads one message.
pub fn read_message(bytes: &[u8]) -> Result<Read<'_>, ExtractError> {
    let msg = MessageParser::default()
        .parse(bytes)
        .ok_or_else(|| ExtractError::Invalid {
            kind: DocKind::Email,
            reason: "no message headers".into(),
        })?;
    let mut meta = BTreeMap::new();
    let addresses = |a: Option<&mail_parser::Address<'_>>| -> Option<String> {
        let list: Vec<String> = a?
            .iter()
            .map(|x| match (x.name(), x.address()) {
                (Some(n), Some(ad)) if !n.is_empty() => format!("{n} <{ad}>"),
                (_, Some(ad)) => ad.to_owned(),
                (Some(n), None) => n.to_owned(),
                (None, None) => String::new(),
            })
            .filter(|s| !s.is_empty())
            .collect();
        (!list.is_empty()).then(|| list.join(", "))
    };
    let mut header_block = Vec::new();
    for (key, label, value) in [
        ("from", "From", addresses(msg.from())),
        ("to", "To", addresses(msg.to())),
        ("cc", "Cc", addresses(msg.cc())),
    ] {
        if let Some(v) = value {
            header_block.push(format!("{label}: {v}"));
            meta.insert(key.to_owned(), v);
        }
    }
    if let Some(d) = msg.date() {
        header_block.push(format!("Date: {}", d.to_rfc822()));
        meta.insert("date".to_owned(), d.to_rfc3339());
    }
    let subject = msg
        .subject()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty());
    if let Some(s) = &subject {
        header_block.push(format!("Subject: {s}"));
        meta.insert("subject".to_owned(), s.clone());
    }
    if let Some(id) = msg.message_id() {
        meta.insert("message_id".to_owned(), id.to_owned());
    }

    let mut text = header_block.join("\n");
    for i in 0..msg.text_body_count() {
        let body = match msg.body_text(i) {
            Some(b) => b,
            None => continue,
        };
        let body = body.replace("\r\n", "\n");
        let body = body.trim();
        if body.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(body);
    }

    let mut members = Vec::new();
    for (i, part) in msg.attachments().enumerate() {
        let name = match part.attachment_name() {
            Some(n) if !n.trim().is_empty() => sanitize(n),
            _ if part.is_message() => {
                let subject = part
                    .message()
                    .and_then(|m| m.subject())
                    .map(sanitize)
                    .filter(|s| !s.is_empty());
                format!(
                    "{}.eml",
                    subject.unwrap_or_else(|| format!("message-{}", i + 1))
                )
            }
            _ => format!("attachment-{}", i + 1),
        };
        let name = unique(&members, name);
        members.push(Member {
            name,
            bytes: Cow::Owned(part.contents().to_vec()),
        });
    }
    let extracted = Extracted {
        title: subject,
        date: meta.get("date").cloned(),
        pages: vec![Page {
            number: 1,
            text,
            ..Page::default()
        }],
        warnings: Vec::new(),
    };
    Ok(Read {
        extracted,
        metadata: meta,
        members,
    })
}

/// Splits a mailbox into its messages, `msg-1`, `msg-2`, ...
pub fn read_mbox(bytes: &[u8]) -> Read<'_> {
    let mut starts = Vec::new();
    let mut pos = 0usize;
    while pos < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let prev_blank =
            pos == 0 || bytes[..pos].ends_with(b"\n\n") || bytes[..pos].ends_with(b"\r\n\r\n");
        if bytes[pos..].starts_with(b"From ") && prev_blank {
            starts.push((pos, line_end));
        }
        pos = line_end;
    }
    let mut members = Vec::new();
    for (i, &(_, body_start)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(bytes.len(), |&(s, _)| s);
        let raw = &bytes[body_start.min(end)..end];
        members.push(Member {
            name: format!("msg-{}", i + 1),
            bytes: unquote_from(raw),
        });
    }
    let mut extracted = Extracted::default();
    if members.is_empty() {
        extracted
            .warnings
            .push("mailbox holds no message (no `From ` line)".to_owned());
    }
    Read {
        extracted,
        metadata: BTreeMap::new(),
        members,
    }
}

/// mboxrd: a body line `>From ` (any number of `>`) was quoted once on writing.
fn unquote_from(raw: &[u8]) -> Cow<'_, [u8]> {
    let quoted = |line: &[u8]| {
        let n = line.iter().take_while(|&&b| b == b'>').count();
        n > 0 && line[n..].starts_with(b"From ")
    };
    if !raw.split(|&b| b == b'\n').any(quoted) {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, line) in raw.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(if quoted(line) { &line[1..] } else { line });
    }
    Cow::Owned(out)
}

/// A member name without path separators or the container marker.
fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    s.replace('!', "_").trim().chars().take(120).collect()
}

fn unique(members: &[Member<'_>], name: String) -> String {
    if !members.iter().any(|m| m.name == name) {
        return name;
    }
    (2..)
        .map(|n| match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}-{n}.{ext}"),
            None => format!("{name}-{n}"),
        })
        .find(|c| !members.iter().any(|m| &m.name == c))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &str = "From: Alice Example <alice@example.org>\r\nTo: bob@example.org\r\nSubject: The  payment\r\nDate: Tue, 5 Mar 2019 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nThe officer asked for 500 dollars.\r\n--XX\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"note.txt\"\r\n\r\nReceipt attached.\r\n--XX--\r\n";

    #[test]
    fn headers_body_and_attachments() {
        let r = read_message(MSG.as_bytes()).unwrap();
        assert_eq!(r.metadata["from"], "Alice Example <alice@example.org>");
        assert_eq!(r.metadata["to"], "bob@example.org");
        assert_eq!(r.metadata["subject"], "The payment");
        assert_eq!(r.metadata["date"], "2019-03-05T10:00:00Z");
        assert_eq!(r.extracted.title.as_deref(), Some("The payment"));
        let text = &r.extracted.pages[0].text;
        assert!(text.starts_with("From: Alice Example"), "{text}");
        assert!(text.contains("asked for 500 dollars"), "{text}");
        assert!(!text.contains("Receipt attached"), "{text}");
        assert_eq!(r.members.len(), 1);
        assert_eq!(r.members[0].name, "note.txt");
        assert_eq!(&*r.members[0].bytes, b"Receipt attached.");
    }

    #[test]
    fn html_bodies_encoded_headers_and_forwarded_messages() {
        let msg = "From: =?UTF-8?Q?Jos=C3=A9?= <jose@example.org>\r\nSubject: =?UTF-8?B?UGFnbyBkZSBzb2Jvcm5v?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>El <b>agente</b> cobr&oacute; 200.</p><script>x()</script></body></html>\r\n--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: b@example.org\r\nSubject: Original note\r\n\r\nForwarded body.\r\n--B--\r\n";
        let r = read_message(msg.as_bytes()).unwrap();
        assert_eq!(r.metadata["from"], "Jos\u{e9} <jose@example.org>");
        assert_eq!(r.metadata["subject"], "Pago de soborno");
        let text = &r.extracted.pages[0].text;
        assert!(text.contains("agente cobr\u{f3} 200."), "{text}");
        assert!(!text.contains("x()") && !text.contains("<b>"), "{text}");
        assert_eq!(r.members.len(), 1);
        assert_eq!(r.members[0].name, "Original note.eml");
        assert!(String::from_utf8_lossy(&r.members[0].bytes).contains("Forwarded body."));
    }

    #[test]
    fn mbox_splits_and_unquotes() {
        let mbox = "From a@b Tue Mar  5 10:00:00 2019\nFrom: a@b\nSubject: one\n\n>From the start\n\nFrom c@d Tue Mar  5 11:00:00 2019\nFrom: c@d\nSubject: two\n\nbody two\n";
        let r = read_mbox(mbox.as_bytes());
        assert_eq!(r.members.len(), 2);
        assert_eq!(r.members[0].name, "msg-1");
        assert!(String::from_utf8_lossy(&r.members[0].bytes).contains("\nFrom the start"));
        assert!(String::from_utf8_lossy(&r.members[1].bytes).starts_with("From: c@d"));
    }

    #[test]
    fn junk_is_an_error_or_empty_not_a_panic() {
        for junk in [&b""[..], b"\xff\xfe\x00", b"From \n", b"::::\r\n\r\n"] {
            let _ = read_message(junk);
            let _ = read_mbox(junk);
        }
        assert_eq!(sanitize("../a/b!c"), ".._a_b_c");
    }
}
