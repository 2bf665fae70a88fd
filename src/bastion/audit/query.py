"""Searching the trail (newest first, cursor pagination) and exporting it as JSONL or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from bastion.audit.schema import records
from bastion.audit.store import AuditStore
from bastion.errors import Unprocessable

MAX_LIMIT = 1000


def parse_time(value: str | None, name: str) -> float | None:
    """Epoch seconds, or ISO 8601 (a date alone means its midnight UTC)."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        text = value.replace("Z", "+00:00")
        parsed = datetime.fromisoformat(text + "T00:00:00" if len(text) == 10 else text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    except ValueError:
        raise Unprocessable(f"{name}: not a time (use ISO 8601 or epoch seconds)", param=name) from None


@dataclass(slots=True)
class Filters:
    since: float | None = None
    until: float | None = None
    team: str | None = None
    key: str | None = None
    model: str | None = None
    provider: str | None = None
    region: str | None = None
    decision: str | None = None
    status: int | None = None
    pii: str | None = None
    kind: str | None = None
    request_id: str | None = None

    @classmethod
    def from_query(cls, q: Any) -> Filters:
        status = q.get("status")
        if status is not None and not str(status).isdigit():
            raise Unprocessable("status: must be an HTTP status code", param="status")
        return cls(
            since=parse_time(q.get("from"), "from"),
            until=parse_time(q.get("to"), "to"),
            team=q.get("team"),
            key=q.get("key"),
            model=q.get("model"),
            provider=q.get("provider"),
            region=q.get("region"),
            decision=q.get("decision"),
            status=int(status) if status is not None else None,
            pii=q.get("pii"),
            kind=q.get("kind"),
            request_id=q.get("request_id"),
        )

    def where(self) -> list[Any]:
        c = records.c
        out: list[Any] = []
        if self.since is not None:
            out.append(c.ts >= self.since)
        if self.until is not None:
            out.append(c.ts < self.until)
        for name, col in (("team", c.team), ("key", c.key_id), ("model", c.model), ("provider", c.provider),
                          ("region", c.region), ("decision", c.decision), ("status", c.status),
                          ("kind", c.kind), ("request_id", c.request_id)):  # fmt: skip
            value = getattr(self, name)
            if value is not None:
                out.append(col == value)
        if self.pii:
            out.append(c.pii_types.like(f"%,{self.pii.upper()},%"))
        return out

    def names(self) -> list[str]:
        return [f.name for f in fields(self)]


def _out(row: Any) -> dict[str, Any]:
    rec: dict[str, Any] = orjson.loads(row.payload)
    rec["hash"] = row.hash
    return rec


async def search(
    store: AuditStore, filters: Filters, limit: int = 100, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; `cursor` is the `next` of the previous page (an opaque seq)."""
    limit = max(1, min(limit, MAX_LIMIT))
    q = sa.select(records.c.seq, records.c.payload, records.c.hash).where(*filters.where())
    if cursor:
        if not cursor.isdigit():
            raise Unprocessable("cursor: invalid (use the `next` value of the previous page)", param="cursor")
        q = q.where(records.c.seq < int(cursor))
    q = q.order_by(records.c.seq.desc()).limit(limit + 1)
    async with store.storage.read() as conn:
        rows = list(await conn.execute(q))
    more = len(rows) > limit
    rows = rows[:limit]
    return [_out(r) for r in rows], (str(rows[-1].seq) if more else None)


async def by_request_id(store: AuditStore, request_id: str) -> list[dict[str, Any]]:
    q = sa.select(records.c.payload, records.c.hash).where(records.c.request_id == request_id)
    async with store.storage.read() as conn:
        return [_out(r) for r in await conn.execute(q.order_by(records.c.seq))]


async def scan(store: AuditStore, filters: Filters, page: int = 5000) -> AsyncIterator[dict[str, Any]]:
    """Every matching record, oldest first."""
    after = 0
    while True:
        q = (
            sa.select(records.c.seq, records.c.payload, records.c.hash)
            .where(records.c.seq > after, *filters.where())
            .order_by(records.c.seq)
            .limit(page)
        )
        async with store.storage.read() as conn:
            rows = list(await conn.execute(q))
        for r in rows:
            yield _out(r)
        if len(rows) < page:
            return
        after = int(rows[-1].seq)


CSV_COLUMNS = (
    "seq", "kind", "request_id", "ts_start", "ts_first_byte", "ts_end", "key_id", "team", "user",
    "client_ip", "api", "model", "stream", "provider", "provider_model", "region", "status", "error",
    "outcome", "decision", "stream_completed", "tokens_in", "tokens_out", "cost", "latency_ms",
    "overhead_ms", "pii", "policy", "action", "target", "before_hash", "after_hash", "config_hash",
    "prompt_hmac", "response_hmac", "hash",
)  # fmt: skip


def csv_line(rec: dict[str, Any]) -> str:
    buf = io.StringIO()
    row = []
    for name in CSV_COLUMNS:
        value = rec.get(name)
        if isinstance(value, dict | list):
            value = orjson.dumps(value).decode()
        row.append("" if value is None else value)
    csv.writer(buf, lineterminator="\n").writerow(row)
    return buf.getvalue()


def csv_header() -> str:
    return ",".join(CSV_COLUMNS) + "\n"


def jsonl_line(rec: dict[str, Any]) -> str:
    return orjson.dumps(rec).decode() + "\n"
