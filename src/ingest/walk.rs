//! Walking the paths a user gives: files are taken as they are, folders recursively, in a
//! stable (sorted) order. Hidden folders below a root (`.git`, `.redflag`, ...) are skipped,
//! and so is the index folder wherever it is. Unreadable entries become [`WalkError`]s; the
//! walk goes on.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// One file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkEntry {
    /// The path as walked (the root as the user gave it, joined with the relative part).
    pub path: PathBuf,
    /// The absolute, canonical path: the file's key in the index.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch (0 when unknown).
    pub mtime_ns: u64,
}

impl WalkEntry {
    /// The path for display and citations.
    pub fn display(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    /// The extension, without the dot.
    pub fn ext(&self) -> Option<String> {
        self.path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
    }
}

/// An entry that could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct WalkError {
    /// The path concerned.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Lists the files below `roots`, skipping anything inside `exclude` (the index folder).
/// Returns the files (sorted within each root, duplicates removed) and the errors met.
pub fn walk(roots: &[PathBuf], exclude: Option<&Path>) -> (Vec<WalkEntry>, Vec<WalkError>) {
    let exclude = exclude.and_then(|p| p.canonicalize().ok());
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for root in roots {
        if let Err(e) = std::fs::metadata(root) {
            errors.push(WalkError {
                path: root.to_string_lossy().into_owned(),
                message: io_message(&e),
            });
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() > 0 && e.file_type().is_dir() {
                    let hidden = e.file_name().to_string_lossy().starts_with('.');
                    let is_index = exclude
                        .as_ref()
                        .is_some_and(|x| e.path().canonicalize().ok().as_ref() == Some(x));
                    return !hidden && !is_index;
                }
                true
            });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e
                        .path()
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_else(|| root.to_string_lossy().into_owned());
                    let message = match (e.loop_ancestor(), e.io_error()) {
                        (Some(a), _) => format!("symbolic link loop back to {}", a.display()),
                        (_, Some(io)) => io_message(io),
                        _ => e.to_string(),
                    };
                    errors.push(WalkError { path, message });
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let meta = match entry.metadata() {
                Ok(m) => m,
                Err(e) => {
                    errors.push(WalkError {
                        path: entry.path().to_string_lossy().into_owned(),
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            let key = entry
                .path()
                .canonicalize()
                .unwrap_or_else(|_| entry.path().to_path_buf())
                .to_string_lossy()
                .into_owned();
            if !seen.insert(key.clone()) {
                continue;
            }
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            files.push(WalkEntry {
                path: entry.path().to_path_buf(),
                key,
                size: meta.len(),
                mtime_ns,
            });
        }
    }
    (files, errors)
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_recursively_skipping_hidden_and_index() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("idx")).unwrap();
        std::fs::write(root.join("a/b/x.txt"), "x").unwrap();
        std::fs::write(root.join("a/y.md"), "y").unwrap();
        std::fs::write(root.join(".git/z.txt"), "z").unwrap();
        std::fs::write(root.join("idx/meta.json"), "{}").unwrap();
        let (files, errors) = walk(
            &[root.to_path_buf(), root.join("missing")],
            Some(&root.join("idx")),
        );
        let names: Vec<_> = files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, vec!["a/b/x.txt", "a/y.md"]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("no such file"));
    }
}
