"""The journal's bounds: files rotate whatever the load, a rotated-out file is deleted only once all its
records are committed (and is never taken for an orphan meanwhile), and the writer's backlog — what the
journal-full gate measures — returns to zero once the database has everything."""

from __future__ import annotations

from pathlib import Path

from audit.conftest import audit_config, request_record
from bastion.audit import Audit
from bastion.audit.journal import Journal, read_records
from bastion.storage import Storage


def test_rotated_files_stay_until_their_records_are_committed(tmp_path: Path) -> None:
    journal = Journal(tmp_path, "sqlite:///x.db")
    journal.open()
    for i in range(3):
        journal.append(b'{"id": "a%d"}\n' % i)
    journal.rotate()  # records 1..3 in the first file
    for i in range(2):
        journal.append(b'{"id": "b%d"}\n' % i)
    journal.rotate()  # records 4..5 in the second
    journal.append(b'{"id": "c0"}\n')
    assert journal.files == 3 and not list(journal.orphans())  # our own files are no orphans
    journal.release(2)
    assert journal.files == 3
    journal.release(3)
    assert journal.files == 2
    journal.release(6)
    assert journal.files == 1
    (left,) = journal.dir.glob("j-*.log")
    assert [r["id"] for r in read_records(left.read_bytes())] == ["c0"]
    journal.close(remove=True)
    assert not list(journal.dir.glob("j-*.log"))


async def test_backlog_drains_and_files_rotate(storage: Storage, db_url: str, tmp_path: Path) -> None:
    audit = Audit(audit_config(db_url, tmp_path, journal_max_bytes=8192, batch_max=20), storage)
    await audit.start()
    writer = audit.writer
    assert writer.rotate_bytes == 4096
    for i in range(200):
        writer.submit(request_record(i))
    assert writer.backlog_bytes > 8192 and audit.health()["full"]
    while writer.pending:
        await writer.flush()
    assert writer.backlog_bytes == 0 and not audit.health()["full"]
    assert writer.journal.files == 1  # every rotated-out file is gone, its records committed
    assert writer.journal.size <= 4096 + 2048
    await audit.stop()
    assert await audit.store.count() == 201  # + the config record
