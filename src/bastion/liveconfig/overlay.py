"""The live overlay: what the admin API changed on top of the config file, and how the two combine.

    {"providers": {name: merge patch | null},       a patch onto the file's provider (or a whole new one);
                                                    null removes the provider
     "models":    {name: [entries] | null},         the model's deployments, replacing the file's; null
                                                    removes the model
     "sections":  {"routing" | "pii" | "cache": merge patch}}

Patches follow JSON merge patch (RFC 7386): keys set replace, nested mappings merge; a null the admin sends
drops the runtime value of that key (`compose`), so the file's value applies again. The overlay wins over
the file key by key; what it does not name follows the file, so a reload that changes another key of a
patched section still applies it. Only these sections change at runtime.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from pydantic import SecretStr

from bastion.config.loader import ConfigError, validate_tree
from bastion.config.schema import Config
from bastion.errors import Unprocessable

RUNTIME_KEYS = ("providers", "models", "routing", "pii", "cache")  # what changes without a restart
SECTIONS = ("routing", "pii", "cache")  # patched as a whole section (PATCH /admin/config)
Overlay = dict[str, Any]
Checks = Callable[[Config], list[str]]  # `path: message` for what validation beyond the schema refuses


def empty() -> Overlay:
    return {"providers": {}, "models": {}, "sections": {}}


def normalised(raw: Mapping[str, Any] | None) -> Overlay:
    out = empty()
    for key in out:
        out[key] = copy.deepcopy(dict((raw or {}).get(key) or {}))
    return out


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: `patch` applied to `target` (neither is changed)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def compose(first: Mapping[str, Any], then: Mapping[str, Any]) -> dict[str, Any]:
    """The overlay patch `first` changed by the admin's patch `then`: keys set replace, nested mappings
    merge, and null drops the runtime value, so the file's value (or the default) applies again."""
    out = copy.deepcopy(dict(first))
    for key, value in then.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = compose(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def combine(base: Config, overlay: Overlay) -> dict[str, Any]:
    """The config tree of `base` (the file) with the overlay applied (secrets as SecretStr)."""
    tree = base.model_dump()
    providers: list[dict[str, Any]] = tree["providers"]
    for name, patch in overlay["providers"].items():
        at = next((i for i, p in enumerate(providers) if p["name"] == name), None)
        if patch is None:
            if at is not None:
                providers.pop(at)
        elif at is None:
            providers.append(merge_patch({}, patch) | {"name": name})
        else:
            providers[at] = merge_patch(providers[at], patch) | {"name": name}
    models: list[dict[str, Any]] = tree["models"]
    for name, entries in overlay["models"].items():
        at = next((i for i, m in enumerate(models) if m["name"] == name), len(models))
        kept = [m for m in models if m["name"] != name]
        at = min(at, len(kept))
        new = [] if entries is None else [dict(e) | {"name": name} for e in entries]
        models[:] = kept[:at] + new + kept[at:]
    for section, patch in overlay["sections"].items():
        tree[section] = merge_patch(tree[section], patch)
    return tree


def build(base: Config, overlay: Overlay, checks: Checks | None = None) -> Config:
    """The live config: the file plus the overlay, validated as `bastion check-config` does (the schema,
    then `checks`); Unprocessable naming every problem, nothing applied."""
    try:
        config = validate_tree(combine(base, overlay))
        errors = checks(config) if checks is not None else []
    except ConfigError as exc:
        errors = exc.errors
    if errors:
        raise refused(errors)
    return config.from_file(base.source_path) if base.source_path else config


def refused(errors: list[str]) -> Unprocessable:
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    fields = [{"field": e.split(":", 1)[0], "message": e.split(":", 1)[-1].strip()} for e in errors]
    return Unprocessable(
        f"the change was refused, nothing applied: {errors[0]}{more}", param=fields[0]["field"], errors=fields
    )


def runtime_digest(config: Config) -> str:
    """A digest of the runtime sections (secrets included only through their digest, keys read from an
    `api_key_file` too: a reload after a secret rotation applies the new key)."""
    tree = {key: _plain(getattr(config, key)) for key in RUNTIME_KEYS}
    tree["secrets"] = [hashlib.sha256(p.secret().encode()).hexdigest() for p in config.providers]
    return hashlib.sha256(orjson.dumps(tree, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    dumped = value.model_dump() if hasattr(value, "model_dump") else value
    return _unsecret(dumped)


def _unsecret(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _unsecret(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_unsecret(v) for v in node]
    if isinstance(node, SecretStr):
        return "sha256:" + hashlib.sha256(node.get_secret_value().encode()).hexdigest()
    return node


def storable(overlay: Overlay) -> dict[str, Any]:
    """The overlay as stored (plain JSON)."""
    return _jsonable(overlay)


def _jsonable(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _jsonable(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_jsonable(v) for v in node]
    if isinstance(node, SecretStr):
        return node.get_secret_value()
    return node


def redacted(overlay: Overlay) -> dict[str, Any]:
    """The overlay as the admin API shows it: provider secrets write-only (`"set"`)."""
    out = normalised(overlay)
    for patch in out["providers"].values():
        if isinstance(patch, dict):
            if patch.get("api_key") is not None:
                patch["api_key"] = "set"
            if isinstance(patch.get("headers"), dict):
                patch["headers"] = {k: "set" for k in patch["headers"]}
    pii = out["sections"].get("pii")
    if isinstance(pii, dict) and pii.get("hash_key") is not None:
        pii["hash_key"] = "set"
    return out


def changed_keys(old: Config, new: Config) -> list[str]:
    """The runtime sections that differ between two configs."""
    return [k for k in RUNTIME_KEYS if _plain(getattr(old, k)) != _plain(getattr(new, k))]


def restart_keys(running: Config, file: Config) -> list[str]:
    """Top-level keys the file changed that only a restart applies (everything but the runtime sections
    and the policies, which have their own reload)."""
    skip = {*RUNTIME_KEYS, "policies", "admin_key"}
    keys = [k for k in Config.model_fields if k not in skip]
    out = [k for k in keys if _plain(getattr(running, k)) != _plain(getattr(file, k))]
    if file.admin_key is not None and running.admin_key != file.admin_key:
        out.append("admin_key")
    return sorted(out)
