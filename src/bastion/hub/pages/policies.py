"""Policies (`/hub/policies`): the live rule set, its version history, a YAML editor that validates on
save (each error shown at its path; nothing invalid is stored), a dry run of a pasted request against the
live rules (decision and trace, like `bastion policy test`), shadow-mode hits per rule, the diff between
versions, and rollback. Saving and rolling back run the admin API's routes (policies:write)."""

from __future__ import annotations

import copy
import difflib
import time
from types import SimpleNamespace
from typing import Any

import orjson
import yaml

from bastion.apis import registry
from bastion.errors import GatewayError, Unprocessable
from bastion.hub import queries
from bastion.hub.actions import call_admin
from bastion.hub.page import HubRequest, Page, get, post
from bastion.hub.queries import Scope

SHADOW_WINDOW = 86400  # shadow-mode hits are counted over the last day


def _yaml(policies: list[dict[str, Any]]) -> str:
    return yaml.safe_dump({"policies": policies}, sort_keys=False, allow_unicode=True, width=100)


async def _shadow_hits(hub: HubRequest) -> list[dict[str, Any]]:
    audit = hub.state.audit
    if audit is None:
        return []
    return await queries.shadow_hits(audit.store.storage, Scope(_shadow_since(), None))


def _shadow_since() -> float:
    """The start of the hour 24 hours ago: whole hours only, read from the roll-up alone (the current
    hour's row is kept up to date by the insert trigger)."""
    return time.time() // 3600 * 3600 - SHADOW_WINDOW


async def _page(hub: HubRequest, **extra: Any) -> dict[str, Any]:
    active = await call_admin(hub.request, hub.principal, "GET", "/admin/policies")
    history = await call_admin(hub.request, hub.principal, "GET", "/admin/policies/history")
    current = active.model_dump()
    diff = None
    if (wanted := hub.query.get("diff", "")).isdigit():
        diff = await _diff(hub, int(wanted))
    return {
        "active": current,
        "history": history.model_dump()["data"],
        "yaml": extra.pop("yaml", None) or _yaml(current["policies"]),
        "shadow": await _shadow_hits(hub),
        "shadow_since": _shadow_since(),
        "can_write": hub.can("policies:write"),
        "diff": diff,
        "dry_request": extra.pop("dry_request", None) or _SAMPLE,
        **extra,
    }


async def _version(hub: HubRequest, version: int) -> list[dict[str, Any]]:
    runtime = hub.state.policy
    row = await runtime.store.get(version) if runtime is not None else None
    return list(row.document.get("policies", [])) if row is not None else []


async def _diff(hub: HubRequest, version: int) -> dict[str, Any]:
    new = _yaml(await _version(hub, version)).splitlines()
    old = _yaml(await _version(hub, version - 1)).splitlines() if version > 1 else []
    lines = []
    for line in difflib.unified_diff(old, new, f"version {version - 1}", f"version {version}", lineterm=""):
        kind = "add" if line.startswith("+") else "del" if line.startswith("-") else "ctx"
        lines.append((kind, line))
    return {"version": version, "lines": lines}


def _document(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) if text.strip() else {"policies": []}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "yaml"
        raise Unprocessable(
            f"{where}: {getattr(exc, 'problem', None) or exc}",
            param="yaml",
            errors=[{"field": where, "message": str(getattr(exc, "problem", None) or exc)}],
        ) from None
    if isinstance(data, list):
        data = {"policies": data}
    if not isinstance(data, dict):
        raise Unprocessable(
            "body: a mapping with `policies:` (or a list of rules)",
            param="body",
            errors=[{"field": "body", "message": "a mapping with `policies:` or a list of rules"}],
        )
    return data


async def show(hub: HubRequest) -> dict[str, Any]:
    return await _page(hub, notice=hub.query.get("done"))


async def save(hub: HubRequest) -> dict[str, Any]:
    text = hub.field("yaml")
    try:
        body = _document(text)
        if comment := hub.field("comment"):
            body["comment"] = comment
        out = await call_admin(hub.request, hub.principal, "PUT", "/admin/policies", body)
    except GatewayError as err:
        if err.status_code == 403:
            raise
        errors = getattr(err, "errors", None) or [{"field": err.param or "policies", "message": err.message}]
        return await _page(hub, yaml=text, error=err.message, errors=errors)
    return await _page(hub, notice=f"saved as version {out.version}")  # type: ignore[attr-defined]


async def rollback(hub: HubRequest) -> dict[str, Any]:
    raw = hub.field("version")
    try:
        out = await call_admin(
            hub.request,
            hub.principal,
            "POST",
            "/admin/policies/rollback",
            {"version": int(raw) if raw.isdigit() else 0},
        )
    except GatewayError as err:
        if err.status_code == 403:
            raise
        return await _page(hub, error=err.message)
    return await _page(hub, notice=f"rolled back: version {out.version} has the rules of version {raw}")  # type: ignore[attr-defined]


async def dry_run(hub: HubRequest) -> dict[str, Any]:
    """The live rules' decision and trace for a pasted request (nothing is sent or recorded)."""
    from bastion.context import Principal, RequestContext
    from bastion.pii import PiiEngine
    from bastion.policy.enforce import RequestEnforcer

    text = hub.field("request")
    runtime = hub.state.policy
    result: dict[str, Any]
    try:
        data = orjson.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a JSON object")
        body = data["body"] if isinstance(data.get("body"), dict) else data
        caller = data["caller"] if isinstance(data.get("caller"), dict) else {}
        name = str(data.get("api") or registry.DEFAULT.name) if body is not data else registry.DEFAULT.name
        if name not in registry.APIS:
            raise ValueError(f"an 'api' that is one of {', '.join(registry.names())}, not {name!r}")
        api = registry.get(name)
    except (orjson.JSONDecodeError, ValueError) as exc:
        return await _page(hub, dry_request=text, dry_error=f"the request is not a JSON object: {exc}")
    if runtime is None:
        return await _page(hub, dry_request=text, dry_error="the policy engine is not running")
    config = hub.state.config
    active = runtime.active
    enforcer = RequestEnforcer(
        SimpleNamespace(active=active), config.policy, [p.name for p in config.providers],
        lambda: PiiEngine(config.pii),
    )  # fmt: skip
    ctx = RequestContext("hub-dry-run", api, copy.deepcopy(body), {})
    ctx.model = str(body.get("model", ""))
    ctx.stream = bool(body.get("stream"))
    ctx.principal = Principal(
        key_id=str(caller.get("key", "hub")), name=str(caller.get("key_name", "hub dry run")),
        team=caller.get("team"), user=caller.get("user"), team_id=caller.get("team_id"),
    )  # fmt: skip
    try:
        decision = active.evaluate(enforcer.facts(ctx, active), explain=True)
        result = {"decision": decision.record(), "trace": decision.trace}
    except GatewayError as exc:
        result = {"error": exc.message}
    return await _page(
        hub, dry_request=text, dry_result=orjson.dumps(result, option=orjson.OPT_INDENT_2).decode()
    )


_SAMPLE = orjson.dumps(
    {
        "caller": {"team": "payments"},
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]},
    },
    option=orjson.OPT_INDENT_2,
).decode()

PAGE = Page(
    "policies",
    "Policies",
    "/hub/policies",
    "policies:read",
    routes=(
        get("/hub/policies", show),
        post("/hub/policies", save, "policies:write"),
        post("/hub/policies/rollback", rollback, "policies:write"),
        post("/hub/policies/dry-run", dry_run, "policies:read"),
    ),
)
