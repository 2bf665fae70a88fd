"""One builder per `when` key: each turns the document's value into a `Condition` whose check returns a
short reason when it holds (for the audit record and `bastion policy test`) or None when it does not.

Content conditions (text_matches, keywords, pii) read the text: the request's, or on response rules the
output's. Regexes of a whole rule set run as one RE2 set (`Probe.hits`): one linear scan for all rules.
To add a condition: a field on `document.When`, a builder here, a line in `BUILDERS`, a table row in
tests/policy/test_conditions.py.
"""

from __future__ import annotations

import fnmatch
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import re2

from bastion.config.policy_document import TimeWindow, When
from bastion.config.policy_expr import compile_expr
from bastion.config.policy_names import RESOLVER, WEEKDAYS
from bastion.config.policy_regex import compile_pattern, keyword_pattern
from bastion.policy.facts import Facts


class PatternTable:
    """Every pattern of one phase (request or response rules), as one RE2 set plus each compiled alone
    (for masking). `add` returns the pattern's index."""

    def __init__(self) -> None:
        self.patterns: list[str] = []
        self.compiled: list[Any] = []
        self._set: Any = None
        self._globs: dict[tuple[str, ...], Globs] = {}

    def globs(self, patterns: list[str]) -> Globs:
        """One shared matcher per distinct glob list (rules often repeat `models: ["gpt-*"]`)."""
        key = tuple(patterns)
        found = self._globs.get(key)
        if found is None:
            found = self._globs[key] = Globs(patterns)
        return found

    def add(self, pattern: str) -> int:
        self.patterns.append(pattern)
        self.compiled.append(compile_pattern(pattern))
        return len(self.patterns) - 1

    def build(self) -> None:
        if not self.patterns:
            return
        opts = re2.Options()
        opts.log_errors = False
        opts.max_mem = 64 << 20
        regex_set = re2.Set.SearchSet(opts)
        for p in self.patterns:
            regex_set.Add(p)
        regex_set.Compile()
        self._set = regex_set

    def hits(self, text: str) -> frozenset[int]:
        if self._set is None or not text:
            return frozenset()
        return frozenset(self._set.Match(text.encode("utf-8", "surrogatepass")) or ())


class Probe:
    """One evaluation's view of the facts: pattern hits computed once, on first need."""

    __slots__ = ("_hits", "facts", "table")

    def __init__(self, facts: Facts, table: PatternTable) -> None:
        self.facts = facts
        self.table = table
        self._hits: frozenset[int] | None = None

    @property
    def hits(self) -> frozenset[int]:
        if self._hits is None:
            self._hits = self.table.hits(self.facts.text)
        return self._hits


Test = Callable[[Probe], bool]
Why = Callable[[Probe], str]


@dataclass(frozen=True, slots=True)
class Condition:
    """`test` is the fast path; `why` words the reason, asked only for rules that matched."""

    name: str
    content: bool
    test: Test
    why: Why
    cost: int = 1  # evaluation order within a rule: 0 pattern-set lookups, 1 attributes, 2 expr, 3 PII
    patterns: frozenset[int] = frozenset()  # pattern ids, one of which must hit (rule pre-filter)


