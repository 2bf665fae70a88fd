"""Key updates and revocation reach every worker of every replica within 1 s — real processes: two
`bastion serve --workers 2` sharing PostgreSQL + Redis (changed through the admin API), and two sharing
a SQLite file without Redis (changed with the CLI). An update is seen as a model that starts (or stops)
answering 403 on the next request, whichever worker serves it."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import ADMIN_KEY, BASTION, Served, auth, bastion_env, free_port, wait_ready
from identity.conftest import identity_config, require_redis, unique, write_config

DEADLINE = 1.0


def _status(url: str, key: str) -> int:
    # a new connection per request, so SO_REUSEPORT spreads them over the workers
    return httpx.get(url + "/v1/models", headers=auth(key), timeout=5).status_code


def _chat(url: str, key: str) -> int:
    """A gpt-4o chat (the demo provider echoes) through a new connection: 200, or 403 once not allowed."""
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(url + "/v1/chat/completions", json=body, headers=auth(key), timeout=5).status_code


def _all(urls: list[str], key: str, rounds: int = 8) -> set[int]:
    return {_status(u, key) for u in urls for _ in range(rounds)}


def _wait_for(
    urls: list[str], key: str, status: int, timeout: float, *, streak: int = 16, probe: Any = _status
) -> float:
    """Seconds from now until the probes settle on `status`: the send time of the first probe of a run of
    `streak` consecutive `status` answers, spread round-robin over the gateways (and, through new
    connections, their workers). Probe latency on a loaded machine is thus not counted as propagation."""
    start = time.monotonic()
    probes: list[tuple[float, int]] = []
    while True:
        for url in urls:
            probes.append((time.monotonic(), probe(url, key)))
        tail = probes[-streak:]
        if len(tail) == streak and all(code == status for _, code in tail):
            return tail[0][0] - start
        if time.monotonic() - start > timeout + 10:
            raise AssertionError(f"never settled on {status}: {[c for _, c in probes[-streak:]]}")


@pytest.fixture
def replicas(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[list[str], Path]]:
    config: dict[str, Any] = request.param(request)
    path = write_config(tmp_path / "bastion.yaml", config)
    procs = []
    try:
        for _ in range(2):
            port = free_port()
            served = Served(
                ["serve", "--config", str(path), "--port", str(port), "--workers", "2"],
                bastion_env(),
                tmp_path,
            )
            procs.append(served)
            try:
                wait_ready(served.wait_listening(60), timeout=60)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{served.stop()}") from None
        yield [p.url for p in procs], path
    finally:
        for p in procs:
            p.stop()


def _postgres_redis(request: pytest.FixtureRequest) -> dict[str, Any]:
    redis_url = require_redis()
    db = request.getfixturevalue("pg_database")
    return identity_config(db, redis_url=redis_url)


def _sqlite(request: pytest.FixtureRequest) -> dict[str, Any]:
    tmp = request.getfixturevalue("tmp_path")
    return identity_config(f"sqlite:///{tmp / 'shared.db'}")


@pytest.mark.parametrize("replicas", [_postgres_redis], indirect=True, ids=["postgresql+redis"])
def test_update_and_revocation_via_admin_api_reach_every_worker(replicas: tuple[list[str], Path]) -> None:
    urls, _ = replicas
    created = httpx.post(urls[0] + "/admin/keys", json={"name": unique("k")}, headers=auth(ADMIN_KEY))
    assert created.status_code == 201, created.text
    key = created.json()
    _wait_for(urls, key["key"], 200, DEADLINE, probe=_chat)  # creation propagates as fast
    for models, status in ((["claude-*"], 403), (None, 200)):  # gpt-4o taken away, then every model again
        r = httpx.patch(f"{urls[1]}/admin/keys/{key['id']}", json={"models": models}, headers=auth(ADMIN_KEY))
        assert r.status_code == 200, r.text
        took = _wait_for(urls, key["key"], status, DEADLINE, probe=_chat)
        print(f"models {models} settled on every worker after {took * 1000:.0f} ms")
        assert took <= DEADLINE
    r = httpx.delete(f"{urls[0]}/admin/keys/{key['id']}", headers=auth(ADMIN_KEY))
    assert r.status_code == 200
    took = _wait_for(urls, key["key"], 401, DEADLINE)
    print(f"revocation settled on every worker after {took * 1000:.0f} ms")
    assert took <= DEADLINE
    time.sleep(0.2)
    assert _all(urls, key["key"], 10) == {401}


@pytest.mark.parametrize("replicas", [_sqlite], indirect=True, ids=["sqlite-no-redis"])
def test_update_and_revocation_via_cli_reach_every_worker(replicas: tuple[list[str], Path]) -> None:
    urls, config = replicas
    out = subprocess.run(
        [BASTION, "keys", "create", unique("k"), "--config", str(config), "--format", "json"],
        capture_output=True, text=True, check=True, env=bastion_env(),
    )  # fmt: skip
    import json

    key = json.loads(out.stdout)
    _wait_for(urls, key["key"], 200, DEADLINE, probe=_chat)
    subprocess.run(
        [BASTION, "keys", "update", key["id"], "--model", "claude-*", "--config", str(config)], check=True,
        capture_output=True, env=bastion_env(),
    )  # fmt: skip
    took = _wait_for(urls, key["key"], 403, DEADLINE, probe=_chat)
    print(f"the update settled on every worker after {took * 1000:.0f} ms")
    assert took <= DEADLINE
    subprocess.run(
        [BASTION, "keys", "revoke", key["id"], "--config", str(config)], check=True, capture_output=True,
        env=bastion_env(),
    )  # fmt: skip
    took = _wait_for(urls, key["key"], 401, DEADLINE)
    print(f"revocation settled on every worker after {took * 1000:.0f} ms")
    assert took <= DEADLINE
    time.sleep(0.2)
    assert _all(urls, key["key"], 10) == {401}
