"""The storage layer on both backends: migrations at start-up (idempotent, concurrent), version counters,
repositories."""

from __future__ import annotations

import asyncio
import time

import pytest

from bastion.identity.service import IdentityAdmin
from bastion.storage import open_storage, versions
from bastion.storage.migrate import heads
from bastion.storage.teams import Team
from identity.conftest import unique


async def test_migrations_are_idempotent_and_concurrent(database_url: str) -> None:
    stores = [open_storage(database_url) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))  # four "processes" starting at once
    try:
        assert {s.revision for s in stores} == {heads()}
        assert all([await s.ping() for s in stores])
    finally:
        for s in stores:
            await s.close()
    assert not await stores[0].ping()


async def test_versions_and_teams(database_url: str) -> None:
    storage = open_storage(database_url)
    await storage.open()
    try:
        before = await versions.current(storage.engine, "identity")
        now = time.time()
        team = Team(unique("team_"), unique("n"), {"a": [1, 2]}, ["x*"], None, now, now)
        async with storage.write() as conn:
            await storage.teams.insert(conn, team)
            after = await versions.bump(conn, "identity")
        assert after == before + 1
        async with storage.read() as conn:
            assert await storage.teams.get(conn, team.name) == team
            assert await storage.teams.get(conn, team.id) == team
        with pytest.raises(RuntimeError):  # a failed transaction leaves nothing behind
            async with storage.write() as conn:
                await storage.teams.delete(conn, team.id)
                raise RuntimeError
        async with storage.read() as conn:
            assert await storage.teams.get(conn, team.id) is not None
    finally:
        await storage.close()


async def test_concurrent_duplicate_names_give_one_winner(database_url: str) -> None:
    from bastion.errors import Conflict

    storage = open_storage(database_url)
    await storage.open()
    try:
        admin = IdentityAdmin(storage)
        name = unique("race")
        results = await asyncio.gather(*(admin.create_key(name) for _ in range(5)), return_exceptions=True)
        assert sum(isinstance(r, tuple) for r in results) == 1
        assert all(isinstance(r, Conflict) for r in results if not isinstance(r, tuple))
        record, secret = next(r for r in results if isinstance(r, tuple))
        assert record.secret_hash != secret and secret not in str(record)
    finally:
        await storage.close()


def test_unsupported_url_fails_early() -> None:
    with pytest.raises(ValueError, match="database_url"):
        open_storage("mysql://nope")