class Globs:
    """Glob patterns compiled into one anchored regex (globs have no nested repetition: linear)."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = patterns
        self._re = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))
        self._last: tuple[str | None, bool] = (None, False)  # the last answer: one model per request

    def first(self, value: str | None) -> str | None:
        if value is None or self._re.match(value) is None:
            return None
        return next((p for p in self.patterns if fnmatchcase(value, p)), None)

    def any(self, value: str | None) -> bool:
        last = self._last
        if value is last[0] and value is not None:
            return last[1]
        result = value is not None and self._re.match(value) is not None
        self._last = (value, result)
        return result


def text_matches(patterns: list[str], table: PatternTable) -> Condition:
    ids = {table.add(p): p for p in patterns}
    wanted = frozenset(ids)

    def why(p: Probe) -> str:
        return "text matches " + ", ".join(repr(ids[i]) for i in sorted(wanted & p.hits))

    return Condition("text_matches", True, lambda p: not wanted.isdisjoint(p.hits), why, 0, wanted)


def keywords(words: list[str], table: PatternTable) -> Condition:
    idx = table.add(keyword_pattern(words))
    return Condition(
        "keywords", True, lambda p: idx in p.hits, lambda p: "text contains a listed keyword", 0,
        frozenset({idx}),
    )  # fmt: skip


def pii(labels: list[str], _table: PatternTable) -> Condition:
    wanted = frozenset(labels)

    def why(p: Probe) -> str:
        return "PII detected: " + ", ".join(sorted(wanted & p.facts.pii_labels()))

    return Condition("pii", True, lambda p: not wanted.isdisjoint(p.facts.pii_labels()), why, 3)


def models(patterns: list[str], table: PatternTable) -> Condition:
    globs = table.globs(patterns)

    def why(p: Probe) -> str:
        return f"model {p.facts.model!r} matches {globs.first(p.facts.model)!r}"

    return Condition("models", False, lambda p: globs.any(p.facts.model), why)


def models_not(patterns: list[str], table: PatternTable) -> Condition:
    globs = table.globs(patterns)

    def why(p: Probe) -> str:
        return f"model {p.facts.model!r} matches none of {', '.join(patterns)}"

    return Condition("models_not", False, lambda p: not globs.any(p.facts.model), why)


def use_case(values: list[str], _table: PatternTable) -> Condition:
    accepted = frozenset(values)
    return Condition(
        "use_case", False, lambda p: p.facts.use_case in accepted, lambda p: f"use case {p.facts.use_case!r}"
    )


def apis(values: list[str], _table: PatternTable) -> Condition:
    accepted = frozenset(values)
    return Condition("apis", False, lambda p: p.facts.api in accepted, lambda p: f"API {p.facts.api}")


def tokens_over(limit: int, _table: PatternTable) -> Condition:
    return Condition(
        "tokens_over", False, lambda p: p.facts.prompt_tokens > limit,
        lambda p: f"~{p.facts.prompt_tokens} prompt tokens > {limit}",
    )  # fmt: skip


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def time_window(window: TimeWindow, _table: PatternTable) -> Condition:
    days = frozenset(window.days) if window.days else None
    start, end = _minutes(window.start), _minutes(window.end)

    def test(p: Probe) -> bool:
        t = time.gmtime(p.facts.now)
        if days is not None and WEEKDAYS[t.tm_wday] not in days:
            return False
        now = t.tm_hour * 60 + t.tm_min
        return start <= now < end if start <= end else (now >= start or now < end)

    def why(p: Probe) -> str:
        t = time.gmtime(p.facts.now)
        return f"time {WEEKDAYS[t.tm_wday]} {t.tm_hour:02d}:{t.tm_min:02d} UTC in {window.start}-{window.end}"

    return Condition("time", False, test, why)


def headers(wanted: dict[str, list[str]], _table: PatternTable) -> Condition:
    compiled = {name: Globs(patterns) for name, patterns in wanted.items()}

    def test(p: Probe) -> bool:
        return all(g.any(p.facts.header(name)) for name, g in compiled.items())

    return Condition("headers", False, test, lambda p: f"headers {', '.join(wanted)} match")


def expr(text: str, _table: PatternTable) -> Condition:
    node = compile_expr(text, RESOLVER)
    # an expression may read request.text, request.pii or content scores: treat it as content (on
    # response rules: the output's)
    content = "request.text" in text or "request.pii" in text or "scores." in text
    return Condition("expr", content, lambda p: bool(node(p.facts)), lambda p: f"expr {text!r}", 2)


Builder = Callable[[Any, PatternTable], Condition]
BUILDERS: dict[str, Builder] = {
    "models": models,
    "models_not": models_not,
    "apis": apis,
    "use_case": use_case,
    "headers": headers,
    "time": time_window,
    "tokens_over": tokens_over,
    "expr": expr,
    "text_matches": text_matches,
    "keywords": keywords,
    "pii": pii,
}


def build(when: When, table: PatternTable) -> list[Condition]:
    """Conditions in evaluation order: pattern-set lookups (one RE2 scan shared by all rules), attribute
    checks, expressions, then PII detection (the costly one, run only when everything else held)."""
    out = [BUILDERS[name](getattr(when, name), table) for name in BUILDERS if getattr(when, name) is not None]
    return sorted(out, key=lambda c: c.cost)
