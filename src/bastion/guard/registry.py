"""The checks, by the name used in config, audit records and `scores.<name>`: one explicit dict.

Each factory takes the shared dependencies and returns an object with `name`, `threshold` (default),
`where` (default places) and `score(text) -> float` (0..1). The judge's `score` is async (it calls a
model through the gateway) and is built by `bastion.guard.judge`, not here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bastion.guard.checks import pii, prompt_injection, toxicity


class Scorer(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def threshold(self) -> float: ...

    @property
    def where(self) -> tuple[str, ...]: ...

    def score(self, text: str) -> float: ...


@dataclass(slots=True)
class Deps:
    detect: Callable[[str], list[Any]] | None = None  # the PII engine's detect (None: PII off)


CHECKS: dict[str, Callable[[Deps], Scorer]] = {
    "prompt_injection": lambda deps: prompt_injection.Check(),
    "toxicity": lambda deps: toxicity.Check(),
    "pii": lambda deps: pii.Check("pii", deps.detect),
    "secrets": lambda deps: pii.Check("secrets", deps.detect),
}
MODEL_CHECKS = ("prompt_injection", "toxicity")  # the shipped classifiers: `bastion guard scan`'s default
ASYNC_CHECKS = ("judge",)


def build(names: list[str] | tuple[str, ...], deps: Deps) -> dict[str, Scorer]:
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        known = ", ".join([*CHECKS, *ASYNC_CHECKS])
        raise ValueError(f"unknown check(s): {', '.join(unknown)} (known: {known})")
    return {name: CHECKS[name](deps) for name in names}
