"""Graceful drain with real processes (`bastion.server.drain`): `bastion serve`, real SDK clients holding
long streams from a fake provider that drips its answer over several seconds, then SIGTERM.

- 50 streams through two workers on PostgreSQL: /readyz answers 503 at once, new connections are refused
  after the grace, every stream still gets its whole answer and its terminal chunk, every one is audited
  as completed, the final checkpoint is signed, and the process exits 0.
- A stream longer than `server.drain_seconds` is cut at the deadline: the client gets the API's error
  event, a request still waiting for its first byte gets a 503, both audited with `gateway_shutdown`."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import orjson
import pytest
import sqlalchemy as sa

from bastion.audit.material import load_material
from bastion.audit.schema import checkpoints, records
from bastion.audit.store import AuditStore
from bastion.audit.verify import Verdict, verify
from bastion.config import load_config
from bastion.storage import open_storage
from fakes import Fakes
from fakes.server import DRIP_INTERVAL, drip_ticks
from harness import ADMIN_KEY, Served, bastion_env, free_port, fresh_pg_database, gateway_config, wait_ready

STREAMS = 50
DRIP_SECONDS = 8  # each answer takes this long: the drain starts while all 50 are mid-stream


def write_config(tmp_path: Path, fakes: Fakes, db_url: str, drip: int, **server: float) -> Path:
    cfg = gateway_config(fakes, free_port(), tmp_path / "unused.db")
    cfg["database_url"] = db_url
    cfg["server"] = {**cfg["server"], **server}
    for provider in ("openai", "anthropic"):
        cfg["models"].append({"name": f"{provider}-drip", "provider": provider, "model": f"fake-drip-{drip}"})
    # no checkpoint while serving: the one verified afterwards is the one the shutdown signed
    cfg["audit"] = {"dir": str(tmp_path / "audit"), "checkpoint_every": 1_000_000, "checkpoint_seconds": 3600}
    path = tmp_path / "bastion.yaml"
    path.write_bytes(orjson.dumps(cfg))
    return path


@dataclass(slots=True)
class Streamed:
    request_id: str
    text: str = ""
    finish_reason: str | None = None
    error: str | None = None


async def stream_one(client: openai.AsyncOpenAI, prompt: str, started: asyncio.Queue[str]) -> Streamed:
    out = Streamed(f"drain-{prompt}")
    try:
        stream = await client.chat.completions.create(
            model="openai-drip",
            messages=[{"role": "user", "content": prompt}],
            stream=True,
            extra_headers={"x-request-id": out.request_id},
        )
        async for chunk in stream:
            if not out.text and any(c.delta.content for c in chunk.choices):
                started.put_nowait(out.request_id)  # the first text: the stream is under way
            for choice in chunk.choices:
                out.text += choice.delta.content or ""
                out.finish_reason = choice.finish_reason or out.finish_reason
    except openai.APIError as exc:
        out.error = f"{type(exc).__name__}: {exc.message}"
    return out


@dataclass(slots=True)
class Audited:
    requests: dict[str, dict[str, Any]]  # the request records by request id
    verdict: Verdict  # `bastion audit verify`'s check
    last_seq: int
    last_checkpoint: int | None


async def audited(config_path: Path) -> Audited:
    config = load_config(config_path)
    storage = open_storage(config.database_url)
    await storage.open()
    try:
        async with storage.read() as conn:
            payloads = await conn.scalars(sa.select(records.c.payload).where(records.c.kind == "request"))
            last_seq = await conn.scalar(sa.select(sa.func.max(records.c.seq)))
            last_checkpoint = await conn.scalar(sa.select(sa.func.max(checkpoints.c.seq)))
        material = load_material(config.audit, config.database_url)
        verdict = await verify(AuditStore(storage), material.trusted)
    finally:
        await storage.close()
    rows = [orjson.loads(p) for p in payloads]
    return Audited({r["request_id"]: r for r in rows}, verdict, int(last_seq or 0), last_checkpoint)


async def refused(url: str) -> bool:
    """A new connection is refused (every check opens its own)."""
    async with httpx.AsyncClient(timeout=2) as probe:
        try:
            await probe.get(url + "/healthz")
        except httpx.ConnectError:
            return True
    return False


async def readiness(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as probe:
        return await probe.get(url + "/readyz")


async def anthropic_stream(url: str, started: asyncio.Queue[str]) -> Streamed:
    """An Anthropic SDK client's stream (the Messages API's own error event when it is cut)."""
    out = Streamed("drain-anthropic")
    client = anthropic.AsyncAnthropic(base_url=url, api_key=ADMIN_KEY, max_retries=0)
    try:
        async with client.messages.stream(
            model="anthropic-drip", max_tokens=100, messages=[{"role": "user", "content": "long"}],
            extra_headers={"x-request-id": out.request_id},
        ) as stream:  # fmt: skip
            async for text in stream.text_stream:
                if not out.text:
                    started.put_nowait(out.request_id)
                out.text += text
    except anthropic.APIStatusError as exc:
        out.error = f"{type(exc).__name__}: {exc.message}"
    finally:
        await client.close()
    return out


def sdk(url: str) -> openai.AsyncOpenAI:
    limits = httpx.Limits(max_connections=STREAMS + 10, max_keepalive_connections=STREAMS + 10)
    http = httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60.0))
    return openai.AsyncOpenAI(base_url=url + "/v1", api_key=ADMIN_KEY, max_retries=0, http_client=http)


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_pg_database("drain") as url:
        yield url


@pytest.mark.slow
async def test_sigterm_drains_fifty_streams_through_two_workers(
    fakes: Fakes, tmp_path: Path, pg_url: str
) -> None:
    port = free_port()
    config = write_config(tmp_path, fakes, pg_url, DRIP_SECONDS, drain_seconds=30, drain_grace_seconds=1)
    served = Served(
        ["serve", "--config", str(config), "--port", str(port), "--workers", "2"], bastion_env(), tmp_path
    )
    url = served.wait_listening()
    try:
        wait_ready(url)
        client = sdk(url)
        started: asyncio.Queue[str] = asyncio.Queue()
        tasks = [asyncio.create_task(stream_one(client, f"p{i}-{os.urandom(3).hex()}", started))
                 for i in range(STREAMS)]  # fmt: skip
        for _ in range(STREAMS):  # every stream has its first chunk: all 50 are in flight
            await asyncio.wait_for(started.get(), 60)

        served.proc.send_signal(signal.SIGTERM)  # the parent passes it on to both workers
        signalled = time.monotonic()
        ready = await readiness(url)
        while ready.status_code == 200 and time.monotonic() - signalled < 0.5:
            ready = await readiness(url)
        assert ready.status_code == 503, ready.text
        assert ready.json()["status"] == "draining"
        while not await refused(url):  # after drain_grace_seconds the listeners close
            assert time.monotonic() - signalled < 10, "new connections were still accepted"
            await asyncio.sleep(0.1)
        assert not any(t.done() for t in tasks), "a stream ended before the listeners closed"

        results = await asyncio.gather(*tasks)
        await client.close()
        code = await asyncio.to_thread(served.proc.wait, 60)
    finally:
        err = served.stop()
    assert code == 0, err

    ticks = drip_ticks(f"drip-{DRIP_SECONDS}")
    for r in results:
        assert r.error is None, r
        assert r.finish_reason == "stop", r
        assert r.text == "Echo:" + " tick" * ticks + " " + r.request_id.removeprefix("drain-"), r
    audit = await audited(config)
    for r in results:
        row = audit.requests.get(r.request_id)
        assert row is not None, f"{r.request_id} has no audit record"
        assert (row["outcome"], row["stream_completed"], row["error_code"]) == ("completed", True, None), row
    assert audit.verdict.ok, audit.verdict.summary()
    assert audit.last_checkpoint == audit.last_seq, "the shutdown did not sign a checkpoint over every record"


@pytest.mark.slow
async def test_stream_longer_than_the_drain_is_cut_at_the_deadline(fakes: Fakes, tmp_path: Path) -> None:
    drain_seconds = 3.0
    config = write_config(
        tmp_path, fakes, f"sqlite:///{tmp_path / 'bastion.db'}", 60, drain_seconds=drain_seconds,
        drain_grace_seconds=0.5,
    )  # fmt: skip
    served = Served(["serve", "--config", str(config), "--port", "0"], bastion_env(), tmp_path)
    url = served.wait_listening()
    try:
        wait_ready(url)
        client = sdk(url)
        started: asyncio.Queue[str] = asyncio.Queue()
        long_stream = asyncio.create_task(stream_one(client, "long", started))
        long_anthropic = asyncio.create_task(anthropic_stream(url, started))
        for _ in range(2):
            await asyncio.wait_for(started.get(), 30)
        # a request still waiting for the provider's first byte (5 s) when the deadline comes
        waiting = asyncio.create_task(
            client.chat.completions.with_raw_response.create(
                model="openai-slow-roomy",
                messages=[{"role": "user", "content": "slow"}],
                extra_headers={"x-request-id": "drain-waiting"},
            )
        )
        await asyncio.sleep(0.3)
        served.proc.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        cut = await long_stream
        cut_after = time.monotonic() - signalled
        cut_anthropic = await long_anthropic
        with pytest.raises(openai.APIStatusError) as early:
            await waiting
        await client.close()
        code = await asyncio.to_thread(served.proc.wait, 30)
    finally:
        err = served.stop()
    assert code == 0, err

    assert cut.error is not None and "shutting down" in cut.error, cut
    assert cut.finish_reason is None and cut.text.startswith("Echo: tick"), cut
    assert drain_seconds - DRIP_INTERVAL <= cut_after < drain_seconds + 3, cut_after
    assert cut_anthropic.error is not None and "shutting down" in cut_anthropic.error, cut_anthropic
    assert cut_anthropic.text.startswith(" tick tick"), cut_anthropic  # the ticks come before the answer
    assert early.value.status_code == 503
    assert early.value.body["code"] == "gateway_shutdown"  # type: ignore[index]
    audit = await audited(config)
    for rid in (cut.request_id, cut_anthropic.request_id, "drain-waiting"):
        row = audit.requests[rid]
        assert (row["outcome"], row["error_code"], row["status"]) == ("error", "gateway_shutdown", 503), row
        assert not row["stream_completed"]
    assert audit.verdict.ok, audit.verdict.summary()
    assert audit.last_checkpoint == audit.last_seq
