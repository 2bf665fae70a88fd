"""URL: scheme or ``www.`` URLs, and bare domain names ending in a common TLD."""

from __future__ import annotations

from bastion.pii.recognizers.base import Pattern, Recognizer

# TLDs that are not also common file extensions (``.py``, ``.md``, ``.sh``, ``.rs`` ... are left out).
_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|ai|co|app|dev|tech|online|site|xyz|me|tv|cloud|shop|store|blog|"
    "news|uk|us|ca|au|nz|ie|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|is|pt|br|ar|mx|cl|cz|sk|hu|ro|bg|gr|tr|ru|ua|"
    "jp|cn|kr|in|sg|hk|tw|za|il|ae|ee|lv|lt|si|hr|cy|lu|li|mt|eu|asia"
)
_TRAILING = ".,;:!?'\")]}>*_"


class UrlRecognizer(Recognizer):
    label = "URL"
    prefilter = r"(?i)://|www\.|\.(?:" + _TLDS + r")\b"
    flags = 0
    patterns = (
        Pattern("scheme", r"(?i)(?<![\w])(?:https?|ftp|wss?|sftp)://[^\s<>\"'`{}|\\^]{1,2048}", 0.9),
        Pattern("www", r"(?i)(?<![\w./@-])www\.[^\s<>\"'`{}|\\^]{3,2048}", 0.85),
        Pattern(
            "domain",
            r"(?<![\w.@/-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,6}(?:"
            + _TLDS
            + r")(?:/[^\s<>\"'`{}|\\^]{0,2048})?(?![\w@-]|\.\w)",
            0.6,
        ),
    )

    def trim(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        while end > start and text[end - 1] in _TRAILING:
            if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
                break
            end -= 1
        return (start, end) if end - start > 4 else None

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        if pattern.name == "domain":
            host = text[start:end].split("/", 1)[0]
            if not any(ch.isalpha() for ch in host.rsplit(".", 1)[0]) or host.count(".") == 0:
                return None
        return pattern.score
