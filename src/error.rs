//! The top-level error of a command: user errors (a bad path, dictionary, query or
//! argument: the user can fix them) apart from internal ones (a corrupt index, a bug).
//! Each layer has its own `thiserror` enum; this one gathers them for [`crate::cmd`].

use crate::codebook::CodebookError;
use crate::index::IndexError;
use std::path::{Path, PathBuf};

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The index could not be opened, written or queried.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A dictionary is invalid.
    #[error("dictionary {0}")]
    Codebook(#[from] CodebookError),
    /// A file or folder could not be read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
    /// Arguments that parse but make no sense together.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// An I/O error on `path`, with a short message.
    pub fn io(path: &Path, e: &std::io::Error) -> Error {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or folder".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => e.to_string(),
        };
        Error::Io {
            path: path.to_path_buf(),
            message,
        }
    }

    /// True for errors the user can fix (bad input), false for internal ones.
    pub fn is_user_error(&self) -> bool {
        match self {
            Error::Index(IndexError::Tantivy { .. }) => false,
            Error::Index(_) | Error::Codebook(_) | Error::Io { .. } | Error::Usage(_) => true,
        }
    }
}
