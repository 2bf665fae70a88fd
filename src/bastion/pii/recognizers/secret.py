"""SECRET: provider API keys (OpenAI, Anthropic, AWS, GCP, GitHub, Slack, Stripe), private keys, JWTs,
passwords in connection strings and ``password=`` settings, bearer tokens, and high-entropy tokens next to
words such as key/token/secret. Documentation placeholders (``sk-xxxx``, ``YOUR_KEY``) are rejected.
"""

from __future__ import annotations

import re

from bastion.pii.recognizers.base import (
    Pattern,
    Recognizer,
    looks_like_placeholder,
    shannon_entropy,
)

_HASH_WORDS = re.compile(
    r"(?i)(?:sha\d*|md5|hash|digest|checksum|commit|etag|uuid|guid|fingerprint)\W{0,12}$"
)
_MAX_KEY_CHARS = 16_000
_TOKEN = r"[A-Za-z0-9_\-+/=.~]"


class SecretRecognizer(Recognizer):
    label = "SECRET"
    patterns = (
        Pattern(
            "anthropic",
            r"(?<![\w-])sk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{32,200}(?![\w-])",
            0.99,
            needles=("sk-ant-",),
        ),
        Pattern(
            "openai",
            r"(?<![\w-])sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,200}(?![\w-])",
            0.95,
            needles=("sk-",),
        ),
        Pattern(
            "aws-access-key",
            r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)"
            r"[A-Z0-9]{16}(?![A-Za-z0-9])",
            0.95,
            needles=(
                "akia",
                "asia",
                "abia",
                "acca",
                "agpa",
                "aida",
                "aipa",
                "anpa",
                "anva",
                "apka",
                "aroa",
                "asca",
            ),
        ),
        Pattern(
            "aws-secret-key",
            r"(?i)aws.{0,24}?(?:secret|private).{0,24}?[=:\"'\s]{1,6}([A-Za-z0-9/+]{40})"
            r"(?![A-Za-z0-9/+])",
            0.95,
            1,
            needles=("aws",),
        ),
        Pattern("gcp-api-key", r"(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])", 0.95, needles=("aiza",)),
        Pattern("gcp-oauth", r"(?<![\w-])ya29\.[0-9A-Za-z_-]{20,400}(?![\w-])", 0.9, needles=("ya29.",)),
        Pattern(
            "github",
            r"(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})(?![\w-])",
            0.99,
            needles=("gh", "github_pat_"),
        ),
        Pattern(
            "slack-token", r"(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,250}(?![\w-])", 0.95, needles=("xox",)
        ),
        Pattern(
            "slack-webhook",
            r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,200}",
            0.97,
            needles=("hooks.slack.com",),
        ),
        Pattern(
            "stripe",
            r"(?<![\w-])(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{10,250}(?![\w-])",
            0.95,
            needles=("_live_", "_test_", "whsec_"),
        ),
        Pattern(
            "private-key",
            r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----",
            0.99,
            needles=("-----begin",),
        ),
        Pattern(
            "jwt",
            r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,4000}\.eyJ[A-Za-z0-9_-]{8,8000}\.[A-Za-z0-9_-]{8,2000}(?![\w-])",
            0.95,
            needles=("eyj",),
        ),
        Pattern(
            "url-password",
            r"(?i)\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@?#]{1,128}:([^\s@/?#]{3,128})@",
            0.97,
            1,
            needles=("://",),
        ),
        Pattern(
            "password-setting",
            r"(?i)(?<![a-z])(?:password|passwd|pwd|pass|passphrase|secret)\s{0,3}[\"']?"
            r"\s{0,3}(?:=|:|is|was)\s{0,3}[\"']?([^\s\"';,]{4,128})",
            0.6,
            1,
            needles=("pass", "pwd", "secret"),
        ),
        Pattern("bearer", r"(?i)\bbearer\s{1,3}(" + _TOKEN + r"{16,4096})", 0.9, 1, needles=("bearer",)),
        Pattern(
            "keyword-token",
            r"(?<![A-Za-z0-9_\-+/=.~])" + _TOKEN + r"{16,512}(?![A-Za-z0-9_\-+/=.~])",
            0.2,
            needles=(
                "key",
                "token",
                "secret",
                "pass",
                "credential",
                "auth",
                "private",
                "pat",
                "signing",
                "webhook",
            ),
        ),
    )
    context = (
        "key",
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "credentials",
        "apikey",
        "api_key",
        "api-key",
        "access_key",
        "auth",
        "authorization",
        "private",
        "client_secret",
        "pat",
        "bearer",
        "signing",
        "webhook",
    )
    context_window = 32
    context_boost = 0.6

    def trim(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """A private key header extends to its END line: found with str.find, bounded by the next header and
        ``_MAX_KEY_CHARS``, so many unterminated headers still cost linear time."""
        if not text.startswith("-----BEGIN", start):
            return start, end
        limit = min(len(text), end + _MAX_KEY_CHARS)
        next_begin = text.find("-----BEGIN", end, limit)
        if next_begin != -1:
            limit = next_begin
        footer = text.find("-----END", end, limit)
        if footer == -1:
            return start, end
        close = text.find("-----", footer + 8, min(len(text), footer + 60))
        return start, (close + 5 if close != -1 else footer + 8)

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        value = text[start:end]
        if pattern.name in {"private-key", "url-password"}:
            return None if pattern.name == "url-password" and looks_like_placeholder(value) else pattern.score
        if pattern.name == "password-setting":
            return (
                None
                if looks_like_placeholder(value) or value.lower() in {"none", "null", "true", "false"}
                else pattern.score + 0.25
            )
        body = value.split("_", 2)[-1] if pattern.name == "stripe" else value
        if looks_like_placeholder(body):
            return None
        if pattern.name != "keyword-token":
            return pattern.score
        return self._generic(text, start, end, value)

    def _generic(self, text: str, start: int, end: int, value: str) -> float | None:
        if not self.has_context(text, start, end, after=0):
            return None
        has_digit = any(ch.isdigit() for ch in value)
        has_alpha = any(ch.isalpha() for ch in value)
        if not (has_digit and has_alpha) or shannon_entropy(value) < 3.5:
            return None
        if value.count("/") > 2 or value.count(".") > 2 or "://" in text[max(0, start - 8) : start]:
            return None
        if _HASH_WORDS.search(text, max(0, start - 24), start):
            return None
        if all(ch in "0123456789abcdefABCDEF-" for ch in value) and not self.has_context(
            text, start, end, 16, 0
        ):
            return None
        return 0.8
