#!/usr/bin/env bash
# Indexing benchmark (issue 7): end-to-end wall time, throughput and peak memory of
# `redflag index` on a collection, a second (unchanged) run, and the same PDFs through
# poppler's `pdftotext` one after another for comparison.
#
#   tests/bench/index.sh [COLLECTION] [THREADS]
#   tests/bench/index.sh ../shared/corpus/dev 2
#   GEN_DOCS=10000 tests/bench/index.sh        # a generated collection (redflag-gen, seed 7)
#
# Needs poppler-utils and GNU time (installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${2:-2}
need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need pdftotext poppler-utils
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -q --features bench-tools --bins
BIN=./target/release/redflag
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -n "${GEN_DOCS:-}" ]; then
  COL="$WORK/collection"
  ./target/release/redflag-gen --docs "$GEN_DOCS" --seed 7 --out "$COL"
else
  COL=${1:-../shared/corpus/dev}
fi
files=$(find "$COL" -type f | wc -l)
echo "collection: $COL ($files files), $THREADS threads"

echo "== redflag index (first run, no OCR: the comparison with pdftotext)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$BIN" --index "$WORK/idx" --no-ocr index --threads "$THREADS" --timings "$COL" 2>&1 \
  | grep -v '^redflag: ' || true
echo "== redflag index, 1 thread (scaling)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$BIN" --index "$WORK/idx1" --no-ocr index --threads 1 --timings "$COL" 2>&1 \
  | grep -v '^redflag: ' | grep -E 'wall|index:' || true
rm -rf "$WORK/idx1"
echo "== redflag index (second run, unchanged)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$BIN" --index "$WORK/idx" index --threads "$THREADS" "$COL" 2>&1 \
  | grep -v '^redflag: ' || true

echo "== pdftotext, one file after another (time summed over the files it reads within 120 s)"
total=0; ok=0; failed=""
while IFS= read -r -d '' f; do
  start=$(date +%s.%N)
  if timeout 120 pdftotext -q "$f" "$WORK/out.txt" 2>/dev/null; then
    end=$(date +%s.%N); total=$(echo "$total + $end - $start" | bc); ok=$((ok+1))
  else
    failed="$failed $(basename "$f")"
  fi
done < <(find "$COL" -type f -name '*.pdf' -print0)
echo "pdftotext: $ok files read in $total s; not read (error or over 120 s):${failed:- none}"
