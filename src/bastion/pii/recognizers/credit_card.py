"""CREDIT_CARD: 12-19 digit card numbers of the major brands (IIN ranges), Luhn checksum required."""

from __future__ import annotations

from bastion.pii.recognizers.base import Pattern, Recognizer, digits_of, luhn_ok

# (first digits range low, high, allowed lengths): Visa, Mastercard (incl. 2221-2720), Amex, Diners, Discover,
# JCB (incl. legacy 1800/2131), UnionPay, Maestro, Mir, RuPay, Troy.
BRAND_RANGES: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset({13, 16, 19})),
    (51, 55, frozenset({16})),
    (2221, 2720, frozenset({16})),
    (34, 34, frozenset({15})),
    (37, 37, frozenset({15})),
    (300, 305, frozenset({14, 15, 16, 17, 18, 19})),
    (36, 36, frozenset({14, 15, 16, 17, 18, 19})),
    (38, 39, frozenset({14, 15, 16, 17, 18, 19})),
    (6011, 6011, frozenset({16, 17, 18, 19})),
    (644, 649, frozenset({16, 17, 18, 19})),
    (65, 65, frozenset({16, 17, 18, 19})),
    (3500, 3599, frozenset({16, 17, 18, 19})),
    (604, 604, frozenset(range(12, 20))),
    (1800, 1800, frozenset({15})),
    (2131, 2131, frozenset({15})),
    (62, 62, frozenset({16, 17, 18, 19})),
    (50, 50, frozenset(range(12, 20))),
    (56, 69, frozenset(range(12, 20))),
    (2200, 2204, frozenset({16, 17, 18, 19})),
    (60, 60, frozenset({16})),
    (9792, 9792, frozenset({16})),
)


def brand_ok(digits: str) -> bool:
    n = len(digits)
    for low, high, lengths in BRAND_RANGES:
        width = 4 if low == 604 else len(str(low))
        if low <= int(digits[:width]) <= high and n in lengths:
            return True
    return False


class CreditCardRecognizer(Recognizer):
    label = "CREDIT_CARD"
    prefilter = r"\d{4}"
    patterns = (
        Pattern("card", r"(?<![\w.-])(?<!\d[ -])\d(?:[ -]?\d){11,18}(?![\w-]|\.\d)", 0.85),
        # Right after another number only the canonical 4-4-4-4 layout counts (not a tail of a long number).
        Pattern("card-after-number", r"(?<=\d[ -])\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?![\w-]|\.\d)", 0.8),
    )
    context = ("card", "credit", "debit", "visa", "mastercard", "amex", "cc", "pan", "payment", "expir")
    context_boost = 0.1

    def trim(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """Prefer the whole candidate; else the longest prefix ending at a group boundary that is a card."""
        if _card_ok(text[start:end]):
            return start, end
        for cut in range(end - 1, start + 11, -1):
            if text[cut] in " -" and text[cut - 1].isdigit() and _card_ok(text[start:cut]):
                return start, cut
        return None

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        return pattern.score + self.context_bonus(text, start, end)


def _card_ok(raw: str) -> bool:
    separators = {ch for ch in raw if not ch.isdigit()}
    if len(separators) > 1:
        return False
    digits = digits_of(raw)
    return len(set(digits)) >= 2 and brand_ok(digits) and luhn_ok(digits)
