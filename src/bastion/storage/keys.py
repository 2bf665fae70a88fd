"""Virtual keys. Only a SHA-256 hash of each key and a short display prefix are stored, never the key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bastion.storage.schema import virtual_keys as vk


@dataclass(slots=True, frozen=True)
class KeyRecord:
    id: str
    name: str
    team_id: str | None
    user: str | None
    role: str | None
    models: list[str]
    regions: list[str] | None
    prefix: str
    secret_hash: str
    previous_hash: str | None
    previous_expires_at: float | None
    expires_at: float | None
    created_by: str
    created_at: float
    updated_at: float
    last_used_at: float | None
    revoked_at: float | None
    limits: dict[str, Any] | None = None  # `bastion.config.limits.RateLimits` as JSON
    budget: dict[str, Any] | None = None  # `bastion.config.limits.Budget` as JSON

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _record(row: sa.Row[Any]) -> KeyRecord:
    m = row._mapping
    return KeyRecord(
        id=m["id"],
        name=m["name"],
        team_id=m["team_id"],
        user=m["user_label"],
        role=m["role"],
        models=list(m["models"] or []),
        regions=list(m["regions"]) if m["regions"] is not None else None,
        prefix=m["prefix"],
        secret_hash=m["secret_hash"],
        previous_hash=m["previous_hash"],
        previous_expires_at=m["previous_expires_at"],
        expires_at=m["expires_at"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
        limits=m.get("limits"),
        budget=m.get("budget"),
    )


class KeyStore:
    """Queries on `virtual_keys`; every method takes the connection (the caller owns the transaction)."""

    async def all(
        self, conn: AsyncConnection, *, team_id: str | None = None, include_revoked: bool = True
    ) -> list[KeyRecord]:
        q = sa.select(vk).order_by(vk.c.created_at, vk.c.id)
        if team_id is not None:
            q = q.where(vk.c.team_id == team_id)
        if not include_revoked:
            q = q.where(vk.c.revoked_at.is_(None))
        return [_record(r) for r in await conn.execute(q)]

    async def get(self, conn: AsyncConnection, key_id: str) -> KeyRecord | None:
        row = (await conn.execute(sa.select(vk).where(vk.c.id == key_id))).first()
        return _record(row) if row is not None else None

    async def active_named(self, conn: AsyncConnection, name: str) -> KeyRecord | None:
        q = sa.select(vk).where(vk.c.name == name, vk.c.revoked_at.is_(None))
        row = (await conn.execute(q)).first()
        return _record(row) if row is not None else None

    async def insert(self, conn: AsyncConnection, key: KeyRecord) -> None:
        await conn.execute(
            sa.insert(vk).values(
                id=key.id,
                name=key.name,
                team_id=key.team_id,
                user_label=key.user,
                role=key.role,
                models=key.models,
                regions=key.regions,
                prefix=key.prefix,
                secret_hash=key.secret_hash,
                previous_hash=key.previous_hash,
                previous_expires_at=key.previous_expires_at,
                expires_at=key.expires_at,
                created_by=key.created_by,
                created_at=key.created_at,
                updated_at=key.updated_at,
                last_used_at=key.last_used_at,
                revoked_at=key.revoked_at,
                limits=key.limits,
                budget=key.budget,
            )
        )

    async def update(self, conn: AsyncConnection, key_id: str, values: Mapping[str, Any]) -> None:
        """`values` by `KeyRecord` field name (`user` is stored as `user_label`)."""
        columns = {("user_label" if k == "user" else k): v for k, v in values.items()}
        await conn.execute(sa.update(vk).where(vk.c.id == key_id).values(**columns))

    async def mark_used(self, conn: AsyncConnection, used: Iterable[tuple[str, float]]) -> None:
        """Batched `last_used_at` update (one statement, many parameter sets)."""
        params = [{"kid": k, "ts": t} for k, t in used]
        if params:
            stmt = sa.update(vk).where(vk.c.id == sa.bindparam("kid")).values(last_used_at=sa.bindparam("ts"))
            await conn.execute(stmt, params)
