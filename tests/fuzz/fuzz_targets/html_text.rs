//! The HTML, Markdown and text readers and the format sniffer on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use redflag::model::DocKind;

fuzz_target!(|data: &[u8]| {
    let _ = redflag::ingest::sniff(data, Some("txt"));
    let limits = redflag::extract::Limits::default();
    for kind in [DocKind::Html, DocKind::Markdown, DocKind::Text] {
        let _ = redflag::extract::extract(data, kind, &limits);
    }
});
