"""Stage 1: who is calling. Keys come from `Authorization: Bearer`, `x-api-key` or `x-goog-api-key`, or the
`?key=` query parameter of APIs that read it (Gemini's)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

from bastion.context import Principal, RequestContext
from bastion.errors import Unauthorized
from bastion.identity.access import presented_key


class Authenticator(Protocol):
    """Presented key -> Principal, or None when unknown; may raise Unauthorized (e.g. expired).
    The gateway uses `bastion.identity.authenticator.IdentityAuthenticator` (admin key + virtual keys)."""

    def authenticate(self, key: str) -> Principal | None: ...


class AdminKeyAuthenticator:
    """Accepts the configured admin key, compared in constant time on digests."""

    def __init__(self, admin_key: str) -> None:
        self._digest = hashlib.sha256(admin_key.encode()).digest()
        self._principal = Principal(key_id="admin", name="admin", role="admin")

    def authenticate(self, key: str) -> Principal | None:
        digest = hashlib.sha256(key.encode()).digest()
        return self._principal if hmac.compare_digest(digest, self._digest) else None


class AuthenticateStage:
    name = "authenticate"

    def __init__(self, authenticator: Authenticator) -> None:
        self.authenticator = authenticator

    async def run(self, ctx: RequestContext) -> None:
        if ctx.principal is not None:  # a gateway-internal request (the guard's judge) runs as its caller
            return
        key = presented_key(ctx.headers) or ctx.params.get("key")
        if not key:
            raise Unauthorized("missing API key: send 'Authorization: Bearer <key>' or 'x-api-key: <key>'")
        principal = self.authenticator.authenticate(key)
        if principal is None:
            raise Unauthorized("invalid API key")
        ctx.principal = principal
