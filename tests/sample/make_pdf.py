#!/usr/bin/env python3
"""Typesets the sample report into a small multi-page PDF (standard library only).

    python3 tests/sample/make_pdf.py tests/sample/labour-inspection-review.txt \
        tests/sample/collection/labour-inspection-review.pdf

Courier 10 pt, US Letter, a running header and a "Page N of M" footer on every page, so the
sample exercises page furniture. Paragraphs are separated by blank lines in the input.
"""
import sys
import textwrap

HEADER = "Labour Inspection Review - sample document"
LINES_PER_PAGE = 22
WIDTH = 88


def esc(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def main(src, dst):
    paras = [p.replace("\n", " ").strip() for p in open(src, encoding="utf-8").read().split("\n\n")]
    lines = []
    for p in paras:
        if p:
            lines.extend(textwrap.wrap(p, WIDTH))
            lines.append("")
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]
    objs = {1: "<< /Type /Catalog /Pages 2 0 R >>",
            3: "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
            4: "<< /Title (Labour Inspection Review) /Producer (redflag make_pdf.py) >>"}
    kids = []
    n = 5
    for i, page in enumerate(pages):
        ops = ["BT /F1 9 Tf 72 750 Td (%s) Tj ET" % esc(HEADER)]
        ops.append("BT /F1 10 Tf 12 TL 72 720 Td")
        for line in page:
            ops.append("(%s) Tj T*" % esc(line))
        ops.append("ET")
        ops.append("BT /F1 9 Tf 270 40 Td (Page %d of %d) Tj ET" % (i + 1, len(pages)))
        content = "\n".join(ops).encode("cp1252")
        objs[n] = "<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content.decode("cp1252"))
        objs[n + 1] = ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       "/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % n)
        kids.append("%d 0 R" % (n + 1))
        n += 2
    objs[2] = "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(out)
        out += ("%d 0 obj\n%s\nendobj\n" % (num, objs[num])).encode("cp1252")
    xref = len(out)
    size = max(objs) + 1
    out += ("xref\n0 %d\n0000000000 65535 f \n" % size).encode()
    for num in range(1, size):
        out += ("%010d 00000 n \n" % offsets[num]).encode()
    out += ("trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)).encode()
    open(dst, "wb").write(bytes(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
