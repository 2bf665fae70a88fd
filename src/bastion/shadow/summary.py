"""The human summary `bastion shadow scan` prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bastion.shadow.reader import size
from bastion.shadow.scan import FileStats

TOP_USERS = 15


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs]
        out.append("  ".join(cells).rstrip())
    return out


def render(report: dict[str, Any], files: Sequence[FileStats]) -> str:
    services, users = report["services"], report["users"]
    lines = sum(f.lines for f in files)
    matched = sum(f.matched for f in files)
    bad = sum(f.bad for f in files)
    out = [
        f"Scanned {len(files)} file(s): {lines:,} lines, {matched:,} AI service requests, {bad:,} bad lines"
    ]
    for f in files:
        if f.error:
            out.append(f"  {f.path}: ERROR {f.error}")
            continue
        note = "" if f.bytes_out_known else " (no upload sizes in this format)"
        out.append(f"  {f.path}: {f.format}, {f.lines:,} lines, {f.matched:,} AI, {f.bad:,} bad{note}")
        for lineno, reason in f.bad_examples:
            out.append(f"    line {lineno}: {reason}")
        if f.bad > len(f.bad_examples):
            out.append(f"    ... and {f.bad - len(f.bad_examples):,} more bad lines")
    unsanctioned = [s for s in services if not s["sanctioned"]]
    out.append("")
    out.append(
        f"AI services: {len(services)} ({len(services) - len(unsanctioned)} sanctioned, "
        f"{len(unsanctioned)} unsanctioned), used by {len(users)} user(s)"
    )
    if services:
        rows = [["SERVICE", "VENDOR", "CATEGORY", "SANCTIONED", "USERS", "REQUESTS", "UPLOADED", "FIRST SEEN",
                 "LAST SEEN"]]  # fmt: skip
        for s in sorted(services, key=lambda s: (s["sanctioned"], -s["requests"])):
            rows.append([
                s["service"], s["vendor"], s["category"], "yes" if s["sanctioned"] else "NO", str(s["users"]),
                f"{s['requests']:,}", size(s["bytes_out"]), s["first_seen"] or "-", s["last_seen"] or "-",
            ])  # fmt: skip
        out += ["", *_table(rows, {4, 5, 6})]
    if users:
        rows = [["USER", "SERVICES", "REQUESTS", "UPLOADED"]]
        for u in users[:TOP_USERS]:
            rows.append([u["user"], ", ".join(u["services"]), f"{u['requests']:,}", size(u["bytes_out"])])
        more = f" (top {TOP_USERS} of {len(users)})" if len(users) > TOP_USERS else ""
        out += ["", f"Users{more}:", *_table(rows, {2, 3})]
    return "\n".join(out) + "\n"
