"""SSN: US Social Security number; impossible areas/groups/serials and well-known sample numbers rejected."""

from __future__ import annotations

from bastion.pii.recognizers.base import Pattern, Recognizer, digits_of

# Numbers published in advertising or documentation; never issued to a person.
SAMPLE_SSNS = frozenset({"078051120", "219099999", "123456789", "111111111", "987654320"})


class SsnRecognizer(Recognizer):
    label = "SSN"
    prefilter = r"\d{3}"
    patterns = (
        Pattern("ssn-dashed", r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-]|\.\d)", 0.6),
        Pattern("ssn-spaced", r"(?<![\w-])\d{3} \d{2} \d{4}(?![\w-]|\.\d)", 0.35),
        Pattern("ssn-bare", r"(?<![\w-])\d{9}(?![\w-]|\.\d)", 0.3),
    )
    context = ("ssn", "social security", "social-security", "ss#", "ss no", "ssa", "taxpayer", "tin")
    context_boost = 0.6

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        digits = digits_of(text[start:end])
        area, group, serial = digits[:3], digits[3:5], digits[5:]
        if area in {"000", "666"} or area >= "900" or group == "00" or serial == "0000":
            return None
        if digits in SAMPLE_SSNS or len(set(digits)) == 1:
            return None
        return pattern.score + self.context_bonus(text, start, end)
