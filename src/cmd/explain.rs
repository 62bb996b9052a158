//! `redflag explain TEXT`: tags a text and says why, in plain words (which rules fired, on
//! which words, and which cue decided the modality).

use crate::cli::{ExplainArgs, Global};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::extract::Limits;
use std::io::{Read, Write};

pub(super) fn run(g: &Global, a: &ExplainArgs) -> Result<ExitCode, Error> {
    let text = if a.text.is_empty() {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::io(std::path::Path::new("<stdin>"), &e))?;
        s
    } else {
        a.text.join(" ")
    };
    let pipeline = super::pipeline(g, Limits::default())?;
    let tagging = pipeline.tagger.tag(&text);
    let out = crate::tag::explain(&tagging, &text);
    let mut w = super::output(None)?;
    if let Err(e) = w
        .write_all(out.as_bytes())
        .and_then(|_| w.write_all(b"\n"))
        .and_then(|_| w.flush())
    {
        if let Some(e) = super::write_err(None, e) {
            return Err(e);
        }
    }
    Ok(if tagging.tags.is_empty() {
        ExitCode::NothingFound
    } else {
        ExitCode::Success
    })
}
