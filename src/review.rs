//! Review decisions on passages: pure parsing and merging, no I/O.
//!
//! A reviewer marks a passage `confirmed`, `false_positive` or `follow_up`, with an optional
//! note, or clears the mark. Decisions are kept in an append-only JSONL log next to the index
//! folder ([`log_path`]: `<index dir>.reviews.jsonl`, outside the folder that
//! `index --rebuild` deletes, never inside a source file); the last line for a passage wins.
//!
//! A passage is keyed by its document hash, page and byte range in the page text
//! ([`PassageKey`]): re-indexing an unchanged document yields the same keys, so decisions
//! survive it. [`crate::cmd`] reads and appends the file; this module parses lines, merges
//! them ([`Reviews::parse`]) and formats new ones ([`Entry::to_line`]).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Longest note accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// A review decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The tag is right: the passage is evidence.
    Confirmed,
    /// The tag is wrong.
    FalsePositive,
    /// Needs more work.
    FollowUp,
}

impl Status {
    /// Every status, in display order.
    pub const ALL: [Status; 3] = [Status::Confirmed, Status::FalsePositive, Status::FollowUp];

    /// The id used in the log, the API and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::FalsePositive => "false_positive",
            Status::FollowUp => "follow_up",
        }
    }

    /// Parses an id; spaces and dashes are accepted for underscores (`false positive`).
    pub fn parse(s: &str) -> Option<Status> {
        let norm: String = s
            .trim()
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c })
            .collect::<String>()
            .to_lowercase();
        Status::ALL.into_iter().find(|st| st.as_str() == norm)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What identifies a passage across re-indexing: document hash, page, byte range in the page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PassageKey {
    /// Hex BLAKE3 of the document.
    pub doc: String,
    /// 1-based page.
    pub page: u32,
    /// Start of the passage in the page text.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
}

impl PassageKey {
    /// The key of a passage.
    pub fn new(doc: &str, page: u32, range: (usize, usize)) -> PassageKey {
        PassageKey {
            doc: doc.to_owned(),
            page,
            start: range.0,
            end: range.1,
        }
    }

    /// Parses the text form `DOC:PAGE:START-END`.
    pub fn parse(s: &str) -> Result<PassageKey, ReviewError> {
        let bad = || ReviewError::BadKey(s.chars().take(200).collect());
        let mut it = s.split(':');
        let (Some(doc), Some(page), Some(range), None) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            return Err(bad());
        };
        let (start, end) = range.split_once('-').ok_or_else(bad)?;
        let key = PassageKey {
            doc: doc.to_owned(),
            page: page.parse().map_err(|_| bad())?,
            start: start.parse().map_err(|_| bad())?,
            end: end.parse().map_err(|_| bad())?,
        };
        key.check().map_err(|_| bad())?;
        Ok(key)
    }

    /// Checks the parts: a hex hash of 64 digits, a page ≥ 1, a non-inverted range.
    pub fn check(&self) -> Result<(), ReviewError> {
        if !is_doc_hash(&self.doc) || self.page == 0 || self.start > self.end {
            return Err(ReviewError::BadKey(self.to_string()));
        }
        Ok(())
    }
}

impl fmt::Display for PassageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}-{}", self.doc, self.page, self.start, self.end)
    }
}

/// Whether `s` looks like a document id: 64 lower-case hex digits.
pub fn is_doc_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// One line of the log: a decision (or its removal, `status: null`) on one passage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The passage.
    #[serde(flatten)]
    pub key: PassageKey,
    /// The decision; `None` clears an earlier one.
    pub status: Option<Status>,
    /// Free text (may be empty).
    #[serde(default)]
    pub note: String,
    /// When (RFC 3339, UTC).
    #[serde(default)]
    pub at: String,
}

impl Entry {
    /// Checks the note's length and the key.
    pub fn check(&self) -> Result<(), ReviewError> {
        self.key.check()?;
        let n = self.note.chars().count();
        if n > MAX_NOTE_CHARS {
            return Err(ReviewError::NoteTooLong(n));
        }
        Ok(())
    }

    /// The log line for this entry, with its newline.
    pub fn to_line(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Errors of review input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// A passage key that is not `DOC:PAGE:START-END`.
    #[error("bad passage key {0:?}: expected DOC:PAGE:START-END (DOC = 64 hex digits)")]
    BadKey(String),
    /// An unknown status.
    #[error("unknown review status {0:?}: one of confirmed, false_positive, follow_up (or empty to clear)")]
    BadStatus(String),
    /// A note over [`MAX_NOTE_CHARS`].
    #[error("note of {0} characters: at most {MAX_NOTE_CHARS}")]
    NoteTooLong(usize),
}

/// The current decision per passage (the log merged, last entry wins).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reviews {
    map: BTreeMap<PassageKey, Entry>,
    /// Lines of the log that could not be read (skipped).
    pub bad_lines: usize,
}

