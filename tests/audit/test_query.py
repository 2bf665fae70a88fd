"""Search, pagination, export and report on both backends (the gateway tests cover them end to end on
SQLite)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import orjson

from audit.conftest import audit_config, filled
from bastion.audit.query import Filters, search
from bastion.audit.report import build_report, markdown, to_html
from bastion.storage import Storage

BASTION = str(Path(sys.executable).with_name("bastion"))


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


async def test_search_filters_and_pages(db_url: str, storage: Storage, tmp_path: Path) -> None:
    audit = await filled(audit_config(db_url, tmp_path), storage, 25)
    seen: list[int] = []
    cursor = None
    while True:
        data, cursor = await search(audit.store, Filters(team="t1"), limit=4, cursor=cursor)
        assert all(r["team"] == "t1" for r in data)
        seen += [r["seq"] for r in data]
        if cursor is None:
            break
    assert len(seen) == 12 and seen == sorted(seen, reverse=True)
    emails, _ = await search(audit.store, Filters(pii="email"), limit=100)
    assert len(emails) == 9 and all("EMAIL" in r["pii"] for r in emails)
    window, _ = await search(audit.store, Filters(since=1.7e9 + 5, until=1.7e9 + 10), limit=100)
    assert sorted(r["request_id"] for r in window) == [f"req-{i}" for i in range(5, 10)]
    assert (await search(audit.store, Filters(kind="config"), limit=10))[0][0]["action"] == "config.load"


async def test_report(db_url: str, storage: Storage, tmp_path: Path) -> None:
    audit = await filled(audit_config(db_url, tmp_path), storage, 25)
    report = await build_report(audit.store, audit.material.trusted, None, None, "t2")
    assert report["interactions"] == 13 and report["regions"] == {"eu": 13}
    assert report["verification"]["ok"] and report["changes"][0]["kind"] == "config"
    assert "| eu | 13 |" in markdown(report) and "<td>eu</td><td>13</td>" in to_html(report)


async def test_cli_export(db_url: str, storage: Storage, tmp_path: Path) -> None:
    await filled(audit_config(db_url, tmp_path), storage, 25)
    config = tmp_path / "bastion.yaml"
    config.write_bytes(orjson.dumps({"database_url": db_url, "audit": {"dir": str(tmp_path / "audit")}}))
    run = [BASTION, "audit", "export", "--config", str(config), "--team", "t1"]
    out = await asyncio.to_thread(
        subprocess.run, run, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    lines = [orjson.loads(x) for x in out.stdout.splitlines()]
    assert len(lines) == 12 and all(len(x["hash"]) == 64 for x in lines)
    run = [*run, "--format", "csv"]
    out = await asyncio.to_thread(
        subprocess.run, run, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0 and len(out.stdout.splitlines()) == 13  # header + 12
