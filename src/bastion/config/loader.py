"""Read a YAML config file: parse, interpolate `${VAR}`, validate; every error names its field path."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bastion.config.interpolate import MissingVariable, interpolate
from bastion.config.schema import Config


class ConfigError(Exception):
    """Invalid configuration; `errors` holds one "path: message" line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


def parse_config(data: Any, env: Mapping[str, str] | None = None) -> Config:
    """Validate an already-parsed YAML tree."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(["<root>: the config file must be a mapping of keys to values"])
    missing: list[MissingVariable] = []
    tree = interpolate(data, os.environ if env is None else env, "", missing)
    errors = [str(m) for m in missing]
    try:
        config = validate_tree(tree)
    except ConfigError as exc:
        raise ConfigError(errors + exc.errors) from None
    if errors:
        raise ConfigError(errors)
    return config


def validate_tree(tree: Mapping[str, Any]) -> Config:
    """Validate a config tree as it is (no `${VAR}` interpolation); ConfigError names every field path."""
    try:
        return Config.model_validate(tree)
    except ValidationError as exc:
        errors = []
        for e in exc.errors():
            loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = "unknown key"
            errors.append(f"{_path(loc)}: {msg}")
        raise ConfigError(errors) from None


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> Config:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{p}: cannot read: {exc.strerror or exc}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError([f"{p}: invalid YAML{where}: {getattr(exc, 'problem', exc)}"]) from None
    return parse_config(data, env).from_file(str(p.resolve()))
