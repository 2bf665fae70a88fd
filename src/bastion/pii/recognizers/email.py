"""EMAIL: RFC-5322-ish address with a dotted domain and an alphabetic TLD."""

from __future__ import annotations

from bastion.pii.recognizers.base import Pattern, Recognizer


class EmailRecognizer(Recognizer):
    label = "EMAIL"
    prefilter = "@"
    patterns = (
        Pattern(
            "email",
            r"(?<![\w.%+-])[\w%+-](?:[\w.%+-]{0,63})@"
            r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,8}[^\W\d_]{2,24}(?![\w-])",
            0.95,
        ),
    )

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        local = text[start : text.index("@", start)]
        if ".." in local or local.endswith("."):
            return None
        return pattern.score
