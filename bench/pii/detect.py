"""Adapter for /work/shared/tools/pii_score.py: ``--module bench/pii/detect.py:detect``."""

from __future__ import annotations

import os

from bastion.pii import PiiEngine, PiiSettings, Span

_NER_MODEL = os.environ.get("BASTION_PII_NER_MODEL")
_ENGINE = PiiEngine(PiiSettings(ner={"model": _NER_MODEL} if _NER_MODEL else None))


def detect(text: str) -> list[Span]:
    return _ENGINE.detect(text)
