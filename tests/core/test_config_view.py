"""`GET /admin/config` shows the running config with every secret masked: secret fields, secret-named
fields (`pii.hash_key`), provider header values and passwords inside URLs (database, Redis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from bastion.config import parse_config
from bastion.config.public import MASK, public_config
from harness import ADMIN_KEY, Gateway

SECRETS = ("db-password-42", "redis-password-42", "pii-hash-key-42", "sk-provider-42", "Bearer hdr-42")


def config(db: Path) -> dict[str, Any]:
    return {
        "admin_key": ADMIN_KEY,
        "database_url": f"sqlite:///{db}",
        "pii": {"hash_key": "pii-hash-key-42"},
        "providers": [
            {"name": "demo", "type": "demo"},
            {
                "name": "up",
                "type": "openai",
                "api_key": "sk-provider-42",
                "headers": {"Authorization": "Bearer hdr-42", "X-Org": "acme"},
            },
        ],
        "models": [{"name": "m", "provider": "demo", "model": "echo"}],
    }


def test_public_config_masks_every_secret(tmp_path: Path) -> None:
    data = config(tmp_path / "b.db")
    data["database_url"] = "postgresql://bastion:db-password-42@db.internal:5432/bastion"
    data["redis_url"] = "rediss://:redis-password-42@cache.internal:6380/0"
    shown = public_config(parse_config(data, env={}))
    text = repr(shown)
    assert not [s for s in SECRETS if s in text]
    assert shown["database_url"] == f"postgresql://bastion:{MASK}@db.internal:5432/bastion"
    assert shown["redis_url"] == f"rediss://:{MASK}@cache.internal:6380/0"
    assert shown["pii"]["hash_key"] == MASK
    assert shown["providers"][1]["headers"] == {"Authorization": MASK, "X-Org": MASK}
    assert shown["admin_key"] == MASK and shown["providers"][1]["api_key"] == MASK
    assert shown["models"][0]["model"] == "echo"  # the rest is shown as configured


def test_admin_config_route_masks_secrets(tmp_path: Path) -> None:
    gw = Gateway.start(config(tmp_path / "bastion.db"))
    try:
        r = httpx.get(gw.url + "/admin/config", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10)
    finally:
        gw.stop()
    assert r.status_code == 200
    assert not [s for s in SECRETS if s in r.text]
    assert r.json()["config"]["pii"]["hash_key"] == MASK
