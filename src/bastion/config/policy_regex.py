"""Linear-time regular expressions for policy rules, on Google's RE2 (`google-re2`).

RE2 never backtracks: matching is linear in the input whatever the pattern, so a hostile pattern such as
`(a+)+$` or a hostile prompt cannot hang a worker. Patterns use Python/Perl syntax minus the constructs that
need backtracking (backreferences, look-around); those are rejected at load with RE2's message.
"""

from __future__ import annotations

from typing import Any

import re2

MAX_PATTERN_CHARS = 2000
_MAX_MEM = 8 << 20  # bytes of RE2 program memory per pattern: bounds `(x{1000}){1000}`-style blow-ups


class PatternError(ValueError):
    pass


def _options() -> Any:
    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = _MAX_MEM
    return opts


def compile_pattern(pattern: str) -> Any:
    """A compiled RE2 pattern, or PatternError saying why it cannot be one."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise PatternError(f"pattern longer than {MAX_PATTERN_CHARS} characters")
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        msg = exc.args[0] if exc.args else str(exc)
        if isinstance(msg, bytes):
            msg = msg.decode("utf-8", "replace")
        raise PatternError(f"invalid pattern {pattern!r}: {msg}") from None


def keyword_pattern(words: list[str]) -> str:
    """One case-insensitive, whole-word alternation for a keyword list."""
    escaped = "|".join(re2.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return rf"(?i)\b(?:{escaped})\b"
