//! Layout analysis: positioned glyphs → words → lines → column blocks → reading order.
//!
//! Each glyph is placed in the frame of its own writing direction (so `/Rotate` pages and
//! rotated or vertical text read upright). Consecutive glyphs on one baseline form chunks;
//! word breaks come from real gaps as well as space glyphs. Chunks on one baseline join into
//! line segments, which never cross a column gutter. Reading order comes from gutters found
//! among column-width segments: full-width segments crossing the gutter split the region
//! into bands, each read column by column. Paragraphs are separated where the line pitch
//! jumps, a line is indented, or the previous line ends short.

use super::content::Glyph;
use crate::model::Rect;
use unicode_normalization::UnicodeNormalization;

/// A laid-out line in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The text of the line (no line break).
    pub text: String,
    /// Boxes of the non-whitespace characters: byte range in `text` and rectangle.
    pub chars: Vec<(u32, u32, Rect)>,
    /// A paragraph (or block) starts here.
    pub para_before: bool,
    /// Left edge in the page's main reading frame.
    pub x0: f32,
    /// Right edge.
    pub x1: f32,
    /// Baseline (y up).
    pub y: f32,
    /// Font size.
    pub size: f32,
    /// The line is in the page's main writing direction.
    pub main: bool,
}

/// A page after layout: lines in reading order and the page's extent in the main frame.
#[derive(Debug, Clone, Default)]
pub struct PageLayout {
    /// Lines in reading order.
    pub lines: Vec<Line>,
    /// Page extent in the main frame: left, bottom, right, top.
    pub frame: [f32; 4],
}

#[derive(Debug, Clone, Copy)]
struct G {
    idx: usize,
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
    space: bool,
    mark: bool,
    rtl: bool,
}

#[derive(Debug, Clone)]
struct Seg {
    glyphs: Vec<G>,
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
}

impl Seg {
    fn new(g: G) -> Seg {
        Seg {
            glyphs: vec![g],
            x0: g.x0,
            x1: g.x1,
            y: g.y,
            size: g.size,
        }
    }

    fn push(&mut self, g: G) {
        self.x0 = self.x0.min(g.x0);
        self.x1 = self.x1.max(g.x1);
        if !g.space && g.size > self.size {
            self.size = g.size;
        }
        self.glyphs.push(g);
    }

    fn top(&self) -> f32 {
        self.y + 0.75 * self.size
    }

    fn bottom(&self) -> f32 {
        self.y - 0.2 * self.size
    }
}

/// Relative gap (to the font size) above which two glyphs are separate words.
const WORD_GAP: f32 = 0.15;
/// Relative gap above which consecutive glyphs start a new chunk.
const CHUNK_GAP: f32 = 3.0;
/// Relative gap below which chunks on one baseline join into a segment.
const JOIN_GAP: f32 = 0.6;
/// Deepest recursion of the column analysis.
const MAX_CUT_DEPTH: usize = 8;

fn rot(angle: f32, x: f32, y: f32) -> (f32, f32) {
    let (s, c) = (-angle).sin_cos();
    (x * c - y * s, x * s + y * c)
}

