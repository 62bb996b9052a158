//! Test helpers: a temporary folder with its own index, a runner for the `redflag` binary,
//! and access to the shared development sets next to the project.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary folder; the index lives in `<dir>/index`.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn index(&self) -> PathBuf {
        self.dir.path().join("index")
    }

    /// Writes a file (creating folders) and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, contents).expect("write");
        p
    }

    /// Runs `redflag --index <dir>/index ARGS...` in this folder.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = Command::new(env!("CARGO_BIN_EXE_redflag"))
            .arg("--index")
            .arg(self.index())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("REDFLAG_INDEX")
            .env_remove("REDFLAG_DICTIONARIES")
            .env_remove("REDFLAG_MODEL")
            .output()
            .expect("run redflag");
        Run(out)
    }
}

/// The result of one run.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Asserts the exit code, showing stderr when it differs.
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(self.code(), code, "exit code; stderr:\n{}", self.stderr());
        self
    }
    /// Parses stdout as JSON lines.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
            .collect()
    }
}

/// The project's sample collection.
pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sample/collection")
}

/// A path inside `../shared`. Returns `None` (and says so) when the folder is absent on a
/// developer machine; on CI (`CI` set) its absence is a failure, never a skip.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{} is missing on CI", p.display());
    }
    eprintln!(
        "note: {} not present; test skipped on this machine",
        p.display()
    );
    None
}
