"""SSN: US Social Security number; impossible areas/groups/serials rejected.

Well-known sample numbers (123-45-6789, 078-05-1120) and one-digit runs are never issued, but people paste
them as their own, and a policy that blocks SSNs must not let one through: they keep a low score that only
an SSN context word ("SSN", "social security") lifts over the threshold, never a veto."""

from __future__ import annotations

from bastion.pii.recognizers.base import Pattern, Recognizer, digits_of

# Numbers published in advertising or documentation; never issued to a person.
SAMPLE_SSNS = frozenset({"078051120", "219099999", "123456789", "111111111", "987654320"})
_SAMPLE_SCORE = 0.2  # + the 0.6 context boost = 0.8: over the default threshold only next to an SSN word


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
        bonus = self.context_bonus(text, start, end)
        if digits in SAMPLE_SSNS or len(set(digits)) == 1:
            # Lowered, not dropped: caught in an SSN context, ignored as a bare example number.
            return _SAMPLE_SCORE + bonus if bonus else None
        return pattern.score + bonus
