//! Command-line arguments: clap definitions only, the one place that imports clap.
//!
//! [`Cli::parse_from_env`] parses; [`crate::cmd::run`] turns the result into work. Shared
//! options (`--index`, `--dictionaries`, `--quiet`, `--color`) are global, so they can come
//! before or after the subcommand.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Find the traces of corruption in document collections.
#[derive(Debug, Parser)]
#[command(name = "redflag", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// Shared options.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the process arguments; on bad arguments clap prints the error and exits 2.
    pub fn parse_from_env() -> Cli {
        Cli::parse()
    }

    /// Parses the given arguments (for tests).
    pub fn try_parse_args<I, T>(args: I) -> Result<Cli, String>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Cli::try_parse_from(args).map_err(|e| e.to_string())
    }
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Index folder.
    #[arg(long, global = true, env = "REDFLAG_INDEX", default_value = ".redflag")]
    pub index: PathBuf,
    /// Read the dictionaries from this folder instead of the built-in ones.
    #[arg(long, global = true, env = "REDFLAG_DICTIONARIES")]
    pub dictionaries: Option<PathBuf>,
    /// Print no summary and no progress (errors are still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Tesseract language(s) for scanned pages: `eng`, `fra`, `eng+ara` (each needs its
    /// language pack, e.g. `apt-get install tesseract-ocr-fra`), or `auto`: per page, from
    /// the detected script, among tha lao khm mya chi_sim vie ind msa fil when installed.
    #[arg(
        long,
        global = true,
        env = "REDFLAG_OCR_LANG",
        default_value = "eng",
        value_name = "LANG"
    )]
    pub ocr_lang: String,
    /// Do not run OCR: scanned pages stay unread (and are listed in warnings).
    #[arg(long, global = true)]
    pub no_ocr: bool,
    /// Add the learned second opinion: `builtin` for the shipped model, or a file written by
    /// `redflag train`. Off by default: on held-out text it adds little recall and on real
    /// collections it adds tags the rules rightly leave out (README, "Tagging quality").
    #[arg(
        long,
        global = true,
        env = "REDFLAG_MODEL",
        value_name = "FILE|builtin"
    )]
    pub model: Option<PathBuf>,
}

/// Colour policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Extract, segment, tag and index every file below the given paths.
    Index(IndexArgs),
    /// Search the index.
    Search(SearchArgs),
    /// Tag passages without an index: JSONL in, JSONL out, or files in, passages out.
    Tag(TagArgs),
    /// Print a file's text, pages separated by form feeds.
    Extract(ExtractArgs),
    /// Export matching passages as JSONL, CSV, a Markdown memo, an HTML report or annotated PDFs.
    Export(ExportArgs),
    /// The collection at a glance: documents × categories, top documents, co-occurrence.
    Stats(StatsArgs),
    /// Check or self-test the dictionaries.
    Dict(DictArgs),
    /// Score the tagger against a gold set (precision, recall, F1, modality accuracy).
    Eval(EvalArgs),
    /// Tag a text and say why, in plain words.
    Explain(ExplainArgs),
    /// Train the learned second opinion from gold JSONL (deterministic: same input, same file).
    Train(TrainArgs),
    /// A local web page (and JSON API) to search, read, review and export.
    Serve(ServeArgs),
}

/// `redflag dict`.
#[derive(Debug, Args)]
pub struct DictArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: DictAction,
}

/// `redflag dict test|check`.
#[derive(Debug, Subcommand)]
pub enum DictAction {
    /// Run every example sentence of every rule and category (must / must not match, with
    /// the expected modality); failures print as `file:rule: message`.
    Test,
    /// Validate the dictionaries: TOML syntax, unknown keys, bad regexes, unknown lexicons,
    /// duplicate ids; every problem with file, line and message.
    Check,
}

/// `redflag eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold passages, JSONL: `{"id", "text", "labels": [...], "modality"}` per line.
    pub gold: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the predictions (`{"id", "tags"}` per line) to this file.
    #[arg(long, value_name = "FILE")]
    pub predictions: Option<PathBuf>,
    /// Also print the figures per value of this field of the gold lines (`lang`,
    /// `source_kind`, any key).
    #[arg(long, value_name = "FIELD")]
    pub by: Option<String>,
    /// Score only one side of `split.py`'s partition (same hash, same sides), so the held-out
    /// part is scored without writing it out.
    #[arg(long, value_enum)]
    pub split: Option<SplitPart>,
    /// What `--split` cuts by.
    #[arg(long, value_enum, default_value_t = SplitKey::Site, requires = "split")]
    pub split_by: SplitKey,
    /// The share of keys on the check side.
    #[arg(long, default_value_t = 0.3, requires = "split")]
    pub check_share: f64,
}

/// A side of the tune/check partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitPart {
    /// The part to tune on (bucket >= check share).
    Tune,
    /// The held-out part (bucket < check share).
    Check,
}

/// What the tune/check partition cuts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitKey {
    /// The web site of `source`.
    Site,
    /// The `source_kind` field.
    #[value(name = "source_kind")]
    SourceKind,
    /// The `lang` field.
    Lang,
}

/// `redflag train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Gold passages, JSONL (the format `eval` reads).
    pub gold: PathBuf,
    /// Where to write the model.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Also report a grouped k-fold cross-validation by site with this many folds (rules
    /// alone vs rules + model), before training on everything.
    #[arg(long, value_name = "K")]
    pub cv: Option<usize>,
}

/// `redflag explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The text (several words are joined with spaces); without it, stdin is read.
    pub text: Vec<String>,
}

