"""Huge, binary and adversarial inputs finish quickly (linear-time patterns) and never raise."""

from __future__ import annotations

import random
import time

import pytest

from bastion.pii import PiiEngine

MB = 1_000_000


def _inputs() -> list[tuple[str, str]]:
    rng = random.Random(7)
    return [
        ("letters", "a" * MB),
        ("digits", "1" * MB),
        ("spaced digits", "1 " * (MB // 2)),
        ("dashed digits", "12-" * (MB // 3)),
        ("dots", "1." * (MB // 2)),
        ("colons", "a:" * (MB // 2)),
        ("at signs", "a@" * (MB // 2)),
        ("email-ish", ("x." * 40 + "@") * (MB // 81)),
        ("capitalised words", "Alice " * (MB // 6)),
        ("url no end", "https://" + "a" * MB),
        ("begin key no end", "-----BEGIN PRIVATE KEY-----" * (MB // 27)),
        ("jwt-ish", "eyJ" + "a" * MB),
        ("token words", ("token " + "Ab1" * 60 + " ") * (MB // 200)),
        ("binary", bytes(rng.randrange(256) for _ in range(MB // 4)).decode("latin-1")),
        ("unicode", "".join(chr(rng.randrange(32, 0x3000)) for _ in range(MB // 4))),
        ("ipv6-ish", "1:" * (MB // 2)),
        ("iban-ish", "GB82 " * (MB // 5)),
        ("nul bytes", "\x00" * MB),
    ]


@pytest.mark.parametrize(("name", "text"), _inputs(), ids=[n for n, _ in _inputs()])
def test_hostile_input_is_fast(engine: PiiEngine, name: str, text: str) -> None:
    started = time.perf_counter()
    spans = engine.detect(text)
    elapsed = time.perf_counter() - started
    # "Does not hang": generous bound for a shared 2-core machine (typical: well under 10 s per MB even when
    # every token is a capitalised gazetteer hit); a quadratic pattern would take hours here.
    assert elapsed < 60, f"{name}: {elapsed:.1f}s"
    assert all(0 <= s.start < s.end <= len(text) for s in spans)


def test_max_chars_caps_work() -> None:
    from bastion.pii import PiiSettings

    engine = PiiEngine(PiiSettings(max_chars=100, entities=["EMAIL"]))
    assert engine.detect("x" * 200 + " a@b.io") == []
    assert engine.detect("a@b.io") != []


@pytest.mark.parametrize(
    "unit",
    [
        "Alice ",
        "a",
        "1 ",
        "12-",
        "x.",
        "a:",
        "token Ab1Cd2Ef3Gh4Ij5Kl6 ",
        "key=a=",
        "-----BEGIN PRIVATE KEY-----",
        "GB82 ",
    ],
)
def test_work_grows_linearly(engine: PiiEngine, unit: str) -> None:
    """8x the input costs about 8x the time; the bound is 24x (a quadratic pattern would cost 64x)."""

    def best_of_3(n: int) -> float:
        text = unit * (n // len(unit))
        times = []
        for _ in range(3):
            started = time.thread_time()  # CPU time of this thread: not skewed by other load on the machine
            engine.scan(text)  # uncached: the work itself
            times.append(time.thread_time() - started)
        return min(times)

    small, large = best_of_3(20_000), best_of_3(160_000)
    assert large < 24 * small + 0.05, (small, large)
