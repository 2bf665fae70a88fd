"""Verify the chain: sequence continuity from the retention point, every record's hash and filter columns,
every checkpoint's signature and head hash (in the database and, optionally, an external checkpoint file),
and that the log is not shorter than the newest checkpoint. Stops at the first bad record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bastion.audit.chain import GENESIS, Checkpoint, link
from bastion.audit.keys import TrustedKeys
from bastion.audit.store import PRUNED_HASH, PRUNED_SEQ, AuditStore, columns

_COLUMNS = ("id", "kind", "request_id", "ts", "team", "key_id", "model", "provider", "region", "status",
            "decision", "pii_types")  # fmt: skip


@dataclass(slots=True)
class Verdict:
    ok: bool = True
    records: int = 0
    first_seq: int | None = None
    last_seq: int = 0
    checkpoints: int = 0
    bad_seq: int | None = None
    bad_request_id: str | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    def fail(self, seq: int | None, reason: str, request_id: str | None = None) -> Verdict:
        self.ok = False
        self.bad_seq = seq
        self.bad_request_id = request_id
        self.reason = reason
        return self

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}

    def summary(self) -> str:
        if self.ok:
            span = f"{self.first_seq}..{self.last_seq}" if self.records else "empty"
            return f"OK: {self.records} records ({span}), {self.checkpoints} signed checkpoints verified"
        rid = f" (request {self.bad_request_id})" if self.bad_request_id else ""
        where = f"record {self.bad_seq}{rid}" if self.bad_seq is not None else "log"
        return f"TAMPERED: first bad {where}: {self.reason}"


def read_checkpoint_file(path: str | Path) -> list[Checkpoint]:
    out = []
    for line in Path(path).read_bytes().splitlines():
        if line.strip():
            d = orjson.loads(line)
            out.append(Checkpoint(int(d["seq"]), d["hash"], float(d["ts"]), d["key_id"], d["signature"]))
    return out


async def verify(
    store: AuditStore, trusted: TrustedKeys, external: list[Checkpoint] | None = None
) -> Verdict:
    v = Verdict()
    async with store.storage.read() as conn:
        meta = await store.meta(conn)
    signed = await store.checkpoints()
    every = signed + list(external or [])
    for cp in every:
        if not trusted.verify(cp.key_id, cp.signature, cp.message()):
            return v.fail(cp.seq, f"checkpoint at seq {cp.seq} has an invalid or untrusted signature")
    v.checkpoints = len(every)
    pinned: dict[int, list[Checkpoint]] = {}
    for cp in every:
        pinned.setdefault(cp.seq, []).append(cp)

    pruned = int(meta.get(PRUNED_SEQ, 0))
    prev = meta.get(PRUNED_HASH, GENESIS) if pruned else GENESIS
    if pruned and not any(cp.hash == prev for cp in pinned.get(pruned, [])):
        return v.fail(pruned + 1, f"records 1..{pruned} were removed without a signed checkpoint at {pruned}")
    expected = pruned + 1
    retention_seen = not pruned
    async for row in store.rows(after=0):
        seq = int(row.seq)
        rid = row.request_id
        if seq != expected:
            if seq > expected:
                return v.fail(expected, f"missing (the next record present is {seq})")
            return v.fail(seq, f"out of order (expected seq {expected})", rid)
        try:
            rec = orjson.loads(row.payload)
        except orjson.JSONDecodeError:
            return v.fail(seq, "payload is not valid JSON", rid)
        if rec.get("seq") != seq:
            return v.fail(seq, f"payload belongs to seq {rec.get('seq')} (rows reordered)", rid)
        digest = link(prev, row.payload.encode())
        if digest != row.hash:
            return v.fail(seq, "hash mismatch (record edited, or a record before it replaced)", rid)
        cols = columns(rec)
        for name in _COLUMNS:
            if getattr(row, name) != cols[name]:
                return v.fail(seq, f"column {name!r} differs from the hashed record", rid)
        for cp in pinned.get(seq, ()):
            if cp.hash != digest:
                return v.fail(seq, f"does not match the signed checkpoint at seq {seq}", rid)
        if rec.get("kind") == "retention" and rec.get("pruned_through") == pruned:
            retention_seen = True
        if v.first_seq is None:
            v.first_seq = seq
        v.records += 1
        v.last_seq = seq
        prev = digest
        expected = seq + 1
    newest = max((cp.seq for cp in every), default=0)
    if newest > max(v.last_seq, pruned):
        return v.fail(
            max(v.last_seq, pruned) + 1, f"the log ends before the newest signed checkpoint ({newest})"
        )
    if not retention_seen:
        return v.fail(pruned + 1, f"records 1..{pruned} are gone but no retention record explains it")
    if pruned:
        v.notes.append(f"records 1..{pruned} were pruned by retention")
    return v