fn is_rtl(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Scripts written without spaces between words (CJK, kana, Hangul syllables are spaced but
/// their gaps are not word breaks either, Thai, Lao, Khmer, Myanmar), with their punctuation.
fn no_space_script(c: char) -> bool {
    matches!(c as u32, 0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF | 0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x0EB1 | 0x0EB4..=0x0EBC | 0x0EC8..=0x0ECD | 0x0900..=0x0903 | 0x093A..=0x094F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Lays out a page's glyphs. `page_box` is the crop box in user space (left, bottom, right,
/// top); glyphs far outside `visible` (the media box) are left out.
pub fn layout(glyphs: &[Glyph], page_box: [f32; 4], visible: [f32; 4]) -> PageLayout {
    // Writing direction of each glyph, quantised to whole degrees.
    let mut dirs: Vec<i32> = Vec::with_capacity(glyphs.len());
    for g in glyphs {
        let (dx, dy) = if g.adv.0.abs() + g.adv.1.abs() > 1e-4 {
            g.adv
        } else {
            (g.up.1, -g.up.0)
        };
        let a = dy.atan2(dx).to_degrees().round() as i32;
        dirs.push(a.rem_euclid(360));
    }
    let mut counts: Vec<(i32, usize)> = Vec::new();
    for &d in &dirs {
        match counts.iter_mut().find(|(k, _)| *k == d) {
            Some(e) => e.1 += 1,
            None => counts.push((d, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let main_dir = counts.first().map(|c| c.0).unwrap_or(0);
    let mut out = PageLayout::default();
    let ma = (main_dir as f32).to_radians();
    let corners = [
        rot(ma, page_box[0], page_box[1]),
        rot(ma, page_box[2], page_box[1]),
        rot(ma, page_box[0], page_box[3]),
        rot(ma, page_box[2], page_box[3]),
    ];
    out.frame = [
        corners.iter().map(|c| c.0).fold(f32::INFINITY, f32::min),
        corners.iter().map(|c| c.1).fold(f32::INFINITY, f32::min),
        corners
            .iter()
            .map(|c| c.0)
            .fold(f32::NEG_INFINITY, f32::max),
        corners
            .iter()
            .map(|c| c.1)
            .fold(f32::NEG_INFINITY, f32::max),
    ];
    // Text drawn well off the page is not visible: leave it out.
    let v = [
        visible[0].min(page_box[0]),
        visible[1].min(page_box[1]),
        visible[2].max(page_box[2]),
        visible[3].max(page_box[3]),
    ];
    let (pw, ph) = (v[2] - v[0], v[3] - v[1]);
    let on_page = |g: &Glyph| {
        g.x >= v[0] - 0.1 * pw
            && g.x <= v[2] + 0.1 * pw
            && g.y >= v[1] - 0.1 * ph
            && g.y <= v[3] + 0.1 * ph
    };
    for (dir, _) in counts.iter().take(16) {
        let angle = (*dir as f32).to_radians();
        let mut gs: Vec<G> = Vec::new();
        for (i, g) in glyphs.iter().enumerate() {
            if dirs[i] != *dir || !on_page(g) {
                continue;
            }
            let (x, y) = rot(angle, g.x, g.y);
            let w = (g.adv.0 * g.adv.0 + g.adv.1 * g.adv.1).sqrt();
            let size = (g.up.0 * g.up.0 + g.up.1 * g.up.1).sqrt();
            if size.is_nan() || size <= 0.05 || size > 2000.0 {
                continue;
            }
            let first = g.text.chars().next().unwrap_or(' ');
            gs.push(G {
                idx: i,
                x0: x,
                x1: x + w,
                y,
                size,
                space: g.text.chars().all(char::is_whitespace),
                mark: is_mark(first),
                rtl: g.text.chars().any(is_rtl),
            });
        }
        let segs = segments(&gs);
        let order = reading_order(&segs);
        let main = *dir == main_dir;
        for block in order {
            let mut prev: Option<&Seg> = None;
            let bl: Vec<&Seg> = block.iter().map(|&i| &segs[i]).collect();
            let pitch = median_pitch(&bl);
            let left = bl.iter().map(|s| s.x0).fold(f32::INFINITY, f32::min);
            let right = bl.iter().map(|s| s.x1).fold(f32::NEG_INFINITY, f32::max);
            for (k, s) in bl.iter().enumerate() {
                let para = match prev {
                    None => true,
                    Some(p) => k > 0 && paragraph_break(p, s, pitch, left, right),
                };
                let (text, chars) = seg_text(s, glyphs);
                if text.trim().is_empty() {
                    continue;
                }
                out.lines.push(Line {
                    text,
                    chars,
                    para_before: para,
                    x0: s.x0,
                    x1: s.x1,
                    y: s.y,
                    size: s.size,
                    main,
                });
                prev = Some(s);
            }
        }
    }
    out
}

fn median_pitch(lines: &[&Seg]) -> f32 {
    let mut d: Vec<f32> = lines
        .windows(2)
        .map(|w| w[0].y - w[1].y)
        .filter(|&v| v > 0.3 * lines[0].size.max(1.0))
        .collect();
    if d.is_empty() {
        return 0.0;
    }
    d.sort_by(f32::total_cmp);
    d[(d.len() - 1) / 2]
}

fn paragraph_break(p: &Seg, s: &Seg, pitch: f32, left: f32, right: f32) -> bool {
    let gap = p.y - s.y;
    let size = s.size.max(p.size);
    if gap < 0.0
        || (pitch > 0.0 && gap > 1.35 * pitch + 0.1 * size)
        || (pitch == 0.0 && gap > 1.6 * size)
    {
        return true;
    }
    if (s.size - p.size).abs() > 0.2 * size {
        return true;
    }
    let width = right - left;
    let indented = s.x0 > left + 0.9 * s.size && s.x0 < left + 6.0 * s.size;
    let prev_flush = p.x0 < left + 0.5 * p.size;
    if indented && prev_flush && width > 15.0 * size {
        return true;
    }
    let prev_short = p.x1 < right - 0.3 * width;
    prev_short
        && prev_flush
        && s.x0 < left + 0.5 * s.size
        && width > 15.0 * size
        && s.x1 > right - 0.3 * width
}

/// Groups glyphs (one direction, drawing order) into line segments.
fn segments(gs: &[G]) -> Vec<Seg> {
    // 1. Chunks in drawing order.
    let mut chunks: Vec<Seg> = Vec::new();
    for &g in gs {
        if let Some(c) = chunks.last_mut() {
            let last = *c.glyphs.last().unwrap_or(&g);
            let size = c.size.max(g.size).max(0.1);
            let same_base = (g.y - c.y).abs() < 0.3 * size;
            let forward = g.x0 >= last.x1 - 0.6 * size
                || (g.mark || g.space || last.space) && g.x0 >= last.x0 - size;
            let backward_rtl = g.rtl
                && last.rtl
                && g.x1 <= last.x0 + 0.6 * size
                && last.x0 - g.x1 < CHUNK_GAP * size;
            let near = g.x0 - last.x1 < CHUNK_GAP * size;
            if same_base
                && ((forward && near) || backward_rtl || g.mark && (g.x0 - last.x0).abs() < size)
            {
                c.push(g);
                continue;
            }
        }
        chunks.push(Seg::new(g));
    }
    // Drop chunks that are only spaces.
    chunks.retain(|c| c.glyphs.iter().any(|g| !g.space));
    for c in chunks.iter_mut() {
        let ys: Vec<f32> = c.glyphs.iter().filter(|g| !g.space).map(|g| g.y).collect();
        if let Some(&y) = ys.first() {
            c.y = y;
        }
        c.x0 = c
            .glyphs
            .iter()
            .filter(|g| !g.space)
            .map(|g| g.x0)
            .fold(f32::INFINITY, f32::min);
        c.x1 = c
            .glyphs
            .iter()
            .filter(|g| !g.space)
            .map(|g| g.x1)
            .fold(f32::NEG_INFINITY, f32::max);
    }
    // 2. Join chunks on one baseline (out-of-order pieces, superscripts) into segments.
    chunks.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    let mut segs: Vec<Seg> = Vec::new();
    for c in chunks {
        let mut best: Option<(usize, f32)> = None;
        for (i, s) in segs.iter().enumerate().rev().take(400) {
            let size = s.size.max(c.size);
            let gap = c.x0 - s.x1;
            if gap > JOIN_GAP * size || gap < -0.5 * size {
                continue;
            }
            let overlap = s.top().min(c.top()) - s.bottom().max(c.bottom());
            let minh = (s.top() - s.bottom()).min(c.top() - c.bottom());
            if overlap < 0.5 * minh {
                continue;
            }
            let dy = (s.y - c.y).abs();
            if best.is_none_or(|(_, d)| dy < d) {
                best = Some((i, dy));
            }
        }
        match best {
            Some((i, _)) => {
                let s = &mut segs[i];
                // The larger piece defines the baseline.
                if c.size > s.size * 1.2 {
                    s.y = c.y;
                }
                s.x1 = s.x1.max(c.x1);
                s.x0 = s.x0.min(c.x0);
                s.size = s.size.max(c.size);
                s.glyphs.extend(c.glyphs);
            }
            None => segs.push(c),
        }
    }
    segs
}

/// Splits segments into blocks in reading order (each block top to bottom).
fn reading_order(segs: &[Seg]) -> Vec<Vec<usize>> {
    let idx: Vec<usize> = (0..segs.len()).collect();
    let mut out = Vec::new();
    order_region(segs, idx, 0, &mut out);
    out
}

fn sort_top_down(segs: &[Seg], ids: &mut [usize]) {
    // Top to bottom; segments whose baselines are within a third of the font size of the
    // row's first one form a row, read left to right.
    ids.sort_by(|&a, &b| segs[b].y.total_cmp(&segs[a].y));
    let mut start = 0;
    while start < ids.len() {
        let first = &segs[ids[start]];
        let mut end = start + 1;
        while end < ids.len() {
            let s = &segs[ids[end]];
            if (first.y - s.y).abs() > 0.3 * first.size.min(s.size) {
                break;
            }
            end += 1;
        }
        ids[start..end].sort_by(|&a, &b| segs[a].x0.total_cmp(&segs[b].x0));
        start = end;
    }
}

fn order_region(segs: &[Seg], mut ids: Vec<usize>, depth: usize, out: &mut Vec<Vec<usize>>) {
    sort_top_down(segs, &mut ids);
    if ids.len() < 4 || depth >= MAX_CUT_DEPTH {
        out.push(ids);
        return;
    }
    let Some(gx) = find_gutter(segs, &ids) else {
        out.push(ids);
        return;
    };
    // Spanning segments cross the gutter and separate bands; each band reads left, right.
    let mut band_left: Vec<usize> = Vec::new();
    let mut band_right: Vec<usize> = Vec::new();
    let mut span_run: Vec<usize> = Vec::new();
    let flush = |l: &mut Vec<usize>, r: &mut Vec<usize>, out: &mut Vec<Vec<usize>>| {
        if !l.is_empty() {
            order_region(segs, std::mem::take(l), depth + 1, out);
        }
        if !r.is_empty() {
            order_region(segs, std::mem::take(r), depth + 1, out);
        }
    };
    for &i in &ids {
        let s = &segs[i];
        if s.x0 < gx && s.x1 > gx {
            flush(&mut band_left, &mut band_right, out);
            span_run.push(i);
        } else {
            if !span_run.is_empty() {
                out.push(std::mem::take(&mut span_run));
            }
            if s.x1 <= gx {
                band_left.push(i);
            } else {
                band_right.push(i);
            }
        }
    }
    if !span_run.is_empty() {
        out.push(span_run);
    }
    flush(&mut band_left, &mut band_right, out);
}

/// A vertical gutter through the region: an x position that column-width segments on both
/// sides leave free, crossed only by a minority of full-width segments.
fn find_gutter(segs: &[Seg], ids: &[usize]) -> Option<f32> {
    let left = ids
        .iter()
        .map(|&i| segs[i].x0)
        .fold(f32::INFINITY, f32::min);
    let right = ids
        .iter()
        .map(|&i| segs[i].x1)
        .fold(f32::NEG_INFINITY, f32::max);
    let width = right - left;
    if width <= 0.0 {
        return None;
    }
    let mut sizes: Vec<f32> = ids.iter().map(|&i| segs[i].size).collect();
    sizes.sort_by(f32::total_cmp);
    let med = sizes[sizes.len() / 2].max(1.0);
    let narrow: Vec<usize> = ids
        .iter()
        .copied()
        .filter(|&i| segs[i].x1 - segs[i].x0 < 0.62 * width)
        .collect();
    if narrow.len() < 4 {
        return None;
    }
    // Coverage of the column-width segments per 1pt bin; a gutter is a run of bins that
    // (almost) none of them covers, with segments on both sides.
    let bins = (width.ceil() as usize).clamp(1, 4000);
    let scale = bins as f32 / width;
    let mut diff = vec![0i32; bins + 1];
    for &i in &narrow {
        let a = (((segs[i].x0 - left) * scale).floor().max(0.0) as usize).min(bins - 1);
        let b = (((segs[i].x1 - left) * scale).ceil().max(0.0) as usize).min(bins);
        diff[a] += 1;
        diff[b] -= 1;
    }
    let allowed = (narrow.len() / 20) as i32;
    let mut best: Option<(f32, f32)> = None; // (gap width, gutter x)
    let mut cover = 0;
    let mut run_start: Option<usize> = None;
    for (b, d) in diff.iter().enumerate().take(bins) {
        cover += d;
        if cover <= allowed {
            run_start.get_or_insert(b);
        } else if let Some(s0) = run_start.take() {
            let gap = (b - s0) as f32 / scale;
            if s0 > 0 && gap >= 0.5 * med && best.is_none_or(|(w, _)| gap > w) {
                best = Some((gap, left + (s0 + b) as f32 / 2.0 / scale));
            }
        }
    }
    let (gap, gx) = best?;
    // Text columns have similar widths and a narrow gutter; a wide gap next to a narrow
    // column is a table or a form, read row by row.
    let side = |left_side: bool| {
        let (mut a, mut b) = (f32::INFINITY, f32::NEG_INFINITY);
        for &i in &narrow {
            if (segs[i].x1 <= gx) == left_side && !(segs[i].x0 < gx && segs[i].x1 > gx) {
                a = a.min(segs[i].x0);
                b = b.max(segs[i].x1);
            }
        }
        (b - a).max(0.0)
    };
    let (wl, wr) = (side(true), side(false));
    if gap > 3.5 * med && wl.min(wr) < 0.5 * wl.max(wr) {
        return None;
    }
    let crossing = ids
        .iter()
        .filter(|&&i| segs[i].x0 < gx && segs[i].x1 > gx)
        .count();
    if crossing * 2 > ids.len() {
        return None;
    }
    // Both sides must hold real columns: at least two segments in one band on each side.
    let mut sorted = ids.to_vec();
    sort_top_down(segs, &mut sorted);
    let (mut l, mut r, mut ok) = (0, 0, false);
    for &i in &sorted {
        let s = &segs[i];
        if s.x0 < gx && s.x1 > gx {
            l = 0;
            r = 0;
        } else if s.x1 <= gx {
            l += 1;
        } else {
            r += 1;
        }
        if l >= 2 && r >= 2 {
            ok = true;
            break;
        }
    }
    ok.then_some(gx)
}

fn expand(c: char, out: &mut String) {
    match c {
        '\u{FB00}' => out.push_str("ff"),
        '\u{FB01}' => out.push_str("fi"),
        '\u{FB02}' => out.push_str("fl"),
        '\u{FB03}' => out.push_str("ffi"),
        '\u{FB04}' => out.push_str("ffl"),
        '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
        c if c < ' ' || c == '\u{FFFD}' || c == '\u{7F}' => {}
        c if c.is_whitespace() => out.push(' '),
        c => out.push(c),
    }
}

/// Orders a segment's glyphs for reading and builds its text and character boxes.
fn seg_text(s: &Seg, glyphs: &[Glyph]) -> (String, Vec<(u32, u32, Rect)>) {
    let rtl_count = s.glyphs.iter().filter(|g| g.rtl).count();
    let ltr_count = s
        .glyphs
        .iter()
        .filter(|g| !g.rtl && !g.space && glyphs[g.idx].text.chars().any(char::is_alphabetic))
        .count();
    let rtl = rtl_count > ltr_count;
    // Clusters: a base glyph with its marks. Left to right, marks follow their base in
    // drawing order; right to left (drawn in visual order) they may come first, so they go
    // to the base they sit on.
    let mut clusters: Vec<Vec<G>> = Vec::new();
    let mut loose: Vec<G> = Vec::new();
    for &g in &s.glyphs {
        if g.mark && rtl {
            loose.push(g);
        } else if g.mark && !clusters.is_empty() {
            if let Some(c) = clusters.last_mut() {
                c.push(g);
            }
        } else {
            clusters.push(vec![g]);
        }
    }
    for m in loose {
        let mx = (m.x0 + m.x1) / 2.0;
        let best = clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| !c[0].space)
            .min_by(|(_, a), (_, b)| {
                let da = (mx - (a[0].x0 + a[0].x1) / 2.0).abs()
                    - if mx >= a[0].x0 && mx <= a[0].x1 {
                        1e4
                    } else {
                        0.0
                    };
                let db = (mx - (b[0].x0 + b[0].x1) / 2.0).abs()
                    - if mx >= b[0].x0 && mx <= b[0].x1 {
                        1e4
                    } else {
                        0.0
                    };
                da.total_cmp(&db)
            })
            .map(|(i, _)| i);
        match best {
            Some(i) => clusters[i].push(m),
            None => clusters.push(vec![m]),
        }
    }
    let center = |c: &Vec<G>| (c[0].x0 + c[0].x1) / 2.0;
    if rtl {
        clusters.sort_by(|a, b| center(b).total_cmp(&center(a)));
        // Runs of left-to-right clusters (digits, Latin) read left to right.
        let ltr = |c: &Vec<G>| !c[0].rtl && !c[0].space;
        let mut i = 0;
        while i < clusters.len() {
            if ltr(&clusters[i]) {
                let mut j = i;
                while j + 1 < clusters.len()
                    && (ltr(&clusters[j + 1])
                        || (clusters[j + 1][0].space
                            && j + 2 < clusters.len()
                            && ltr(&clusters[j + 2])))
                {
                    j += 1;
                }
                clusters[i..=j].reverse();
                i = j + 1;
            } else {
                i += 1;
            }
        }
    } else {
        // Chunks were joined by x; keep drawing order inside, but order pieces by x.
        let mut pieces: Vec<Vec<Vec<G>>> = Vec::new();
        for c in clusters {
            let new_piece = match pieces.last().and_then(|p| p.last()) {
                Some(prev) => {
                    c[0].x0 < prev[0].x0 - 0.6 * c[0].size.max(prev[0].size) && !c[0].space
                }
                None => true,
            };
            if new_piece {
                pieces.push(vec![c]);
            } else if let Some(p) = pieces.last_mut() {
                p.push(c);
            }
        }
        if pieces.len() > 1 {
            pieces.sort_by(|a, b| a[0][0].x0.total_cmp(&b[0][0].x0));
        }
        clusters = pieces.into_iter().flatten().collect();
    }
    let mut text = String::new();
    let mut chars = Vec::new();
    let mut prev: Option<G> = None;
    let mut pending_space = false;
    let mut prev_text: &str = "";
    let n = clusters.len();
    for (ci, c) in clusters.iter().enumerate() {
        let base = c[0];
        if base.space {
            pending_space = prev.is_some();
            continue;
        }
        if let Some(p) = prev {
            let gap = if rtl { p.x0 - base.x1 } else { base.x0 - p.x1 };
            let size = p.size.min(base.size).max(0.1);
            // Scripts written without spaces get spaces only from space glyphs: their gaps
            // are justification and punctuation glue.
            let unspaced = text.chars().next_back().is_some_and(no_space_script)
                || glyphs[base.idx]
                    .text
                    .chars()
                    .next()
                    .is_some_and(no_space_script);
            if pending_space || (gap > WORD_GAP * size && !unspaced) {
                text.push(' ');
            }
        }
        pending_space = false;
        if c.len() > 1 {
            // A base with combining marks: composed (NFC), every character boxed by the
            // union of the cluster's glyphs.
            let mut raw = String::new();
            for g in c {
                for ch in glyphs[g.idx].text.chars() {
                    if ch != '\u{AD}' {
                        expand(ch, &mut raw);
                    }
                }
            }
            let start = text.len();
            text.extend(raw.nfc());
            let mut r = glyph_rect(&glyphs[c[0].idx]);
            for g in &c[1..] {
                r = r.union(&glyph_rect(&glyphs[g.idx]));
            }
            for (off, ch) in text[start..].char_indices() {
                if !ch.is_whitespace() {
                    let a = (start + off) as u32;
                    chars.push((a, a + ch.len_utf8() as u32, r));
                }
            }
            prev = Some(base);
            continue;
        }
        {
            let glyph = &glyphs[base.idx];
            // A shaper may split one character into two glyphs and map both (Thai SARA AM
            // = NIKHAHIT + SARA AA): drop the second when the first already decomposes to it.
            if !rtl && !prev_text.is_empty() && !pending_space {
                let decomposed: String = prev_text.nfkd().collect();
                if decomposed != prev_text && decomposed.ends_with(glyph.text.as_str()) {
                    prev_text = "";
                    continue;
                }
            }
            prev_text = glyph.text.as_str();
            let start = text.len();
            let last_glyph = ci + 1 == n;
            for ch in glyph.text.chars() {
                if ch == '\u{AD}' {
                    if last_glyph {
                        text.push('-');
                    }
                } else {
                    expand(ch, &mut text);
                }
            }
            if glyph.text.chars().any(is_mark) {
                // A glyph mapped to base + marks: compose in place.
                let composed: String = text[start..].nfc().collect();
                text.truncate(start);
                text.push_str(&composed);
            }
            let end = text.len();
            if end > start {
                let r = glyph_rect(glyph);
                let piece = &text[start..end];
                let k = piece.chars().filter(|c| !c.is_whitespace()).count().max(1) as f32;
                let mut j = 0.0;
                for (off, ch) in piece.char_indices() {
                    if ch.is_whitespace() {
                        continue;
                    }
                    let (a, b) = (j / k, (j + 1.0) / k);
                    let sub = split_rect(glyph, r, a, b);
                    chars.push((
                        (start + off) as u32,
                        (start + off + ch.len_utf8()) as u32,
                        sub,
                    ));
                    j += 1.0;
                }
            }
        }
        prev = Some(base);
    }
    (text, chars)
}

fn glyph_rect(g: &Glyph) -> Rect {
    quad_rect(g, 0.0, 1.0)
}

fn quad_rect(g: &Glyph, a: f32, b: f32) -> Rect {
    let pts = [(a, -0.2f32), (b, -0.2), (a, 0.8), (b, 0.8)];
    let mut r = Rect {
        x0: f32::INFINITY,
        y0: f32::INFINITY,
        x1: f32::NEG_INFINITY,
        y1: f32::NEG_INFINITY,
    };
    for (t, s) in pts {
        let x = g.x + t * g.adv.0 + s * g.up.0;
        let y = g.y + t * g.adv.1 + s * g.up.1;
        r.x0 = r.x0.min(x);
        r.y0 = r.y0.min(y);
        r.x1 = r.x1.max(x);
        r.y1 = r.y1.max(y);
    }
    r
}

fn split_rect(g: &Glyph, whole: Rect, a: f32, b: f32) -> Rect {
    if a == 0.0 && b == 1.0 {
        whole
    } else {
        quad_rect(g, a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(out: &mut Vec<Glyph>, s: &str, x: f32, y: f32, size: f32) -> f32 {
        let mut x = x;
        for ch in s.chars() {
            let w = if ch == ' ' { 0.25 } else { 0.5 } * size;
            out.push(Glyph {
                text: ch.to_string(),
                x,
                y,
                adv: (w, 0.0),
                up: (0.0, size),
                suspect: false,
            });
            x += w;
        }
        x
    }

    fn text(l: &PageLayout) -> String {
        let mut s = String::new();
        for line in &l.lines {
            if line.para_before && !s.is_empty() {
                s.push('\n');
            }
            s.push_str(&line.text);
            s.push('\n');
        }
        s
    }

    #[test]
    fn words_from_gaps_and_spaces() {
        let mut g = Vec::new();
        let x = word(&mut g, "Hello", 100.0, 700.0, 10.0);
        word(&mut g, "world", x + 3.0, 700.0, 10.0);
        word(&mut g, "a b", 100.0, 688.0, 10.0);
        let l = layout(&g, [0.0, 0.0, 612.0, 792.0], [0.0, 0.0, 612.0, 792.0]);
        assert_eq!(text(&l), "Hello world\na b\n");
        assert_eq!(l.lines[0].chars.len(), 10);
    }

    #[test]
    fn two_columns_read_column_by_column() {
        let mut g = Vec::new();
        word(
            &mut g,
            "Title of the page spanning both columns",
            80.0,
            760.0,
            14.0,
        );
        for i in 0..6 {
            let y = 700.0 - 12.0 * i as f32;
            word(&mut g, &format!("left{i} aaaa bbbb cccc"), 72.0, y, 10.0);
        }
        for i in 0..6 {
            let y = 700.0 - 12.0 * i as f32;
            word(&mut g, &format!("right{i} aaaa bbbb cccc"), 320.0, y, 10.0);
        }
        let l = layout(&g, [0.0, 0.0, 612.0, 792.0], [0.0, 0.0, 612.0, 792.0]);
        let t = text(&l);
        let order: Vec<&str> = t
            .split_whitespace()
            .filter(|w| w.starts_with("left") || w.starts_with("right"))
            .collect();
        assert_eq!(
            order,
            vec![
                "left0", "left1", "left2", "left3", "left4", "left5", "right0", "right1", "right2",
                "right3", "right4", "right5"
            ]
        );
        assert!(t.starts_with("Title of the page"));
    }

    #[test]
    fn rotated_text_reads_upright() {
        // Text running upwards (as on a /Rotate 90 page drawn rotated): glyph tops point to -x,
        // so the next line lies to the right.
        let mut g = Vec::new();
        for (k, line) in ["first line", "second line"].iter().enumerate() {
            let mut y = 100.0;
            for ch in line.chars() {
                g.push(Glyph {
                    text: ch.to_string(),
                    x: 300.0 + 14.0 * k as f32,
                    y,
                    adv: (0.0, 5.0),
                    up: (-10.0, 0.0),
                    suspect: false,
                });
                y += 5.0;
            }
        }
        let l = layout(&g, [0.0, 0.0, 612.0, 792.0], [0.0, 0.0, 612.0, 792.0]);
        assert_eq!(text(&l), "first line\nsecond line\n");
    }

    #[test]
    fn ligatures_and_soft_hyphens() {
        let mut g = Vec::new();
        word(
            &mut g,
            "\u{FB01}nd of\u{AD}ten exam\u{AD}",
            100.0,
            700.0,
            10.0,
        );
        let l = layout(&g, [0.0, 0.0, 612.0, 792.0], [0.0, 0.0, 612.0, 792.0]);
        assert_eq!(l.lines[0].text, "find often exam-");
    }

    #[test]
    fn paragraphs_from_vertical_gaps() {
        let mut g = Vec::new();
        let mut y = 700.0;
        for i in 0..3 {
            word(
                &mut g,
                &format!("line{i} of the first paragraph goes on"),
                72.0,
                y,
                10.0,
            );
            y -= 12.0;
        }
        y -= 12.0;
        for i in 0..3 {
            word(
                &mut g,
                &format!("line{i} of the second paragraph goes on"),
                72.0,
                y,
                10.0,
            );
            y -= 12.0;
        }
        let l = layout(&g, [0.0, 0.0, 612.0, 792.0], [0.0, 0.0, 612.0, 792.0]);
        let paras: Vec<bool> = l.lines.iter().map(|l| l.para_before).collect();
        assert_eq!(paras, vec![true, false, false, true, false, false]);
    }
}
