"""Identity operations shared by the admin API and the CLI. Each change is one transaction that also
bumps the `identity` cache version; afterwards `on_change(version)` tells the running workers
(`bastion.identity.sync`). Authorization (who may call what) is the caller's job; this module checks
the data: names unique (409), referenced teams exist (404/422), team-admin keys belong to a team,
revoked keys stay as they are (409).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from bastion.errors import Conflict, NotFound, Unprocessable
from bastion.identity.keygen import display_prefix, hash_secret, new_id, new_secret
from bastion.storage import Storage, versions
from bastion.storage.keys import KeyRecord
from bastion.storage.teams import Team

ROLES = ("admin", "team-admin", "auditor")
IDENTITY = "identity"
KEY_FIELDS = ("name", "user", "models", "regions", "expires_at", "limits", "budget")  # update_key changes
OnChange = Callable[[int], Awaitable[None]]


async def _no_op(version: int) -> None:
    return None


def _field_error(field: str, message: str) -> Unprocessable:
    return Unprocessable(f"{field}: {message}", param=field, errors=[{"field": field, "message": message}])


@contextlib.contextmanager
def _name_taken(message: str) -> Iterator[None]:
    """A name taken by a concurrent write (the unique index caught it): the same 409 as the early check."""
    try:
        yield
    except IntegrityError:
        raise Conflict(message, param="name", code="duplicate_name") from None


class IdentityAdmin:
    def __init__(self, storage: Storage, on_change: OnChange = _no_op) -> None:
        self.storage = storage
        self.on_change = on_change

    # --- teams -----------------------------------------------------------------------------------
    async def list_teams(self) -> list[Team]:
        async with self.storage.read() as conn:
            return await self.storage.teams.all(conn)

    async def get_team(self, ref: str) -> Team:
        async with self.storage.read() as conn:
            team = await self.storage.teams.get(conn, ref)
        if team is None:
            raise NotFound(f"no team '{ref}'", code="team_not_found")
        return team

    async def create_team(
        self,
        name: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        models: list[str] | None = None,
        regions: list[str] | None = None,
        limits: dict[str, Any] | None = None,
        budget: dict[str, Any] | None = None,
    ) -> Team:
        now = time.time()
        team = Team(new_id("team"), name, dict(metadata or {}), models, regions, now, now, limits, budget)
        with _name_taken(f"a team named '{name}' already exists"):
            async with self.storage.write() as conn:
                if await self.storage.teams.get(conn, name) is not None:
                    raise Conflict(
                        f"a team named '{name}' already exists", param="name", code="duplicate_name"
                    )
                await self.storage.teams.insert(conn, team)
                version = await versions.bump(conn, IDENTITY)
        await self.on_change(version)
        return team

    async def update_team(self, ref: str, changes: Mapping[str, Any]) -> Team:
        allowed = {"name", "metadata", "models", "regions", "limits", "budget"}
        values = {k: v for k, v in changes.items() if k in allowed}
        with _name_taken("a team with that name already exists"):
            async with self.storage.write() as conn:
                team = await self.storage.teams.get(conn, ref)
                if team is None:
                    raise NotFound(f"no team '{ref}'", code="team_not_found")
                name = values.get("name")
                if name is not None and name != team.name and await self.storage.teams.get(conn, name):
                    raise Conflict(
                        f"a team named '{name}' already exists", param="name", code="duplicate_name"
                    )
                values["updated_at"] = time.time()
                await self.storage.teams.update(conn, team.id, values)
                version = await versions.bump(conn, IDENTITY)
        await self.on_change(version)
        return replace(team, **values)

    async def delete_team(self, ref: str) -> Team:
        async with self.storage.write() as conn:
            team = await self.storage.teams.get(conn, ref)
            if team is None:
                raise NotFound(f"no team '{ref}'", code="team_not_found")
            if await self.storage.teams.key_count(conn, team.id, active_only=False):
                active = await self.storage.teams.key_count(conn, team.id)
                raise Conflict(
                    f"team '{team.name}' still has keys ({active} active): revoke them first"
                    if active
                    else f"team '{team.name}' has revoked keys on record and is kept for the audit trail",
                    code="team_has_keys",
                )
            await self.storage.teams.delete(conn, team.id)
            version = await versions.bump(conn, IDENTITY)
        await self.on_change(version)
        return team

    # --- keys ------------------------------------------------------------------------------------
    async def list_keys(self, team_id: str | None = None, include_revoked: bool = True) -> list[KeyRecord]:
        async with self.storage.read() as conn:
            return await self.storage.keys.all(conn, team_id=team_id, include_revoked=include_revoked)

    async def get_key(self, key_id: str) -> KeyRecord:
        async with self.storage.read() as conn:
            key = await self.storage.keys.get(conn, key_id)
        if key is None:
            raise NotFound(f"no key '{key_id}'", code="key_not_found")
        return key

    async def create_key(
        self,
        name: str,
        *,
        team: str | None = None,
        user: str | None = None,
        models: list[str] | None = None,
        regions: list[str] | None = None,
        expires_at: float | None = None,
        role: str | None = None,
        created_by: str = "admin",
        limits: dict[str, Any] | None = None,
        budget: dict[str, Any] | None = None,
    ) -> tuple[KeyRecord, str]:
        """Returns the stored record and the key itself (the only time it exists outside the caller)."""
        if role is not None and role not in ROLES:
            raise _field_error("role", f"must be one of {', '.join(ROLES)} (or absent)")
        if role == "team-admin" and team is None:
            raise _field_error("team", "a team-admin key needs a team")
        if expires_at is not None and expires_at <= time.time():
            raise _field_error("expires_at", "must be in the future")
        secret = new_secret()
        now = time.time()
        with _name_taken(f"a key named '{name}' already exists"):
            async with self.storage.write() as conn:
                team_id = None
                if team is not None:
                    found = await self.storage.teams.get(conn, team)
                    if found is None:
                        raise _field_error("team", f"no team '{team}'")
                    team_id = found.id
                if await self.storage.keys.active_named(conn, name) is not None:
                    raise Conflict(
                        f"a key named '{name}' already exists", param="name", code="duplicate_name"
                    )
                record = KeyRecord(
                    id=new_id("key"),
                    name=name,
                    team_id=team_id,
                    user=user,
                    role=role,
                    models=list(models) if models is not None else ["*"],
                    regions=regions,
                    prefix=display_prefix(secret),
                    secret_hash=hash_secret(secret),
                    previous_hash=None,
                    previous_expires_at=None,
                    expires_at=expires_at,
                    created_by=created_by,
                    created_at=now,
                    updated_at=now,
                    last_used_at=None,
                    revoked_at=None,
                    limits=limits,
                    budget=budget,
                )
                await self.storage.keys.insert(conn, record)
                version = await versions.bump(conn, IDENTITY)
        await self.on_change(version)
        return record, secret

    async def rotate_key(self, key_id: str, grace_seconds: float = 0) -> tuple[KeyRecord, str]:
        """A new secret for the same key; the old one keeps working for `grace_seconds` (0: stops now)."""
        secret = new_secret()
        now = time.time()
        async with self.storage.write() as conn:
            key = await self.storage.keys.get(conn, key_id)
            if key is None:
                raise NotFound(f"no key '{key_id}'", code="key_not_found")
            if key.revoked:
                raise Conflict(f"key '{key_id}' is revoked", code="key_revoked")
            values: dict[str, Any] = {
                "secret_hash": hash_secret(secret),
                "prefix": display_prefix(secret),
                "previous_hash": key.secret_hash if grace_seconds > 0 else None,
                "previous_expires_at": now + grace_seconds if grace_seconds > 0 else None,
                "updated_at": now,
            }
            await self.storage.keys.update(conn, key.id, values)
            version = await versions.bump(conn, IDENTITY)
        await self.on_change(version)
        return replace(key, **values), secret

    async def update_key(self, key_id: str, changes: Mapping[str, Any]) -> KeyRecord:
        """Change any of a key's KEY_FIELDS (stored values: models a list, expires_at epoch seconds, limits
        and budget JSON). Its secret, team and role stay; a revoked key cannot be changed (409)."""
        values = {k: v for k, v in changes.items() if k in KEY_FIELDS}
        if not values:
            raise _field_error("body", f"send at least one of {', '.join(KEY_FIELDS)}")
        if values.get("expires_at") is not None and values["expires_at"] <= time.time():
            raise _field_error("expires_at", "must be in the future")
        with _name_taken("a key with that name already exists"):
            async with self.storage.write() as conn:
                key = await self.storage.keys.get(conn, key_id)
                if key is None:
                    raise NotFound(f"no key '{key_id}'", code="key_not_found")
                if key.revoked:
                    raise Conflict(f"key '{key_id}' is revoked", code="key_revoked")
                name = values.get("name")
                if name is not None and name != key.name:
                    other = await self.storage.keys.active_named(conn, name)
                    if other is not None and other.id != key.id:
                        raise Conflict(
                            f"a key named '{name}' already exists", param="name", code="duplicate_name"
                        )
                values["updated_at"] = time.time()
                await self.storage.keys.update(conn, key.id, values)
                version = await versions.bump(conn, IDENTITY)
        await self.on_change(version)
        return replace(key, **values)

    async def revoke_key(self, key_id: str) -> KeyRecord:
        now = time.time()
        async with self.storage.write() as conn:
            key = await self.storage.keys.get(conn, key_id)
            if key is None:
                raise NotFound(f"no key '{key_id}'", code="key_not_found")
            if key.revoked:
                return key
            values: dict[str, Any] = {
                "revoked_at": now,
                "updated_at": now,
                "previous_hash": None,
                "previous_expires_at": None,
            }
            await self.storage.keys.update(conn, key.id, values)
            version = await versions.bump(conn, IDENTITY)
        await self.on_change(version)
        return replace(key, **values)

    async def team_names(self) -> dict[str, str]:
        """Team id -> name, for rendering keys."""
        return {t.id: t.name for t in await self.list_teams()}
