"""The use-case register: entries from the config file (read-only at run time) and entries added through
the admin API (stored in `compliance_use_cases`). Every worker holds the whole register in memory and
reloads the stored part when the `use_cases` version row moves (checked every `identity.poll_interval`),
so nothing on the request path waits on the database.

    register = UseCases(config, storage)
    await register.start()                   # after storage.open()
    register.get("support-bot")              # UseCase | None
    register.bound_to(principal)             # the use case a key is bound to, if any
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from bastion.compliance.schema import use_cases as table
from bastion.config.compliance import UseCase, unique_use_cases
from bastion.config.schema import Config
from bastion.context import Principal
from bastion.errors import Conflict, NotFound, Unprocessable
from bastion.storage import Storage, versions
from bastion.storage.polling import poll_forever, stop_tasks
from bastion.storage.schema import cache_versions

log = logging.getLogger("bastion.compliance")
VERSION = "use_cases"


def invalid(exc: ValidationError) -> Unprocessable:
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"]) or "body",
            "message": "unknown field" if e["type"] == "extra_forbidden" else e["msg"],
        }
        for e in exc.errors()
    ]
    first = errors[0]
    return Unprocessable(f"{first['field']}: {first['message']}", param=first["field"], errors=errors)


class UseCases:
    def __init__(self, config: Config, storage: Storage) -> None:
        self.configured = {u.name: u for u in config.use_cases}
        self.stored: dict[str, UseCase] = {}
        self.storage = storage
        self.poll_interval = config.identity.poll_interval
        self.version = -1
        self._by_key: dict[str, UseCase] = {}
        self._index()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # --- reading (the request path) ---------------------------------------------------------------
    @property
    def entries(self) -> dict[str, UseCase]:
        return self.stored | self.configured

    def get(self, name: str) -> UseCase | None:
        return self.configured.get(name) or self.stored.get(name)

    def bound_to(self, principal: Principal | None) -> UseCase | None:
        if principal is None or not self._by_key:
            return None
        return self._by_key.get(principal.key_id) or self._by_key.get(principal.name)

    def source(self, name: str) -> str:
        return "config" if name in self.configured else "api"

    def _index(self) -> None:
        self._by_key = {key: u for u in self.entries.values() for key in u.keys}

    # --- keeping in step ----------------------------------------------------------------------------
    async def start(self) -> None:
        await self.refresh()
        self._tasks.append(
            asyncio.create_task(
                poll_forever(
                    self._wake,
                    lambda: self.poll_interval,
                    self.refresh,
                    log,
                    lambda exc: f"use case refresh failed ({exc}); the register in memory stays",
                )
            )
        )

    async def stop(self) -> None:
        await stop_tasks(self._tasks)

    async def refresh(self) -> None:
        async with self.storage.read() as conn:
            version = int(
                await conn.scalar(sa.select(cache_versions.c.version).where(cache_versions.c.name == VERSION))
                or 0
            )
            if version == self.version:
                return
            rows = list(await conn.execute(sa.select(table.c.name, table.c.data)))
        stored: dict[str, UseCase] = {}
        for name, data in rows:
            try:
                stored[name] = UseCase.model_validate(data)
            except ValidationError as exc:
                log.warning("stored use case %r is invalid and ignored: %s", name, exc)
        self.stored, self.version = stored, version
        self._index()

    # --- changing (admin API, CLI) ------------------------------------------------------------------
    def _check(self, entry: UseCase, replacing: str | None = None) -> None:
        others = [u for n, u in self.entries.items() if n != replacing]
        try:
            unique_use_cases([*others, entry])
        except ValueError as exc:
            raise Conflict(str(exc), code="use_case_conflict") from None

    async def create(self, data: dict[str, Any], actor: str | None) -> UseCase:
        try:
            entry = UseCase.model_validate(data)
        except ValidationError as exc:
            raise invalid(exc) from None
        await self.refresh()
        if entry.name in self.entries:
            raise Conflict(f"use case {entry.name!r} exists", code="use_case_exists")
        self._check(entry)
        now = time.time()
        async with self.storage.write() as conn:
            await conn.execute(
                sa.insert(table).values(
                    name=entry.name,
                    data=entry.model_dump(mode="json"),
                    created_at=now,
                    updated_at=now,
                    updated_by=actor,
                )
            )
            await versions.bump(conn, VERSION)
        await self.refresh()
        return entry

    def _editable(self, name: str) -> UseCase:
        if name in self.configured:
            raise Conflict(
                f"use case {name!r} is defined in the config file: change it there", code="use_case_in_config"
            )
        entry = self.stored.get(name)
        if entry is None:
            raise NotFound(f"no use case {name!r}", code="use_case_not_found")
        return entry

    async def update(self, name: str, changes: dict[str, Any], actor: str | None) -> UseCase:
        await self.refresh()
        old = self._editable(name)
        if "name" in changes and changes["name"] != name:
            raise Unprocessable("name: a use case is not renamed (create a new one)", param="name")
        try:
            entry = UseCase.model_validate(old.model_dump(mode="json") | changes)
        except ValidationError as exc:
            raise invalid(exc) from None
        self._check(entry, replacing=name)
        async with self.storage.write() as conn:
            await conn.execute(
                sa.update(table)
                .where(table.c.name == name)
                .values(data=entry.model_dump(mode="json"), updated_at=time.time(), updated_by=actor)
            )
            await versions.bump(conn, VERSION)
        await self.refresh()
        return entry

    async def delete(self, name: str) -> UseCase:
        await self.refresh()
        old = self._editable(name)
        async with self.storage.write() as conn:
            await conn.execute(sa.delete(table).where(table.c.name == name))
            await versions.bump(conn, VERSION)
        await self.refresh()
        return old
