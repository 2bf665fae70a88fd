"""The running config as the admin API shows it (`GET /admin/config`): every secret masked.

Masked: secret fields (already `SecretStr`), any string field named like a secret (`*_key`, `*secret`,
`*token`, `*password`, e.g. `pii.hash_key`), the values of a provider's extra `headers` (they often carry
credentials), and the password of any URL with credentials (`postgresql://user:pw@host/db`)."""

from __future__ import annotations

import re
from typing import Any

from bastion.config.schema import Config

MASK = "**********"
_SECRET_NAME = re.compile(r"(^|_)(key|secret|token|password)$")
_URL_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@", re.IGNORECASE)


def public_config(config: Config) -> dict[str, Any]:
    """The config as JSON-ready data, with no secret in it."""
    masked = _mask(config.model_dump(mode="json"), "")
    for provider in masked.get("providers") or ():
        provider["headers"] = {name: MASK for name in provider.get("headers") or {}}
    return masked


def _mask(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        return {key: _mask(value, str(key)) for key, value in node.items()}
    if isinstance(node, list):
        return [_mask(value, name) for value in node]
    if isinstance(node, str):
        if _SECRET_NAME.search(name):
            return MASK
        return _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + "@", node)
    return node
