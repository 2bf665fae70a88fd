"""`bastion report --framework ...` (the framework-mapped report; `bastion.audit.cli` hands over to it),
`bastion reviews list|decide` and `bastion use-cases list|add|remove`, straight against the configured
database. Each report, decision and use-case change is recorded in the audit trail with the actor
`cli:<os user>`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bastion.audit.cli_changes import cli_actor, cli_audit
from bastion.audit.material import load_material
from bastion.audit.query import parse_time
from bastion.compliance.generate import inputs, record, render
from bastion.compliance.report import build
from bastion.compliance.review import DECISIONS, STATUSES, Review, ReviewQueue
from bastion.compliance.usecases import UseCases
from bastion.config import Config, ConfigError, load_config, parse_config
from bastion.config.defaults import DEFAULT_CONFIG
from bastion.errors import GatewayError, Unprocessable
from bastion.storage import Storage, open_storage

EXIT_REFUSED = 1
EXIT_USAGE = 2


def _run(args: argparse.Namespace, job: Callable[[Config, Storage], Awaitable[int]]) -> int:
    try:
        config = load_config(args.config) if args.config else parse_config(dict(DEFAULT_CONFIG))
    except ConfigError as exc:
        for line in exc.errors:
            print(f"config error: {line}", file=sys.stderr)
        return EXIT_USAGE

    async def main() -> int:
        storage = open_storage(config.database_url)
        await storage.open()
        try:
            return await job(config, storage)
        finally:
            await storage.close()

    try:
        return asyncio.run(main())
    except GatewayError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED if exc.status_code in (404, 409, 422) else EXIT_USAGE


def cmd_framework_report(args: argparse.Namespace) -> int:
    """`bastion report --framework F`: exit 0, or 1 when the chain does not verify."""

    async def job(config: Config, storage: Storage) -> int:
        register = UseCases(config, storage)
        await register.refresh()
        src = inputs(config, storage, load_material(config.audit, config.database_url), register.entries)
        since, until = parse_time(args.since, "from"), parse_time(args.until, "to")
        report = await build(src, args.framework, since, until, args.team)
        fmt = "md" if args.format == "markdown" else args.format
        body = render(report, fmt)
        if args.output:
            Path(args.output).write_bytes(body)  # noqa: ASYNC240 - one local write, nothing else runs
        elif fmt == "pdf":
            print("error: a PDF is written to a file: add -o FILE", file=sys.stderr)
            return EXIT_USAGE
        else:
            sys.stdout.write(body.decode() + "\n")
        async with cli_audit(config, storage) as audit:
            record(audit, cli_actor(), report, fmt)
        return 0 if report["verification"]["ok"] else EXIT_REFUSED

    return _run(args, job)


def _when(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _table(rows: list[Review]) -> str:
    head = ["id", "created", "status", "team", "use_case", "model", "request_id", "reasons"]
    cells = [
        [
            r.id,
            _when(r.created_at),
            r.status,
            r.team or "",
            r.use_case or "",
            r.model or "",
            r.request_id,
            "; ".join(x.get("reason", "") for x in r.reasons),
        ]
        for r in rows
    ]
    widths = [max(len(x) for x in col) for col in zip(head, *cells, strict=True)]
    return (
        "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
            for line in [head, *cells]
        )
        + "\n"
    )


def cmd_list(args: argparse.Namespace) -> int:
    async def job(config: Config, storage: Storage) -> int:
        rows, _ = await ReviewQueue(storage).page(
            None if args.status == "all" else args.status,
            limit=args.limit,
            team=args.team,
            use_case=args.use_case,
        )
        if args.format == "json":
            data = {"data": [r.as_dict() for r in rows]}
            sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        else:
            sys.stdout.write(_table(rows))
        return 0

    return _run(args, job)


def cmd_decide(args: argparse.Namespace) -> int:
    async def job(config: Config, storage: Storage) -> int:
        queue = ReviewQueue(storage)
        actor = cli_actor()
        async with cli_audit(config, storage) as audit:
            before: Any = None
            try:
                before = (await queue.get(args.id)).as_dict()
                review = await queue.decide(args.id, args.decision, args.note, actor)
            except GatewayError as exc:
                if audit is not None:
                    audit.change(
                        actor, "reviews.decide", target=args.id, status=exc.status_code, before=before
                    )
                raise
            if audit is not None:
                audit.change(
                    actor, "reviews.decide", target=args.id, status=200, before=before, after=review.as_dict()
                )
        if args.format == "json":
            sys.stdout.write(orjson.dumps(review.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
        else:
            print(f"review {review.id}: {review.status}")
        return 0

    return _run(args, job)


def cmd_use_cases_list(args: argparse.Namespace) -> int:
    async def job(config: Config, storage: Storage) -> int:
        register = UseCases(config, storage)
        await register.refresh()
        rows = [
            u.model_dump(mode="json") | {"source": register.source(n)}
            for n, u in sorted(register.entries.items())
        ]
        if args.format == "json":
            sys.stdout.write(orjson.dumps({"data": rows}, option=orjson.OPT_INDENT_2).decode() + "\n")
            return 0
        head = ["name", "risk", "owner", "purpose", "people", "models", "keys", "source"]
        cells = [
            [
                r["name"],
                r["risk"],
                r["owner"],
                r["purpose"],
                "yes" if r["interacts_with_people"] else "no",
                ",".join(r["allowed_models"]),
                ",".join(r["keys"]),
                r["source"],
            ]
            for r in rows
        ]
        widths = [max(len(x) for x in col) for col in zip(head, *cells, strict=True)]
        for line in [head, *cells]:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        return 0

    return _run(args, job)


def cmd_use_cases_change(args: argparse.Namespace) -> int:
    """`use-cases add JSON` / `use-cases remove NAME`: stored entries, recorded like the admin API's."""

    async def job(config: Config, storage: Storage) -> int:
        register = UseCases(config, storage)
        actor = cli_actor()
        action = f"use_cases.{args.use_cases_command}"
        async with cli_audit(config, storage) as audit:
            target = args.name if args.use_cases_command == "remove" else None
            try:
                if args.use_cases_command == "add":
                    try:
                        data = orjson.loads(args.json)
                    except orjson.JSONDecodeError as exc:
                        raise Unprocessable(f"not JSON: {exc}") from None
                    target = data.get("name") if isinstance(data, dict) else None
                    entry = await register.create(data if isinstance(data, dict) else {}, actor["name"])
                    before, after = None, entry.model_dump(mode="json")
                else:
                    before, after = (await register.delete(args.name)).model_dump(mode="json"), None
            except GatewayError as exc:
                if audit is not None:
                    audit.change(actor, action, target=target, status=exc.status_code)
                raise
            if audit is not None:
                audit.change(actor, action, target=target, status=200, before=before, after=after)
        print(f"use case {target!r}: {'added' if after else 'removed'}")
        return 0

    return _run(args, job)


