"""The Hub's database aggregates on SQLite and PostgreSQL: the same figures as `bastion usage`
(`bastion.cost.usage.usage_report`, which reads every record in Python) for the same records."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bastion.audit import Audit
from bastion.audit.query import Filters
from bastion.config import parse_config
from bastion.cost.usage import usage_report
from bastion.hub import queries
from bastion.hub.queries import Scope
from bastion.storage import open_storage
from hub.conftest import request_record

NOW = time.time()


async def test_aggregates_equal_usage_report(db_url: str, tmp_path: Path) -> None:
    config = parse_config({"admin_key": "test-admin-key-0123456789", "database_url": db_url,
                           "audit": {"dir": str(tmp_path / "audit")}}, env={})  # fmt: skip
    storage = open_storage(db_url)
    await storage.open()
    try:
        audit = Audit(config, storage)
        await audit.start()
        for i in range(60):
            audit.writer.submit(request_record(i, NOW - 3000 + i))
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
        # the Overview's one-pass breakdown gives the same figures, for windows with and without edges
        for window in (scope, Scope(None, None), Scope(NOW - 3600, NOW + 1, "alpha")):
            one = await queries.breakdown(storage, window)
            assert one.totals() == await queries.totals(storage, window)
            assert one.denied_reasons() == await queries.denied_reasons(storage, window)
            for column in ("team", "model", "key_id"):
                assert one.top(column) == await queries.top(storage, window, column)
    finally:
        await storage.close()
