"""The compliance report as Markdown, HTML or JSON (PDF: `pdf.py`). Every format draws the same blocks
(`blocks()`), so they cannot disagree."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import orjson

Block = tuple[str, Any]  # ("h1"|"h2"|"h3"|"p"|"kv"|"table"|"list", content)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def blocks(report: dict[str, Any]) -> Iterator[Block]:
    p, chain = report["period"], report["chain"]
    cp = chain.get("checkpoint") or {}
    yield "h1", report["title"]
    yield "p", report["disclaimer"]
    yield (
        "kv",
        [
            ["Frameworks", "; ".join(report["frameworks"])],
            [
                "Period",
                f"{p['from'] or 'beginning'} to {p['to'] or 'now'} (records {p['first_record'] or '-'} "
                f"to {p['last_record'] or '-'})",
            ],
            ["Team", report["team"] or "all teams"],
            ["Generated", report["generated_at"]],
            ["Running configuration hash", report["config"]["running_hash"]],
            [
                "Configuration hashes in force in the period",
                ", ".join(f"{h} ({n} requests)" for h, n in report["config"]["hashes_in_period"]) or "(none)",
            ],
            ["Chain head", f"seq {chain['head_seq']}, hash {chain['head_hash'] or '-'}"],
            [
                "Newest signed checkpoint",
                f"seq {cp.get('seq')}, hash {cp.get('hash')}, at {cp.get('time')}, key {cp.get('key_id')}"
                if cp
                else "(none)",
            ],
            ["Checkpoint signature", cp.get("signature") or "(none)"],
            ["Checkpoint public key", chain["public_key"]],
            ["Chain verification", report["verification"]["summary"]],
            ["Verify it yourself", report["how_to_verify"]],
            ["Report digest (SHA-256)", report["digest"]],
        ],
    )
    totals = report["totals"]
    yield "h2", "Summary"
    yield (
        "kv",
        [
            ["Interactions", totals["requests"]],
            ["Flagged for review", totals["flagged"]],
            ["Unrecorded (journal full)", totals["unrecorded"]],
            ["Open reviews", report["reviews"]["open"]],
        ],
    )
    yield "h2", "Use cases (risk register)"
    uc = report["use_cases"]
    if uc:
        cols = ["name", "risk", "owner", "purpose", "interacts_with_people", "allowed_models", "requests"]
        yield "table", {"columns": cols, "rows": [[u[c] for c in cols] for u in uc]}
    else:
        yield "p", "(no use cases registered)"
    framework = None
    for s in report["sections"]:
        if s["framework"] != framework:
            framework = s["framework"]
            yield "h2", {"eu-ai-act": "EU AI Act", "iso-42001": "ISO/IEC 42001", "gdpr": "GDPR"}[framework]
        yield "h3", f"{s['ref']}: {s['title']}"
        yield "p", f"What this shows: {s['shows']}"
        yield "p", f"What it does not show: {s['does_not_show']}"
        if s["evidence"]:
            yield "kv", s["evidence"]
        for t in s["tables"]:
            yield "p", t["title"] + ":"
            if t["rows"]:
                yield "table", {"columns": t["columns"], "rows": t["rows"]}
            else:
                yield "p", "(none)"
        yield "list", [f"Gap: {g}" for g in s["gaps"]] or ["Gaps: none found in this evidence."]


def markdown(report: dict[str, Any]) -> str:
    out: list[str] = []
    for kind, content in blocks(report):
        if kind in ("h1", "h2", "h3"):
            out += ["#" * int(kind[1]) + " " + content, ""]
        elif kind == "p":
            out += [content, ""]
        elif kind == "kv":
            out += [f"- **{k}:** {_cell(v)}" for k, v in content] + [""]
        elif kind == "list":
            out += [f"- {x}" for x in content] + [""]
        elif kind == "table":
            out.append("| " + " | ".join(content["columns"]) + " |")
            out.append("|" + "---|" * len(content["columns"]))
            out += [
                "| " + " | ".join(_cell(c).replace("|", "\\|") for c in row) + " |" for row in content["rows"]
            ]
            out.append("")
    return "\n".join(out)


_STYLE = (
    "body{font-family:sans-serif;max-width:70em;margin:2em auto;color:#222}table{border-collapse:collapse;"
    "margin:.5em 0}td,th{border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top}"
    "dt{font-weight:bold}dd{margin:0 0 .3em 1.5em;word-break:break-all}li.gap{color:#a40}"
)


def to_html(report: dict[str, Any]) -> str:
    e = html.escape
    out = [
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{e(report['title'])}</title>"
        f"<style>{_STYLE}</style><body>"
    ]
    for kind, content in blocks(report):
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{e(content)}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{e(content)}</p>")
        elif kind == "kv":
            out.append(
                "<dl>" + "".join(f"<dt>{e(str(k))}</dt><dd>{e(_cell(v))}</dd>" for k, v in content) + "</dl>"
            )
        elif kind == "list":
            out.append(
                "<ul>"
                + "".join(f"<li class={'gap' if x.startswith('Gap:') else 'ok'}>{e(x)}</li>" for x in content)
                + "</ul>"
            )
        elif kind == "table":
            out.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in content["columns"]) + "</tr>")
            out += [
                "<tr>" + "".join(f"<td>{e(_cell(c))}</td>" for c in row) + "</tr>" for row in content["rows"]
            ]
            out.append("</table>")
    out.append("</body></html>")
    return "".join(out)


def to_json(report: dict[str, Any]) -> str:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2).decode()
