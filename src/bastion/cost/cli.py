"""`bastion usage`: the usage and cost report (as `GET /admin/usage`) straight from the database."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import orjson

from bastion.audit.query import Filters, parse_time
from bastion.audit.store import AuditStore
from bastion.config import Config, ConfigError, load_config, parse_config
from bastion.config.defaults import DEFAULT_CONFIG
from bastion.cost.usage import GROUPS, usage_report
from bastion.errors import GatewayError
from bastion.storage import open_storage

EXIT_USAGE = 2
_COLUMNS = ("requests", "input_tokens", "output_tokens", "usd", "estimated_requests", "unknown_cost_requests")


def _table(report: dict[str, Any]) -> str:
    head = [report["group_by"], *_COLUMNS]
    rows = [[str(r["group"]), *(_cell(r[c]) for c in _COLUMNS)] for r in report["data"]]
    rows.append(["total", *(_cell(report["total"][c]) for c in _COLUMNS)])
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in [head, *rows]]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    return f"{value:.6f}" if isinstance(value, float) else str(value)


def cmd_usage(args: argparse.Namespace) -> int:
    try:
        config: Config = load_config(args.config) if args.config else parse_config(dict(DEFAULT_CONFIG))
    except ConfigError as exc:
        for line in exc.errors:
            print(f"config error: {line}", file=sys.stderr)
        return EXIT_USAGE

    async def main() -> dict[str, Any]:
        storage = open_storage(config.database_url)
        await storage.open()
        try:
            filters = Filters(
                since=parse_time(args.since, "from"),
                until=parse_time(args.until, "to"),
                team=args.team,
                key=args.key,
                model=args.model,
                provider=args.provider,
            )
            return await usage_report(AuditStore(storage), args.group_by, filters)
        finally:
            await storage.close()

    try:
        report = asyncio.run(main())
    except GatewayError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(_table(report))
    return 0


def register(sub: Any) -> None:
    u = sub.add_parser(
        "usage", help="usage and cost by team, key, model, provider, use case or day (from the audit trail)"
    )
    u.add_argument("--config", help="YAML config file (default: the embedded demo setup)")
    u.add_argument("--group-by", choices=GROUPS, default="model")
    u.add_argument("--from", dest="since", help="ISO 8601 time or date, or epoch seconds")
    u.add_argument("--to", dest="until", help="exclusive end")
    for name in ("team", "key", "model", "provider"):
        u.add_argument(f"--{name}")
    u.add_argument("--json", action="store_true", help="JSON instead of a table")
    u.set_defaults(func=cmd_usage)
