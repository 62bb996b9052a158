//! The analyzers of the text fields.
//!
//! `text` is stemmed for English (Snowball/Porter) and then folds a few derivations the
//! stemmer keeps apart but a reporter means together: `bribery`, `briber` → `bribe`,
//! `forgery`, `forger` → `forg`, `smuggler` → `smuggl`, `trafficker` → `traffick`,
//! `extortion`, `extortionist` → `extort`, `complicity` → `complicit`. So `bribes` finds
//! `bribed` and `bribery`. `text_exact` is lower-cased words, unstemmed, for quoted phrases
//! and fuzzy terms.

use std::mem;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};

/// Name of the stemmed analyzer.
pub const STEM: &str = "redflag_stem";
/// Name of the exact analyzer.
pub const EXACT: &str = "redflag_exact";

/// Stems the English stemmer leaves apart, mapped to the one they share meaning with.
const DERIVATIONS: &[(&str, &str)] = &[
    ("briberi", "bribe"),
    ("briber", "bribe"),
    ("forgeri", "forg"),
    ("forger", "forg"),
    ("smuggler", "smuggl"),
    ("traffick", "traffick"),
    ("trafficker", "traffick"),
    ("extortion", "extort"),
    ("extortionist", "extort"),
    ("complic", "complicit"),
    ("launder", "launder"),
    ("counterfeit", "counterfeit"),
];

/// Registers both analyzers on an index.
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(
        STEM,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .filter(Derivations)
            .build(),
    );
    index.tokenizers().register(
        EXACT,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(80))
            .filter(LowerCaser)
            .build(),
    );
}

/// Token filter folding [`DERIVATIONS`].
#[derive(Clone)]
pub struct Derivations;

impl TokenFilter for Derivations {
    type Tokenizer<T: Tokenizer> = DerivationsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        DerivationsFilter { tokenizer }
    }
}

/// The tokenizer wrapper of [`Derivations`].
#[derive(Clone)]
pub struct DerivationsFilter<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for DerivationsFilter<T> {
    type TokenStream<'a> = DerivationsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        DerivationsStream {
            tail: self.tokenizer.token_stream(text),
        }
    }
}

/// The token stream of [`Derivations`].
pub struct DerivationsStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for DerivationsStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &mut self.tail.token_mut().text;
        if let Some((_, to)) = DERIVATIONS.iter().find(|(from, _)| from == text) {
            let mut s = (*to).to_owned();
            mem::swap(text, &mut s);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let index = tantivy::Index::create_in_ram(tantivy::schema::Schema::builder().build());
        register(&index);
        let mut a = index.tokenizers().get(STEM).unwrap();
        let mut ts = a.token_stream(text);
        let mut out = Vec::new();
        while ts.advance() {
            out.push(ts.token().text.clone());
        }
        out
    }

    #[test]
    fn derivations_meet_their_base() {
        let t = terms(
            "bribes bribed bribery bribing forged forgery smugglers smuggling extortion extorted",
        );
        assert_eq!(t[..4], ["bribe", "bribe", "bribe", "bribe"]);
        assert_eq!(t[4], t[5]);
        assert_eq!(t[6], t[7]);
        assert_eq!(t[8], t[9]);
    }
}
