"""The shadow-AI tables: additive per-day upserts (several workers may write the same row: counters are
added in the database, never read-modify-written), first sightings, retention, and the reports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bastion.shadow.schema import daily, services
from bastion.storage import Storage

Key = tuple[str, str, str, str]  # day, service, user, source


@dataclass(slots=True)
class Cell:
    requests: int
    bytes_out: int
    first: float
    last: float


def _insert(storage: Storage, table: sa.Table) -> Any:
    return (postgresql.insert if storage.backend == "postgresql" else sqlite.insert)(table)


class ShadowStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def add(self, cells: dict[Key, Cell]) -> None:
        if not cells:
            return
        rows = [
            {"day": d, "service": s, "user_id": u, "source": src, "requests": c.requests,
             "bytes_out": c.bytes_out, "first_seen": c.first, "last_seen": c.last}
            for (d, s, u, src), c in sorted(cells.items())  # one order: no deadlocks between workers
        ]  # fmt: skip
        stmt = _insert(self.storage, daily)
        ex = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=["day", "service", "user_id", "source"],
            set_={
                "requests": daily.c.requests + ex.requests,
                "bytes_out": daily.c.bytes_out + ex.bytes_out,
                "first_seen": sa.case((ex.first_seen < daily.c.first_seen, ex.first_seen),
                                      else_=daily.c.first_seen),
                "last_seen": sa.case((ex.last_seen > daily.c.last_seen, ex.last_seen),
                                     else_=daily.c.last_seen),
            },
        )  # fmt: skip
        async with self.storage.write() as conn:
            for start in range(0, len(rows), 500):
                await conn.execute(stmt, rows[start : start + 500])

    async def first_sightings(self, seen: dict[str, tuple[float, bool]]) -> list[str]:
        """Records services never seen before; returns those this call recorded first (exactly one
        writer wins per service, whichever worker or replica)."""
        if not seen:
            return []
        async with self.storage.read() as conn:
            known = {r[0] for r in await conn.execute(
                sa.select(services.c.service).where(services.c.service.in_(list(seen)))
            )}  # fmt: skip
        fresh = [s for s in seen if s not in known]
        won: list[str] = []
        for service in sorted(fresh):
            first, sanctioned = seen[service]
            row = {"service": service, "first_seen": first, "sanctioned": sanctioned}
            stmt = _insert(self.storage, services).values(**row)
            async with self.storage.write() as conn:
                result = await conn.execute(stmt.on_conflict_do_nothing(index_elements=["service"]))
                if result.rowcount:
                    won.append(service)
        return won

    async def prune(self, before_day: str) -> int:
        async with self.storage.write() as conn:
            result = await conn.execute(sa.delete(daily).where(daily.c.day < before_day))
            return int(result.rowcount or 0)

    # --- reports ------------------------------------------------------------------------------------
    def _range(self, since: str, until: str) -> Any:
        return sa.and_(daily.c.day >= since, daily.c.day <= until)

    async def services_report(self, since: str, until: str) -> list[dict[str, Any]]:
        where = self._range(since, until)
        totals = sa.select(
            daily.c.service, sa.func.count(sa.distinct(daily.c.user_id)), sa.func.sum(daily.c.requests),
            sa.func.sum(daily.c.bytes_out), sa.func.min(daily.c.first_seen), sa.func.max(daily.c.last_seen),
        ).where(where).group_by(daily.c.service)  # fmt: skip
        by_source = (
            sa.select(daily.c.service, daily.c.source, sa.func.sum(daily.c.requests))
            .where(where)
            .group_by(daily.c.service, daily.c.source)
        )
        async with self.storage.read() as conn:
            rows = (await conn.execute(totals)).all()
            sources = (await conn.execute(by_source)).all()
            first = dict((await conn.execute(sa.select(services.c.service, services.c.first_seen))).all())
        split: dict[str, dict[str, int]] = defaultdict(dict)
        for service, source, n in sources:
            split[service][source] = int(n)
        return [
            {"service": s, "users": int(u), "requests": int(r), "bytes_out": int(b), "first_seen": f,
             "last_seen": last, "first_seen_ever": first.get(s), "sources": split[s]}
            for s, u, r, b, f, last in rows
        ]  # fmt: skip

    async def users_report(self, since: str, until: str) -> list[dict[str, Any]]:
        stmt = (
            sa.select(daily.c.user_id, daily.c.service, sa.func.sum(daily.c.requests),
                      sa.func.sum(daily.c.bytes_out))
            .where(self._range(since, until))
            .group_by(daily.c.user_id, daily.c.service)
        )
        users: dict[str, dict[str, Any]] = {}  # fmt: skip
        async with self.storage.read() as conn:
            for user, service, requests, bytes_out in (await conn.execute(stmt)).all():
                entry = users.setdefault(user, {"user": user, "services": [], "requests": 0, "bytes_out": 0})
                entry["services"].append(service)
                entry["requests"] += int(requests)
                entry["bytes_out"] += int(bytes_out)
        for entry in users.values():
            entry["services"].sort()
        return sorted(users.values(), key=lambda e: (-e["requests"], e["user"]))

    async def days_report(self, since: str, until: str) -> list[tuple[str, str, int, int, int]]:
        """(day, service, users, requests, bytes_out) rows."""
        stmt = (
            sa.select(daily.c.day, daily.c.service, sa.func.count(sa.distinct(daily.c.user_id)),
                      sa.func.sum(daily.c.requests), sa.func.sum(daily.c.bytes_out))
            .where(self._range(since, until))
            .group_by(daily.c.day, daily.c.service)
            .order_by(daily.c.day)
        )  # fmt: skip
        async with self.storage.read() as conn:
            return [(d, s, int(u), int(r), int(b)) for d, s, u, r, b in (await conn.execute(stmt)).all()]
