"""The `bastion` command: serve, check-config, --version (and the sub-commands later issues add)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import secrets
import sys
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from bastion import __version__
from bastion.config import Config, ConfigError, load_config, parse_config
from bastion.config.defaults import DEFAULT_CONFIG

EXIT_CONFIG = 2


def _load(path: str | None) -> Config:
    if path is None:
        data = dict(DEFAULT_CONFIG)
        if os.environ.get("BASTION_ADMIN_KEY"):
            data["admin_key"] = "${BASTION_ADMIN_KEY}"
        return parse_config(data)
    return load_config(path)


def _ensure_admin_key(config: Config) -> Config:
    if config.admin_key is not None:
        return config
    env = os.environ.get("BASTION_ADMIN_KEY")
    if env:
        key = env
    else:
        key = "bk-admin-" + secrets.token_urlsafe(24)
        print(f"No admin_key configured: generated one for this run (shown once): {key}", file=sys.stderr)
    return config.model_copy(update={"admin_key": SecretStr(key)})


def cmd_serve(args: argparse.Namespace) -> int:
    from bastion.server.run import serve

    try:
        config = _ensure_admin_key(_load(args.config))
    except ConfigError as exc:
        for line in exc.errors:
            print(f"config error: {line}", file=sys.stderr)
        return EXIT_CONFIG
    host = args.host or config.server.host
    port = config.server.port if args.port is None else args.port
    workers = args.workers or config.server.workers
    return serve(config, host, port, workers)


def cmd_check_config(args: argparse.Namespace) -> int:
    from bastion.policy.factory import reference_errors

    try:
        config = load_config(args.file)
        if errors := reference_errors(config):  # what start-up would refuse beyond the schema
            raise ConfigError(errors)
    except ConfigError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        print(f"{args.file}: {len(exc.errors)} error(s)", file=sys.stderr)
        return EXIT_CONFIG
    from bastion.compliance.checks import retention_warnings

    for warning in retention_warnings(config):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{args.file}: OK ({len(config.providers)} providers, {len(config.models)} models)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bastion", description="Bastion enterprise AI gateway")
    parser.add_argument("--version", action="version", version=f"bastion {__version__}")
    parser.add_argument("--log-level", default=os.environ.get("BASTION_LOG_LEVEL", "WARNING"))
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gateway")
    serve.add_argument("--config", help="YAML config file (default: the embedded demo setup)")
    serve.add_argument("--host", help="listen address (default from config: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default from config: 8080; 0 = any)")
    serve.add_argument("--workers", type=int, help="worker processes (default from config: 1)")
    serve.set_defaults(func=cmd_serve)

    check = sub.add_parser("check-config", help="validate a config file; exit 2 on errors")
    check.add_argument("file")
    check.set_defaults(func=cmd_check_config)

    for register in _plugins():
        register(sub)
    return parser


# Sub-command groups of other packages; each module exposes `register(subparsers)`.
_COMMAND_MODULES = (
    "bastion.pii.cli",
    "bastion.identity.cli",
    "bastion.audit.cli",
    "bastion.policy.cli",
    "bastion.cost.cli",
    "bastion.compliance.cli",
    "bastion.shadow.cli",
    "bastion.guard.cli",
)


def _plugins() -> list[Callable[[Any], None]]:
    return [importlib.import_module(name).register for name in _COMMAND_MODULES]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
