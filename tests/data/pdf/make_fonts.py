"""Makes the font fixtures of tests/integration/pdf.rs (fonts without a Unicode map).

    pip install fonttools==4.68.0 && python3 make_fonts.py

* symbolic-3-0.ttf: a DejaVu Sans subset (Bitstream Vera licence, redistributable) whose only
  `cmap` subtable is the symbolic (3,0) one, codes 0xF001.. in the order of TEXT's distinct
  characters, with `post` glyph names.
* mac-1-0.ttf: the same glyphs with only a Macintosh (1,0) subtable (codes 1..).
* custom-enc.cff: a bare CFF font (empty outlines) whose built-in encoding puts the same
  glyphs at codes 1.. (a custom encoding, not StandardEncoding).
The PDF shows codes 1, 2, ... ; without the font program nothing maps them to text.
"""
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen

TEXT = "Forced labour: 12 workers held at the farm"
chars = []
for c in TEXT:
    if c not in chars:
        chars.append(c)

src = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
opts = subset.Options()
opts.glyph_names = True
opts.notdef_outline = True
opts.name_IDs = []
opts.layout_features = []
opts.hinting = False
font = TTFont(src)
sub = subset.Subsetter(opts)
sub.populate(text="".join(chars))
sub.subset(font)
cmap = font.getBestCmap()
names = [cmap[ord(c)] for c in chars]
for kind, (pid, eid), base in (("symbolic-3-0.ttf", (3, 0), 0xF001), ("mac-1-0.ttf", (1, 0), 1)):
    t = CmapSubtable.newSubtable(4 if pid == 3 else 6)
    t.platformID, t.platEncID, t.language = pid, eid, 0
    t.cmap = {base + i: n for i, n in enumerate(names)}
    font["cmap"].tables = [t]
    font["post"].formatType = 2.0
    font.save(kind)

glyphs = [".notdef"] + names
fb = FontBuilder(1000, isTTF=False)
fb.setupGlyphOrder(glyphs)
fb.setupCharacterMap({})
pen = T2CharStringPen(500, None)
cs = {g: pen.getCharString() for g in glyphs}
fb.setupCFF("RedflagTest-Custom", {"FullName": "RedflagTest Custom"}, cs, {})
top = fb.font["CFF "].cff.topDictIndex[0]
enc = [".notdef"] * 256
for i, n in enumerate(names):
    enc[1 + i] = n
top.Encoding = enc
fb.setupHorizontalMetrics({g: (500, 0) for g in glyphs})
fb.setupHorizontalHeader()
fb.setupPost()
fb.setupOS2()
fb.setupNameTable({"familyName": "RedflagTest", "styleName": "Custom"})
fb.save("/tmp/custom-enc.otf")
f = TTFont("/tmp/custom-enc.otf")
open("custom-enc.cff", "wb").write(f.getTableData("CFF "))
print(chars, names)
