//! PDF extraction on arbitrary bytes: must return text or an error, within the limits.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = redflag::extract::Limits {
        time_budget: std::time::Duration::from_secs(2),
        ..Default::default()
    };
    let _ = redflag::extract::extract(data, redflag::model::DocKind::Pdf, &limits);
});