/// `redflag serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port; the URL is printed on stderr).
    #[arg(long, default_value_t = 8357)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address needs --allow-remote.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Allow binding to a non-loopback address (anyone who can reach it and has the printed
    /// token can read the collection and record reviews; plain HTTP, no encryption).
    #[arg(long)]
    pub allow_remote: bool,
    /// Worker threads answering requests.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Serve without the access token printed in the URL (loopback only: any program of
    /// this machine's users can then read the collection and record reviews).
    #[arg(long, conflicts_with = "allow_remote")]
    pub no_token: bool,
}

/// `redflag stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// How many documents to list in the top-documents table.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

/// `redflag index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Files or folders (folders are read recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Delete the index and build it again from scratch.
    #[arg(long)]
    pub rebuild: bool,
    /// Cores to use (default: all): N extraction workers, and below the machine's core count
    /// the whole process (writer and index threads included) is kept on N cores.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Skip files larger than this many MiB.
    #[arg(long, default_value_t = 512)]
    pub max_file_mib: u64,
    /// Seconds one document may take before it is stopped.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// Commit (make durable) after this many documents; an interrupted run keeps what was
    /// committed. A commit also happens every 30 seconds and at the end.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub commit_every: usize,
    /// Print a second summary line with throughput figures (for benchmarks).
    #[arg(long)]
    pub timings: bool,
}

/// Filters shared by `search` and `export`.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Keep passages with this tag (repeat for any of several).
    #[arg(long = "tag", value_name = "CATEGORY")]
    pub tags: Vec<String>,
    /// Keep passages with a tag in this modality (repeat for any of several).
    #[arg(long = "modality", value_name = "MODALITY")]
    pub modalities: Vec<String>,
    /// Keep only passages with at least one tag.
    #[arg(long)]
    pub tagged: bool,
    /// Keep passages in this language, an ISO 639-1 code as in the `lang` facet (`th`, `id`,
    /// `zh`, `und` for unknown; repeat for any of several).
    #[arg(long = "lang", value_name = "CODE")]
    pub langs: Vec<String>,
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sort {
    /// Best match first.
    Score,
    /// By file, page and passage.
    Document,
}

/// `redflag search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query: words, "exact phrases", "a b"~5 (within 5 words), word~1 (fuzzy), AND/OR/NOT,
    /// +must, -exclude, field:value (fields: text, title, path, tag, modality, page, kind,
    /// format, lang, year, doc). Empty: filters only.
    #[arg(default_value = "")]
    pub query: String,
    /// Run every query of FILE (one per line, or CSV `label,query`) and write one CSV of hits.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["json", "facets", "context"])]
    pub queries: Option<PathBuf>,
    /// Output file for --queries (default: stdout).
    #[arg(long, short = 'o', requires = "queries")]
    pub out: Option<PathBuf>,
    /// Keep only passages whose text matches this regular expression.
    #[arg(long, value_name = "PATTERN")]
    pub regex: Option<String>,
    /// Print counts by tag, modality, document, year, kind and language for the query.
    #[arg(long)]
    pub facets: bool,
    /// Under each hit, say why each tag was given (rules, words, modality cue).
    #[arg(long)]
    pub explain: bool,
    /// Show N neighbouring passages before and after each hit.
    #[arg(long, short = 'C', value_name = "N", default_value_t = 0)]
    pub context: u32,
    /// Skip the first N hits (paging).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Filters.
    #[command(flatten)]
    pub filters: FilterArgs,
    /// How many hits to show.
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    /// Show every hit (no limit).
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
    /// One JSON object per hit.
    #[arg(long)]
    pub json: bool,
    /// Result order.
    #[arg(long, value_enum, default_value_t = Sort::Score)]
    pub sort: Sort,
}

/// `redflag tag`.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// JSONL input (`-` for stdin): one `{"id": ..., "text": ...}` per line.
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    pub jsonl: Option<PathBuf>,
    /// Files or folders to extract, segment and tag (without --jsonl).
    #[arg(required_unless_present = "jsonl")]
    pub paths: Vec<PathBuf>,
    /// Add an `explanation` field (plain words: rules, matched words, modality cue).
    #[arg(long)]
    pub explain: bool,
}

/// Output format of `extract`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtractFormat {
    /// Page texts separated by form feeds.
    Text,
    /// Pages as JSON, with furniture, OCR flags and character boxes.
    Json,
}

/// `redflag extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The file.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExtractFormat::Text)]
    pub format: ExtractFormat,
}

/// Output format of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per passage.
    Jsonl,
    /// Spreadsheet rows with review columns.
    Csv,
    /// A Markdown memo: excerpts by document and page, matched words in bold, citations.
    Md,
    /// One self-contained HTML report: summary table, highlighted excerpts, links to pages.
    Html,
    /// Annotated copies of the source PDFs in the folder given by --out (originals untouched).
    Pdf,
}

/// `redflag export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Optional query (same syntax as search). Empty with no filter: every passage.
    #[arg(default_value = "")]
    pub query: String,
    /// Filters.
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Output file (default: stdout).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Start a CSV with a UTF-8 byte-order mark (for spreadsheet programs that need one).
    #[arg(long)]
    pub bom: bool,
    /// Replace the names listed in FILE (one per line, `#` comments) with `[name]`.
    #[arg(long, value_name = "FILE")]
    pub mask: Option<PathBuf>,
    /// Replace phone numbers and e-mail addresses with `[phone]` and `[email]`.
    #[arg(long)]
    pub mask_contacts: bool,
    /// Write the run manifest here (default: `<out>.manifest.json`, or `manifest.json` in the
    /// --out folder for pdf; none for stdout unless this is given).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
}
