"""The compliance report for a period (optionally one team): what happened, what was blocked or redacted
and why, where data went (providers, models, regions: data-residency evidence), which admin and config
changes were made, and whether the chain verifies. JSON, Markdown or HTML."""

from __future__ import annotations

import html
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bastion.audit.keys import TrustedKeys
from bastion.audit.query import Filters, scan
from bastion.audit.store import AuditStore
from bastion.audit.verify import verify

_CHANGES = ("admin", "config", "retention")
_CHANGE_FIELDS = ("seq", "kind", "action", "target", "actor", "before_hash", "after_hash", "pruned_through")


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


async def build_report(
    store: AuditStore, trusted: TrustedKeys, since: float | None, until: float | None, team: str | None
) -> dict[str, Any]:
    counts: dict[str, Counter[str]] = {k: Counter() for k in (
        "outcome", "decision", "blocked_by_reason", "redacted_by_type", "pii_by_type", "providers", "models",
        "provider_models", "regions", "errors", "apis")}  # fmt: skip
    interactions = tokens_in = tokens_out = 0
    changes: list[dict[str, Any]] = []
    async for rec in scan(store, Filters(since=since, until=until)):
        kind = rec.get("kind")
        if kind in _CHANGES:
            changes.append({k: rec.get(k) for k in _CHANGE_FIELDS} | {"time": _iso(rec.get("ts_start"))})
            continue
        if kind != "request" or (team is not None and rec.get("team") != team):
            continue
        interactions += 1
        counts["outcome"][rec.get("outcome") or "unknown"] += 1
        counts["decision"][rec.get("decision") or "unknown"] += 1
        counts["apis"][rec.get("api") or "unknown"] += 1
        if rec.get("decision") in ("blocked", "denied"):
            counts["blocked_by_reason"][rec.get("error_code") or rec.get("error") or "unknown"] += 1
        for label, actions in (rec.get("pii") or {}).items():
            counts["pii_by_type"][label] += sum(actions.values())
            if rec.get("decision") == "redacted":
                counts["redacted_by_type"][label] += sum(
                    n for a, n in actions.items() if a not in ("allow", "block")
                )
        for key, field in (("providers", "provider"), ("models", "model"), ("regions", "region"),
                           ("provider_models", "provider_model")):  # fmt: skip
            if rec.get(field):
                counts[key][rec[field]] += 1
        if rec.get("error"):
            counts["errors"][rec["error"]] += 1
        tokens_in += rec.get("tokens_in") or 0
        tokens_out += rec.get("tokens_out") or 0
    verdict = await verify(store, trusted)
    return {
        "period": {"from": _iso(since), "to": _iso(until)},
        "team": team,
        "generated_at": _iso(datetime.now(UTC).timestamp()),
        "interactions": interactions,
        "tokens": {"in": tokens_in, "out": tokens_out},
        **{k: dict(v.most_common()) for k, v in counts.items()},
        "changes": changes,
        "verification": {"ok": verdict.ok, "summary": verdict.summary(), **verdict.as_dict()},
    }


_SECTIONS = (
    ("Outcomes", "outcome"), ("Decisions", "decision"), ("Blocked or denied, by reason", "blocked_by_reason"),
    ("Redacted, by entity type", "redacted_by_type"), ("PII findings, by entity type", "pii_by_type"),
    ("Inbound APIs", "apis"), ("Providers", "providers"), ("Provider models", "provider_models"),
    ("Regions (data residency)", "regions"), ("Models requested", "models"), ("Errors", "errors"),
)  # fmt: skip


def markdown(report: dict[str, Any]) -> str:
    p = report["period"]
    lines = [
        "# Bastion audit report",
        "",
        f"- Period: {p['from'] or 'beginning'} to {p['to'] or 'now'}",
        f"- Team: {report['team'] or 'all teams'}",
        f"- Generated: {report['generated_at']}",
        f"- Interactions: {report['interactions']}",
        f"- Tokens: {report['tokens']['in']} in, {report['tokens']['out']} out",
        f"- Chain verification: {report['verification']['summary']}",
        "",
    ]
    for title, key in _SECTIONS:
        lines += [f"## {title}", ""]
        rows = report[key]
        if not rows:
            lines += ["(none)", ""]
            continue
        lines += ["| value | count |", "|---|---|", *(f"| {k} | {n} |" for k, n in rows.items()), ""]
    lines += ["## Policy, admin and configuration changes", ""]
    if not report["changes"]:
        lines += ["(none)", ""]
    else:
        lines += ["| time | kind | action | target | by | before | after |", "|---|---|---|---|---|---|---|"]
        for c in report["changes"]:
            who = (c.get("actor") or {}).get("name") or (c.get("actor") or {}).get("key_id") or ""
            lines.append(
                f"| {c['time']} | {c['kind']} | {c.get('action') or ''} | {c.get('target') or ''} | "
                f"{who} | {(c.get('before_hash') or '')[:12]} | {(c.get('after_hash') or '')[:12]} |"
            )
        lines.append("")
    return "\n".join(lines)


def to_html(report: dict[str, Any]) -> str:
    """The Markdown report as a standalone HTML page (tables rendered, everything escaped)."""
    body: list[str] = []
    table: list[list[str]] = []

    def close_table() -> None:
        if table:
            head, *rest = table
            body.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in head) + "</tr>")
            body.extend("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rest)
            body.append("</table>")
            table.clear()

    for line in markdown(report).splitlines():
        text = html.escape(line)
        if line.startswith("|"):
            cells = [c.strip() for c in text.strip("|").split("|")]
            if not all(set(c) <= {"-"} for c in cells):
                table.append(cells)
            continue
        close_table()
        if line.startswith("# "):
            body.append(f"<h1>{text[2:]}</h1>")
        elif line.startswith("## "):
            body.append(f"<h2>{text[3:]}</h2>")
        elif line.startswith("- "):
            body.append(f"<p>{text[2:]}</p>")
        elif line:
            body.append(f"<p>{text}</p>")
    close_table()
    style = (
        "body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:2px 6px}"
    )
    return (
        f"<!doctype html><meta charset=utf-8><title>Bastion audit report</title><style>{style}</style>"
        + "".join(body)
    )
