"""`bastion shadow scan|catalogue|pseudonym`.

    bastion shadow scan [--format auto|squid|zscaler|dns|zeek|csv] [--columns user=..,host=..] [--json]
                        [--config FILE] [--catalogue FILE] [--sanctioned ID] FILE...
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from bastion.config import Config, ConfigError, load_config, parse_config
from bastion.config.defaults import DEFAULT_CONFIG
from bastion.shadow.catalogue import Catalogue, CatalogueError
from bastion.shadow.formats import NAMES
from bastion.shadow.formats.csvmap import parse_columns
from bastion.shadow.reader import Progress
from bastion.shadow.scan import scan_paths
from bastion.shadow.setup import catalogue_for, users_for
from bastion.shadow.summary import render

EXIT_PARTIAL = 1  # some file could not be read (the others were scanned and reported)
EXIT_USAGE = 2


def _config(path: str | None) -> Config:
    return load_config(path) if path else parse_config(dict(DEFAULT_CONFIG))


def _setup(args: argparse.Namespace) -> tuple[Config, Catalogue]:
    config = _config(args.config)
    return config, catalogue_for(config, args.catalogue, getattr(args, "sanctioned", None))


def cmd_scan(args: argparse.Namespace) -> int:
    try:
        config, catalogue = _setup(args)
        columns = parse_columns(args.columns) if args.columns else None
    except ConfigError as exc:
        for line in exc.errors:
            print(f"config error: {line}", file=sys.stderr)
        return EXIT_USAGE
    except (CatalogueError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "csv" and not columns:
        print("error: --format csv needs --columns (e.g. user=login,host=url,bytes_out=sent,time=ts)",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    progress = Progress(enabled=False if args.no_progress else None)
    tally, files = scan_paths(
        args.files, args.format, catalogue, columns=columns, user_id=users_for(config), progress=progress
    )
    report: dict[str, Any] = tally.report(catalogue)
    if args.json:
        report["files"] = [f.public() for f in files]
        sys.stdout.buffer.write(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
        for f in files:  # still say what went wrong, on stderr
            if f.error:
                print(f"{f.path}: {f.error}", file=sys.stderr)
            elif f.bad:
                print(f"{f.path}: {f.bad} bad line(s) skipped", file=sys.stderr)
    else:
        sys.stdout.write(render(report, files))
    return EXIT_PARTIAL if any(f.error for f in files) else 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    try:
        catalogue = _setup(args)[1]
    except ConfigError as exc:
        for line in exc.errors:
            print(f"config error: {line}", file=sys.stderr)
        return EXIT_USAGE
    except CatalogueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    services = sorted(catalogue.services.values(), key=lambda s: (s.category, s.id))
    if args.json:
        data = [{**s.public(), "sanctioned": catalogue.is_sanctioned(s.id)} for s in services]
        sys.stdout.buffer.write(orjson.dumps({"services": data}, option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    for s in services:
        mark = "sanctioned" if catalogue.is_sanctioned(s.id) else ""
        where = ", ".join([*s.domains, *s.paths])
        print(f"{s.id:24} {s.category:12} {s.hq:8} trains={s.trains:8} {mark:10} {where}")
    print(f"{len(services)} services", file=sys.stderr)
    return 0


def cmd_pseudonym(args: argparse.Namespace) -> int:
    try:
        config = _config(args.config)
    except ConfigError as exc:
        for line in exc.errors:
            print(f"config error: {line}", file=sys.stderr)
        return EXIT_USAGE
    users = users_for(config)
    if not users.pseudonymous:
        print("error: shadow.pseudonymize_users is off in this config", file=sys.stderr)
        return EXIT_USAGE
    for name in args.users:
        print(f"{name}\t{users(name)}")
    return 0


def register(sub: Any) -> None:
    shadow = sub.add_parser("shadow", help="shadow-AI discovery: which AI services people use")
    cmds = shadow.add_subparsers(dest="shadow_command", required=True)

    scan = cmds.add_parser("scan", help="scan proxy, DNS, Zeek or CSV logs for AI services")
    scan.add_argument("files", nargs="+", metavar="FILE", help="log files (plain or gzip; - for stdin)")
    scan.add_argument("--format", choices=NAMES, default="auto", help="log format (default: sniffed)")
    scan.add_argument("--columns", help="csv: e.g. user=login,host=url,bytes_out=sent,time=ts")
    scan.add_argument("--json", action="store_true", help="write the JSON report to stdout")
    scan.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    scan.set_defaults(func=cmd_scan)

    cat = cmds.add_parser("catalogue", help="list the catalogue of AI services")
    cat.add_argument("--json", action="store_true")
    cat.set_defaults(func=cmd_catalogue)

    pseudo = cmds.add_parser("pseudonym", help="the stored pseudonym of a user (needs the config's key)")
    pseudo.add_argument("users", nargs="+", metavar="USER")
    pseudo.set_defaults(func=cmd_pseudonym)

    for p in (scan, cat, pseudo):
        p.add_argument("--config", help="YAML config: providers (sanctioned) and the shadow: section")
    for p in (scan, cat):
        p.add_argument("--catalogue", action="append", metavar="FILE", help="extra catalogue (repeatable)")
        p.add_argument("--sanctioned", action="append", metavar="ID", help="also sanctioned (repeatable)")
