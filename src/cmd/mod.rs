//! Running the subcommands: the only place that opens files, writes the index or prints.
//!
//! [`run`] dispatches one parsed [`Cli`] to its command module and returns the
//! [`ExitCode`]. Every command ends with a one-line summary on stderr (unless `--quiet`),
//! and reports each bad file on its own line as `redflag: PATH: reason` while the batch
//! goes on.

mod dict;
mod eval;
mod explain;
mod export;
mod extract;
mod index;
mod output;
mod search;
mod serve;
mod stats;
mod tag;
mod train;

use crate::cli::{Cli, ColorChoice, Command, FilterArgs};
use crate::codebook::{self, Codebook, Source};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::extract::Limits;
use crate::index::Filters;
use crate::pipeline::Pipeline;
use crate::segment::Segmenter;
use crate::tag::Tagger;
use std::io::IsTerminal;
use std::path::Path;

/// Runs one command. Errors that stop the command are returned; per-file errors are
/// printed as they happen and reflected in the exit code.
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    let g = &cli.global;
    match &cli.command {
        Command::Index(a) => index::run(g, a),
        Command::Search(a) => search::run(g, a),
        Command::Tag(a) => tag::run(g, a),
        Command::Extract(a) => extract::run(g, a),
        Command::Export(a) => export::run(g, a),
        Command::Stats(a) => stats::run(g, a),
        Command::Dict(a) => dict::run(g, a),
        Command::Eval(a) => eval::run(g, a),
        Command::Explain(a) => explain::run(g, a),
        Command::Train(a) => train::run(g, a),
        Command::Serve(a) => serve::run(g, a),
    }
}

/// Prints one diagnostic line to stderr.
pub(crate) fn warn(msg: impl std::fmt::Display) {
    eprintln!("redflag: {msg}");
}

/// Whether to colour stdout.
pub(crate) fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// Reads the dictionaries: the built-in ones, or every `.toml` file of `dir`.
pub(crate) fn load_codebook(dir: Option<&Path>) -> Result<Codebook, Error> {
    Ok(Codebook::from_sources(&load_sources(dir)?)?)
}

/// The dictionary sources: the built-in ones, or every `.toml` file of `dir`.
pub(crate) fn load_sources(dir: Option<&Path>) -> Result<Vec<Source>, Error> {
    let sources = match dir {
        None => codebook::embedded(),
        Some(dir) => {
            let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
            let mut paths: Vec<_> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            if paths.is_empty() {
                return Err(Error::Usage(format!(
                    "{}: no dictionary (.toml) files in this folder",
                    dir.display()
                )));
            }
            let mut sources = Vec::with_capacity(paths.len());
            for p in paths {
                let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, &e))?;
                sources.push(Source {
                    name: p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    text,
                });
            }
            sources
        }
    };
    Ok(sources)
}

/// The learned second opinion: none by default, the built-in one with `--model builtin`, or
/// the one `--model FILE` names.
pub(crate) fn load_model(
    g: &crate::cli::Global,
) -> Result<Option<crate::tag::learned::Model>, Error> {
    use crate::tag::learned::Model;
    match &g.model {
        None => Ok(None),
        Some(p) if p.as_os_str() == "builtin" => Model::embedded()
            .map(Some)
            .map_err(|e| Error::Usage(format!("built-in model: {e}"))),
        Some(p) => {
            let text = std::fs::read(p).map_err(|e| Error::io(p, &e))?;
            let text = String::from_utf8(text).map_err(|_| {
                Error::Usage(format!(
                    "{}: not a redflag model (not UTF-8 text; write one with `redflag train`)",
                    p.display()
                ))
            })?;
            Model::parse(&text)
                .map(Some)
                .map_err(|e| Error::Usage(format!("{}: {e}", p.display())))
        }
    }
}

/// Builds the extract → segment → tag pipeline from the global options.
pub(crate) fn pipeline(g: &crate::cli::Global, limits: Limits) -> Result<Pipeline, Error> {
    let codebook = load_codebook(g.dictionaries.as_deref())?;
    let mut tagger = Tagger::new(&codebook)?;
    tagger.set_model(load_model(g)?);
    Ok(Pipeline {
        tagger,
        segmenter: Segmenter::default(),
        limits,
        containers: Default::default(),
        ocr: ocr_engine(g)?,
    })
}

