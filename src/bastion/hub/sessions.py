"""Hub sessions, kept in the shared database so every worker (`--workers N`) and replica sees them.

The cookie holds a random session id; the database holds only its SHA-256, the SHA-256 of the key that
logged in (the same digest `virtual_keys.secret_hash` stores) and who it was. Every page load re-resolves
the key through the identity cache, so revoking, rotating (after its grace) or expiring the key — or
taking its admin role away — ends its Hub sessions too. Sessions end after `session_idle_minutes`
unused, `session_max_hours` after login, or at logout (the row is deleted).

The CSRF token of a session is an HMAC of its id: nothing extra stored, the same on every worker.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa

from bastion.config.hub import HubSettings
from bastion.context import Principal
from bastion.hub.schema import login_failures, sessions
from bastion.identity.authenticator import IdentityAuthenticator
from bastion.identity.keygen import hash_secret
from bastion.identity.service import ROLES
from bastion.storage import Storage

TOUCH_EVERY = 30.0  # seconds between last_seen writes of one session


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def csrf_token(session_id: str) -> str:
    return hmac.new(session_id.encode(), b"bastion-hub-csrf", hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    principal: Principal
    created_at: float

    @property
    def csrf(self) -> str:
        return csrf_token(self.id)


class SessionStore:
    def __init__(self, storage: Storage, authenticator: IdentityAuthenticator, settings: HubSettings) -> None:
        self.storage = storage
        self.authenticator = authenticator
        self.settings = settings

    @property
    def idle_seconds(self) -> float:
        return self.settings.session_idle_minutes * 60

    async def create(self, principal: Principal, key: str, client_ip: str | None) -> Session:
        raw = secrets.token_urlsafe(32)
        now = time.time()
        async with self.storage.write() as conn:
            await conn.execute(sa.delete(sessions).where(sessions.c.last_seen < now - self.idle_seconds))
            await conn.execute(
                sa.insert(sessions).values(
                    id_hash=_digest(raw), key_hash=hash_secret(key), key_id=principal.key_id,
                    name=principal.name, role=principal.role or "", client_ip=client_ip,
                    created_at=now, last_seen=now,
                )
            )  # fmt: skip
        return Session(raw, principal, now)

    async def load(self, raw: str | None) -> Session | None:
        """The live session for a cookie value, or None (unknown, expired, or its key no longer valid)."""
        if not raw or len(raw) > 100:
            return None
        id_hash = _digest(raw)
        async with self.storage.read() as conn:
            row = (await conn.execute(sa.select(sessions).where(sessions.c.id_hash == id_hash))).first()
        if row is None:
            return None
        now = time.time()
        principal = self.authenticator.by_digest(row.key_hash)
        if (
            now - row.last_seen > self.idle_seconds
            or now - row.created_at > self.settings.session_max_hours * 3600
            or principal is None
            or principal.key_id != row.key_id
            or principal.role not in ROLES
        ):
            await self.end(raw)
            return None
        if now - row.last_seen > min(TOUCH_EVERY, self.idle_seconds / 4):  # a short idle limit: more often
            async with self.storage.write() as conn:
                await conn.execute(
                    sa.update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen=now)
                )
        return Session(raw, principal, float(row.created_at))

    async def end(self, raw: str) -> None:
        async with self.storage.write() as conn:
            await conn.execute(sa.delete(sessions).where(sessions.c.id_hash == _digest(raw)))

    # --- login throttling ------------------------------------------------------------------------
    async def throttled(self, client: str) -> bool:
        since = time.time() - self.settings.login_window_seconds
        q = sa.select(sa.func.count()).where(login_failures.c.client == client, login_failures.c.ts >= since)
        async with self.storage.read() as conn:
            count = (await conn.execute(q)).scalar_one()
        return int(count) >= self.settings.login_attempts

    async def failed(self, client: str) -> None:
        now = time.time()
        async with self.storage.write() as conn:
            await conn.execute(
                sa.delete(login_failures).where(
                    login_failures.c.ts < now - self.settings.login_window_seconds
                )
            )
            await conn.execute(sa.insert(login_failures).values(client=client[:64], ts=now))
