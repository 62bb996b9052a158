#!/usr/bin/env bash
# PDF extraction benchmark: accuracy on ../shared/extract-bench/dev (scored by its score.py)
# and coverage, failures and speed on ../shared/corpus/dev, side by side with poppler's
# pdftotext. Prints the figures; writes nothing into the repository.
#
#   tests/bench/extract.sh            # builds target/release/redflag if it is missing
#   REDFLAG_BIN=path tests/bench/extract.sh
#
# Needs python3 and pdftotext (apt-get update && apt-get install -y poppler-utils); mutool
# (apt-get install -y mupdf-tools) is compared too when it is installed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="$ROOT/../shared"
BIN="${REDFLAG_BIN:-$ROOT/target/release/redflag}"
if [ ! -x "$BIN" ]; then
  (cd "$ROOT" && cargo build --release --quiet)
fi
if ! command -v pdftotext >/dev/null 2>&1; then
  echo "pdftotext not found: apt-get update && apt-get install -y poppler-utils" >&2
  exit 2
fi
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
export BIN SHARED OUT
python3 - <<'PY'
import os, re, subprocess, sys, time, json

BIN, SHARED, OUT = os.environ["BIN"], os.environ["SHARED"], os.environ["OUT"]

def run(cmd, timeout, keep_stderr=True):
    """Runs cmd; returns (rc, seconds, stdout bytes, stderr text, 0)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE if keep_stderr else subprocess.DEVNULL)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return None, time.perf_counter() - t, b"", "timeout", 0
    dt = time.perf_counter() - t
    return p.returncode, dt, out, (err or b"").decode("utf-8", "replace"), 0

def rss_of(cmd, timeout):
    """Max RSS of cmd in KiB, measured by /usr/bin/time (a small launcher: Linux carries the
    launcher's peak over exec into the child's figure)."""
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=timeout)
    last = p.stderr.decode("utf-8", "replace").strip().splitlines()
    return int(last[-1]) if last and last[-1].isdigit() else None

# ---------------------------------------------------------------- 1. extract-bench
bench = os.path.join(SHARED, "extract-bench")
for tool in ("redflag", "pdftotext"):
    os.makedirs(os.path.join(OUT, tool), exist_ok=True)
for f in sorted(os.listdir(os.path.join(bench, "dev"))):
    if not f.endswith(".pdf"):
        continue
    src = os.path.join(bench, "dev", f)
    name = f[:-4]
    rc, dt, out, err, _ = run([BIN, "extract", src], 120)
    with open(os.path.join(OUT, "redflag", name + ".txt"), "wb") as fh:
        fh.write(out)
    subprocess.run(["pdftotext", "-enc", "UTF-8", src, os.path.join(OUT, "pdftotext", name + ".txt")],
                   stderr=subprocess.DEVNULL)
score = os.path.join(bench, "score.py")
man = os.path.join(bench, "MANIFEST.tsv")
print("== extract-bench dev: redflag (score.py) ==")
sys.stdout.flush()
subprocess.run([sys.executable, score, os.path.join(OUT, "redflag"), os.path.join(bench, "dev"), "--manifest", man,
                "--label", "redflag", "--json", os.path.join(OUT, "redflag.json")])
subprocess.run([sys.executable, score, os.path.join(OUT, "pdftotext"), os.path.join(bench, "dev"), "--manifest", man,
                "--label", "pdftotext", "--quiet", "--json", os.path.join(OUT, "pdftotext.json")],
               stdout=subprocess.DEVNULL)
print("\n== extract-bench dev: overall, redflag vs pdftotext ==")
for tool in ("redflag", "pdftotext"):
    s = json.load(open(os.path.join(OUT, tool + ".json")))["summary"]["overall"]
    print(f"  {tool:10s} char_acc {s['char_acc']:.3f}  word_f1 {s['word_f1']:.3f}  order {s['order']:.3f}  "
          f"furn_leak {s['furn_leak']:.3f}")

# ---------------------------------------------------------------- 2. corpus
corpus = os.path.join(SHARED, "corpus", "dev")
files = sorted(f for f in os.listdir(corpus) if f.endswith(".pdf"))
import shutil
MUTOOL = shutil.which("mutool")
rows = []
for f in files:
    src = os.path.join(corpus, f)
    r = {"file": f}
    rc, dt, out, err, _ = run([BIN, "extract", src], 60)
    text = out.decode("utf-8", "replace")
    r["rf_ok"] = rc == 0 and text.strip() != ""
    r["rf_time"], r["rf_pages"] = dt, text.count("\f")
    r["rf_hang"] = rc is None
    r["rf_panic"] = "internal error" in err or "panicked" in err
    lines = [l for l in err.splitlines() if l.strip() and "warning:" not in l]
    r["rf_reason"] = lines[0] if lines else ("no text" if rc == 0 else f"exit {rc}")
    m = re.search(r"extract: (\d+) pages \((\d+) need OCR\)", err)
    r["rf_all_pages"], r["rf_ocr_pages"] = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    r["mu_ok"] = None
    if MUTOOL:
        rc3, _, out3, _, _ = run(["mutool", "draw", "-q", "-F", "txt", "-o", "-", src], 120)
        r["mu_ok"] = rc3 == 0 and out3.strip() != b""
    rc2, dt2, _, err2, _ = run(["pdftotext", "-enc", "UTF-8", src, os.path.join(OUT, "pt.txt")], 120,
                                 keep_stderr=False)
    # Stream the output: a bomb can make pdftotext write gigabytes, and this process's size
    # would then show up in every later child's max RSS (Linux keeps it across exec).
    pt_pages, pt_text = 0, False
    if rc2 == 0 and os.path.exists(os.path.join(OUT, "pt.txt")):
        with open(os.path.join(OUT, "pt.txt"), "rb") as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                pt_pages += chunk.count(b"\f")
                pt_text = pt_text or chunk.strip() != b""
    if os.path.exists(os.path.join(OUT, "pt.txt")):
        os.remove(os.path.join(OUT, "pt.txt"))
    r["pt_ok"] = rc2 == 0 and pt_text
    r["pt_time"], r["pt_pages"] = dt2, pt_pages
    r["pt_hang"] = rc2 is None
    rows.append(r)

print(f"\n== corpus dev ({len(files)} PDFs) ==")
mu = f", mutool {sum(bool(r['mu_ok']) for r in rows)}" if MUTOOL else " (mutool not installed)"
print(f"  files with text: redflag {sum(r['rf_ok'] for r in rows)}, pdftotext {sum(r['pt_ok'] for r in rows)}{mu}")
all_pages = sum(r["rf_all_pages"] for r in rows)
ocr_pages = sum(r["rf_ocr_pages"] for r in rows)
print(f"  pages sent to OCR by redflag: {ocr_pages} of {all_pages} ({100 * ocr_pages / max(all_pages, 1):.1f}%)")
print(f"  redflag panics {sum(r['rf_panic'] for r in rows)}, hangs (>60 s) {sum(r['rf_hang'] for r in rows)}; "
      f"pdftotext hangs (>120 s) {sum(r['pt_hang'] for r in rows)}")
print("  redflag without text (one-line reasons):")
for r in rows:
    if not r["rf_ok"]:
        mu = "" if r["mu_ok"] is None else f", mutool: {'text' if r['mu_ok'] else 'none'}"
        print(f"    {r['file']}: {r['rf_reason'][:160]}  [pdftotext: {'text' if r['pt_ok'] else 'none'}{mu}]")
only_pt = [r["file"] for r in rows if r["pt_ok"] and not r["rf_ok"]]
print(f"  text from pdftotext only: {only_pt}")
if MUTOOL:
    print(f"  text from mutool only: {[r['file'] for r in rows if r['mu_ok'] and not r['rf_ok']]}")
both = [r for r in rows if r["rf_ok"] and r["pt_ok"]]
pages = sum(r["rf_pages"] for r in both)
t_rf = sum(r["rf_time"] for r in both)
t_pt = sum(r["pt_time"] for r in both)
print(f"  speed over the {len(both)} files both read ({pages} pages, one process per file, one thread):")
print(f"    redflag   {t_rf:7.2f} s  {pages / t_rf:7.1f} pages/s")
print(f"    pdftotext {t_pt:7.2f} s  {pages / t_pt:7.1f} pages/s")
print(f"    ratio {t_pt / t_rf:.2f}x")
bombs = [r for r in rows if "bomb" in r["file"]]
for b in bombs:
    print(f"  decompression bomb {b['file']}: redflag {b['rf_time']:.2f} s, pdftotext "
          f"{'timeout' if b['pt_hang'] else format(b['pt_time'], '.2f') + ' s'}")
slow = sorted(rows, key=lambda r: -r["rf_time"])[:3]
print("  slowest for redflag: " + ", ".join(f"{r['file']} {r['rf_time']:.2f} s" for r in slow))
big = max(both, key=lambda r: r["rf_pages"]) if both else None
if big:
    kib = rss_of([BIN, "extract", os.path.join(corpus, big["file"])], 60)
    small = min(both, key=lambda r: r["rf_pages"])
    kib2 = rss_of([BIN, "extract", os.path.join(corpus, small["file"])], 60)
    print(f"  peak RSS: {big['file']} ({big['rf_pages']} pages) {kib / 1024:.0f} MiB; "
          f"{small['file']} ({small['rf_pages']} pages) {kib2 / 1024:.0f} MiB")
PY