/// The OCR engine from `--ocr-lang` / `--no-ocr`; its cache lives next to the index
/// (`<index>.ocr/`).
pub(crate) fn ocr_engine(g: &crate::cli::Global) -> Result<Option<crate::ocr::Ocr>, Error> {
    if g.no_ocr {
        return Ok(None);
    }
    let lang = g.ocr_lang.trim();
    if lang.is_empty()
        || !lang
            .split('+')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return Err(Error::Usage(format!(
            "--ocr-lang {lang:?}: Tesseract language codes joined by + (eng, fra, eng+ara)"
        )));
    }
    Ok(Some(crate::ocr::Ocr::new(
        lang,
        Some(ocr_cache_dir(&g.index)),
    )))
}

/// `<index>.ocr`: next to the index folder, so `--rebuild` keeps it.
pub(crate) fn ocr_cache_dir(index: &std::path::Path) -> std::path::PathBuf {
    let mut name = index
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| ".redflag".into());
    name.push(".ocr");
    index.with_file_name(name)
}

/// Resolves the filter arguments and checks the query's `tag:`/`modality:`/`kind:` values
/// against the index and codebook ([`crate::index::Vocabulary`]): unknown values are usage
/// errors with a suggestion.
pub(crate) fn filters(
    g: &crate::cli::Global,
    store: &crate::index::IndexStore,
    a: &FilterArgs,
    query: &str,
) -> Result<Filters, Error> {
    let vocab = vocabulary(g, store)?;
    vocab
        .check_query(query)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let raw = crate::index::RawFilters {
        tags: a.tags.clone(),
        modalities: a.modalities.clone(),
        tagged: a.tagged,
        langs: a.langs.clone(),
        ..Default::default()
    };
    vocab.resolve(&raw).map_err(|m| {
        Error::Usage(
            m.replacen("unknown category", "--tag: unknown category", 1)
                .replacen("unknown modality", "--modality: unknown modality", 1),
        )
    })
}

/// The filter values of the open index and the codebook in use.
pub(crate) fn vocabulary(
    g: &crate::cli::Global,
    store: &crate::index::IndexStore,
) -> Result<crate::index::Vocabulary, Error> {
    let ids: Vec<String> = load_codebook(g.dictionaries.as_deref())?
        .categories
        .iter()
        .map(|c| c.id.clone())
        .collect();
    Ok(store.vocabulary(&ids)?)
}

/// Opens `path` for writing, or stdout for `None` / `-`.
pub(crate) fn output(path: Option<&Path>) -> Result<Box<dyn std::io::Write>, Error> {
    match path {
        None => Ok(Box::new(std::io::BufWriter::new(std::io::stdout().lock()))),
        Some(p) if p.as_os_str() == "-" => {
            Ok(Box::new(std::io::BufWriter::new(std::io::stdout().lock())))
        }
        Some(p) => {
            let f = std::fs::File::create(p).map_err(|e| Error::io(p, &e))?;
            Ok(Box::new(std::io::BufWriter::new(f)))
        }
    }
}

/// Turns a write error into an [`Error`]; a closed pipe (`| head`) is not an error.
pub(crate) fn write_err(path: Option<&Path>, e: std::io::Error) -> Option<Error> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return None;
    }
    Some(Error::io(path.unwrap_or(Path::new("<stdout>")), &e))
}

/// The review log of an index folder, if it exists (for `export` and `serve`).
pub(crate) fn load_reviews(index: &Path) -> Result<Option<crate::review::Reviews>, Error> {
    let log = log_of(index);
    match std::fs::read_to_string(&log) {
        Ok(text) => {
            let r = crate::review::Reviews::parse(&text);
            if r.bad_lines > 0 {
                warn(format!(
                    "{}: {} unreadable line(s) skipped",
                    log.display(),
                    r.bad_lines
                ));
            }
            Ok(Some(r))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&log, &e)),
    }
}

pub(crate) fn log_of(index: &Path) -> std::path::PathBuf {
    let abs = std::fs::canonicalize(index).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(index))
            .unwrap_or_else(|_| index.to_path_buf())
    });
    crate::review::log_path(&abs)
}
