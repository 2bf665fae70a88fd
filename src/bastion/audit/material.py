"""Resolve the audit directory and key material from the config (see `keys.py` for how keys are kept)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bastion.audit.keys import SIGNING_ENV, Signer, TrustedKeys, stored_secret, unb64
from bastion.config.audit import AuditConfig
from bastion.storage.engine import backend, sqlite_path


def audit_dir(settings: AuditConfig, database_url: str) -> Path:
    if settings.dir:
        return Path(settings.dir)
    if backend(database_url) == "sqlite":
        path = sqlite_path(database_url)
        if path != ":memory:":
            return Path(path + ".audit")
    return Path("bastion-audit")


@dataclass(slots=True)
class Material:
    dir: Path
    signer: Signer
    hash_key: bytes
    content_key: bytes
    trusted: TrustedKeys


def _secret(configured: object, path: Path) -> bytes:
    if configured is not None:
        return unb64(configured.get_secret_value())  # type: ignore[attr-defined]
    return stored_secret(path)


def load_material(settings: AuditConfig, database_url: str, env: dict[str, str] | None = None) -> Material:
    env = dict(os.environ) if env is None else env
    root = audit_dir(settings, database_url)
    root.mkdir(parents=True, exist_ok=True)
    if settings.signing_key is not None:
        seed = unb64(settings.signing_key.get_secret_value())
    elif env.get(SIGNING_ENV):
        seed = unb64(env[SIGNING_ENV])
    else:
        seed = stored_secret(root / "signing.key")
    signer = Signer.from_seed(seed)
    trusted = TrustedKeys([signer.public, *(unb64(k) for k in settings.public_keys)])
    return Material(
        dir=root,
        signer=signer,
        hash_key=_secret(settings.hash_key, root / "hmac.key"),
        content_key=_secret(settings.content_key, root / "content.key"),
        trusted=trusted,
    )
