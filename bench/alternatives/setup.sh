#!/bin/bash
# Creates the venv for bench/alternatives and bench/micro (never the project's own dependencies).
#   bench/alternatives/setup.sh          -> $BENCH_ALT_VENV (default ~/.cache/bastion-bench/alt-venv)
set -euo pipefail
VENV=${BENCH_ALT_VENV:-$HOME/.cache/bastion-bench/alt-venv}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x "$VENV/bin/python" ]; then
  mkdir -p "$(dirname "$VENV")"
  "$PY" -m venv "$VENV"
fi
# Same aiohttp / uvloop / orjson versions as Bastion's pyproject, plus the candidates measured against them.
"$VENV/bin/pip" install -q \
  aiohttp==3.14.5 uvloop==0.23.0 orjson==3.13.0 \
  httpx==0.28.1 uvicorn==0.54.0 httptools==0.9.0 granian==2.8.9 msgspec==0.22.0
echo "$VENV"
