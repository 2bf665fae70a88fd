"""DATE_TIME: dates of birth. Dates are everywhere in prompts, so only a birth context makes them PII."""

from __future__ import annotations

import re

from bastion.pii.recognizers.base import Pattern, Recognizer

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)


class DateOfBirthRecognizer(Recognizer):
    label = "DATE_TIME"
    flags = re.IGNORECASE
    needles = (
        "born",
        "birth",
        "dob",
        "d.o.b",
        "b. ",
        "geb",
        "née",
        "né ",
        "naissance",
        "nacimiento",
        "nascimento",
    )
    patterns = (
        Pattern("numeric", r"(?<![\w./-])\d{1,4}[-./]\d{1,2}[-./]\d{1,4}(?![\w/-]|\.\d)", 0.3),
        Pattern(
            "day-month-year",
            rf"(?<!\w)\d{{1,2}}(?:st|nd|rd|th)?\s{{1,2}}(?:of\s)?{_MONTHS}[, ]{{1,2}}\d{{4}}(?!\w)",
            0.3,
        ),
        Pattern(
            "month-day-year",
            rf"(?<!\w){_MONTHS}\s{{1,2}}\d{{1,2}}(?:st|nd|rd|th)?,?\s{{1,2}}\d{{4}}(?!\w)",
            0.3,
        ),
    )
    context = (
        "born",
        "birth",
        "birthday",
        "birthdate",
        "dob",
        "d.o.b",
        "b.",
        "geboren",
        "geb.",
        "née",
        "né",
        "naissance",
        "nacimiento",
        "nascimento",
        "date of birth",
    )
    context_window = 40
    context_boost = 0.55

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        if pattern.name == "numeric":
            parts = re.split(r"[-./]", text[start:end])
            if len({text[i] for i in range(start, end) if not text[i].isdigit()}) != 1:
                return None
            if not any(len(p) == 4 for p in (parts[0], parts[2])) and len(parts[2]) != 2:
                return None
        return pattern.score + self.context_bonus(text, start, end)
