"""Audit records of changes made with the `bastion` command (keys, teams, audit shred and prune) rather than
through the admin API: the same `admin` records (who, what, hashes of before and after), in the same chain.

    async with cli_audit(config, storage) as audit:      # None when audit.enabled is false
        ...change...
        audit.change(cli_actor(), "keys.revoke", target=key_id, status=200, before=old, after=new)

The command's own writer journals the record, then commits it under the database's writer lock like any
gateway worker's batch, so the chain stays single and ordered. Should the commit fail (database gone), the
record stays in the journal and the next gateway start replays it; the failure is logged.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bastion.audit.service import Audit
from bastion.config.schema import Config
from bastion.storage import Storage


def cli_actor() -> dict[str, Any]:
    """`cli:<os user>` on this host (the CLI has no API key; it acts with the database's credentials)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return {"key_id": None, "name": f"cli:{user}", "role": "cli", "host": socket.gethostname()}


def public(data: Any) -> Any:
    """What is hashed of a command's output: never a new key's secret."""
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if k != "key"}
    return data


@asynccontextmanager
async def cli_audit(config: Config, storage: Storage) -> AsyncIterator[Audit | None]:
    if not config.audit.enabled:
        yield None
        return
    audit = Audit(config, storage)
    await audit.writer.start()
    try:
        yield audit
    finally:
        await audit.writer.stop()
        await audit.keysync.stop()
