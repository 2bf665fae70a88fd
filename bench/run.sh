#!/bin/bash
# Bastion's overhead benchmark: runs the public gateway-bench harness (nginx+lua mock upstream, wrk,
# gateways pinned with taskset) with Bastion's own gateway files from this folder.
#
#   bench/run.sh [harness options] GATEWAY...       e.g.
#   bench/run.sh --repeats 3 --conc 1,16,64 --stream 0,1 floor-aiohttp bastion-core
#   bench/run.sh --help                             the harness's options
#   python3 bench/summarize.py bench-results/<run>  medians / ratios table for RESULTS.md
#
# Gateways: the harness's own (floor-aiohttp, floor-starlette, litellm, ...) plus bench/gateways/*.toml:
#   bastion-core   issue 2's pipeline (PII detection off)      bastion-pii   default config (PII on)
#   alt-SERVER-CLIENT  minimal pass-throughs for choosing the server / client (bench/alternatives/setup.sh first)
#
# The harness is looked up in $BENCH_HARNESS, else ../shared/bench next to the repository. It is copied to
# a temporary folder (it may be read-only, and our gateway files are added to the copy); nothing of it is
# kept in this repository. Set it up once per machine with its setup.sh (Debian: nginx, libnginx-mod-http-lua,
# wrk, and the floor venv under ~/.cache/gateway-bench/peers).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
HARNESS=${BENCH_HARNESS:-$(dirname "$REPO")/shared/bench}
if [ ! -f "$HARNESS/bench.py" ]; then
  echo "harness not found at $HARNESS (set BENCH_HARNESS=/path/to/gateway-bench/bench)" >&2
  exit 2
fi
if [ -z "${BASTION_BIN:-}" ] && [ -x "$REPO/.venv/bin/bastion" ]; then
  export BASTION_BIN="$REPO/.venv/bin/bastion"
fi
export BENCH_ALT_VENV=${BENCH_ALT_VENV:-$HOME/.cache/bastion-bench/alt-venv}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bastion-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cp -r "$HARNESS" "$WORK/bench"
chmod -R u+w "$WORK/bench"
cp -r "$HERE/gateways/." "$WORK/bench/gateways/"
cp -r "$HERE/alternatives" "$WORK/bench/alternatives"

# results default to bench/results/<time> in the repo (not the temp copy)
args=("$@")
if [[ " $* " != *" --out "* && " $* " != *" --report "* && " $* " != *" --help "* && " $* " != *" -h "* ]]; then
  args=(--out "$HERE/results/$(date +%Y%m%d-%H%M%S)" "${args[@]}")
fi
echo "harness: $HARNESS (copy: $WORK/bench); bastion: ${BASTION_BIN:-bastion on PATH}; load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$WORK/bench/bench.py" "${args[@]}"
