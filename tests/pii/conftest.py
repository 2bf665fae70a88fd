from __future__ import annotations

import pytest

from bastion.pii import PiiEngine, PiiSettings


@pytest.fixture(scope="session")
def engine() -> PiiEngine:
    return PiiEngine(PiiSettings())


def labels_of(engine: PiiEngine, text: str) -> list[tuple[str, str]]:
    return [(s.label, text[s.start : s.end]) for s in engine.detect(text)]
