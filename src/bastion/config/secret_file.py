"""Secrets read from files (`api_key_file:`), e.g. a Kubernetes secret mounted as a volume. The value never
appears in an error message, a log line or the config the admin API shows."""

from __future__ import annotations

from pathlib import Path


def read_secret_file(path: str) -> str:
    """The secret in `path`: its text without surrounding whitespace (a trailing newline is usual). A
    missing, unreadable, empty, binary or multi-line file is a config error naming the path only."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"api_key_file: cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise ValueError(f"api_key_file: {path} is not UTF-8 text") from None
    secret = text.strip()
    if not secret:
        raise ValueError(f"api_key_file: {path} is empty")
    if any(c in secret for c in "\r\n"):
        raise ValueError(f"api_key_file: {path} holds more than one line (one key expected)")
    return secret
