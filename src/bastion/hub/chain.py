"""Where one record sits in the hash chain and whether the chain verifies there: its link from the record
before it, every link on to the next signed checkpoint, and that checkpoint's signature. A bounded read
(at most one checkpoint interval); the whole log is verified on the Audit integrity page and by
`bastion audit verify`."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from bastion.audit.chain import GENESIS, Checkpoint, link
from bastion.audit.schema import checkpoints, records
from bastion.audit.service import Audit
from bastion.audit.store import PRUNED_HASH, PRUNED_SEQ, columns

MAX_SPAN = 20_000  # records read at most to reach the next checkpoint


async def position(audit: Audit, seq: int) -> dict[str, Any]:
    store = audit.store
    out: dict[str, Any] = {"seq": seq, "ok": False, "checkpoint": None, "reason": None}
    async with store.storage.read() as conn:
        meta = await store.meta(conn)
        head = await conn.scalar(sa.select(sa.func.max(records.c.seq)))
        cp_row = (
            await conn.execute(
                sa.select(checkpoints).where(checkpoints.c.seq >= seq).order_by(checkpoints.c.seq).limit(1)
            )
        ).first()
        pruned = int(meta.get(PRUNED_SEQ, 0))
        if seq - 1 <= pruned:
            prev: str | None = meta.get(PRUNED_HASH, GENESIS) if pruned else GENESIS
        else:
            prev = await conn.scalar(sa.select(records.c.hash).where(records.c.seq == seq - 1))
        end = int(cp_row.seq) if cp_row is not None else int(head or seq)
        end = min(end, seq + MAX_SPAN)
        rows = list(
            await conn.execute(
                sa.select(records).where(records.c.seq >= seq, records.c.seq <= end).order_by(records.c.seq)
            )
        )
    out["head"] = int(head or 0)
    if prev is None:
        out["reason"] = f"record {seq - 1} (the one before) is missing"
        return out
    expected = seq
    for row in rows:
        if int(row.seq) != expected:
            out["reason"] = f"record {expected} is missing"
            return out
        digest = link(prev, row.payload.encode())
        if digest != row.hash:
            out["reason"] = f"hash mismatch at record {expected}"
            return out
        if expected == seq:
            rec = orjson.loads(row.payload)
            cols = columns(rec)
            bad = [
                n
                for n in ("kind", "team", "key_id", "model", "status", "decision")
                if getattr(row, n) != cols[n]
            ]
            if bad:
                out["reason"] = f"column {bad[0]!r} differs from the hashed record"
                return out
        prev = digest
        expected += 1
    out["links"] = len(rows)
    if cp_row is not None and int(cp_row.seq) == end:
        cp = Checkpoint(int(cp_row.seq), cp_row.hash, float(cp_row.ts), cp_row.key_id, cp_row.signature)
        if cp.hash != prev:
            out["reason"] = f"does not reach the signed checkpoint at {cp.seq}"
            return out
        if not audit.material.trusted.verify(cp.key_id, cp.signature, cp.message()):
            out["reason"] = f"the checkpoint at {cp.seq} has an invalid or untrusted signature"
            return out
        out["checkpoint"] = {"seq": cp.seq, "ts": cp.ts, "key_id": cp.key_id}
    out["ok"] = True
    return out
