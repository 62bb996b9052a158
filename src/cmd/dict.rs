//! `redflag dict test|check`: the dictionaries test themselves and are validated.

use crate::cli::{DictAction, DictArgs, Global};
use crate::codebook::{self, Codebook};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::tag::selftest;

pub(super) fn run(g: &Global, a: &DictArgs) -> Result<ExitCode, Error> {
    let sources = super::load_sources(g.dictionaries.as_deref())?;
    match a.action {
        DictAction::Check => {
            let problems = codebook::check(&sources);
            for p in &problems {
                println!("{p}");
            }
            if !g.quiet {
                eprintln!(
                    "redflag dict check: {} files, {} problems",
                    sources.len(),
                    problems.len()
                );
            }
            Ok(if problems.is_empty() {
                ExitCode::Success
            } else {
                ExitCode::Error
            })
        }
        DictAction::Test => {
            let codebook = Codebook::from_sources(&sources)?;
            let report = selftest::run(&codebook)?;
            for f in &report.failures {
                println!("{f}");
            }
            if !g.quiet {
                eprintln!(
                    "redflag dict test: {} examples checked, {} failures",
                    report.checked,
                    report.failures.len()
                );
            }
            Ok(if report.failures.is_empty() {
                ExitCode::Success
            } else {
                ExitCode::Error
            })
        }
    }
}
