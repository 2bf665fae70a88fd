"""Vault: the per-request memory that applies actions to detected spans and restores pseudonyms.

One ``Vault`` per request. It maps each (label, value) to one placeholder for the whole request, so the
same value gets the same ``<PERSON_1>`` in every message. The mapping lives only in this object: it is never
logged, and ``repr()`` shows counts only. Blocking is reported, not raised: after ``apply`` the caller checks
``vault.blocked_labels`` and rejects the request naming those labels (never the values).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from bastion.config.pii_settings import Action
from bastion.pii import placeholders
from bastion.pii.span import Span


class Vault:
    __slots__ = ("_blocked", "_by_key", "_by_value", "_counters", "_hash_key", "_reserved", "_summary")

    def __init__(self, hash_key: bytes | None = None) -> None:
        # Without a configured key, hashes are keyed per request and cannot be correlated across requests.
        self._hash_key = hash_key if hash_key is not None else os.urandom(32)
        self._by_value: dict[tuple[str, str], str] = {}
        self._by_key: dict[str, str] = {}
        self._counters: Counter[str] = Counter()
        self._reserved: set[str] = set()
        self._summary: dict[str, Counter[str]] = {}
        self._blocked: set[str] = set()

    # ---- applying actions -------------------------------------------------------------------------------
    def apply(
        self, text: str, spans: Iterable[Span], actions: Mapping[str, Action]
    ) -> tuple[str, Counter[tuple[str, str]]]:
        """Rewrite ``text`` according to ``actions[span.label]`` (default ``pseudonymize``).

        ``spans`` must be sorted and non-overlapping (as ``PiiEngine.detect`` returns them). Returns the new
        text and a Counter of (label, action) applied in this call. Spans whose action is ``block`` are left
        in place and recorded in ``blocked_labels``; the caller must then reject the request.
        """
        self._reserve_existing(text)
        applied: Counter[tuple[str, str]] = Counter()
        parts: list[str] = []
        cursor = 0
        for span in spans:
            action = actions.get(span.label, "pseudonymize")
            applied[(span.label, action)] += 1
            self._summary.setdefault(span.label, Counter())[action] += 1
            if action in {"allow", "block"}:
                if action == "block":
                    self._blocked.add(span.label)
                continue
            parts.append(text[cursor : span.start])
            parts.append(self.replacement(span.label, text[span.start : span.end], action))
            cursor = span.end
        parts.append(text[cursor:])
        return "".join(parts), applied

    def replacement(self, label: str, value: str, action: Action) -> str:
        """The text that stands in for ``value`` under ``action`` (pseudonymize, mask or hash)."""
        if action == "mask":
            return placeholders.mask(label)
        if action == "hash":
            msg = f"{label}\x00{value}".encode()
            return placeholders.hashed(label, hmac.new(self._hash_key, msg, hashlib.sha256).hexdigest()[:10])
        if action != "pseudonymize":
            raise ValueError(f"action {action!r} does not produce a replacement")
        return self.pseudonym(label, value)

    def pseudonym(self, label: str, value: str) -> str:
        key = self._by_value.get((label, value))
        if key is None:
            number = self._counters[label] + 1
            while f"{label}_{number}" in self._reserved:
                number += 1
            self._counters[label] = number
            key = f"{label}_{number}"
            self._by_value[(label, value)] = key
            self._by_key[key] = value
        return f"<{key}>"

    def _reserve_existing(self, text: str) -> None:
        """Placeholder-looking strings already in the input must not be issued (nor restored) as ours."""
        if not placeholders.may_hold_pseudonym(text):
            return
        for match in placeholders.PSEUDONYM.finditer(text):
            key = placeholders.canonical_key(match)
            if key is not None and key not in self._by_key:
                self._reserved.add(key)

    # ---- restoring ----------------------------------------------------------------------------------------
    def restore(self, text: str) -> str:
        """Replace each pseudonym this vault issued (tolerating case/bracket mangling) by its original."""
        return self._restore(text, _identity)

    def restore_json_string(self, text: str) -> str:
        """Like :meth:`restore` for text that is the *inside* of a JSON string (e.g. tool-call arguments):
        originals are inserted JSON-escaped, so the surrounding JSON stays valid."""
        return self._restore(text, _json_escape)

    def _restore(self, text: str, encode: Callable[[str], str]) -> str:
        if not self._by_key or not text or not placeholders.may_hold_pseudonym(text):
            return text

        def sub(match: re.Match[str]) -> str:
            key = placeholders.canonical_key(match)
            value = self._by_key.get(key) if key is not None else None
            return match.group() if value is None else encode(value)

        return placeholders.PSEUDONYM.sub(sub, text)

    # ---- facts for the caller (never values) -------------------------------------------------------------
    @property
    def blocked_labels(self) -> frozenset[str]:
        return frozenset(self._blocked)

    def knows_value(self, value: str) -> bool:
        """True when ``value`` was pseudonymised in this request (used to spot *new* PII in a response)."""
        return any(v == value for v in self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def summary(self) -> dict[str, dict[str, int]]:
        """``{label: {action: count}}`` for everything applied so far: safe to log and audit."""
        return {label: dict(actions) for label, actions in sorted(self._summary.items())}

    def __repr__(self) -> str:
        return f"Vault(pseudonyms={len(self._by_key)}, summary={self.summary()})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("Vault holds request PII and must not be pickled")


def _json_escape(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _identity(value: str) -> str:
    return value
