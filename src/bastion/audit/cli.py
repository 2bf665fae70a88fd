"""`bastion audit verify|export|key|prune|shred` and `bastion report`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

import orjson

from bastion.audit.chain import Checkpoint
from bastion.audit.cli_changes import cli_actor, cli_audit
from bastion.audit.keys import TrustedKeys, b64, unb64
from bastion.audit.material import load_material
from bastion.audit.query import Filters, csv_header, csv_line, jsonl_line, parse_time, scan
from bastion.audit.report import build_report, markdown, to_html
from bastion.audit.retention import prune
from bastion.audit.store import AuditStore
from bastion.audit.verify import read_checkpoint_file, verify
from bastion.config import Config, ConfigError, load_config, parse_config
from bastion.config.defaults import DEFAULT_CONFIG
from bastion.errors import GatewayError
from bastion.storage import open_storage

EXIT_TAMPERED = 1
EXIT_USAGE = 2


def _config(path: str | None) -> Config:
    return load_config(path) if path else parse_config(dict(DEFAULT_CONFIG))


def _run(args: argparse.Namespace, job: Callable[[Config, AuditStore], Awaitable[int]]) -> int:
    try:
        config = _config(args.config)
    except ConfigError as exc:
        for line in exc.errors:
            print(f"config error: {line}", file=sys.stderr)
        return EXIT_USAGE

    async def main() -> int:
        storage = open_storage(config.database_url)
        await storage.open()
        try:
            return await job(config, AuditStore(storage))
        finally:
            await storage.close()

    try:
        return asyncio.run(main())
    except GatewayError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE


def _out(path: str | None) -> TextIO:
    return open(path, "w", encoding="utf-8", newline="") if path else sys.stdout


def _external(sink: str | None) -> list[Checkpoint] | None:
    return read_checkpoint_file(sink) if sink and Path(sink).exists() else None


def cmd_verify(args: argparse.Namespace) -> int:
    async def job(config: Config, store: AuditStore) -> int:
        material = load_material(config.audit, config.database_url)
        trusted = material.trusted
        if args.public_key:
            trusted = TrustedKeys([unb64(k) for k in args.public_key])
        external = _external(args.checkpoints or config.audit.checkpoint_file)
        verdict = await verify(store, trusted, external)
        print(verdict.summary())
        for note in verdict.notes:
            print(f"note: {note}")
        return 0 if verdict.ok else EXIT_TAMPERED

    return _run(args, job)


def _filters(args: argparse.Namespace) -> Filters:
    names = ("team", "key", "model", "provider", "region", "decision", "status", "pii", "kind")
    return Filters(
        since=parse_time(args.since, "from"),
        until=parse_time(args.until, "to"),
        **{name: getattr(args, name) for name in names},
    )


def cmd_export(args: argparse.Namespace) -> int:
    async def job(config: Config, store: AuditStore) -> int:
        out = _out(args.output)
        n = 0
        try:
            if args.format == "csv":
                out.write(csv_header())
            line = csv_line if args.format == "csv" else jsonl_line
            async for rec in scan(store, _filters(args)):
                out.write(line(rec))
                n += 1
        finally:
            if out is not sys.stdout:
                out.close()
        print(f"exported {n} record(s)", file=sys.stderr)
        return 0

    return _run(args, job)


def cmd_report(args: argparse.Namespace) -> int:
    async def job(config: Config, store: AuditStore) -> int:
        material = load_material(config.audit, config.database_url)
        report = await build_report(
            store, material.trusted, parse_time(args.since, "from"), parse_time(args.until, "to"), args.team
        )
        render: dict[str, Callable[[dict[str, Any]], str]] = {
            "md": markdown, "markdown": markdown, "html": to_html,
            "json": lambda r: orjson.dumps(r, option=orjson.OPT_INDENT_2).decode(),
        }  # fmt: skip
        out = _out(args.output)
        try:
            out.write(render[args.format](report) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
        return 0 if report["verification"]["ok"] else EXIT_TAMPERED

    return _run(args, job)


def cmd_prune(args: argparse.Namespace) -> int:
    async def job(config: Config, store: AuditStore) -> int:
        result = await prune(store, args.days or config.audit.retention_days, actor=cli_actor())
        print(f"pruned {result['pruned']} record(s); the chain now starts after seq {result['through']}")
        return 0

    return _run(args, job)


def cmd_shred(args: argparse.Namespace) -> int:
    async def job(config: Config, store: AuditStore) -> int:
        async with cli_audit(config, store.storage) as audit:
            if audit is None:  # audit.enabled: false now; keys from when it was on are still destroyed
                removed, _ = await store.shred(args.team)
            else:
                removed = await audit.shred(args.team, cli_actor())
        print(f"destroyed {removed} data key(s) of team {args.team!r}: its stored content is unreadable")
        return 0

    return _run(args, job)


def cmd_key(args: argparse.Namespace) -> int:
    try:
        config = _config(args.config)
    except ConfigError as exc:
        for line in exc.errors:
            print(f"config error: {line}", file=sys.stderr)
        return EXIT_USAGE
    signer = load_material(config.audit, config.database_url).signer
    print(f"{b64(signer.public)}  (key id {signer.key_id})")
    return 0


def _filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="since", help="ISO 8601 time or date, or epoch seconds")
    p.add_argument("--to", dest="until", help="exclusive end")
    p.add_argument("--team")
    for name in ("key", "model", "provider", "region", "decision", "pii", "kind"):
        p.add_argument(f"--{name}")
    p.add_argument("--status", type=int)


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="verify, export, prune or shred the audit trail; its public key")
    asub = audit.add_subparsers(dest="audit_command", required=True)

    v = asub.add_parser("verify", help="check the hash chain and checkpoint signatures; exit 1 if tampered")
    v.add_argument("--config", help="YAML config file (default: the embedded demo setup)")
    v.add_argument("--checkpoints", help="external checkpoint file (default: audit.checkpoint_file)")
    v.add_argument("--public-key", action="append", help="trust only this base64 Ed25519 key (repeatable)")
    v.set_defaults(func=cmd_verify)

    e = asub.add_parser("export", help="export records as JSONL or CSV")
    e.add_argument("--config")
    e.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    e.add_argument("--output", "-o", help="file (default: stdout)")
    _filter_args(e)
    e.set_defaults(func=cmd_export)

    k = asub.add_parser("key", help="print the checkpoint signing public key (give it to your auditors)")
    k.add_argument("--config")
    k.set_defaults(func=cmd_key)

    pr = asub.add_parser("prune", help="apply retention now (whole epochs older than retention_days)")
    pr.add_argument("--config")
    pr.add_argument("--days", type=int, help="override audit.retention_days")
    pr.set_defaults(func=cmd_prune)

    sh = asub.add_parser("shred", help="destroy a team's content keys (crypto-shredding)")
    sh.add_argument("--config")
    sh.add_argument("--team", required=True)
    sh.set_defaults(func=cmd_shred)

    r = sub.add_parser("report", help="compliance report for a period (Markdown, HTML or JSON)")
    r.add_argument("--config")
    r.add_argument("--from", dest="since")
    r.add_argument("--to", dest="until")
    r.add_argument("--team")
    r.add_argument("--format", choices=("md", "markdown", "html", "json"), default="md")
    r.add_argument("--output", "-o")
    r.set_defaults(func=cmd_report)
