"""The detector's speed-ups must not change what it finds.

- ``class_first`` rewrites every pattern that starts with look-behinds: the rewritten regex must match
  exactly what the written one matches, at the same positions, on any text.
- Word gates (``Pattern.words``) skip a pattern when none of its words is a token of the text: results
  with the gates must equal results without them.
- Person's lower-case fast path and Location's place loop are covered by the table tests and by
  ``bench/pii`` (identical predictions before and after on the dev set, the SECRET set and the look-alikes).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.pii.recognizers import REGISTRY
from bastion.pii.recognizers.base import Pattern, class_first
from bastion.pii.recognizers.id_number import IdNumberRecognizer
from bastion.pii.recognizers.location import _NAMED_PLACE_TYPES, LocationRecognizer
from bastion.pii.recognizers.org import _CAP, _SUFFIX, OrgRecognizer
from bastion.pii.recognizers.phone import PhoneRecognizer
from bastion.pii.recognizers.tokens import MAX_TOKENS, tokenize

ALL_PATTERNS: list[tuple[str, Pattern, int]] = []  # (name, pattern, the recognizer's regex flags)
for _name, (_label, _factory) in REGISTRY.items():
    _recognizer = _factory(None)  # type: ignore[arg-type]
    for _pattern in _recognizer.patterns:
        ALL_PATTERNS.append((f"{_name}:{_pattern.name}", _pattern, _recognizer.flags))
REWRITTEN = [(name, p, flags) for name, p, flags in ALL_PATTERNS if class_first(p.regex) != p.regex]

# Pieces that the patterns care about, so random texts often hold near-matches and real matches.
PIECES = [
    *"0123456789-./ ,:;'+@#()_\n\t",
    "A",
    "x",
    "é",
    "ß",
    "Ω",
    "123",
    "4111",
    "-12-",
    "AB 12",
    "GB82",
    "sk-",
    "AKIA",
    "ghp_",
    "eyJ",
    "Street",
    "rue ",
    "Apt ",
    "Inc",
    "Co",
    " and ",
    " & ",
    "Smith",
    "GB12",
    "BG",
    "NK",
    "QQ",
    "00",
    "+44",
    "(0)",
    " ext. ",
    "x12",
    "zip",
    "Cap",
    "post code",
    "Suite",
    "Via",
    "Mr. ",
    "O'Brien",
    "Jean-Luc",
    "www.",
    "://",
    "key=",
]
texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


NEIGHBOURS = ("x", "X", "-", "1", "_", ".", "é", "1,", "+", "/", "@", ":", " ")


def boundary_texts(regex: re.Pattern[str], texts: list[str]) -> list[str]:
    """``texts`` plus, around every match of ``regex`` in them, each kind of neighbour glued on right before
    the match and right after it: where a dropped or misplaced look-behind or look-ahead would show."""
    out = list(texts)
    for text in texts:
        for m in regex.finditer(text):
            for ch in NEIGHBOURS:
                out.append(text[: m.start()] + ch + text[m.start() :])
                out.append(text[: m.end()] + ch + text[m.end() :])
    return out


def _table_texts() -> list[str]:
    from .test_recognizers import HITS, LOOK_ALIKES, PII_FREE

    # Plus one text per rewritten pattern that the tables do not exercise.
    extra = [
        "SSN 536 22 8726 on file",
        "born 3 March 1990 in Leeds",
        "api token Zk3qP9xW2mL7vB4nR8tY1cH6 here",
        "Springfield, IL 62704",
        "Smith, Jones and Brown",
        "Smith & Sons",
    ]
    return [t for t, _, _ in HITS] + [t for t, _ in LOOK_ALIKES] + PII_FREE + extra


@pytest.mark.parametrize(("name", "pattern", "flags"), REWRITTEN, ids=[n for n, _, _ in REWRITTEN])
def test_rewritten_pattern_matches_the_same_on_table_texts(name: str, pattern: Pattern, flags: int) -> None:
    written, fast = re.compile(pattern.regex, flags), re.compile(class_first(pattern.regex), flags)
    for text in boundary_texts(written, _table_texts()):
        for pos in range(0, len(text), 3):  # also from inside the text, as scan() resumes there
            assert [m.span() for m in fast.finditer(text, pos)] == [
                m.span() for m in written.finditer(text, pos)
            ], text


def test_some_patterns_are_rewritten() -> None:
    assert len(REWRITTEN) >= 10


@pytest.mark.parametrize(
    ("written", "rewritten"),
    [
        (r"(?<![\w-])\d{3}-\d{2}", r"\d(?<!(?:[\w-])[\s\S])\d{2}-\d{2}"),
        (r"(?<![\w.-])(?<!\d[ -])\d(?:x)", r"\d(?<!(?:[\w.-])[\s\S])(?<!(?:\d[ -])[\s\S])(?:x)"),
        (r"(?<![\w-])\d{1,5}x", r"\d(?<!(?:[\w-])[\s\S])\d{0,4}x"),
        # Shapes that cannot be rewritten this way are left alone.
        (r"(?<![\w-])\d{0,3}x", r"(?<![\w-])\d{0,3}x"),
        (r"(?<![\w-])\d+x", r"(?<![\w-])\d+x"),
        (r"(?<![\w-])\d{2,}x", r"(?<![\w-])\d{2,}x"),
        (r"(?<![\w-])(?:ab)", r"(?<![\w-])(?:ab)"),
        (r"(?i)(?<!\w)x", r"(?i)(?<!\w)x"),
    ],
)
def test_class_first_shapes(written: str, rewritten: str) -> None:
    assert class_first(written) == rewritten


@pytest.mark.parametrize(("name", "pattern", "flags"), REWRITTEN, ids=[n for n, _, _ in REWRITTEN])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_rewritten_pattern_matches_the_same(name: str, pattern: Pattern, flags: int, text: str) -> None:
    written, fast = re.compile(pattern.regex, flags), re.compile(class_first(pattern.regex), flags)
    for pos in range(0, len(text) + 1, 7):  # also from inside the text, as analyze() resumes there
        slow_hits = [m.span(pattern.group) for m in written.finditer(text, pos)]
        fast_hits = [m.span(pattern.group) for m in fast.finditer(text, pos)]
        assert fast_hits == slow_hits, name


def _pattern(recognizer: type, name: str) -> str:
    return next(p.regex for p in recognizer.patterns if p.name == name)


_FAIL_FAST = re.compile(r"\(\?=(?:\(\?i:)?\[[^\]]+\]\)?\)")
# Patterns rewritten by hand for speed, with the form they were written in before, and the pieces random
# texts for them are made of (so that matches and near-misses are frequent): same matches required.
_JOIN = [" ", ", ", " and ", " & ", "-", ".", "1", "x"]
PIECES_FOR = {
    "location:street-name": ["Main", "Oak", "The", "Street", "Road", "Lane", "Extensions", "Forge", *_JOIN],
    "org:suffix": ["Acme", "Smith", "Jones", "Inc", "Ltd", "Co", "Group", "LLC", "S.A", "A/S", *_JOIN],
    "id_number:uk-nino": ["AB", "BG", "GB", "QQ", "ZZ", "CE", "NK", "12", "34", "A", "D", "E", " ", "-", "x"],
    "id_number:document": ["A", "AB", "abc", "-", "1", "12345", "X9", " ", "_", "passport", "é"],
    "PhoneRecognizer:phone": ["+", "44", "00", "(", ")", "0", "123", "4567", "x", "ext.", ",", *_JOIN],
    "LocationRecognizer:street-prefix": ["rue", "Rue", "RUE", "via", "ul", "de", "la", "Lyon", "12", *_JOIN],
    "LocationRecognizer:unit": ["Apt", "apt", "Suite", "p.o. box", "PO Box", "#", "12", *_JOIN],
    "LocationRecognizer:postcode": [
        "zip",
        "ZIP",
        "Cap",
        "post code",
        "postcode",
        ":",
        "is",
        "#",
        "12345",
        "AB1",
        *_JOIN,
    ],
}
HAND_WRITTEN = [
    (
        "location:street-name",
        rf"(?<![\w-])(?:[A-Z][^\W\d_]{{1,30}} ){{1,3}}(?:{_NAMED_PLACE_TYPES})(?![\w-])",
        _pattern(LocationRecognizer, "street-name"),
    ),
    (
        "org:suffix",
        rf"(?<![\w-])(?:{_CAP}(?:,? (?:and|&) | |, )){{1,4}}(?:{_SUFFIX})\b\.?",
        _pattern(OrgRecognizer, "suffix"),
    ),
    (
        "id_number:uk-nino",
        r"(?<![\w-])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
        r" ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w-])",
        _pattern(IdNumberRecognizer, "uk-nino"),
    ),
    (
        "id_number:document",
        r"(?<![\w-])(?=[A-Za-z-]{0,6}\d)[A-Za-z0-9][A-Za-z0-9-]{3,18}[A-Za-z0-9](?![\w-])",
        _pattern(IdNumberRecognizer, "document"),
    ),
    # Fail-fast look-aheads in front of what they summarise: the pattern without them is the old one.
    *(
        (f"{cls.__name__}:{name}", _FAIL_FAST.sub("", _pattern(cls, name), count=1), _pattern(cls, name))
        for cls, name in (
            (PhoneRecognizer, "phone"),
            (LocationRecognizer, "street-prefix"),
            (LocationRecognizer, "unit"),
            (LocationRecognizer, "postcode"),
        )
    ),
]


# Texts at the edges of each rewrite (boundaries, excluded prefixes, repeat counts), checked every time.
EDGE_CASES = {
    "location:street-name": [
        "12 Main Oak Hill Street",
        "x-Main Street",
        "Main Street-x",
        "A Oak Lane",
        "1Oak Road",
    ],
    "org:suffix": [
        "Acme Smith Jones Brown Inc",
        "Acme Smith Jones Brown Lee Inc",
        "x-Acme Inc",
        "1Acme Ltd",
        "Acme, Smith and Jones LLC",
        "Acme & Co.",
        "Acme Inc-x",
    ],
    "id_number:uk-nino": [
        "BG123456A",
        "GB 12 34 56 C",
        "AB123456A",
        "xAB123456A",
        "-AB123456A",
        "QQ123456C",
        "NK 12 34 56 D",
        "ZA123456A",
        "AZ123456A",
    ],
    "id_number:document": [
        "passport X1234567",
        "ab-12345",
        "abcdefg1234",
        "abcdef12345",
        "abcdef-1234",
        "_A12345",
        "é12345",
        "A-B-12345",
        "-12345",
        "x 123",
    ],
    "PhoneRecognizer:phone": [
        "1,+44 20 7946 0958",
        "call +44 20 7946 0958",
        "x(415) 555-2671",
        "/0494 92 82 32",
        "00 44 20 7946 0958",
        "1, 020 7946 0958",
        "+1 415 555 2671 ext. 12",
    ],
    "LocationRecognizer:street-prefix": ["rue de la Paix 12", "xrue de Lyon", "Rue. Lyon", "ul. Narewska 94"],
    "LocationRecognizer:unit": ["Apt 12", "-Apt 12", "p.o. box 12", "PO Box #12", "Suite. 4"],
    "LocationRecognizer:postcode": [
        "zip: 12345",
        "Cap 12345",
        "escape 12345",
        "post code is AB1 2CD",
        "ZIP#12345",
    ],
}


@pytest.mark.parametrize(
    ("name", "old", "new", "text"),
    [(n, old, new, text) for n, old, new in HAND_WRITTEN for text in EDGE_CASES[n]],
)
def test_hand_rewritten_pattern_edge_cases(name: str, old: str, new: str, text: str) -> None:
    for pos in range(len(text) + 1):
        assert [m.span() for m in re.finditer(new, text[pos:])] == [
            m.span() for m in re.finditer(old, text[pos:])
        ], name
        assert [m.span() for m in re.compile(new).finditer(text, pos)] == [
            m.span() for m in re.compile(old).finditer(text, pos)
        ], name


def test_fail_fast_look_aheads_are_present() -> None:
    assert all(old != new for _, old, new in HAND_WRITTEN)


@pytest.mark.parametrize(("name", "old", "new"), HAND_WRITTEN, ids=[n for n, _, _ in HAND_WRITTEN])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_hand_rewritten_pattern_matches_the_same(name: str, old: str, new: str, data: st.DataObject) -> None:
    text = data.draw(st.lists(st.sampled_from(PIECES_FOR[name]), max_size=30).map("".join))
    before, after = re.compile(old), re.compile(new)
    for pos in range(0, len(text) + 1, 5):
        assert [m.span() for m in after.finditer(text, pos)] == [
            m.span() for m in before.finditer(text, pos)
        ], name


STREET_PIECES = [
    *" ,.\n-'\u2019",
    "12",
    "7b",
    "Rue",
    "rue",
    "RUE",
    "via",
    "Av",
    "ul.",
    "Main",
    "Street",
    "street",
    "Street-Level",
    "Hall's",
    "St",
    "Apt",
    "Suite",
    "p.o. box",
    "PO Box",
    "Koskikatu",
    "Gardens",
    "Extensions",
    "de",
    "Lyon",
    "zip",
    "75001",
]


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(STREET_PIECES), max_size=40).map("".join))
def test_word_gates_do_not_change_location_results(text: str) -> None:
    recognizer = LocationRecognizer()
    tokens = tokenize(text, MAX_TOKENS)
    gated = sorted(recognizer.analyze_tokens(text, tokens, text.lower()), key=repr)
    ungated = sorted(
        [*recognizer.scan(text, text.lower(), None), *recognizer._places(text, tokens)], key=repr
    )
    assert gated == ungated
