//! The content-stream interpreter: a tolerant tokenizer and the text and graphics state
//! machine that turns a page's content (and its form XObjects) into positioned glyphs.
//!
//! Handled: `q/Q`, `cm`, `BT/ET`, `Tf`, `Tm`, `Td/TD/T*`, `Tc/Tw/Tz/TL/Ts`, `Tj/TJ/'/"`,
//! `Do` (forms recursively with a depth and cycle guard; images only counted), inline images
//! (skipped). Limits: operators per page and the document's deadline; hitting either keeps
//! the glyphs found so far and reports a warning.

use super::font::{Code, Font};
use super::objects::{as_dict, as_num, ascii_hex, Objects};
use lopdf::{Dictionary, Object, ObjectId};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Instant;

/// A 2-D affine matrix `[a b c d e f]` (row-vector convention, as in PDF).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matrix(pub [f32; 6]);

impl Matrix {
    /// The identity.
    pub const ID: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self × other`: apply `self` first, then `other`.
    pub fn then(&self, o: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = o.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    /// Transforms a point.
    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let [a, b, c, d, e, f] = self.0;
        (x * a + y * c + e, x * b + y * d + f)
    }

    /// Transforms a vector (no translation).
    pub fn vec(&self, x: f32, y: f32) -> (f32, f32) {
        let [a, b, c, d, _, _] = self.0;
        (x * a + y * c, x * b + y * d)
    }

    fn finite(self) -> Matrix {
        if self.0.iter().all(|v| v.is_finite() && v.abs() < 1e7) {
            self
        } else {
            Matrix::ID
        }
    }
}

/// One drawn glyph in the page's user space (before `/Rotate`).
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Unicode text (may be several characters, may be empty when unmapped).
    pub text: String,
    /// Origin on the baseline.
    pub x: f32,
    /// Origin on the baseline.
    pub y: f32,
    /// Advance vector of the glyph itself (without character or word spacing).
    pub adv: (f32, f32),
    /// Vector from the baseline up by one font size.
    pub up: (f32, f32),
    /// The text came from a font without a usable mapping.
    pub suspect: bool,
}

/// What interpreting one page produced.
#[derive(Debug, Default)]
pub struct PageContent {
    /// Glyphs in drawing order.
    pub glyphs: Vec<Glyph>,
    /// Images drawn (XObjects and inline).
    pub images: usize,
    /// Area of the largest image drawn, in square points of default user space.
    pub image_area: f32,
    /// Glyphs whose code had no Unicode mapping.
    pub unmapped: usize,
    /// Problems met (one line each, without the page number).
    pub warnings: Vec<String>,
    /// The operator limit or the deadline stopped interpretation.
    pub truncated: bool,
}

/// Document-wide caches shared by all pages.
#[derive(Default)]
pub struct Caches {
    fonts: HashMap<ObjectId, Rc<Font>>,
    forms: HashMap<ObjectId, Rc<Vec<u8>>>,
    /// Fonts that fell back to a guessed mapping (name, already warned).
    pub fallback_fonts: Vec<String>,
}

/// Limits for one page.
pub struct PageLimits {
    /// Most operators (including those inside forms).
    pub max_ops: usize,
    /// Deepest form nesting.
    pub max_depth: usize,
    /// Wall-clock deadline of the document.
    pub deadline: Instant,
}

#[derive(Debug, Clone)]
enum Operand {
    Num(f32),
    Str(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Operand>),
    Other,
}

#[derive(Clone)]
struct TextState {
    font: Option<Rc<Font>>,
    size: f32,
    char_space: f32,
    word_space: f32,
    hscale: f32,
    leading: f32,
    rise: f32,
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    text: TextState,
}

/// Interprets content streams.
pub struct Interpreter<'a, 'c> {
    objs: &'a Objects<'a>,
    caches: &'c mut Caches,
    limits: &'a PageLimits,
    out: PageContent,
    ops: usize,
    gs: GState,
    stack: Vec<GState>,
    tm: Matrix,
    tlm: Matrix,
    form_stack: Vec<ObjectId>,
    forms_run: usize,
    codes: Vec<Code>,
}

const MAX_OPERANDS: usize = 4096;
/// Most glyphs kept from one page: a dense page holds under 10,000; more is a form
/// fan-out or a generator gone wrong, whose repeated text would swamp the index.
pub const MAX_GLYPHS_PER_PAGE: usize = 50_000;
/// Most form XObjects run on one page (nested ones included): real pages draw at most a
/// few thousand (map symbols, stamps); a fan-out (forms drawing forms) grows exponentially.
pub const MAX_FORMS_PER_PAGE: usize = 20_000;
const MAX_GSTACK: usize = 256;
const MAX_ARRAY_DEPTH: usize = 16;

impl<'a, 'c> Interpreter<'a, 'c> {
    /// A fresh interpreter for one page.
    pub fn new(objs: &'a Objects<'a>, caches: &'c mut Caches, limits: &'a PageLimits) -> Self {
        Interpreter {
            objs,
            caches,
            limits,
            out: PageContent::default(),
            ops: 0,
            gs: GState {
                ctm: Matrix::ID,
                text: TextState {
                    font: None,
                    size: 0.0,
                    char_space: 0.0,
                    word_space: 0.0,
                    hscale: 1.0,
                    leading: 0.0,
                    rise: 0.0,
                },
            },
            stack: Vec::new(),
            tm: Matrix::ID,
            tlm: Matrix::ID,
            form_stack: Vec::new(),
            forms_run: 0,
            codes: Vec::new(),
        }
    }

    /// Runs a page's content with its resources and returns what was found.
    pub fn run_page(mut self, content: &[u8], resources: Option<&'a Dictionary>) -> PageContent {
        self.run(content, resources, 0);
        self.out
    }

    fn stopped(&self) -> bool {
        self.out.truncated
    }

    fn run(&mut self, data: &[u8], res: Option<&'a Dictionary>, depth: usize) {
        let mut lx = Lexer { data, pos: 0 };
        let mut operands: Vec<Operand> = Vec::new();
        while let Some(tok) = lx.next_token(0) {
            if self.stopped() {
                return;
            }
            match tok {
                Tok::Operand(o) => {
                    if operands.len() < MAX_OPERANDS {
                        operands.push(o);
                    }
                }
                Tok::Op(op) => {
                    self.ops += 1;
                    if self.ops > self.limits.max_ops {
                        self.out.truncated = true;
                        self.out.warnings.push(format!(
                            "limit: more than {} content operators, rest of page skipped",
                            self.limits.max_ops
                        ));
                        return;
                    }
                    if self.ops.is_multiple_of(4096) && Instant::now() > self.limits.deadline {
                        self.out.truncated = true;
                        self.out
                            .warnings
                            .push("limit: time budget spent, rest of page skipped".into());
                        return;
                    }
                    if op == b"BI" {
                        lx.skip_inline_image();
                        self.image_drawn();
                    } else {
                        self.op(op, &operands, res, depth);
                    }
                    operands.clear();
                }
            }
        }
    }

    fn op(&mut self, op: &[u8], a: &[Operand], res: Option<&'a Dictionary>, depth: usize) {
        let n = |i: usize| -> f32 {
            match a.get(i) {
                Some(Operand::Num(v)) => *v,
                _ => 0.0,
            }
        };
        let last_n = |k: usize| -> Option<Vec<f32>> {
            if a.len() < k {
                return None;
            }
            let v: Vec<f32> = a[a.len() - k..]
                .iter()
                .map(|o| match o {
                    Operand::Num(v) => *v,
                    _ => f32::NAN,
                })
                .collect();
            v.iter().all(|x| x.is_finite()).then_some(v)
        };
        match op {
            b"q" if self.stack.len() < MAX_GSTACK => self.stack.push(self.gs.clone()),
            b"Q" => {
                if let Some(g) = self.stack.pop() {
                    self.gs = g;
                }
            }
            b"cm" => {
                if let Some(v) = last_n(6) {
                    let m = Matrix([v[0], v[1], v[2], v[3], v[4], v[5]]);
                    self.gs.ctm = m.then(&self.gs.ctm).finite();
                }
            }
            b"BT" => {
                self.tm = Matrix::ID;
                self.tlm = Matrix::ID;
            }
            b"ET" => {}
            b"Tf" => {
                if let (Some(Operand::Name(name)), Some(Operand::Num(size))) = (a.first(), a.get(1))
                {
                    self.gs.text.font = self.font(res, name);
                    self.gs.text.size = *size;
                }
            }
            b"Tc" => self.gs.text.char_space = n(0),
            b"Tw" => self.gs.text.word_space = n(0),
            b"Tz" => self.gs.text.hscale = n(0) / 100.0,
            b"TL" => self.gs.text.leading = n(0),
            b"Ts" => self.gs.text.rise = n(0),
            b"Td" => self.move_line(n(0), n(1)),
            b"TD" => {
                self.gs.text.leading = -n(1);
                self.move_line(n(0), n(1));
            }
            b"T*" => self.move_line(0.0, -self.gs.text.leading),
            b"Tm" => {
                if let Some(v) = last_n(6) {
                    self.tm = Matrix([v[0], v[1], v[2], v[3], v[4], v[5]]).finite();
                    self.tlm = self.tm;
                }
            }
            b"Tj" => {
                if let Some(Operand::Str(s)) = a.first() {
                    self.show(s);
                }
            }
            b"'" => {
                self.move_line(0.0, -self.gs.text.leading);
                if let Some(Operand::Str(s)) = a.first() {
                    self.show(s);
                }
            }
            b"\"" => {
                self.gs.text.word_space = n(0);
                self.gs.text.char_space = n(1);
                self.move_line(0.0, -self.gs.text.leading);
                if let Some(Operand::Str(s)) = a.get(2) {
                    self.show(s);
                }
            }
            b"TJ" => {
                if let Some(Operand::Array(items)) = a.first() {
                    for it in items {
                        match it {
                            Operand::Str(s) => self.show(s),
                            Operand::Num(v) => self.adjust(*v),
                            _ => {}
                        }
                    }
                }
            }
            b"Do" => {
                if let Some(Operand::Name(name)) = a.first() {
                    self.do_xobject(res, name, depth);
                }
            }
            _ => {}
        }
    }

    fn move_line(&mut self, tx: f32, ty: f32) {
        self.tlm = Matrix([1.0, 0.0, 0.0, 1.0, tx, ty])
            .then(&self.tlm)
            .finite();
        self.tm = self.tlm;
    }

    fn adjust(&mut self, v: f32) {
        let t = &self.gs.text;
        let vertical = t.font.as_ref().is_some_and(|f| f.vertical);
        let d = -v / 1000.0 * t.size;
        if vertical {
            self.tm = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, d]).then(&self.tm).finite();
        } else {
            self.tm = Matrix([1.0, 0.0, 0.0, 1.0, d * t.hscale, 0.0])
                .then(&self.tm)
                .finite();
        }
    }

    fn font(&mut self, res: Option<&'a Dictionary>, name: &[u8]) -> Option<Rc<Font>> {
        let fonts = self.objs.dict(res?, b"Font")?;
        let entry = fonts.get(name).ok()?;
        let id = match entry {
            Object::Reference(id) => Some(*id),
            _ => None,
        };
        if let Some(id) = id {
            if let Some(f) = self.caches.fonts.get(&id) {
                return Some(f.clone());
            }
        }
        let dict = as_dict(self.objs.resolve(entry))?;
        let font = Rc::new(Font::load(self.objs, dict));
        if font.fallback && !self.caches.fallback_fonts.contains(&font.name) {
            self.caches.fallback_fonts.push(font.name.clone());
        }
        if let Some(id) = id {
            self.caches.fonts.insert(id, font.clone());
        }
        Some(font)
    }

    fn show(&mut self, s: &[u8]) {
        let Some(font) = self.gs.text.font.clone() else {
            return;
        };
        let t = self.gs.text.clone();
        self.codes.clear();
        font.decode(s, &mut self.codes);
        let codes = std::mem::take(&mut self.codes);
        for c in &codes {
            let m = self.tm.then(&self.gs.ctm);
            let w = c.width / 1000.0 * t.size;
            let spacing = t.char_space + if c.word_space { t.word_space } else { 0.0 };
            if font.vertical {
                let (x, y) = m.apply(-w / 2.0, t.rise);
                let adv = m.vec(0.0, -t.size);
                let up = m.vec(t.size, 0.0);
                let _ = up;
                self.emit(c, &font, x, y, (adv.0, adv.1), m.vec(-adv.1, adv.0));
                let ty = -t.size - spacing;
                self.tm = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, ty])
                    .then(&self.tm)
                    .finite();
            } else {
                let (x, y) = m.apply(0.0, t.rise);
                let adv = m.vec(w * t.hscale, 0.0);
                let up = m.vec(0.0, t.size * font.vscale);
                self.emit(c, &font, x, y, adv, up);
                let tx = (w + spacing) * t.hscale;
                self.tm = Matrix([1.0, 0.0, 0.0, 1.0, tx, 0.0])
                    .then(&self.tm)
                    .finite();
            }
        }
        self.codes = codes;
    }

    fn emit(&mut self, c: &Code, font: &Font, x: f32, y: f32, adv: (f32, f32), up: (f32, f32)) {
        if c.unmapped {
            self.out.unmapped += 1;
            return;
        }
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        // Fake bold: the same glyph drawn again at (almost) the same place.
        let size = (up.0 * up.0 + up.1 * up.1).sqrt();
        let n = self.out.glyphs.len();
        for g in self.out.glyphs[n.saturating_sub(3)..].iter() {
            if g.text == c.text
                && (g.x - x).abs() < 0.12 * size
                && (g.y - y).abs() < 0.12 * size
                && !c.text.trim().is_empty()
            {
                return;
            }
        }
        if n >= MAX_GLYPHS_PER_PAGE {
            if !self.out.truncated {
                self.out.truncated = true;
                self.out.warnings.push(format!(
                    "limit: more than {MAX_GLYPHS_PER_PAGE} glyphs, rest of page skipped"
                ));
            }
            return;
        }
        self.out.glyphs.push(Glyph {
            text: c.text.clone(),
            x,
            y,
            adv,
            up,
            suspect: font.fallback,
        });
    }

    /// An image fills the unit square of the current transformation.
    fn image_drawn(&mut self) {
        self.out.images += 1;
        let m = self.gs.ctm.0;
        let area = (m[0] * m[3] - m[1] * m[2]).abs();
        if area.is_finite() && area > self.out.image_area {
            self.out.image_area = area;
        }
    }

    fn do_xobject(&mut self, res: Option<&'a Dictionary>, name: &[u8], depth: usize) {
        let Some(xobjs) = res.and_then(|r| self.objs.dict(r, b"XObject")) else {
            return;
        };
        let Ok(entry) = xobjs.get(name) else {
            return;
        };
        let id = match entry {
            Object::Reference(id) => Some(*id),
            _ => None,
        };
        let Object::Stream(stream) = self.objs.resolve(entry) else {
            return;
        };
        match self.objs.name(&stream.dict, b"Subtype") {
            Some(b"Image") => self.image_drawn(),
            Some(b"Form") => {
                if depth + 1 > self.limits.max_depth {
                    self.out.warnings.push(format!(
                        "limit: form XObjects nested deeper than {}",
                        self.limits.max_depth
                    ));
                    return;
                }
                if let Some(id) = id {
                    if self.form_stack.contains(&id) {
                        return;
                    }
                }
                self.forms_run += 1;
                if self.forms_run > MAX_FORMS_PER_PAGE {
                    self.out.truncated = true;
                    self.out.warnings.push(format!(
                        "limit: more than {MAX_FORMS_PER_PAGE} form XObjects drawn, rest of page skipped"
                    ));
                    return;
                }
                let data = match id.and_then(|id| self.caches.forms.get(&id).cloned()) {
                    Some(d) => d,
                    None => {
                        let d = self.objs.decode_stream(&stream.dict, &stream.content);
                        if let Some(e) = &d.error {
                            self.out.warnings.push(format!("form XObject: {e}"));
                        }
                        let d = Rc::new(d.data);
                        if let Some(id) = id {
                            self.caches.forms.insert(id, d.clone());
                        }
                        d
                    }
                };
                let saved = self.gs.clone();
                let saved_stack = self.stack.len();
                let (saved_tm, saved_tlm) = (self.tm, self.tlm);
                if let Some(m) = self.objs.array(&stream.dict, b"Matrix") {
                    let v: Vec<f32> = m
                        .iter()
                        .filter_map(|o| as_num(self.objs.resolve(o)))
                        .collect();
                    if v.len() == 6 {
                        self.gs.ctm = Matrix([v[0], v[1], v[2], v[3], v[4], v[5]])
                            .then(&self.gs.ctm)
                            .finite();
                    }
                }
                let form_res = self.objs.dict(&stream.dict, b"Resources").or(res);
                if let Some(id) = id {
                    self.form_stack.push(id);
                }
                self.run(&data, form_res, depth + 1);
                if id.is_some() {
                    self.form_stack.pop();
                }
                self.stack.truncate(saved_stack);
                self.gs = saved;
                self.tm = saved_tm;
                self.tlm = saved_tlm;
            }
            _ => {}
        }
    }
}

enum Tok<'d> {
    Operand(Operand),
    Op(&'d [u8]),
}

struct Lexer<'d> {
    data: &'d [u8],
    pos: usize,
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

impl<'d> Lexer<'d> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_ws(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn next_token(&mut self, depth: usize) -> Option<Tok<'d>> {
        loop {
            self.skip_ws();
            let c = self.peek()?;
            match c {
                b'(' => return Some(Tok::Operand(Operand::Str(self.literal()))),
                b'<' => {
                    if self.data.get(self.pos + 1) == Some(&b'<') {
                        self.pos += 2;
                        self.skip_dict(depth);
                        return Some(Tok::Operand(Operand::Other));
                    }
                    return Some(Tok::Operand(Operand::Str(self.hex())));
                }
                b'/' => {
                    self.pos += 1;
                    return Some(Tok::Operand(Operand::Name(self.name())));
                }
                b'[' => {
                    self.pos += 1;
                    let mut items = Vec::new();
                    loop {
                        self.skip_ws();
                        match self.peek() {
                            None => break,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => {}
                        }
                        if depth >= MAX_ARRAY_DEPTH {
                            self.pos += 1;
                            continue;
                        }
                        match self.next_token(depth + 1) {
                            Some(Tok::Operand(o)) => {
                                if items.len() < 1 << 16 {
                                    items.push(o)
                                }
                            }
                            Some(Tok::Op(_)) => {}
                            None => break,
                        }
                    }
                    return Some(Tok::Operand(Operand::Array(items)));
                }
                b']' | b'>' | b')' | b'{' | b'}' => {
                    self.pos += 1;
                    continue;
                }
                _ => {
                    let s = self.pos;
                    while let Some(c) = self.peek() {
                        if is_ws(c) || is_delim(c) {
                            break;
                        }
                        self.pos += 1;
                    }
                    let w = &self.data[s..self.pos];
                    if w.is_empty() {
                        self.pos += 1;
                        continue;
                    }
                    if let Some(v) = parse_num(w) {
                        return Some(Tok::Operand(Operand::Num(v)));
                    }
                    return Some(match w {
                        b"true" | b"false" | b"null" => Tok::Operand(Operand::Other),
                        _ => Tok::Op(w),
                    });
                }
            }
        }
    }

    fn skip_dict(&mut self, depth: usize) {
        let mut guard = 0;
        loop {
            self.skip_ws();
            match self.peek() {
                None => return,
                Some(b'>') => {
                    self.pos += 1;
                    if self.peek() == Some(b'>') {
                        self.pos += 1;
                    }
                    return;
                }
                _ => {}
            }
            if depth >= MAX_ARRAY_DEPTH || guard > 100_000 {
                self.pos += 1;
                continue;
            }
            guard += 1;
            if self.next_token(depth + 1).is_none() {
                return;
            }
        }
    }

    fn literal(&mut self) -> Vec<u8> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut depth = 1;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = (e - b'0') as u32;
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
        out
    }

    fn hex(&mut self) -> Vec<u8> {
        self.pos += 1;
        let rest = &self.data[self.pos.min(self.data.len())..];
        let end = rest
            .iter()
            .position(|&c| c == b'>')
            .map_or(rest.len(), |i| i + 1);
        self.pos += end;
        ascii_hex(&rest[..end])
    }

    fn name(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if is_ws(c) || is_delim(c) {
                break;
            }
            self.pos += 1;
            if c == b'#' {
                let h = self.data.get(self.pos..self.pos + 2).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|s| u8::from_str_radix(s, 16).ok())
                });
                if let Some(v) = h {
                    out.push(v);
                    self.pos += 2;
                    continue;
                }
            }
            out.push(c);
        }
        out
    }

    /// After `BI`: skips the image dictionary, `ID`, the data and `EI`.
    fn skip_inline_image(&mut self) {
        // The dictionary: tokens until the ID operator.
        let mut guard = 0;
        loop {
            guard += 1;
            match self.next_token(1) {
                None => return,
                Some(Tok::Op(b"ID")) => break,
                Some(_) if guard > 10_000 => return,
                Some(_) => {}
            }
        }
        self.pos += 1; // the single white-space byte after ID
        let data = self.data;
        let mut i = self.pos;
        while i + 1 < data.len() {
            if data[i] == b'E'
                && data[i + 1] == b'I'
                && i > 0
                && is_ws(data[i - 1])
                && data.get(i + 2).is_none_or(|&c| is_ws(c))
            {
                self.pos = i + 2;
                return;
            }
            i += 1;
        }
        self.pos = data.len();
    }
}

fn parse_num(w: &[u8]) -> Option<f32> {
    let first = *w.first()?;
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    let s = std::str::from_utf8(w).ok()?;
    if let Ok(v) = s.parse::<f32>() {
        return v.is_finite().then_some(v);
    }
    // Tolerate junk like "--5" or "1.2.3": keep the longest numeric prefix.
    let t = s.trim_start_matches(['-', '+']);
    let neg = s.starts_with('-');
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (c == '.' && !t[..i].contains('.'))))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    let v: f32 = t[..end]
        .parse()
        .ok()
        .or(if end == 0 { Some(0.0) } else { None })?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &[u8]) -> Vec<String> {
        let mut lx = Lexer { data: s, pos: 0 };
        let mut out = Vec::new();
        while let Some(t) = lx.next_token(0) {
            out.push(match t {
                Tok::Op(o) => format!("op:{}", String::from_utf8_lossy(o)),
                Tok::Operand(Operand::Num(v)) => format!("{v}"),
                Tok::Operand(Operand::Str(s)) => format!("s:{}", String::from_utf8_lossy(&s)),
                Tok::Operand(Operand::Name(s)) => format!("/{}", String::from_utf8_lossy(&s)),
                Tok::Operand(Operand::Array(a)) => format!("[{}]", a.len()),
                Tok::Operand(Operand::Other) => "other".into(),
            });
        }
        out
    }

    #[test]
    fn lexer_basics() {
        assert_eq!(
            toks(b"BT /F1 12 Tf (a\\(b\\)\\101) Tj [(x) -250 <4142>] TJ ET"),
            vec!["op:BT", "/F1", "12", "op:Tf", "s:a(b)A", "op:Tj", "[3]", "op:TJ", "op:ET"]
        );
        assert_eq!(
            toks(b"/P <</MCID 3>> BDC -.5 --2 Td"),
            vec!["/P", "other", "op:BDC", "-0.5", "-2", "op:Td"]
        );
    }

    #[test]
    fn inline_image_skipped() {
        let mut lx = Lexer {
            data: b"BI /W 2 /H 2 /BPC 8 ID \x00EI\xffBT junk EI Q",
            pos: 0,
        };
        assert!(matches!(lx.next_token(0), Some(Tok::Op(b"BI"))));
        lx.skip_inline_image();
        assert!(matches!(lx.next_token(0), Some(Tok::Op(b"Q"))));
    }

    #[test]
    fn unterminated_input_ends() {
        assert!(toks(b"[[[[ (abc").len() <= 2);
        assert_eq!(toks(b"<<<<").len(), 1);
    }

    #[test]
    fn matrices() {
        let m = Matrix([2.0, 0.0, 0.0, 2.0, 10.0, 5.0]);
        assert_eq!(m.apply(1.0, 1.0), (12.0, 7.0));
        let r = Matrix([0.0, 1.0, -1.0, 0.0, 0.0, 0.0]);
        assert_eq!(m.then(&r).apply(1.0, 0.0), (-5.0, 12.0));
    }
}
