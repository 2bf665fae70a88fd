"""Fixtures for routing tests: the scripted fake provider (session) and a factory of gateways pointed at
it, each with its own SQLite database, stopped after the test."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import ADMIN_KEY, Gateway, free_port
from routing.scripted import Scripted

TIMEOUTS = {"connect": 1, "first_byte": 1.0, "idle": 2, "total": 10}
StartGateway = Callable[..., Gateway]


@pytest.fixture(scope="session")
def scripted() -> Iterator[Scripted]:
    server = Scripted().start()
    yield server
    server.stop()


def uid() -> str:
    return uuid.uuid4().hex[:8]


def config(
    scripted: Scripted,
    db: Path,
    models: list[dict[str, Any]],
    routing: dict[str, Any] | None = None,
    *,
    audit: bool = False,
    policies: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    def provider(name: str, ptype: str, url: str, region: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "type": ptype, "base_url": url, "api_key": f"sk-{name}-0123456789",
                "region": region, "timeouts": TIMEOUTS, **extra}  # fmt: skip

    providers = [
        provider("p1", "openai", scripted.url + "/v1", "us"),
        provider("p2", "openai", scripted.url + "/v1", "eu"),
        provider("p3", "openai", scripted.url + "/v1", "eu"),
        provider("anth", "anthropic", scripted.url, "eu"),
        provider("local", "openai", scripted.url + "/v1", "eu", trusted=True),
        provider("dead", "openai", f"http://127.0.0.1:{free_port()}/v1", "us"),
    ]
    return {
        "admin_key": ADMIN_KEY,
        "database_url": f"sqlite:///{db}",
        "server": {"target_header": True},
        "providers": providers,
        "models": models,
        "routing": routing or {},
        "policies": policies or [],
        "audit": {"enabled": audit},  # off unless a test reads the record: keeps these gateways light
    }


@pytest.fixture
def start_gateway(scripted: Scripted, tmp_path: Path) -> Iterator[StartGateway]:
    started: list[Gateway] = []

    def start(
        models: list[dict[str, Any]],
        routing: dict[str, Any] | None = None,
        db: str = "gw.db",
        audit: bool = False,
        policies: list[dict[str, Any]] | None = None,
    ) -> Gateway:
        gw = Gateway.start(config(scripted, tmp_path / db, models, routing, audit=audit, policies=policies))
        started.append(gw)
        return gw

    yield start
    for gw in started:
        if not gw.thread.loop.is_closed():  # a test may have stopped it already
            gw.stop()


def chat(gw: Gateway, model: str, stream: bool = False, key: str = ADMIN_KEY, **extra: Any) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "hello"}], "stream": stream, **extra}
    return httpx.post(
        gw.url + "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=20
    )
