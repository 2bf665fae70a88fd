"""SECRET: provider API keys (OpenAI, Anthropic, AWS, GCP, GitHub, Slack, Stripe and other known prefixes),
private keys, JWTs, passwords in URLs, connection strings, ``password=`` settings and prose, bearer tokens,
and high-entropy tokens next to words such as key/token/secret. Rejected: documentation placeholders
(``sk-xxxx``, ``YOUR_KEY``), references (``${VAR}``), hashes, ids, identifiers, paths, file names, ARNs.
Accuracy: ``bench/pii/secrets.jsonl`` (built by ``bench/pii/make_secrets_set.py``), see bench/pii/RESULTS.md.
"""

from __future__ import annotations

import re

from bastion.pii.gazetteer import Gazetteer, load_common_words
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
# A path segment: a lower-case or Capitalised word (``etc``, ``Users``, ``server.key``), not random letters.
_PATH_SEGMENT = re.compile(r"(?=.{2})[A-Za-z]?[a-z0-9._-]{1,64}")
# Pieces of an identifier: an acronym, a (capitalised) word, a lone capital, a number; and what joins them.
_PIECES = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+|[A-Z]|\d+")
_JOINED = re.compile(r"[_.-]|[a-z][A-Z]")
# A file name: "auth_middleware_v2.py", "server.key", "prod.env".
_FILE_NAME = re.compile(
    r"[\w.-]{1,200}\.(?:py|js|ts|go|rs|rb|java|kt|cs|cpp|c|h|sh|json|ya?ml|toml|ini|cfg|conf|env|txt|md|"
    r"csv|log|xml|html|pem|crt|cer|key|pub|p12|pfx|jks|sql|db|zip|gz|tar)"
)
# "ZqAQXPxJblB": a capital after a small letter, as in random passwords (not "Reset" or "RESET").
_MIXED_CASE = re.compile(r"[a-z][A-Z]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# ``private_key_id: 5dcf...``, ``key-id = ...``: a value assigned to a name ending in "id" identifies a key.
_ID_ASSIGNMENT = re.compile(r"(?i)(?<![a-z0-9])id[\"']?\s{0,3}[:=]\s{0,3}[\"']?$")
# A UUID is an identifier (request id, key id, idempotency key) unless assigned to a credential setting.
_CREDENTIAL_ASSIGNMENT = re.compile(
    r"(?i)(?:key|token|secret|password|passwd|credential)s?[\"']?\s{0,3}[:=]\s{0,3}[\"']?$"
)


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
        Pattern(
            "prefixed-token",
            r"(?<![\w.-])(?:SG\.[\w-]{22}\.[\w-]{43}|hf_[A-Za-z]{34}|glpat-[\w-]{20}|npm_[A-Za-z0-9]{36}|"
            r"pypi-AgEIcHlwaS5vcmc[\w-]{50,300}|dop_v1_[a-f0-9]{64}|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})"
            r"(?![\w-])",
            0.95,
            needles=("sg.", "hf_", "glpat-", "npm_", "pypi-", "dop_v1_", "shp"),
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
            r"(?i)\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@?#]{0,128}:([^\s@/?]{3,128})@",
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
        Pattern(
            "password-bare",
            r"(?i)(?<![a-z])(?:password|passwd|passphrase)\s{1,3}([^\s\"';,]{6,128})",
            0.6,
            1,
            needles=("pass",),
        ),
        Pattern(
            "mysql-cli",
            r"(?i)\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]{0,80}?\s-p([^\s\"';]{4,128})",
            0.9,
            1,
            needles=("mysql", "mariadb"),
        ),
        Pattern("bearer", r"(?i)\bbearer\s{1,3}(" + _TOKEN + r"{16,4096})", 0.9, 1, needles=("bearer",)),
        Pattern(
            "keyword-token",
            # May follow "=" (KEY=value); "=" only as trailing base64 padding, so a run such as "a=a=a=..."
            # offers no long candidate at each "=".
            r"(?<![A-Za-z0-9_\-+/.~])[A-Za-z0-9_\-+/.~]{16,512}={0,2}(?![A-Za-z0-9_\-+/=.~])",
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

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        super().__init__()
        # Frequent English words tell identifiers (customer_key_2024) from random tokens.
        self._words = gazetteer.common_words if gazetteer is not None else load_common_words()
        # Context words count inside identifiers too: OPENAI_API_KEY=, stripe-secret-key:, x-api-key.
        self._context = re.compile(
            r"(?i)(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in self.context) + r")(?![a-z0-9])"
        )

    def trim(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """A private key header extends to its END line: found with str.find, bounded by the next header and
        ``_MAX_KEY_CHARS``, so many unterminated headers still cost linear time. Other candidates lose a
        sentence's final dot."""
        if not text.startswith("-----BEGIN", start):
            while end > start and text[end - 1] == ".":
                end -= 1
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
                if looks_like_placeholder(value)
                or value.lower() in {"none", "null", "true", "false"}
                or _in_arn(text, start)
                else pattern.score + 0.25
            )
        if pattern.name == "password-bare":
            # "with password Zqe4gx36II", never "password reset" or "password (twelve characters)".
            mixed = (
                any(ch.isalpha() for ch in value)
                and (any(not ch.isalpha() for ch in value) or _MIXED_CASE.search(value) is not None)
                and not value.endswith(":")  # "password policy: ...", "password hint:" are labels
            )
            return None if not mixed or looks_like_placeholder(value) else pattern.score + 0.25
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
        hexadecimal = all(ch in "0123456789abcdefABCDEF-" for ch in value)
        entropy = shannon_entropy(value)
        if not has_alpha or (not has_digit and not _random_letters(value, entropy)):
            return None
        # Hex carries at most 4 bits per character, so its bar is lower than that of wider alphabets.
        if entropy < (3.0 if hexadecimal else 3.5):
            return None
        if _looks_like_path(value) or value.count(".") > 2 or "://" in text[max(0, start - 8) : start]:
            return None
        if _looks_like_identifier(value, self._words) or _in_arn(text, start):
            return None
        if _HASH_WORDS.search(text, max(0, start - 24), start) or _in_pem_block(text, start):
            return None
        if _ID_ASSIGNMENT.search(text, max(0, start - 12), start):
            return None
        if hexadecimal and not self.has_context(text, start, end, 16, 0):
            return None
        if _UUID.fullmatch(value) and not _CREDENTIAL_ASSIGNMENT.search(text, max(0, start - 40), start):
            return None
        return 0.8


def _random_letters(value: str, entropy: float) -> bool:
    """A digit-less token that is still random (``NmDAWMoaUjmFklYtZCTnVwkb``): long, high entropy, about as
    many capitals as small letters. CamelCase identifiers have far fewer capitals."""
    if len(value) < 20 or entropy < 4.0 or not value.isalpha():
        return False
    upper = sum(ch.isupper() for ch in value)
    return 0.3 <= upper / len(value) <= 0.7


def _looks_like_identifier(value: str, words: frozenset[str]) -> bool:
    """``customer_key_2024``, ``getTokenFromRequest2``, ``X-Api-Key-Version2``: words and numbers joined by
    separators or case changes. Random tokens break into many short pieces (``Zk3qP9xW…``: Zk 3 q P 9 x W
    …); identifiers into few, long ones (at most one one-letter piece, three letters a piece on average, at
    most one piece per 3.3 characters), one of them a frequent English word. On random tokens of 16 to 40
    characters this misfires less than once in 2,500."""
    if _JOINED.search(value) is None:
        return False  # one lower-case run (random base36, hex) is never taken for an identifier
    pieces = _PIECES.findall(value)
    letters = [p for p in pieces if not p.isdigit()]
    if not letters or len(pieces) > 0.3 * len(value):
        return False
    if sum(1 for p in letters if len(p) == 1) > 1 or sum(map(len, letters)) < 3 * len(letters):
        return False
    return any(len(p) >= 3 and p.lower() in words for p in letters)


def _looks_like_path(value: str) -> bool:
    """``/etc/ssl/private``, ``~/.ssh/id_ed25519``, ``src/app/main.py``; base64 with slashes is not a path."""
    if value.startswith(("~", "./", "../")) or _FILE_NAME.fullmatch(value):
        return True
    parts = value.split("/")
    if len(parts) < 3:
        return False
    wordy = sum(1 for p in parts if _PATH_SEGMENT.fullmatch(p))
    return wordy * 2 >= len(parts)


def _in_arn(text: str, start: int) -> bool:
    """Part of an Amazon resource name (``arn:aws:secretsmanager:…:secret:prod/db-AbCdEf``): a name, not a
    secret."""
    word_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), text.rfind("\t", 0, start)) + 1
    return text.startswith("arn:", word_start) and start - word_start < 200


def _in_pem_block(text: str, start: int) -> bool:
    """Inside a PEM block (certificate, public key): private keys are reported whole by their own pattern."""
    begin = text.rfind("-----BEGIN ", max(0, start - 4096), start)
    return begin != -1 and text.find("-----END ", begin, start) == -1
