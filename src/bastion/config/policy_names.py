"""The names a policy rule's `when.expr` may read (`request.*`, `caller.*`, `time.*`, `scores.*`,
`headers.*`, `metadata.*`), each with its getter on a request's facts (`bastion.policy.facts.Facts`).
Config validation compiles expressions against them, so an unknown name fails at load."""

from __future__ import annotations

import time
from typing import Any

from bastion.config.policy_expr import Getter, Resolver

SCORE_NAMES = ("prompt_injection", "toxicity")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _utc(f: Any) -> time.struct_time:
    return time.gmtime(f.now)


def _score_getter(name: str) -> Getter:
    return lambda f: f.score(name)


ATTRIBUTES: dict[str, Getter] = {
    "request.model": lambda f: f.model,
    "request.api": lambda f: f.api,
    "request.stream": lambda f: f.stream,
    "request.prompt_tokens": lambda f: f.prompt_tokens,
    "request.chars": lambda f: len(f.text),
    "request.max_tokens": lambda f: f.max_tokens,
    "request.tools": lambda f: f.tools,
    "request.messages": lambda f: f.messages,
    "request.use_case": lambda f: f.use_case,
    "request.text": lambda f: f.text,
    "request.pii": lambda f: sorted(f.pii_labels()),
    "caller.team": lambda f: f.team,
    "caller.team_id": lambda f: f.team_id,
    "caller.key": lambda f: f.key_id,
    "caller.key_name": lambda f: f.key_name,
    "caller.user": lambda f: f.user,
    "caller.role": lambda f: f.role,
    "caller.app": lambda f: f.app,
    "time.hour": lambda f: _utc(f).tm_hour,
    "time.minute": lambda f: _utc(f).tm_min,
    "time.weekday": lambda f: WEEKDAYS[_utc(f).tm_wday],
    "time.unix": lambda f: f.now,
    **{f"scores.{name}": _score_getter(name) for name in SCORE_NAMES},
}


def _header_getter(name: str) -> Getter:
    header = name.replace("_", "-").lower()
    return lambda f: f.header(header)


def _meta_getter(name: str) -> Getter:
    header = "x-bastion-meta-" + name.replace("_", "-").lower()
    return lambda f: f.headers.get(header)


RESOLVER = Resolver(ATTRIBUTES, {"headers": _header_getter, "metadata": _meta_getter})
