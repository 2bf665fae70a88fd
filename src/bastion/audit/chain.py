"""The hash chain and its signed checkpoints.

    payload_n = canonical JSON of record n (sorted keys, includes "seq": n)
    hash_n    = SHA-256(hash_{n-1} || payload_n)          hash_0 = 32 zero bytes (GENESIS)
    checkpoint = Ed25519 signature over "bastion-audit-checkpoint:v1:{size}:{hash_size}:{ts}"

The head hash commits to every record before it, so a signed checkpoint pins the whole prefix: an edited,
deleted, inserted or reordered record changes every later hash and no longer matches the signature.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

GENESIS = "0" * 64
_SORT = orjson.OPT_SORT_KEYS


def canonical(record: dict[str, Any]) -> bytes:
    return orjson.dumps(record, option=_SORT)


def link(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + payload).hexdigest()


@dataclass(slots=True, frozen=True)
class Checkpoint:
    seq: int  # the log's size when signed
    hash: str  # hash of record `seq` (the chain head)
    ts: float
    key_id: str
    signature: str  # hex

    def message(self) -> bytes:
        return checkpoint_message(self.seq, self.hash, self.ts)

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "ts": self.ts, "key_id": self.key_id,
                "signature": self.signature}  # fmt: skip


def checkpoint_message(seq: int, head: str, ts: float) -> bytes:
    return f"bastion-audit-checkpoint:v1:{seq}:{head}:{ts:.6f}".encode()
