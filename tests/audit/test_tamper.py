"""Tamper evidence on both backends: any edited, deleted, reordered or re-chained row is found, and the
verifier names the first bad record; `bastion audit verify` exits non-zero."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from audit.conftest import audit_config, filled
from bastion.audit.chain import canonical, link
from bastion.audit.schema import checkpoints, records
from bastion.audit.verify import read_checkpoint_file, verify
from bastion.storage import Storage

BASTION = str(Path(sys.executable).with_name("bastion"))
N = 25  # + 1 config record = 26 records, checkpoints at 10, 20 and the head (26)


async def _sql(storage: Storage, stmt: sa.Executable) -> None:
    async with storage.write() as conn:
        await conn.execute(stmt)


async def _payload(storage: Storage, seq: int) -> dict:
    async with storage.read() as conn:
        return orjson.loads(await conn.scalar(sa.select(records.c.payload).where(records.c.seq == seq)))


async def test_intact_chain_verifies(db_url: str, storage: Storage, tmp_path: Path) -> None:
    audit = await filled(audit_config(db_url, tmp_path), storage, N)
    v = await verify(audit.store, audit.material.trusted)
    assert v.ok, v.summary()
    assert (v.records, v.first_seq, v.last_seq) == (N + 1, 1, N + 1)
    assert v.checkpoints >= 3


async def test_edited_payload_is_found(db_url: str, storage: Storage, tmp_path: Path) -> None:
    audit = await filled(audit_config(db_url, tmp_path), storage, N)
    rec = await _payload(storage, 7)
    rec["status"] = 500
    await _sql(storage, sa.update(records).where(records.c.seq == 7).values(payload=canonical(rec).decode()))
    v = await verify(audit.store, audit.material.trusted)
    assert not v.ok and v.bad_seq == 7 and "hash mismatch" in (v.reason or "")
    assert v.bad_request_id == rec["request_id"]


async def test_edited_filter_column_is_found(db_url: str, storage: Storage, tmp_path: Path) -> None:
    audit = await filled(audit_config(db_url, tmp_path), storage, N)
    await _sql(storage, sa.update(records).where(records.c.seq == 9).values(team="someone-else"))
    v = await verify(audit.store, audit.material.trusted)
    assert not v.ok and v.bad_seq == 9 and "team" in (v.reason or "")


async def test_deleted_row_is_found(db_url: str, storage: Storage, tmp_path: Path) -> None:
    audit = await filled(audit_config(db_url, tmp_path), storage, N)
    await _sql(storage, sa.delete(records).where(records.c.seq == 12))
    v = await verify(audit.store, audit.material.trusted)
    assert not v.ok and v.bad_seq == 12 and "missing" in (v.reason or "")


async def test_reordered_rows_are_found(db_url: str, storage: Storage, tmp_path: Path) -> None:
    audit = await filled(audit_config(db_url, tmp_path), storage, N)
    async with storage.read() as conn:
        rows = {r.seq: r for r in await conn.execute(sa.select(records).where(records.c.seq.in_([5, 6])))}
    for seq, other in ((5, 6), (6, 5)):  # swap everything but the primary key
        values = {k: v for k, v in rows[other]._mapping.items() if k not in ("seq", "id")}
        await _sql(storage, sa.update(records).where(records.c.seq == seq).values(**values))
    v = await verify(audit.store, audit.material.trusted)
    assert not v.ok and v.bad_seq == 5


async def test_rechained_rows_fail_the_signed_checkpoint(
    db_url: str, storage: Storage, tmp_path: Path
) -> None:
    """An attacker who edits a record and recomputes every later hash still cannot forge a signature."""
    audit = await filled(audit_config(db_url, tmp_path), storage, N)
    async with storage.read() as conn:
        rows = list(await conn.execute(sa.select(records).order_by(records.c.seq)))
    prev = rows[2].hash  # rewrite from seq 4 on
    for row in rows[3:]:
        rec = orjson.loads(row.payload)
        if row.seq == 4:
            rec["decision"] = "allowed"
            rec["status"] = 204
        payload = canonical(rec)
        prev = link(prev, payload)
        await _sql(storage, sa.update(records).where(records.c.seq == row.seq)
                   .values(payload=payload.decode(), hash=prev, status=rec["status"]))  # fmt: skip
    v = await verify(audit.store, audit.material.trusted)
    assert not v.ok and v.bad_seq == 10 and "signed checkpoint" in (v.reason or "")


async def test_truncated_tail_is_found(db_url: str, storage: Storage, tmp_path: Path) -> None:
    """Deleting the newest records: caught by the newest checkpoint (in the database, or, if that was
    deleted too, in the external checkpoint file)."""
    sink = tmp_path / "checkpoints.jsonl"
    audit = await filled(audit_config(db_url, tmp_path, checkpoint_file=str(sink)), storage, N)
    await _sql(storage, sa.delete(records).where(records.c.seq > 22))
    v = await verify(audit.store, audit.material.trusted)
    assert not v.ok and v.bad_seq == 23 and "newest signed checkpoint" in (v.reason or "")
    await _sql(storage, sa.delete(checkpoints).where(checkpoints.c.seq > 22))
    assert (await verify(audit.store, audit.material.trusted)).ok  # the database alone cannot tell
    v = await verify(audit.store, audit.material.trusted, read_checkpoint_file(sink))
    assert not v.ok and v.bad_seq == 23


async def test_forged_checkpoint_signature_is_found(db_url: str, storage: Storage, tmp_path: Path) -> None:
    audit = await filled(audit_config(db_url, tmp_path), storage, N)
    await _sql(storage, sa.update(checkpoints).where(checkpoints.c.seq == 10).values(signature="00" * 64))
    v = await verify(audit.store, audit.material.trusted)
    assert not v.ok and v.bad_seq == 10 and "signature" in (v.reason or "")


@pytest.mark.parametrize("tamper", ["none", "edit"])
async def test_cli_verify_exit_code(db_url: str, storage: Storage, tmp_path: Path, tamper: str) -> None:
    config_file = tmp_path / "bastion.yaml"
    audit = {"dir": str(tmp_path / "audit"), "checkpoint_every": 10}
    config = {"admin_key": "test-admin-key-0123456789", "database_url": db_url, "audit": audit}
    config_file.write_bytes(orjson.dumps(config))
    await filled(audit_config(db_url, tmp_path), storage, N)
    if tamper == "edit":
        await _sql(storage, sa.update(records).where(records.c.seq == 3).values(payload='{"seq":3}'))
    cmd = [BASTION, "audit", "verify", "--config", str(config_file)]
    proc = await asyncio.to_thread(
        subprocess.run, cmd, capture_output=True, text=True, timeout=60, check=False
    )
    if tamper == "none":
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.startswith("OK: 26 records")
    else:
        assert proc.returncode == 1
        assert "first bad record 3 (request req-1)" in proc.stdout
