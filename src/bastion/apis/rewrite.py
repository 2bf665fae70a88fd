"""The pieces the client APIs build their request rewriters (`ClientApi.rewriter`) from: cap the output
tokens, keep only some tools. Each changes the body in place and returns whether it did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bastion.apis.text import Json


def cap(body: Json, keys: tuple[str, ...], default_key: str, limit: int) -> bool:
    """Lowers every present `keys` limit above `limit`; sets `default_key` when none is present."""
    present = [k for k in keys if isinstance(body.get(k), int)]
    if not present:
        body[default_key] = limit
        return True
    changed = False
    for k in present:
        if body[k] > limit:
            body[k] = limit
            changed = True
    return changed


def flat_tool_name(tool: Any) -> str | None:
    return tool.get("name") if isinstance(tool, dict) else None


def _choice_name(choice: Any) -> str | None:
    """The tool a tool_choice forces, in any of the three shapes."""
    if not isinstance(choice, dict):
        return None
    fn = choice.get("function")
    if isinstance(fn, dict):
        return fn.get("name")
    return choice.get("name")


def restrict(
    body: Json, allowed: frozenset[str] | None, name_of: Callable[[Any], str | None], extra: tuple[str, ...]
) -> bool:
    """Keep only `allowed` tools (None: strip all). Drops tool_choice when it names a removed tool."""
    tools = body.get("tools")
    if not isinstance(tools, list) or not tools:
        return False
    kept = [] if allowed is None else [t for t in tools if name_of(t) in allowed]
    if len(kept) == len(tools):
        return False
    if kept:
        body["tools"] = kept
        forced = _choice_name(body.get("tool_choice"))
        if forced is not None and allowed is not None and forced not in allowed:
            body.pop("tool_choice", None)
    else:
        for key in ("tools", "tool_choice", *extra):
            body.pop(key, None)
    return True
