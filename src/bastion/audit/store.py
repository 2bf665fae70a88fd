"""Appending to the chain and reading it back, on SQLite or PostgreSQL.

One chain per database, however many workers and replicas write to it: every append is one transaction
that first takes the database's writer lock — `BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory
lock (`pg_advisory_xact_lock`) on PostgreSQL — then reads the head (seq, hash), links its batch after it and
commits. Batches from different writers therefore serialise; the chain's order is commit order. `seq` is the
primary key, so a writer that skipped the lock could never fork the chain, only fail.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bastion.audit.chain import GENESIS, Checkpoint, canonical, checkpoint_message, link
from bastion.audit.keys import Signer
from bastion.audit.schema import checkpoints, data_keys, meta, records
from bastion.storage import Storage, versions
from bastion.storage.schema import cache_versions

_PG_AUDIT_LOCK = 0x62617564  # "baud"
PRUNED_SEQ = "pruned_seq"
PRUNED_HASH = "pruned_hash"
CONFIG_HASH = "config_hash"
SHREDDED = "shredded"  # JSON {team: how many times its data keys were destroyed}
KEYS_VERSION = "audit_keys"  # cache_versions row bumped by every shred (how workers learn of it)


def columns(rec: dict[str, Any]) -> dict[str, Any]:
    """The filter columns of a record (kept in sync with the payload; the verifier checks them)."""
    pii = rec.get("pii") or {}
    return {
        "id": rec["id"],
        "kind": rec["kind"],
        "request_id": rec.get("request_id"),
        "ts": rec["ts_start"],
        "team": rec.get("team"),
        "key_id": rec.get("key_id"),
        "model": rec.get("model"),
        "provider": rec.get("provider"),
        "region": rec.get("region"),
        "status": rec.get("status"),
        "decision": rec.get("decision"),
        "pii_types": ("," + ",".join(sorted(pii)) + ",") if pii else None,
    }


@dataclass(slots=True)
class Appended:
    head: int
    count: int
    checkpoints: list[Checkpoint]


class AuditStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @property
    def postgres(self) -> bool:
        return self.storage.backend == "postgresql"

    async def _lock(self, conn: AsyncConnection) -> None:
        if self.postgres:
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_AUDIT_LOCK})

    # --- writing ---------------------------------------------------------------------------------
    async def append(
        self,
        batch: Sequence[dict[str, Any]],
        signer: Signer | None = None,
        checkpoint_every: int = 1000,
        checkpoint_seconds: float = 60.0,
        dedupe: bool = False,
    ) -> Appended:
        """Link `batch` after the head, in one transaction; sign a checkpoint when one is due."""
        async with self.storage.write() as conn:
            await self._lock(conn)
            todo = [r for r in batch if r["kind"] != "_data_key"]
            await self._store_data_keys(conn, [r for r in batch if r["kind"] == "_data_key"])
            if dedupe and todo:
                todo = await self._new_only(conn, todo)
            todo = await self._skip_repeated_config(conn, todo)
            chain = await self._link(conn, todo)
            cps = []
            if signer is not None:
                cps = await self._checkpoints_due(conn, signer, chain, checkpoint_every, checkpoint_seconds)
            return Appended(chain[-1][0], len(todo), cps)

    async def _link(self, conn: AsyncConnection, todo: list[dict[str, Any]]) -> list[tuple[int, str]]:
        """Insert `todo` after the head; returns [(seq, hash)] from the old head on."""
        seq, prev = await self._head(conn)
        chain = [(seq, prev)]
        rows: list[tuple[Any, ...]] = []
        for rec in todo:
            seq += 1
            rec["seq"] = seq
            payload = canonical(rec)
            prev = link(prev, payload)
            chain.append((seq, prev))
            rows.append((seq, *columns(rec).values(), payload.decode(), prev))  # the table's column order
        if rows:
            await conn.exec_driver_sql(self._insert_sql(conn), rows)
        return chain

    @staticmethod
    def _insert_sql(conn: AsyncConnection) -> str:
        """The raw INSERT (executemany on the driver: SQLAlchemy's per-row parameter processing costs more
        than the insert itself at thousands of rows per commit)."""
        names = [c.name for c in records.columns]
        if conn.dialect.paramstyle == "numeric_dollar":
            marks = ", ".join(f"${i}" for i in range(1, len(names) + 1))
        else:
            marks = ", ".join("?" for _ in names)
        return f"INSERT INTO audit_records ({', '.join(names)}) VALUES ({marks})"

    async def prune_through(self, checkpoint: Checkpoint, record: dict[str, Any]) -> int:
        """Delete records 1..checkpoint.seq (a whole number of epochs, ending at a signed checkpoint),
        remember where the chain now starts, and link `record` (kind "retention") — one transaction."""
        async with self.storage.write() as conn:
            await self._lock(conn)
            if int((await self.meta(conn)).get(PRUNED_SEQ, 0)) >= checkpoint.seq:
                return 0  # another worker pruned this far meanwhile
            result = await conn.execute(sa.delete(records).where(records.c.seq <= checkpoint.seq))
            await self.set_meta(conn, {PRUNED_SEQ: str(checkpoint.seq), PRUNED_HASH: checkpoint.hash})
            await self._link(conn, [record])
            return int(result.rowcount or 0)

    async def checkpoint(self, signer: Signer) -> Checkpoint | None:
        """Sign the current head now, unless it is already checkpointed."""
        async with self.storage.write() as conn:
            await self._lock(conn)
            cps = await self._checkpoints_due(conn, signer, [await self._head(conn)], 1, 0.0)
            return cps[-1] if cps else None

    async def _store_data_keys(self, conn: AsyncConnection, entries: list[dict[str, Any]]) -> None:
        """Store new data keys — except those made before their team's latest shred (`gen` older than the
        team's count of shreds): a worker that had not heard of the shred yet must not resurrect content
        the shred erased."""
        if not entries:
            return
        ids = [e["id"] for e in entries]
        known = set(await conn.scalars(sa.select(data_keys.c.id).where(data_keys.c.id.in_(ids))))
        shredded = await self._shredded(conn)
        rows = [{"id": e["id"], "team": e["team"], "wrapped": e["wrapped"], "created_at": e["ts_start"]}
                for e in entries
                if e["id"] not in known and e.get("gen", 0) >= shredded.get(e["team"], 0)]  # fmt: skip
        if rows:
            await conn.execute(sa.insert(data_keys), rows)

    async def _shredded(self, conn: AsyncConnection) -> dict[str, int]:
        value = await conn.scalar(sa.select(meta.c.value).where(meta.c.name == SHREDDED))
        return orjson.loads(value) if value else {}

    async def data_keys(self) -> list[tuple[str, str, str]]:
        async with self.storage.read() as conn:
            rows = await conn.execute(sa.select(data_keys.c.id, data_keys.c.team, data_keys.c.wrapped))
            return [(r[0], r[1], r[2]) for r in rows]

    async def key_state(self) -> tuple[int, list[tuple[str, str, str]], dict[str, int]]:
        """(keys version, data keys, shreds per team), read together."""
        async with self.storage.read() as conn:
            version = await self.keys_version(conn)
            rows = await conn.execute(sa.select(data_keys.c.id, data_keys.c.team, data_keys.c.wrapped))
            return version, [(r[0], r[1], r[2]) for r in rows], await self._shredded(conn)

    @staticmethod
    async def keys_version(conn: AsyncConnection) -> int:
        q = sa.select(cache_versions.c.version).where(cache_versions.c.name == KEYS_VERSION)
        return int(await conn.scalar(q) or 0)

    async def shred(self, team: str) -> tuple[int, int]:
        """Destroy the team's data keys (under the writer lock, so no commit interleaves); count the shred
        and bump the keys version. Returns (keys destroyed, new keys version)."""
        async with self.storage.write() as conn:
            await self._lock(conn)
            result = await conn.execute(sa.delete(data_keys).where(data_keys.c.team == team))
            shredded = await self._shredded(conn)
            shredded[team] = shredded.get(team, 0) + 1
            await self.set_meta(conn, {SHREDDED: orjson.dumps(shredded).decode()})
            version = await versions.bump(conn, KEYS_VERSION)
            return int(result.rowcount or 0), version

    async def _new_only(self, conn: AsyncConnection, todo: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found: set[str] = set()
        ids = [r["id"] for r in todo]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            found.update(await conn.scalars(sa.select(records.c.id).where(records.c.id.in_(chunk))))
        seen: set[str] = set()
        out = []
        for r in todo:
            if r["id"] not in found and r["id"] not in seen:
                seen.add(r["id"])
                out.append(r)
        return out

    async def _skip_repeated_config(
        self, conn: AsyncConnection, todo: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """A `config` record is written only when the config hash differs from the last one recorded
        (every worker announces the config it starts with; one record per actual change)."""
        if not any(r["kind"] == "config" for r in todo):
            return todo
        q = (
            sa.select(records.c.payload)
            .where(records.c.kind == "config")
            .order_by(records.c.seq.desc())
            .limit(1)
        )
        known = (await self.meta(conn)).get(CONFIG_HASH)  # survives the pruning of the config record
        last = None if known else await conn.scalar(q)
        current = known or (orjson.loads(last)["after_hash"] if last else None)
        out = []
        for r in todo:
            if r["kind"] == "config":
                if r["after_hash"] == current:
                    continue
                r["before_hash"] = current
                current = r["after_hash"]
            out.append(r)
        if current is not None and current != known:
            await self.set_meta(conn, {CONFIG_HASH: current})
        return out

    async def _head(self, conn: AsyncConnection) -> tuple[int, str]:
        row = (
            await conn.execute(
                sa.select(records.c.seq, records.c.hash).order_by(records.c.seq.desc()).limit(1)
            )
        ).first()
        if row is not None:
            return int(row[0]), str(row[1])
        pruned = await self.meta(conn)
        if PRUNED_SEQ in pruned:
            return int(pruned[PRUNED_SEQ]), pruned[PRUNED_HASH]
        return 0, GENESIS

    async def _checkpoints_due(
        self, conn: AsyncConnection, signer: Signer, chain: list[tuple[int, str]], every: int, seconds: float
    ) -> list[Checkpoint]:
        """A checkpoint at every `every`-th record since the last one, and at the head when the last is
        older than `seconds` (the first record of a log is always checkpointed)."""
        last = (
            await conn.execute(
                sa.select(checkpoints.c.seq, checkpoints.c.ts).order_by(checkpoints.c.seq.desc()).limit(1)
            )
        ).first()
        now = round(time.time(), 6)
        last_seq, last_ts = (int(last[0]), float(last[1])) if last is not None else (0, 0.0)
        due = [(s, h) for s, h in chain if s > last_seq and (s - last_seq) % every == 0]
        head_seq, head = chain[-1]
        if head_seq > last_seq and (last is None or now - last_ts >= seconds) and (head_seq, head) not in due:
            due.append((head_seq, head))
        out = []
        for seq, digest in due:
            sig = signer.sign(checkpoint_message(seq, digest, now))
            out.append(Checkpoint(seq, digest, now, signer.key_id, sig))
        if out:
            await conn.execute(sa.insert(checkpoints), [cp.as_dict() for cp in out])
        return out

    # --- reading ---------------------------------------------------------------------------------
    async def meta(self, conn: AsyncConnection) -> dict[str, str]:
        return {r[0]: r[1] for r in await conn.execute(sa.select(meta.c.name, meta.c.value))}

    async def set_meta(self, conn: AsyncConnection, values: dict[str, str]) -> None:
        for name, value in values.items():
            await conn.execute(sa.delete(meta).where(meta.c.name == name))
            await conn.execute(sa.insert(meta).values(name=name, value=value))

    async def rows(self, after: int = 0, page: int = 5000) -> AsyncIterator[sa.Row[Any]]:
        """Every record row in seq order (seq, payload, hash and the filter columns), page by page."""
        while True:
            async with self.storage.read() as conn:
                q = sa.select(records).where(records.c.seq > after).order_by(records.c.seq).limit(page)
                batch = list(await conn.execute(q))
            for row in batch:
                yield row
            if len(batch) < page:
                return
            after = int(batch[-1].seq)

    async def checkpoints(self) -> list[Checkpoint]:
        async with self.storage.read() as conn:
            rows = await conn.execute(sa.select(checkpoints).order_by(checkpoints.c.seq))
            return [Checkpoint(int(r.seq), r.hash, float(r.ts), r.key_id, r.signature) for r in rows]

    async def count(self) -> int:
        async with self.storage.read() as conn:
            return int(await conn.scalar(sa.select(sa.func.count()).select_from(records)) or 0)
