"""Retention prunes whole epochs (up to a signed checkpoint older than the cut-off): what remains still
verifies; a prefix removed any other way does not. Plus the pieces a record is built from."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit.conftest import audit_config, filled
from bastion.audit.record import ClientIp
from bastion.audit.retention import prune
from bastion.audit.schema import checkpoints, records
from bastion.audit.store import PRUNED_HASH, PRUNED_SEQ
from bastion.audit.verify import verify
from bastion.storage import Storage


async def test_prune_whole_epochs_and_still_verify(db_url: str, storage: Storage, tmp_path: Path) -> None:
    config = audit_config(db_url, tmp_path)
    audit = await filled(config, storage, 25)  # 26 records, checkpoints at 10, 20, 26
    await asyncio.sleep(0.05)
    between = time.time()
    await asyncio.sleep(0.05)
    await filled(config, storage, 3)  # 27..29, checkpoint at 29
    result = await prune(audit.store, days=180, now=between + 180 * 86400)
    assert result == {"pruned": 26, "through": 26}
    v = await verify(audit.store, audit.material.trusted)
    assert v.ok, v.summary()
    assert (v.first_seq, v.last_seq) == (27, 30)  # 27..29 kept, 30 is the retention record
    assert v.notes == ["records 1..26 were pruned by retention"]
    assert (await prune(audit.store, days=180, now=between + 180 * 86400))["pruned"] == 0
    await filled(config, storage, 2)  # the chain goes on after a prune
    v = await verify(audit.store, audit.material.trusted)
    assert v.ok and v.last_seq == 32, v.summary()


async def test_prefix_deleted_without_retention_is_found(
    db_url: str, storage: Storage, tmp_path: Path
) -> None:
    audit = await filled(audit_config(db_url, tmp_path), storage, 25)
    async with storage.write() as conn:
        await conn.execute(sa.delete(records).where(records.c.seq <= 10))
    v = await verify(audit.store, audit.material.trusted)
    assert not v.ok and v.bad_seq == 1 and "missing" in (v.reason or "")
    # faking the retention mark is not enough either: no retention record in the chain explains it
    async with storage.read() as conn:
        cp_hash = await conn.scalar(sa.select(checkpoints.c.hash).where(checkpoints.c.seq == 10))
    async with storage.write() as conn:
        await audit.store.set_meta(conn, {PRUNED_SEQ: "10", PRUNED_HASH: cp_hash})
    v = await verify(audit.store, audit.material.trusted)
    assert not v.ok and "no retention record" in (v.reason or "")


@pytest.mark.parametrize(
    ("mode", "ip", "expected"),
    [
        ("truncate", "203.0.113.77", "203.0.113.0/24"),
        ("truncate", "2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("full", "203.0.113.77", "203.0.113.77"),
        ("drop", "203.0.113.77", None),
        ("truncate", None, None),
    ],
)
def test_client_ip_handling(mode: str, ip: str | None, expected: str | None) -> None:
    assert ClientIp(mode, b"k" * 32)(ip) == expected


def test_client_ip_hash_is_keyed() -> None:
    a, b = ClientIp("hash", b"a" * 32), ClientIp("hash", b"b" * 32)
    assert a("203.0.113.77") == a("203.0.113.77") != b("203.0.113.77")
    assert len(a("203.0.113.77") or "") == 16
