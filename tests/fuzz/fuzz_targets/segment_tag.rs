//! Segmentation and tagging of arbitrary text with the built-in codebook.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static TAGGER: LazyLock<Option<redflag::tag::Tagger>> = LazyLock::new(|| {
    let cb = redflag::codebook::Codebook::from_sources(&redflag::codebook::embedded()).ok()?;
    redflag::tag::Tagger::new(&cb).ok()
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for p in redflag::segment::Segmenter::default().segment(1, text) {
        assert!(p.text.len() <= text.len() + 1);
        let _ = p.page_offset(p.text.len());
        if let Some(t) = TAGGER.as_ref() {
            for tag in t.tag(&p.text).tags {
                for s in tag.spans {
                    assert!(s.start <= s.end && s.end <= p.text.len(), "span out of range");
                    assert!(p.text.is_char_boundary(s.start) && p.text.is_char_boundary(s.end));
                }
            }
        }
    }
});
