"""Shadow AI (`/hub/shadow`): the AI services people use around the gateway (docs/shadow-ai.md) — from
egress logs, the syslog listener and the gateway's own signals. Services over time, sanctioned vs not,
new services this week, top users and bytes uploaded, over the last 7, 30 or 90 days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bastion.errors import Unavailable
from bastion.hub import charts, format
from bastion.hub.page import HubRequest, Page, get
from bastion.shadow.admin import overview
from bastion.shadow.reader import size

WINDOWS = {"7d": 7, "30d": 30, "90d": 90}
DAY = 86400


def _epoch(day: str) -> float:
    return dt.datetime.fromisoformat(day + "T00:00:00+00:00").timestamp()


async def show(hub: HubRequest) -> dict[str, Any]:
    runtime = hub.state.shadow
    if runtime is None:
        raise Unavailable("shadow-AI discovery is disabled (shadow.enabled: false)")
    window = hub.query.get("window", "30d")
    if window not in WINDOWS:
        window = "30d"
    until = dt.datetime.now(dt.UTC).date()
    since = until - dt.timedelta(days=WINDOWS[window] - 1)
    view = await overview(runtime, since.isoformat(), until.isoformat())
    by_day = {d["day"]: d for d in view["days"]}
    points = []
    for i in range(WINDOWS[window]):  # every day, zero when nothing was seen
        day = (since + dt.timedelta(days=i)).isoformat()
        d = by_day.get(day, {})
        points.append({
            "start": _epoch(day), "services": d.get("services", 0),
            "unsanctioned": d.get("unsanctioned_requests", 0), "bytes": d.get("bytes_out", 0),
        })  # fmt: skip
    for s in [*view["services"], *view["new_this_week"]]:
        s["uploaded"] = size(s["bytes_out"])
    for u in view["top_users"]:
        u["uploaded"] = size(u["bytes_out"])
    totals = view["totals"]
    return {
        **view,
        "window": window,
        "windows": list(WINDOWS),
        "uploaded": size(totals["bytes_out"]),
        "unsanctioned_uploaded": size(totals["unsanctioned_bytes_out"]),
        "chart_services": charts.bars(
            points, "services", f"AI services in use per day, last {window}", DAY, fmt=format.num
        ),
        "chart_unsanctioned": charts.bars(
            points,
            "unsanctioned",
            f"Requests to unsanctioned services, last {window}",
            DAY,
            fmt=format.num,
            tone="denied",
        ),
        "chart_bytes": charts.bars(
            points, "bytes", f"Bytes uploaded to AI services, last {window}", DAY, fmt=size, tone="spend"
        ),
        "retention_days": runtime.settings.retention_days,
    }


PAGE = Page("shadow", "Shadow AI", "/hub/shadow", "shadow:read", routes=(get("/hub/shadow", show),))
