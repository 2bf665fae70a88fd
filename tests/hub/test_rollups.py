"""The Hub's hourly roll-ups are kept by database triggers on insert and on delete. Retention deletes whole
epochs of records: afterwards every roll-up must equal what the remaining records give (no stale counts,
no rows left at zero), and the Hub's figures must still equal `bastion usage` — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from bastion.audit import Audit
from bastion.audit.chain import canonical
from bastion.audit.query import Filters
from bastion.audit.retention import prune
from bastion.audit.schema import records as audit_records
from bastion.audit.store import columns
from bastion.config import Config, parse_config
from bastion.cost.usage import usage_report
from bastion.hub import queries
from bastion.hub.queries import Scope
from bastion.storage import Storage, open_storage
from bastion.storage.engine import create_engine
from bastion.storage.engine import write as write_transaction
from bastion.storage.migrate import migrate
from hub.conftest import request_record

HOUR = 3600
SUMS = ("requests", "errors", "denied", "pii_requests", "usd", "known", "unknown_cost", "tokens_in",
        "tokens_out")  # fmt: skip
Tables = dict[str, Counter[tuple[Any, ...]]]
PROTECTED = ("pseudonymize", "mask", "hash", "redact", "replace", "block")


def expected(rows: list[tuple[int, float, str | None, str]]) -> Tables:
    """The roll-ups and marks computed in Python from (seq, ts, pii_types, payload) of the request records."""
    rollup: Counter[tuple[Any, ...]] = Counter()
    latency: Counter[tuple[Any, ...]] = Counter()
    pii: Counter[tuple[Any, ...]] = Counter()
    shadow: Counter[tuple[Any, ...]] = Counter()
    marks: Counter[tuple[Any, ...]] = Counter()
    for seq, ts, pii_types, payload in rows:
        rec = orjson.loads(payload)
        policy = rec.get("policy") or {}
        found = {f"rule:{h['id']}" for h in (policy.get("matched") or []) + (policy.get("shadow") or [])}
        found |= {"flagged"} if policy.get("flagged") else set()
        found |= {f"pii:{t}" for t in rec.get("pii") or {}}
        marks.update((seq, m) for m in found)
        hour, team = int(ts // HOUR), rec.get("team") or ""
        denied = rec.get("decision") in ("denied", "blocked")
        reason = (rec.get("error_code") or rec.get("error") or rec.get("decision")) if denied else ""
        dims = (hour, team, rec.get("key_id") or "", rec.get("model") or "", rec.get("provider") or "",
                rec.get("decision") or "", reason)  # fmt: skip
        cost = rec.get("cost") if isinstance(rec.get("cost"), dict) else None
        usd = cost.get("usd") if cost else None
        unknown = (cost is None and rec.get("provider") is not None) or (cost is not None and usd is None)
        tokens = (cost.get("input_tokens") or 0, cost.get("output_tokens") or 0) if cost else (
            rec.get("tokens_in") or 0, rec.get("tokens_out") or 0)  # fmt: skip
        facts = (1, int(rec.get("error") is not None), int(denied), int(pii_types is not None), usd or 0.0,
                 int(usd is not None), int(unknown), *tokens)  # fmt: skip
        for name, value in zip(SUMS, facts, strict=True):
            rollup[(*dims, name)] += value
        if rec.get("overhead_ms") is not None:
            latency[(hour, team, math.floor(rec["overhead_ms"] * 10))] += 1
        for kind, actions in (rec.get("pii") or {}).items():
            pii[(hour, team, kind)] += sum(n for a, n in actions.items() if a in PROTECTED)
        for hit in (rec.get("policy") or {}).get("shadow") or []:
            shadow[(hour, team, hit["id"], hit["action"])] += 1
    return {"hub_rollup": rollup, "hub_latency": latency, "hub_pii": pii, "hub_shadow": shadow,
            "hub_marks": marks}  # fmt: skip


async def stored(storage: Storage) -> Tables:
    """The roll-up tables as the triggers left them (zero rows included: there must be none)."""
    out: Tables = {}
    dims = "hour, team, key_id, model, provider, decision, reason"
    async with storage.read() as conn:
        rollup: Counter[tuple[Any, ...]] = Counter()
        for row in await conn.execute(sa.text(f"SELECT {dims}, {', '.join(SUMS)} FROM hub_rollup")):
            assert row.requests != 0, f"a roll-up row left at zero requests: {row}"
            for name in SUMS:
                rollup[(*row[:7], name)] += getattr(row, name)
        out["hub_rollup"] = rollup
        for table, cols in (("hub_latency", "hour, team, bucket"), ("hub_pii", "hour, team, type"),
                            ("hub_shadow", "hour, team, rule, action")):  # fmt: skip
            found: Counter[tuple[Any, ...]] = Counter()
            for row in await conn.execute(sa.text(f"SELECT {cols}, n FROM {table}")):
                assert row.n != 0, f"a {table} row left at zero: {row}"
                found[tuple(row[:-1])] += row.n
            out[table] = found
        out["hub_marks"] = Counter(
            tuple(row) for row in await conn.execute(sa.text("SELECT seq, mark FROM hub_marks"))
        )
    return out


async def records(storage: Storage) -> list[tuple[int, float, str | None, str]]:
    async with storage.read() as conn:
        sql = "SELECT seq, ts, pii_types, payload FROM audit_records WHERE kind = 'request'"
        return [tuple(row) for row in await conn.execute(sa.text(sql))]  # type: ignore[misc]


def assert_same(ours: Tables, theirs: Tables) -> None:
    for table, counts in theirs.items():
        got = ours[table]
        want = Counter({k: v for k, v in counts.items() if v})
        if table == "hub_rollup":
            for key in set(got) | set(want):
                assert got[key] == want[key] or abs(got[key] - want[key]) < 1e-9, (table, key)
        else:
            assert +got == +want, table


async def write(config: Config, storage: Storage, shapes: range, base: float) -> None:
    """Request records of shape i at base + 10 minutes * i, committed (a checkpoint signed at the end)."""
    audit = Audit(config, storage)
    await audit.start()
    for i in shapes:
        audit.writer.submit(request_record(i, base + 600 * i))
    await audit.stop()


async def test_retention_keeps_rollups_exact(db_url: str, tmp_path: Path) -> None:
    audit_settings = {"dir": str(tmp_path / "audit"), "checkpoint_every": 7}
    config = parse_config(
        {"admin_key": "test-admin-key-0123456789", "database_url": db_url, "audit": audit_settings}, env={}
    )
    storage = open_storage(db_url)
    await storage.open()
    try:
        base = (time.time() // HOUR - 30) * HOUR  # 30 hours ago, on an hour
        await write(config, storage, range(0, 90), base)  # hours 0..14
        await asyncio.sleep(0.05)
        between = time.time()
        await asyncio.sleep(0.05)
        await write(config, storage, range(60, 150), base)  # hours 10..24: hours 10..14 get both
        before = await records(storage)
        assert_same(await stored(storage), expected(before))
        audit = Audit(config, storage)
        result = await prune(audit.store, days=1, now=between + 86400)
        after = await records(storage)
        assert result["pruned"] > 90 and len(after) == 90  # the first writer's records and checkpoints
        assert {int(ts // HOUR) for _seq, ts, *_ in after} == {int(base // HOUR) + h for h in range(10, 25)}
        assert_same(await stored(storage), expected(after))
        # and the Hub's figures over everything equal `bastion usage` over what is left
        totals = await queries.totals(storage, Scope(None, None))
        report = await usage_report(audit.store, "team", Filters())
        assert totals["requests"] == report["total"]["requests"] == 90
        assert totals["errors"] == report["total"]["errors"]
        assert totals["usd"] == round(report["total"]["usd"], 9)
        assert totals["unknown_cost_requests"] == report["total"]["unknown_cost_requests"]
        for group_by in ("team", "key", "model", "provider", "day"):
            ours = await queries.spend_by(storage, Scope(None, None), group_by)
            theirs = await usage_report(audit.store, group_by, Filters())
            assert {r["group"]: (r["requests"], r["usd"]) for r in ours} == {
                r["group"]: (r["requests"], r["usd"]) for r in theirs["data"]
            }, group_by
        # a window that lies wholly in the pruned hours is empty, and its groups are gone
        gone = Scope(base, base + 10 * HOUR)
        assert (await queries.totals(storage, gone))["requests"] == 0
        assert await queries.top(storage, gone, "team") == []
        assert await queries.pii_values(storage, gone) == []
        assert await queries.percentiles(storage, gone) == [None, None]
        assert await queries.shadow_hits(storage, gone) == []
        hits = await queries.shadow_hits(storage, Scope(None, None))
        want = Counter()
        for (_h, _t, rule, action), n in expected(after)["hub_shadow"].items():
            want[(rule, action)] += n
        assert {(h["rule"], h["action"]): h["n"] for h in hits} == dict(want)
    finally:
        await storage.close()


async def test_upgrade_from_hub_0001_backfills_and_clears_zero_rows(db_url: str) -> None:
    """A database that ran the first Hub migration (and deleted records under its triggers, leaving rows
    at zero) gets its shadow hits and marks filled in, and its zero rows removed, by hub_0002."""
    base = (time.time() // HOUR - 30) * HOUR
    engine = create_engine(db_url)
    try:
        await migrate(engine, "hub_0001")
        async with write_transaction(engine) as conn:
            for seq, rec in enumerate((request_record(i, base + 600 * i) for i in range(60)), 1):
                row = {**columns(rec), "seq": seq, "payload": canonical(rec).decode(), "hash": "0" * 64}
                await conn.execute(sa.insert(audit_records), row)
            await conn.execute(sa.delete(audit_records).where(audit_records.c.seq <= 20))
            zero = await conn.scalar(sa.text("SELECT count(*) FROM hub_rollup WHERE requests = 0"))
            assert zero, "hub_0001's delete triggers left no zero row: nothing to test"
        await migrate(engine, "heads")
    finally:
        await engine.dispose()
    storage = open_storage(db_url)
    await storage.open()
    try:
        left = await records(storage)
        assert len(left) == 40
        assert_same(await stored(storage), expected(left))
    finally:
        await storage.close()
