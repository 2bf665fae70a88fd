"""Hot reload: zero failed requests while the set is replaced under load, in-flight requests keep the
version they started with, every replica applies a change within the poll interval (0.5 s; Redis
pub/sub when configured), and policy files are watched (invalid edits are never activated)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from fakes import Fakes
from harness import Gateway, auth
from policy.conftest import policy_config, redis_up

DEADLINE = 10.0  # generous bound for "eventually"; the measured delay is asserted against the design below


def flags(n: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{tag}-{i}",
            "when": {"text_matches": [f"(?i)never-{tag}-{i}\\b"]},
            "then": {"action": "flag"},
        }
        for i in range(n)
    ] + [{"id": f"{tag}-cap", "then": {"action": "transform", "max_tokens": 64 + len(tag)}}]


def put(gw: Gateway, policies: list[dict[str, Any]]) -> int:
    r = httpx.put(gw.url + "/admin/policies", json={"policies": policies}, headers=auth(), timeout=10)
    assert r.status_code == 200, r.text
    return int(r.json()["version"])


def version(gw: Gateway) -> int:
    return int(httpx.get(gw.url + "/admin/policies", headers=auth(), timeout=10).json()["version"])


def wait_version(gw: Gateway, wanted: int) -> float:
    start = time.monotonic()
    while version(gw) < wanted:
        assert time.monotonic() - start < DEADLINE, "the change never arrived"
        time.sleep(0.02)
    return time.monotonic() - start


def chat(gw: Gateway, text: str, model: str = "openai-echo", **kw: Any) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": text}], **kw}
    return httpx.post(gw.openai_base + "/chat/completions", json=body, headers=auth(), timeout=20)


@pytest.fixture(scope="module")
def gw(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    config = policy_config(fakes, tmp_path_factory.mktemp("reload") / "bastion.db")
    config["policies"] = flags(5, "start")
    g = Gateway.start(config)
    yield g
    g.stop()


async def test_swaps_under_load_fail_no_request(gw: Gateway) -> None:
    first = version(gw)
    results: list[int] = []
    swaps = 12

    async def load(client: httpx.AsyncClient) -> None:
        for i in range(25):
            r = await client.post(
                gw.openai_base + "/chat/completions",
                json={"model": "openai-echo", "stream": i % 2 == 0,
                      "messages": [{"role": "user", "content": f"load {i}"}]},
                headers=auth(),
            )  # fmt: skip
            await r.aread()
            results.append(r.status_code)

    async def swap(client: httpx.AsyncClient) -> None:
        for i in range(swaps):
            policies = flags(40, f"s{i}") if i % 2 else flags(3, f"t{i}")
            r = await client.put(gw.url + "/admin/policies", json={"policies": policies}, headers=auth())
            assert r.status_code == 200, r.text
            await asyncio.sleep(0.02)

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(load(client) for _ in range(12)), swap(client))
    assert len(results) == 300
    assert results.count(200) == 300, {s: results.count(s) for s in set(results)}
    assert version(gw) == first + swaps


def test_in_flight_request_keeps_the_version_it_started_with(gw: Gateway) -> None:
    put(gw, flags(2, "calm"))
    body = {"model": "openai-endless", "stream": True, "messages": [{"role": "user", "content": "in flight"}]}
    deny_echo = {
        "id": "deny-echo",
        "on": "response",
        "when": {"keywords": ["echo"]},
        "then": {"action": "deny"},
    }
    with httpx.stream(
        "POST", gw.openai_base + "/chat/completions", json=body, headers=auth(), timeout=20
    ) as r:
        assert r.status_code == 200
        lines = r.iter_lines()
        seen = [next(lines) for _ in range(3)]  # the stream is under way (endless: it never finishes)
        put(gw, [deny_echo])  # a response rule that would deny this very stream
        seen += [next(lines) for _ in range(20)]  # ticks keep arriving: the stream runs under its version
    text = "\n".join(seen)
    assert "Echo" in text and '"error"' not in text and text.count("tick") >= 10
    late = chat(gw, "after the swap")
    assert late.status_code == 403 and "deny-echo" in late.text
    put(gw, flags(2, "after"))


@pytest.mark.parametrize(
    ("backend", "redis"),
    [("sqlite", False), ("postgresql", False), ("postgresql", True)],
    ids=["sqlite-poll", "postgresql-poll", "postgresql-redis"],
)
def test_every_replica_applies_a_change(
    fakes: Fakes, tmp_path: Path, request: pytest.FixtureRequest, backend: str, redis: bool
) -> None:
    config = policy_config(fakes, tmp_path / "shared.db")
    if backend == "postgresql":
        config["database_url"] = request.getfixturevalue("pg_url")
    config["policies"] = []
    if redis:
        if not redis_up():
            pytest.skip("no Redis on 127.0.0.1:6379")
        # the backstop poll is slow on purpose: only pub/sub can deliver the change quickly
        config["redis_url"] = "redis://127.0.0.1:6379/0"
        config["policy"] = {"redis_poll_interval": 30}
    a, b = Gateway.start(config), Gateway.start(config)
    try:
        rule = {"id": "replica-deny", "when": {"keywords": ["replica"]}, "then": {"action": "deny"}}
        assert chat(b, "replica please").status_code == 200
        v = put(a, [rule])
        delay = wait_version(b, v)
        assert delay < DEADLINE
        r = chat(b, "replica please")
        assert r.status_code == 403 and "replica-deny" in r.text
        v2 = put(b, [])  # and back, from the other replica
        wait_version(a, v2)
        assert chat(a, "replica please").status_code == 200
    finally:
        a.stop()
        b.stop()


def test_policy_file_is_watched_and_invalid_edits_are_never_activated(fakes: Fakes, tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    base = {
        "id": "file-falcon",
        "when": {"keywords": ["falcon"]},
        "then": {"action": "deny", "message": "no"},
    }
    (folder / "10-base.yaml").write_text(yaml.safe_dump({"policies": [base]}))
    config = policy_config(fakes, tmp_path / "bastion.db")
    config["policies"] = []
    config["policy"] = {"path": str(folder), "watch_interval": 0.1}
    g = Gateway.start(config)
    try:
        assert chat(g, "falcon").status_code == 403
        v = version(g)
        (folder / "20-more.yaml").write_text(yaml.safe_dump([
            {"id": "file-eagle", "when": {"keywords": ["eagle"]}, "then": {"action": "deny"}}]))  # fmt: skip
        wait_version(g, v + 1)
        assert chat(g, "eagle").status_code == 403
        current = httpx.get(g.url + "/admin/policies", headers=auth(), timeout=10).json()
        assert [p["id"] for p in current["policies"]] == ["file-falcon", "file-eagle"]
        assert current["source"] == "file" and current["last_error"] is None

        (folder / "20-more.yaml").write_text("- id: broken\n  then: {action: nope}\n")
        deadline = time.monotonic() + DEADLINE
        while True:
            current = httpx.get(g.url + "/admin/policies", headers=auth(), timeout=10).json()
            if current["last_error"]:
                break
            assert time.monotonic() < deadline, "the invalid file was not noticed"
            time.sleep(0.05)
        assert "then.action" in current["last_error"]
        assert current["version"] == v + 1  # never activated
        assert chat(g, "eagle").status_code == 403 and chat(g, "falcon").status_code == 403
    finally:
        g.stop()


def test_restart_semantics_of_configured_rules(fakes: Fakes, tmp_path: Path) -> None:
    """An unchanged config does not undo an API change; a changed config (rules removed) is published."""
    falcon = {"id": "cfg-falcon", "when": {"keywords": ["falcon"]}, "then": {"action": "deny"}}
    eagle = {"id": "api-eagle", "when": {"keywords": ["eagle"]}, "then": {"action": "deny"}}
    config = policy_config(fakes, tmp_path / "bastion.db")
    config["policies"] = [falcon]
    g = Gateway.start(config)
    try:
        assert chat(g, "falcon").status_code == 403
        put(g, [eagle])
    finally:
        g.stop()
    g = Gateway.start(config)  # same config: the API version stays active
    try:
        assert chat(g, "eagle").status_code == 403 and chat(g, "falcon").status_code == 200
    finally:
        g.stop()
    config["policies"] = []  # the config changed: its (empty) set is the newest version now
    g = Gateway.start(config)
    try:
        assert chat(g, "eagle").status_code == 200 and chat(g, "falcon").status_code == 200
        history = httpx.get(g.url + "/admin/policies/history", headers=auth(), timeout=10).json()["data"]
        assert [h["source"] for h in history] == ["file", "api", "file"]
    finally:
        g.stop()
