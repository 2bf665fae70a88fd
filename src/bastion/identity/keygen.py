"""Key material. A virtual key is `bk-` + 43 URL-safe characters (256 random bits from `secrets`).

Only its SHA-256 (hex) is stored: a fast unsalted hash is sound here because the secret is uniformly
random and far too large to guess or precompute (unlike a password), and it keeps the lookup a single
dict access. The display prefix is the first 8 characters after `bk-` (48 of the 256 bits).
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "bk-"
SECRET_BYTES = 32
DISPLAY_CHARS = 8


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[: len(KEY_PREFIX) + DISPLAY_CHARS]


def new_id(kind: str) -> str:
    """Public identifiers: `key_…` / `team_…` + 16 hex characters."""
    return f"{kind}_{secrets.token_hex(8)}"
