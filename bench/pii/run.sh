#!/usr/bin/env bash
# Accuracy (shared scorer: dev set, SECRET set) and latency of the built-in PII detector. Usage: bash bench/pii/run.sh
# Optional NER backend: BASTION_PII_NER_MODEL=<spaCy package or path> bash bench/pii/run.sh (needs [ner] extra).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
SCORER=${SCORER:-/work/shared/tools/pii_score.py}
GOLD=${GOLD:-/work/shared/data/pii/dev.jsonl}
"$PY" "$SCORER" --module bench/pii/detect.py:detect --gold "$GOLD" --latency 1000 "$@"
# SECRET precision/recall on the generated set (the dev set has no SECRET spans).
"$PY" "$SCORER" --module bench/pii/detect.py:detect --gold bench/pii/secrets.jsonl --labels SECRET --by-source
"$PY" bench/pii/latency.py
# Hand-written held-out sets (bench/pii/data/PROVENANCE.md) and detection time by text length.
L=PERSON,EMAIL,PHONE,SSN,CREDIT_CARD,IBAN,IP_ADDRESS,LOCATION,DATE_TIME,ID_NUMBER,URL,SECRET,ORG
"$PY" -m bastion pii eval bench/pii/data/heldout_handwritten.jsonl bench/pii/data/heldout_structured.jsonl \
    bench/pii/data/heldout_hard_negatives.jsonl --labels "$L" --by-language
"$PY" -m bastion pii eval bench/pii/data/heldout_special_categories.jsonl \
    --labels HEALTH,RELIGION,ETHNICITY,POLITICAL_OPINION,SEXUAL_ORIENTATION,TRADE_UNION,BIOMETRIC,GENETIC
"$PY" bench/pii/scaling.py
