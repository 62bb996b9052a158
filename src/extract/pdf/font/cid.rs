//! CID to Unicode for the registered Adobe character collections (Adobe-Japan1, -GB1,
//! -CNS1, -Korea1, -KR), for CID fonts without `ToUnicode`: a font whose `CIDSystemInfo`
//! names one of these orderings numbers its glyphs by the collection's CIDs, so Adobe's
//! published `<ordering>-UCS2` CMaps give their text.
//!
//! The tables are Adobe's `pdf2unicode` CMaps (github.com/adobe-type-tools/mapping-resources-pdf,
//! BSD-3-Clause, see `cid/LICENSE.txt`), stored zlib-compressed (400 KB for all five) and
//! inflated and parsed once, on first use, by the ordinary CMap parser.

use super::cmap::CMap;
use std::sync::OnceLock;

/// A registered collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    /// Adobe-Japan1.
    Japan1,
    /// Adobe-GB1 (simplified Chinese).
    Gb1,
    /// Adobe-CNS1 (traditional Chinese).
    Cns1,
    /// Adobe-Korea1.
    Korea1,
    /// Adobe-KR.
    Kr,
}

static DATA: [&[u8]; 5] = [
    include_bytes!("cid/Adobe-Japan1-UCS2.z"),
    include_bytes!("cid/Adobe-GB1-UCS2.z"),
    include_bytes!("cid/Adobe-CNS1-UCS2.z"),
    include_bytes!("cid/Adobe-Korea1-UCS2.z"),
    include_bytes!("cid/Adobe-KR-UCS2.z"),
];

static TABLES: [OnceLock<CMap>; 5] = [
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
];

impl Collection {
    /// The collection of a `Registry`/`Ordering` pair, if it is a registered one.
    pub fn from_names(registry: &[u8], ordering: &[u8]) -> Option<Collection> {
        if registry != b"Adobe" {
            return None;
        }
        Some(match ordering {
            b"Japan1" => Collection::Japan1,
            b"GB1" => Collection::Gb1,
            b"CNS1" => Collection::Cns1,
            b"Korea1" => Collection::Korea1,
            b"KR" => Collection::Kr,
            _ => return None,
        })
    }

    /// The collection's CID to Unicode map (inflated and parsed on first use).
    pub fn table(self) -> &'static CMap {
        let i = self as usize;
        TABLES[i].get_or_init(|| {
            let (data, _) = super::super::objects::inflate(DATA[i], 4 << 20);
            CMap::parse(&data)
        })
    }

    /// Unicode text of a CID; `None` for unmapped CIDs (and CID 0, `.notdef`).
    pub fn lookup(self, cid: u32) -> Option<String> {
        if cid == 0 {
            return None;
        }
        self.table()
            .lookup(cid)
            .filter(|s| !s.is_empty() && !s.contains('\u{FFFD}'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_collections_map_cids() {
        // Adobe-Japan1 CID 843 is HIRAGANA LETTER A, GB1 CID 34 is 'A' (proportional Latin).
        assert_eq!(Collection::Japan1.lookup(843).as_deref(), Some("\u{3042}"));
        assert_eq!(Collection::Japan1.lookup(34).as_deref(), Some("A"));
        assert_eq!(Collection::Gb1.lookup(34).as_deref(), Some("A"));
        assert_eq!(Collection::Cns1.lookup(34).as_deref(), Some("A"));
        assert_eq!(Collection::Korea1.lookup(34).as_deref(), Some("A"));
        assert!(Collection::Kr.lookup(34).is_some());
        assert_eq!(Collection::Japan1.lookup(0), None);
        assert_eq!(
            Collection::from_names(b"Adobe", b"Japan1"),
            Some(Collection::Japan1)
        );
        assert_eq!(Collection::from_names(b"Adobe", b"Identity"), None);
    }
}
