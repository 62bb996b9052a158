#!/usr/bin/env bash
# Tagger benchmark: throughput on plain English text with every dictionary loaded (release
# build, one thread), then the gold scorer on the dev set.
#
#   tests/bench/tag.sh [SIZE_MB]   (default 300)
#
# The text is generated deterministically (tests/bench/gen_text.py, fixed seed) and cached in
# target/bench/. Throughput is measured by the bench binary `redflag-bench-tag`
# (tests/bench/tag.rs), which exits with 1 below REDFLAG_BENCH_MIN_MBPS (default 200).
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MB="${1:-300}"
TEXT="target/bench/english-${SIZE_MB}mb.txt"
mkdir -p target/bench
if [ ! -s "$TEXT" ]; then
    echo "generating $TEXT (${SIZE_MB} MB)..."
    python3 tests/bench/gen_text.py "$TEXT" "$SIZE_MB"
fi
echo "== throughput (release, 1 thread, all dictionaries)"
status=0
cargo build --release --features bench-tools --bin redflag-bench-tag 2>&1 | grep -E "^error" || true
./target/release/redflag-bench-tag "$TEXT" --min "${REDFLAG_BENCH_MIN_MBPS:-200}" || status=1

echo "== gold dev set (score.py)"
GOLD=../shared/gold/dev.jsonl
PRED=target/bench/dev-predictions.jsonl
REDFLAG_PREDICTIONS_OUT="$PRED" cargo test --release --test integration gold_dev_scores \
    -- --nocapture 2>&1 | grep -E "test result|panicked" || true
python3 ../shared/gold/score.py "$GOLD" "$PRED"
exit $status
