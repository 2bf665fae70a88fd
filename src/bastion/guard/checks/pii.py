"""`pii` and `secrets`: the PII stage's findings as checks. Detection stays in `bastion.pii` (the PII
stage runs it once per request); these read its counts (`ctx.annotations["pii"]`, `["pii_response"]`).
Standalone (`bastion guard scan`) they run the PII engine on the text. Score: 1.0 when anything was found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SECRET_LABELS = frozenset({"SECRET"})
THRESHOLD = 0.5
WHERE = ("prompt", "response")


def count(summary: dict[str, Any] | None, secrets: bool) -> int:
    """Findings in a PII summary (`{label: {action: n}}` or `{label: n}`), secrets or the rest."""
    total = 0
    for label, value in (summary or {}).items():
        if (label in SECRET_LABELS) != secrets:
            continue
        total += sum(value.values()) if isinstance(value, dict) else int(value or 0)
    return total


class Check:
    threshold = THRESHOLD
    where = WHERE

    def __init__(self, name: str, detect: Callable[[str], list[Any]] | None) -> None:
        self.name = name
        self.secrets = name == "secrets"
        self.detect = detect

    def score(self, text: str) -> float:
        if self.detect is None:
            raise RuntimeError("PII detection is off (pii.enabled: false)")
        labels = [s.label for s in self.detect(text)]
        found = sum(1 for label in labels if (label in SECRET_LABELS) == self.secrets)
        return 1.0 if found else 0.0
