"""`bastion keys create|list|update|revoke|rotate` and `bastion teams create|list`, straight against the
configured database (`--config FILE`; default: the embedded default, sqlite:///bastion.db).

Output is a table by default, or JSON with `--format json` (the same objects the admin API returns;
`keys create` and `keys rotate` include the key itself, shown this once). Running gateways pick the
change up within a second (Redis message when `redis_url` is set, else their version poll).
Every change (also a refused one) is one audit record with the actor `cli:<os user>`
(`bastion.audit.cli_changes`).
Exit status: 0 ok, 1 refused (not found, duplicate name, invalid value), 2 config error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import re
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from bastion.errors import GatewayError

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """'90' or '90s', '15m', '12h', '30d' -> seconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 3600, 15m, 12h, 30d)")
    return float(match.group(1)) * _UNIT[match.group(2)]


def timestamp(text: str) -> float:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    from bastion.admin.models import epoch

    return epoch(dt) or 0.0


# --- rendering -----------------------------------------------------------------------------------------
KEY_COLUMNS = ("id", "name", "prefix", "team", "role", "models", "status", "expires_at", "last_used_at")
TEAM_COLUMNS = ("id", "name", "models", "regions", "metadata", "created_at")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(value).decode() if value else "-"
    return str(value)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c.upper())] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def emit(args: argparse.Namespace, data: Any, columns: Sequence[str]) -> None:
    if args.format == "json":
        print(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    rows = data if isinstance(data, list) else [data]
    print(table(rows, columns))
    if isinstance(data, dict) and data.get("key"):
        print(f"\nkey: {data['key']}\n(shown once: store it now; only its hash is kept)")


# --- running an operation against the configured database ------------------------------------------------
Op = Callable[[Any, argparse.Namespace], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Change:
    """A command that changes state: its audit action, status, and how to read the state it changes."""

    action: str  # e.g. "keys.revoke"
    status: int = 200
    before: Op | None = None


def _run(op: Op, columns: Sequence[str], change: Change | None = None) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        from bastion.cli import EXIT_CONFIG, _load
        from bastion.config import ConfigError

        try:
            config = _load(args.config)
        except ConfigError as exc:
            for line in exc.errors:
                print(f"config error: {line}", file=sys.stderr)
            return EXIT_CONFIG
        try:
            data = asyncio.run(_with_admin(config, op, args, change))
        except GatewayError as err:
            print(f"error: {err.message}", file=sys.stderr)
            return 1
        emit(args, data, columns)
        return 0

    return command


async def _with_admin(config: Any, op: Op, args: argparse.Namespace, change: Change | None = None) -> Any:
    from bastion.identity.service import IdentityAdmin
    from bastion.identity.sync import RedisChannel
    from bastion.storage import open_storage

    storage = open_storage(config.database_url)
    redis = RedisChannel(config.redis_url) if config.redis_url else None

    async def publish(version: int) -> None:
        if redis is not None:
            await redis.publish(version)

    await storage.open()
    try:
        admin = IdentityAdmin(storage, publish)
        if change is None:
            return await op(admin, args)
        return await _recorded(config, storage, admin, op, args, change=change)
    finally:
        if redis is not None:
            await redis.close()
        await storage.close()


async def _recorded(config: Any, storage: Any, admin: Any, op: Op, args: argparse.Namespace, *,
                    change: Change) -> Any:  # fmt: skip
    """Run a changing command and write its audit record (refused attempts too, as the admin API does)."""
    from bastion.audit.cli_changes import cli_actor, cli_audit, public

    async with cli_audit(config, storage) as audit:
        before = None
        if change.before is not None:
            with contextlib.suppress(GatewayError):  # not found: the command itself will say so
                before = await change.before(admin, args)
        target = getattr(args, "id", None) or getattr(args, "name", None)
        try:
            data = await op(admin, args)
        except GatewayError as err:
            if audit is not None:
                audit.change(cli_actor(), change.action, target=target, status=err.status_code)
            raise
        if audit is not None:
            audit.change(cli_actor(), change.action, target=data.get("id", target), status=change.status,
                         before=public(before), after=public(data))  # fmt: skip
        return data


async def _keys_out(admin: Any, records: list[Any]) -> list[dict[str, Any]]:
    from bastion.admin.models import KeyOut

    names = await admin.team_names()
    now = time.time()
    return [KeyOut.of(k, names, now).model_dump(mode="json") for k in records]


def _validate(model: Any, **fields: Any) -> None:
    """The admin API's own request validation, so the CLI accepts exactly what the API accepts."""
    _checked(model, {k: v for k, v in fields.items() if v is not None})


def _checked(model: Any, data: dict[str, Any]) -> Any:
    """`data` validated as the admin API validates a request body (422 naming the first bad field)."""
    from pydantic import ValidationError

    from bastion.errors import Unprocessable

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise Unprocessable(f"{field}: {first['msg'].removeprefix('Value error, ')}", param=field) from None


async def keys_create(admin: Any, args: argparse.Namespace) -> dict[str, Any]:
    from bastion.admin.models import KeyCreate

    _validate(
        KeyCreate, name=args.name, team=args.team, user=args.user, models=args.model, regions=args.region
    )
    expires = args.expires_at if args.expires_at is not None else None
    if args.expires_in is not None:
        expires = time.time() + args.expires_in
    record, secret = await admin.create_key(
        args.name,
        team=args.team,
        user=args.user,
        models=args.model or None,
        regions=args.region or None,
        expires_at=expires,
        role=args.role,
        created_by=f"cli:{getpass.getuser()}",
    )
    return {**(await _keys_out(admin, [record]))[0], "key": secret}


async def keys_list(admin: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    team_id = (await admin.get_team(args.team)).id if args.team else None
    return await _keys_out(admin, await admin.list_keys(team_id=team_id, include_revoked=args.all))


async def keys_revoke(admin: Any, args: argparse.Namespace) -> dict[str, Any]:
    return (await _keys_out(admin, [await admin.revoke_key(args.id)]))[0]


async def key_before(admin: Any, args: argparse.Namespace) -> dict[str, Any]:
    return (await _keys_out(admin, [await admin.get_key(args.id)]))[0]


async def keys_rotate(admin: Any, args: argparse.Namespace) -> dict[str, Any]:
    record, secret = await admin.rotate_key(args.id, args.grace)
    return {**(await _keys_out(admin, [record]))[0], "key": secret}


def _key_patch(args: argparse.Namespace) -> dict[str, Any]:
    """The options given to `keys update` as a PATCH /admin/keys/{id} body (`--no-…`: null)."""
    patch: dict[str, Any] = {}
    if args.name is not None:
        patch["name"] = args.name
    if args.user is not None or args.no_user:
        patch["user"] = args.user
    if args.model or args.all_models:
        patch["models"] = args.model
    if args.region or args.any_region:
        patch["regions"] = args.region
    if args.expires_in is not None:
        patch["expires_at"] = time.time() + args.expires_in
    elif args.expires_at is not None or args.no_expiry:
        patch["expires_at"] = args.expires_at
    for nested in ("limits", "budget"):
        if getattr(args, nested) is not None or getattr(args, f"no_{nested}"):
            patch[nested] = getattr(args, nested)
    return patch


async def keys_update(admin: Any, args: argparse.Namespace) -> dict[str, Any]:
    from bastion.admin.models import KeyUpdate

    update = _checked(KeyUpdate, _key_patch(args))
    return (await _keys_out(admin, [await admin.update_key(args.id, update.changes())]))[0]


async def teams_create(admin: Any, args: argparse.Namespace) -> dict[str, Any]:
    from bastion.admin.models import TeamCreate, TeamOut

    _validate(TeamCreate, name=args.name, models=args.model, regions=args.region, metadata=args.metadata)
    team = await admin.create_team(
        args.name, metadata=args.metadata, models=args.model or None, regions=args.region or None
    )
    return TeamOut.of(team).model_dump(mode="json")


async def teams_list(admin: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    from bastion.admin.models import TeamOut

    return [TeamOut.of(t).model_dump(mode="json") for t in await admin.list_teams()]


def _metadata(text: str) -> dict[str, Any]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise argparse.ArgumentTypeError("--metadata must be a JSON object") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--metadata must be a JSON object")
    return value


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"not a JSON object: {text!r}")
    return value


def _either(p: argparse.ArgumentParser, flag: str, clear: str, clear_help: str, **kw: Any) -> None:
    """`flag` sets a value, `clear` (a `--no-…`/`--all-…` switch) sends null; not both."""
    group = p.add_mutually_exclusive_group()
    group.add_argument(flag, **kw)
    group.add_argument(clear, action="store_true", help=clear_help)


def _register_update(keys: Any, common: argparse.ArgumentParser) -> None:
    what = "change a key's name, user, models, regions, expiry, limits or budget (absent: unchanged)"
    p = keys.add_parser("update", parents=[common], help=what)
    p.add_argument("id")
    p.add_argument("--name", help="new name")
    _either(p, "--user", "--no-user", "clear the label", help="user or application label")
    _either(p, "--model", "--all-models", "every model its team allows (*)", action="append",
            help="allowed model glob, repeatable: replaces the list")  # fmt: skip
    _either(p, "--region", "--any-region", "lift the region restriction", action="append",
            help="allowed region, repeatable: replaces the list")  # fmt: skip
    when = p.add_mutually_exclusive_group()
    when.add_argument("--expires-in", type=duration, help="new lifetime from now: 3600, 15m, 12h, 30d")
    when.add_argument("--expires-at", type=timestamp, help="new expiry time, ISO 8601")
    when.add_argument("--no-expiry", action="store_true", help="never expires")
    _either(p, "--limits", "--no-limits", "lift the key's rate limits", type=_json_object,
            help='rate limits, replaced whole, e.g. {"rpm": 60, "tpm": 100000}')  # fmt: skip
    _either(p, "--budget", "--no-budget", "lift the key's budget", type=_json_object,
            help='budget, replaced whole, e.g. {"usd": 100, "period": "day"}')  # fmt: skip
    p.set_defaults(func=_run(keys_update, KEY_COLUMNS, Change("keys.update", before=key_before)))


def register(sub: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", help="YAML config file (default: the embedded default, sqlite:///bastion.db)"
    )
    common.add_argument("--format", choices=("table", "json"), default="table", help="output format")

    keys = sub.add_parser("keys", help="manage virtual keys").add_subparsers(
        dest="keys_command", required=True
    )
    p = keys.add_parser("create", parents=[common], help="create a key (printed once)")
    p.add_argument("name")
    p.add_argument("--team", help="team id or name")
    p.add_argument("--user", help="user or application label")
    p.add_argument("--model", action="append", help="allowed model glob, repeatable (default: *)")
    p.add_argument("--region", action="append", help="allowed region, repeatable (default: any)")
    p.add_argument(
        "--role", choices=("admin", "team-admin", "auditor"), help="admin-API role (default: none)"
    )
    when = p.add_mutually_exclusive_group()
    when.add_argument("--expires-in", type=duration, help="lifetime: 3600, 15m, 12h, 30d")
    when.add_argument("--expires-at", type=timestamp, help="expiry time, ISO 8601")
    p.set_defaults(func=_run(keys_create, KEY_COLUMNS, Change("keys.create", 201)))
    p = keys.add_parser("list", parents=[common], help="list keys (metadata only)")
    p.add_argument("--team", help="only this team (id or name)")
    p.add_argument("--all", action="store_true", help="include revoked keys")
    p.set_defaults(func=_run(keys_list, KEY_COLUMNS))
    p = keys.add_parser("revoke", parents=[common], help="revoke a key")
    p.add_argument("id")
    p.set_defaults(func=_run(keys_revoke, KEY_COLUMNS, Change("keys.revoke", before=key_before)))
    p = keys.add_parser("rotate", parents=[common], help="new secret for a key (printed once)")
    p.add_argument("id")
    p.add_argument("--grace", type=duration, default=0.0, help="how long the old secret keeps working")
    p.set_defaults(func=_run(keys_rotate, KEY_COLUMNS, Change("keys.rotate", before=key_before)))
    _register_update(keys, common)

    teams = sub.add_parser("teams", help="manage teams").add_subparsers(dest="teams_command", required=True)
    p = teams.add_parser("create", parents=[common], help="create a team")
    p.add_argument("name")
    p.add_argument("--model", action="append", help="allowed model glob, repeatable (default: every model)")
    p.add_argument("--region", action="append", help="allowed region, repeatable (default: any)")
    p.add_argument("--metadata", type=_metadata, default={}, help='JSON object, e.g. {"cost_centre": "42"}')
    p.set_defaults(func=_run(teams_create, TEAM_COLUMNS, Change("teams.create", 201)))
    p = teams.add_parser("list", parents=[common], help="list teams")
    p.set_defaults(func=_run(teams_list, TEAM_COLUMNS))
