//! The one integration-test binary: every command end to end, on the project's own
//! fixtures and sample collection, and on the shared development sets in `../shared`.

mod cli;
mod codebook_cli;
mod corpus_judged;
mod export_formats;
mod formats;
mod fuzz_regressions;
mod hostile;
mod languages;
mod learned;
mod pdf;
mod robustness;
mod search;
mod serve;
mod shared_sets;
mod tagging;
mod util;
