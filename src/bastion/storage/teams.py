"""Teams: a name, free-form metadata, and the models (glob patterns) and regions their keys may use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bastion.storage.schema import teams, virtual_keys


@dataclass(slots=True, frozen=True)
class Team:
    id: str
    name: str
    metadata: dict[str, Any]
    models: list[str] | None  # None: every model
    regions: list[str] | None  # None: every region
    created_at: float
    updated_at: float
    limits: dict[str, Any] | None = None  # `bastion.config.limits.RateLimits` as JSON
    budget: dict[str, Any] | None = None  # `bastion.config.limits.Budget` as JSON


def _team(row: sa.Row[Any]) -> Team:
    m = row._mapping
    return Team(
        id=m["id"],
        name=m["name"],
        metadata=dict(m["metadata"] or {}),
        models=list(m["models"]) if m["models"] is not None else None,
        regions=list(m["regions"]) if m["regions"] is not None else None,
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        limits=m.get("limits"),
        budget=m.get("budget"),
    )


class TeamStore:
    """Queries on `teams`; every method takes the connection (the caller owns the transaction)."""

    async def all(self, conn: AsyncConnection) -> list[Team]:
        rows = await conn.execute(sa.select(teams).order_by(teams.c.created_at, teams.c.id))
        return [_team(r) for r in rows]

    async def get(self, conn: AsyncConnection, ref: str) -> Team | None:
        """By id, else by name."""
        row = (await conn.execute(sa.select(teams).where(teams.c.id == ref))).first()
        if row is None:
            row = (await conn.execute(sa.select(teams).where(teams.c.name == ref))).first()
        return _team(row) if row is not None else None

    async def insert(self, conn: AsyncConnection, team: Team) -> None:
        await conn.execute(
            sa.insert(teams).values(
                id=team.id,
                name=team.name,
                metadata=team.metadata,
                models=team.models,
                regions=team.regions,
                created_at=team.created_at,
                updated_at=team.updated_at,
                limits=team.limits,
                budget=team.budget,
            )
        )

    async def update(self, conn: AsyncConnection, team_id: str, values: Mapping[str, Any]) -> None:
        await conn.execute(sa.update(teams).where(teams.c.id == team_id).values(**values))

    async def delete(self, conn: AsyncConnection, team_id: str) -> None:
        await conn.execute(sa.delete(teams).where(teams.c.id == team_id))

    async def key_count(self, conn: AsyncConnection, team_id: str, active_only: bool = True) -> int:
        q = sa.select(sa.func.count()).select_from(virtual_keys).where(virtual_keys.c.team_id == team_id)
        if active_only:
            q = q.where(virtual_keys.c.revoked_at.is_(None))
        return int(await conn.scalar(q) or 0)
