"""User identifiers as stored: as given, or pseudonymised with a keyed hash (`shadow.pseudonymize_users`,
`shadow.pseudonym_key`): the same user always maps to the same pseudonym under one key, and the key's
holder can recompute a pseudonym for a named person (`bastion shadow pseudonym NAME`) when an
investigation is authorised; nobody can reverse it without the key."""

from __future__ import annotations

import hashlib
import hmac

_CACHE_LIMIT = 65_536


class Users:
    def __init__(self, key: str | None = None) -> None:
        self._key = key.encode() if key else None
        self._cache: dict[str, str] = {}

    @property
    def pseudonymous(self) -> bool:
        return self._key is not None

    def __call__(self, user: str) -> str:
        if self._key is None:
            return user
        out = self._cache.get(user)
        if out is None:
            digest = hmac.new(self._key, user.strip().lower().encode(), hashlib.sha256).hexdigest()
            out = "u-" + digest[:20]
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[user] = out
        return out
