"""Retention by age: delete whole epochs — every record up to the newest signed checkpoint older than the
cut-off — so what remains starts right after a signed checkpoint and still verifies. The prune itself is a
record in the chain (kind "retention"), which the verifier requires to accept the missing prefix."""

from __future__ import annotations

import time
from typing import Any

from bastion.audit.record import new_id
from bastion.audit.store import PRUNED_SEQ, AuditStore


async def prune(
    store: AuditStore, days: int, now: float | None = None, actor: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`actor`: who asked (`bastion audit prune`: `cli:<user>`); None for a gateway's hourly pass."""
    now = time.time() if now is None else now
    cutoff = now - days * 86400
    async with store.storage.read() as conn:
        already = int((await store.meta(conn)).get(PRUNED_SEQ, 0))
    due = [cp for cp in await store.checkpoints() if cp.ts < cutoff and cp.seq > already]
    if not due:
        return {"pruned": 0, "through": already}
    last = due[-1]
    record = {"id": new_id(), "kind": "retention", "ts_start": round(now, 6), "pruned_through": last.seq,
              "checkpoint_hash": last.hash, "cutoff": round(cutoff, 6), "retention_days": days,
              "actor": actor or {"key_id": None, "name": "retention_days"}}  # fmt: skip
    removed = await store.prune_through(last, record)
    return {"pruned": removed, "through": last.seq}
