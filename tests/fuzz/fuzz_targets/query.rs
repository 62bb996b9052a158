//! The query parser on arbitrary strings: a query or a positioned error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(q) = std::str::from_utf8(data) {
        let _ = redflag::index::validate_query(q);
    }
});
