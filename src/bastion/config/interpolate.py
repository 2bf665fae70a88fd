"""`${VAR}` and `${VAR:-default}` interpolation over a parsed YAML tree (strings only)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class MissingVariable(Exception):
    def __init__(self, path: str, name: str) -> None:
        super().__init__(f"{path}: environment variable {name} is not set and has no default")
        self.path = path
        self.name = name


def interpolate(
    node: Any, env: Mapping[str, str], path: str = "", errors: list[MissingVariable] | None = None
) -> Any:
    """Return a copy of `node` with variables substituted; missing ones are collected in `errors`."""
    errs = errors if errors is not None else []
    if isinstance(node, str):

        def sub(m: re.Match[str]) -> str:
            if m.group(0) == "$$":
                return "$"
            name, default = m.group(1), m.group(2)
            value = env.get(name)
            if value is None or (value == "" and default is not None):
                if default is not None:
                    return default
                errs.append(MissingVariable(path or "<root>", name))
                return ""
            return value

        return _VAR.sub(sub, node) if "$" in node else node
    if isinstance(node, dict):
        return {k: interpolate(v, env, f"{path}.{k}" if path else str(k), errs) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env, f"{path}[{i}]", errs) for i, v in enumerate(node)]
    return node
