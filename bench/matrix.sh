#!/bin/bash
# Issue 18's whole benchmark matrix in one command: gateways floor-aiohttp, bastion-core (PII and audit
# off), bastion-full (the default configuration), bastion-guard (default + guardrails + 20 policy rules);
# prompts: the harness's 200-character ticket without personal data and its 500-character one with a name,
# e-mail, phone and account number; JSON and SSE; concurrency 1, 16, 64. One results folder per prompt
# under bench/results/<time>-matrix/, then one summary (medians, ratios, least-disturbed repeat) of both.
#
#   bench/matrix.sh                              # 2 repeats x 5 s (+2 s warm-up) per cell: ~15 minutes
#   bench/matrix.sh --repeats 3 --duration 10    # the figures for RESULTS.md on a quiet machine (~35 min)
#   bench/matrix.sh --quick                      # 1 repeat x 3 s, to check that everything runs (~5 min)
#   extra options go to bench/run.sh (the harness), e.g. --api openai,anthropic --upstream fast,slow
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
HARNESS=${BENCH_HARNESS:-$(dirname "$(dirname "$HERE")")/shared/bench}
REPEATS=2 DURATION=5 WARMUP=2
GATEWAYS="floor-aiohttp bastion-core bastion-full bastion-guard"
PROMPTS="nopii-200 pii-500"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) REPEATS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --gateways) GATEWAYS=${2//,/ }; shift 2 ;;
    --prompts) PROMPTS=${2//,/ }; shift 2 ;;
    --quick) REPEATS=1 DURATION=3 WARMUP=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done
OUT="$HERE/results/$(date +%Y%m%d-%H%M%S)-matrix"
mkdir -p "$OUT"
for prompt in $PROMPTS; do
  case "$prompt" in
    nopii-200) pargs=() ;;   # the harness's default prompt
    pii-500) pargs=(--prompt-file "$HARNESS/prompts/ticket-pii-500.txt") ;;
    *) echo "unknown prompt $prompt (nopii-200, pii-500)" >&2; exit 2 ;;
  esac
  # shellcheck disable=SC2086
  "$HERE/run.sh" --repeats "$REPEATS" --duration "$DURATION" --warmup "$WARMUP" --conc 1,16,64 --stream 0,1 \
    "${pargs[@]}" "${extra[@]}" --out "$OUT/$prompt" $GATEWAYS
done
{
  echo "# Benchmark matrix $(basename "$OUT")"
  echo
  echo "\`bench/matrix.sh --repeats $REPEATS --duration $DURATION --warmup $WARMUP ${extra[*]}\`"
  for prompt in $PROMPTS; do
    echo
    echo "## Prompt: $prompt"
    echo
    python3 "$HERE/summarize.py" "$OUT/$prompt"
  done
} > "$OUT/summary.md"
cat "$OUT/summary.md"
echo "summary: $OUT/summary.md"
