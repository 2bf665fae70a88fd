"""Through a real gateway (fake providers, SQLite in tmp): every request type yields exactly one record
with the right fields; the admin API reads (auditor role), filters and paginates, and nobody writes;
admin changes are recorded; content retention per team; export and report."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from bastion.audit.verify import verify
from bastion.server.state import STATE
from fakes import Fakes
from harness import ADMIN_KEY, Gateway, auth, free_port, gateway_config

BASTION = str(Path(sys.executable).with_name("bastion"))
CARD = "4111 1111 1111 1111"


@pytest.fixture(scope="module")
def audit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit-gw")


@pytest.fixture(scope="module")
def config(fakes: Fakes, audit_home: Path) -> dict[str, Any]:
    cfg = gateway_config(fakes, free_port(), audit_home / "gw.db")
    cfg["audit"] = {"dir": str(audit_home / "audit"), "checkpoint_every": 7, "client_ip": "hash",
                    "teams": {"t-enc": "encrypted", "t-red": "redacted"}}  # fmt: skip
    cfg["pii"] = {"actions": {"CREDIT_CARD": "block"}}
    return cfg


@pytest.fixture(scope="module")
def gw(config: dict[str, Any]) -> Iterator[Gateway]:
    g = Gateway.start(config)
    yield g
    g.stop()


@pytest.fixture(scope="module")
def config_file(config: dict[str, Any], audit_home: Path) -> Path:
    path = audit_home / "bastion.yaml"
    path.write_bytes(orjson.dumps(config))
    return path


@pytest_asyncio.fixture(loop_scope="session")
async def client(gw: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gw.url, timeout=10) as c:
        yield c


async def records_of(client: httpx.AsyncClient, rid: str, key: str = ADMIN_KEY) -> list[dict[str, Any]]:
    """The committed records of a request (waits for the group commit)."""
    for _ in range(100):
        r = await client.get(f"/admin/audit/{rid}", headers=auth(key))
        if r.status_code == 200:
            await asyncio.sleep(0.1)  # a duplicate would have landed in the same or the next commit
            return (await client.get(f"/admin/audit/{rid}", headers=auth(key))).json()["data"]
        assert r.status_code == 404, r.text
        await asyncio.sleep(0.05)
    return []


def chat(model: str, text: str = "hello", stream: bool = False) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], "stream": stream}


def anthropic(model: str, stream: bool = False) -> dict[str, Any]:
    return {
        "model": model,
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "hi"}],
        "stream": stream,
    }


# (case, path, body, expected HTTP status, expected record fields)
CASES: list[tuple[str, str, dict[str, Any], int, dict[str, Any]]] = [
    ("chat", "/v1/chat/completions", chat("openai-echo"), 200,
     {"api": "openai.chat", "provider": "openai", "provider_model": "fake-echo", "outcome": "completed",
      "decision": "allowed", "status": 200, "stream": False}),
    ("chat-stream", "/v1/chat/completions", chat("openai-echo", stream=True), 200,
     {"outcome": "completed", "stream": True, "stream_completed": True}),
    ("translated-stream", "/v1/chat/completions", chat("anthropic-echo", stream=True), 200,
     {"provider": "anthropic", "outcome": "completed", "stream_completed": True}),
    ("messages", "/v1/messages", anthropic("anthropic-echo"), 200,
     {"api": "anthropic.messages", "outcome": "completed"}),
    ("messages-stream", "/v1/messages", anthropic("gemini-echo", stream=True), 200,
     {"provider": "gemini", "outcome": "completed", "stream_completed": True}),
    ("embeddings", "/v1/embeddings", {"model": "demo-embed", "input": "hi"}, 200,
     {"api": "openai.embeddings", "provider": "demo", "outcome": "completed"}),
    ("responses", "/v1/responses", {"model": "demo-echo", "input": "hi"}, 200,
     {"api": "openai.responses", "outcome": "completed"}),
    ("unknown-model", "/v1/chat/completions", chat("nope"), 404,
     {"decision": "error", "error": "NotFound", "status": 404}),
    ("upstream-500", "/v1/chat/completions", chat("openai-fail-500"), 502,
     {"decision": "error", "outcome": "error", "provider": "openai"}),
    ("dies-mid-stream", "/v1/chat/completions", chat("openai-die", stream=True), 200,
     {"outcome": "error", "stream_completed": False, "error": "BadGateway"}),
    ("pii-redacted", "/v1/chat/completions", chat("openai-echo", "mail bob@example.com please"), 200,
     {"decision": "redacted", "pii": {"EMAIL": {"pseudonymize": 1}}}),
    ("pii-blocked", "/v1/chat/completions", chat("openai-echo", f"card {CARD}"), 400,
     {"decision": "blocked", "error_code": "pii_blocked", "pii": {"CREDIT_CARD": {"block": 1}}}),
]  # fmt: skip


@pytest.mark.parametrize("spec", CASES, ids=[c[0] for c in CASES])
async def test_one_record_per_request(
    client: httpx.AsyncClient, spec: tuple[str, str, dict[str, Any], int, dict[str, Any]]
) -> None:
    case, path, body, status, fields = spec
    rid = f"{case}-{os.urandom(4).hex()}"
    r = await client.post(
        path, json=body, headers={**auth(), "x-request-id": rid, "anthropic-version": "2023-06-01"}
    )
    if status != 502:
        assert r.status_code == status, r.text
    else:
        assert r.status_code >= 500
    recs = await records_of(client, rid)
    assert len(recs) == 1, recs
    rec = recs[0]
    for name, value in fields.items():
        if name == "status" and value >= 500:
            continue
        assert rec[name] == value, (name, rec)
    assert (
        rec["kind"] == "request"
        and rec["key_id"] == "admin"
        and rec["client_ip"]
        and len(rec["client_ip"]) == 16
    )
    assert rec["ts_start"] <= rec["ts_end"] and rec["latency_ms"] >= rec["overhead_ms"] >= 0
    assert rec["config_hash"] and len(rec["hash"]) == 64
    if rec["outcome"] == "completed":
        assert rec["cost"] is not None  # computed by the cost stage after delivery, added before commit
        assert len(rec["response_hmac"]) == 64 and len(rec["prompt_hmac"]) == 64
    text = orjson.dumps(rec).decode()
    assert "bob@example.com" not in text and CARD not in text and ADMIN_KEY not in text


async def test_unauthenticated_request_is_recorded(client: httpx.AsyncClient) -> None:
    rid = "noauth-" + os.urandom(4).hex()
    r = await client.post("/v1/chat/completions", json=chat("openai-echo"), headers={"x-request-id": rid})
    assert r.status_code == 401
    (rec,) = await records_of(client, rid)
    assert (rec["status"], rec["decision"], rec["key_id"]) == (401, "denied", None)


async def test_client_cancelled_stream_is_recorded(gw: Gateway, client: httpx.AsyncClient) -> None:
    rid = "cancel-" + os.urandom(4).hex()
    body = chat("openai-endless", stream=True)
    headers = {**auth(), "x-request-id": rid}
    async with (
        httpx.AsyncClient(base_url=gw.url, timeout=10) as own,
        own.stream("POST", "/v1/chat/completions", json=body, headers=headers) as r,
    ):
        async for _chunk in r.aiter_bytes():
            break
    (rec,) = await records_of(client, rid)
    assert (
        rec["outcome"] == "cancelled" and rec["decision"] == "cancelled" and rec["stream_completed"] is False
    )


async def _key(client: httpx.AsyncClient, **body: Any) -> str:
    r = await client.post("/admin/keys", json={"name": "k-" + os.urandom(4).hex(), **body}, headers=auth())
    assert r.status_code == 201, r.text
    return str(r.json()["key"])


async def test_model_not_allowed_is_recorded_as_denied(client: httpx.AsyncClient) -> None:
    key = await _key(client, models=["demo-*"])
    rid = "forbidden-" + os.urandom(4).hex()
    r = await client.post(
        "/v1/chat/completions", json=chat("openai-echo"), headers={**auth(key), "x-request-id": rid}
    )
    assert r.status_code == 403
    (rec,) = await records_of(client, rid)
    assert (rec["status"], rec["decision"], rec["model"]) == (403, "denied", "openai-echo")
    assert rec["key_id"] and rec["key_id"] != "admin" and key not in orjson.dumps(rec).decode()


async def test_auditor_reads_others_may_not_and_nobody_writes(client: httpx.AsyncClient) -> None:
    auditor = await _key(client, role="auditor")
    plain = await _key(client)
    r = await client.get("/admin/audit?limit=1", headers=auth(auditor))
    assert r.status_code == 200 and len(r.json()["data"]) == 1
    assert (await client.get("/admin/audit", headers=auth(plain))).status_code == 403
    assert (await client.get("/admin/audit")).status_code == 401
    seq = r.json()["data"][0]["seq"]
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in ("/admin/audit", f"/admin/audit/{seq}"):
            resp = await client.request(method, path, headers=auth(), json={})
            assert resp.status_code in (404, 405), (method, path, resp.status_code)


async def test_admin_changes_are_recorded(client: httpx.AsyncClient) -> None:
    r = await client.post("/admin/teams", json={"name": "t-" + os.urandom(3).hex()},
                          headers={**auth(), "x-request-id": "mk-team-1"})  # fmt: skip
    assert r.status_code == 201
    team_id = r.json()["id"]
    r = await client.patch(f"/admin/teams/{team_id}", json={"metadata": {"cost_center": "42"}},
                           headers={**auth(), "x-request-id": "mk-team-2"})  # fmt: skip
    assert r.status_code == 200
    (created,) = await records_of(client, "mk-team-1")
    (patched,) = await records_of(client, "mk-team-2")
    assert created["kind"] == patched["kind"] == "admin"
    assert created["action"] == "POST /admin/teams" and created["actor"]["key_id"] == "admin"
    assert created["before_hash"] is None and len(created["after_hash"]) == 64
    assert patched["action"] == "PATCH /admin/teams/{id}" and patched["target"] == team_id
    assert patched["before_hash"] == created["after_hash"] != patched["after_hash"]


async def test_filters_and_cursor_pagination(client: httpx.AsyncClient) -> None:
    for i in range(5):
        await client.post("/v1/chat/completions", json=chat("demo-echo", f"page {i}"),
                          headers={**auth(), "x-request-id": f"page-{i}"})  # fmt: skip
    await records_of(client, "page-4")
    seen: list[int] = []
    url = "/admin/audit?model=demo-echo&limit=2"
    while url:
        page = (await client.get(url, headers=auth())).json()
        assert len(page["data"]) <= 2
        seen += [r["seq"] for r in page["data"]]
        assert all(r["model"] == "demo-echo" for r in page["data"])
        url = f"/admin/audit?model=demo-echo&limit=2&cursor={page['next']}" if page["next"] else ""
    assert len(seen) >= 5 and seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    for query, check in (
        ("decision=blocked", lambda r: r["decision"] == "blocked"),
        ("pii=email", lambda r: "EMAIL" in (r["pii"] or {})),
        ("status=404", lambda r: r["status"] == 404),
        ("provider=anthropic", lambda r: r["provider"] == "anthropic"),
        ("kind=admin", lambda r: r["kind"] == "admin"),
        ("from=2000-01-01&to=2100-01-01", lambda r: True),
    ):
        data = (await client.get(f"/admin/audit?{query}", headers=auth())).json()["data"]
        assert data and all(check(r) for r in data), query
    assert (await client.get("/admin/audit?from=1970-01-01&to=1970-01-02", headers=auth())).json()[
        "data"
    ] == []
    bad = await client.get("/admin/audit?colour=red", headers=auth())
    assert bad.status_code == 422


async def test_content_retention_per_team(gw: Gateway, client: httpx.AsyncClient) -> None:
    for team in ("t-enc", "t-red"):
        assert (await client.post("/admin/teams", json={"name": team}, headers=auth())).status_code == 201
    enc, red = await _key(client, team="t-enc"), await _key(client, team="t-red")
    body = chat("openai-echo", "secret plan for alice@example.com")
    await client.post("/v1/chat/completions", json=body, headers={**auth(enc), "x-request-id": "enc-1"})
    streamed = chat("openai-echo", "streamed plan", stream=True)
    await client.post("/v1/chat/completions", json=streamed, headers={**auth(enc), "x-request-id": "enc-2"})
    await client.post("/v1/chat/completions", json=body, headers={**auth(red), "x-request-id": "red-1"})
    (e,) = await records_of(client, "enc-1")
    (d,) = await records_of(client, "red-1")
    assert "alice@example.com" not in orjson.dumps(e).decode() and e["content"]["mode"] == "encrypted"
    assert d["content"]["mode"] == "redacted" and "alice@example.com" not in orjson.dumps(d).decode()
    assert "<EMAIL_1>" in orjson.dumps(d["content"]["request"]).decode()
    audit = gw.runner.app[STATE].audit
    assert audit is not None
    plain = audit.keys.decrypt(e["content"])
    assert plain is not None and plain["request"]["messages"][0]["content"] == body["messages"][0]["content"]
    (s,) = await records_of(client, "enc-2")
    events = audit.keys.decrypt(s["content"])["response"]  # a stream: the payloads of its events
    assert "chat.completion.chunk" in events[0] and events[-1] == "[DONE]"
    # crypto-shredding: the team's data key is destroyed; the content is gone, the chain still verifies
    done = asyncio.run_coroutine_threadsafe(audit.shred("t-enc"), gw.thread.loop)
    assert await asyncio.wrap_future(done) >= 1
    assert audit.keys.decrypt(e["content"]) is None
    await asyncio.sleep(0.2)
    verdict = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(
        verify(audit.store, audit.material.trusted), gw.thread.loop))  # fmt: skip
    assert verdict.ok, verdict.summary()


async def test_report_endpoint(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/audit/report?format=markdown&from=2000-01-01", headers=auth())
    assert r.status_code == 200, r.text
    out = r.json()
    report = out["report"]
    assert report["interactions"] > 5 and report["verification"]["ok"]
    assert report["blocked_by_reason"].get("pii_blocked", 0) >= 1
    assert report["redacted_by_type"].get("EMAIL", 0) >= 1
    assert "openai" in report["providers"] and any(c["kind"] == "admin" for c in report["changes"])
    assert (
        out["markdown"].startswith("# Bastion audit report")
        and "## Regions (data residency)" in out["markdown"]
    )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASTION, *args], capture_output=True, text=True, timeout=60, check=False)


async def test_cli_export_report_verify(
    client: httpx.AsyncClient, config_file: Path, audit_home: Path
) -> None:
    await client.post(
        "/v1/chat/completions", json=chat("openai-echo"), headers={**auth(), "x-request-id": "cli-1"}
    )
    await records_of(client, "cli-1")
    jsonl, csv_out, html = audit_home / "a.jsonl", audit_home / "a.csv", audit_home / "r.html"
    p = await asyncio.to_thread(_cli, "audit", "export", "--config", str(config_file), "-o", str(jsonl))
    assert p.returncode == 0, p.stderr
    lines = [orjson.loads(x) for x in jsonl.read_text().splitlines()]
    assert any(x.get("request_id") == "cli-1" for x in lines)
    assert [x["seq"] for x in lines] == sorted(x["seq"] for x in lines)
    p = await asyncio.to_thread(_cli, "audit", "export", "--config", str(config_file), "--format", "csv",
                                "--provider", "openai", "-o", str(csv_out))  # fmt: skip
    assert p.returncode == 0, p.stderr
    rows = csv_out.read_text().splitlines()
    assert rows[0].startswith("seq,kind,request_id") and len(rows) > 2
    p = await asyncio.to_thread(
        _cli, "report", "--config", str(config_file), "--format", "html", "-o", str(html)
    )
    assert p.returncode == 0, p.stderr
    assert "<h1>Bastion audit report</h1>" in html.read_text()
    p = await asyncio.to_thread(
        _cli, "report", "--config", str(config_file), "--format", "json", "--team", "t-red"
    )
    assert p.returncode == 0 and orjson.loads(p.stdout)["interactions"] >= 1
    p = await asyncio.to_thread(_cli, "audit", "verify", "--config", str(config_file))
    assert p.returncode == 0 and p.stdout.startswith("OK:"), p.stdout + p.stderr
