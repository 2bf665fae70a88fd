"""`bastion policy check FILE` and `bastion policy test --config FILE --request req.json`: validate rules,
and show what they decide for a request (with the trace of every rule), without a running gateway.

FILE is a gateway config (its `policies:` and `policy.path`) or a policy file/directory (`policies:` or a
bare list of rules). The request file is a client body (`--api` names its API, default the OpenAI chat API),
or an envelope: {"api": ..., "headers": {...}, "caller": {"team", "key", "user"}, "body": {...}}.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import yaml
from pydantic import ValidationError

from bastion.apis import registry

EXIT_INVALID = 2
_APIS = registry.names()
_DEFAULT_API = registry.DEFAULT.name


def _errors(exc: ValidationError) -> list[str]:
    out = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e["loc"])
        out.append(f"{where}: {e['msg'].removeprefix('Value error, ')}")
    return out


def _load(path: str) -> tuple[Any, Any]:
    """(PolicyDocument, Config or None) from a config file or a policy file/directory."""
    from bastion.config import load_config
    from bastion.config.policy_document import PolicyDocument
    from bastion.policy.runtime import load_document, read_rules

    p = Path(path)
    if p.is_file() and p.suffix in (".yaml", ".yml", ".json"):
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        if isinstance(data, dict) and set(data) - {"policies"}:
            config = load_config(path)
            return load_document(config.policies, config.policy.path), config
        return PolicyDocument.model_validate({"policies": read_rules(p)}), None
    return load_document([], path), None


def _report_load(path: str) -> tuple[Any, Any] | None:
    from bastion.config import ConfigError
    from bastion.policy.runtime import PolicyFileError

    try:
        return _load(path)
    except ValidationError as exc:
        lines = _errors(exc)
    except ConfigError as exc:
        lines = list(exc.errors)
    except (PolicyFileError, OSError, yaml.YAMLError) as exc:
        lines = [str(exc)]
    for line in lines:
        print(line, file=sys.stderr)
    print(f"{path}: {len(lines)} error(s)", file=sys.stderr)
    return None


def cmd_check(args: argparse.Namespace) -> int:
    from bastion.policy.compiled import CompiledSet

    loaded = _report_load(args.file)
    if loaded is None:
        return EXIT_INVALID
    compiled = CompiledSet(loaded[0])
    print(
        f"{args.file}: OK ({len(compiled)} rules: {len(compiled.request_rules)} request, "
        f"{len(compiled.response_rules)} response)"
    )
    return 0


def _request(path: str, api: str | None) -> tuple[str, dict[str, Any], dict[str, str], dict[str, Any]]:
    data = orjson.loads(Path(path).read_bytes())
    if isinstance(data, dict) and isinstance(data.get("body"), dict):
        headers = {str(k).lower(): str(v) for k, v in (data.get("headers") or {}).items()}
        return api or data.get("api") or _DEFAULT_API, data["body"], headers, data.get("caller") or {}
    if not isinstance(data, dict):
        raise ValueError("the request file must hold a JSON object")
    return api or _DEFAULT_API, data, {}, {}


def cmd_test(args: argparse.Namespace) -> int:
    from bastion.context import Principal, RequestContext
    from bastion.errors import GatewayError
    from bastion.policy.compiled import CompiledSet
    from bastion.policy.enforce import RequestEnforcer

    loaded = _report_load(args.config)
    if loaded is None:
        return EXIT_INVALID
    document, config = loaded
    try:
        api, body, headers, caller = _request(args.request, args.api)
    except (OSError, ValueError) as exc:
        print(f"{args.request}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if api not in _APIS:
        print(f"unknown api {api!r}; use one of {', '.join(_APIS)}", file=sys.stderr)
        return EXIT_INVALID
    active = CompiledSet(document)
    from bastion.config.policy import PolicySettings

    settings = config.policy if config is not None else PolicySettings()
    providers = [p.name for p in config.providers] if config is not None else []

    def engine() -> Any:
        from bastion.config.pii import PiiConfig
        from bastion.pii import PiiEngine

        return PiiEngine(config.pii if config is not None else PiiConfig())

    enforcer = RequestEnforcer(SimpleNamespace(active=active), settings, providers, engine)
    ctx = RequestContext("policy-test", registry.get(api), copy.deepcopy(body), headers)
    ctx.model = str(body.get("model", ""))
    ctx.stream = bool(body.get("stream"))
    ctx.principal = Principal(
        key_id=caller.get("key", "cli"), name=caller.get("key_name", caller.get("key", "cli")),
        team=caller.get("team"), user=caller.get("user"), team_id=caller.get("team_id"),
    )  # fmt: skip
    facts = enforcer.facts(ctx, active)
    decision = active.evaluate(facts, explain=True)
    out: dict[str, Any] = {"decision": decision.record(), "trace": decision.trace}
    if decision.deny is None:
        try:
            enforcer.enforce(ctx)
        except GatewayError as exc:  # pragma: no cover - a deny was handled above
            out["error"] = exc.message
        out["decision"] = ctx.annotations.get("policy", out["decision"])
        if ctx.route_constraints is not None:
            out["route_constraints"] = {
                "regions": sorted(ctx.route_constraints.regions) if ctx.route_constraints.regions else None,
                "exclude": sorted(ctx.route_constraints.exclude),
            }
        if ctx.pii_overrides:
            out["pii_overrides"] = ctx.pii_overrides
        if ctx.body != body:
            out["body"] = ctx.body
    else:
        from bastion.policy.enforce import deny_message

        out["error"] = "403 " + deny_message(decision.deny.id, decision.deny.message)
    if response_rules := active.response_rules_for(facts):
        out["response_rules"] = [r.id for r in response_rules]
    sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 1 if decision.deny is not None and args.exit_code else 0


def register(sub: Any) -> None:
    policy = sub.add_parser("policy", help="validate policy rules and test them against a request")
    psub = policy.add_subparsers(dest="policy_command", required=True)

    check = psub.add_parser("check", help="validate a policy file, directory or config; exit 2 on errors")
    check.add_argument("file")
    check.set_defaults(func=cmd_check)

    test = psub.add_parser("test", help="print the decision and trace for a request (no gateway needed)")
    test.add_argument("--config", required=True, help="gateway config or policy file/directory")
    test.add_argument("--request", required=True, help="JSON request body, or an envelope with body/headers")
    test.add_argument("--api", choices=_APIS, help=f"inbound API of a bare body (default {_DEFAULT_API})")
    test.add_argument("--exit-code", action="store_true", help="exit 1 when the request is denied")
    test.set_defaults(func=cmd_test)
