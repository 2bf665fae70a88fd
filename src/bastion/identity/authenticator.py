"""Admin key or virtual key -> Principal. The config admin key keeps full rights (role "admin")."""

from __future__ import annotations

import hmac

from bastion.context import Principal
from bastion.errors import Unauthorized
from bastion.identity.cache import Expired, KeyCache
from bastion.identity.keygen import hash_secret


class IdentityAuthenticator:
    def __init__(self, admin_key: str, cache: KeyCache) -> None:
        self._admin_digest = hash_secret(admin_key)
        self._admin = Principal(key_id="admin", name="admin", role="admin")
        self.cache = cache

    def authenticate(self, key: str) -> Principal | None:
        digest = hash_secret(key)
        try:
            principal = self.cache.lookup(key, digest)
        except Expired:
            raise Unauthorized("this API key has expired", code="expired_api_key") from None
        if principal is not None:
            return principal
        if hmac.compare_digest(digest, self._admin_digest):
            return self._admin
        return None

    def by_digest(self, digest: str) -> Principal | None:
        """The principal whose key hashes to `digest` (the Hub keeps only this hash in its sessions)."""
        principal = self.cache.by_digest(digest)
        if principal is not None:
            return principal
        if hmac.compare_digest(digest, self._admin_digest):
            return self._admin
        return None
