"""The shadow-AI endpoints of the admin API.

    POST /admin/shadow/events      JSON lines (or a JSON array) from a log shipper; ?format=&columns=
    GET  /admin/shadow/services    per service over ?from=YYYY-MM-DD&to=YYYY-MM-DD (default: 30 days)
    GET  /admin/shadow/users       per user over the same range (?limit=)
    GET  /admin/shadow/overview    what the Hub page shows: per day, totals, new this week, top users
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel

from bastion.context import Principal
from bastion.errors import BadRequest, PayloadTooLarge, Unavailable, Unprocessable
from bastion.services import SERVICES
from bastion.shadow.events import BadLine, iso
from bastion.shadow.formats import NAMES
from bastion.shadow.formats.csvmap import parse_columns
from bastion.shadow.lines import LineReader
from bastion.shadow.runtime import ShadowRuntime
from bastion.shadow.signals import UNKNOWN_KEY

READ, WRITE = "shadow:read", "shadow:write"
MAX_DAYS = 3660
MAX_EXAMPLES = 5
_PSEUDO = {
    UNKNOWN_KEY: {"name": "Unknown keys presented to Bastion", "vendor": "-", "category": "gateway-signal"}
}


class ShadowIngest(BaseModel):
    lines: int
    events: int
    matched: int
    bad_lines: int
    bad_examples: list[dict[str, Any]]


class ShadowServices(BaseModel):
    period: dict[str, str]
    services: list[dict[str, Any]]


class ShadowUsers(BaseModel):
    period: dict[str, str]
    users: list[dict[str, Any]]
    pseudonymous: bool


class ShadowOverview(BaseModel):
    period: dict[str, str]
    totals: dict[str, int]
    days: list[dict[str, Any]]
    new_this_week: list[dict[str, Any]]
    services: list[dict[str, Any]]
    top_users: list[dict[str, Any]]
    pseudonymous: bool
    worker: dict[str, int]  # this worker's ingest counters since start


def _runtime(request: web.Request) -> ShadowRuntime:
    runtime = request.app[SERVICES].shadow
    if runtime is None:
        raise Unavailable("shadow-AI discovery is disabled (shadow.enabled: false)")
    return runtime


def _day(value: str | None, name: str, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise Unprocessable(f"{name}: a date YYYY-MM-DD", param=name) from None


def _period(request: web.Request, allowed: set[str], default_days: int = 30) -> tuple[str, str]:
    q = request.query
    unknown = set(q) - allowed - {"from", "to"}
    if unknown:
        raise Unprocessable(f"unknown parameter(s): {', '.join(sorted(unknown))}", param=sorted(unknown)[0])
    until = _day(q.get("to"), "to", dt.datetime.now(dt.UTC).date())
    since = _day(q.get("from"), "from", until - dt.timedelta(days=default_days - 1))
    if since > until:
        raise Unprocessable("from: must not be after to", param="from")
    if (until - since).days > MAX_DAYS:
        raise Unprocessable(f"the range may span at most {MAX_DAYS} days", param="from")
    return since.isoformat(), until.isoformat()


def describe(runtime: ShadowRuntime, row: dict[str, Any], since: str) -> dict[str, Any]:
    sid = row["service"]
    s = runtime.catalogue.services.get(sid)
    info = _PSEUDO.get(sid) or dict(runtime.catalogue.describe(sid))
    first_ever = iso(row.get("first_seen_ever"))
    return {
        "service": sid, "name": info["name"], "vendor": info["vendor"], "category": info["category"],
        "sanctioned": runtime.catalogue.is_sanctioned(sid), "users": row["users"],
        "requests": row["requests"], "bytes_out": row["bytes_out"], "first_seen": iso(row["first_seen"]),
        "last_seen": iso(row["last_seen"]), "first_seen_ever": first_ever,
        "new": first_ever is not None and first_ever[:10] >= since, "sources": row["sources"],
        "trains_on_inputs": s.trains if s else "unknown", "hq": s.hq if s else "unknown",
    }  # fmt: skip


async def post_events(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    runtime = _runtime(request)
    limit = runtime.settings.max_batch_bytes
    too_large = f"the batch is over shadow.max_batch_bytes ({limit} bytes): send smaller batches"
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(too_large)
    fmt = request.query.get("format", "auto")
    if fmt not in NAMES:
        raise Unprocessable(f"format: one of {', '.join(NAMES)}", param="format")
    try:
        columns = parse_columns(request.query["columns"]) if "columns" in request.query else None
    except ValueError as exc:
        raise Unprocessable(str(exc).replace("--columns", "columns"), param="columns") from None
    if fmt == "csv" and columns is None:
        raise Unprocessable("format csv needs columns=user=..,host=..", param="columns")
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(too_large)
    lines = _lines(bytes(body))
    reader = LineReader(fmt, columns)
    out = ShadowIngest(lines=0, events=0, matched=0, bad_lines=0, bad_examples=[])
    for n, line in enumerate(lines, 1):
        out.lines = n
        try:
            event = reader.read(line)
        except (BadLine, ValueError, IndexError, KeyError) as exc:
            out.bad_lines += 1
            if len(out.bad_examples) < MAX_EXAMPLES:
                out.bad_examples.append({"line": n, "reason": str(exc)})
            continue
        if event is None:
            continue
        out.events += 1
        out.matched += runtime.ingest(event, "logs")
    await runtime.flush()  # stored before the shipper is told so
    return 200, out


def _lines(body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace")
    if text.lstrip().startswith("["):  # a JSON array of events or of raw lines
        try:
            items = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise BadRequest(
                "the body looks like a JSON array but is not valid JSON", code="invalid_json"
            ) from None
        return [i if isinstance(i, str) else orjson.dumps(i).decode() for i in items]
    return text.splitlines()


async def get_services(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    runtime = _runtime(request)
    since, until = _period(request, {"sanctioned"})
    flag = request.query.get("sanctioned")
    if flag not in (None, "true", "false"):
        raise Unprocessable("sanctioned: true or false", param="sanctioned")
    rows = [describe(runtime, r, since) for r in await runtime.store.services_report(since, until)]
    if flag is not None:
        rows = [r for r in rows if r["sanctioned"] == (flag == "true")]
    rows.sort(key=lambda r: (-r["requests"], r["service"]))
    return 200, ShadowServices(period={"from": since, "to": until}, services=rows)


async def get_users(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    runtime = _runtime(request)
    since, until = _period(request, {"limit"})
    limit = request.query.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= 10_000:
        raise Unprocessable("limit: an integer from 1 to 10000", param="limit")
    users = (await runtime.store.users_report(since, until))[: int(limit)]
    period = {"from": since, "to": until}
    return 200, ShadowUsers(period=period, users=users, pseudonymous=runtime.users.pseudonymous)


async def get_overview(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    runtime = _runtime(request)
    since, until = _period(request, set())
    return 200, ShadowOverview(**await overview(runtime, since, until))


async def overview(runtime: ShadowRuntime, since: str, until: str) -> dict[str, Any]:
    """Per day, totals, services, new this week (up to `until`), top users: the API and the Hub page."""
    services = [describe(runtime, r, since) for r in await runtime.store.services_report(since, until)]
    services.sort(key=lambda r: (-r["requests"], r["service"]))
    sanctioned = {s["service"] for s in services if s["sanctioned"]}
    days: dict[str, dict[str, Any]] = {}
    for day, service, _users, requests, bytes_out in await runtime.store.days_report(since, until):
        d = days.setdefault(day, {"day": day, "requests": 0, "sanctioned_requests": 0,
                                  "unsanctioned_requests": 0, "bytes_out": 0, "services": 0})  # fmt: skip
        d["requests"] += requests
        d["sanctioned_requests" if service in sanctioned else "unsanctioned_requests"] += requests
        d["bytes_out"] += bytes_out
        d["services"] += 1
    week_start = (dt.date.fromisoformat(until) - dt.timedelta(days=6)).isoformat()
    new = [s for s in services if s["first_seen_ever"] and s["first_seen_ever"][:10] >= week_start]
    users = await runtime.store.users_report(since, until)
    totals = {
        "services": len(services), "sanctioned_services": len(sanctioned),
        "unsanctioned_services": len(services) - len(sanctioned), "users": len(users),
        "requests": sum(s["requests"] for s in services), "bytes_out": sum(s["bytes_out"] for s in services),
        "unsanctioned_bytes_out": sum(s["bytes_out"] for s in services if not s["sanctioned"]),
    }  # fmt: skip
    return {
        "period": {"from": since, "to": until}, "totals": totals, "days": [days[d] for d in sorted(days)],
        "new_this_week": new, "services": services, "top_users": users[:10],
        "pseudonymous": runtime.users.pseudonymous, "worker": runtime.stats(),
    }  # fmt: skip


# (method, path, handler, permission, summary, response model, body model), registered by bastion.admin
SHADOW_ROUTES: tuple[tuple[Any, ...], ...] = (
    ("POST", "/admin/shadow/events", post_events, WRITE,
     "Ingest egress log lines or events (JSON lines; ?format=auto|squid|zscaler|dns|zeek|csv&columns=)",
     ShadowIngest),
    ("GET", "/admin/shadow/services", get_services, READ,
     "AI services seen (from, to: YYYY-MM-DD; sanctioned=true|false)", ShadowServices),
    ("GET", "/admin/shadow/users", get_users, READ, "Users of AI services (from, to, limit)", ShadowUsers),
    ("GET", "/admin/shadow/overview", get_overview, READ,
     "Shadow-AI overview: per day, totals, new this week, top users (from, to)", ShadowOverview),
)  # fmt: skip
