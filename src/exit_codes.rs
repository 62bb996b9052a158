//! Process exit codes, documented in the README.

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything worked (and, for search, something was found).
    Success,
    /// A search or export found nothing.
    NothingFound,
    /// Errors: bad arguments, a bad query or dictionary, or files that failed in a batch.
    Error,
}

impl From<ExitCode> for i32 {
    fn from(code: ExitCode) -> i32 {
        match code {
            ExitCode::Success => 0,
            ExitCode::NothingFound => 1,
            ExitCode::Error => 2,
        }
    }
}

impl ExitCode {
    /// The worse of two outcomes (errors win over nothing-found, which wins over success).
    pub fn worst(self, other: ExitCode) -> ExitCode {
        if i32::from(other) > i32::from(self) {
            other
        } else {
            self
        }
    }
}
