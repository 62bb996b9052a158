//! The run manifest: what an export contains and how to reproduce it. Written next to the
//! output (`<out>.manifest.json`), inside the folder for `--format pdf`, or where
//! `--manifest FILE` says (the only way to get one when writing to stdout).
//!
//! It records when (UTC), which index, the redflag version, the dictionary versions of the
//! excerpts, the query and filters, the masking (counts, never the masked strings), how many
//! excerpts and documents, the format, the output path and, for files, their BLAKE3 hashes.

use serde::Serialize;
use std::time::{SystemTime, UNIX_EPOCH};

/// Identifies the manifest's format.
pub const MANIFEST_FORMAT: &str = "redflag.export-manifest";
/// Version of the manifest; a change to the fields bumps it.
pub const MANIFEST_VERSION: u32 = 1;

/// The query and filters of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Selection {
    /// The query text (empty: every passage).
    pub query: String,
    /// `--tag` values.
    pub tags: Vec<String>,
    /// `--modality` values.
    pub modalities: Vec<String>,
    /// `--tagged`.
    pub tagged: bool,
}

/// What masking was applied.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct MaskInfo {
    /// The `--mask` file, if any.
    pub names_file: Option<String>,
    /// How many names it listed.
    pub names: usize,
    /// `--mask-contacts`.
    pub contacts: bool,
    /// Replacements made in passage texts.
    pub replacements: usize,
}

/// One file written by the export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputFile {
    /// Where it was written.
    pub path: String,
    /// BLAKE3 of its bytes.
    pub blake3: String,
    /// For a PDF copy: the source it was made from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// For a PDF copy: the source's BLAKE3 (the document id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_blake3: Option<String>,
    /// For a PDF copy: annotations added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<usize>,
}

/// The manifest of one export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: &'static str,
    /// [`MANIFEST_VERSION`].
    pub version: u32,
    /// When the export ran, UTC, RFC 3339.
    pub created_utc: String,
    /// The redflag version that wrote it.
    pub redflag_version: &'static str,
    /// The command line, as given.
    pub command: Vec<String>,
    /// The index folder (absolute when it could be resolved).
    pub index: String,
    /// The distinct dictionary versions of the exported excerpts.
    pub dictionary_versions: Vec<String>,
    /// The query and filters.
    pub selection: Selection,
    /// Masking.
    pub mask: MaskInfo,
    /// Excerpts written.
    pub excerpts: usize,
    /// Distinct documents among them.
    pub documents: usize,
    /// Tags among them.
    pub tags: usize,
    /// `jsonl`, `csv`, `md`, `html` or `pdf`.
    pub output_format: &'static str,
    /// The output file or folder (`-` for stdout).
    pub output: String,
    /// The JSONL record version ([`super::FORMAT_VERSION`]).
    pub jsonl_format_version: u32,
    /// Files written, with hashes.
    pub files: Vec<OutputFile>,
    /// Anything the reader of the export should know (sources skipped, content not masked).
    pub notes: Vec<String>,
}

impl Manifest {
    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned());
        s.push('\n');
        s
    }
}

/// `t` as an RFC 3339 UTC timestamp with seconds (`2026-11-29T03:37:36Z`).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_795_836_256)),
            "2026-11-28T03:24:16Z"
        );
    }

    #[test]
    fn manifest_serialises_every_field() {
        let m = Manifest {
            format: MANIFEST_FORMAT,
            version: MANIFEST_VERSION,
            created_utc: rfc3339(UNIX_EPOCH),
            redflag_version: env!("CARGO_PKG_VERSION"),
            command: vec!["redflag".into(), "export".into()],
            index: "/x/.redflag".into(),
            dictionary_versions: vec!["a@1".into()],
            selection: Selection {
                query: "bribe".into(),
                ..Selection::default()
            },
            mask: MaskInfo::default(),
            excerpts: 3,
            documents: 2,
            tags: 1,
            output_format: "csv",
            output: "x.csv".into(),
            jsonl_format_version: 1,
            files: vec![],
            notes: vec![],
        };
        let v: serde_json::Value = serde_json::from_str(&m.to_json()).unwrap();
        assert_eq!(v["format"], MANIFEST_FORMAT);
        assert_eq!(v["selection"]["query"], "bribe");
        assert_eq!(v["excerpts"], 3);
        assert_eq!(v["mask"]["contacts"], false);
        assert_eq!(v["created_utc"], "1970-01-01T00:00:00Z");
    }
}