impl Reviews {
    /// Merges a log: every valid line in order, the last per passage winning; a cleared
    /// decision removes the passage. Unreadable lines are counted, not fatal.
    pub fn parse(text: &str) -> Reviews {
        let mut r = Reviews::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Entry>(line) {
                Ok(e) if e.check().is_ok() => r.apply(e),
                _ => r.bad_lines += 1,
            }
        }
        r
    }

    /// Applies one entry (as if appended to the log).
    pub fn apply(&mut self, e: Entry) {
        if e.status.is_some() {
            self.map.insert(e.key.clone(), e);
        } else {
            self.map.remove(&e.key);
        }
    }

    /// The decision on a passage.
    pub fn get(&self, key: &PassageKey) -> Option<&Entry> {
        self.map.get(key)
    }

    /// The decision on a passage given by its parts.
    pub fn lookup(&self, doc: &str, page: u32, range: (usize, usize)) -> Option<&Entry> {
        self.map.get(&PassageKey::new(doc, page, range))
    }

    /// Every current decision, in key order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.map.values()
    }

    /// Number of reviewed passages.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// No decision at all.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The decisions with a status, keyed as [`crate::export::review_key`] names passages:
    /// what the export sinks add to each passage.
    pub fn notes(&self) -> std::collections::HashMap<String, crate::export::ReviewNote> {
        self.entries()
            .filter_map(|e| {
                e.status.map(|s| {
                    (
                        e.key.to_string(),
                        crate::export::ReviewNote {
                            status: s.as_str().to_owned(),
                            note: e.note.clone(),
                        },
                    )
                })
            })
            .collect()
    }

    /// Documents that have at least one decision.
    pub fn documents(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.map.keys().map(|k| k.doc.as_str()).collect();
        out.dedup();
        out
    }
}

/// The log file of an index folder: `<index dir>.reviews.jsonl`, a sibling of the folder.
pub fn log_path(index_dir: &Path) -> PathBuf {
    let trimmed = index_dir.components().collect::<PathBuf>();
    let name = trimmed
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".to_owned());
    trimmed.with_file_name(format!("{name}.reviews.jsonl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn entry(page: u32, status: Option<Status>, note: &str) -> Entry {
        Entry {
            key: PassageKey::new(H, page, (10, 20)),
            status,
            note: note.into(),
            at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn key_round_trips_and_rejects_garbage() {
        let k = PassageKey::new(H, 3, (10, 20));
        assert_eq!(PassageKey::parse(&k.to_string()), Ok(k));
        for bad in [
            "",
            "abc:1:1-2",
            &format!("{H}:0:1-2"),
            &format!("{H}:1:5-2"),
            &format!("{H}:1:1-2:9"),
            &format!("{H}:x:1-2"),
            "../../etc/passwd",
        ] {
            assert!(PassageKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn status_parses_loose_forms() {
        assert_eq!(Status::parse("false positive"), Some(Status::FalsePositive));
        assert_eq!(Status::parse("Follow-up"), Some(Status::FollowUp));
        assert_eq!(Status::parse("confirmed"), Some(Status::Confirmed));
        assert_eq!(Status::parse("maybe"), None);
    }

    #[test]
    fn last_entry_wins_and_clear_removes() {
        let log = [
            entry(1, Some(Status::Confirmed), "a").to_line(),
            "not json\n".to_owned(),
            entry(1, Some(Status::FalsePositive), "b").to_line(),
            entry(2, Some(Status::FollowUp), "").to_line(),
            entry(2, None, "").to_line(),
        ]
        .concat();
        let r = Reviews::parse(&log);
        assert_eq!(r.bad_lines, 1);
        assert_eq!(r.len(), 1);
        let e = r.lookup(H, 1, (10, 20)).expect("page 1 reviewed");
        assert_eq!(e.status, Some(Status::FalsePositive));
        assert_eq!(e.note, "b");
        assert!(r.lookup(H, 2, (10, 20)).is_none());
        assert_eq!(r.documents(), vec![H]);
    }

    #[test]
    fn long_notes_are_refused() {
        let e = entry(1, Some(Status::Confirmed), &"x".repeat(MAX_NOTE_CHARS + 1));
        assert_eq!(e.check(), Err(ReviewError::NoteTooLong(MAX_NOTE_CHARS + 1)));
    }

    #[test]
    fn log_sits_next_to_the_index_folder() {
        assert_eq!(
            log_path(Path::new("/data/.redflag/")),
            PathBuf::from("/data/.redflag.reviews.jsonl")
        );
        assert_eq!(
            log_path(Path::new("idx")),
            PathBuf::from("idx.reviews.jsonl")
        );
    }
}
