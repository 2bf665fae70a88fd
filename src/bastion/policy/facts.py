"""What rules can read about a request: `Facts`, computed lazily (the joined text, token estimate and PII
labels only when a rule asks), and the attribute table that `when.expr` names resolve against.

Content scores: rules read `scores.<check>` (`SCORE_NAMES`, the content guard's text checks; any other
name is a compile error) in `expr`. `Facts.scores` holds what the guard already computed for the request;
a score not there is computed on first read by `Facts.scorer` (`bastion.guard`: `(check, text) -> score`),
on the request's text or, on response rules, the output's. Null only when no scorer is set.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from bastion.apis import registry

Detector = Callable[[str], list[Any]]  # text -> spans with `.label` (bastion.pii.PiiEngine.detect)
Scorer = Callable[[str, str], float | None]  # (check, text) -> 0..1 (bastion.guard.Guardrails.policy_score)
_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "cookie", "proxy-authorization"})


class Facts:
    """One request's attributes. `texts` are its text segments (request side, or a response's output);
    `detect` runs PII detection on one text and `spans` caches the result per text, shared with the PII
    stage so nothing is detected twice."""

    __slots__ = (
        "_labels", "_now", "_text", "_tokens", "api", "app", "detect", "headers", "key_id", "key_name",
        "max_tokens", "messages", "model", "role", "scorer", "scores", "spans", "stream", "team", "team_id",
        "texts", "tools", "use_case", "user",
    )  # fmt: skip

    def __init__(
        self,
        *,
        api: str = registry.DEFAULT.name,
        model: str = "",
        texts: list[str] | None = None,
        headers: Mapping[str, str] | None = None,
        team: str | None = None,
        team_id: str | None = None,
        key_id: str | None = None,
        key_name: str | None = None,
        user: str | None = None,
        role: str | None = None,
        stream: bool = False,
        max_tokens: int | None = None,
        tools: int = 0,
        messages: int = 0,
        use_case: str | None = None,
        app: str | None = None,
        detect: Detector | None = None,
        spans: dict[str, list[Any]] | None = None,
        now: float | None = None,
    ) -> None:
        self.api = api
        self.model = model
        self.texts = texts or []
        self.headers = headers or {}
        self.team, self.team_id, self.key_id, self.key_name = team, team_id, key_id, key_name
        self.user, self.role = user, role
        self.stream, self.max_tokens, self.tools, self.messages = stream, max_tokens, tools, messages
        self.use_case, self.app = use_case, app
        self.detect = detect
        self.spans = spans if spans is not None else {}
        self.scores: dict[str, float] = {}
        self.scorer: Scorer | None = None
        self._now = now
        self._text: str | None = None
        self._tokens: int | None = None
        self._labels: frozenset[str] | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "\n".join(self.texts)
        return self._text

    @property
    def prompt_tokens(self) -> int:
        """An estimate (4 characters a token), good enough for limits; exact counts need the provider."""
        if self._tokens is None:
            self._tokens = (len(self.text) + 3) // 4
        return self._tokens

    def pii_labels(self) -> frozenset[str]:
        if self._labels is None:
            labels: set[str] = set()
            if self.detect is not None:
                for text in self.texts:
                    spans = self.spans.get(text)
                    if spans is None:
                        spans = self.spans[text] = self.detect(text) if text else []
                    labels.update(s.label for s in spans)
            self._labels = frozenset(labels)
        return self._labels

    @property
    def now(self) -> float:
        if self._now is None:
            self._now = time.time()
        return self._now

    def score(self, name: str) -> float | None:
        """A content score of this text: the one already known, else computed (and kept)."""
        value = self.scores.get(name)
        if value is None and self.scorer is not None:
            value = self.scorer(name, self.text)
            if value is not None:
                self.scores[name] = value
        return value

    def header(self, name: str) -> str | None:
        return None if name in _SECRET_HEADERS else self.headers.get(name)

    def with_texts(self, texts: list[str]) -> Facts:
        """The same request with other text (a response's output): scores and PII labels start afresh."""
        other = Facts.__new__(Facts)
        for slot in Facts.__slots__:
            setattr(other, slot, getattr(self, slot))
        other.texts, other.spans, other.scores = texts, {}, {}
        other._text, other._tokens, other._labels = None, None, None
        return other