def register(sub: Any) -> None:
    uc = sub.add_parser("use-cases", help="the use-case register (risk register)")
    usub = uc.add_subparsers(dest="use_cases_command", required=True)
    ul = usub.add_parser("list", help="config and stored use cases")
    ul.add_argument("--config")
    ul.add_argument("--format", choices=("table", "json"), default="table")
    ul.set_defaults(func=cmd_use_cases_list)
    ua = usub.add_parser("add", help="store a use case (JSON object with the config fields)")
    ua.add_argument("json")
    ua.add_argument("--config")
    ua.set_defaults(func=cmd_use_cases_change)
    ur = usub.add_parser("remove", help="remove a stored use case (config entries stay in the file)")
    ur.add_argument("name")
    ur.add_argument("--config")
    ur.set_defaults(func=cmd_use_cases_change)

    r = sub.add_parser("reviews", help="the human review queue: list flagged requests, decide them")
    rsub = r.add_subparsers(dest="reviews_command", required=True)
    ls = rsub.add_parser("list", help="reviews, oldest first (default: open ones)")
    ls.add_argument("--config", help="YAML config file (default: the embedded demo setup)")
    ls.add_argument("--status", choices=(*STATUSES, "all"), default="open")
    ls.add_argument("--team")
    ls.add_argument("--use-case", dest="use_case")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--format", choices=("table", "json"), default="table")
    ls.set_defaults(func=cmd_list)
    d = rsub.add_parser("decide", help="decide one review (recorded in the audit trail)")
    d.add_argument("id")
    d.add_argument("--decision", choices=DECISIONS, required=True)
    d.add_argument("--note")
    d.add_argument("--config")
    d.add_argument("--format", choices=("text", "json"), default="text")
    d.set_defaults(func=cmd_decide)
