"""The Hub's database aggregates on SQLite and PostgreSQL: the same figures as `bastion usage`
(`bastion.cost.usage.usage_report`, which reads every record in Python) for the same records."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion.audit import Audit
from bastion.audit.query import Filters
from bastion.config import parse_config
from bastion.cost.usage import usage_report
from bastion.hub import queries
from bastion.hub.queries import Scope
from bastion.storage import open_storage
from harness import fresh_pg_database

NOW = time.time()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/hub.db"
        return
    with fresh_pg_database("bastion_hub") as url:
        yield url


def record(i: int) -> dict[str, Any]:
    """Request records of every shape the usage report distinguishes."""
    rec: dict[str, Any] = {
        "id": os.urandom(16).hex(), "kind": "request", "request_id": f"q-{i}", "ts_start": NOW - 3000 + i,
        "team": ("alpha", "beta", None)[i % 3], "key_id": f"key_{i % 4}", "model": ("m1", "m2")[i % 2],
        "provider": "p" if i % 7 else None, "status": 200, "decision": "allowed",
        "overhead_ms": float(i % 11),
    }  # fmt: skip
    if i % 5 == 0:
        rec.update(status=403, decision="denied", error="PermissionDenied", error_code="policy_denied")
    elif i % 5 == 1:
        rec["cost"] = {"usd": 0.001 * i, "input_tokens": i, "output_tokens": 2 * i}
    elif i % 5 == 2:
        rec["cost"] = {"usd": None, "input_tokens": 3}  # no price: unknown, never $0
    else:
        rec.update(tokens_in=5, tokens_out=6)
    if i % 4 == 0:
        rec["pii"] = {"EMAIL": {"pseudonymize": 2}, "PHONE": {"allow": 1, "mask": 1}}
    return rec


async def test_aggregates_equal_usage_report(db_url: str, tmp_path: Path) -> None:
    config = parse_config({"admin_key": "test-admin-key-0123456789", "database_url": db_url,
                           "audit": {"dir": str(tmp_path / "audit")}}, env={})  # fmt: skip
    storage = open_storage(db_url)
    await storage.open()
    try:
        audit = Audit(config, storage)
        await audit.start()
        for i in range(60):
            audit.writer.submit(record(i))
        await audit.stop()
        scope = Scope(NOW - 3600, NOW + 1)
        totals = await queries.totals(storage, scope)
        expected = await usage_report(audit.store, "model", Filters(since=NOW - 3600, until=NOW + 1))
        total = expected["total"]
        assert totals["requests"] == total["requests"] == 60
        assert totals["errors"] == total["errors"]
        assert totals["usd"] == pytest.approx(total["usd"])
        assert totals["unknown_cost_requests"] == total["unknown_cost_requests"]
        assert totals["input_tokens"] == total["input_tokens"]
        assert totals["output_tokens"] == total["output_tokens"]
        assert totals["denied"] == 12
        for group_by in ("team", "key", "model", "provider", "day"):
            ours = await queries.spend_by(storage, scope, group_by)
            theirs = await usage_report(audit.store, group_by, Filters(since=NOW - 3600, until=NOW + 1))
            assert {r["group"]: (r["requests"], round(r["usd"], 9)) for r in ours} == {
                r["group"]: (r["requests"], round(r["usd"], 9)) for r in theirs["data"]
            }, group_by
        pii = {p["type"]: p["values"] for p in await queries.pii_values(storage, scope)}
        assert pii == {"EMAIL": 30, "PHONE": 15}
        p50, p95 = await queries.percentiles(storage, scope)
        assert (p50, p95) == (4.0, 10.0)  # nearest rank: the 30th and 57th of 60 sorted values
        points = await queries.series(storage, Scope(NOW - 3600, NOW), 300)
        assert len(points) == 12 and sum(p["requests"] for p in points) == 60
        assert sum(p["denied"] for p in points) == 12
        reasons = await queries.denied_reasons(storage, scope)
        assert reasons == [{"reason": "policy_denied", "decision": "denied", "requests": 12}]
        team = await queries.totals(storage, Scope(NOW - 3600, NOW + 1, "alpha"))
        assert team["requests"] == 20
    finally:
        await storage.close()
