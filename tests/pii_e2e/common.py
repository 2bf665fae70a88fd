"""PII values, the prompt that carries them, and the check that none reached a provider."""

from __future__ import annotations

import orjson

from fakes import Fakes

NAME = "Maria Garcia"
EMAIL = "maria.garcia@example.com"
CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"
API_KEY = "sk-proj-9fT2kQ8xLm4Rz7Vb1Nc6Hd3Jp0Ws5Ya2"
DB_PASSWORD = 'Zq8"x\\Lm4Rz7'  # a quote and a backslash: must come back JSON-escaped inside tool arguments
ORIGINALS = (NAME, EMAIL, CARD, IBAN, API_KEY, DB_PASSWORD)


def prompt(mk: str) -> str:
    return (
        f"{mk} I am {NAME}, mail {EMAIL}, card {CARD}, IBAN {IBAN}, key {API_KEY}, "
        f"db postgres://admin:{DB_PASSWORD}@db.internal.example/app"
    )


def _forms(value: str) -> list[bytes]:
    """The value as raw bytes, JSON-escaped (once and twice: inside a JSON string inside JSON) and its
    last word (a surname alone must not leak either)."""
    once = orjson.dumps(value)[1:-1]
    twice = orjson.dumps(once.decode())[1:-1]
    last = value.rsplit(maxsplit=1)[-1]
    return [value.encode(), once, twice] + ([last.encode()] if len(last) >= 5 else [])


class Watch:
    """Remembers how many requests each fake had; `new()` is everything received since."""

    def __init__(self, fakes: Fakes) -> None:
        self.fakes = fakes
        self.start = [len(f.requests) for f in fakes.all()]

    def new(self) -> list[tuple[str, bytes, dict[str, str]]]:
        out = []
        for fake, n in zip(self.fakes.all(), self.start, strict=True):
            out += [(fake.name, r.raw, r.headers) for r in fake.requests[n:]]
        return out

    def assert_clean(self, originals: tuple[str, ...] = ORIGINALS, expect: int = 1) -> list[bytes]:
        """No original (nor its JSON-escaped forms, nor its last word) in any body or header received."""
        received = self.new()
        assert len(received) == expect, [name for name, _, _ in received]
        for name, raw, headers in received:
            head = "\n".join(f"{k}: {v}" for k, v in headers.items()).encode()
            for value in originals:
                for form in _forms(value):
                    assert form not in raw, f"{name} received {form!r}"
                    assert form not in head, f"{name} received {form!r} in a header"
        return [raw for _, raw, _ in received]
