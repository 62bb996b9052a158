//! Dictionary loading and compiling on arbitrary TOML: errors, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sources = vec![redflag::codebook::Source { name: "fuzz.toml".into(), text: text.into() }];
    if let Ok(cb) = redflag::codebook::Codebook::from_sources(&sources) {
        if let Ok(t) = redflag::tag::Tagger::new(&cb) {
            let _ = t.tag("The officer accepted a bribe at the border.");
        }
    }
});
