"""Changes made with the `bastion` command are audited like admin-API changes: each changing command (also a
refused one) writes exactly one record — actor `cli:<os user>`, action, target, hashes of before and
after — into the one chain, which still verifies with `bastion audit verify`; read-only commands write none.
On SQLite and PostgreSQL, with real `bastion` processes."""

from __future__ import annotations

import asyncio
import getpass
import subprocess
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from audit.test_crash import write_config
from bastion.audit.schema import records
from bastion.config import load_config
from bastion.storage import open_storage
from harness import BASTION, bastion_env


def bastion(config: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([BASTION, *args, "--config", str(config)], capture_output=True, text=True,
                         env=bastion_env(), timeout=60, check=False)  # fmt: skip
    assert (out.returncode == 0) is ok, out.stderr
    return out


async def _changes(config: Path) -> list[dict[str, Any]]:
    cfg = load_config(config)
    storage = open_storage(cfg.database_url)
    await storage.open()
    try:
        async with storage.read() as conn:
            q = sa.select(records.c.payload).where(records.c.kind == "admin").order_by(records.c.seq)
            return [orjson.loads(p) for p in await conn.scalars(q)]
    finally:
        await storage.close()


def changes(config: Path) -> list[dict[str, Any]]:
    return asyncio.run(_changes(config))


def test_every_cli_change_is_one_record_in_the_chain(db_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, db_url, teams={"legal": "encrypted"})
    actor = f"cli:{getpass.getuser()}"
    done: list[dict[str, Any]] = []

    def step(*args: str, action: str, status: int, ok: bool = True) -> subprocess.CompletedProcess[str]:
        out = bastion(config, *args, ok=ok)
        now = changes(config)
        assert len(now) == len(done) + 1, f"{args}: {len(now) - len(done)} records"
        rec = now[-1]
        assert rec["action"] == action and rec["status"] == status, rec
        assert rec["actor"]["name"] == actor and rec["actor"]["key_id"] is None
        done.append(rec)
        return out

    team = orjson.loads(step("teams", "create", "legal", "--format", "json", action="teams.create",
                             status=201).stdout)  # fmt: skip
    assert done[-1]["target"] == team["id"] and done[-1]["before_hash"] is None and done[-1]["after_hash"]
    created = step("keys", "create", "svc", "--team", "legal", "--format", "json", action="keys.create",
                   status=201)  # fmt: skip
    key = orjson.loads(created.stdout)
    assert key["key"] not in orjson.dumps(changes(config)).decode()  # the secret is never in the trail
    step("keys", "update", key["id"], "--model", "gpt-4o*", action="keys.update", status=200)
    assert done[-1]["target"] == key["id"] and done[-1]["before_hash"] == done[-2]["after_hash"]
    step("keys", "rotate", key["id"], action="keys.rotate", status=200)
    assert done[-1]["target"] == key["id"] and done[-1]["before_hash"] != done[-1]["after_hash"]
    step("keys", "revoke", key["id"], action="keys.revoke", status=200)
    assert done[-1]["before_hash"] == done[-2]["after_hash"]  # the state the rotation left
    step("keys", "revoke", "key_nope", action="keys.revoke", status=404, ok=False)  # refused: recorded too
    step("keys", "update", key["id"], "--no-user", action="keys.update", status=409, ok=False)  # revoked
    step("teams", "create", "legal", action="teams.create", status=409, ok=False)
    step("audit", "shred", "--team", "legal", action="audit.shred", status=200)
    assert done[-1]["target"] == "legal"

    for read_only in (("keys", "list", "--all"), ("teams", "list"), ("audit", "export", "-o", "/dev/null")):
        bastion(config, *read_only)
    assert len(changes(config)) == len(done)

    verified = bastion(config, "audit", "verify")
    assert verified.stdout.startswith("OK:"), verified.stdout
